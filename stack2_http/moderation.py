"""Lo que puede hacer la profesora en una sala, y lo que notan los demás.

Solo una conexión de la profesora (``Session.teacher``, decidido en el handshake con
su cookie firmada: stack2_http/teacher.py) puede enviar estos tipos; de un estudiante,
``protocol.parse()`` contesta ``forbidden`` antes de mirar nada más. La comprobación
está aquí, en el servidor, y no en la página: un botón escondido no protege nada.

La profesora envía:
    delete  {"seq": N}                     borra el mensaje N (queda una lápida sin texto)
    clear   {}                             vacía el historial de la sala
    lock    {"locked": true|false}         solo ella escribe (y los privados a ella)
    slow    {"seconds": S}                 un mensaje cada S s por estudiante (0 = sin límite)
    mute    {"who": "IP:puerto", "minutes": M}   ese dispositivo lee, pero no escribe
    unmute  {"who": "IP:puerto"}           vuelve a escribir
    kick    {"who": "IP:puerto", "minutes": M}   fuera de la sala, y sin volver en M min

La sala entera recibe (también la profesora):
    deleted     {"room", "seq"}            quita ese mensaje de la página
    cleared     {"room", "seq"}            quita todos hasta ese seq
    room_state  {"room", "locked", "slow"}
El dispositivo silenciado recibe ``muted`` {"room", "wait"} (segundos; 0 al quitarlo),
y el expulsado, el cierre 4003 con el motivo. La profesora recibe además ``moderated``
{"action", "room", los campos de la orden, "text"}: la confirmación, ya guardada.

Un dispositivo es una IP (la del estudiante, también detrás de nginx): silenciar o
sacar a «10.0.0.7:51234» alcanza a todas sus pestañas de esa sala, y a las que abra
después. Cada orden se guarda en el log, en orden con los mensajes
(common/history/rules.py), y cada proceso la aplica al leerla: por eso vale igual con
--redis y tras reiniciar. El modo lento se cuenta en cada proceso (ver ``allows``).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from tornado.ioloop import IOLoop

from common.fanout.hub import Hub
from common.history.log import Log
from common.history.rules import Order
from common.live.presence import Presence
from stack2_http import protocol
from stack2_http.teacher import Teachers

logger = logging.getLogger("chat.moderation")

MAX_MINUTES = 24 * 60  # Silenciar o sacar: de 1 minuto a un día.
MAX_SLOW = 300  # Modo lento: como mucho un mensaje cada 5 minutos.
KICK_CODE = 4003  # Un código propio (4000-4999): «la profesora te sacó».
# Las marcas del modo lento que se recuerdan antes de olvidar las viejas.
SLOW_MARKS = 10_000


class Command(NamedTuple):
    """Una orden de la profesora ya validada (aún sin comprobar contra la sala)."""

    action: str
    seq: int = 0
    locked: bool = False
    seconds: int = 0
    who: str = ""
    minutes: int = 0


def parse_delete(fields: dict[str, Any]) -> Command:
    seq = fields.get("seq")
    if not _whole(seq) or seq < 1:
        raise _invalid('"seq" debe ser el número (entero, 1 o más) del mensaje que borrar.')
    return Command("delete", seq=seq)


def parse_clear(fields: dict[str, Any]) -> Command:
    return Command("clear")


def parse_lock(fields: dict[str, Any]) -> Command:
    locked = fields.get("locked")
    if not isinstance(locked, bool):
        raise _invalid('"locked" debe ser true (bloquear la sala) o false (desbloquearla).')
    return Command("lock", locked=locked)


def parse_slow(fields: dict[str, Any]) -> Command:
    seconds = fields.get("seconds")
    if not _whole(seconds) or not 0 <= seconds <= MAX_SLOW:
        raise _invalid(f'"seconds" debe ser un número entero de 0 a {MAX_SLOW} (0 = sin límite).')
    return Command("slow", seconds=seconds)


def parse_mute(fields: dict[str, Any]) -> Command:
    return Command("mute", who=_who(fields), minutes=_minutes(fields))


def parse_unmute(fields: dict[str, Any]) -> Command:
    return Command("unmute", who=_who(fields))


def parse_kick(fields: dict[str, Any]) -> Command:
    return Command("kick", who=_who(fields), minutes=_minutes(fields))


def _whole(value: Any) -> bool:
    # En JSON, true es un número para Python (bool hereda de int): aquí no cuenta.
    return isinstance(value, int) and not isinstance(value, bool)


def _invalid(text: str) -> protocol.ProtocolError:
    return protocol.ProtocolError("invalid_field", text)


def _minutes(fields: dict[str, Any]) -> int:
    minutes = fields.get("minutes")
    if not _whole(minutes) or not 1 <= minutes <= MAX_MINUTES:
        raise _invalid(f'"minutes" debe ser un número entero de 1 a {MAX_MINUTES}.')
    return minutes


def _who(fields: dict[str, Any]) -> str:
    who = fields.get("who")
    if not isinstance(who, str) or device(who) is None:
        raise _invalid('"who" debe ser la identidad (IP:puerto) de alguien, como en «En línea».')
    return who


def device(who: str) -> str | None:
    """La IP de una identidad «IP:puerto» («[::1]:5000» → «::1»), o None si no lo es."""
    ip, colon, port = who.rpartition(":")
    if not colon or not port.isdigit() or len(who) > protocol.MAX_IDENTITY_LENGTH:
        return None
    try:
        return str(ipaddress.ip_address(ip[1:-1] if ip.startswith("[") else ip))
    except ValueError:
        return None


def on_command(socket: Any, command: Command) -> None:
    """Lo que atiende cada tipo de la tabla ``EVENTS``: se lo pasa a ``Moderation``."""
    socket.chat.moderation.take(socket, command)


# Las líneas de la tabla de despacho del ChatSocket (stack2_http/server.py).
EVENTS: dict[str, tuple[Callable[[dict[str, Any]], Command], Callable[..., None]]] = {
    "delete": (parse_delete, on_command),
    "clear": (parse_clear, on_command),
    "lock": (parse_lock, on_command),
    "slow": (parse_slow, on_command),
    "mute": (parse_mute, on_command),
    "unmute": (parse_unmute, on_command),
    "kick": (parse_kick, on_command),
}


class Moderation:
    """Atiende las órdenes de la profesora y aplica a cada frame lo que está en vigor."""

    def __init__(self, hub: Hub, log: Log, presence: Presence, teachers: Teachers) -> None:
        self.hub = hub
        self.log = log
        self.presence = presence
        self.teachers = teachers  # Quién es la profesora: su clave y su cookie (teacher.py).
        # (sala, IP) → cuándo envió su último mensaje (el reloj del loop), para el modo lento.
        self._sent: dict[tuple[str, str], float] = {}
        log.on_order(self._apply)  # Cada orden guardada, la de aquí o la de otro proceso.

    # --- En el handshake y en cada frame de un estudiante ---------------------------

    def admits(self, socket: Any, room: str, address: str) -> bool:
        """¿Puede entrar ``address`` en ``room``? Si la profesora la sacó, se cierra con 4003.

        Como ``hub.add()`` con el chat lleno: el handshake ya terminó y se cierra antes de
        ningún ``welcome``, así la página recibe el motivo y lo enseña.
        """
        rules = self.log.rules(room)
        left = rules.left(rules.kicked, address)
        if not left or self.teachers.recognizes(socket):  # A la profesora, nunca.
            return True
        reason = f"No puedes volver a esta sala hasta dentro de {_minutes_left(left)} min"
        socket.close(KICK_CODE, reason)
        return False

    def welcome(self, room: str, session: Any) -> dict[str, Any]:
        """Los campos del ``welcome``: quién es, cómo está la sala y si está silenciado."""
        rules = self.log.rules(room)
        muted = 0.0 if session.teacher else rules.left(rules.muted, session.address)
        return {
            "role": session.role,
            "room_state": {"locked": rules.locked, "slow": rules.slow},
            "deleted": sorted(rules.deleted),
            "cleared": rules.cleared,
            "muted": math.ceil(muted),
        }

    def allows(self, socket: Any, event: Any) -> bool:
        """¿Se atiende este frame de ``socket``? Si no, le contesta por qué (o lo ignora).

        Son búsquedas en diccionarios: nada de esto hace más lento el camino de cada
        mensaje. La profesora nunca queda frenada.
        """
        session = socket.session
        kind = type(event)
        if session.teacher or kind not in CHECKED:
            return True
        rules = self.log.rules(session.room)
        if not (rules.muted or rules.locked or rules.slow):
            return True  # Lo normal: nada en vigor en esta sala.
        muted = rules.left(rules.muted, session.address)
        if kind is protocol.Typing:
            return not muted  # Silenciado: su «escribiendo…» se ignora sin más.
        cid = getattr(event, "cid", None)
        if muted:
            text = f"La profesora te ha silenciado: quedan {_minutes_left(muted)} min."
            return self._refuse(socket, "muted", text, muted, cid)
        if kind is protocol.Nick:
            return True
        to_teacher = kind is protocol.Private and self.presence.is_teacher(session.room, event.to)
        if rules.locked and not to_teacher:
            text = "La sala está bloqueada: solo la profesora puede escribir."
            if kind is protocol.Private:
                text += " Puedes escribirle a ella en privado."
            return self._refuse(socket, "locked", text, None, cid)
        if rules.slow:
            return self._slow_allows(socket, rules.slow, cid)
        return True

    def _slow_allows(self, socket: Any, slow: int, cid: str | None) -> bool:
        # Se cuenta en cada proceso: con --redis, quien tenga pestañas en dos procesos
        # podría escribir una vez en cada uno. Para frenar una avalancha basta, y así
        # cada mensaje no espera a Redis.
        session = socket.session
        now = IOLoop.current().time()
        key = (session.room, session.address)
        wait = self._sent.get(key, -math.inf) + slow - now
        if wait > 0:
            text = f"Sala en modo lento: espera {math.ceil(wait)} s para volver a escribir."
            return self._refuse(socket, "slow_mode", text, wait, cid)
        if len(self._sent) >= SLOW_MARKS:
            self._sent = {k: at for k, at in self._sent.items() if at > now - MAX_SLOW}
        self._sent[key] = now
        return True

    def _refuse(
        self, socket: Any, code: str, text: str, wait: float | None, cid: str | None
    ) -> bool:
        fields: dict[str, Any] = {"code": code, "text": text}
        if wait is not None:
            fields["wait"] = math.ceil(wait)
        if cid is not None:
            fields["cid"] = cid  # La página deja de reintentar ese mensaje.
        self.hub.send(socket, _encode("error", **fields))
        return False

    # --- Las órdenes de la profesora -------------------------------------------------

    def take(self, socket: Any, command: Command) -> None:
        """Comprueba la orden contra la sala y la guarda; la confirmación, al guardarse."""
        session = socket.session
        room = session.room
        problem = self._check(room, command)
        if problem is not None:
            self.hub.send(socket, protocol.error(problem))
            return
        until = _wall_clock() + 60 * command.minutes if command.minutes else 0.0
        address = device(command.who) or ""  # Se silencia o se saca a un dispositivo: su IP.
        seq, locked, slow = command.seq, command.locked, command.seconds
        order = Order(room, command.action, seq, locked, slow, address, until)

        # La confirmación llega cuando la orden ya está guardada (y repartida, o en camino).
        def done(stored: Order | None) -> None:
            if stored is None:
                text = "No se pudo guardar la orden: inténtalo en un momento."
                self.hub.send(socket, protocol.error(protocol.ProtocolError("unavailable", text)))
                return
            fields, text = _summary(stored, command)
            logger.info("La profesora (%s) en la sala «%s»: %s", session.identity, room, text)
            fields["text"] = text[0].upper() + text[1:]
            self.hub.send(socket, _encode("moderated", action=command.action, room=room, **fields))

        self.log.order(order, done)

    def _check(self, room: str, command: Command) -> protocol.ProtocolError | None:
        if command.action == "delete" and not self.log.holds(room, command.seq):
            return protocol.ProtocolError(
                "not_found", f"El mensaje {command.seq} no está en el historial de esta sala."
            )
        if command.who and self.presence.is_teacher(room, command.who):
            return _invalid("Esa conexión es de la profesora: no se puede silenciar ni sacar.")
        return None

    # --- Lo que ve la sala, en cada proceso -----------------------------------------

    def _apply(self, order: Order) -> None:
        """Una orden guardada (de aquí o de otro proceso): la sala se entera."""
        room, action = order.room, order.action
        if action == "delete":
            self.hub.broadcast(_encode("deleted", room=room, seq=order.seq), room=room)
        elif action == "clear":
            self.hub.broadcast(_encode("cleared", room=room, seq=order.seq), room=room)
        elif action in ("lock", "slow"):
            rules = self.log.rules(room)
            frame = _encode("room_state", room=room, locked=rules.locked, slow=rules.slow)
            self.hub.broadcast(frame, room=room)
        elif action in ("mute", "unmute"):
            wait = math.ceil(max(0.0, order.until - _wall_clock())) if action == "mute" else 0
            for conn in self._devices(room, order.address):
                self.hub.send(conn, _encode("muted", room=room, wait=wait))
        elif action == "kick":
            minutes = _minutes_left(order.until - _wall_clock())
            reason = f"La profesora te ha sacado de la sala durante {minutes} min"
            for conn in self._devices(room, order.address):
                self.hub.close(conn, KICK_CODE, reason)

    def _devices(self, room: str, address: str) -> list[Any]:
        """Las conexiones de estudiantes de este proceso en ``room`` que vienen de ``address``."""
        found = []
        for who in self.presence.online(room):
            conn = self.hub.find(who)
            if conn is None or device(who) != address or self.hub.room_of(conn) != room:
                continue
            if not conn.session.teacher:  # type: ignore[attr-defined]
                found.append(conn)
        return found


# Los frames que pasan por ``allows``: los que escriben algo en la sala (o lo anuncian).
CHECKED = frozenset({protocol.Message, protocol.Private, protocol.Nick, protocol.Typing})


def _summary(order: Order, command: Command) -> tuple[dict[str, Any], str]:
    """Los campos de ``moderated`` y la frase que lo resume (también para el registro)."""
    action, who, minutes = command.action, command.who, command.minutes
    if action == "delete":
        return {"seq": order.seq}, f"mensaje {order.seq} borrado."
    if action == "clear":
        return {"seq": order.seq}, f"historial vaciado (hasta el mensaje {order.seq})."
    if action == "lock":
        text = (
            "sala bloqueada: solo escribe la profesora." if order.locked else "sala desbloqueada."
        )
        return {"locked": order.locked}, text
    if action == "slow":
        text = f"modo lento: un mensaje cada {order.slow} s." if order.slow else "sin modo lento."
        return {"seconds": order.slow}, text
    if action == "mute":
        return {"who": who, "minutes": minutes}, f"{who} silenciado durante {minutes} min."
    if action == "unmute":
        return {"who": who}, f"{who} puede volver a escribir."
    return {"who": who, "minutes": minutes}, f"{who} fuera de la sala durante {minutes} min."


def _minutes_left(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def _wall_clock() -> float:
    # El reloj del equipo y no el del loop: con --redis, el fin de un silencio se guarda
    # en Redis y lo leen otros procesos, y el reloj del loop de cada uno es otro.
    return time.time()


def _encode(type_: str, **fields: Any) -> str:
    return json.dumps({"type": type_, **fields}, ensure_ascii=False, separators=(",", ":"))
