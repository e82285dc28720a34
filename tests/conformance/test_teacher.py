"""La profesora (issue 21) en cada configuración: quién es, qué puede hacer y que se vea.

La profesora entra con su enlace (``Student.become_teacher()``: /profe?clave=…, la cookie
firmada) y modera; un estudiante no puede. Con dos procesos, la profesora entra por el
primero y el estudiante por el segundo: cada efecto tiene que cruzar Redis. Donde la
historia sobrevive a un reinicio, lo que decidió la profesora también.
"""

from __future__ import annotations

import pytest

from tests.conformance.deployments import WITH_REDIS
from tests.conformance.students import Student

PERSISTENT = ("sqlite", *WITH_REDIS)


async def lesson(deployment, class_of, room: str, students: int = 1) -> list[Student]:
    """La profesora (por el primer proceso) y ``students`` estudiantes, ya en ``room``."""
    teacher, *others = class_of(deployment, 1 + students)
    await teacher.become_teacher()
    await teacher.enter(room)
    for student in others:
        await student.enter(room)
    return [teacher, *others]


async def order(teacher: Student, type_: str, **fields) -> dict:
    """Envía una orden de la profesora y devuelve su confirmación (``moderated``)."""
    await teacher.send(type_, **fields)
    return await teacher.next_of("moderated", action=type_)


# --- Quién es la profesora -------------------------------------------------------------


@pytest.mark.gen_test(timeout=30)
async def test_the_teacher_link_gives_a_teacher_connection_that_everyone_sees_badged(
    deployment, class_of, room
) -> None:
    teacher, ana = await lesson(deployment, class_of, room)
    assert teacher.welcome["role"] == "teacher" and ana.welcome["role"] == "student"
    badged = {"who": teacher.me, "nick": None, "teacher": True}
    assert badged in ana.welcome["online"], ana.welcome["online"]
    assert {"who": ana.me, "nick": None} in ana.welcome["online"]
    # Quien entra después también lo ve, y la profesora lo ve entrar sin insignia.
    (luis,) = class_of(deployment, 1)
    await luis.enter(room)
    assert badged in luis.welcome["online"]
    join = await teacher.next_of("join", who=luis.me)
    assert "teacher" not in join


@pytest.mark.gen_test(timeout=30)
async def test_the_teacher_entering_late_is_announced_with_the_badge(
    deployment, class_of, room
) -> None:
    ana, teacher = class_of(deployment, 2)
    await ana.enter(room)
    await teacher.become_teacher()
    await teacher.enter(room)
    join = await ana.next_of("join", who=teacher.me)
    assert join["teacher"] is True


@pytest.mark.gen_test(timeout=30)
async def test_a_teacher_message_and_private_carry_the_badge(deployment, class_of, room) -> None:
    teacher, ana = await lesson(deployment, class_of, room)
    await teacher.say("Buenos días", "p1")
    message = await ana.next_of("message", text="Buenos días")
    assert message["teacher"] is True and message["from"] == teacher.me
    await teacher.send("private", to=ana.me, text="¿Todo bien?")
    private = await ana.next_of("private")
    assert private["teacher"] is True
    await ana.say("Hola", "a1")
    assert "teacher" not in await teacher.next_of("message", text="Hola")


@pytest.mark.gen_test(timeout=30)
async def test_a_student_sending_a_teacher_order_gets_forbidden_and_keeps_chatting(
    deployment, class_of, room
) -> None:
    _teacher, ana = await lesson(deployment, class_of, room)
    seq = await ana.say_acked("mi mensaje", "a1")
    for type_, fields in (("delete", {"seq": seq}), ("lock", {"locked": True}), ("clear", {})):
        await ana.send(type_, **fields)
        assert (await ana.next_of("error"))["code"] == "forbidden", type_
    await ana.say_acked("sigo escribiendo", "a2")
    welcome = await class_of(deployment, 1)[0].enter(room)
    assert [m["text"] for m in welcome["history"]] == ["mi mensaje", "sigo escribiendo"]
    assert welcome["room_state"] == {"locked": False, "slow": 0}


