"""Las órdenes de la profesora en el log (common/history/rules.py), sin red: memoria y SQLite.

La suite de conformidad (tests/conformance/test_teacher.py) lo prueba de punta a punta en
cada configuración; aquí, lo que solo se ve mirando el log o el archivo: que un borrado
sobrescribe el texto en el disco, que una base de datos de antes se pone al día, que
retomar tras vaciar no pide lo que ya no existe, y cada orden mal escrita.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from common.history.log import Log, MemoryLog
from common.history.rules import Order
from common.history.sqlite import SqliteLog
from stack2_http import moderation, protocol
from tests.helpers import Answer


def append(log: Log, text: str, room: str = "clase") -> Answer:
    answer = Answer()
    draft = protocol.Draft(log.epoch, room, "127.0.0.1:5000", text, None, None)
    log.append(room, "una-clave", None, draft, answer)
    return answer


async def give(log: Log, order: Order) -> Order:
    """Da una orden y espera a que esté guardada; devuelve la orden guardada."""
    answer = Answer()
    log.order(order, lambda stored: answer.future.set_result(stored))
    stored = await answer.get()
    assert isinstance(stored, Order), f"La orden no se guardó: {stored!r}"
    return stored


@pytest.mark.gen_test
async def test_a_deleted_message_is_a_tombstone_in_the_history_and_gone_from_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chat.sqlite3"
    log = SqliteLog(path)
    await log.start()
    for text in ("hola", "un-insulto-único", "adiós"):
        await append(log, text).seq()
    await give(log, Order("clase", "delete", seq=2))
    history = log.replay("clase").history
    assert "un-insulto-único" not in "".join(history)
    assert '"deleted":true' in history[1] and '"seq":2' in history[1]
    assert not log.holds("clase", 2) and log.holds("clase", 3)
    await log.close()
    # También el diario (WAL), si quedara alguno. (El SQLite de Debian ya trae secure_delete
    # encendido; server.py lo pide igual, para el de macOS o Windows.)
    for file in tmp_path.iterdir():
        assert b"un-insulto-\xc3\xbanico" not in file.read_bytes(), f"El texto sigue en {file.name}"
    again = SqliteLog(path)
    assert again.rules("clase").deleted == {2}
    assert "un-insulto-único" not in "".join(again.replay("clase").history)
    await again.close()


@pytest.mark.gen_test
async def test_a_cleared_room_leaves_no_text_in_the_file(tmp_path: Path) -> None:
    log = SqliteLog(tmp_path / "chat.sqlite3")
    await log.start()
    for n in range(5):
        await append(log, f"secreto-{n}-de-la-clase").seq()
    await give(log, Order("clase", "clear"))
    await append(log, "lo nuevo").seq()
    await log.close()
    for file in tmp_path.iterdir():
        assert b"-de-la-clase" not in file.read_bytes(), f"Lo vaciado sigue en {file.name}"


@pytest.mark.gen_test
async def test_resuming_from_before_a_clear_gets_what_came_after_it_and_nothing_is_missing() -> (
    None
):
    log = MemoryLog()
    for n in range(3):
        append(log, f"m{n}")
    cleared = await give(log, Order("clase", "clear"))
    assert cleared.seq == 3 and log.replay("clase").history == []
    append(log, "después")
    replay = log.replay("clase", since=1, epoch=log.epoch)
    assert replay.recovered is True and len(replay.history) == 1
    assert log.replay("clase", since=3, epoch=log.epoch).history == replay.history
    assert log.latest("clase") == 4


@pytest.mark.gen_test
async def test_an_old_database_gets_the_new_column_and_table_and_keeps_its_history(
    tmp_path: Path,
) -> None:
    path = tmp_path / "antigua.sqlite3"
    log = SqliteLog(path)
    await log.start()
    await append(log, "de antes").seq()
    epoch = log.epoch
    await log.close()
    # Como la dejaba la versión anterior: sin la columna deleted ni la tabla rooms.
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE messages DROP COLUMN deleted")
    db.execute("DROP TABLE rooms")
    db.commit()
    db.close()
    log = SqliteLog(path)
    await log.start()
    assert log.epoch == epoch and "de antes" in log.replay("clase").history[0]
    await give(log, Order("clase", "lock", locked=True))
    await log.close()
    restarted = SqliteLog(path)
    assert restarted.rules("clase").locked is True
    await restarted.close()


@pytest.mark.parametrize(
    ("parse", "fields"),
    [
        (moderation.parse_delete, {"seq": 0}),
        (moderation.parse_delete, {"seq": 1.0}),
        (moderation.parse_delete, {"seq": False}),
        (moderation.parse_lock, {"locked": 1}),
        (moderation.parse_slow, {"seconds": 301}),
        (moderation.parse_slow, {"seconds": "10"}),
        (moderation.parse_mute, {"who": "10.0.0.7:51234", "minutes": 1441}),
        (moderation.parse_mute, {"who": "10.0.0.7", "minutes": 5}),
        (moderation.parse_kick, {"who": "[::1]:x", "minutes": 5}),
        (moderation.parse_unmute, {"who": "a" * 100 + ":1"}),
    ],
)
def test_every_malformed_order_is_invalid_field_with_a_spanish_text(parse, fields) -> None:
    with pytest.raises(protocol.ProtocolError) as problem:
        parse(fields)
    assert problem.value.code == "invalid_field" and problem.value.text.endswith(".")


def test_an_identity_names_its_device_by_the_ip_also_for_ipv6() -> None:
    assert moderation.device("10.0.0.7:51234") == "10.0.0.7"
    assert moderation.device("[::1]:5000") == "::1"
    assert moderation.device("Ana") is None and moderation.device("10.0.0.7:") is None
