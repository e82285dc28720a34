"""Entregar sin perder: seq, epoch, ack y reintentos (lección 10), en cada configuración."""

from __future__ import annotations

import pytest

from tests.conformance.students import TIMEOUT


@pytest.mark.gen_test(timeout=30)
async def test_a_message_reaches_everyone_in_the_room_once_in_order_with_consecutive_seqs(
    deployment, class_of, room
) -> None:
    ana, luis, eva = class_of(deployment, 3)
    for student in (ana, luis, eva):
        await student.enter(room)
    for n in range(3):  # Tres estudiantes, y con dos procesos, de los dos.
        await ana.say(f"de Ana {n}", f"a{n}")
        await luis.say(f"de Luis {n}", f"l{n}")
    seen = [await student.messages(6) for student in (ana, luis, eva)]
    assert seen[0] == seen[1] == seen[2], "Cada estudiante vio otra conversación"
    assert [event["seq"] for event in seen[0]] == [1, 2, 3, 4, 5, 6]
    assert {event["epoch"] for event in seen[0]} == {eva.welcome["epoch"]}
    mine = [event["text"] for event in seen[0] if event["from"] == ana.me]
    assert mine == ["de Ana 0", "de Ana 1", "de Ana 2"], "Los de un mismo remitente, en orden"


@pytest.mark.gen_test(timeout=30)
async def test_the_sender_gets_its_ack_with_the_seq_before_its_own_message(
    deployment, class_of, room
) -> None:
    (ana,) = class_of(deployment, 1)
    await ana.enter(room)
    await ana.say("hola", "cid-1")
    ack = await ana.next_event()
    message = await ana.next_event()
    assert (ack["type"], ack["cid"], ack["seq"]) == ("ack", "cid-1", 1)
    assert (message["type"], message["seq"], message["cid"]) == ("message", 1, "cid-1")


@pytest.mark.gen_test(timeout=30)
async def test_two_students_who_pick_the_same_cid_both_get_their_message_through(
    deployment, class_of, room
) -> None:
    # La lección 10 dice a toda la clase que envíe «prueba-1»: nadie debe perder nada.
    ana, luis = class_of(deployment, 2)
    await ana.enter(room)
    await luis.enter(room)
    first = await ana.say_acked("soy Ana", "prueba-1")
    second = await luis.say_acked("soy Luis", "prueba-1")
    assert first != second, "Los dos recibieron el mismo seq: un mensaje se perdió"
    texts = [event["text"] for event in await ana.messages(2)]
    assert texts == ["soy Ana", "soy Luis"]


@pytest.mark.gen_test(timeout=30)
async def test_the_same_key_retrying_a_cid_from_elsewhere_gets_the_first_ack_and_no_broadcast(
    deployment, class_of, room
) -> None:
    # La página reintenta tras un corte: otra conexión, quizá otro proceso, quizá otra red.
    watcher, first = class_of(deployment, 2)
    await watcher.enter(room)
    await first.enter(room)
    seq = await first.say_acked("una vez", "mismo-cid")
    (again,) = class_of(deployment, 1, key=first.key)  # Otra dirección, la misma clave.
    await again.enter(room)
    assert await again.say_acked("una vez", "mismo-cid") == seq
    await again.say("otra", "otro-cid")
    texts = [event["text"] for event in await watcher.messages(2)]
    assert texts == ["una vez", "otra"], "El reintento se repartió dos veces"


@pytest.mark.gen_test(timeout=30)
async def test_without_a_key_a_retry_on_the_same_connection_is_still_recognised(
    deployment, class_of, room
) -> None:
    (ana,) = class_of(deployment, 1, key=None)
    await ana.enter(room)
    await ana.say("una vez", "c1")
    await ana.say("una vez", "c1")  # Antes de que llegue el ack del primero.
    acks = [await ana.next_of("ack"), await ana.next_of("ack")]
    assert acks[0] == acks[1]
    await ana.say("otra", "c2")
    texts = [event["text"] for event in await ana.messages(2)]
    assert texts == ["una vez", "otra"]


@pytest.mark.gen_test(timeout=30)
async def test_without_a_key_nobody_loses_a_message_to_someone_elses_cid(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2, key=None)
    await ana.enter(room)
    await luis.enter(room)
    assert await ana.say_acked("de Ana", "c1") != await luis.say_acked("de Luis", "c1")


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("key", ["corta", "con espacios y más", "x" * 65, "ñandú-ñandú"])
async def test_a_bad_client_key_gets_a_spanish_error_and_the_chat_still_works(
    deployment, class_of, room, key
) -> None:
    (ana,) = class_of(deployment, 1, key=key)
    await ana.enter(room)
    error = await ana.next_of("error")
    assert error["code"] == "invalid_client" and "clave" in error["text"], error
    assert await ana.say_acked("sigo aquí", "c1") == 1


@pytest.mark.gen_test(timeout=30)
async def test_a_message_without_cid_is_delivered_and_gets_no_ack(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    await ana.enter(room)
    await luis.enter(room)
    await ana.say("sin cid")
    message = await luis.next_of("message")
    assert "cid" not in message and message["seq"] == 1
    await ana.next_of("message")  # Su propio mensaje; si hubiera ack, habría llegado antes.
    assert ana.unread_of("ack") == [] and not [e for e in ana.received if e["type"] == "ack"]


@pytest.mark.gen_test(timeout=30)
async def test_a_message_carries_seq_epoch_room_sender_nick_text_and_time(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    await ana.enter(room, nick="Ana")
    await luis.enter(room)
    await ana.say("hola", "c1")
    message = await luis.next_of("message", timeout=TIMEOUT)
    assert message["room"] == room and message["from"] == ana.me
    assert (message["nick"], message["text"], message["cid"]) == ("Ana", "hola", "c1")
    assert message["epoch"] == luis.welcome["epoch"] and message["time"].endswith("Z")