# --- Lo que hace la profesora, visto desde el otro proceso ----------------------------------


@pytest.mark.gen_test(timeout=30)
async def test_a_deleted_message_leaves_everyone_and_the_history_for_good(
    deployment, class_of, room
) -> None:
    teacher, ana = await lesson(deployment, class_of, room)
    keep = await ana.say_acked("hola", "a1")
    bad = await ana.say_acked("un insulto", "a2")
    confirmed = await order(teacher, "delete", seq=bad)
    assert confirmed["seq"] == bad and confirmed["room"] == room and confirmed["text"]
    assert await ana.next_of("deleted", seq=bad) == {"type": "deleted", "room": room, "seq": bad}
    (late,) = class_of(deployment, 1)
    welcome = await late.enter(room)
    assert welcome["deleted"] == [bad]
    texts = [event.get("text") for event in welcome["history"]]
    assert texts == ["hola", None] and "un insulto" not in str(welcome)
    tombstone = welcome["history"][1]
    assert tombstone == {**tombstone, "seq": bad, "deleted": True} and "from" not in tombstone
    # Quien retoma desde antes lo recibe igual de tapado, y sabe qué quitar de su página.
    again = await ana.enter(room, since=keep, epoch=welcome["epoch"])
    assert again["recovered"] is True and again["deleted"] == [bad]
    assert "un insulto" not in str(again)
    await teacher.send("delete", seq=bad)  # Ya borrado: no está.
    assert (await teacher.next_of("error"))["code"] == "not_found"


@pytest.mark.gen_test(timeout=30)
async def test_a_cleared_room_starts_empty_and_numbers_go_on(deployment, class_of, room) -> None:
    teacher, ana = await lesson(deployment, class_of, room)
    first = await ana.say_acked("uno", "a1")
    last = await ana.say_acked("dos", "a2")
    assert (await order(teacher, "clear"))["seq"] == last
    assert await ana.next_of("cleared") == {"type": "cleared", "room": room, "seq": last}
    (late,) = class_of(deployment, 1)
    welcome = await late.enter(room)
    assert (welcome["history"], welcome["cleared"], welcome["seq"]) == ([], last, last)
    assert await ana.say_acked("tres", "a3") == last + 1
    # Retomar desde antes de vaciar: solo lo de después, y no falta nada.
    again = await late.enter(room, since=first, epoch=welcome["epoch"])
    assert again["recovered"] is True
    assert [event["text"] for event in again["history"]] == ["tres"]


@pytest.mark.gen_test(timeout=30)
async def test_a_locked_room_lets_only_the_teacher_write_and_privates_to_her(
    deployment, class_of, room
) -> None:
    teacher, ana, luis = await lesson(deployment, class_of, room, students=2)
    assert (await order(teacher, "lock", locked=True))["locked"] is True
    state = await ana.next_of("room_state")
    assert state == {"type": "room_state", "room": room, "locked": True, "slow": 0}
    await ana.say("¿puedo?", "a1")
    error = await ana.next_of("error", cid="a1")
    assert error["code"] == "locked" and "bloqueada" in error["text"]
    await ana.send("private", to=luis.me, text="psst")
    assert (await ana.next_of("error"))["code"] == "locked"
    await ana.send("private", to=teacher.me, text="profe, una duda")
    assert (await teacher.next_of("private"))["text"] == "profe, una duda"
    await teacher.say_acked("Solo escribo yo", "p1")
    assert (await luis.next_of("message"))["text"] == "Solo escribo yo"
    assert (await luis.enter(room))["room_state"]["locked"] is True
    await order(teacher, "lock", locked=False)
    await ana.say_acked("ya puedo", "a2")


@pytest.mark.gen_test(timeout=30)
async def test_slow_mode_lets_each_student_one_message_per_interval(
    deployment, class_of, room
) -> None:
    teacher, ana = await lesson(deployment, class_of, room)
    assert (await order(teacher, "slow", seconds=60))["seconds"] == 60
    assert (await ana.next_of("room_state"))["slow"] == 60
    await ana.say_acked("el primero", "a1")
    await ana.say("el segundo", "a2")
    error = await ana.next_of("error", cid="a2")
    assert error["code"] == "slow_mode" and 0 < error["wait"] <= 60
    await teacher.say_acked("yo no espero", "p1")
    await teacher.say_acked("nunca", "p2")
    await order(teacher, "slow", seconds=0)
    await ana.say_acked("el segundo", "a3")


