"""Reintentos: cada log reconoce un mensaje repetido por su remitente y su cid, y solo así.

Sin sockets: el log de verdad (en memoria, SQLite en un archivo temporal y Redis con un
redis-server propio), usado como lo usa ``ChatSocket.on_chat_message``. Un ``cid`` lo
elige cada cliente: dos remitentes pueden elegir el mismo y los dos mensajes cuentan.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from common.history.log import Log, MemoryLog
from common.history.sqlite import APPLICATION_ID, SqliteLog
from common.processes.link import RedisLink
from common.processes.log import RedisLog
from stack2_http import protocol
from tests.helpers import Answer

# Lo que espera como mucho cada prueba a un ack o a un reparto.
TIMEOUT = 5.0
ROOM = "general"


class Chat:
    """Un log y lo que reparte: lo que hace el servidor con él, sin sockets."""

    def __init__(self, log: Log) -> None:
        self.log = log
        self.broadcast: list[dict] = []  # Los mensajes repartidos, en orden.
        self._arrived = asyncio.Event()
        log.subscribe(self._deliver)

    def _deliver(self, room: str, frame: str) -> None:
        self.broadcast.append(json.loads(frame))
        self._arrived.set()

    def append(self, sender: str, cid: str | None, text: str) -> Answer:
        """Envía un mensaje; la respuesta dará su seq (el del ack) o el error."""
        answer = Answer()
        draft = protocol.Draft(self.log.epoch, ROOM, "127.0.0.1:5000", text, cid, None)
        self.log.append(ROOM, sender, cid, draft, answer)
        return answer

    async def send(self, sender: str, cid: str | None, text: str) -> int:
        """Envía un mensaje y espera su seq."""
        return await self.append(sender, cid, text).seq()

    async def texts(self, count: int) -> list[str]:
        """Los textos repartidos, cuando ya hay al menos ``count``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while len(self.broadcast) < count:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), max(deadline - loop.time(), 0))
            except asyncio.TimeoutError:
                raise AssertionError(
                    f"Se esperaban {count} mensajes repartidos y llegaron {self.broadcast}"
                ) from None
        return [event["text"] for event in self.broadcast]


OpenLog = Callable[..., Awaitable[Log]]


@pytest.fixture(params=["memoria", "sqlite", "redis"])
def open_log(request: pytest.FixtureRequest, tmp_path: Path, io_loop) -> AsyncIterator[OpenLog]:
    """``await open_log(history)``: el log de cada almacén; con Redis, su propio servidor."""
    kind, opened = request.param, []
    redis = request.getfixturevalue("redis_server") if kind == "redis" else None

    async def _open(history: int = 1000) -> Log:
        if kind == "memoria":
            log: Log = MemoryLog(history)
        elif kind == "sqlite":
            log = SqliteLog(tmp_path / "chat.sqlite3", history)
        else:
            log = RedisLog(RedisLink(redis.url), history)
        await log.start()
        await log.watch(ROOM)  # Como el servidor cuando alguien entra en la sala.
        opened.append(log)
        return log

    yield _open

    async def close_all() -> None:
        for log in opened:
            await log.close()

    io_loop.run_sync(close_all, timeout=30)


# --- En todos los almacenes ----------------------------------------------------------


@pytest.mark.gen_test(timeout=30)
async def test_two_senders_with_the_same_cid_both_get_stored_and_broadcast(open_log) -> None:
    chat = Chat(await open_log())
    assert await chat.send("clave-de-ana", "prueba-1", "soy Ana") == 1
    assert await chat.send("clave-de-luis", "prueba-1", "soy Luis") == 2
    assert await chat.texts(2) == ["soy Ana", "soy Luis"]


@pytest.mark.gen_test(timeout=30)
async def test_two_senders_with_the_same_cid_at_the_same_instant_both_get_through(
    open_log,
) -> None:
    chat = Chat(await open_log())
    ana, luis = (
        chat.append("clave-de-ana", "c1", "de Ana"),
        chat.append("clave-de-luis", "c1", "de Luis"),
    )
    assert sorted(await asyncio.gather(ana.seq(), luis.seq())) == [1, 2]
    assert sorted(await chat.texts(2)) == ["de Ana", "de Luis"]


@pytest.mark.gen_test(timeout=30)
async def test_the_same_sender_retrying_a_cid_gets_the_first_seq_and_no_second_broadcast(
    open_log,
) -> None:
    chat = Chat(await open_log())
    seq = await chat.send("clave-de-ana", "mismo", "una vez")
    assert await chat.send("clave-de-ana", "mismo", "una vez (reintento)") == seq
    await chat.send("clave-de-ana", "otro", "después")
    assert await chat.texts(2) == ["una vez", "después"], "El reintento se repartió otra vez"


@pytest.mark.gen_test(timeout=30)
async def test_a_retry_sent_while_the_first_is_still_being_stored_gets_the_same_seq(
    open_log,
) -> None:
    chat = Chat(await open_log())
    first, retry = (
        chat.append("clave-de-ana", "c1", "uno"),
        chat.append("clave-de-ana", "c1", "uno"),
    )
    assert await asyncio.gather(first.seq(), retry.seq()) == [1, 1]
    await chat.send("clave-de-ana", "c2", "dos")
    assert await chat.texts(2) == ["uno", "dos"]


