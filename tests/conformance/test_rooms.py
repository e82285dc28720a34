"""Las salas: cada una con su conversación, y la lista de salas con gente (lección 11)."""

from __future__ import annotations

import asyncio
import json

import pytest
from tornado.httpclient import AsyncHTTPClient

from tests.conformance.students import TIMEOUT, until_present


@pytest.mark.gen_test(timeout=30)
async def test_a_message_stays_in_its_room_and_each_room_numbers_from_one(
    deployment, class_of, room
) -> None:
    here, there, listener = class_of(deployment, 3)
    await here.enter(room)
    await there.enter(room + "-b")
    await listener.enter(room + "-b")
    await here.say("en la primera", "c1")
    await there.say("en la segunda", "c1")
    got = await listener.next_of("message")
    assert (got["text"], got["seq"], got["room"]) == ("en la segunda", 1, room + "-b")
    mine = await here.next_of("message")
    assert (mine["text"], mine["seq"]) == ("en la primera", 1)
    # Lo de la primera sala nunca llega a la segunda: el siguiente mensaje de la segunda
    # sale después, y para entonces lo de la primera ya habría llegado.
    await there.say("otra más", "c2")
    assert (await listener.next_of("message"))["text"] == "otra más"
    assert [e["room"] for e in listener.received if e["type"] == "message"] == [room + "-b"] * 2


@pytest.mark.gen_test(timeout=30)
async def test_the_welcome_lists_only_the_people_of_your_room(deployment, class_of, room) -> None:
    ana, luis, eva = class_of(deployment, 3)
    await ana.enter(room)
    await luis.enter(room + "-b")
    welcome = await eva.enter(room)
    online = {person["who"] for person in welcome["online"]}
    while ana.me not in online:  # Con dos procesos, Ana puede llegar justo después.
        online.add((await eva.next_of("join"))["who"])
    assert luis.me not in online and eva.me in online


@pytest.mark.gen_test(timeout=30)
async def test_the_room_list_counts_the_people_of_every_room_on_every_process(
    deployment, class_of, room
) -> None:
    ana, luis, eva, watcher = class_of(deployment, 4)
    await ana.enter(room)
    await luis.enter(room)
    await eva.enter(room + "-b")
    await watcher.enter(room)
    for person in (ana, luis):
        await until_present(watcher, person)
    # Las dos salas, con sus cuentas, en cada proceso: también en el que no tiene a nadie
    # de una de ellas.
    await eventually_rooms(deployment, {room: 3, room + "-b": 1})


@pytest.mark.gen_test(timeout=30)
async def test_a_room_leaves_the_list_when_its_last_person_leaves(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    await ana.enter(room)
    await luis.enter(room + "-b")
    await eventually_rooms(deployment, {room: 1, room + "-b": 1})
    ana.leave()
    await ana.closed()
    await eventually_rooms(deployment, {room: None, room + "-b": 1})


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("path", ["/ws/..%2Fetc", "/ws/con espacios", "/ws/" + "x" * 33])
async def test_a_socket_to_an_impossible_room_gets_a_404(deployment, class_of, path) -> None:
    (ana,) = class_of(deployment, 1)
    response = await ana.fetch(path.replace(" ", "%20"))
    assert response.code == 404


@pytest.mark.gen_test(timeout=60)
@pytest.mark.options("--max-rooms=3")
async def test_rooms_are_bounded_and_one_over_the_limit_is_told_why_in_spanish(
    fresh, class_of, room
) -> None:
    people = class_of(fresh, 4)
    for n, student in enumerate(people[:3]):
        await student.enter(f"{room}-{n}")
    # Con varios procesos, el límite es de todo el chat: cada proceso sabe ya de las tres.
    await eventually_rooms(fresh, {f"{room}-{n}": 1 for n in range(3)})
    code, reason = await refused(people[3], f"{room}-nueva")
    assert code == 1013 and "salas" in reason, (code, reason)
    welcome = await people[3].enter(f"{room}-0")  # En una que ya existe, sí cabe.
    assert welcome["room"] == f"{room}-0"


async def refused(student, room: str) -> tuple[int | None, str | None]:
    """Entra en ``room`` y espera a que el servidor cierre sin dar la bienvenida."""
    await student.connect(room)
    code, reason = await student.closed()
    assert not student.unread_of("welcome"), "Se le dio la bienvenida y luego se le echó"
    return code, reason


async def eventually_rooms(deployment, expected: dict[str, int | None]) -> None:
    """Pregunta a cada proceso por /salas.json hasta que dice ``expected`` (None: no está).

    Es la única espera sin evento de la suite: /salas.json es HTTP y nadie avisa cuando
    cambia. Con varios procesos, lo que pasa en uno tarda un instante en saberse en otro.
    Se pregunta a cada proceso directamente (también detrás de nginx): todos deben saberlo.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    for index in range(len(deployment.processes)):
        while True:
            rooms = await room_counts(deployment.process_base(index))
            if all(rooms.get(name) == count for name, count in expected.items()):
                break
            if loop.time() > deadline:
                raise AssertionError(
                    f"/salas.json del proceso {index} dice {rooms}; se esperaba {expected}"
                )
            await asyncio.sleep(0.05)


async def room_counts(base: str) -> dict[str, int]:
    response = await AsyncHTTPClient().fetch(base + "/salas.json", raise_error=False)
    assert response.code == 200, f"{base}/salas.json respondió {response.code}"
    return {entry["name"]: entry["count"] for entry in json.loads(response.body)["rooms"]}
