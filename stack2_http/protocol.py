"""El protocolo JSON del Stack 2: los eventos que viajan por el WebSocket.

Cada frame de texto es un objeto JSON con un campo ``"type"``. La referencia
completa, con ejemplos, está en lessons/06_protocolo_json/README.md, y la
entrega sin pérdidas (seq, epoch, ack, retomar) en lessons/10_historial/README.md.

El cliente envía:
    message  {"text": "Hola", "cid": "…"}        cid: opcional, 1-64 caracteres que
                                                 elige el cliente para reconocer su mensaje
                                                 (único para él, no para toda la sala)
    nick     {"nick": "Ana"}                     elige o cambia su apodo
    typing   {}                                  «estoy escribiendo» (como mucho uno cada 2 s)
    private  {"to": "IP:puerto", "text": "…"}    solo para esa persona de la misma sala
    delete, clear, lock, slow, mute, unmute, kick   solo la profesora (la lista, con sus
             campos y lo que contesta el servidor, en stack2_http/moderation.py); de un
             estudiante: error "forbidden"

Se conecta a ``/ws/<sala>`` (``/ws`` es «general»); con ``?since=SEQ&epoch=EPOCH``
retoma tras un corte, y con ``?nick=Ana`` entra ya con su apodo (lección 11). Con
``?client=CLAVE`` (8-64 caracteres de ``A-Za-z0-9_-``, al azar, la misma en cada
conexión de esa página) el servidor reconoce sus reintentos aunque lleguen por otra
conexión; sin ella, solo los de esta. La clave no se reenvía nunca a nadie.

El servidor envía:
    welcome  {"you", "nick", "room", "online", "count", "epoch", "seq", "history",
              "recovered", "reason"?, "role", "room_state", "deleted", "cleared", "muted"}
             solo a quien acaba de entrar; nick = su apodo (o null);
             online = [{"who", "nick", "teacher"?}], las 100 primeras por orden de llegada;
             role = "teacher" (la profesora: stack2_http/teacher.py) o "student"; el
             estado de la sala (room_state, deleted, cleared, muted), en moderation.py;
             count = cuántos hay en la sala; history = frames «message», del más
             antiguo, como mucho 256 KiB; recovered: null (no pidió retomar), true
             (history es justo lo que se perdió) o false, con reason:
             "epoch_changed" (la historia es otra), "too_far_behind" (lo perdido ya
             no se guarda entero o no cabe en un welcome) o "unavailable" (con
             --redis y Redis caído: no se pudo comprobar la historia)
    message  {"seq", "epoch", "room", "from", "nick", "text", "time", "cid"?, "teacher"?}
             a la sala; "teacher": true si lo escribe la profesora. Uno borrado queda
             como {"seq", "epoch", "room", "deleted": true}, sin texto
    ack      {"cid", "seq"}          a quien lo envió, cuando su mensaje ya está guardado
    join     {"who", "nick", "count", "teacher"?}   a los demás de la sala (si es pequeña)
    leave    {"who", "nick", "count"}        a la sala (si es pequeña)
    nick     {"who", "nick"}                 a toda la sala, también a quien lo cambió
             (en una sala grande, solo a él); nick: null si vuelve a no tener
             apodo (con --redis, lección 12)
    count    {"count"}               en una sala grande: cuántos hay, como mucho uno
             por segundo y solo si cambió
    people   {"online", "count"}     cuando una sala grande vuelve a ser pequeña: la
             lista entera, para rehacerla
    typing   {"who", "nick"}                 a los demás de la sala; no se guarda
    private  {"from", "nick", "to", "text", "time", "teacher"?}   solo a quien lo recibe y
             a quien lo envió
    error    {"code", "text", "cid"?, "wait"?}   text: explicación en español; wait: los
             segundos que faltan (muted, slow_mode)
    status   {"degraded", "text"}    con --redis: Redis se perdió (true) o volvió (false);
             también (true) si el log dejó de guardar por un fallo del servidor
    deleted, cleared, room_state, muted, moderated   lo que decide la profesora: en
             stack2_http/moderation.py

Una sala es *pequeña* mientras tiene como mucho 100 personas (``LISTED`` en
stack2_http/roster.py): cada página recibe cada join, leave y nick y mantiene la lista
entera. En una *grande* recibe la cuenta (``count``) y no cada cambio: así, que entren
10 000 personas cuesta O(N) y no O(N²).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, NamedTuple, Protocol

from stack2_http.text import clean, encodable, has_controls, visible

# Un mensaje de chat largo cabe de sobra; un texto pegado sin querer, no.
MAX_TEXT_LENGTH = 2000
# El identificador que el cliente pone a cada mensaje (crypto.randomUUID() mide 36).
MAX_CID_LENGTH = 64
# La clave de cliente de ?client=: al azar, como la que guarda la página (22
# caracteres de base64url). Con menos de 8, dos clientes podrían elegir la misma.
CLIENT_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Un epoch es un nombre corto (el servidor los crea de 8 caracteres hexadecimales).
EPOCH_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
# Un seq cabe de sobra en 15 cifras; un número de mil cifras es un ataque.
SINCE_PATTERN = re.compile(r"[0-9]{1,15}")
# Un apodo cabe en una línea de la lista de conectados.
MAX_NICK_LENGTH = 24
# Lo que parece una identidad «IP:puerto» (10.0.0.7:51234, [::1]:5000) o una IP
# suelta: un apodo así serviría para hacerse pasar por otra persona.
IDENTITY_LIKE = re.compile(r"\[?[0-9a-f.:]*\]?(:[0-9]+)?", re.IGNORECASE)
# Una identidad mide como mucho «[ffff:…:ffff]:65535»; más largo no puede ser nadie.
MAX_IDENTITY_LENGTH = 64


# Lo que solo puede enviar la profesora (stack2_http/moderation.py los atiende).
TEACHER_ONLY = frozenset({"delete", "clear", "lock", "slow", "mute", "unmute", "kick"})


class ProtocolError(Exception):
    """Un mensaje del cliente que no cumple el protocolo."""

    def __init__(self, code: str, text: str, cid: str | None = None) -> None:
        super().__init__(text)
        self.code = code
        self.text = text
        self.cid = cid  # Si el error es de un mensaje con cid: así el cliente deja de reintentarlo.


# La tabla de despacho de un handler: cada tipo de evento, con la función que lo valida
# y el método que lo atiende (ChatSocket.EVENTS).
Events = Mapping[str, tuple[Callable[[dict[str, Any]], Any], Callable[..., Any]]]


class Message(NamedTuple):
    """Un mensaje de chat ya validado."""

    text: str
    cid: str | None


class Nick(NamedTuple):
    """Un apodo ya validado."""

    nick: str


class Typing(NamedTuple):
    """«Estoy escribiendo»: no lleva nada más."""


class Private(NamedTuple):
    """Un mensaje privado ya validado: para quién y qué dice."""

    to: str
    text: str


def decode(raw: str | bytes) -> dict[str, Any]:
    """Convierte un frame en un objeto JSON con un ``"type"`` de texto, o lanza ProtocolError."""
    if isinstance(raw, bytes):
        raise ProtocolError("binary", "Este chat solo acepta mensajes de texto (JSON).")
    try:
        event = json.loads(raw)
    except (ValueError, RecursionError):
        # RecursionError: «[[[[…» anidado miles de veces cabe en 16 KiB y agota la pila.
        raise ProtocolError("invalid_json", "El mensaje no es JSON válido.") from None
    if not isinstance(event, dict):
        raise ProtocolError("invalid_json", 'El mensaje debe ser un objeto JSON: {"type": ...}.')
    if "type" not in event:
        raise ProtocolError("invalid_field", 'Falta el campo "type".')
    if not isinstance(event["type"], str) or not encodable(event["type"]):
        raise ProtocolError("unknown_type", 'El campo "type" debe ser un texto, como "message".')
    return event


def parse(
    frame: str | bytes, events: Events, teacher: bool = False
) -> tuple[Callable[..., Any], Any]:
    """Un frame del cliente, validado con la tabla ``events``: (quién lo atiende, el evento).

    ``events`` es la tabla de despacho del handler (``ChatSocket.EVENTS``): cada tipo,
    con la función que lo valida y el método que lo atiende. Lanza ProtocolError si el
    frame no es JSON, si su tipo no está en la tabla o si no es válido, y "forbidden" si
    es de la profesora y ``teacher`` es False: eso se mira antes que nada más.
    """
    fields = decode(frame)
    if not teacher and fields["type"] in TEACHER_ONLY:
        raise forbidden()
    if fields["type"] not in events:
        raise unknown_type(fields["type"], events)
    validate, handle = events[fields["type"]]
    return handle, validate(fields)


def unknown_type(type_: str, known: Mapping[str, Any]) -> ProtocolError:
    """El error para un tipo que el servidor no atiende, con la lista de los que sí."""
    # ensure_ascii: lo que envió el cliente vuelve escapado, sea lo que sea.
    shown = json.dumps(type_)[:40]
    names = ", ".join(f'"{name}"' for name in known)
    return ProtocolError(
        "unknown_type", f"Tipo desconocido: {shown}. El cliente puede enviar {names}."
    )


def forbidden() -> ProtocolError:
    # La comprobación está aquí, en el servidor: esconder un botón en la página no
    # impediría a nadie enviar el frame a mano (lección 14).
    return ProtocolError(
        "forbidden", "Solo la profesora puede hacer eso. Puedes seguir escribiendo en el chat."
    )


def parse_message(event: dict[str, Any]) -> Message:
    """Valida un evento «message» y devuelve su texto limpio y su cid."""
    cid = parse_cid(event.get("cid"))
    return Message(parse_text(event.get("text"), cid), cid)


def parse_text(text: Any, cid: str | None = None) -> str:
    """El texto de un mensaje (público o privado), limpio, o ProtocolError."""
    if not isinstance(text, str):
        raise ProtocolError("invalid_field", 'El campo "text" debe ser una cadena de texto.', cid)
    if not encodable(text):
        raise ProtocolError(
            "invalid_text", "El texto tiene caracteres imposibles (sustitutos sueltos).", cid
        )
    text = clean(text)
    if not visible(text):
        raise ProtocolError("empty", "El mensaje está vacío.", cid)
    if len(text) > MAX_TEXT_LENGTH:
        raise ProtocolError(
            "too_long", f"El mensaje es demasiado largo (máximo {MAX_TEXT_LENGTH} caracteres).", cid
        )
    return text


def parse_nick(event: dict[str, Any]) -> Nick:
    """Valida un evento «nick» y devuelve el apodo limpio."""
    return Nick(clean_nick(event.get("nick")))


def clean_nick(nick: Any) -> str:
    """Un apodo válido (sin espacios en los bordes) o ProtocolError("invalid_nick")."""
    if not isinstance(nick, str):
        raise ProtocolError("invalid_nick", 'El campo "nick" debe ser una cadena de texto.')
    nick = nick.strip()
    if not nick or not visible(nick):
        raise ProtocolError("invalid_nick", "El apodo está vacío.")
    if len(nick) > MAX_NICK_LENGTH:
        raise ProtocolError(
            "invalid_nick", f"El apodo es demasiado largo (máximo {MAX_NICK_LENGTH} caracteres)."
        )
    # En un apodo no cabe ningún carácter de control ni de formato (saltos de línea,
    # tabuladores, los que dan la vuelta al texto o los que no se ven): solo sirven
    # para que dos apodos distintos se vean iguales.
    if not encodable(nick) or has_controls(nick):
        raise ProtocolError("invalid_nick", "El apodo no puede llevar caracteres de control.")
    if looks_like_identity(nick):
        raise ProtocolError(
            "invalid_nick",
            "Ese apodo parece una dirección IP:puerto, como las que identifican a cada "
            "conexión: elige un nombre.",
        )
    return nick


def looks_like_identity(nick: str) -> bool:
    """True si el apodo se confundiría con una identidad «IP:puerto» o con una IP."""
    # NFKC convierte las cifras «de ancho completo» (１０．０) en cifras normales.
    plain = "".join(unicodedata.normalize("NFKC", nick).split())
    has_digit = any(ch.isdigit() for ch in plain)
    return has_digit and ("." in plain or ":" in plain) and bool(IDENTITY_LIKE.fullmatch(plain))


def parse_typing(event: dict[str, Any]) -> Typing:
    """Un evento «typing» no lleva campos: cualquier otro se ignora."""
    return Typing()


def parse_private(event: dict[str, Any]) -> Private:
    """Valida un evento «private»: a quién (su IP:puerto) y el texto."""
    to = event.get("to")
    if not isinstance(to, str) or not 1 <= len(to) <= MAX_IDENTITY_LENGTH or not encodable(to):
        raise ProtocolError(
            "invalid_field", 'El campo "to" debe ser la identidad (IP:puerto) de alguien.'
        )
    return Private(to, parse_text(event.get("text")))


def not_found(to: str) -> ProtocolError:
    shown = json.dumps(to)[:70]  # Escapado: lo que escribió el cliente no se interpreta.
    return ProtocolError("not_found", f"No hay nadie con la identidad {shown} en esta sala.")


def private_to_self() -> ProtocolError:
    return ProtocolError(
        "invalid_recipient", "No puedes enviarte un mensaje privado a ti: elige a otra persona."
    )


def nick_taken(nick: str) -> ProtocolError:
    return ProtocolError(
        "nick_taken", f"El apodo «{nick}» ya lo usa otra persona de esta sala: elige otro."
    )


def parse_cid(cid: Any) -> str | None:
    """El ``cid`` de un mensaje: ausente (None) o un texto de 1 a 64 caracteres."""
    if cid is None:
        return None
    if not isinstance(cid, str) or not 1 <= len(cid) <= MAX_CID_LENGTH or not encodable(cid):
        raise ProtocolError(
            "invalid_cid", f'El campo "cid" debe ser un texto de 1 a {MAX_CID_LENGTH} caracteres.'
        )
    return cid


def parse_client(client: str | None) -> str | None:
    """La clave de ``?client=``: ausente (None) o 8-64 caracteres de ``A-Za-z0-9_-``."""
    if client is None:
        return None
    if not CLIENT_PATTERN.fullmatch(client):
        raise ProtocolError(
            "invalid_client",
            '"client" debe ser una clave de 8 a 64 caracteres: letras sin tildes ni «ñ», '
            "cifras, «-» o «_». Entras sin clave: tus reintentos solo se reconocerán en esta "
            "conexión.",
        )
    return client


def parse_resume(since: str | None, epoch: str | None) -> tuple[int | None, str | None]:
    """Lee ``?since=SEQ&epoch=EPOCH`` de la dirección del WebSocket."""
    if since is None:
        return None, None
    if not SINCE_PATTERN.fullmatch(since):
        raise ProtocolError(
            "invalid_since", '"since" debe ser un número entero, 0 o mayor (el último seq visto).'
        )
    if epoch is None or not EPOCH_PATTERN.fullmatch(epoch):
        raise ProtocolError(
            "invalid_epoch", '"epoch" debe ser el epoch que envió el servidor (un texto corto).'
        )
    return int(since), epoch


class Asked(NamedTuple):
    """Lo que pide la dirección del WebSocket: ``/ws/sala?since=&epoch=&nick=&client=``."""

    since: int | None  # Retomar después de este seq...
    epoch: str | None  # ...de esta historia.
    nick: str | None  # El apodo con el que entra (lo valida quien se lo da).
    client: str | None  # Su clave, si la trae y vale.
    problems: list[ProtocolError]  # Lo que no vale: se entra igual, con un aviso por cada uno.


def parse_query(argument: Callable[..., str | None]) -> Asked:
    """Lee la dirección del WebSocket con ``argument`` (``get_query_argument`` del handler).

    Lo que no vale se ignora y queda en ``problems``: una dirección mal escrita no
    impide entrar.
    """
    problems = []
    try:
        since, epoch = parse_resume(argument("since", None), argument("epoch", None))
    except ProtocolError as problem:
        since, epoch = None, None
        problems.append(problem)
    try:
        # strip=False: una clave con espacios no es la misma clave sin ellos.
        client = parse_client(argument("client", None, strip=False))
    except ProtocolError as problem:
        client = None
        problems.append(problem)
    return Asked(since, epoch, argument("nick", None), client, problems)


def since_too_far() -> ProtocolError:
    return ProtocolError(
        "invalid_since",
        '"since" pasa del último mensaje de esta historia: te enviamos los últimos.',
    )


def too_fast(cid: str | None = None) -> ProtocolError:
    # Un error nuevo cada vez: una excepción compartida, lanzada una y otra vez,
    # guardaría en su traza cada llamada (y con ella cada handler y su mensaje).
    return ProtocolError(
        "too_fast", "Vas demasiado rápido: espera un momento y vuelve a enviarlo.", cid
    )


def unavailable(cid: str | None = None) -> ProtocolError:
    return ProtocolError(
        "unavailable", "No se pudo guardar el mensaje: se reintentará en un momento.", cid
    )


def log_stopped(cid: str | None = None) -> ProtocolError:
    # El mismo código que unavailable (la página lo guarda y lo reintenta, y tras el
    # reinicio se enviará), con un texto que dice qué pasa de verdad.
    return ProtocolError(
        "unavailable",
        "No se guardó: el servidor ya no puede guardar mensajes hasta que lo reinicien "
        "(avisa a quien lo administra).",
        cid,
    )


def private_unavailable() -> ProtocolError:
    # Un privado no se guarda ni se reintenta: quien lo escribió debe saber que no llegó.
    return ProtocolError(
        "unavailable",
        "No se pudo entregar el privado: se perdió la conexión con Redis. Inténtalo en un momento.",
    )


def welcome(
    you: str,
    room: str,
    online: list[dict[str, str | None]],
    epoch: str,
    seq: int,
    history: list[str],
    recovered: bool | None = None,
    reason: str | None = None,
    *,
    count: int | None = None,
    nick: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    # count: cuántos hay en la sala (sin él, los de online); online trae como mucho 100.
    count = len(online) if count is None else count
    # history ya son frames JSON guardados: se insertan tal cual, sin decodificarlos.
    who = {"you": you, "nick": nick, "room": room, "online": online, "count": count}
    fields = _encode("welcome", **who, epoch=epoch, seq=seq)
    tail = f',"recovered":{json.dumps(recovered)}'
    if reason is not None:
        tail += f',"reason":{json.dumps(reason)}'
    # Los campos de ``extra`` (role y el estado de la sala: moderation.py) van detrás: un
    # objeto JSON sin sus llaves.
    if extra:
        tail += "," + json.dumps(extra, ensure_ascii=False, separators=(",", ":"))[1:-1]
    return f'{fields[:-1]},"history":[{",".join(history)}]{tail}}}'


def message(
    seq: int,
    epoch: str,
    room: str,
    sender: str,
    text: str,
    cid: str | None,
    nick: str | None = None,
    teacher: bool = False,
) -> str:
    fields: dict[str, Any] = {"from": sender, "nick": nick, "text": text, "time": _now()}
    if cid is not None:
        fields["cid"] = cid
    if teacher:
        fields["teacher"] = True  # La página le pone la insignia «profe».
    return _encode("message", seq=seq, epoch=epoch, room=room, **fields)


class Author(Protocol):
    """Quien escribe (una ``Session``): lo que de él lleva cada mensaje y cada privado."""

    room: str
    identity: str  # «IP:puerto»: el "from" del frame.
    nick: str | None
    teacher: bool  # La profesora: el frame lleva "teacher": true (su insignia).


class Draft(NamedTuple):
    """Un mensaje de chat aún sin número: el log se lo pone al guardarlo (``numbered``)."""

    epoch: str
    room: str
    sender: str  # Su identidad, «IP:puerto».
    text: str
    cid: str | None
    nick: str | None  # El apodo de ahora: si luego lo cambia, este mensaje no cambia.
    teacher: bool = False  # Lo escribe la profesora.

    def numbered(self, seq: int) -> str:
        """El frame «message» con su número: lo que se guarda y se reparte."""
        return message(seq, *self)

    @classmethod
    def by(cls, author: Author, epoch: str, text: str, cid: str | None) -> Draft:
        """El mensaje de ``author`` (su ``Session``): su sala, su identidad, su apodo, su papel."""
        return cls(epoch, author.room, author.identity, text, cid, author.nick, author.teacher)


def ack(cid: str, seq: int) -> str:
    return _encode("ack", cid=cid, seq=seq)


# join y leave llevan solo quién entra o sale y cuántos quedan, no la lista entera:
# cada cliente la mantiene desde su welcome. Con la lista, que entraran N personas
# movería N³ bytes; así, N². Y en una sala grande no se envían: solo la cuenta, una
# vez por segundo (stack2_http/roster.py). La lección 6 lo cuenta.
def join(who: str, count: int, nick: str | None = None, teacher: bool = False) -> str:
    if teacher:
        return _encode("join", who=who, nick=nick, count=count, teacher=True)
    return _encode("join", who=who, nick=nick, count=count)


def leave(who: str, count: int, nick: str | None = None) -> str:
    return _encode("leave", who=who, nick=nick, count=count)


def nick(who: str, name: str | None) -> str:
    return _encode("nick", who=who, nick=name)


# En una sala grande (stack2_http/roster.py), en vez de cada join y leave: cuántos hay.
def count(number: int) -> str:
    return _encode("count", count=number)


# Una sala grande vuelve a ser pequeña: la lista entera, para que cada página la rehaga.
def people(online: list[dict[str, str | None]], number: int) -> str:
    return _encode("people", online=online, count=number)


def typing(who: str, nick: str | None) -> str:
    return _encode("typing", who=who, nick=nick)


# Un privado no lleva seq ni room: no es parte de la historia de la sala, y
# quien reconecta no lo recupera (la lección 11 cuenta por qué, y qué haría falta).
def private(sender: str, nick: str | None, to: str, text: str, teacher: bool = False) -> str:
    fields: dict[str, Any] = {"from": sender, "nick": nick, "to": to, "text": text}
    fields["time"] = _now()
    if teacher:
        fields["teacher"] = True
    return _encode("private", **fields)


def private_by(author: Author, to: str, text: str) -> str:
    """El privado de ``author`` (su ``Session``), con su identidad, su apodo y su papel."""
    return private(author.identity, author.nick, to, text, author.teacher)


def error(problem: ProtocolError) -> str:
    if problem.cid is None:
        return _encode("error", code=problem.code, text=problem.text)
    return _encode("error", code=problem.code, text=problem.text, cid=problem.cid)


def status(degraded: bool, text: str) -> str:
    return _encode("status", degraded=degraded, text=text)


def _encode(type_: str, **fields: Any) -> str:
    # Se codifica una sola vez por evento, aunque luego se envíe a cien clientes.
    return json.dumps({"type": type_, **fields}, ensure_ascii=False, separators=(",", ":"))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
