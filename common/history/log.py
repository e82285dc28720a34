"""El log: qué número lleva cada mensaje, qué se dijo antes y cómo se retoma tras un corte.

Cada sala tiene su propia cuenta: el primer mensaje es el 1, el siguiente el 2, y
así, sin huecos (``seq``). Con esos números, quien vuelve tras un corte dice «lo
último que vi fue el 41» y el log le da, del 42 en adelante, todo lo que se perdió.

El ``epoch`` nombra esta historia. Si la historia se pierde (una base de datos
nueva, o ``--db=:memory:`` tras reiniciar), el epoch cambia: un cliente que
pregunta por el 41 de otra historia no recibe mensajes que no son los que vio.

Este archivo tiene lo común a todos los almacenes, y ``MemoryLog``, que no guarda
nada en disco. common/history/sqlite.py guarda en SQLite (lo que usa el Stack 2 por
defecto). Las reglas que cumplen todos:

* Un mensaje se guarda *antes* de que nadie lo vea: primero el almacén, después
  la respuesta a quien lo envió (``Author.on_stored``: su ack) y después el reparto
  (``subscribe``). Así nadie ve un mensaje que un reinicio podría borrar.
* Un reintento con el mismo ``cid`` (el identificador que elige el cliente) *del
  mismo remitente* no crea un mensaje nuevo: recibe el ``seq`` del primero y no se
  reparte otra vez. El remitente (``sender``) es la clave que la página guarda en
  su navegador (``?client=``), o la propia conexión si no la envía. Un ``cid`` solo
  es único para quien lo eligió: dos personas con el mismo ``cid`` envían dos
  mensajes, y los dos llegan.
* Se guardan los últimos ``history_size`` mensajes de cada sala. Retomar
  funciona si lo perdido está entero entre ellos y cabe en ``REPLAY_BYTES``; si
  no, nunca se da a medias: se dan los últimos que caben, con ``recovered=False``.
  Un reintento se reconoce mientras su mensaje siga entre ellos.
* Ningún mensaje espera para siempre: si quien guarda se detiene por un fallo
  inesperado (``_stop``), cada mensaje recibe un error y /healthz da 503.
* Las órdenes de la profesora (borrar, vaciar, bloquear…: common/history/rules.py)
  viajan por el mismo camino, en orden con los mensajes: ``order()`` las guarda y, ya
  guardadas, cada proceso las aplica a su copia (``_ordered``) y las reparte
  (``on_order``). Un mensaje borrado queda como lápida: los números no tienen huecos.
"""

from __future__ import annotations

import itertools
import logging
import secrets
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import NamedTuple, Optional, Protocol

from common.history.rules import Order, RoomRules, tombstone

log = logging.getLogger("chat.log")

# Lo que ve quien entra sin pedir nada: los últimos mensajes, no todo el historial.
RECENT = 50
# Y, se pida lo que se pida, como mucho estos bytes de historial en un welcome: mil
# mensajes de 2000 caracteres pasarían de 2 MB, y el hub cierra a quien tiene más de
# 1 MiB esperando (DEFAULT_MAX_PENDING_BYTES en common/fanout/hub.py). Con una cuarta parte, el
# welcome cabe entero aunque el cliente aún no haya leído nada, y sobra sitio.
REPLAY_BYTES = 256 * 1024

# Lo que el log reparte: (sala, frame ya codificado).
Listener = Callable[[str, str], None]
# Quien dio una orden: recibe la orden guardada (la de vaciar, con su seq), o None si no
# se pudo guardar. Optional y no «| None»: esto se evalúa también en Python 3.9.
OrderDone = Callable[[Optional[Order]], None]
# Lo que recibe cada proceso por cada orden ya guardada, en orden con los mensajes.
OrderListener = Callable[[Order], None]


class Draft(Protocol):
    """Un mensaje aún sin número (``protocol.Draft`` en el Stack 2)."""

    def numbered(self, seq: int) -> str:
        """Su frame, con el número que le da el log al guardarlo."""


class Author(Protocol):
    """Quien envía un mensaje (``ChatSocket``): el log le contesta antes de repartirlo."""

    def on_stored(self, cid: str | None, seq: int) -> None:
        """Su mensaje ya está guardado con el número ``seq`` (o era un reintento de ese)."""

    def on_not_stored(self, cid: str | None, error: Exception) -> None:
        """No se pudo guardar (``LogStopped``, o Redis no contesta): que lo reintente."""


