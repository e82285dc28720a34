"""Palabras prohibidas y apodos de profesora: lo que no se admite (issue 21, lección 14).

Cada configuración arranca con la lista del repositorio (stack2_http/palabras_prohibidas.txt,
ver deployments.py), que prohíbe «cabrón» y «puto».
"""

from __future__ import annotations

import pytest

from tests.conformance.students import until_present


@pytest.mark.gen_test(timeout=30)
async def test_a_message_with_a_banned_word_gets_banned_word_and_nobody_else_sees_it(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    await ana.enter(room)
    await luis.enter(room)
    await until_present(ana, luis)
    await ana.say("Eres un CABR0N", "c1")
    refused = await ana.next_of("error", cid="c1")
    assert refused["code"] == "banned_word"
    assert "cabr" not in refused["text"].lower(), "El aviso no repite la palabra"
    # La misma conexión sigue sirviendo, y lo siguiente que ve Luis es el mensaje limpio:
    # los mensajes de una sala llegan en orden, así que el prohibido nunca se repartió.
    assert await ana.say_acked("Hola, Luis", "c2") == 1, "El prohibido no gastó un seq"
    assert (await luis.next_of("message"))["text"] == "Hola, Luis"


@pytest.mark.gen_test(timeout=30)
async def test_a_refused_message_never_reaches_the_history(deployment, class_of, room) -> None:
    ana, late = class_of(deployment, 2)
    await ana.enter(room)
    await ana.say("p.u.t.o el que lo lea", "c1")
    assert (await ana.next_of("error", cid="c1"))["code"] == "banned_word"
    await ana.say_acked("Buenos días", "c2")
    welcome = await late.enter(room)
    assert [event["text"] for event in welcome["history"]] == ["Buenos días"]


@pytest.mark.gen_test(timeout=30)
async def test_a_private_with_a_banned_word_is_refused_and_never_delivered(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    await luis.enter(room)
    await ana.enter(room)
    await until_present(ana, luis)
    await ana.send("private", to=luis.me, text="puuuto")
    assert (await ana.next_of("error"))["code"] == "banned_word"
    await ana.send("private", to=luis.me, text="¿Me pasas los deberes?")
    assert (await luis.next_of("private"))["text"] == "¿Me pasas los deberes?"


@pytest.mark.gen_test(timeout=30)
async def test_a_nick_with_a_banned_word_is_refused_and_the_room_never_sees_it(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    await luis.enter(room)
    await ana.enter(room)
    await until_present(luis, ana)
    await ana.send("nick", nick="Cabrón")
    assert (await ana.next_of("error"))["code"] == "banned_word"
    await ana.send("nick", nick="Ana")
    assert (await luis.next_of("nick", who=ana.me))["nick"] == "Ana"


@pytest.mark.gen_test(timeout=30)
async def test_a_student_cannot_take_a_nick_that_looks_like_the_teacher(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    await luis.enter(room)
    await ana.enter(room)
    await until_present(luis, ana)
    for nick in ("Profe", "Pr0fesora", "la_profe", "ADMIN"):
        await ana.send("nick", nick=nick)
        refused = await ana.next_of("error")
        assert refused["code"] == "invalid_nick", f"«{nick}»: {refused}"
        assert "reservado" in refused["text"]
    await ana.send("nick", nick="Ana")
    assert (await luis.next_of("nick", who=ana.me))["nick"] == "Ana", "Vio un apodo de profe"


@pytest.mark.gen_test(timeout=30)
async def test_a_teacher_nick_in_the_address_is_refused_and_the_student_enters_without_it(
    deployment, class_of, room
) -> None:
    ana, luis = class_of(deployment, 2)
    await luis.enter(room)
    welcome = await ana.enter(room, nick="Profesora")
    assert welcome["nick"] is None
    assert (await ana.next_of("error"))["code"] == "invalid_nick"
    assert (await luis.next_of("join", who=ana.me))["nick"] is None


@pytest.mark.gen_test(timeout=30)
async def test_the_teacher_may_call_herself_profe_and_the_room_sees_it(
    deployment, class_of, room
) -> None:
    teacher, luis = class_of(deployment, 2)
    await teacher.become_teacher()
    await luis.enter(room)
    await teacher.enter(room)
    await until_present(luis, teacher)
    await teacher.send("nick", nick="Profe")
    renamed = await luis.next_of("nick", who=teacher.me)
    assert renamed["nick"] == "Profe", "Solo la profesora puede llamarse «Profe»"


@pytest.mark.gen_test(timeout=30)
async def test_a_banned_word_is_refused_to_the_teacher_too(deployment, class_of, room) -> None:
    teacher, luis = class_of(deployment, 2)
    await teacher.become_teacher()
    await luis.enter(room)
    await teacher.enter(room)
    await until_present(luis, teacher)
    await teacher.say("Eres un cabrón", "c1")
    assert (await teacher.next_of("error", cid="c1"))["code"] == "banned_word"
    await teacher.say_acked("Buenos días", "c2")
    assert (await luis.next_of("message"))["text"] == "Buenos días", "Luis vio el prohibido"
