"""Stack 2 · HTTP + WebSocket: una sola aplicación Tornado sirve la página y el chat."""

from __future__ import annotations

import ipaddress
import json
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import tornado.web
import tornado.websocket
from tornado.httputil import HTTPServerRequest
from tornado.options import OptionParser

from common.defences.headers import SafeStaticFileHandler
from common.defences.limits import FloodGuard, FloodLimits, Verdict
from common.defences.per_address import (
    NO_ADDRESS_LIMITS,
    AddressLimits,
    define_address_message_options,
    rules_from_options,
)
from common.defences.proxies import LOOPBACK, TrustedProxies
from common.fanout.hub import Hub, HubSocket
from common.history.log import STOPPED_TEXT, Log, LogStopped, MemoryLog, Replay
from common.live.presence import Presence
from common.live.relay import Relay
from common.processes.link import DEGRADED_TEXT, RedisUnavailable
from common.startup.network import LanAccess
from common.startup.options import fail
from common.startup.runner import run
from common.startup.settings import app_settings, hub_settings, parse_options, response_transforms
from common.tornado_internals import localized_protocol, peer_port
from stack2_http import protocol, rooms
from stack2_http.join import QRHandler
from stack2_http.other_processes import connect_shared_events
from stack2_http.roster import Roster
from stack2_http.storage import history_note, open_log, open_shared

HERE = Path(__file__).resolve().parent
# La sala de / y de /ws (las demás se nombran en la dirección: stack2_http/rooms.py).
ROOM = rooms.DEFAULT_ROOM

# La página solo puede cargar recursos de este mismo servidor y no ejecuta
# scripts escritos dentro del HTML: si alguien lograra colar HTML en el chat,
# el navegador se negaría a ejecutarlo.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def client_identity(request: HTTPServerRequest, xheaders: bool = False) -> str:
    """«IP:puerto» del cliente, tal como lo ve el servidor (o nginx, con ``--xheaders``)."""
    ip = request.remote_ip
    # El puerto de origen lo elige el sistema del cliente para cada conexión.
    port = peer_port(request)
    if xheaders:
        ip, port = proxied_address(request, ip, port)
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def client_ip(request: HTTPServerRequest, xheaders: bool = False) -> str:
    """La IP de ``client_identity()``: la que cuentan los límites por dirección (lección 7)."""
    ip = request.remote_ip
    return proxied_address(request, ip, 0)[0] if xheaders else ip


def proxied_address(request: HTTPServerRequest, ip: str, port: int) -> tuple[str, int]:
    """La dirección del estudiante según nginx: X-Real-IP y X-Real-Port (deploy/nginx.conf).

    Solo cuentan esas dos cabeceras, que nginx *sustituye* siempre por las suyas; nunca
    X-Forwarded-For, una cadena a la que cualquiera puede añadir lo que quiera delante.
    Se llama solo si la conexión viene de un proxy de confianza (``ChatSocket.via_proxy``):
    las de cualquier otro no se miran. Si faltan o no son válidas, vale la del socket.
    """
    real_ip = request.headers.get("X-Real-IP", "")
    real_port = request.headers.get("X-Real-Port", "")
    try:
        ip_ok = str(ipaddress.ip_address(real_ip))
    except ValueError:
        return ip, port
    if not real_port.isdigit() or not 0 < int(real_port) < 65536:
        return ip, port
    return ip_ok, int(real_port)


def add_security_headers(handler: tornado.web.RequestHandler) -> None:
    """Cabeceras comunes a todas las respuestas HTTP de este servidor."""
    handler.set_header("X-Content-Type-Options", "nosniff")  # El tipo es el que decimos.
    handler.set_header("Referrer-Policy", "no-referrer")