class LogStopped(Exception):
    """El log ya no guarda nada: quien guardaba se detuvo por un fallo inesperado."""


# Lo que leen los clientes (evento «status») cuando el log se detiene.
STOPPED_TEXT = (
    "El servidor ya no puede guardar mensajes: avisa a quien lo administra para que lo "
    "reinicie. Tus mensajes esperan en la página."
)


class Replay(NamedTuple):
    """Lo que recibe un cliente al entrar: historial y si se pudo retomar."""

    history: list[str]  # Frames de mensajes, del más antiguo al más nuevo.
    recovered: bool | None  # None: no pidió retomar; True: lo tiene todo; False: no.
    # Si recovered es False: "epoch_changed", "too_far_behind" o, con --redis y Redis
    # caído, "unavailable" (no se pudo comprobar que esa historia siga existiendo).
    reason: str | None = None


# Lo que reconoce un reintento: (remitente, cid). Un cid solo no basta: lo elige
# cada cliente, y dos pueden elegir el mismo (la lección 10 lo cuenta).
RetryKey = tuple[str, str]


class Pending(NamedTuple):
    """Un mensaje que espera a estar guardado."""

    room: str
    sender: str  # Quién lo envía: su clave de ?client= o su conexión (ver arriba).
    cid: str | None
    draft: Draft  # Su frame, cuando tenga número.
    author: Author  # A quién contestar.

    @property
    def key(self) -> RetryKey | None:
        """(remitente, cid), o None si no lleva cid (entonces no se reintenta)."""
        return None if self.cid is None else (self.sender, self.cid)

    def numbered(self, seq: int) -> Stored:
        """El mismo mensaje con su número ya puesto: así se guarda."""
        return Stored(self.room, seq, self.sender, self.cid, self.draft.numbered(seq))


class PendingOrder(NamedTuple):
    """Una orden de la profesora que espera a estar guardada, con quién espera la respuesta."""

    order: Order
    done: OrderDone


class Stored(NamedTuple):
    """Un mensaje ya guardado, con su número y su frame definitivo."""

    room: str
    seq: int
    sender: str | None  # None en lo guardado antes de que existiera (no se sabe quién fue).
    cid: str | None
    frame: str

    @property
    def key(self) -> RetryKey | None:
        """(remitente, cid), o None si con él no se puede reconocer un reintento."""
        return None if self.sender is None or self.cid is None else (self.sender, self.cid)


class _Room:
    """Lo que el log recuerda de una sala, en memoria, para contestar sin esperar."""

    __slots__ = ("cids", "frames", "rules", "seq", "sizes", "waiting")

    def __init__(self, history_size: int) -> None:
        self.seq = 0  # El último número guardado.
        self.frames: deque[str] = deque(maxlen=history_size)  # Los últimos, en orden.
        # Los bytes (UTF-8) de cada uno de ``frames``: se cuentan una vez, al guardarlo,
        # y no en cada welcome (un «ñ» son dos bytes; un emoji, cuatro).
        self.sizes: deque[int] = deque(maxlen=history_size)
        # (remitente, cid) → seq de los mensajes que siguen en el historial (para los
        # reintentos), del más antiguo al más nuevo.
        self.cids: OrderedDict[RetryKey, int] = OrderedDict()
        # (remitente, cid) → quién espera respuesta por un reintento de un mensaje que
        # aún se está guardando.
        self.waiting: dict[RetryKey, list[Author]] = {}
        # Lo que decidió la profesora: lo borrado, lo vaciado, bloqueada, lenta...
        self.rules = RoomRules()


