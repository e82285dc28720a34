"""Un welcome nunca se acerca al tope del cliente lento: el historial se acota también en bytes.

El hub cierra a quien tiene más de 1 MiB esperando (``DEFAULT_MAX_PENDING_BYTES``). Mil
mensajes de 2000 caracteres son más de 2 MB: un welcome con todos cerraría a quien
acaba de entrar. Por eso el log da, como mucho, ``REPLAY_BYTES`` (256 KiB) de historial:
los más nuevos que caben. Retomar sigue siendo todo o nada: si lo perdido no cabe, es
``recovered: false`` con ``too_far_behind`` y los últimos que caben.

Primero el log solo (en memoria y SQLite, también al reabrir el archivo); después, de
principio a fin con clientes de verdad.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.defences.limits import FloodLimits
from common.fanout.hub import DEFAULT_MAX_PENDING_BYTES, Hub
from common.history.log import REPLAY_BYTES, Log, MemoryLog
from common.history.sqlite import SqliteLog
from stack2_http import protocol
from stack2_http.server import make_app
from tests.helpers import Answer, enter, receive, receive_event

ROOM = "general"
# Mensajes tan largos como se puede: 2000 caracteres. Con emojis (4 bytes en UTF-8 cada
# uno), cada frame pasa de 8 KB: en 256 KiB caben unos 30.
LONG = "😀" * protocol.MAX_TEXT_LENGTH
# El welcome que ocupa más: lo que deja el log y, alrededor, lo demás (quién, la lista…).
WELCOME_MARGIN = 16 * 1024


def size(frames: list[str]) -> int:
    return sum(len(frame.encode("utf-8")) for frame in frames)


def seqs(frames: list[str]) -> list[int]:
    return [json.loads(frame)["seq"] for frame in frames]


async def store(log: Log, count: int, text: str = LONG) -> None:
    """Guarda ``count`` mensajes de ``text`` y espera a que cada uno esté guardado."""
    answers = []
    for _ in range(count):
        answer = Answer()
        draft = protocol.Draft(log.epoch, ROOM, "127.0.0.1:5000", text, None, None)
        log.append(ROOM, "clave-de-ana", None, draft, answer)
        answers.append(answer)
    await asyncio.wait_for(asyncio.gather(*(answer.seq() for answer in answers)), 30)


@pytest.fixture(params=["memoria", "sqlite"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def chat_log(kind: str, tmp_path: Path, io_loop) -> Iterator[Log]:
    log = MemoryLog() if kind == "memoria" else SqliteLog(tmp_path / "chat.sqlite3")
    io_loop.run_sync(log.start)
    yield log
    io_loop.run_sync(log.close)


def stored_frame(log: Log, seq: int) -> str:
    """El frame guardado con el número ``seq`` (sin límite de bytes)."""
    log.replay_bytes, saved = 10**9, log.replay_bytes
    try:
        frames = log.replay(ROOM, seq - 1, log.epoch).history
    finally:
        log.replay_bytes = saved
    return frames[0]


# --- El log ----------------------------------------------------------------------------


def test_the_replay_bound_is_a_quarter_of_the_slow_client_cap() -> None:
    assert REPLAY_BYTES * 4 <= DEFAULT_MAX_PENDING_BYTES


@pytest.mark.gen_test(timeout=60)
async def test_a_fresh_welcome_gets_the_newest_messages_that_fit_in_the_bound(chat_log) -> None:
    await store(chat_log, 80)  # 80 × ~8 KB: los 50 de siempre no caben en 256 KiB.
    replay = chat_log.replay(ROOM)
    assert size(replay.history) <= REPLAY_BYTES
    assert 0 < len(replay.history) < 50
    assert seqs(replay.history) == list(range(81 - len(replay.history), 81)), "Los más nuevos"
    one_more = json.loads(chat_log.replay(ROOM).history[0])["seq"] - 1
    assert size([stored_frame(chat_log, one_more), *replay.history]) > REPLAY_BYTES


@pytest.mark.gen_test(timeout=60)
async def test_a_resume_that_fits_gets_everything_it_missed(chat_log) -> None:
    await store(chat_log, 80)
    replay = chat_log.replay(ROOM, 80 - 20, chat_log.epoch)  # 20 × ~8 KB: caben.
    assert replay.recovered is True
    assert seqs(replay.history) == list(range(61, 81))


@pytest.mark.gen_test(timeout=60)
async def test_a_resume_that_does_not_fit_is_too_far_behind_and_never_partial(chat_log) -> None:
    await store(chat_log, 80)
    replay = chat_log.replay(ROOM, 10, chat_log.epoch)  # 70 × ~8 KB: no caben.
    assert (replay.recovered, replay.reason) == (False, "too_far_behind")
    assert replay.history == chat_log.replay(ROOM).history  # Los últimos que caben.
    assert size(replay.history) <= REPLAY_BYTES


@pytest.mark.gen_test(timeout=60)
async def test_sqlite_bounds_the_replay_after_reopening_the_file(tmp_path) -> None:
    path = tmp_path / "chat.sqlite3"
    before = SqliteLog(path)
    await before.start()
    try:
        await store(before, 80)
        epoch = before.epoch
    finally:
        await before.close()
    after = SqliteLog(path)  # El servidor, reiniciado: lee los bytes de lo guardado.
    await after.start()
    try:
        assert size(after.replay(ROOM).history) <= REPLAY_BYTES
        replay = after.replay(ROOM, 10, epoch)
        assert (replay.recovered, replay.reason) == (False, "too_far_behind")
    finally:
        await after.close()


# --- De principio a fin -----------------------------------------------------------------


@pytest.fixture
def app(hub: Hub, chat_log: Log):
    return make_app(hub, flood=FloodLimits(rate=1000, burst=1000), log=chat_log)


@pytest.fixture
def ws_url(ws_base: str, chat_log: Log) -> str:
    return f"{ws_base}/ws"  # Pide chat_log para que pytest vea sus dos variantes.


@pytest.mark.gen_test(timeout=60)
async def test_resuming_after_many_long_messages_gets_a_welcome_well_under_the_cap(
    connect, ws_url
) -> None:
    ana, welcome = await enter(connect, ws_url, "")
    for n in range(150):  # 150 × ~8 KB: más de 1 MiB, el tope del cliente lento.
        frame = {"type": "message", "text": LONG, "cid": f"c{n}"}
        await ana.write_message(json.dumps(frame, ensure_ascii=False))
    while (event := await receive_event(ana))["type"] != "ack" or event["cid"] != "c149":
        pass
    luis = await connect(f"{ws_url}?since=0&epoch={welcome['epoch']}")
    raw = await receive(luis)
    back = json.loads(raw)
    assert len(raw.encode("utf-8")) <= REPLAY_BYTES + WELCOME_MARGIN
    assert (back["recovered"], back["reason"]) == (False, "too_far_behind")
    history = [event["seq"] for event in back["history"]]
    assert history == list(range(151 - len(history), 151)), "Los más nuevos, sin huecos"
    assert len(history) < 50
