"""Stack 2 · HTTP + WebSocket: una sola aplicación Tornado sirve la página y el chat."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tornado.web
import tornado.websocket
from tornado.httputil import HTTPServerRequest
from tornado.options import OptionParser

from common.hub import Hub
from common.limits import FloodGuard, FloodLimits, Verdict, localized_protocol
from common.per_address import address_messages, define_address_message_options
from common.responses import SafeStaticFileHandler
from common.runner import app_settings, hub_settings, parse_options, run
from stack2_http import protocol

HERE = Path(__file__).resolve().parent

# La página solo puede cargar recursos de este mismo servidor y no ejecuta
# scripts escritos dentro del HTML: si alguien lograra colar HTML en el chat,
# el navegador se negaría a ejecutarlo.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def client_identity(request: HTTPServerRequest) -> str:
    """«IP:puerto» del cliente, tal como lo ve el servidor."""
    ip = request.remote_ip
    # El puerto de origen lo elige el sistema del cliente para cada conexión.
    port = request.connection.context.address[1]  # type: ignore[union-attr]
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def add_security_headers(handler: tornado.web.RequestHandler) -> None:
    """Cabeceras comunes a todas las respuestas HTTP de este servidor."""
    handler.set_header("X-Content-Type-Options", "nosniff")  # El tipo es el que decimos.
    handler.set_header("Referrer-Policy", "no-referrer")


class PageHandler(tornado.web.RequestHandler):
    """Sirve la página del chat (clientehttp.html)."""

    def set_default_headers(self) -> None:
        add_security_headers(self)
        self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)

    def get(self) -> None:
        self.render("clientehttp.html")


class StaticHandler(SafeStaticFileHandler):
    """Sirve /static/ (CSS, JavaScript, icono) con las mismas cabeceras."""

    def set_default_headers(self) -> None:
        add_security_headers(self)


class ChatSocket(tornado.websocket.WebSocketHandler):
    """Una conexión: se identifica por IP:puerto y habla el protocolo JSON."""

    def initialize(self, hub: Hub, flood: FloodLimits) -> None:
        # Pocos atributos a propósito: con más de 29 por handler, Python guarda los
        # de cada conexión en un diccionario propio de 1,5 KB (benchmarks/README.md).
        self.hub = hub
        self.flood = FloodGuard(flood, shared=address_messages(self))  # El cubo de su IP, también.

    @property
    def identity(self) -> str:
        """«IP:puerto» de esta conexión; sale de la petición, que ya los guarda."""
        return client_identity(self.request)

    def check_origin(self, origin: str) -> bool:
        # Por defecto solo se aceptan páginas de este mismo servidor (la comprobación
        # de Tornado); las demás reciben 403, y así una web ajena no puede usar tu
        # navegador para entrar en el chat. --allowed-origins añade excepciones; como
        # es la misma lista para todas las conexiones, vive en los settings de la app.
        if origin.lower().rstrip("/") in self.settings["allowed_origins"]:
            return True
        return super().check_origin(origin)

    def get_websocket_protocol(self) -> tornado.websocket.WebSocketProtocol | None:
        return localized_protocol(self)  # El de Tornado, con motivos de cierre en español.

    def open(self) -> None:
        if not self.hub.add(self, name=self.identity):
            return  # Chat lleno: el hub ya la cerró con 1013 y nadie debe saber de ella.
        self.hub.send(self, protocol.welcome(self.identity, self.hub.names))
        self.hub.broadcast(protocol.join(self.identity, len(self.hub)), exclude=self)

    def on_message(self, message: str | bytes) -> None:
        verdict = self.flood.check()
        if verdict is Verdict.CLOSE:
            # A través del hub, para que los avisos ya en cola lleguen antes del cierre.
            self.hub.close(self, 1008, "Demasiados mensajes seguidos")  # «policy violation»
            return
        try:
            if verdict is Verdict.DROP:
                raise protocol.TOO_FAST
            text = protocol.parse_chat_text(message)
        except protocol.ProtocolError as problem:
            # Solo se entera quien lo envió; la conexión sigue abierta y útil.
            self.hub.send(self, protocol.error(problem))
            return
        self.hub.broadcast(protocol.message(self.identity, text))

    def on_close(self) -> None:
        if self.hub.remove(self):
            self.hub.broadcast(protocol.leave(self.identity, len(self.hub)))


def make_app(
    hub: Hub,
    flood: FloodLimits = FloodLimits(),
    allowed_origins: Iterable[str] = (),
    handler: type = ChatSocket,
    **settings: Any,
) -> tornado.web.Application:
    """Crea la aplicación: la página, sus archivos estáticos y el WebSocket, en un solo puerto."""
    origins = frozenset(origin.lower().rstrip("/") for origin in allowed_origins)
    return tornado.web.Application(
        [
            (r"/", PageHandler),
            (r"/clientehttp\.html", PageHandler),
            (r"/ws", handler, {"hub": hub, "flood": flood}),
        ],
        template_path=str(HERE),
        static_path=str(HERE / "static"),
        static_handler_class=StaticHandler,
        allowed_origins=origins,
        **settings,
    )


def define_stack2_options(options: OptionParser) -> None:
    """Opciones que solo tiene el Stack 2."""
    options.define("rate", default=5.0, type=float, help="mensajes por segundo por conexión")
    options.define("burst", default=10, type=int, help="mensajes seguidos admitidos de golpe")
    define_address_message_options(options)  # --address-rate: los de toda una IP.
    options.define(
        "allowed_origins",
        default=[],
        type=str,
        multiple=True,
        help="otros orígenes que pueden abrir el WebSocket, separados por comas",
    )


def main(handler: type = ChatSocket, title: str = "Stack 2 · HTTP + WebSocket") -> None:
    options = parse_options(default_port=8000, define=define_stack2_options)
    hub = Hub(**hub_settings(options))
    flood = FloodLimits(rate=options.rate, burst=options.burst)
    app = make_app(hub, flood, options.allowed_origins, handler, **app_settings(options))
    run(app, hub, options, title, "http://{host}/")


if __name__ == "__main__":
    main()
