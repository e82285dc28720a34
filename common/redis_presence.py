"""La presencia en Redis: quién está conectado, sumando todos los procesos.

Cada proceso sabe a quién atiende él. La lista completa es la unión de todos, y
vive en Redis; cada proceso guarda una copia en memoria (la de ``Presence``) para
contestar al momento y la mantiene al día leyendo un stream de eventos:

* ``chat:online:SALA``: quién está, ordenado por la hora de llegada (un *sorted set*).
* ``chat:members:PROCESO``: a quién atiende cada proceso («sala\\nquién»).
* ``chat:procs``: el último latido de cada proceso (su hora, en milisegundos).
* ``chat:presence``: los eventos ``join``/``leave``, que leen todos los procesos.

**El latido.** Cada ``HEARTBEAT`` segundos, cada proceso dice «sigo vivo». Un
proceso que muere de golpe (``kill -9``, un apagón) ya no late: pasados
``DEAD_AFTER`` segundos, el primer proceso vivo que lo ve saca a toda su gente de
la lista, con su evento ``leave``, dentro de un script Lua (así lo hace uno solo).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Iterable

from redis.exceptions import RedisError

from common.presence import Presence, PresenceListener
from common.redis_link import COMMAND_TIMEOUT, RedisLink

log = logging.getLogger("chat.presence")

HEARTBEAT = 2.0  # Segundos entre latidos.
DEAD_AFTER = 8.0  # Sin latir tanto tiempo, un proceso se da por muerto (y 8 + 2 < 15).
EVENTS_KEY = "chat:presence"
PROCS_KEY = "chat:procs"
READ_BLOCK_MS = 1000

# Funciones Lua comunes a los scripts. «now» es la hora de Redis: todas las
# máquinas usan el mismo reloj para decidir quién está muerto.
_LUA_COMMON = """
local function now()
  local t = redis.call('TIME')
  return t[1] * 1000 + math.floor(t[2] / 1000)
end
local function event(op, room, who, proc)
  local count = redis.call('ZCARD', 'chat:online:' .. room)
  redis.call('XADD', 'chat:presence', 'MAXLEN', '~', 10000, '*',
             'op', op, 'room', room, 'who', who, 'count', count, 'proc', proc)
  return count
end
local function join(room, who, proc)
  redis.call('SADD', 'chat:members:' .. proc, room .. '\\n' .. who)
  if redis.call('ZADD', 'chat:online:' .. room, 'NX', now(), who) == 1 then
    event('join', room, who, proc)
  end
end
local function leave(room, who, proc)
  redis.call('SREM', 'chat:members:' .. proc, room .. '\\n' .. who)
  if redis.call('ZREM', 'chat:online:' .. room, who) == 1 then
    event('leave', room, who, proc)
  end
end
local function split(member)
  local at = string.find(member, '\\n', 1, true)
  return string.sub(member, 1, at - 1), string.sub(member, at + 1)
end
local function reap(proc)
  for _, member in ipairs(redis.call('SMEMBERS', 'chat:members:' .. proc)) do
    local room, who = split(member)
    leave(room, who, proc)
  end
  redis.call('DEL', 'chat:members:' .. proc)
  redis.call('ZREM', 'chat:procs', proc)
end
"""

# ARGV: sala, quién, proceso.
JOIN = _LUA_COMMON + "join(ARGV[1], ARGV[2], ARGV[3])"
LEAVE = _LUA_COMMON + "leave(ARGV[1], ARGV[2], ARGV[3])"
# ARGV: proceso, milisegundos sin latir para darlo por muerto. Devuelve los muertos.
HEARTBEAT_SCRIPT = (
    _LUA_COMMON
    + """
local t = now()
redis.call('ZADD', 'chat:procs', t, ARGV[1])
local dead = redis.call('ZRANGEBYSCORE', 'chat:procs', '-inf', t - tonumber(ARGV[2]))
for _, proc in ipairs(dead) do reap(proc) end
return dead
"""
)
# ARGV: proceso, y la lista «sala\\nquién» que atiende de verdad. Tras una caída de
# Redis, deja en Redis justo eso: quien se fue mientras tanto sale, quien entró, entra.
RESYNC = (
    _LUA_COMMON
    + """
local proc = ARGV[1]
local wanted = {}
for i = 2, #ARGV do wanted[ARGV[i]] = true end
for _, member in ipairs(redis.call('SMEMBERS', 'chat:members:' .. proc)) do
  if not wanted[member] then
    local room, who = split(member)
    leave(room, who, proc)
  end
end
for i = 2, #ARGV do
  local room, who = split(ARGV[i])
  join(room, who, proc)
