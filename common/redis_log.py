"""El log en Redis: varios procesos (o varias máquinas) comparten un mismo chat.

La memoria de un proceso no la ve otro: con dos procesos y un ``MemoryLog`` cada
uno, habría dos chats con los mismos números. Aquí la verdad vive en Redis y cada
proceso tiene una copia de lo reciente en memoria (la de ``Log``) para contestar
sin esperar. Lo que hay que saber para leer este archivo:

* **El número lo pone Redis, de una vez.** Un script Lua (``APPEND``) comprueba el
  epoch, mira si ese remitente ya guardó ese ``cid``, suma 1 al contador de la sala y
  añade el mensaje al stream, todo junto: Redis ejecuta un script entero sin mezclarlo con
  nada. Dos procesos que envían a la vez nunca reciben el mismo ``seq``, y no
  quedan huecos. Es lo que hace el motor de Redis de Centrifugo.
* **Un stream por sala** (``chat:stream:SALA``), con ``MAXLEN`` = ``--history``.
  La entrada del mensaje 42 tiene el id ``42-0``. Un stream se puede volver a
  leer desde cualquier punto; un canal pub/sub no: lo que se publica mientras
  alguien no escucha se pierde (los documentos de Redis lo dicen: «at-most-once»).
* **Cada proceso lee el stream** (``XREAD BLOCK``) y reparte a sus propios sockets,
  también los mensajes que envió él: así todos los procesos los ven en el mismo orden.
* **El epoch vive en Redis** (``chat:epoch``). Si Redis vuelve vacío, el primero
  que lo nota crea otro; cada proceso lo ve, olvida su copia y avisa
  (``on_reset``): el servidor cierra las conexiones con 1012 para que retomen.
* **Un fallo que no es de Redis detiene el log, y se nota.** Si la tarea que
  escribe o la que lee se rompe por un error de programación, nadie se queda
  esperando su ``ack``: cada mensaje recibe un error y /healthz da 503 (``_stop``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
from collections.abc import Callable, Iterable

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, RedisError, ResponseError

from common.log import Done, Encode, Failed, Log, Pending, Stored, _Room
from common.redis_link import COMMAND_TIMEOUT, RedisLink, RedisUnavailable

log = logging.getLogger("chat.log")

EPOCH_KEY = "chat:epoch"
# Cuánto espera cada XREAD a que llegue algo; al volver sin nada, se mira el epoch.
READ_BLOCK_MS = 1000

# KEYS: epoch, contador de la sala, stream de la sala, reintentos de la sala.
# ARGV: epoch que cree tener el proceso, epoch nuevo por si no hay ninguno, remitente,
# cid ("" si no hay), el frame antes y después del número, --history, y el proceso que
# lo escribe (para reconocer su entrada al leerla).
#
# Los reintentos de la sala son un sorted set: cada miembro es «remitente\ncid» (un
# remitente nunca lleva un salto de línea) y su puntuación, el seq de ese mensaje.
# Se quitan los que ya no están en el historial: un reintento se reconoce mientras su
# mensaje siga guardado, igual que en memoria o en SQLite.
APPEND = r"""
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  redis.call('SET', KEYS[1], ARGV[2])
  epoch = ARGV[2]
end
if epoch ~= ARGV[1] then
  return {'epoch', epoch}
end
local cid = ARGV[4]
local retry = ARGV[3] .. '\n' .. cid
if cid ~= '' then
  local old = redis.call('ZSCORE', KEYS[4], retry)
  if old then
    return {'dup', tonumber(old)}
  end
end
local seq = redis.call('INCR', KEYS[2])
local frame = ARGV[5] .. seq .. ARGV[6]
redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[7], seq .. '-0',
  's', ARGV[3], 'c', cid, 'f', frame, 'w', ARGV[8])
if cid ~= '' then
  redis.call('ZADD', KEYS[4], seq, retry)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', seq - tonumber(ARGV[7]))