@pytest.mark.gen_test(timeout=30)
async def test_a_retry_is_recognised_only_while_its_message_is_in_the_kept_history(
    open_log,
) -> None:
    chat = Chat(await open_log(history=2))
    # Cada mensaje se espera repartido antes del siguiente: con --history=2, un proceso de
    # Redis que leyera tres de golpe ya no encontraría el primero (y lo diría con un 1012).
    assert await chat.send("clave-de-ana", "c1", "uno") == 1
    assert await chat.send("clave-de-ana", "c1", "uno") == 1  # Aún guardado: reconocido.
    for n, (cid, text) in enumerate([("c2", "dos"), ("c3", "tres")], start=2):
        await chat.send("clave-de-ana", cid, text)
        await chat.texts(n)
    # Con «tres», el 1 salió del historial: el mismo cid ya es un mensaje nuevo.
    assert await chat.send("clave-de-ana", "c1", "uno") == 4
    assert await chat.texts(4) == ["uno", "dos", "tres", "uno"]


# --- SQLite: lo guardado en el archivo -------------------------------------------------


@pytest.mark.gen_test(timeout=30)
async def test_sqlite_recognises_a_senders_retry_after_reopening_the_file(tmp_path) -> None:
    path = tmp_path / "chat.sqlite3"
    before = SqliteLog(path)
    await before.start()
    try:
        seq = await Chat(before).send("clave-de-ana", "mismo", "una vez")
    finally:
        await before.close()
    after = SqliteLog(path)  # El servidor, reiniciado.
    await after.start()
    try:
        chat = Chat(after)
        assert await chat.send("clave-de-ana", "mismo", "una vez") == seq
        assert await chat.send("clave-de-luis", "mismo", "soy Luis") == seq + 1
        assert await chat.texts(1) == ["soy Luis"]
    finally:
        await after.close()


# Las tablas de un datos/chat.sqlite3 de antes de la columna «sender».
OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE messages (
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    cid TEXT,
    frame TEXT NOT NULL,
    PRIMARY KEY (room, seq)
) WITHOUT ROWID;
"""


def old_database(path: Path, texts: list[str]) -> None:
    """Crea una base de datos como las de antes, con estos mensajes (cid c1, c2…)."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.executescript(OLD_SCHEMA)
        db.execute("INSERT INTO meta (key, value) VALUES ('epoch', 'antiguo1')")
        frames = [
            (
                ROOM,
                n,
                f"c{n}",
                protocol.message(n, "antiguo1", ROOM, "10.0.0.7:5000", text, f"c{n}"),
            )
            for n, text in enumerate(texts, start=1)
        ]
        db.executemany("INSERT INTO messages (room, seq, cid, frame) VALUES (?, ?, ?, ?)", frames)
        db.commit()


def columns(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return [row[1] for row in db.execute("PRAGMA table_info(messages)")]


@pytest.mark.gen_test(timeout=30)
async def test_an_old_database_gains_the_sender_column_and_keeps_its_history(tmp_path) -> None:
    path = tmp_path / "chat.sqlite3"
    old_database(path, ["hola", "¿qué tal?"])
    log = SqliteLog(path)
    await log.start()
    try:
        assert (log.epoch, log.latest(ROOM)) == ("antiguo1", 2), "Se perdió la historia"
        assert [json.loads(frame)["text"] for frame in log.recent(ROOM)] == ["hola", "¿qué tal?"]
        # Un cid que ya estaba, de alguien que no se sabe quién era: nadie pierde su mensaje.
        assert await Chat(log).send("clave-de-ana", "c1", "nuevo") == 3
    finally:
        await log.close()
    assert "sender" in columns(path)
    again = SqliteLog(path)  # Y lo guardado con remitente se reconoce tras reiniciar.
    await again.start()
    try:
        assert await Chat(again).send("clave-de-ana", "c1", "nuevo") == 3
    finally:
        await again.close()


# --- Redis: lo que comparten los procesos --------------------------------------------


@pytest.mark.gen_test(timeout=30)
async def test_a_redis_process_that_loads_a_room_recognises_retries_from_its_copy(
    redis_server,
) -> None:
    first = RedisLog(RedisLink(redis_server.url), 1000)
    second = RedisLog(RedisLink(redis_server.url), 1000)
    try:
        await first.start()
        await first.watch(ROOM)
        seq = await Chat(first).send("clave-de-ana", "mismo", "una vez")
        await second.start()  # Otro proceso, que carga la sala de Redis.
        await second.watch(ROOM)
        redis_server.stop()
        # Sin Redis, su copia ya sabe de quién era ese cid: el reintento tiene su ack.
        assert await Chat(second).send("clave-de-ana", "mismo", "una vez") == seq
    finally:
        await first.close()
        await second.close()


@pytest.mark.gen_test(timeout=30)
async def test_a_redis_stream_written_before_senders_existed_still_loads(redis_server) -> None:
    frame = protocol.message(1, "x", ROOM, "10.0.0.7:5000", "de antes", "c1")
    redis_server.command("SET", "chat:seq:general", "1")
    redis_server.command("XADD", "chat:stream:general", "1-0", "c", "c1", "f", frame, "w", "x:0")
    redis_server.command("ZADD", "chat:cids:general", "1", "c1")
    log = RedisLog(RedisLink(redis_server.url), 1000)
    try:
        await log.start()
        await log.watch(ROOM)
        assert [json.loads(f)["text"] for f in log.recent(ROOM)] == ["de antes"]
        chat = Chat(log)
        assert await chat.send("clave-de-ana", "c1", "nuevo") == 2
        assert await chat.texts(1) == ["nuevo"]
    finally:
        await log.close()