@pytest.mark.gen_test(timeout=30)
async def test_a_muted_device_reads_but_cannot_write_until_unmuted(
    deployment, class_of, room
) -> None:
    teacher, ana = await lesson(deployment, class_of, room)
    confirmed = await order(teacher, "mute", who=ana.me, minutes=5)
    assert (confirmed["who"], confirmed["minutes"]) == (ana.me, 5)
    assert 290 < (await ana.next_of("muted"))["wait"] <= 300
    await ana.say("hola", "a1")
    error = await ana.next_of("error", cid="a1")
    assert error["code"] == "muted" and 0 < error["wait"] <= 300
    await ana.send("nick", nick="Otra")
    assert (await ana.next_of("error"))["code"] == "muted"
    await teacher.say_acked("¿me leéis?", "p1")
    assert (await ana.next_of("message"))["text"] == "¿me leéis?"
    # Reconectar (otra pestaña del mismo dispositivo) no lo quita.
    assert 0 < (await ana.enter(room))["muted"] <= 300
    await order(teacher, "unmute", who=ana.me)
    assert (await ana.next_of("muted"))["wait"] == 0
    await ana.say_acked("gracias", "a2")


@pytest.mark.gen_test(timeout=30)
async def test_a_kicked_device_is_closed_with_4003_and_cannot_come_back(
    deployment, class_of, room
) -> None:
    teacher, ana = await lesson(deployment, class_of, room)
    await order(teacher, "kick", who=ana.me, minutes=10)
    code, reason = await ana.closed()
    assert (code, reason) == (4003, "La profesora te ha sacado de la sala durante 10 min")
    # Desde el mismo dispositivo, por cualquier proceso: cerrado antes de ningún welcome.
    for n in range(max(1, deployment.directly_reachable)):
        (again,) = class_of(deployment, 1, address=ana.address)
        again.n = n
        await again.connect(room)
        assert await again.closed() == (4003, "No puedes volver a esta sala hasta dentro de 10 min")
        assert again.received == []


# --- Después de reiniciar ---------------------------------------------------------------


@pytest.mark.kinds(*PERSISTENT)
@pytest.mark.gen_test(timeout=60)
async def test_deletions_and_clears_survive_a_restart(fresh, class_of, room) -> None:
    teacher, ana = await lesson(fresh, class_of, room)
    bad = [await ana.say_acked(f"m{n}", f"a{n}") for n in range(3)][1]
    await order(teacher, "delete", seq=bad)
    await fresh.restart()
    (late,) = class_of(fresh, 1)
    welcome = await late.enter(room)
    assert welcome["deleted"] == [bad] and "m1" not in str(welcome)
    assert [event.get("text") for event in welcome["history"]] == ["m0", None, "m2"]
    await teacher.enter(room)  # Con --teacher-key, la cookie sigue valiendo.
    assert teacher.welcome["role"] == "teacher"
    await order(teacher, "clear")
    await fresh.restart()
    welcome = await late.enter(room)
    assert (welcome["history"], welcome["cleared"], welcome["deleted"]) == ([], 3, [])
    assert await late.say_acked("después", "l1") == 4


@pytest.mark.kinds(*PERSISTENT)
@pytest.mark.gen_test(timeout=60)
async def test_a_locked_and_slow_room_is_still_so_after_a_restart(fresh, class_of, room) -> None:
    teacher, ana = await lesson(fresh, class_of, room)
    await order(teacher, "lock", locked=True)
    await order(teacher, "slow", seconds=30)
    await fresh.restart()
    welcome = await ana.enter(room)
    assert welcome["room_state"] == {"locked": True, "slow": 30}
    await ana.say("¿y ahora?", "a1")
    assert (await ana.next_of("error", cid="a1"))["code"] == "locked"