class PageHandler(tornado.web.RequestHandler):
    """Sirve la página del chat (clientehttp.html) de una sala: / o /sala/<nombre>."""

    def initialize(self, lan: LanAccess) -> None:
        self.lan = lan  # Por dónde se entra desde un móvil: el QR de la página (join.py).

    def set_default_headers(self) -> None:
        add_security_headers(self)
        self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)

    def get(self, asked: str | None = None) -> None:
        room = rooms.room_name(asked)
        if room is None:
            raise tornado.web.HTTPError(404)  # write_error la explica en español.
        if asked is not None and asked != room:
            # /sala/Clase y /sala/clase son la misma sala: que tenga una sola dirección.
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(f"/sala/{room}{query}", permanent=True)
            return
        self.render("clientehttp.html", room=room, lan=self.lan)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 404:
            rooms.write_not_found(self)
        else:  # La página de Tornado, que common/spanish.py pasa al español.
            super().write_error(status_code, **kwargs)


class StaticHandler(SafeStaticFileHandler):
    """Sirve /static/ (CSS, JavaScript, icono) con las mismas cabeceras."""

    def set_default_headers(self) -> None:
        add_security_headers(self)

    def set_extra_headers(self, path: str) -> None:
        # Con ?v= (static_url) se guarda diez años: si cambia, cambia su dirección.
        # Sin ?v= (los módulos que importa chat/main.js), el navegador pregunta cada
        # vez (un 304 si no cambió): nunca mezcla un módulo viejo con uno nuevo.
        if "v" not in self.request.arguments:
            self.set_header("Cache-Control", "no-cache")


class HealthHandler(tornado.web.RequestHandler):
    """/healthz: 200 si este proceso puede guardar mensajes (y llegar a Redis), 503 si no.

    nginx (o quien reparta) lo consulta para no mandar a nadie a un proceso que no sirve.
    """

    def initialize(self, log: Log) -> None:
        self.log = log

    def get(self) -> None:
        healthy = self.log.healthy
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"ok": healthy}))


class Chat(NamedTuple):
    """Lo que comparten todas las conexiones, creado una vez en ``make_app()``."""

    hub: Hub  # A qué sockets de este proceso llega cada frame.
    log: Log  # Qué número lleva cada mensaje y qué se dijo antes.
    presence: Presence  # Quién está en cada sala.
    flood: FloodLimits  # Cuántos mensajes por segundo admite cada conexión.
    relay: Relay  # Lo que cruza procesos sin guardarse: escribiendo… y privados.
    addresses: AddressLimits  # Lo que admite cada estudiante: sus WebSockets y mensajes.
    origins: frozenset[str]  # Otras páginas que pueden abrir el WebSocket (--allowed-origins).
    proxies: TrustedProxies  # De quién se cree X-Real-IP (--xheaders, --trusted-proxies).
    open_rooms: rooms.OpenRooms  # Las salas con gente aquí, y el tope de salas abiertas.
    roster: Roster  # Quién entra y sale, contado a cada sala: uno a uno, o cuántos hay.


class Session:
    """Lo que el servidor sabe de una conexión, junto y con ``__slots__``.

    El handler guarda solo esto y ``Chat``: con pocos atributos, Python comparte
    entre todos los handlers las claves de su diccionario y cada conexión ocupa
    menos (benchmarks/README.md lo mide). Lo que añadan las salas o los apodos
    tiene aquí su sitio.
    """

    __slots__ = ("address", "flood", "identity", "nick", "room", "sender")

    def __init__(
        self, identity: str, room: str, flood: FloodGuard, address: str, client: str | None
    ) -> None:
        self.identity = identity  # «IP:puerto», como lo ve el servidor.
        self.address = address  # Su IP, la de los límites por dirección (--max-per-address).
        self.room = room  # La sala, que sale de la dirección (/ws/<sala>).
        self.flood = flood  # Su cubo de fichas (--rate, --burst) y el de su IP (--address-rate).
        self.nick: str | None = None  # Su apodo, cuando lo elige (lección 11).
        # Quién envía sus mensajes, para reconocer sus reintentos (lección 10): la clave
        # de ?client=, la misma en cada conexión de esa página; sin clave, esta conexión
        # y ninguna otra (su IP:puerto y algo al azar: un puerto se vuelve a usar).
        # Nunca sale en un frame: con ella, otro podría adelantarse a sus reintentos.
        self.sender = client or f"{identity}#{secrets.token_hex(4)}"