end
redis.call('ZADD', 'chat:procs', now(), proc)
"""
)
# ARGV: proceso. Al apagarse bien: su gente sale de la lista ya, sin esperar al latido.
GOODBYE = _LUA_COMMON + "reap(ARGV[1])"


class RedisPresence(Presence):
    """Quién está en cada sala, entre todos los procesos que comparten un Redis."""

    def __init__(
        self,
        link: RedisLink,
        rooms: Iterable[str] = (),
        heartbeat: float = HEARTBEAT,
        dead_after: float = DEAD_AFTER,
    ) -> None:
        super().__init__()
        self.link = link
        self.rooms = list(rooms) or ["general"]
        self.heartbeat, self.dead_after = heartbeat, dead_after
        self.proc = secrets.token_hex(6)  # El nombre de este proceso en Redis.
        self._local: dict[tuple[str, str], None] = {}  # A quién atiende este proceso.
        self._last_event = "0-0"
        self._tasks: list[asyncio.Task] = []
        link.on_restore(self._restore)

    # --- Lo que usa el servidor (sin esperar: la copia en memoria contesta) --------

    def join(self, room: str, who: str) -> int:
        self._local[(room, who)] = None
        self._send(self._join, room, who)
        return super().join(room, who)

    def leave(self, room: str, who: str) -> int:
        self._local.pop((room, who), None)
        self._send(self._leave, room, who)
        return super().leave(room, who)

    # --- Arranque, latido y apagado ----------------------------------------------

    async def start(self) -> None:
        await self.link.connect()
        self._reader = self.link.client(READ_BLOCK_MS / 1000 + COMMAND_TIMEOUT)
        scripts = self.link.redis.register_script
        self._join, self._leave = scripts(JOIN), scripts(LEAVE)
        self._beat, self._resync = scripts(HEARTBEAT_SCRIPT), scripts(RESYNC)
        self._goodbye = scripts(GOODBYE)
        await self._resync(args=[self.proc])
        await self._reload()
        self._tasks = [
            asyncio.ensure_future(self._read_forever()),
            asyncio.ensure_future(self._beat_forever()),
        ]

    async def watch(self, room: str) -> None:
        """Una sala nueva para este proceso: lee quién está ya en ella, en todos los procesos."""
        if room in self.rooms or not self.link.available:
            return
        self.rooms.append(room)
        for who in await self.link.redis.zrange(f"chat:online:{room}", 0, -1):
            super().join(room, who)  # Ya estaban: nadie de aquí necesita el aviso.

    async def close(self) -> None:  # type: ignore[override]
        for task in self._tasks:
            task.cancel()
        if self.link.available:
            # Si falla, los demás procesos lo sacarán de la lista cuando deje de latir.
            with contextlib.suppress(RedisError, OSError):
                await self._goodbye(args=[self.proc])
        await self._reader.aclose()

    def _send(self, script: Callable, room: str, who: str) -> None:
        if not self.link.available:
            return  # Al volver Redis, _restore() deja la lista como debe estar.

        async def send() -> None:
            try:
                await script(args=[room, who, self.proc])
            except (RedisError, OSError) as error:
                self.link.lost(error)

        self.link.spawn(send())

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            if not self.link.available:
                continue
            try:
                dead = await self._beat(args=[self.proc, int(self.dead_after * 1000)])
            except (RedisError, OSError) as error:
                self.link.lost(error)
                continue
            for proc in dead:
                log.warning("El proceso %s dejó de latir: su gente sale de la lista.", proc)

    async def _restore(self) -> None:
        """Redis volvió: lo que dice de este proceso pasa a ser verdad otra vez."""
        members = [f"{room}\n{who}" for room, who in self._local]
        await self._resync(args=[self.proc, *members])
        await self._reload()

    # --- La copia en memoria ---------------------------------------------------------

    async def _reload(self) -> None:
        """Vuelve a leer la lista de cada sala y avisa de lo que cambió mientras tanto."""
        async with self.link.redis.pipeline(transaction=True) as pipe:
            pipe.xrevrange(EVENTS_KEY, count=1)
            for room in self.rooms:
                pipe.zrange(f"chat:online:{room}", 0, -1)
            last, *lists = await pipe.execute()
        self._last_event = last[0][0] if last else "0-0"
        for room, people in zip(self.rooms, lists):
            before = self.online(room)
            gone = [who for who in before if who not in set(people)]
            for who in gone:
                self._notify("leave", room, who, super().leave(room, who))
            for who in people:
                if who not in self._rooms.get(room, {}):
                    self._notify("join", room, who, super().join(room, who))

    async def _read_forever(self) -> None:
        while True:
            try:
                answer = await self._reader.xread({EVENTS_KEY: self._last_event}, block=1000)
            except (RedisError, OSError) as error:
                self.link.lost(error)
                await self.link.wait_available()  # _restore() ya recargó la lista.
                continue
            for _, entries in answer or ():
                for entry_id, fields in entries:
                    self._last_event = entry_id
                    self._apply(fields)

    def _apply(self, fields: dict[str, str]) -> None:
        if fields["proc"] == self.proc:
            return  # Un evento nuestro: ya está en la copia y ya se avisó.
        room, who, op = fields["room"], fields["who"], fields["op"]
        people = self._rooms.get(room, {})
        if op == "join" and who not in people:
            super().join(room, who)
            self._notify("join", room, who, int(fields["count"]))
        elif op == "leave" and who in people:
            super().leave(room, who)
            self._notify("leave", room, who, int(fields["count"]))

    def _notify(self, kind: str, room: str, who: str, count: int) -> None:
        for listener in self._listeners:
            listener(kind, room, who, count)


__all__ = ["PresenceListener", "RedisPresence"]
