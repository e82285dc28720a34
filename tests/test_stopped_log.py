"""Un log que deja de guardar se nota: /healthz en 503, errores en español, nadie espera.

El fallo se provoca por la API pública del log: un mensaje cuyo ``numbered()`` tiene un
error de programación (como el de una lección a medio hacer) que salta dentro de quien
guarda, el hilo de SQLite o la tarea que escribe en Redis. Nada de mocks: SQLite
en un archivo temporal y un redis-server de verdad (tests/services.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from common.defences.limits import FloodLimits
from common.fanout.hub import Hub
from common.history.log import Log, LogStopped
from common.history.sqlite import SqliteLog
from common.processes.link import RedisLink
from common.processes.log import RedisLog
from common.processes.presence import RedisPresence
from stack2_http import protocol
from stack2_http.server import make_app
from tests.helpers import RECEIVE_TIMEOUT, Answer, receive_event


class BuggyDraft:
    """Un mensaje cuyo frame falla al numerarlo: un error de programación, no del disco."""

    def numbered(self, seq: int) -> str:
        raise ZeroDivisionError("división por cero en numbered")


def append(log: Log, text: str, cid: str | None = None, draft: Any = None) -> Answer:
    answer = Answer()
    draft = draft or protocol.Draft(log.epoch, "general", "127.0.0.1:5000", text, cid, None)
    log.append("general", "una-clave", cid, draft, answer)
    return answer


async def stop_the_writer(log: Log) -> None:
    """Le da al log un mensaje que no se puede numerar y espera a que lo rechace."""
    assert isinstance(await append(log, "roto", draft=BuggyDraft()).get(), LogStopped)


@pytest.fixture
def sqlite_log(tmp_path: Path, io_loop) -> Iterator[SqliteLog]:
    log = SqliteLog(tmp_path / "chat.sqlite3")
    io_loop.run_sync(log.start)
    yield log
    io_loop.run_sync(log.close)


@pytest.fixture
def app(hub: Hub, sqlite_log: SqliteLog):
    return make_app(hub, flood=FloodLimits(rate=1000, burst=1000), log=sqlite_log)


def chat(text: str, cid: str) -> str:
    return json.dumps({"type": "message", "text": text, "cid": cid})


# --- SQLite: el hilo que guarda ---------------------------------------------------------


@pytest.mark.gen_test
async def test_a_sqlite_writer_stopped_by_a_bug_turns_healthz_into_503(
    http_client, base_url, sqlite_log
) -> None:
    before = await http_client.fetch(f"{base_url}/healthz", raise_error=False)
    assert before.code == 200
    await stop_the_writer(sqlite_log)
    after = await http_client.fetch(f"{base_url}/healthz", raise_error=False)
    assert (after.code, json.loads(after.body)) == (503, {"ok": False}), (
        "Con el hilo de SQLite detenido, /healthz debe decir 503"
    )


@pytest.mark.gen_test
async def test_messages_waiting_when_the_sqlite_writer_stops_are_all_refused(sqlite_log) -> None:
    # Sin ceder el loop: el hilo los encuentra en su lote o en la cola, nunca guardados.
    broken = append(sqlite_log, "roto", draft=BuggyDraft())
    waiting = [append(sqlite_log, f"espera {n}", cid=f"c{n}") for n in range(5)]
    retry = append(sqlite_log, "espera 0", cid="c0")  # Un reintento del primero, aún en vuelo.
    answers = [await answer.get() for answer in (broken, *waiting, retry)]
    assert all(isinstance(answer, LogStopped) for answer in answers), answers


@pytest.mark.gen_test
async def test_a_message_sent_after_the_sqlite_writer_stopped_gets_a_spanish_error(
    connect, ws_base, sqlite_log
) -> None:
    conn = await connect(f"{ws_base}/ws")
    await receive_event(conn, "welcome")
    await stop_the_writer(sqlite_log)
    status = await receive_event(conn, "status")  # Lo ven también los que ya estaban.
    assert status["degraded"] is True and "reinicie" in status["text"]
    for cid in ("primero", "después"):
        await conn.write_message(chat("hola", cid))
        error = await receive_event(conn, "error")
        assert (error["code"], error["cid"]) == ("unavailable", cid)
        assert "no puede guardar mensajes" in error["text"], error["text"]


@pytest.mark.gen_test
async def test_someone_who_enters_after_the_sqlite_writer_stopped_is_told_at_once(
    connect, ws_base, sqlite_log
) -> None:
    await stop_the_writer(sqlite_log)
    conn = await connect(f"{ws_base}/ws")
    await receive_event(conn, "welcome")
    status = await receive_event(conn, "status")
    assert status["degraded"] is True and "Redis" not in status["text"], status


@pytest.mark.gen_test
async def test_a_stopped_sqlite_writer_is_logged_once_with_its_traceback(
    server_log, sqlite_log
) -> None:
    await stop_the_writer(sqlite_log)
    for n in range(3):
        assert isinstance(await append(sqlite_log, f"después {n}").get(), LogStopped)
    stopped = [r for r in server_log if "dejó de guardar" in r.getMessage()]
    assert len(stopped) == 1, [r.getMessage() for r in server_log]
    assert stopped[0].levelno == logging.ERROR and stopped[0].exc_info is not None
    assert "ZeroDivisionError" in logging.Formatter().format(stopped[0])


# --- Redis: la tarea que escribe y la que lee -----------------------------------------


@pytest.mark.gen_test(timeout=20)
async def test_a_redis_writer_stopped_by_a_bug_answers_everyone_and_turns_unhealthy(
    redis_server,
) -> None:
    log = RedisLog(RedisLink(redis_server.url))
    await log.start()
    await log.watch("general")  # Como el servidor cuando alguien entra en la sala.
    try:
        assert log.healthy
        broken = append(log, "roto", draft=BuggyDraft())
        waiting = [append(log, f"espera {n}", cid=f"c{n}") for n in range(3)]
        answers = [await answer.get() for answer in (broken, *waiting)]
        assert all(isinstance(answer, LogStopped) for answer in answers), answers
        assert not log.healthy, "Con la tarea que escribe detenida, /healthz debe dar 503"
        assert isinstance(await append(log, "después", cid="d").get(), LogStopped)
    finally:
        await log.close()


@pytest.mark.gen_test(timeout=20)
async def test_a_redis_reader_stopped_by_a_bug_turns_the_log_unhealthy(redis_server) -> None:
    log = RedisLog(RedisLink(redis_server.url))

    def buggy_listener(room: str, frame: str) -> None:
        raise ZeroDivisionError("división por cero al repartir")

    log.subscribe(buggy_listener)  # El lector lo llama con cada mensaje guardado.
    status: asyncio.Future = asyncio.get_running_loop().create_future()
    log.on_status(lambda degraded, text: status.done() or status.set_result(degraded))
    await log.start()
    await log.watch("general")  # Como el servidor cuando alguien entra en la sala.
    try:
        assert isinstance(await append(log, "primero", cid="p").get(), int)
        # El lector lo ve en el stream (después del ack), lo reparte y se rompe.
        assert await asyncio.wait_for(status, RECEIVE_TIMEOUT) is True
        assert not log.healthy, "Con el lector detenido, /healthz debe dar 503"
        assert isinstance(await append(log, "después", cid="d").get(), LogStopped)
    finally:
        await log.close()


@pytest.mark.gen_test(timeout=20)
async def test_redis_presence_and_log_close_cleanly_even_if_never_started(redis_server) -> None:
    alone = RedisPresence(RedisLink(redis_server.url))
    await alone.close()  # Ni siquiera conectó.
    link = RedisLink(redis_server.url)
    log, presence = RedisLog(link), RedisPresence(link)
    await link.connect()  # El enlace compartido está conectado, la presencia sin arrancar.
    await presence.close()
    await log.close()