class ChatSocket(HubSocket):
    """Una conexión: se identifica por IP:puerto y habla el protocolo JSON."""

    def initialize(self, chat: Chat) -> None:
        self.chat = chat
        self.session: Session | None = None  # Se crea en open(), si cabe en el chat.

    @property
    def hub(self) -> Hub:  # type: ignore[override]
        return self.chat.hub

    @property
    def identity(self) -> str:
        """«IP:puerto» de esta conexión; sale de la petición, que ya los guarda."""
        return client_identity(self.request, self.via_proxy)

    @property
    def via_proxy(self) -> bool:
        """¿Llegó a través de un proxy de confianza? Solo entonces se cree X-Real-IP.

        Sin --xheaders no se confía en nadie; con él, en --trusted-proxies (este equipo,
        donde corre nginx en la lección 13). Quien llega directo no puede inventarse a otro.
        """
        return self.request.remote_ip in self.chat.proxies

    def check_origin(self, origin: str) -> bool:
        # Por defecto solo se aceptan páginas de este mismo servidor (la comprobación
        # de Tornado); las demás reciben 403, y así una web ajena no puede usar tu
        # navegador para entrar en el chat. --allowed-origins añade excepciones; como
        # es la misma lista para todas las conexiones, vive en Chat.
        if origin.lower().rstrip("/") in self.chat.origins:
            return True
        return super().check_origin(origin)

    def get_websocket_protocol(self) -> tornado.websocket.WebSocketProtocol | None:
        return localized_protocol(self)  # El de Tornado, con motivos de cierre en español.

    def prepare(self) -> None:
        # Una sala con un nombre imposible (/ws/..%2Fetc) se rechaza antes del
        # handshake, con un 404: nunca llega a abrirse el WebSocket.
        if rooms.room_name(*self.path_args) is None:
            raise tornado.web.HTTPError(404)

    async def open(self, asked: str | None = None) -> None:
        chat, identity = self.chat, self.identity
        room = rooms.room_name(asked) or ROOM  # prepare() ya comprobó que vale.
        # Los límites de cada estudiante (--max-per-address, --connect-rate, --address-rate).
        limits = chat.addresses
        address = client_ip(self.request, self.via_proxy)
        refused = limits.admit(address)
        if refused is not None:
            # Demasiados WebSockets de este estudiante (--max-per-address) o demasiados
            # nuevos por segundo (--connect-rate). Después del handshake y no con un 503:
            # así el motivo llega a la página (event.reason) y puede enseñarlo.
            self.close(1013, refused)  # 1013 = «inténtalo más tarde».
            return
        # Con --redis, se espera aquí a Redis (rooms.OpenRooms); mientras, Tornado no
        # entrega ningún mensaje de esta conexión: no lo hace hasta que open() termina.
        if not await chat.open_rooms.enter(room):
            limits.release(address)
            self.close(1013, rooms.TOO_MANY_ROOMS_REASON)  # Antes de ningún welcome.
            return
        if not chat.hub.add(self, name=identity, room=room):
            chat.open_rooms.leave(room)
            limits.release(address)
            return  # Chat lleno: el hub ya la cerró con 1013 y nadie debe saber de ella.
        # Su propio cubo de fichas, y también el de su IP (--address-rate).
        flood = FloodGuard(chat.flood, shared=limits.message_bucket(address))
        client, client_problem = self.client_key()
        session = self.session = Session(identity, room, flood, address, client)
        count = chat.presence.join(room, identity)
        nick_problem = self.take_nick(self.get_query_argument("nick", None))
        # Todo esto ocurre sin ceder el loop: ningún mensaje puede guardarse entre leer
        # el historial y quedar apuntado en el hub. Por eso no se pierde ni se repite
        # ninguno entre lo que se recupera y lo que llega en directo.
        replay, problem = self.replay(room)
        online = chat.roster.online(room)  # Las 100 primeras (stack2_http/roster.py).
        epoch, latest = chat.log.epoch, chat.log.latest(room)
        welcome = protocol.welcome(
            identity, room, online, epoch, latest, *replay, count=count, nick=session.nick
        )
        chat.hub.send(self, welcome)
        for refused in (problem, nick_problem, client_problem):  # Se entra igual, con un aviso.
            if refused is not None:
                chat.hub.send(self, protocol.error(refused))
        if not chat.log.healthy:  # Quien entra con el log caído lo sabe desde el principio.
            text = DEGRADED_TEXT if chat.log.stopped is None else STOPPED_TEXT
            chat.hub.send(self, protocol.status(True, text))
        chat.roster.joined(room, identity, session.nick, count, exclude=self)  # Los demás.

    def client_key(self) -> tuple[str | None, protocol.ProtocolError | None]:
        """La clave de ``?client=`` (la página la guarda en su navegador), y el error si no vale."""
        # strip=False: una clave con espacios no es la misma clave sin ellos.
        asked = self.get_query_argument("client", None, strip=False)
        try:
            return protocol.parse_client(asked), None
        except protocol.ProtocolError as problem:
            return None, problem

    def take_nick(self, asked: str | None) -> protocol.ProtocolError | None:
        """Da a esta conexión el apodo ``asked`` si es válido y está libre; si no, el error."""
        if asked is None:
            return None
        session = self.session
        try:
            nick = protocol.clean_nick(asked)
        except protocol.ProtocolError as problem:
            return problem
        if not self.chat.presence.set_nick(session.room, session.identity, nick):
            return protocol.nick_taken(nick)
        session.nick = nick
        return None

    def replay(self, room: str) -> tuple[Replay, protocol.ProtocolError | None]:
        """El historial que pide la dirección (``?since=&epoch=``), y el error si lo hay."""
        try:
            since, epoch = protocol.parse_resume(
                self.get_query_argument("since", None), self.get_query_argument("epoch", None)
            )
            try:
                return self.chat.log.replay(room, since, epoch), None
            except ValueError:
                raise protocol.since_too_far() from None
        except protocol.ProtocolError as problem:
            # Una dirección mal escrita no impide entrar: los últimos mensajes y un aviso.
            return self.chat.log.replay(room), problem

    def on_message(self, message: str | bytes) -> None:
        session = self.session
        if session is None:
            return  # No cupo en el chat y se está cerrando.
        problem, event, action = None, None, None
        try:
            fields = protocol.decode(message)
            if fields["type"] not in self.EVENTS:
                raise protocol.unknown_type(fields["type"], self.EVENTS)
            validate, action = self.EVENTS[fields["type"]]
            event = validate(fields)
        except protocol.ProtocolError as error:
            problem = error
        # El control de inundación cuenta todos los frames, de cualquier tipo y
        # también los que no son válidos.
        verdict = session.flood.check()
        if verdict is Verdict.CLOSE:
            # A través del hub, para que los avisos ya en cola lleguen antes del cierre.
            self.hub.close(self, 1008, "Demasiados mensajes seguidos")  # «policy violation»
        elif verdict is Verdict.DROP:
            cid = problem.cid if problem else getattr(event, "cid", None)
            self.hub.send(self, protocol.error(protocol.too_fast(cid)))
        elif problem is not None:
            # Solo se entera quien lo envió; la conexión sigue abierta y útil.
            self.hub.send(self, protocol.error(problem))
        else:
            action(self, event)

    def on_chat_message(self, event: protocol.Message) -> None:
        """Un mensaje de chat: se guarda y, cuando ya está guardado, se reparte."""
        log, session = self.chat.log, self.session
        epoch, room, identity, cid = log.epoch, session.room, session.identity, event.cid

        nick = session.nick  # El de ahora: si luego lo cambia, este mensaje no cambia.

        def encode(seq: int) -> str:
            return protocol.message(seq, epoch, room, identity, event.text, cid, nick)

        def stored(seq: int) -> None:
            # Primero el ack a quien lo envió; el log lo reparte justo después.
            if cid is not None:
                self.hub.send(self, protocol.ack(cid, seq))

        def failed(error: Exception) -> None:
            stopped = isinstance(error, LogStopped)  # Hasta reiniciar; si no, un momento.
            problem = protocol.log_stopped(cid) if stopped else protocol.unavailable(cid)
            self.hub.send(self, protocol.error(problem))

        # El log reconoce un reintento por quién lo envía y su cid: un cid solo es único
        # para quien lo eligió, y dos estudiantes pueden elegir el mismo.
        log.append(room, session.sender, cid, encode, stored, failed)

    def on_nick(self, event: protocol.Nick) -> None:
        """Un apodo nuevo: si está libre, lo sabe toda la sala (también quien lo pidió)."""
        session = self.session
        problem = self.take_nick(event.nick)
        if problem is not None:
            self.hub.send(self, protocol.error(problem))
            return
        # En una sala grande, solo quien lo pidió (stack2_http/roster.py).
        self.chat.roster.renamed(session.room, session.identity, event.nick, owner=self)

    def nick_refused(self, asked: str, nick: str | None) -> None:
        """Con --redis: otro proceso dio ``asked`` antes, y esta conexión vuelve a ``nick``.

        Lo sabe ella (con el error) y lo sabe su sala, que ya la vio con ``asked``.
        """
        session = self.session
        if session is None or session.nick != asked:
            return  # Ya pidió otro, o se fue: eso está en camino.
        session.nick = nick
        self.hub.send(self, protocol.error(protocol.nick_taken(asked)))
        self.chat.roster.renamed(session.room, session.identity, nick, owner=self)

    def on_typing(self, event: protocol.Typing) -> None:
        """«Está escribiendo…»: a los demás de la sala, sin guardarlo en ningún sitio."""
        session = self.session
        frame = protocol.typing(session.identity, session.nick)
        self.hub.broadcast(frame, exclude=self, room=session.room)
        self.chat.relay.publish(session.room, frame)  # Y a los de otros procesos.

    def on_private(self, event: protocol.Private) -> None:
        """Un mensaje privado: solo a esa conexión de la misma sala, y una copia a quien lo envía.

        No pasa por el log: no tiene seq ni queda en el historial (lección 11).
        """
        session, hub = self.session, self.hub
        if event.to == session.identity:
            hub.send(self, protocol.error(protocol.private_to_self()))
            return
        # La presencia sabe quién hay en la sala, en este proceso o en otro (--redis).
        # Otra sala cuenta como «no existe»: desde aquí no se ve quién hay en las demás.
        if not self.chat.presence.is_in(session.room, event.to):
            hub.send(self, protocol.error(protocol.not_found(event.to)))
            return
        frame = protocol.private(session.identity, session.nick, event.to, event.text)
        target = hub.find(event.to)
        if target is not None:
            hub.send(target, frame)
        elif not self.chat.relay.publish(session.room, frame, to=event.to):
            # Lo atiende otro proceso y Redis no contesta: mejor decirlo que fingir.
            hub.send(self, protocol.error(protocol.private_unavailable()))
            return
        hub.send(self, frame)

    # La tabla de despacho: cada tipo de evento que puede enviar el cliente, con la
    # función de protocol.py que lo valida y el método que lo atiende. Un tipo
    # nuevo es una línea más aquí.
    EVENTS: ClassVar[dict[str, tuple[Callable[[dict[str, Any]], Any], Callable[..., None]]]] = {
        "message": (protocol.parse_message, on_chat_message),
        "nick": (protocol.parse_nick, on_nick),
        "typing": (protocol.parse_typing, on_typing),
        "private": (protocol.parse_private, on_private),
    }

    def on_close(self) -> None:
        session = self.session
        if session is not None:  # Su sitio entre los de su IP queda libre.
            self.chat.addresses.release(session.address)
        if session is not None and self.hub.remove(self):
            # La presencia libera el apodo: otra persona puede usarlo desde ya.
            count = self.chat.presence.leave(session.room, session.identity)
            self.chat.roster.left(session.room, session.identity, session.nick, count)
            self.chat.open_rooms.leave(session.room)  # ¿La última de aquí? Se deja de seguir.


