"""Dónde vive el historial del Stack 2: en memoria, en SQLite (lo normal) o en Redis.

server.py elige con --db, --history y --redis; aquí están las tres maneras de
abrirlo, cada una con su error en español si no se puede.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from common.history.log import Log, MemoryLog
from common.history.sqlite import SqliteLog, UnusableDatabase
from common.live.presence import Presence
from common.live.relay import Relay
from common.processes.link import RedisLink

# El historial se guarda aquí si no se elige otro archivo con --db. La carpeta
# datos/ está en .gitignore: cada equipo tiene su propia conversación.
DEFAULT_DB = Path(__file__).resolve().parent.parent / "datos" / "chat.sqlite3"


def open_log(db: str, history: int) -> Log:
    """El log que piden --db y --history; si no se puede usar, una línea de error y fuera."""
    if history < 1:
        raise SystemExit("Error: --history debe ser 1 o más (los mensajes que se guardan).")
    if db == ":memory:":
        return MemoryLog(history)
    try:
        return SqliteLog(db or DEFAULT_DB, history)
    except UnusableDatabase as problem:
        raise SystemExit(str(problem)) from None


def history_note(log: Log) -> str:
    """La línea del banner que dice dónde vive el historial."""
    where = "solo en memoria: se pierde al parar" if isinstance(log, MemoryLog) else log.path
    if isinstance(log, SqliteLog):
        with contextlib.suppress(ValueError):  # Más corto si está dentro de esta carpeta.
            where = str(Path(log.path).resolve().relative_to(Path.cwd()))
    return f"Historial: {where} (los últimos {log.history_size} de cada sala; --db, --history)."


def open_shared(url: str, history: int) -> tuple[Log, Presence, Relay]:
    """El log, la presencia y el relé en Redis (--redis): aún sin conectar (eso, en el loop)."""
    from common.processes.log import RedisLog
    from common.processes.presence import RedisPresence
    from common.processes.relay import RedisRelay

    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise SystemExit(
            f"Error: --redis debe ser una dirección redis://EQUIPO:PUERTO/BD, no «{url}»."
        )
    if history < 1:
        raise SystemExit("Error: --history debe ser 1 o más (los mensajes que se guardan).")
    link = RedisLink(url)  # Uno para los tres: una conexión y un nombre por proceso.
    return RedisLog(link, history), RedisPresence(link), RedisRelay(link)
