"""Dónde vive lo que el Stack 2 guarda y comparte: el log, la presencia y el relé.

En memoria (``--db=:memory:``), en SQLite (lo normal, ``--db``) o en Redis (``--redis``,
para varios procesos). server.py no elige: ``open_backends()`` lee las opciones y
devuelve los tres ya elegidos, en un ``Backends`` que los arranca y los cierra.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import NamedTuple

from tornado.options import OptionParser

from common.history.log import Log, MemoryLog
from common.history.sqlite import SqliteLog, UnusableDatabase
from common.live.presence import Presence
from common.live.relay import Relay
from common.processes.link import RedisLink, RedisUnavailable
from common.processes.log import RedisLog
from common.processes.presence import RedisPresence
from common.processes.relay import RedisRelay

# El historial se guarda aquí si no se elige otro archivo con --db. La carpeta
# datos/ está en .gitignore: cada equipo tiene su propia conversación.
DEFAULT_DB = Path(__file__).resolve().parent.parent / "datos" / "chat.sqlite3"


class Backends(NamedTuple):
    """El log, la presencia y el relé de un servidor, con una sola manera de arrancar y cerrar.

    Los tres tienen ``async start()`` y ``async close()``: con --redis conectan y
    empiezan a escuchar; con SQLite, el log arranca su hilo (y al cerrar espera a que
    guarde lo que tenga en cola); en memoria, nada. Se arrancan en orden y se cierran al
    revés: el log, que los demás pueden necesitar, empieza el primero y termina el último.
    """

    log: Log
    presence: Presence
    relay: Relay
    note: str  # La línea del banner que dice dónde vive el historial.

    async def start(self) -> None:
        """Arranca el log, la presencia y el relé, en ese orden, antes de atender a nadie."""
        try:
            for backend in (self.log, self.presence, self.relay):
                await backend.start()
        except RedisUnavailable as problem:
            raise SystemExit(
                f"Error: no se puede conectar con Redis ({problem}). ¿Está arrancado "
                "redis-server? Comprueba la dirección de --redis."
            ) from None

    async def close(self) -> None:
        """Los cierra al revés: el relé, la presencia (su gente sale ya de la lista) y el log."""
        for backend in (self.relay, self.presence, self.log):
            await backend.close()


def define_options(options: OptionParser) -> None:
    """--db, --history, --redis y --processes: dónde se guarda y quién lo comparte."""
    options.define(
        "db",
        default="",  # Vacío: DEFAULT_DB. Así --help no enseña la ruta de este equipo.
        help="archivo SQLite del historial; por defecto, datos/chat.sqlite3 en la carpeta "
        "del proyecto (:memory: = no guardar nada)",
    )
    options.define("history", default=1000, type=int, help="mensajes que se guardan de cada sala")
    options.define(
        "redis",
        default="",
        help="redis://EQUIPO:PUERTO/BD: el log y la presencia en Redis, compartidos entre procesos",
    )
    options.define(
        "processes",
        default=1,
        type=int,
        help="procesos que atienden el mismo puerto (Linux y macOS; necesita --redis)",
    )


def open_backends(options: OptionParser, log_class: type[MemoryLog] | None = None) -> Backends:
    """Los que piden las opciones, aún sin arrancar; si no se pueden usar, un error y fuera.

    ``log_class``: un log en memoria propio en lugar del de --db (lo usa la lección 10).
    """
    if options.history < 1:
        raise SystemExit("Error: --history debe ser 1 o más (los mensajes que se guardan).")
    if options.processes < 1:
        raise SystemExit("Error: --processes debe ser 1 o más.")
    if options.redis:
        return open_redis(options.redis, options.history, options.processes)
    if options.processes > 1:
        raise SystemExit(
            "Error: --processes necesita --redis=redis://EQUIPO:PUERTO/0. Cada proceso tiene su "
            "propia memoria: sin Redis, cada uno sería un chat distinto en el mismo puerto."
        )
    if log_class is not None:
        log: Log = log_class(options.history)
    elif options.db == ":memory:":
        log = MemoryLog(options.history)
    else:
        try:
            log = SqliteLog(options.db or DEFAULT_DB, options.history)
        except UnusableDatabase as problem:
            raise SystemExit(str(problem)) from None
    return Backends(log, Presence(), Relay(), history_note(log))


def open_redis(url: str, history: int, processes: int) -> Backends:
    """El log, la presencia y el relé en Redis (--redis), con un solo enlace para los tres."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise SystemExit(
            f"Error: --redis debe ser una dirección redis://EQUIPO:PUERTO/BD, no «{url}»."
        )
    link = RedisLink(url)  # Uno para los tres: una conexión y un nombre por proceso.
    note = f"Historial y presencia: Redis en {url} (los últimos {history})."
    if processes > 1:
        note += f"\n{processes} procesos comparten el puerto (--processes)."
    return Backends(RedisLog(link, history), RedisPresence(link), RedisRelay(link), note)


def history_note(log: Log) -> str:
    """La línea del banner que dice dónde vive el historial."""
    where = "solo en memoria: se pierde al parar" if isinstance(log, MemoryLog) else log.path
    if isinstance(log, SqliteLog):
        with contextlib.suppress(ValueError):  # Más corto si está dentro de esta carpeta.
            where = str(Path(log.path).resolve().relative_to(Path.cwd()))
    return f"Historial: {where} (los últimos {log.history_size} de cada sala; --db, --history)."