def make_app(
    hub: Hub,
    flood: FloodLimits = FloodLimits(),
    allowed_origins: Iterable[str] = (),
    handler: type = ChatSocket,
    log: Log | None = None,
    presence: Presence | None = None,
    relay: Relay | None = None,
    trusted_proxies: TrustedProxies | None = None,
    address_limits: AddressLimits | None = None,
    lan: LanAccess | None = None,
    max_rooms: int = rooms.MAX_ROOMS,
    **settings: Any,
) -> tornado.web.Application:
    """Crea la aplicación: la página, sus archivos estáticos y el WebSocket, en un solo puerto.

    Sin ``log``, el historial vive solo en memoria (como ``--db=:memory:``); sin
    ``presence`` ni ``relay``, todo es de este proceso. ``trusted_proxies``: los proxies
    cuyas X-Real-IP y X-Real-Port se creen (--xheaders); sin ellos, ninguno.
    ``address_limits``: lo que admite cada estudiante (sin ellos, no hay tope por
    dirección). ``lan``: por dónde se entra desde un móvil, para el QR de la página.
    ``max_rooms``: ver --max-rooms.
    """
    log = MemoryLog() if log is None else log
    presence = Presence() if presence is None else presence
    relay = Relay() if relay is None else relay
    proxies = TrustedProxies() if trusted_proxies is None else trusted_proxies
    limits = AddressLimits(NO_ADDRESS_LIMITS) if address_limits is None else address_limits
    lan = LanAccess() if lan is None else lan
    # Cada mensaje, cuando el log ya lo ha guardado, se reparte a los sockets de este proceso.
    log.subscribe(hub.deliver)
    roster = Roster(hub, presence)
    connect_shared_events(hub, log, presence, relay, roster)
    open_rooms = rooms.OpenRooms(log, presence, max_rooms)
    origins = frozenset(origin.lower().rstrip("/") for origin in allowed_origins)
    chat = Chat(hub, log, presence, flood, relay, limits, origins, proxies, open_rooms, roster)
    return tornado.web.Application(
        [
            (r"/", PageHandler, {"lan": lan}),
            (r"/clientehttp\.html", PageHandler, {"lan": lan}),
            # (.*) y no ([a-z0-9_-]+): así un nombre imposible recibe el 404 en español.
            (r"/sala/(.*)", PageHandler, {"lan": lan}),
            (r"/ws", handler, {"chat": chat}),
            (r"/ws/(.*)", handler, {"chat": chat}),
            (r"/salas\.json", rooms.RoomsHandler, {"presence": chat.presence}),
            # El QR para entrar desde el móvil (stack2_http/join.py).
            (r"/qr\.svg", QRHandler, {"lan": lan}),
            (r"/healthz", HealthHandler, {"log": log}),
        ],
        template_path=str(HERE),
        static_path=str(HERE / "static"),
        static_handler_class=StaticHandler,
        # Sus respuestas, también las de error, en español y con cabeceras de seguridad.
        transforms=response_transforms(),
        **settings,
    )


