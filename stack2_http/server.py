"""Stack 2 · HTTP + WebSocket: una sola aplicación Tornado sirve la página y el chat."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import tornado.web

from common.defences.limits import FloodGuard, FloodLimits, Verdict
from common.defences.per_address import NO_ADDRESS_LIMITS, AddressLimits
from common.defences.proxies import TrustedProxies
from common.fanout.hub import Hub, HubSocket
from common.history.log import Log, LogStopped, MemoryLog
from common.live.presence import Presence
from common.live.relay import Relay
from common.startup.network import LanAccess
from common.startup.runner import run
from common.startup.settings import app_settings, hub_settings, parse_options, response_transforms
from common.tornado_internals import localized_protocol
from stack2_http import identity, moderation, pages, protocol, rooms, teacher, words
from stack2_http.join import QRHandler
from stack2_http.options import chat_settings, define_stack2_options
from stack2_http.other_processes import connect_shared_events
from stack2_http.roster import Roster
from stack2_http.session import Chat, Session
from stack2_http.storage import open_backends

HERE = Path(__file__).resolve().parent


class ChatSocket(HubSocket):
    """Una conexión: se identifica por IP:puerto y habla el protocolo JSON."""

    def initialize(self, chat: Chat) -> None:
        self.chat = chat
        self.session: Session | None = None  # Se crea en open(), si cabe en el chat.

    @property
    def hub(self) -> Hub:  # type: ignore[override]
        return self.chat.hub

    def check_origin(self, origin: str) -> bool:
        # Solo páginas de este mismo servidor (la comprobación de Tornado) y las de
        # --allowed-origins: una web ajena no puede usar tu navegador para entrar.
        allowed = origin.lower().rstrip("/") in self.chat.origins
        return allowed or super().check_origin(origin)

    get_websocket_protocol = localized_protocol  # El de Tornado, con cierres en español.

    def prepare(self) -> None:
        # Una sala imposible (/ws/..%2Fetc): un 404 antes del handshake, sin WebSocket.
        if rooms.room_name(*self.path_args) is None:
            raise tornado.web.HTTPError(404)

    async def open(self, asked: str | None = None) -> None:
        chat = self.chat
        room = rooms.room_name(asked) or rooms.DEFAULT_ROOM  # prepare() ya comprobó que vale.
        who, address = identity.identify(self.request, chat.proxies)  # «IP:puerto» y su IP.
        refused = chat.addresses.admit(address)  # --max-per-address, --connect-rate
        if refused is not None:
            # Tras el handshake y no con un 503: así la página recibe el motivo y lo enseña.
            self.close(1013, refused)  # 1013 = «inténtalo más tarde».
            return
        # Con --redis, aquí se espera a Redis; sus mensajes no llegan hasta que open() acabe.
        if not await chat.open_rooms.enter(room):
            chat.addresses.release(address)
            self.close(1013, rooms.TOO_MANY_ROOMS_REASON)  # Antes de ningún welcome.
            return
        if not chat.moderation.admits(self, room, address) or not chat.hub.add(self, who, room):
            chat.open_rooms.leave(room)
            chat.addresses.release(address)
            return  # La sacó la profesora (4003) o no cabe (1013): ya se cerró, sin welcome.
        self.welcome(who, room, address)

    def welcome(self, who: str, room: str, address: str) -> None:
        """Ya está en el hub: su sesión, su apodo y su ``welcome``; y su ``join``, a los demás."""
        chat = self.chat
        # ?since=&epoch= (retomar), ?nick= y ?client=: lo que no vale no impide entrar.
        asked = protocol.parse_query(self.get_query_argument)
        # Su propio cubo de fichas, y también el de su IP (--address-rate).
        flood = FloodGuard(chat.flood, shared=chat.addresses.message_bucket(address))
        is_teacher = chat.moderation.teachers.recognizes(self)  # Su cookie de /profe.
        session = self.session = Session(who, room, flood, address, asked.client, is_teacher)
        count = chat.presence.join(room, who, is_teacher)
        problems = [*asked.problems, self.take_nick(asked.nick)]
        # Sin ceder el loop, ningún mensaje se guarda entre leer el historial y entrar en
        # el hub: nada se pierde ni se repite entre lo recuperado y lo que llega en directo.
        try:
            replay = chat.log.replay(room, asked.since, asked.epoch)
        except ValueError:  # «since» pasa del último de esta historia: los últimos.
            replay = chat.log.replay(room)
            problems.append(protocol.since_too_far())
        online = chat.roster.online(room)  # Las 100 primeras (stack2_http/roster.py).
        epoch, latest = chat.log.epoch, chat.log.latest(room)
        extra = chat.moderation.welcome(room, session)  # Su papel y la sala: moderation.py.
        welcome = protocol.welcome(
            who, room, online, epoch, latest, *replay, count=count, nick=session.nick, extra=extra
        )
        chat.hub.send(self, welcome)
        for problem in filter(None, problems):  # Se entra igual, con un aviso por cada uno.
            chat.hub.send(self, protocol.error(problem))
        if chat.log.trouble:  # Quien entra con el log caído lo sabe desde el principio.
            chat.hub.send(self, protocol.status(True, chat.log.trouble))
        chat.roster.joined(room, who, session.nick, count, exclude=self)  # Los demás.

    def take_nick(self, asked: str | None) -> protocol.ProtocolError | None:
        """Da a esta conexión el apodo ``asked`` si es válido y está libre; si no, el error."""
        if asked is None:
            return None
        try:
            nick = protocol.clean_nick(asked)
            self.chat.moderation.check_nick(self.session, nick)  # moderation.py
        except protocol.ProtocolError as problem:
            return problem
        if not self.chat.presence.set_nick(self.session.room, self.session.identity, nick):
            return protocol.nick_taken(nick)
        self.session.nick = nick
        return None

    def on_message(self, message: str | bytes) -> None:
        session = self.session
        if session is None:
            return  # No cupo en el chat y se está cerrando.
        problem, event, handle = None, None, None
        try:
            handle, event = protocol.parse(message, self.EVENTS, session.teacher)  # EVENTS, abajo.
        except protocol.ProtocolError as error:
            problem = error
        # El control de inundación cuenta todos los frames, también los que no valen.
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
        elif self.chat.moderation.allows(self, event):  # ¿Silenciada, sala bloqueada…?
            handle(self, event)

    def on_chat_message(self, event: protocol.Message) -> None:
        """Un mensaje de chat: el log lo numera y lo guarda, contesta aquí y lo reparte."""
        session, log = self.session, self.chat.log
        text, cid = event.text, event.cid
        draft = protocol.Draft.by(session, log.epoch, text, cid)  # Su sala, identidad, apodo…
        # Un reintento se reconoce por quién lo envía y su cid. Guardado, el log llama a
        # on_stored (el ack) y luego lo reparte a la sala: hub.deliver (ver make_app).
        log.append(session.room, session.sender, cid, draft, self)

    def on_stored(self, cid: str | None, seq: int) -> None:
        """El log guardó un mensaje de esta conexión: su ack, antes de que lo vea nadie."""
        if cid is not None:
            self.hub.send(self, protocol.ack(cid, seq))

    def on_not_stored(self, cid: str | None, error: Exception) -> None:
        """El log no pudo guardarlo: un error con su cid, y la página lo reintentará."""
        stopped = isinstance(error, LogStopped)  # Hasta reiniciar; si no, un momento.
        problem = protocol.log_stopped(cid) if stopped else protocol.unavailable(cid)
        self.hub.send(self, protocol.error(problem))

    def on_nick(self, event: protocol.Nick) -> None:
        """Un apodo nuevo: si está libre, lo sabe la sala (en una grande, solo quien lo pidió)."""
        problem = self.take_nick(event.nick)
        if problem is not None:
            self.hub.send(self, protocol.error(problem))
            return
        self.chat.roster.renamed(self.session.room, self.session.identity, event.nick, owner=self)

    def nick_refused(self, asked: str, nick: str | None) -> None:
        """Con --redis, otro proceso dio ``asked`` antes: vuelve a ``nick``, y su sala lo ve."""
        session = self.session
        if session is None or session.nick != asked:
            return  # Ya pidió otro, o se fue: eso está en camino.
        session.nick = nick
        self.hub.send(self, protocol.error(protocol.nick_taken(asked)))
        self.chat.roster.renamed(session.room, session.identity, nick, owner=self)

    def on_typing(self, event: protocol.Typing) -> None:
        """«Está escribiendo…»: a los demás de la sala, sin guardarlo en ningún sitio."""
        frame = protocol.typing(self.session.identity, self.session.nick)
        self.hub.broadcast(frame, exclude=self, room=self.session.room)
        self.chat.relay.publish(self.session.room, frame)  # Y a los de otros procesos.

    def on_private(self, event: protocol.Private) -> None:
        """Un privado, sin el log: a esa conexión de la sala, y una copia a quien lo envía."""
        session, hub = self.session, self.hub
        if event.to == session.identity:
            hub.send(self, protocol.error(protocol.private_to_self()))
            return
        # La presencia sabe quién hay en la sala, aquí o en otro proceso (--redis).
        if not self.chat.presence.is_in(session.room, event.to):
            hub.send(self, protocol.error(protocol.not_found(event.to)))
            return
        frame = protocol.private_by(session, event.to, event.text)  # Su identidad, su apodo…
        target = hub.find(event.to)
        if target is not None:
            hub.send(target, frame)
        elif not self.chat.relay.publish(session.room, frame, to=event.to):
            # Lo atiende otro proceso y Redis no contesta: mejor decirlo que fingir.
            hub.send(self, protocol.error(protocol.private_unavailable()))
            return
        hub.send(self, frame)

    # La tabla de despacho: cada tipo que puede enviar el cliente, con la función de
    # protocol.py que lo valida y el método que lo atiende. Un tipo nuevo, una línea más.
    EVENTS: ClassVar[protocol.Events] = {
        "message": (protocol.parse_message, on_chat_message),
        "nick": (protocol.parse_nick, on_nick),
        "typing": (protocol.parse_typing, on_typing),
        "private": (protocol.parse_private, on_private),
        **moderation.EVENTS,  # delete, clear, lock, slow, mute, unmute, kick: la profesora.
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
    handler: type = ChatSocket,
    log: Log | None = None,
    presence: Presence | None = None,
    relay: Relay | None = None,
    lan: LanAccess | None = None,
    flood: FloodLimits = FloodLimits(),
    allowed_origins: Iterable[str] = (),
    trusted_proxies: TrustedProxies = TrustedProxies(),
    address_limits: AddressLimits | None = None,
    max_rooms: int = rooms.MAX_ROOMS,
    banned: words.BannedWords = words.NOTHING_BANNED,
    teachers: teacher.Teachers | None = None,
    **settings: Any,
) -> tornado.web.Application:
    """La página, sus archivos y el WebSocket en un puerto (sin ``log``, todo en memoria)."""
    log, presence, relay = log or MemoryLog(), presence or Presence(), relay or Relay()
    log.subscribe(hub.deliver)  # Cada mensaje, ya guardado, a los sockets de su sala.
    roster = Roster(hub, presence)
    connect_shared_events(hub, log, presence, relay, roster)  # Con --redis, lo de los demás.
    opened, proxies = rooms.OpenRooms(log, presence, max_rooms), trusted_proxies
    addresses = AddressLimits(NO_ADDRESS_LIMITS) if address_limits is None else address_limits
    origins = frozenset(origin.lower().rstrip("/") for origin in allowed_origins)
    teachers = teachers or teacher.Teachers.at_random()
    mod = moderation.Moderation(hub, log, presence, teachers, banned)
    chat = Chat(hub, log, presence, relay, roster, opened, flood, addresses, origins, proxies, mod)
    lan = LanAccess() if lan is None else lan
    return tornado.web.Application(
        [
            (r"/", pages.PageHandler, {"lan": lan}),
            (r"/clientehttp\.html", pages.PageHandler, {"lan": lan}),
            # (.*) y no ([a-z0-9_-]+): así un nombre imposible recibe el 404 en español.
            (r"/sala/(.*)", pages.PageHandler, {"lan": lan}),
            (r"/ws", handler, {"chat": chat}),
            (r"/ws/(.*)", handler, {"chat": chat}),
            (r"/salas\.json", rooms.RoomsHandler, {"presence": presence}),
            (r"/qr\.svg", QRHandler, {"lan": lan}),  # Para entrar desde el móvil (join.py).
            (r"/healthz", pages.HealthHandler, {"log": log}),
            (r"/profe", teacher.TeacherLogin, {"teachers": mod.teachers, "proxies": proxies}),
        ],
        template_path=str(HERE),
        static_path=str(HERE / "static"),
        static_handler_class=pages.StaticHandler,
        # Sus respuestas, también las de error, en español y con cabeceras de seguridad.
        transforms=response_transforms(),
        **settings,
    )


def main(
    handler: type = ChatSocket,
    title: str = "Stack 2 · HTTP + WebSocket",
    log_class: type[MemoryLog] | None = None,
) -> None:
    """Arranca el Stack 2; ``log_class``: un log propio en vez del de --db (lección 10)."""
    options = parse_options(default_port=8000, define=define_stack2_options)
    backends = open_backends(options, log_class)  # Memoria, SQLite o Redis: storage.py.
    settings = {**chat_settings(options), **app_settings(options)}  # Ver options.py.
    hub = Hub(**hub_settings(options))
    lan = LanAccess()  # run() apunta aquí las URL de la red al abrir el puerto.
    app = make_app(hub, handler, backends.log, backends.presence, backends.relay, lan, **settings)
    proxies = settings["trusted_proxies"]
    url = ("https" if options.certfile else "http") + "://{host}/"
    notes = [rooms.BANNER_NOTE, backends.note, settings["banned"].note]
    notes.append(settings["teachers"].banner_lines)  # Y el enlace de la profesora.
    # run() arranca los backends antes de atender a nadie y los cierra al apagar.
    run(app, hub, options, title, url, notes, backends, pages=True, proxies=proxies, lan=lan)


if __name__ == "__main__":
    main()
