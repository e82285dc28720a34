"""El log en Redis: varios procesos (o varias máquinas) comparten un mismo chat.

La memoria de un proceso no la ve otro: con dos procesos y un ``MemoryLog`` cada
uno, habría dos chats con los mismos números. Aquí la verdad vive en Redis y cada
proceso tiene una copia de lo reciente en memoria (la de ``Log``) para contestar
sin esperar. Lo que hay que saber para leer este archivo:

* **El número lo pone Redis, de una vez.** Un script Lua (``append.lua``) comprueba el
  epoch, mira si ese remitente ya guardó ese ``cid``, suma 1 al contador de la sala y
  añade el mensaje al stream, todo junto: Redis ejecuta un script entero sin mezclarlo con
  nada. Dos procesos que envían a la vez nunca reciben el mismo ``seq``, y no
  quedan huecos. Es lo que hace el motor de Redis de Centrifugo.
* **Un stream por sala** (``chat:stream:SALA``), con ``MAXLEN`` = ``--history``.
  La entrada del mensaje 42 tiene el id ``42-0``. Un stream se puede volver a
  leer desde cualquier punto; un canal pub/sub no: lo que se publica mientras
  alguien no escucha se pierde (los documentos de Redis lo dicen: «at-most-once»).
* **Cada proceso lee los streams de sus salas** (``XREAD BLOCK``) y reparte a sus
  propios sockets, también los mensajes que envió él: así todos los procesos los ven
  en el mismo orden. Solo lee las salas en las que tiene gente (``watch``/``unwatch``):
  mil salas abiertas por curiosidad no hacen más larga la lectura de nadie.
* **El timbre.** Un ``XREAD`` que ya espera no se entera de una sala nueva. Para
  despertarlo, el proceso añade una entrada a su propio stream ``chat:wake:PROCESO``,
  que el ``XREAD`` también lee: como es un stream y no un aviso, no se pierde aunque
  llegue un instante antes de que el ``XREAD`` empiece a esperar.
* **El epoch vive en Redis** (``chat:epoch``). Si Redis vuelve vacío, el primero
  que lo nota crea otro; cada proceso lo ve, olvida su copia y avisa
  (``on_reset``): el servidor cierra las conexiones con 1012 para que retomen.
  Antes de dar una bienvenida se pregunta a Redis (``catch_up``): nadie recibe
  «no te perdiste nada» de una historia que Redis ya no tiene.
* **Un fallo que no es de Redis detiene el log, y se nota.** Si la tarea que
  escribe o la que lee se rompe por un error de programación, nadie se queda
  esperando su ``ack``: cada mensaje recibe un error y /healthz da 503 (``_stop``).

**Las órdenes de la profesora** (borrar, vaciar, bloquear…: common/history/rules.py)
viajan por el mismo stream, entre los mensajes. Un script (``order.lua``) hace dos cosas
de una vez:

1. Guarda lo que debe durar en claves de la sala: ``chat:rules:SALA`` (hasta dónde se
   vació, si está bloqueada, el modo lento), ``chat:deleted:SALA`` (los números borrados),
   ``chat:muted:SALA`` y ``chat:kicked:SALA`` (IP → cuándo termina; Redis borra cada una
   sola cuando ya no sirve). Borrar quita además la entrada del mensaje (``XDEL``): su
   texto sale de Redis para siempre. Vaciar borra el stream entero.
2. Añade al stream una entrada con la orden, con el id ``N-k``: justo detrás del mensaje
   ``N`` (``N-0``) y antes del siguiente. Cada proceso la lee en su sitio, como un
   mensaje más, y la aplica a su copia (``Log._ordered``): todos la ven en el mismo
   orden respecto a los mensajes.

Quien empieza a seguir una sala (``watch``) lee, en la misma transacción, el stream y
esas claves: un mensaje que falta en el stream y está en ``chat:deleted`` es una lápida;
la copia empieza después de ``cleared``. Por eso retomar da lo mismo en cualquier
proceso, también tras reiniciarlos todos: lo borrado sigue borrado.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
import time
from collections.abc import Callable, Iterable

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, RedisError, ResponseError

from common.history.log import Draft, Log, OrderDone, Pending, PendingOrder, Replay, Stored, _Room
from common.history.rules import Order, tombstone
from common.processes.link import (
    COMMAND_TIMEOUT,
    DEGRADED_TEXT,
    RedisLink,
    RedisUnavailable,
    lua,
)

log = logging.getLogger("chat.log")

EPOCH_KEY = "chat:epoch"
# Cuánto espera cada XREAD a que llegue algo; al volver sin nada, se mira el epoch.
READ_BLOCK_MS = 1000
# El timbre de un proceso se borra solo pasado este tiempo (si el proceso muere, no
# queda basura en Redis); el XREAD lo espera igual aunque aún no exista.
WAKE_TTL = 60

# Guarda un mensaje y le da su número, de una vez: common/processes/append.lua.
APPEND = lua("append.lua")
# Guarda una orden de la profesora y la pone en el stream: common/processes/order.lua.
ORDER = lua("order.lua")

# El frame se construye antes de saber su número: lo partimos en dos por un número
# de prueba y Redis pone el de verdad en medio.
SEQ_PROBE = 987654321987654


def split_frame(draft: Draft) -> tuple[str, str]:
    """El frame de ``draft`` partido justo donde va el seq: (antes, después)."""
    frame = draft.numbered(SEQ_PROBE)
    marker = f'"seq":{SEQ_PROBE}'
    # Dentro de un texto JSON las comillas van escapadas: «"seq":» sin escapar
    # solo puede ser la clave de verdad.
    at = frame.find(marker)
    if at < 0:
        raise ValueError('El frame debe llevar el número como "seq":N')
    return frame[: at + len('"seq":')], frame[at + len(marker) :]


STREAM_PREFIX = "chat:stream:"


def stream_key(room: str) -> str:
    return STREAM_PREFIX + room


class RedisLog(Log):
    """Un log cuyo número, historial y reintentos viven en Redis, compartidos."""

    def __init__(
        self, link: RedisLink, history_size: int = 1000, read_block_ms: int = READ_BLOCK_MS
    ) -> None:
        super().__init__(history_size, epoch="-")  # El de verdad se lee en start().
        self.link = link
        self.read_block_ms = read_block_ms
        # Las salas con gente de este proceso, y las que aún no se han podido copiar
        # (se entró con Redis caído, o se están leyendo ahora): esas no se leen todavía.
        self._watched: set[str] = set()
        self._unloaded: set[str] = set()
        self._wake_key = ""  # El timbre de este proceso (ver arriba): se elige en start().
        self._wake_id = "0-0"  # Hasta dónde leyó el timbre.
        # Una comprobación del epoch a la vez (la de una bienvenida, la del lector o la de
        # la vuelta de Redis) y, esperando, la siguiente, con las salas que se le piden.
        # El candado se crea en start(), dentro del loop (Python 3.9 lo ataría a otro).
        self._checking: asyncio.Lock = None  # type: ignore[assignment]
        self._next_check: asyncio.Future | None = None
        self._asked: set[str] = set()
        self._tokens = itertools.count()
        # Mensajes enviados desde aquí que esperan su número: token → (pendiente, avisos).
        self._inflight: dict[str, Pending] = {}
        self._outbox: list[Pending | PendingOrder] = []  # Esperan su turno.
        self._orders: list[PendingOrder] = []  # Órdenes enviadas que esperan respuesta.
        # Hasta dónde leyó el stream de cada sala: «N-0» tras el mensaje N, «N-k» tras una
        # orden de la profesora (ver arriba).
        self._read_ids: dict[str, str] = {}
        self._sending = False
        self._resets: list[Callable[[], None]] = []
        self._task: asyncio.Task | None = None
        self._reader: aioredis.Redis | None = None  # El cliente de XREAD: se crea en start().
        self._check_epoch = False
        self._reload = False  # La copia en memoria tiene un hueco: hay que rehacerla.
        self._reset_pending = False  # Un aviso de on_reset que espera a que vuelva Redis.
        link.on_restore(self._restore)
        link.on_status(self._status_changed)

    @property
    def healthy(self) -> bool:
        return self.link.available and super().healthy

    @property
    def trouble(self) -> str | None:
        if self.stopped is None and not self.link.available:
            return DEGRADED_TEXT  # Redis no contesta: los mensajes esperan y se reintentan.
        return super().trouble

    def on_status(self, listener: Callable[[bool, str], None]) -> None:
        super().on_status(listener)  # Si el log se detiene (_stop).
        self.link.on_status(listener)  # Si Redis cae o vuelve.

    def on_reset(self, listener: Callable[[], None]) -> None:
        self._resets.append(listener)

    @property
    def watched(self) -> frozenset[str]:
        """Las salas que lee este proceso: las que tienen gente aquí."""
        return frozenset(self._watched)

    async def start(self) -> None:
        """Conecta, lee el epoch y empieza a escuchar (las salas, cuando alguien entre)."""
        await self.link.connect()
        self._wake_key = f"chat:wake:{self.link.name}"
        self._checking = asyncio.Lock()
        # Se carga una vez y se llama por su SHA1 (EVALSHA). redis-py, con un script
        # registrado dentro de un pipeline, preguntaría antes de cada pipeline si Redis
        # aún lo tiene (SCRIPT EXISTS): un viaje más a Redis por cada mensaje.
        self._append_sha = await self.link.redis.script_load(APPEND)
        self._order_sha = await self.link.redis.script_load(ORDER)
        # XREAD espera a propósito: necesita su propio cliente con un plazo mayor.
        self._reader = self.link.client(self.read_block_ms / 1000 + COMMAND_TIMEOUT)
        self.epoch = await self._current_epoch()
        self._task = asyncio.ensure_future(self._read_forever())
        self._task.add_done_callback(self._reader_ended)

    async def watch(self, room: str) -> None:
        """Alguien de este proceso entra en ``room``: copia lo reciente y la lee desde ahí.

        Se apunta aunque Redis esté caído: al volver, ``_restore()`` la copia.
        """
        if room in self._watched:
            return
        self._watched.add(room)
        self._unloaded.add(room)
        if not self.link.available:
            return  # Quien entre verá la sala vacía y sus envíos esperarán.
        try:
            await self._load_room(room)
            # El XREAD que ya espera no incluye esta sala: el timbre lo despierta y la
            # siguiente vuelta la lee desde lo que acabamos de copiar. Nada se pierde
            # ni se repite entre la copia y la lectura: la lectura empieza en su seq.
            await self._ring()
        except (RedisError, OSError) as error:
            self.link.lost(error)

    def unwatch(self, room: str) -> None:
        """Ya no queda nadie de este proceso en ``room``: deja de leerla y olvida su copia."""
        self._watched.discard(room)
        self._unloaded.discard(room)
        self._rooms.pop(room, None)
        self._read_ids.pop(room, None)

    async def catch_up(self, room: str) -> None:
        """Antes de dar la bienvenida en ``room``: Redis confirma que la copia vale.

        Si Redis tiene otro epoch (volvió vacío), se renueva todo antes de contestar; si
        tiene mensajes de la sala que el lector aún no trajo, se leen ya. Las
        bienvenidas que llegan a la vez comparten una sola pregunta a Redis; la que
        llega mientras otra pregunta está en camino espera a la siguiente, que sale
        después de ella: así ninguna se fía de una respuesta anterior a su llegada.
        Con Redis caído no se puede preguntar: ``replay()`` lo tiene en cuenta.
        """
        if not self.link.available:
            return
        self._asked.add(room)
        if self._next_check is None:
            self._next_check = asyncio.ensure_future(self._check_asked())
        await asyncio.shield(self._next_check)

    def replay(self, room: str, since: int | None = None, epoch: str | None = None) -> Replay:
        if since is not None and not self.link.available:
            # Sin Redis no se sabe si esta historia sigue existiendo (pudo volver vacío):
            # nunca «no te perdiste nada» sin comprobarlo. La página lo marca como hueco.
            return Replay(self.recent(room), False, "unavailable")
        return super().replay(room, since, epoch)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._reader is not None:  # None si start() no llegó a crearlo.
            if self.link.available:
                with contextlib.suppress(RedisError, OSError):
                    await self.link.redis.delete(self._wake_key)
            await self._reader.aclose()
        await self.link.close()

    def _died(self, error: BaseException) -> None:
        """La tarea que escribe o la que lee se rompió: contesta a todo lo que esperaba."""
        stopped = self._stop(error)
        waiting = [*self._inflight.values(), *self._orders, *self._outbox]
        self._inflight.clear()
        self._orders, self._outbox = [], []
        for pending in waiting:
            if isinstance(pending, PendingOrder):
                pending.done(None)
            else:
                self._not_stored(pending, stopped)

    def _reader_ended(self, task: asyncio.Task) -> None:
        # El lector no termina nunca salvo que lo cancele close(): si termina, es un fallo.
        if not task.cancelled() and task.exception() is not None:
            self._died(task.exception())  # type: ignore[arg-type]

    # --- Guardar ------------------------------------------------------------------

    def _write(self, pending: Pending) -> None:
        if not self.link.available:
            self._not_stored(pending, RedisUnavailable("sin conexión"))
            return
        # Una cola y un solo envío a la vez: los mensajes de este proceso llegan a
        # Redis en el orden en que se enviaron (dos órdenes por conexiones distintas
        # podrían adelantarse), y los que se juntan viajan en un solo pipeline.
        self._queue(pending)

    def _write_order(self, order: Order, done: OrderDone) -> None:
        if not self.link.available:
            done(None)  # Sin Redis, nadie más la vería: mejor decirlo.
            return
        self._queue(PendingOrder(order, done))  # En la misma cola: detrás de los mensajes.

    def _queue(self, item: Pending | PendingOrder) -> None:
        self._outbox.append(item)
        if not self._sending:
            self._sending = True
            self.link.spawn(self._send_outbox())

    async def _send_outbox(self) -> None:
        try:
            while self._outbox:
                batch, self._outbox = self._outbox, []
                await self._store(batch)
        except Exception as error:
            self._died(error)  # _store ya apuntó el lote en _inflight: nadie queda sin respuesta.
        finally:
            self._sending = False

    async def _store(self, batch: list[Pending | PendingOrder]) -> None:
        # Cada entrada lleva el nombre de este proceso: al leerla, sabe que es suya.
        tokens = [f"{self.link.name}:{next(self._tokens)}" for _ in batch]
        # Antes de nada: así _died los encuentra.
        for item, token in zip(batch, tokens):
            if isinstance(item, PendingOrder):
                self._orders.append(item)
            else:
                self._inflight[token] = item
        calls = [self._call(item, token) for item, token in zip(batch, tokens)]
        try:
            answers = await self._appends(calls)
            forgotten = [n for n, answer in enumerate(answers) if isinstance(answer, NoScriptError)]
            if forgotten:
                # Redis se reinició y olvidó los scripts: esos no se ejecutaron. Se cargan
                # otra vez y se repiten, en el mismo orden.
                self._append_sha = await self.link.redis.script_load(APPEND)
                self._order_sha = await self.link.redis.script_load(ORDER)
                again = await self._appends([calls[n] for n in forgotten])
                for n, answer in zip(forgotten, again):
                    answers[n] = answer
        except (RedisError, OSError) as error:
            answers = [error] * len(batch)
        for item, token, answer in zip(batch, tokens, answers):
            if isinstance(item, PendingOrder):
                self._order_answered(item, answer)
            else:
                self._answered(item, token, answer)

    def _call(self, item: Pending | PendingOrder, token: str) -> tuple[bool, list]:
        """Lo que necesita el script de ``item``: (¿es una orden?, sus claves y argumentos)."""
        if isinstance(item, PendingOrder):
            order, room = item.order, item.order.room
            keys = [EPOCH_KEY, f"chat:seq:{room}", stream_key(room), f"chat:rules:{room}"]
            keys += [f"chat:deleted:{room}", f"chat:muted:{room}", f"chat:kicked:{room}"]
            ttl = max(1000, int((order.until - time.time()) * 1000))
            args = [self.epoch, order.action, order.seq, int(order.locked), order.slow]
            return True, [*keys, *args, order.address, repr(order.until), self.history_size, ttl]
        room = item.room
        head, tail = split_frame(item.draft)
        keys = [EPOCH_KEY, f"chat:seq:{room}", stream_key(room), f"chat:cids:{room}"]
        args = [self.epoch, secrets.token_hex(4), item.sender, item.cid or "", head, tail]
        return False, [*keys, *args, self.history_size, token]

    async def _appends(self, calls: list[tuple[bool, list]]) -> list:
        """Un EVALSHA por mensaje u orden, todos en un solo pipeline (un viaje a Redis)."""
        async with self.link.redis.pipeline(transaction=False) as pipe:
            for is_order, call in calls:
                if is_order:
                    pipe.evalsha(self._order_sha, 7, *call)
                else:
                    pipe.evalsha(self._append_sha, 4, *call)
            return await pipe.execute(raise_on_error=False)

    def _order_answered(self, item: PendingOrder, answer: object) -> None:
        """Redis contestó a una orden: guardada (la aplicará el lector, aquí y en todos)."""
        if item not in self._orders:
            return  # Ya tiene respuesta: el log se detuvo.
        self._orders.remove(item)
        if isinstance(answer, BaseException):
            if isinstance(answer, (RedisError, OSError)) and not isinstance(answer, ResponseError):
                self.link.lost(answer)
            item.done(None)
            return
        status, value = answer  # type: ignore[misc]
        if status == "epoch":
            self._check_epoch = True  # Redis volvió vacío: la orden era de otra historia.
            item.done(None)
            return
        item.done(item.order._replace(seq=int(value)))

    def _answered(self, pending: Pending, token: str, answer: object) -> None:
        if self._inflight.pop(token, None) is None:
            return  # Ya tiene respuesta: el lector lo vio en el stream, o el log se detuvo.
        if isinstance(answer, BaseException):
            if isinstance(answer, (RedisError, OSError)) and not isinstance(answer, ResponseError):
                self.link.lost(answer)
            self._not_stored(pending, RedisUnavailable(str(answer)))
            return
        status, value = answer  # type: ignore[misc]
        if status == "epoch":
            # Redis volvió vacío: este mensaje era de otra historia. Se rechaza, y el
            # lector cambia de epoch y cierra las conexiones para que retomen.
            self._check_epoch = True
            self._not_stored(pending, RedisUnavailable("epoch"))
        else:
            # "ok": guardado (el ack ya; el lector lo repartirá). "dup": un reintento de algo
            # ya guardado, que recibe el mismo número y no se reparte otra vez.
            self._ack(pending, int(value))

    def _ack(self, pending: Pending, seq: int) -> None:
        """Contesta a quien lo envió, y a sus reintentos que esperaban, el número que tiene."""
        key = pending.key
        waiting = self._room(pending.room).waiting.pop(key, []) if key is not None else []
        for each in (pending.author, *waiting):
            each.on_stored(pending.cid, seq)

    # --- Leer lo que añaden todos los procesos ------------------------------------

    async def _current_epoch(self) -> str:
        """El epoch de Redis; si no hay ninguno (Redis nuevo o vacío), se crea uno."""
        await self.link.redis.set(EPOCH_KEY, secrets.token_hex(4), nx=True)
        return await self.link.redis.get(EPOCH_KEY)

    async def _load_room(self, room: str) -> None:
        """Copia en memoria lo reciente de una sala (en una transacción, junto al epoch).

        Con el stream vienen el último número y lo que decidió la profesora: lo borrado
        (que falta del stream) se copia como lápida, y nada de antes de vaciar.
        """
        async with self.link.redis.pipeline(transaction=True) as pipe:
            pipe.get(EPOCH_KEY)
            pipe.xrevrange(stream_key(room), count=self.history_size)
            pipe.get(f"chat:seq:{room}")
            pipe.hgetall(f"chat:rules:{room}")
            pipe.zrange(f"chat:deleted:{room}", 0, -1)
            pipe.hgetall(f"chat:muted:{room}")
            pipe.hgetall(f"chat:kicked:{room}")
            epoch, entries, latest, rules, deleted, muted, kicked = await pipe.execute()
        if room not in self._unloaded:
            return  # Mientras leíamos, otra carga se adelantó, o ya nadie la sigue.
        if epoch != self.epoch:
            # Es de otra historia: no se mezcla con la copia. La renovación la cargará.
            self._check_epoch = True
            return
        old = self._rooms.get(room)
        state = self._rooms[room] = _Room(self.history_size)
        if old is not None:
            state.waiting = old.waiting  # Los reintentos en vuelo siguen esperando.
        latest, cleared = int(latest or 0), int(rules.get("cleared", 0))
        gone = {int(seq) for seq in deleted}
        messages = {}
        for entry_id, fields in entries:
            if "o" not in fields:  # Las órdenes ya están en las claves de la sala.
                messages[int(entry_id.split("-", 1)[0])] = (entry_id, fields)
        # Del más antiguo que se guarda al último: mensaje, lápida, o un hueco (lo que
        # MAXLEN ya recortó), y entonces la copia empieza después.
        copy: list[Stored] = []
        for seq in range(max(cleared, latest - self.history_size) + 1, latest + 1):
            if seq in messages:
                copy.append(_stored(room, *messages[seq]))
            elif seq in gone:
                copy.append(Stored(room, seq, None, None, tombstone(self.epoch, room, seq)))
            else:
                copy = []
        for stored in copy:
            self._load(stored)
        self._load_rules(room, cleared, rules.get("locked") == "1", int(rules.get("slow", 0)))
        state.rules.deleted = {seq for seq in gone if seq > latest - len(state.frames)}
        now = time.time()
        state.rules.muted = {ip: float(t) for ip, t in muted.items() if float(t) > now}
        state.rules.kicked = {ip: float(t) for ip, t in kicked.items() if float(t) > now}
        state.seq = latest
        # El XREAD sigue desde la entrada más nueva, sea un mensaje o una orden.
        self._read_ids[room] = entries[0][0] if entries else f"{latest}-0"
        self._unloaded.discard(room)

    async def _ring(self) -> None:
        """Despierta al lector: su XREAD también lee el timbre de este proceso."""
        async with self.link.redis.pipeline(transaction=False) as pipe:
            pipe.xadd(self._wake_key, {"ring": "1"}, maxlen=1)
            pipe.expire(self._wake_key, WAKE_TTL)
            await pipe.execute()

    async def _read_forever(self) -> None:
        while True:
            try:
                if self._check_epoch:
                    async with self._checking:
                        await self._check(())
                streams = {self._wake_key: self._wake_id}
                for room in self._watched - self._unloaded:
                    streams[stream_key(room)] = self._read_ids.get(room, f"{self.latest(room)}-0")
                answer = await self._reader.xread(streams, block=self.read_block_ms)
            except (RedisError, OSError) as error:
                self.link.lost(error)
                # Al volver, _restore() ya miró el epoch y copió las salas pendientes.
                await self.link.wait_available()
                continue
            if not answer:
                self._check_epoch = True  # Un rato sin mensajes: un vistazo al epoch.
                continue
            for key, entries in answer:
                if key == self._wake_key:
                    # El timbre: en la vuelta siguiente, el XREAD lleva las salas de ahora.
                    self._wake_id = entries[-1][0]
                    continue
                room = key[len(STREAM_PREFIX) :]
                for entry_id, fields in entries:
                    self._entry(room, entry_id, fields)

    async def _check_asked(self) -> None:
        """La comprobación que esperan las bienvenidas: empieza al acabar la anterior."""
        async with self._checking:
            # Desde aquí, quien llegue esperará a la siguiente: esta ya está en camino.
            self._next_check = None
            rooms, self._asked = self._asked, set()
            try:
                await self._check(rooms)
            except (RedisError, OSError) as error:
                self.link.lost(error)  # Sin respuesta: replay() sabrá que no se comprobó.

    async def _restore(self) -> None:
        """Redis volvió: ¿con su historia o vacío? Y las salas en las que se entró sin él."""
        async with self._checking:
            await self._check(())

    async def _check(self, rooms: Iterable[str]) -> None:
        """Un viaje a Redis: el epoch y el último seq de ``rooms``; y lo que haga falta.

        Quien llama tiene ``self._checking``: dos renovaciones a la vez cargarían dos
        veces cada sala y cerrarían dos veces las conexiones.
        """
        rooms = [room for room in rooms if room in self._watched and room not in self._unloaded]
        async with self.link.redis.pipeline(transaction=False) as pipe:
            pipe.set(EPOCH_KEY, secrets.token_hex(4), nx=True)  # Redis vacío: uno nuevo.
            pipe.get(EPOCH_KEY)
            for room in rooms:
                pipe.get(f"chat:seq:{room}")
            _, epoch, *seqs = await pipe.execute()
        self._check_epoch = False
        if epoch != self.epoch or self._reload:
            await self._renew(epoch)
            return
        for room in list(self._unloaded):  # Se entró en ellas con Redis caído.
            await self._load_room(room)
        for room, seq in zip(rooms, seqs):
            if int(seq or 0) > self.latest(room):
                await self._read_missing(room)

    async def _read_missing(self, room: str) -> None:
        """Trae ya los mensajes de ``room`` que el lector aún no ha leído (y los reparte)."""
        number, after = self._read_ids.get(room, f"{self.latest(room)}-0").split("-")
        entries = await self.link.redis.xrange(stream_key(room), min=f"{number}-{int(after) + 1}")
        for entry_id, fields in entries:
            self._entry(room, entry_id, fields)

    async def _renew(self, epoch: str) -> None:
        """Otra historia (o un hueco en la copia): se copia todo otra vez y se avisa."""
        if epoch != self.epoch:
            log.warning(
                "Redis volvió sin el historial (epoch %s → %s): los clientes retoman desde cero.",
                self.epoch,
                epoch,
            )
        else:
            log.warning("Este proceso se quedó atrás en el stream: vuelve a leer lo reciente.")
        self.epoch, self._reload = epoch, False
        self._reset_pending = True
        if self.link.available:
            self._announce_reset()
        # Si no, estamos en _restore(): Redis aún no se da por vuelto, y quien reconectara
        # ya no podría comprobar nada. Se avisa al volver (_status_changed).
        self._unloaded |= self._watched
        for room in list(self._unloaded):
            await self._load_room(room)
        await self._ring()  # El XREAD en espera aún lleva los números de la historia vieja.

    def _status_changed(self, degraded: bool, text: str) -> None:
        if not degraded:
            self._announce_reset()

    def _announce_reset(self) -> None:
        """La historia cambió: los clientes de aquí deben retomar (el servidor, con 1012)."""
        if self._reset_pending:
            self._reset_pending = False
            for listener in self._resets:
                listener()

    def _entry(self, room: str, entry_id: str, fields: dict[str, str]) -> None:
        """Una entrada del stream de ``room``: una orden de la profesora o un mensaje."""
        if "o" in fields:
            self._order_arrived(room, entry_id, fields)
        else:
            self._arrived(_stored(room, entry_id, fields), fields.get("w", ""))

    def _order_arrived(self, room: str, entry_id: str, fields: dict[str, str]) -> None:
        """Una orden de la profesora en el stream: se aplica a la copia y se reparte."""
        if room not in self._watched or room in self._unloaded:
            return
        if _stream_id(entry_id) <= _stream_id(self._read_ids.get(room, "0-0")):
            return  # Ya la teníamos (la copia inicial y la lectura se solapan).
        if _stream_id(entry_id)[0] != self.latest(room):
            self._check_epoch = self._reload = True  # Faltan mensajes: se vuelve a leer.
            return
        self._read_ids[room] = entry_id
        self._ordered(_order(room, fields))

    def _arrived(self, stored: Stored, token: str) -> None:
        """Una entrada nueva del stream: primero el ack si es nuestra, luego el reparto."""
        if stored.room not in self._watched or stored.room in self._unloaded:
            return  # Ya nadie la sigue aquí, o su copia se está rehaciendo.
        state = self._room(stored.room)
        if stored.seq <= state.seq:
            return  # Ya la teníamos (la copia inicial y la lectura se solapan).
        if stored.seq != state.seq + 1:
            # Faltan entradas (nos quedamos atrás más que --history): la copia ya no
            # sirve; se vuelve a leer y los clientes de aquí retoman.
            self._check_epoch = self._reload = True
            return
        mine = self._inflight.pop(token, None)
        if mine is not None:
            self._ack(mine, stored.seq)
        self._remember(state, stored)
        self._read_ids[stored.room] = f"{stored.seq}-0"
        for listener in self._listeners:
            listener(stored.room, stored.frame)


def _stored(room: str, entry_id: str, fields: dict[str, str]) -> Stored:
    """Una entrada del stream, como mensaje guardado.

    Lleva su remitente (``s``) para que un proceso que carga la sala reconozca los
    reintentos igual que el que la escribió; las entradas de antes no lo tienen.
    """
    seq = int(entry_id.split("-", 1)[0])
    return Stored(room, seq, fields.get("s"), fields.get("c") or None, fields["f"])


def _order(room: str, fields: dict[str, str]) -> Order:
    """Una entrada de orden del stream (order.lua la escribe), como ``Order``."""
    return Order(
        room,
        fields["o"],
        int(fields["n"]),
        fields["l"] == "1",
        int(fields["z"]),
        fields["a"],
        float(fields["u"]),
    )


def _stream_id(entry_id: str) -> tuple[int, int]:
    """«42-1» → (42, 1): los ids de un stream se comparan así, no como texto."""
    number, after = entry_id.split("-")
    return int(number), int(after)