def define_stack2_options(options: OptionParser) -> None:
    """Opciones que solo tiene el Stack 2."""
    options.define("rate", default=5.0, type=float, help="mensajes por segundo por conexión")
    options.define("burst", default=10, type=int, help="mensajes seguidos admitidos de golpe")
    # De sí o no, y por defecto sí: --help la enseña como --no-qr, con esta ayuda.
    options.define("qr", default=True, help="no dibuja en el banner el QR de la URL de la red")
    define_address_message_options(options)  # --address-rate: los de toda una IP.
    options.define(
        "allowed_origins",
        default=[],
        type=str,
        multiple=True,
        help="otros orígenes que pueden abrir el WebSocket, separados por comas",
    )
    options.define(
        "db",
        default="",  # Vacío: DEFAULT_DB. Así --help no enseña la ruta de este equipo.
        help="archivo SQLite del historial; por defecto, datos/chat.sqlite3 en la carpeta "
        "del proyecto (:memory: = no guardar nada)",
    )
    options.define("history", default=1000, type=int, help="mensajes que se guardan de cada sala")
    options.define(
        "max_rooms",
        default=rooms.MAX_ROOMS,
        type=int,
        help="salas con gente a la vez, como mucho (con --redis, entre todos los procesos)",
    )
    options.define(
        "redis",
        default="",
        help="redis://EQUIPO:PUERTO/BD: el log y la presencia en Redis, compartidos entre procesos",
    )
    options.define(
        "processes",
        default=1,
        type=int,
        help="procesos que atienden el mismo puerto (Linux y macOS; necesita --redis)",
    )
    options.define(
        "xheaders",
        default=False,
        type=bool,
        help="detrás de nginx: la identidad sale de X-Real-IP y X-Real-Port (deploy/nginx.conf), "
        "si la conexión viene de --trusted-proxies",
    )
    options.define(
        "trusted_proxies",
        default=list(LOOPBACK),
        type=str,
        multiple=True,
        metavar="IP",
        help="con --xheaders, las IP o redes (10.0.0.0/24) de los proxies de confianza, "
        "separadas por comas; por defecto, este equipo (nginx en la misma máquina)",
    )
    options.define("certfile", default="", help="certificado TLS (PEM): sirve https:// y wss://")
    options.define("keyfile", default="", help="clave privada TLS (PEM) del certificado")


