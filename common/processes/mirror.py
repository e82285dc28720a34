"""La copia de la presencia en cada proceso: quién está, en todos, en las salas con gente aquí.

La lista completa de cada sala vive en Redis, y la escribe cada proceso con lo suyo
(common/processes/presence.py). Para contestar al momento («¿está libre "Ana"?»,
«¿quién hay en la sala?»), cada proceso guarda una copia en memoria (una ``Presence``)
de las salas en las que tiene gente, y la mantiene al día leyendo el stream
``chat:presence``: cada entrada dice quién entró, salió o cambió de apodo, en qué
proceso, y cuántos quedan en la sala. De las demás salas solo guarda esa cuenta, que
basta para /salas.json. Lo que ocurre en otro proceso se avisa (``Change``) y el
servidor se lo cuenta a sus páginas (stack2_http/other_processes.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from common.live.presence import Change, Presence
from common.processes.link import COMMAND_TIMEOUT, RedisLink

EVENTS_KEY = "chat:presence"
READ_BLOCK_MS = 1000  # Cuánto espera cada XREAD a que llegue algo.

# Un evento del stream, antes de aplicarlo: (su id, sus campos).
Entry = tuple[str, dict[str, str]]


class PresenceMirror:
    """La gente de las salas que sigue este proceso, copiada de Redis y al día."""

    def __init__(self, link: RedisLink, notify: Callable[[Change], None]) -> None:
        self.link = link
        self.copy = Presence()  # La gente de las salas que sigue este proceso.
        self._notify = notify  # A quién contar lo que pasó en otro proceso.
        # Las salas con gente de este proceso: de ellas, la lista entera en la copia.
        self._watched: set[str] = set()
        # Cuántos hay en cada sala con gente, en todos los procesos (de las que no sigue).
        self._counts: dict[str, int] = {}
        self._last_event = "0-0"  # Hasta dónde se leyó el stream.
        # Salas cuya lista se está leyendo de Redis, con los eventos que esperan a la lista.
        self._reading: dict[str, list[Entry]] = {}
        self._task: asyncio.Task | None = None
        self._reader: aioredis.Redis | None = None  # El cliente de XREAD: se crea en start().

    def rooms(self) -> dict[str, int]:
        """Las salas con alguien dentro, en cualquier proceso, y cuántos hay en cada una."""
        counts = {room: n for room, n in self._counts.items() if room not in self._watched}
        counts.update(self.copy.rooms())  # Las que sigue este proceso: su lista entera.
        return counts

    async def start(self) -> None:
        """Lee lo que hay ahora y empieza a seguir el stream (el enlace ya está conectado)."""
        # XREAD espera a propósito: necesita su propio cliente con un plazo mayor.
        self._reader = self.link.client(READ_BLOCK_MS / 1000 + COMMAND_TIMEOUT)
        await self.reload()
        self._task = asyncio.ensure_future(self._read_forever())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._reader is not None:
            await self._reader.aclose()

    async def watch(self, room: str) -> None:
        """Alguien de este proceso entra en ``room``: lee quién está ya, en todos los procesos.

        Se apunta aunque Redis esté caído: al volver, ``reload()`` lee su lista.
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
            self.link.lost(error)  # Al volver, reload() lee la lista de cada sala.
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

    async def reload(self) -> None:
        """Vuelve a leer las cuentas de las salas y la gente de las que sigue; avisa de cambios."""
        rooms = list(self._watched)
        async with self.link.redis.pipeline(transaction=True) as pipe:
            pipe.xrevrange(EVENTS_KEY, count=1)
            pipe.hgetall("chat:rooms")
            for room in rooms:
                pipe.zrange(f"chat:online:{room}", 0, -1)
                pipe.hgetall(f"chat:nickof:{room}")
                pipe.hgetall(f"chat:teachers:{room}")
            last, counts, *answers = await pipe.execute()
        self._last_event = last[0][0] if last else "0-0"
        self._counts = {room: int(count) for room, count in counts.items()}
        copy = self.copy
        for room, people, nicks, teachers in zip(rooms, *(answers[n::3] for n in range(3))):
            if room not in self._watched:
                continue  # Salió la última persona de aquí mientras leíamos.
            here = set(people)
            for who in [who for who in copy.online(room) if who not in here]:
                nick = copy.nick_of(room, who)
                self._notify(Change("leave", room, who, nick, copy.leave(room, who)))
            for who in people:
                nick = _nick(nicks.get(who))
                if not copy.is_in(room, who):
                    count = copy.join(room, who, who in teachers)
                    copy.put_nick(room, who, nick)
                    self._notify(Change("join", room, who, nick, count))
                elif copy.nick_of(room, who) != nick:
                    copy.put_nick(room, who, nick)
                    self._notify(Change("nick", room, who, nick))

    async def _read_room(self, room: str, arriving: list[Entry]) -> None:
        # Mientras llega la lista, el lector puede ver salir a alguien que aún no está
        # en la copia: sus eventos esperan en ``arriving`` y se aplican después, si
        # son posteriores a la lista.
        async with self.link.redis.pipeline(transaction=True) as pipe:
            pipe.xrevrange(EVENTS_KEY, count=1)  # Hasta dónde llega la lista.
            pipe.zrange(f"chat:online:{room}", 0, -1)
            pipe.hgetall(f"chat:nickof:{room}")
            pipe.hgetall(f"chat:teachers:{room}")
            last, people, nicks, teachers = await pipe.execute()
        if room not in self._watched:
            return  # Mientras leíamos, salió la última persona de aquí.
        for who in people:  # Ya estaban: nadie de aquí necesita el aviso.
            self.copy.join(room, who, who in teachers)
            self.copy.put_nick(room, who, _nick(nicks.get(who)))
        seen = _stream_id(last[0][0]) if last else (0, 0)
        for entry_id, fields in arriving:
            if _stream_id(entry_id) > seen:
                self._apply(fields)

    async def _read_forever(self) -> None:
        while True:
            try:
                answer = await self._reader.xread(
                    {EVENTS_KEY: self._last_event}, block=READ_BLOCK_MS
                )
            except (RedisError, OSError) as error:
                self.link.lost(error)
                await self.link.wait_available()  # Al volver, ya se recargó la lista.
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
        if fields["proc"] == self.link.name or room not in self._watched:
            return  # Un evento nuestro (ya está en la copia) o de una sala sin gente aquí.
        copy = self.copy
        if op == "join" and not copy.is_in(room, who):
            teacher = fields.get("teacher") == "1"
            copy.join(room, who, teacher)
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
