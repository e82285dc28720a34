"""Quién está, con qué apodo, quién escribe y los privados (lecciones 6 y 11)."""

from __future__ import annotations

import asyncio

import pytest

from stack2_http.roster import LISTED
from tests.conformance.students import until_present
from tests.conformance.test_rooms import eventually_rooms


@pytest.mark.gen_test(timeout=30)
async def test_join_and_leave_reach_the_others_of_the_room_with_the_count(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    await ana.enter(room)
    await luis.enter(room)
    joined = await ana.next_of("join", who=luis.me)
    assert (joined["count"], joined["nick"]) == (2, None)
    luis.leave()
    left = await ana.next_of("leave", who=luis.me)
    assert left["count"] == 1


@pytest.mark.gen_test(timeout=30)
async def test_the_welcome_lists_everyone_online_with_their_nicks(
    deployment, class_of, room
) -> None:
    ana, luis, eva = class_of(deployment, 3)
    await ana.enter(room, nick="Ana")
    await luis.enter(room)
    await until_present(luis, ana)
    await until_present(ana, luis)
    welcome = await eva.enter(room)
    online = {person["who"]: person["nick"] for person in welcome["online"]}
    for name, person in (("Ana", ana), (None, luis)):
        if person.me not in online:  # Con dos procesos, puede llegar justo después.
            joined = await eva.next_of("join", who=person.me)
            online[joined["who"]] = joined["nick"]
        assert online[person.me] == name


@pytest.mark.gen_test(timeout=30)
async def test_a_nick_is_unique_in_the_room_whatever_its_case_and_on_every_process(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    await ana.enter(room, nick="Ana")
    await luis.enter(room)
    await until_present(luis, ana)
    await luis.send("nick", nick="ANA")
    assert (await luis.next_of("error"))["code"] == "nick_taken"
    await luis.send("nick", nick="Luis")
    renamed = await ana.next_of("nick", who=luis.me)
    assert renamed["nick"] == "Luis"


@pytest.mark.gen_test(timeout=30)
async def test_leaving_frees_the_nick_for_someone_else(deployment, class_of, room) -> None:
    ana, luis = class_of(deployment, 2)
    await ana.enter(room, nick="Ana")
    await luis.enter(room)
    await until_present(luis, ana)
    ana.leave()
    left = await luis.next_of("leave", who=ana.me)
    assert left["nick"] == "Ana"
    await luis.send("nick", nick="Ana")
    assert (await luis.next_of("nick", who=luis.me))["nick"] == "Ana"


@pytest.mark.gen_test(timeout=30)
async def test_the_same_nick_can_live_in_two_rooms(deployment, class_of, room) -> None:
    ana, other = class_of(deployment, 2)
    await ana.enter(room, nick="Ana")
    welcome = await other.enter(room + "-b", nick="Ana")
    assert {"who": other.me, "nick": "Ana"} in welcome["online"]
    assert other.unread_of("error") == []


@pytest.mark.gen_test(timeout=30)
async def test_typing_reaches_the_others_of_the_room_and_nobody_else(
    deployment, class_of, room
) -> None:
    typist, watcher, outsider, neighbour = class_of(deployment, 4)
    await typist.enter(room, nick="Eva")
    await watcher.enter(room)
    await outsider.enter(room + "-b")
    # El vecino entra por el mismo proceso que quien escribe: lo suyo viaja por el mismo
    # camino, así que si el primer aviso fuera a llegar a la otra sala, llegaría antes.
    neighbour.n = typist.n
    await neighbour.enter(room + "-b")
    await until_present(outsider, neighbour)
    await until_present(watcher, typist)
    await typist.send("typing")
    typing = await watcher.next_of("typing")
    assert (typing["who"], typing["nick"]) == (typist.me, "Eva")
    await neighbour.send("typing")
    assert (await outsider.next_of("typing"))["who"] == neighbour.me
    assert [e["who"] for e in outsider.received if e["type"] == "typing"] == [neighbour.me]
    assert typist.unread_of("typing") == [], "A quien escribe no se le devuelve su aviso"


@pytest.mark.gen_test(timeout=30)
async def test_a_private_message_reaches_only_its_person_and_a_copy_the_sender(
    deployment, class_of, room
) -> None:
    sender, target, bystander = class_of(deployment, 3)
    await target.enter(room)
    await bystander.enter(room)
    await sender.enter(room)
    await until_present(sender, target)
    await sender.send("private", to=target.me, text="psst")
    got = await target.next_of("private")
    assert (got["from"], got["to"], got["text"]) == (sender.me, target.me, "psst")
    assert await sender.next_of("private") == got
    assert "seq" not in got, "Un privado no es parte de la historia de la sala"
    # Después, un mensaje de sala del mismo remitente: al testigo le llega solo ese.
    await sender.say("en voz alta", "c1")
    await bystander.next_of("message")
    assert bystander.unread_of("private") == []
    assert not [e for e in bystander.received if e["type"] == "private"]


@pytest.mark.gen_test(timeout=30)
async def test_a_private_message_to_someone_in_another_room_is_not_found(
    deployment, class_of, room
) -> None:
    sender, elsewhere = class_of(deployment, 2)
    await elsewhere.enter(room + "-b")
    await sender.enter(room)
    await sender.send("private", to=elsewhere.me, text="¿hola?")
    assert (await sender.next_of("error"))["code"] == "not_found"


@pytest.mark.gen_test(timeout=30)
async def test_a_private_message_to_yourself_is_refused(deployment, class_of, room) -> None:
    (ana,) = class_of(deployment, 1)
    await ana.enter(room)
    await ana.send("private", to=ana.me, text="yo")
    assert (await ana.next_of("error"))["code"] == "invalid_recipient"


@pytest.mark.gen_test(timeout=120)
async def test_past_100_people_a_room_gets_counts_instead_of_joins_and_the_list_back_at_100(
    deployment, class_of, room
) -> None:
    # Más de LISTED (100) en una sala: cada entrada ya no se avisa a todos (eso es O(N²)),
    # sino la cuenta; y al volver a 100, la lista entera. En cada proceso, igual.
    *crowd, last = class_of(deployment, LISTED + 1)
    await asyncio.gather(*(student.enter(room) for student in crowd))
    await eventually_rooms(deployment, {room: LISTED})  # Cada proceso sabe de los 100.
    welcome = await last.enter(room)
    listed = {person["who"] for person in welcome["online"]}
    assert (len(welcome["online"]), welcome["count"]) == (LISTED, LISTED + 1)
    assert listed == {student.me for student in crowd}, "Las 100 primeras, por orden de llegada"
    for student in crowd:
        await student.next_of("count", count=LISTED + 1)
        joins = [e for e in student.received if e["type"] == "join" and e["who"] == last.me]
        assert joins == [], f"{student.address}: en una sala grande no llega cada join"
    last.leave()
    for student in crowd:
        people = await student.next_of("people")
        assert people["count"] == LISTED
        assert {person["who"] for person in people["online"]} == listed
        assert student.unread_of("leave") == [], "Vuelve a ser pequeña: la lista, sin leave"