def main(
    handler: type = ChatSocket,
    title: str = "Stack 2 · HTTP + WebSocket",
    make_log: Callable[[str, int], Log] = open_log,
) -> None:
    """Arranca el Stack 2; ``make_log(db, history)`` crea el log (las lecciones ponen el suyo)."""
    options = parse_options(default_port=8000, define=define_stack2_options)
    if options.processes < 1:
        raise SystemExit("Error: --processes debe ser 1 o más.")
    if options.max_rooms < 1:
        raise SystemExit("Error: --max-rooms debe ser 1 o más (las salas abiertas a la vez).")
    if options.processes > 1 and not options.redis:
        raise SystemExit(
            "Error: --processes necesita --redis=redis://EQUIPO:PUERTO/0. Cada proceso tiene su "
            "propia memoria: sin Redis, cada uno sería un chat distinto en el mismo puerto."
        )
    try:
        trusted = TrustedProxies(options.trusted_proxies)
    except ValueError as wrong:
        fail(f"--trusted-proxies: «{wrong}» no es una IP ni una red (10.0.0.5, 10.0.0.0/24).")
    # Sin --xheaders no se cree a nadie: todos son estudiantes, también este equipo.
    proxies = trusted if options.xheaders else TrustedProxies()
    relay = Relay()
    if options.redis:
        log, presence, relay = open_shared(options.redis, options.history)
        note = f"Historial y presencia: Redis en {options.redis} (los últimos {options.history})."
        if options.processes > 1:
            note += f"\n{options.processes} procesos comparten el puerto (--processes)."
    else:
        log, presence = make_log(options.db, options.history), Presence()
        note = history_note(log)
    hub = Hub(**hub_settings(options))
    flood = FloodLimits(rate=options.rate, burst=options.burst)
    # Los límites de cada estudiante (WebSockets y mensajes), compartidos por todas sus
    # conexiones; el portero tiene los suyos (ver run()).
    limits = AddressLimits(rules_from_options(options))
    lan = LanAccess()  # run() apunta aquí las URL de la red al abrir el puerto.
    app = make_app(
        hub,
        flood,
        options.allowed_origins,
        handler,
        log,
        presence,
        relay,
        trusted_proxies=proxies,
        address_limits=limits,
        lan=lan,
        max_rooms=options.max_rooms,
        **app_settings(options),
    )

    async def start() -> None:
        try:
            await log.start()
            await presence.start()
            await relay.start()
        except RedisUnavailable as problem:
            raise SystemExit(
                f"Error: no se puede conectar con Redis en {options.redis} ({problem}). "
                "¿Está arrancado redis-server? Comprueba la dirección de --redis."
            ) from None

    async def stop() -> None:
        await presence.close()  # Primero la presencia: su gente sale de la lista ya.
        await relay.close()
        result = log.close()
        if result is not None:
            await result

    scheme = "https" if options.certfile else "http"
    notes = [rooms.BANNER_NOTE, note]
    url = scheme + "://{host}/"
    run(
        app,
        hub,
        options,
        title,
        url,
        notes=notes,
        on_stop=stop,
        on_start=start,
        pages=True,
        proxies=proxies,
        lan=lan,
    )


if __name__ == "__main__":
    main()
