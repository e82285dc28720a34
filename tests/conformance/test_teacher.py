"""La profesora (issue 21) en cada configuración: quién es, qué puede hacer y que se vea.

La profesora entra con su enlace (``Student.become_teacher()``: /profe?clave=…, la cookie
firmada) y modera; un estudiante no puede. Con dos procesos, la profesora entra por el
primero y el estudiante por el segundo: cada efecto tiene que cruzar Redis. Donde la
historia sobrevive a un reinicio, lo que decidió la profesora también.
"""

from __future__ import annotations

import pytest

from tests.conformance.students import Student


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
