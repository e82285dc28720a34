"""Lo que se dijo antes y retomar tras un corte: todo o nada (lección 10)."""

from __future__ import annotations

import pytest

from tests.conformance.deployments import HISTORY


async def fill(speakers, count: int, prefix: str = "m") -> list[int]:
    """Envía ``count`` mensajes repartidos entre ``speakers`` y devuelve sus seq.

    Repartirlos entre varios dispositivos respeta los límites de ritmo de cada uno.
    """
    seqs = []
    for n in range(count):
        speaker = speakers[n % len(speakers)]
        seqs.append(await speaker.say_acked(f"{prefix}{n}", f"{prefix}{n}"))
    return seqs


@pytest.mark.gen_test(timeout=30)
async def test_an_empty_room_welcomes_with_seq_0_and_no_history(deployment, class_of, room):
    (ana,) = class_of(deployment, 1)
    welcome = await ana.enter(room)
    assert (welcome["seq"], welcome["history"], welcome["recovered"]) == (0, [], None)
    assert welcome["room"] == room and welcome["epoch"]


@pytest.mark.gen_test(timeout=30)
async def test_a_late_joiner_gets_the_last_messages_oldest_first(deployment, class_of, room):
    ana, luis, late = class_of(deployment, 3)
    await ana.enter(room)
    await luis.enter(room)
    seqs = await fill([ana, luis], 6)
    welcome = await late.enter(room)
    assert [event["text"] for event in welcome["history"]] == [f"m{n}" for n in range(6)]
    assert [event["seq"] for event in welcome["history"]] == seqs == [1, 2, 3, 4, 5, 6]
    assert welcome["seq"] == 6


@pytest.mark.gen_test(timeout=30)
async def test_a_resume_gets_exactly_what_was_missed_and_recovered_true(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    await ana.enter(room)
    await luis.enter(room)
    await fill([ana], 2, "antes")
    seen = (await luis.messages(2))[-1]
    luis.leave()
    await luis.closed()
    await fill([ana], 3, "durante")
    welcome = await luis.enter(room, since=seen["seq"], epoch=seen["epoch"])
    assert welcome["recovered"] is True
    got = welcome["history"]
    assert [event["text"] for event in got] == ["durante0", "durante1", "durante2"]
    assert [event["seq"] for event in got] == [3, 4, 5]


@pytest.mark.gen_test(timeout=30)
async def test_resuming_with_nothing_missed_gets_an_empty_recovered_history(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    welcome = await ana.enter(room)
    await luis.enter(room)
    await fill([ana], 2)
    again = await luis.enter(room, since=2, epoch=welcome["epoch"])
    assert (again["recovered"], again["history"]) == (True, [])


@pytest.mark.gen_test(timeout=30)
async def test_another_epoch_gets_the_recent_history_and_epoch_changed(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    await ana.enter(room)
    await fill([ana], 2)
    welcome = await luis.enter(room, since=1, epoch="otraepoca")
    assert (welcome["recovered"], welcome["reason"]) == (False, "epoch_changed")
    assert [event["text"] for event in welcome["history"]] == ["m0", "m1"]


@pytest.mark.gen_test(timeout=60)
async def test_missing_more_than_the_history_kept_is_never_a_partial_replay(
    deployment, class_of, room
) -> None:
    speakers = class_of(deployment, 5)
    late = class_of(deployment, 1)[0]
    for speaker in speakers:
        await speaker.enter(room)
    await fill(speakers, 2, "antes")
    epoch = speakers[0].welcome["epoch"]
    await fill(speakers, HISTORY + 3, "después")
    welcome = await late.enter(room, since=1, epoch=epoch)
    assert (welcome["recovered"], welcome["reason"]) == (False, "too_far_behind")
    seqs = [event["seq"] for event in welcome["history"]]
    assert seqs == list(range(seqs[0], HISTORY + 6)), "Los últimos, seguidos y sin huecos"


@pytest.mark.gen_test(timeout=30)
async def test_a_since_beyond_the_latest_seq_gets_an_error_and_the_recent_history(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    welcome = await ana.enter(room)
    await fill([ana], 1)
    again = await luis.enter(room, since=99, epoch=welcome["epoch"])
    assert [event["text"] for event in again["history"]] == ["m0"]
    assert (await luis.next_of("error"))["code"] == "invalid_since"


@pytest.mark.gen_test(timeout=30)
async def test_messages_sent_while_someone_resumes_are_neither_lost_nor_repeated(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    welcome = await ana.enter(room)
    await luis.enter(room)
    await fill([ana], 2, "antes")
    luis.leave()
    await luis.closed()
    for n in range(6):  # Sin esperar a nadie: unos caen en el historial y otros en directo.
        await ana.say(f"mientras {n}", f"w{n}")
    again = await luis.enter(room, since=2, epoch=welcome["epoch"])
    got = list(again["history"])
    while len(got) < 6:
        got.append(await luis.next_of("message"))
    assert [event["seq"] for event in got] == [3, 4, 5, 6, 7, 8]
    assert luis.unread_of("message") == []
