"""La presencia en Redis: quién está conectado y con qué apodo, sumando todos los procesos.

Cada proceso sabe a quién atiende él, y se lo cuenta a Redis; la lista completa es la
unión de todos (las claves, en common/processes/presence.lua). Para contestar al
momento, cada proceso guarda una copia de las salas en las que tiene gente, al día con
lo que hacen los demás: common/processes/mirror.py. Este archivo es lo que cuenta él.

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

from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from common.live.presence import Change, Person, PresenceListener
from common.processes.link import RedisLink, lua
from common.processes.mirror import PresenceMirror

log = logging.getLogger("chat.presence")

HEARTBEAT = 2.0  # Segundos entre latidos.
DEAD_AFTER = 8.0  # Sin latir tanto tiempo, un proceso se da por muerto (y 8 + 2 < 15).
SYNC_BATCH = 500  # Personas por script: mil entradas de golpe son dos viajes a Redis.

# Los scripts, en common/processes/*.lua: cada uno va detrás de las funciones que
# comparten (presence.lua), y cada archivo explica qué hace y qué recibe.
SYNC = lua("presence.lua", "sync.lua")  # Cómo está ahora cada persona anotada aquí.
HEARTBEAT_SCRIPT = lua("presence.lua", "heartbeat.lua")  # «Sigo vivo», y la baja de los muertos.
GOODBYE = lua("presence.lua", "goodbye.lua")  # Al apagarse bien: su gente sale ya.


class RedisPresence:
    """Quién está en cada sala y con qué apodo, entre todos los procesos de un Redis.

    Tiene los mismos métodos que ``Presence`` (a server.py le da igual cuál recibe) y
    una ``Presence`` dentro, ``copy``: la gente de las salas que sigue este proceso, que
    mantiene al día su ``PresenceMirror``. No hereda de ella: así nada de esta clase
    puede tapar un método de la copia.
    """

    def __init__(
        self, link: RedisLink, heartbeat: float = HEARTBEAT, dead_after: float = DEAD_AFTER
    ) -> None:
        self.link = link
        self.mirror = PresenceMirror(link, self._notify)  # Lo que hacen los demás procesos.
        self.copy = self.mirror.copy  # La gente de las salas que sigue este proceso.
        self.heartbeat, self.dead_after = heartbeat, dead_after
        self._listeners: list[PresenceListener] = []
        # A quién atiende este proceso, con el apodo que quiere: lo que Redis debe saber.
        self._local: dict[tuple[str, str], str | None] = {}
        self._teachers: set[tuple[str, str]] = set()  # De ellas, las de la profesora.
        # A quién hay que poner al día en Redis, por orden (un dict sin valores).
        self._dirty: dict[tuple[str, str], None] = {}
        self._wake: asyncio.Event | None = None  # Se crea dentro del loop (Python 3.9).
        # Los tres scripts, ya registrados en el enlace: se crean en start().
        self._sync_script: AsyncScript | None = None
        self._beat: AsyncScript | None = None
        self._goodbye: AsyncScript | None = None
        self._tasks: list[asyncio.Task] = []
        link.on_restore(self._restore)

    def subscribe(self, listener: PresenceListener) -> None:
        """Avisos de lo que pasa en otros procesos, en las salas que sigue este."""
        self._listeners.append(listener)

    def _notify(self, change: Change) -> None:
        for listener in self._listeners:
            listener(change)

    # --- Lo que usa el servidor (sin esperar: la copia en memoria contesta) --------

    def join(self, room: str, who: str, teacher: bool = False) -> int:
        self._local[(room, who)] = None
        if teacher:
            self._teachers.add((room, who))
        self._mark(room, who)
        return self.copy.join(room, who, teacher)

    def leave(self, room: str, who: str) -> int:
        self._local.pop((room, who), None)
        self._teachers.discard((room, who))
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

    def is_teacher(self, room: str, who: str) -> bool:
        return self.copy.is_teacher(room, who)

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
        return self.mirror.rooms()

    def _mark(self, room: str, who: str) -> None:
        self._dirty[(room, who)] = None
        if self._wake is not None:
            self._wake.set()

    # --- Arranque, salas, latido y apagado -----------------------------------------

    async def start(self) -> None:
        await self.link.connect()
        scripts = self.link.redis.register_script
        self._sync_script, self._beat = scripts(SYNC), scripts(HEARTBEAT_SCRIPT)
        self._goodbye = scripts(GOODBYE)
        self._wake = asyncio.Event()
        await self._sync("1")  # Un proceso nuevo aún no atiende a nadie.
        await self.mirror.start()
        self._tasks = [
            asyncio.ensure_future(self._beat_forever()),
            asyncio.ensure_future(self._write_forever()),
        ]

    async def watch(self, room: str) -> None:
        """Alguien de este proceso entra en ``room``: lee quién está ya, en todos los procesos."""
        await self.mirror.watch(room)

    def unwatch(self, room: str) -> None:
        """Ya no queda nadie de este proceso en ``room``: de ella basta con la cuenta."""
        self.mirror.unwatch(room)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.mirror.close()
        if self._goodbye is not None and self.link.available:
            # Si falla, los demás procesos lo sacarán de la lista cuando deje de latir.
            with contextlib.suppress(RedisError, OSError):
                await self._goodbye(args=[self.link.name])

    async def _sync(self, everyone: str, *states: str) -> list[str]:
        """SYNC: cómo está cada persona (``everyone="1"``: y nadie más de aquí). Los negados."""
        assert self._sync_script is not None
        return await self._sync_script(args=[self.link.name, everyone, *states])

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
                refused = await self._sync("0", *self._states(batch))
            except (RedisError, OSError) as error:
                self.link.lost(error)
                continue
            self._refused(refused)

    def _states(self, people: Iterable[tuple[str, str]]) -> list[str]:
        """Los seis valores de SYNC por persona: cómo está ahora en este proceso."""
        args: list[str] = []
        for room, who in people:
            if (room, who) in self._local:
                nick = self._local[(room, who)] or ""
                teacher = "1" if (room, who) in self._teachers else "0"
                args += [room, who, "1", nick.casefold(), nick, teacher]
            else:
                args += [room, who, "0", "", "", "0"]
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
                dead = await self._beat(args=[self.link.name, int(self.dead_after * 1000)])
            except (RedisError, OSError) as error:
                self.link.lost(error)
                continue
            for proc in dead:
                log.warning("El proceso %s dejó de latir: su gente sale de la lista.", proc)

    async def _restore(self) -> None:
        """Redis volvió: lo que dice de este proceso pasa a ser verdad otra vez."""
        self._dirty.clear()  # Va todo en este SYNC.
        self._refused(await self._sync("1", *self._states(list(self._local))))
        await self.mirror.reload()
