"""Los backends del Stack 2: una sola manera de arrancar y cerrar, y un solo sitio que elige.

``open_backends()`` (stack2_http/storage.py) lee las opciones y devuelve el log, la
presencia y el relé; ``Backends`` los arranca en orden y los cierra al revés. Con
SQLite en archivos temporales y un redis-server de verdad (tests/services.py).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from common.history.log import Log, MemoryLog
from common.history.sqlite import SqliteLog
from common.live.presence import Presence
from common.live.relay import Relay
from common.processes.log import RedisLog
from common.processes.presence import RedisPresence
from common.processes.relay import RedisRelay
from common.startup.settings import parse_options
from stack2_http import protocol
from stack2_http.options import define_stack2_options
from stack2_http.storage import Backends, open_backends
from tests.helpers import Answer
from tests.services import RedisServer

BACKENDS = [MemoryLog, SqliteLog, RedisLog, Presence, RedisPresence, Relay, RedisRelay]


def options(*args: str):
    return parse_options(8000, list(args), define=define_stack2_options)


@pytest.mark.parametrize("kind", BACKENDS, ids=lambda kind: kind.__name__)
def test_every_backend_starts_and_closes_with_coroutines(kind: type) -> None:
    for name in ("start", "close"):
        assert inspect.iscoroutinefunction(getattr(kind, name)), (
            f"{kind.__name__}.{name}() debe ser async, como la de todos los backends"
        )


# Quién arranca y quién cierra, en orden: lo apunta cada parte en la misma lista.
class Recorded:
    def __init__(self, name: str, calls: list[str]) -> None:
        self.name, self.calls = name, calls

    async def start(self) -> None:
        self.calls.append(f"start {self.name}")

    async def close(self) -> None:
        self.calls.append(f"close {self.name}")


@pytest.mark.gen_test
async def test_backends_start_in_order_and_close_in_reverse() -> None:
    calls: list[str] = []
    parts = [Recorded(name, calls) for name in ("log", "presence", "relay")]
    backends = Backends(*parts, note="")  # type: ignore[arg-type]
    await backends.start()
    await backends.close()
    assert calls == [
        "start log",
        "start presence",
        "start relay",
        "close relay",
        "close presence",
        "close log",
    ]


@pytest.mark.gen_test
async def test_by_default_the_history_lives_in_sqlite(tmp_path: Path) -> None:
    backends = open_backends(options(f"--db={tmp_path / 'chat.sqlite3'}", "--history=7"))
    assert isinstance(backends.log, SqliteLog) and backends.log.history_size == 7
    assert type(backends.presence) is Presence and type(backends.relay) is Relay
    assert "chat.sqlite3" in backends.note
    await backends.close()  # Sin start(): suelta el archivo aunque el hilo no naciera.


def test_db_memory_keeps_nothing_on_disk() -> None:
    backends = open_backends(options("--db=:memory:"))
    assert type(backends.log) is MemoryLog
    assert "solo en memoria" in backends.note


def test_a_lesson_can_bring_its_own_log_class() -> None:
    class LessonLog(MemoryLog):
        pass

    backends = open_backends(options("--history=5"), LessonLog)
    assert type(backends.log) is LessonLog and backends.log.history_size == 5


def test_redis_puts_the_three_in_redis_sharing_one_link() -> None:
    backends = open_backends(options("--redis=redis://127.0.0.1:1/0", "--processes=2"))
    log, presence, relay = backends.log, backends.presence, backends.relay
    assert (type(log), type(presence), type(relay)) == (RedisLog, RedisPresence, RedisRelay)
    assert log.link is presence.link is relay.link, "Un solo enlace: un nombre por proceso"
    assert "2 procesos" in backends.note


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--processes=2"], "--processes necesita --redis"),
        (["--processes=0"], "--processes debe ser 1 o más"),
        (["--history=0"], "--history debe ser 1 o más"),
        (["--redis=localhost:6379"], "--redis debe ser una dirección redis://"),
    ],
)
def test_impossible_storage_options_stop_with_a_spanish_error(args: list[str], said: str) -> None:
    with pytest.raises(SystemExit, match=said):
        open_backends(options(*args))


@pytest.mark.gen_test
async def test_starting_without_redis_running_stops_with_a_spanish_error() -> None:
    backends = open_backends(options("--redis=redis://127.0.0.1:1/0"))
    with pytest.raises(SystemExit, match="Está arrancado redis-server"):
        await backends.start()
    await backends.close()


@pytest.mark.gen_test(timeout=20)
async def test_redis_backends_start_and_close_together(redis_server: RedisServer) -> None:
    backends = open_backends(options(f"--redis={redis_server.url}"))
    await backends.start()
    assert backends.log.healthy
    await backends.close()
    assert redis_server.command("ZCARD", "chat:procs") == ":0\r\n", "El proceso no se despidió"


@pytest.mark.gen_test
async def test_closing_a_sqlite_log_waits_for_what_it_had_queued(tmp_path: Path) -> None:
    path = tmp_path / "chat.sqlite3"
    log: Log = SqliteLog(path)
    await log.start()
    answers = [Answer() for _ in range(20)]
    for n, answer in enumerate(answers):
        draft = protocol.Draft(log.epoch, "general", "127.0.0.1:5000", f"m{n}", None, None)
        log.append("general", "una-clave", None, draft, answer)
    await log.close()  # Sin esperar a ningún ack: close() espera al hilo.
    reopened = SqliteLog(path)
    texts = [json.loads(frame)["text"] for frame in reopened.recent("general")]
    await reopened.close()
    assert texts == [f"m{n}" for n in range(20)]
