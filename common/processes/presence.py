"""La presencia en Redis: quién está conectado y con qué apodo, sumando todos los procesos.

Cada proceso sabe a quién atiende él. La lista completa es la unión de todos, y
vive en Redis; cada proceso guarda una copia en memoria (una ``Presence``) de las
salas en las que tiene gente, para contestar al momento, y la mantiene al día
leyendo un stream de eventos. De las demás salas solo sabe cuántos hay (para la
lista de salas): cada evento lleva la cuenta de su sala.

* ``chat:online:SALA``: quién está, ordenado por la hora de llegada (un *sorted set*).
* ``chat:nicks:SALA`` y ``chat:nickof:SALA``: de quién es cada apodo, y el de cada uno.
* ``chat:rooms``: cuántos hay en cada sala con gente, en todos los procesos.
* ``chat:members:PROCESO``: a quién atiende cada proceso («sala\\nquién»).
* ``chat:procs``: el último latido de cada proceso (su hora, en milisegundos).
* ``chat:presence``: los eventos ``join``/``leave``/``nick``, que leen todos los procesos.

**Se envía el estado, no la orden.** Cuando alguien entra, sale o cambia de apodo,
este proceso anota «a esta persona hay que ponerla al día» y una sola tarea le
cuenta a Redis, en orden y de un tirón, cómo está *ahora* cada persona anotada
(``SYNC``). Así dos órdenes no pueden llegar cambiadas de orden (entrar y salir
enseguida), y quien entra con ``?nick=`` llega a los demás procesos con su apodo.

**Los apodos los decide Redis.** La copia de aquí contesta al momento si un apodo
está libre; si dos procesos dan el mismo en el mismo milisegundo, el script de
Redis se lo deja al primero y al otro se le devuelve el que tenía (``refused``).

**El latido.** Cada ``HEARTBEAT`` segundos, cada proceso dice «sigo vivo». Un
proceso que muere de golpe (``kill -9``, un apagón) ya no late: pasados
``DEAD_AFTER`` segundos, el primer proceso vivo que lo ve saca a toda su gente de
la lista, con su evento ``leave``, dentro de un script Lua (así lo hace uno solo).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Iterable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from common.live.presence import Change, Person, Presence, PresenceListener
from common.processes.link import COMMAND_TIMEOUT, RedisLink, lua

log = logging.getLogger("chat.presence")

HEARTBEAT = 2.0  # Segundos entre latidos.
DEAD_AFTER = 8.0  # Sin latir tanto tiempo, un proceso se da por muerto (y 8 + 2 < 15).
EVENTS_KEY = "chat:presence"
PROCS_KEY = "chat:procs"
READ_BLOCK_MS = 1000
SYNC_BATCH = 500  # Personas por script: mil entradas de golpe son dos viajes a Redis.

# Los scripts, en common/processes/*.lua: cada uno va detrás de las funciones que
# comparten (presence.lua), y cada archivo explica qué hace y qué recibe.
SYNC = lua("presence.lua", "sync.lua")  # Cómo está ahora cada persona anotada aquí.
HEARTBEAT_SCRIPT = lua("presence.lua", "heartbeat.lua")  # «Sigo vivo», y la baja de los muertos.
GOODBYE = lua("presence.lua", "goodbye.lua")  # Al apagarse bien: su gente sale ya.


class RedisPresence:
    """Quién está en cada sala y con qué apodo, entre todos los procesos de un Redis.

    Tiene los mismos métodos que ``Presence`` (a server.py le da igual cuál recibe) y
    una ``Presence`` dentro, ``copy``: la gente de las salas que sigue este proceso. No
    hereda de ella: así nada de esta clase puede tapar un método de la copia.
    """

    def __init__(
        self, link: RedisLink, heartbeat: float = HEARTBEAT, dead_after: float = DEAD_AFTER
    ) -> None:
        self.link = link
        self.copy = Presence()  # La gente de las salas que sigue este proceso.
        self.heartbeat, self.dead_after = heartbeat, dead_after
        self.proc = ""  # El nombre de este proceso en Redis: el del enlace, en start().
        self._listeners: list[PresenceListener] = []
        # Las salas con gente de este proceso: de ellas, la lista entera en la copia.
        self._watched: set[str] = set()
        # Cuántos hay en cada sala con gente, en todos los procesos (de las que no sigue).
        self._counts: dict[str, int] = {}
        # A quién atiende este proceso, con el apodo que quiere: lo que Redis debe saber.
        self._local: dict[tuple[str, str], str | None] = {}
        # A quién hay que poner al día en Redis, por orden (un dict sin valores).
        self._dirty: dict[tuple[str, str], None] = {}
        self._wake: asyncio.Event | None = None  # Se crea dentro del loop (Python 3.9).
        self._last_event = "0-0"
        # Salas cuya lista se está leyendo de Redis, con los eventos que esperan a la lista.
        self._reading: dict[str, list[tuple[str, dict[str, str]]]] = {}
        self._tasks: list[asyncio.Task] = []
        self._reader: aioredis.Redis | None = None  # El cliente de XREAD: se crea en start().
        link.on_restore(self._restore)

    def subscribe(self, listener: PresenceListener) -> None:
        """Avisos de lo que pasa en otros procesos, en las salas que sigue este."""
        self._listeners.append(listener)

    def _notify(self, change: Change) -> None:
        for listener in self._listeners:
            listener(change)

    # --- Lo que usa el servidor (sin esperar: la copia en memoria contesta) --------

    def join(self, room: str, who: str) -> int:
        self._local[(room, who)] = None
        self._mark(room, who)
        return self.copy.join(room, who)

    def leave(self, room: str, who: str) -> int:
        self._local.pop((room, who), None)
        self._mark(room, who)
        return self.copy.leave(room, who)

    def set_nick(self, room: str, who: str, nick: str) -> bool:
        # La copia conoce los apodos de todos los procesos: un apodo ocupado se niega
        # ya. Si está libre, Redis lo confirma (o lo niega, si otro proceso se adelantó).
        if not self.copy.set_nick(room, who, nick):
            return False
        self._local[(room, who)] = nick
        self._mark(room, who)
        return True

    def nick_of(self, room: str, who: str) -> str | None:
        return self.copy.nick_of(room, who)

    def is_in(self, room: str, who: str) -> bool:
        return self.copy.is_in(room, who)

    def online(self, room: str) -> list[str]:
        return self.copy.online(room)

    def people(self, room: str, limit: int | None = None) -> list[Person]:
        return self.copy.people(room, limit)

    def count(self, room: str) -> int:
        return self.copy.count(room)

    def rooms(self) -> dict[str, int]:
        """Las salas con alguien dentro, en cualquier proceso, y cuántos hay en cada una."""
        counts = {room: n for room, n in self._counts.items() if room not in self._watched}
        counts.update(self.copy.rooms())  # Las que sigue este proceso: su lista entera.
        return counts

    def _mark(self, room: str, who: str) -> None:
        self._dirty[(room, who)] = None
        if self._wake is not None:
            self._wake.set()

    # --- Arranque, salas, latido y apagado -----------------------------------------

    async def start(self) -> None:
        await self.link.connect()
        self.proc = self.link.name  # El mismo nombre que usan el log y el relé.
        self._reader = self.link.client(READ_BLOCK_MS / 1000 + COMMAND_TIMEOUT)
        scripts = self.link.redis.register_script
        self._sync, self._beat = scripts(SYNC), scripts(HEARTBEAT_SCRIPT)
        self._goodbye = scripts(GOODBYE)
        self._wake = asyncio.Event()
        await self._sync(args=[self.proc, "1"])  # Un proceso nuevo aún no atiende a nadie.
        await self._reload()
        self._tasks = [
            asyncio.ensure_future(self._read_forever()),
            asyncio.ensure_future(self._beat_forever()),
            asyncio.ensure_future(self._write_forever()),
        ]

    async def watch(self, room: str) -> None:
        """Alguien de este proceso entra en ``room``: lee quién está ya, en todos los procesos.

        Se apunta aunque Redis esté caído: al volver, ``_restore()`` lee su lista.
        """
        if room in self._watched:
            return
        self._watched.add(room)
        if not self.link.available:
            return
        events = self._reading[room] = []
        try:
            await self._read_room(room, events)
        except (RedisError, OSError) as error:
            self.link.lost(error)  # Al volver, _restore() lee la lista de cada sala.
        finally:
            del self._reading[room]

    def unwatch(self, room: str) -> None:
        """Ya no queda nadie de este proceso en ``room``: de ella basta con la cuenta."""
        self._watched.discard(room)
        count = self.copy.count(room)  # La gente de otros procesos que sigue dentro.
        if count:
            self._counts[room] = count
        else:
            self._counts.pop(room, None)
        self.copy.drop(room)

    async def _read_room(self, room: str, arriving: list[tuple[str, dict[str, str]]]) -> None:
        # Mientras llega la lista, el lector puede ver salir a alguien que aún no está
        # en la copia: sus eventos esperan en ``arriving`` y se aplican después, si
        # son posteriores a la lista.
        async with self.link.redis.pipeline(transaction=True) as pipe:
            pipe.xrevrange(EVENTS_KEY, count=1)  # Hasta dónde llega la lista.
            pipe.zrange(f"chat:online:{room}", 0, -1)
            pipe.hgetall(f"chat:nickof:{room}")
            last, people, nicks = await pipe.execute()
        if room not in self._watched:
            return  # Mientras leíamos, salió la última persona de aquí.
        for who in people:  # Ya estaban: nadie de aquí necesita el aviso.
            self.copy.join(room, who)
            self.copy.put_nick(room, who, _nick(nicks.get(who)))
        seen = _stream_id(last[0][0]) if last else (0, 0)
        for entry_id, fields in arriving:
            if _stream_id(entry_id) > seen:
                self._apply(fields)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._reader is None:
            return  # start() no llegó a conectar: no hay nada que despedir ni cerrar.
        if self.link.available:
            # Si falla, los demás procesos lo sacarán de la lista cuando deje de latir.
            with contextlib.suppress(RedisError, OSError):
                await self._goodbye(args=[self.proc])
        await self._reader.aclose()

    async def _write_forever(self) -> None:
        """La única tarea que escribe la presencia en Redis: así nada llega desordenado."""
        assert self._wake is not None
        while True:
            if not self._dirty:
                await self._wake.wait()
                self._wake.clear()
                continue
            if not self.link.available:
                # Al volver, _restore() cuenta a Redis el estado entero de este proceso.
                await self.link.wait_available()
                continue
            batch = list(itertools.islice(self._dirty, SYNC_BATCH))
            for key in batch:
                del self._dirty[key]
            try:
                refused = await self._sync(args=[self.proc, "0", *self._states(batch)])
            except (RedisError, OSError) as error:
                self.link.lost(error)
                continue
            self._refused(refused)

    def _states(self, people: Iterable[tuple[str, str]]) -> list[str]:
        """Los cinco valores de SYNC por persona: cómo está ahora en este proceso."""
        args: list[str] = []
        for room, who in people:
            if (room, who) in self._local:
                nick = self._local[(room, who)] or ""
                args += [room, who, "1", nick.casefold(), nick]
            else:
                args += [room, who, "0", "", ""]
        return args

    def _refused(self, refused: list[str]) -> None:
        """Apodos que Redis no dio porque otro proceso se adelantó: vuelve el de antes."""
        for at in range(0, len(refused), 4):
            room, who, asked, current = refused[at : at + 4]
            if self._local.get((room, who)) != asked:
                continue  # Ya pidió otro, o se fue: eso está en camino.
            nick = current or None
            self._local[(room, who)] = nick
            self.copy.put_nick(room, who, nick)
            self._notify(Change("refused", room, who, nick, asked=asked))

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
        self._dirty.clear()  # Va todo en este SYNC.
        self._refused(await self._sync(args=[self.proc, "1", *self._states(list(self._local))]))
        await self._reload()

    # --- La copia en memoria ---------------------------------------------------------

    async def _reload(self) -> None:
        """Vuelve a leer las cuentas de las salas y la gente de las que sigue; avisa de cambios."""
        rooms = list(self._watched)
        async with self.link.redis.pipeline(transaction=True) as pipe:
            pipe.xrevrange(EVENTS_KEY, count=1)
            pipe.hgetall("chat:rooms")
            for room in rooms:
                pipe.zrange(f"chat:online:{room}", 0, -1)
                pipe.hgetall(f"chat:nickof:{room}")
            last, counts, *answers = await pipe.execute()
        self._last_event = last[0][0] if last else "0-0"
        self._counts = {room: int(count) for room, count in counts.items()}
        copy = self.copy
        for room, people, nicks in zip(rooms, answers[::2], answers[1::2]):
            if room not in self._watched:
                continue  # Salió la última persona de aquí mientras leíamos.
            here = set(people)
            for who in [who for who in copy.online(room) if who not in here]:
                nick = copy.nick_of(room, who)
                self._notify(Change("leave", room, who, nick, copy.leave(room, who)))
            for who in people:
                nick = _nick(nicks.get(who))
                if not copy.is_in(room, who):
                    count = copy.join(room, who)
                    copy.put_nick(room, who, nick)
                    self._notify(Change("join", room, who, nick, count))
                elif copy.nick_of(room, who) != nick:
                    copy.put_nick(room, who, nick)
                    self._notify(Change("nick", room, who, nick))

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
                    reading = self._reading.get(fields["room"])
                    if reading is not None:  # watch() la está leyendo: espera a la lista.
                        reading.append((entry_id, fields))
                    else:
                        self._apply(fields)

    def _apply(self, fields: dict[str, str]) -> None:
        room, who, op = fields["room"], fields["who"], fields["op"]
        nick, count = fields.get("nick") or None, int(fields["count"])
        # La cuenta vale para cualquier sala, también las que este proceso no sigue.
        if count:
            self._counts[room] = count
        else:
            self._counts.pop(room, None)
        if fields["proc"] == self.proc or room not in self._watched:
            return  # Un evento nuestro (ya está en la copia) o de una sala sin gente aquí.
        copy = self.copy
        if op == "join" and not copy.is_in(room, who):
            copy.join(room, who)
            copy.put_nick(room, who, nick)
            self._notify(Change("join", room, who, nick, count))
        elif op == "leave" and copy.is_in(room, who):
            copy.leave(room, who)
            self._notify(Change("leave", room, who, nick, count))
        elif op == "nick" and copy.is_in(room, who):
            copy.put_nick(room, who, nick)
            self._notify(Change("nick", room, who, nick))


def _stream_id(entry_id: str) -> tuple[int, int]:
    """«1700000000000-3» → (1700000000000, 3): los ids de un stream se comparan así."""
    ms, seq = entry_id.split("-")
    return int(ms), int(seq)


def _nick(stored: str | None) -> str | None:
    """El apodo de un valor de chat:nickof («minúsculas\\napodo»), o None."""
    return stored.split("\n", 1)[1] if stored else None


__all__ = ["PresenceListener", "RedisPresence"]
