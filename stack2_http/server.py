"""Stack 2 · HTTP + WebSocket: una sola aplicación Tornado sirve la página y el chat."""

from __future__ import annotations

from pathlib import Path

import tornado.web
import tornado.websocket
from tornado.httputil import HTTPServerRequest

from common.hub import Hub
from common.runner import parse_options, run
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


class SecureHeadersMixin:
    """Cabeceras de seguridad comunes a todas las respuestas HTTP."""

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")  # type: ignore[attr-defined]
        self.set_header("Referrer-Policy", "no-referrer")  # type: ignore[attr-defined]


class PageHandler(SecureHeadersMixin, tornado.web.RequestHandler):
    """Sirve la página del chat (clientehttp.html)."""

    def get(self) -> None:
        self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.render("clientehttp.html")


class StaticHandler(SecureHeadersMixin, tornado.web.StaticFileHandler):
    """Sirve /static/ (CSS, JavaScript, icono) con las mismas cabeceras."""


class ChatSocket(tornado.websocket.WebSocketHandler):
    """Una conexión: se identifica por IP:puerto y habla el protocolo JSON."""

    def initialize(self, hub: Hub) -> None:
        self.hub = hub
        self.identity = client_identity(self.request)

    # No redefinimos check_origin: la comprobación de Tornado solo deja abrir
    # el WebSocket a páginas servidas por este mismo servidor (las demás, 403).

    def open(self) -> None:
        self.hub.add(self, name=self.identity)
        self.hub.send(self, protocol.welcome(self.identity, self.hub.names))
        self.hub.broadcast(protocol.join(self.identity, self.hub.names), exclude=self)

    def on_message(self, message: str | bytes) -> None:
        try:
            text = protocol.parse_chat_text(message)
        except protocol.ProtocolError as problem:
            # Solo se entera quien lo envió; la conexión sigue abierta y útil.
            self.hub.send(self, protocol.error(problem))
            return
        self.hub.broadcast(protocol.message(self.identity, text))

    def on_close(self) -> None:
        if self.hub.remove(self):
            self.hub.broadcast(protocol.leave(self.identity, self.hub.names))


def make_app(hub: Hub, debug: bool = False) -> tornado.web.Application:
    """Crea la aplicación: la página, sus archivos estáticos y el WebSocket, en un solo puerto."""
    return tornado.web.Application(
        [
            (r"/", PageHandler),
            (r"/clientehttp\.html", PageHandler),
            (r"/ws", ChatSocket, {"hub": hub}),
        ],
        template_path=str(HERE),
        static_path=str(HERE / "static"),
        static_handler_class=StaticHandler,
        debug=debug,
    )


def main() -> None:
    options = parse_options(default_port=8000)
    hub = Hub()
    app = make_app(hub, debug=options.debug)
    run(app, hub, options, "Stack 2 · HTTP + WebSocket", "http://{host}/")


if __name__ == "__main__":
    main()