class Log:
    """Lo común a todos los almacenes: números, historial reciente y reintentos.

    Las subclases solo deciden cómo se guarda (``_write``) y avisan con
    ``_stored()`` cuando ya está guardado. Todo lo demás ocurre en el event loop,
    sin esperar a nadie: el historial reciente vive también en memoria.
    """

    def __init__(self, history_size: int = 1000, epoch: str | None = None) -> None:
        if history_size < 1:
            raise ValueError("history_size debe ser al menos 1")
        self.history_size = history_size
        # Los bytes de historial que caben en un welcome (las pruebas lo cambian).
        self.replay_bytes = REPLAY_BYTES
        # Un epoch nuevo, salvo que el almacén ya tenga uno guardado.
        self.epoch = epoch or secrets.token_hex(4)
        self._rooms: dict[str, _Room] = {}
        self._listeners: list[Listener] = []
        self._order_listeners: list[OrderListener] = []
        self._status: list[Callable[[bool, str], None]] = []
        # Si quien guarda se detuvo por un fallo inesperado, el motivo: desde entonces
        # cada mensaje recibe un error al momento y /healthz da 503.
        self.stopped: LogStopped | None = None

    def subscribe(self, listener: Listener) -> None:
        """``listener(sala, frame)`` recibirá cada mensaje nuevo, ya guardado y en orden."""
        self._listeners.append(listener)

    def on_order(self, listener: OrderListener) -> None:
        """``listener(orden)`` recibirá cada orden de la profesora ya guardada, en orden."""
        self._order_listeners.append(listener)

    def rules(self, room: str) -> RoomRules:
        """Cómo está ``room`` ahora (bloqueada, lenta, lo borrado...): una búsqueda en un dict."""
        return self._room(room).rules

    def holds(self, room: str, seq: int) -> bool:
        """¿Sigue el mensaje ``seq`` en el historial de ``room``, sin borrar?"""
        state = self._rooms.get(room)
        if state is None:
            return False
        oldest = state.seq - len(state.frames)  # El anterior al más antiguo que se guarda.
        return oldest < seq <= state.seq and seq not in state.rules.deleted

    def order(self, order: Order, done: OrderDone) -> None:
        """Guarda una orden de la profesora; ``done(orden)`` cuando está guardada.

        Guardada, cada proceso la aplica y la reparte (``on_order``). Si no se pudo
        guardar, ``done(None)``: quien la dio lo sabrá y podrá repetirla.
        """
        if self.stopped is not None:
            done(None)
            return
        self._write_order(order, done)

    def latest(self, room: str) -> int:
        """El ``seq`` del último mensaje guardado de la sala (0 si no hay ninguno)."""
        state = self._rooms.get(room)
        return 0 if state is None else state.seq

    def recent(self, room: str, limit: int = RECENT) -> list[str]:
        """Los últimos ``limit`` mensajes de la sala que caben en ``replay_bytes``, en orden."""
        state = self._rooms.get(room)
        if state is None or limit <= 0:
            return []
        return self._newest(state, self._fitting(state, min(limit, len(state.frames))))

    def replay(self, room: str, since: int | None = None, epoch: str | None = None) -> Replay:
        """El historial para quien entra; con ``since``, lo que se perdió tras ese número.

        O todo lo perdido, en orden, o nada: nunca una parte (``recovered=False``).
        Lanza ValueError si ``since`` pasa del último número de esta misma historia:
        ese cliente no puede haber visto un mensaje que aún no existe.
        """
        if since is None:
            return Replay(self.recent(room), None)
        if epoch != self.epoch:
            return Replay(self.recent(room), False, "epoch_changed")
        state = self._rooms.get(room)
        latest = 0 if state is None else state.seq
        if since > latest:
            raise ValueError(f"since={since} pasa del último mensaje ({latest})")
        # Lo vaciado por la profesora no se ha perdido: no hay que recuperarlo.
        missed = latest - max(since, 0 if state is None else state.rules.cleared)
        if missed == 0:
            return Replay([], True)
        # Lo perdido, entero, o nada: si ya no se guarda todo, o si no cabe en un welcome.
        if state is None or missed > len(state.frames) or self._fitting(state, missed) < missed:
            return Replay(self.recent(room), False, "too_far_behind")
        return Replay(self._newest(state, missed), True)

    def _fitting(self, state: _Room, wanted: int) -> int:
        """Cuántos de los ``wanted`` más nuevos caben en ``replay_bytes``, contando hacia atrás."""
        total, count = 0, 0
        for size in reversed(state.sizes):
            if count == wanted or total + size > self.replay_bytes:
                break
            total += size
            count += 1
        return count

    @staticmethod
    def _newest(state: _Room, count: int) -> list[str]:
        """Los ``count`` mensajes más nuevos, del más antiguo al más nuevo."""
        if count <= 0:
            return []
        frames = state.frames
        # Del final hacia atrás: con mil guardados, no se copian los mil para dar cincuenta.
        return list(itertools.islice(reversed(frames), count))[::-1]

    def append(self, room: str, sender: str, cid: str | None, draft: Draft, author: Author) -> None:
        """Guarda un mensaje de ``sender``; ``draft.numbered(seq)`` da su frame con número.

        Cuando está guardado se llama a ``author.on_stored(cid, seq)`` y luego se reparte.
        Si ese remitente ya guardó ese ``cid`` (un reintento), ``on_stored`` recibe el
        mismo ``seq`` y no se reparte nada. Si no se pudo guardar, ``on_not_stored``.
        El remitente no aparece en el frame: solo sirve para reconocer reintentos.
        """
        state = self._room(room)
        pending = Pending(room, sender, cid, draft, author)
        key = pending.key
        if key is not None:
            if key in state.cids:
                author.on_stored(cid, state.cids[key])  # Un reintento de algo ya guardado.
                return
            if key in state.waiting:
                state.waiting[key].append(author)  # El mismo, aún guardándose.
                return
        if self.stopped is not None:
            # Nadie lo guardaría: mejor decirlo que dejarlo esperando.
            author.on_not_stored(cid, self.stopped)
            return
        if key is not None:
            state.waiting[key] = []
        self._write(pending)

    async def watch(self, room: str) -> None:
        """Este proceso empieza a tener gente en ``room`` (aquí todo está ya en memoria)."""

    def unwatch(self, room: str) -> None:
        """Ya no queda nadie de este proceso en ``room`` (aquí, nada que soltar)."""

    async def catch_up(self, room: str) -> None:
        """Antes de dar la bienvenida en ``room``: que la copia sea la historia de ahora.

        Aquí siempre lo es: el almacén está dentro del proceso. Con --redis, otro
        proceso (o un Redis que volvió vacío) puede haberla cambiado.
        """

    async def start(self) -> None:
        """Lo que haya que preparar dentro del event loop antes de atender a nadie."""

    async def close(self) -> None:
        """Al apagar: termina lo que esté guardando y suelta el almacén."""

    # --- Para los almacenes compartidos (common/processes/log.py) ---------------------
    # Un log en memoria o en SQLite vive dentro del proceso: siempre está disponible
    # y su historia solo se pierde al reiniciar. Uno compartido puede quedarse sin
    # conexión o perder su historia con el servidor en marcha; estos ganchos lo avisan.

    @property
    def healthy(self) -> bool:
        """True si ahora mismo se pueden guardar mensajes (para /healthz)."""
        return self.stopped is None

    @property
    def trouble(self) -> str | None:
        """Por qué no se puede guardar ahora, para el «status» de quien entra (None: nada)."""
        return None if self.stopped is None else STOPPED_TEXT

    def on_status(self, listener: Callable[[bool, str], None]) -> None:
        """``listener(degradado, texto)`` al perder o recuperar el almacén.

        Aquí, solo si quien guarda se detiene (``_stop``); con Redis, también si cae o vuelve.
        """
        self._status.append(listener)

    def on_reset(self, listener: Callable[[], None]) -> None:
        """``listener()`` cuando la historia cambia de epoch en marcha (aquí, nunca)."""

    # --- Para las subclases --------------------------------------------------------

    def _write(self, pending: Pending) -> None:
        raise NotImplementedError

    def _write_order(self, order: Order, done: OrderDone) -> None:
        raise NotImplementedError

    def _ordered(self, order: Order) -> None:
        """Una orden ya guardada: se aplica a la copia en memoria y se reparte."""
        state = self._room(order.room)
        if order.action == "delete":
            # El frame pasa a ser una lápida, en su sitio: sin texto y con su número.
            at = len(state.frames) - 1 - (state.seq - order.seq)
            if 0 <= at < len(state.frames):
                frame = tombstone(self.epoch, order.room, order.seq)
                state.frames[at], state.sizes[at] = frame, len(frame.encode("utf-8"))
        elif order.action == "clear":
            # Fuera todo lo que hay hasta order.seq; el número sigue donde estaba.
            keep = max(0, state.seq - order.seq)
            while len(state.frames) > keep:
                state.frames.popleft()
                state.sizes.popleft()
            state.seq = max(state.seq, order.seq)
        state.rules.apply(order)
        for listener in self._order_listeners:
            listener(order)

    def _load(self, stored: Stored) -> None:
        """Pone en memoria un mensaje que ya estaba guardado (al arrancar)."""
        state = self._room(stored.room)
        self._remember(state, stored)

    def _stored(self, stored: Stored, author: Author) -> None:
        """Un mensaje ya está guardado: se recuerda, se contesta y se reparte, en ese orden."""
        state = self._room(stored.room)
        self._remember(state, stored)
        waiting = state.waiting.pop(stored.key, []) if stored.key is not None else []
        for each in (author, *waiting):  # Su ack, antes de que llegue a nadie.
            each.on_stored(stored.cid, stored.seq)
        for listener in self._listeners:
            listener(stored.room, stored.frame)

    def _not_stored(self, pending: Pending, error: Exception) -> None:
        """No se pudo guardar: quien lo envió (y quien lo reintentó) lo sabrá."""
        state = self._room(pending.room)
        waiting = state.waiting.pop(pending.key, []) if pending.key is not None else []
        for each in (pending.author, *waiting):
            each.on_not_stored(pending.cid, error)

    def _stop(self, error: BaseException) -> LogStopped:
        """Quien guarda se detuvo por un fallo inesperado: se dice una vez, con su traza.

        Es un error de programación, no del disco ni de la red: nadie sabe si el
        siguiente mensaje iría mejor. Desde ahora /healthz da 503, los clientes
        reciben un «status» y cada mensaje, un error al momento. Las subclases
        contestan además a los que ya esperaban, con el ``LogStopped`` que devuelve.
        """
        if self.stopped is None:
            self.stopped = LogStopped(f"{type(error).__name__}: {error}")
            log.error(
                "El log dejó de guardar mensajes por un error inesperado. Cada mensaje "
                "recibirá un error y /healthz da 503 hasta que reinicies el servidor.",
                exc_info=error,
            )
            for listener in self._status:
                listener(True, STOPPED_TEXT)
        return self.stopped

    def _load_rules(self, room: str, cleared: int, locked: bool, slow: int) -> None:
        """Pone en memoria cómo dejó la profesora una sala que ya estaba guardada (al arrancar)."""
        state = self._room(room)
        state.rules.cleared, state.rules.locked, state.rules.slow = cleared, locked, slow
        state.seq = max(state.seq, cleared)  # Vaciada: el número sigue donde estaba.

    def _room(self, room: str) -> _Room:
        state = self._rooms.get(room)
        if state is None:
            state = self._rooms[room] = _Room(self.history_size)
        return state

    def _next_seq(self, room: str) -> int:
        return self._room(room).seq + 1

    def _remember(self, state: _Room, stored: Stored) -> None:
        state.seq = stored.seq
        state.frames.append(stored.frame)
        state.sizes.append(len(stored.frame.encode("utf-8")))
        if stored.key is not None:
            state.cids[stored.key] = stored.seq
        # Los reintentos se reconocen mientras el mensaje siga en el historial.
        oldest = stored.seq - len(state.frames)
        while state.cids and next(iter(state.cids.values())) <= oldest:
            state.cids.popitem(last=False)
        if state.rules.deleted:  # Casi nunca: solo si la profesora borró alguno.
            state.rules.forget_before(oldest + 1)


class MemoryLog(Log):
    """Un log que no guarda nada en disco: ``--db=:memory:`` y las pruebas.

    «Guardar» es recordarlo en memoria, así que ocurre en el acto. Al reiniciar
    el servidor, la historia se pierde y el epoch cambia.
    """

    def _write(self, pending: Pending) -> None:
        seq = self._next_seq(pending.room)
        self._stored(pending.numbered(seq), pending.author)

    def _write_order(self, order: Order, done: OrderDone) -> None:
        if order.action == "clear":  # Se vacía hasta el último guardado.
            order = order._replace(seq=self.latest(order.room))
        self._ordered(order)
        done(order)