end
return {'ok', seq}
"""

# El frame se construye antes de saber su número: lo partimos en dos por un número
# de prueba y Redis pone el de verdad en medio.
SEQ_PROBE = 987654321987654


def split_frame(encode: Encode) -> tuple[str, str]:
    """El frame de ``encode`` partido justo donde va el seq: (antes, después)."""
    frame = encode(SEQ_PROBE)
    marker = f'"seq":{SEQ_PROBE}'
    # Dentro de un texto JSON las comillas van escapadas: «"seq":» sin escapar
    # solo puede ser la clave de verdad.
    at = frame.find(marker)
    if at < 0:
        raise ValueError('El frame debe llevar el número como "seq":N')
    return frame[: at + len('"seq":')], frame[at + len(marker) :]


def stream_key(room: str) -> str:
    return f"chat:stream:{room}"


class RedisLog(Log):
    """Un log cuyo número, historial y reintentos viven en Redis, compartidos."""

    def __init__(self, link: RedisLink, history_size: int = 1000, rooms: Iterable[str] = ()):
        super().__init__(history_size, epoch="-")  # El de verdad se lee en start().
        self.link = link
        self.rooms = list(rooms) or ["general"]
        self._writer = ""  # Este proceso, en las entradas que añade: se elige en start().
        self._tokens = itertools.count()
        # Mensajes enviados desde aquí que esperan su número: token → (pendiente, avisos).
        self._inflight: dict[str, tuple[Pending, Done, Failed]] = {}
        self._outbox: list[tuple[Pending, Done, Failed]] = []  # Esperan su turno.
        self._sending = False
        self._resets: list[Callable[[], None]] = []
        self._task: asyncio.Task | None = None
        self._reader: aioredis.Redis | None = None  # El cliente de XREAD: se crea en start().
        self._check_epoch = False
        self._reload = False  # La copia en memoria tiene un hueco: hay que rehacerla.

    @property
    def healthy(self) -> bool:
        return self.link.available and super().healthy

    def on_status(self, listener: Callable[[bool, str], None]) -> None:
        super().on_status(listener)  # Si el log se detiene (_stop).
        self.link.on_status(listener)  # Si Redis cae o vuelve.

    def on_reset(self, listener: Callable[[], None]) -> None:
        self._resets.append(listener)

    async def start(self) -> None:
        """Conecta, lee el epoch y lo reciente de cada sala, y empieza a escuchar."""
        await self.link.connect()
        # Después de fork() (--processes), no antes: cada hijo, su propio nombre.
        self._writer = secrets.token_hex(4)
        # Se carga una vez y se llama por su SHA1 (EVALSHA). redis-py, con un script
        # registrado dentro de un pipeline, preguntaría antes de cada pipeline si Redis
        # aún lo tiene (SCRIPT EXISTS): un viaje más a Redis por cada mensaje.
        self._append_sha = await self.link.redis.script_load(APPEND)
        # XREAD espera a propósito: necesita su propio cliente con un plazo mayor.
        self._reader = self.link.client(READ_BLOCK_MS / 1000 + COMMAND_TIMEOUT)
        self.epoch = await self._current_epoch()
        for room in self.rooms:
            await self._load_room(room)
        self._task = asyncio.ensure_future(self._read_forever())
        self._task.add_done_callback(self._reader_ended)

    async def watch(self, room: str) -> None:
        """Una sala nueva para este proceso: copia lo reciente y la lee a partir de ahí.

        El bucle de lectura la añade en su siguiente vuelta (como mucho, un segundo).
        """
        if room in self.rooms or not self.link.available:
            return  # Sin Redis, quien entre verá la sala vacía y sus envíos esperarán.
        try:
            await self._load_room(room)
        except (RedisError, OSError) as error:
            self.link.lost(error)
            return
        if room not in self.rooms:  # Otro handshake pudo añadirla mientras tanto.
            self.rooms.append(room)

    async def close(self) -> None:  # type: ignore[override]
        if self._task is not None:
            self._task.cancel()
        if self._reader is not None:  # None si start() no llegó a crearlo.
            await self._reader.aclose()
        await self.link.close()

    def _died(self, error: BaseException) -> None:
        """La tarea que escribe o la que lee se rompió: contesta a todo lo que esperaba."""
        stopped = self._stop(error)
        waiting = [*self._inflight.values(), *self._outbox]
        self._inflight.clear()
        self._outbox = []
        for pending, done, failed in waiting:
            self._not_stored(pending, done, failed, stopped)

    def _reader_ended(self, task: asyncio.Task) -> None:
        # El lector no termina nunca salvo que lo cancele close(): si termina, es un fallo.
        if not task.cancelled() and task.exception() is not None:
            self._died(task.exception())  # type: ignore[arg-type]

    # --- Guardar ------------------------------------------------------------------

    def _write(self, pending: Pending, done: Done, failed: Failed) -> None:
        if not self.link.available:
            self._not_stored(pending, done, failed, RedisUnavailable("sin conexión"))
            return
        # Una cola y un solo envío a la vez: los mensajes de este proceso llegan a
        # Redis en el orden en que se enviaron (dos órdenes por conexiones distintas
        # podrían adelantarse), y los que se juntan viajan en un solo pipeline.
        self._outbox.append((pending, done, failed))
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

    async def _store(self, batch: list[tuple[Pending, Done, Failed]]) -> None:
        tokens = [f"{self._writer}:{next(self._tokens)}" for _ in batch]
        self._inflight.update(zip(tokens, batch))  # Antes de nada: así _died los encuentra.
        calls = []
        for (pending, _, _), token in zip(batch, tokens):
            room = pending.room
            head, tail = split_frame(pending.encode)
            keys = [EPOCH_KEY, f"chat:seq:{room}", stream_key(room), f"chat:cids:{room}"]
            args = [self.epoch, secrets.token_hex(4), pending.sender, pending.cid or "", head, tail]
            calls.append([*keys, *args, self.history_size, token])
        try:
            answers = await self._appends(calls)
            forgotten = [n for n, answer in enumerate(answers) if isinstance(answer, NoScriptError)]
            if forgotten:
                # Redis se reinició y olvidó el script: esos no se ejecutaron. Se carga
                # otra vez y se repiten, en el mismo orden.
                self._append_sha = await self.link.redis.script_load(APPEND)
                again = await self._appends([calls[n] for n in forgotten])
                for n, answer in zip(forgotten, again):
                    answers[n] = answer
        except (RedisError, OSError) as error:
            answers = [error] * len(batch)
        for (pending, done, failed), token, answer in zip(batch, tokens, answers):
            self._answered(pending, done, failed, token, answer)

    async def _appends(self, calls: list[list]) -> list:
        """Un EVALSHA de APPEND por mensaje, todos en un solo pipeline (un viaje a Redis)."""
        async with self.link.redis.pipeline(transaction=False) as pipe:
            for call in calls:
                pipe.evalsha(self._append_sha, 4, *call)
            return await pipe.execute(raise_on_error=False)

    def _answered(
        self, pending: Pending, done: Done, failed: Failed, token: str, answer: object
    ) -> None:
        if self._inflight.pop(token, None) is None:
            return  # Ya tiene respuesta: el lector lo vio en el stream, o el log se detuvo.
        if isinstance(answer, BaseException):
            if isinstance(answer, (RedisError, OSError)) and not isinstance(answer, ResponseError):
                self.link.lost(answer)
            self._not_stored(pending, done, failed, RedisUnavailable(str(answer)))
            return
        status, value = answer  # type: ignore[misc]
        if status == "epoch":
            # Redis volvió vacío: este mensaje era de otra historia. Se rechaza, y el
            # lector cambia de epoch y cierra las conexiones para que retomen.
            self._check_epoch = True
            self._not_stored(pending, done, failed, RedisUnavailable("epoch"))
        else:
            # "ok": guardado (el ack ya; el lector lo repartirá). "dup": un reintento de algo
            # ya guardado, que recibe el mismo número y no se reparte otra vez.
            self._ack(pending, int(value), done)

    def _ack(self, pending: Pending, seq: int, done: Done) -> None:
        """Avisa a quien lo envió, y a sus reintentos que esperaban, del número que tiene."""
        key = pending.key
        waiting = self._room(pending.room).waiting.pop(key, []) if key is not None else []
        done(seq)
        for also, _ in waiting:
            also(seq)

    # --- Leer lo que añaden todos los procesos ------------------------------------

    async def _current_epoch(self) -> str:
        """El epoch de Redis; si no hay ninguno (Redis nuevo o vacío), se crea uno."""
        await self.link.redis.set(EPOCH_KEY, secrets.token_hex(4), nx=True)
        return await self.link.redis.get(EPOCH_KEY)

    async def _load_room(self, room: str) -> None:
        """Copia en memoria lo reciente de una sala (en una transacción, junto al epoch)."""
        async with self.link.redis.pipeline(transaction=True) as pipe:
            pipe.get(EPOCH_KEY)
            pipe.xrevrange(stream_key(room), count=self.history_size)
            epoch, entries = await pipe.execute()
        if epoch != self.epoch:
            self._check_epoch = True
        old = self._rooms.get(room)
        state = self._rooms[room] = _Room(self.history_size)
        if old is not None:
            state.waiting = old.waiting  # Los reintentos en vuelo siguen esperando.
        for entry_id, fields in reversed(entries):
            self._load(_stored(room, entry_id, fields))

    async def _read_forever(self) -> None:
        while True:
            try:
                if self._check_epoch:
                    await self._renew_epoch()
                streams = {stream_key(r): f"{self.latest(r)}-0" for r in self.rooms}
                answer = await self._reader.xread(streams, block=READ_BLOCK_MS)
            except (RedisError, OSError) as error:
                self.link.lost(error)
                await self.link.wait_available()
                self._check_epoch = True  # ¿Volvió con sus datos o vacío?
                continue
            if not answer:
                self._check_epoch = True  # Un segundo sin mensajes: un vistazo al epoch.
                continue
            for key, entries in answer:
                room = key[len("chat:stream:") :]
                for entry_id, fields in entries:
                    self._arrived(_stored(room, entry_id, fields), fields.get("w", ""))

    async def _renew_epoch(self) -> None:
        epoch = await self._current_epoch()
        self._check_epoch = False
        if epoch == self.epoch and not self._reload:
            return
        if epoch != self.epoch:
            log.warning(
                "Redis volvió sin el historial (epoch %s → %s): los clientes retoman desde cero.",
                self.epoch,
                epoch,
            )
        else:
            log.warning("Este proceso se quedó atrás en el stream: vuelve a leer lo reciente.")
        self.epoch, self._reload = epoch, False
        for room in self.rooms:
            await self._load_room(room)
        for listener in self._resets:
            listener()

    def _arrived(self, stored: Stored, token: str) -> None:
        """Una entrada nueva del stream: primero el ack si es nuestra, luego el reparto."""
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
            self._ack(mine[0], stored.seq, mine[1])
        self._remember(state, stored)
        for listener in self._listeners:
            listener(stored.room, stored.frame)


def _stored(room: str, entry_id: str, fields: dict[str, str]) -> Stored:
    """Una entrada del stream, como mensaje guardado.

    Lleva su remitente (``s``) para que un proceso que carga la sala reconozca los
    reintentos igual que el que la escribió; las entradas de antes no lo tienen.
    """
    seq = int(entry_id.split("-", 1)[0])
    return Stored(room, seq, fields.get("s"), fields.get("c") or None, fields["f"])
