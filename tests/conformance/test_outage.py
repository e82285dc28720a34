"""Averías: Redis que cae y vuelve, procesos que se reinician o mueren (lecciones 10 y 12).

Aquí cada prueba tiene su propia configuración (``fresh``): rompe cosas.
"""

from __future__ import annotations

import asyncio

import pytest
from tornado.httpclient import AsyncHTTPClient

from tests.conformance.deployments import SEVERAL_PROCESSES, WITH_REDIS
from tests.conformance.students import until_present

# Lo que puede tardar un proceso en notar que Redis volvió (reconecta con esperas crecientes).
BACK_TIMEOUT = 15


async def until_status(student, degraded: bool) -> None:
    """Espera al aviso ``status`` con ``degraded``: Redis cayó (True) o volvió (False)."""
    await student.next_of("status", timeout=BACK_TIMEOUT, degraded=degraded)


async def until_every_process_is_back(deployment) -> None:
    """Pregunta a /healthz de cada proceso hasta que todos vuelven a hablar con Redis.

    Sin evento que esperar: un proceso sin nadie conectado no avisa a nadie de que volvió.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BACK_TIMEOUT
    for index in range(len(deployment.processes)):
        url = deployment.process_base(index) + "/healthz"
        while (await AsyncHTTPClient().fetch(url, raise_error=False)).code != 200:
            if loop.time() > deadline:
                raise AssertionError(f"El proceso {index} no volvió a hablar con Redis")
            await asyncio.sleep(0.05)


# --- Reiniciar ------------------------------------------------------------------------


@pytest.mark.gen_test(timeout=60)
async def test_after_a_restart_the_history_and_the_epoch_are_kept_or_a_new_epoch_says_so(
    fresh, class_of, room
) -> None:
    ana, luis = class_of(fresh, 2)
    welcome = await ana.enter(room)
    for n in range(3):
        await ana.say_acked(f"antes {n}", f"c{n}")
    await fresh.restart()
    assert (await ana.closed())[0] == 1001, "Al apagar, los clientes reciben 1001"
    again = await luis.enter(room, since=3, epoch=welcome["epoch"])
    if fresh.keeps_history_on_restart:
        assert (again["epoch"], again["recovered"], again["seq"]) == (welcome["epoch"], True, 3)
        assert await luis.say_acked("después", "d1") == 4  # Y la cuenta sigue.
    else:  # --db=:memory: no guarda nada: otra historia, y la página lo sabe.
        assert again["epoch"] != welcome["epoch"]
        assert (again["recovered"], again["reason"], again["history"]) == (
            False,
            "epoch_changed",
            [],
        )


@pytest.mark.gen_test(timeout=60)
async def test_a_retry_after_a_restart_is_still_recognised_when_the_history_is_kept(
    fresh, class_of, room
) -> None:
    (ana,) = class_of(fresh, 1)
    before = await ana.enter(room)
    await ana.say_acked("otro antes", "primero")
    seq = await ana.say_acked("una vez", "mismo")
    await fresh.restart()
    after = await ana.enter(room)
    again = await ana.say_acked("una vez", "mismo")
    if fresh.keeps_history_on_restart:
        assert again == seq == 2, "El reintento tras reiniciar debe reconocerse"
    else:  # Otra historia (epoch nuevo), y la página ya sabe que empieza de cero.
        assert (after["epoch"] != before["epoch"], again) == (True, 1)


# --- Redis cae y vuelve -------------------------------------------------------------------


@pytest.mark.kinds(*WITH_REDIS)
@pytest.mark.gen_test(timeout=60)
async def test_with_redis_down_sends_get_unavailable_and_a_retry_goes_through_when_it_returns(
    fresh, class_of, room
) -> None:
    sender, other = class_of(fresh, 2)
    await sender.enter(room)
    await other.enter(room)
    await sender.say_acked("antes", "c0")
    fresh.redis.stop(keep_data=True)
    for student in (sender, other):
        await until_status(student, degraded=True)
    await sender.say("durante el corte", "c1")
    error = await sender.next_of("error", cid="c1")
    assert error["code"] == "unavailable"
    fresh.redis.start()
    for student in (sender, other):
        await until_status(student, degraded=False)
    assert await sender.say_acked("durante el corte", "c1") == 2  # La página reintenta.
    assert [e["text"] for e in await other.messages(2)] == ["antes", "durante el corte"]
    assert sender.conn.close_code is None and other.conn.close_code is None


@pytest.mark.kinds(*WITH_REDIS)
@pytest.mark.gen_test(timeout=60)
async def test_a_room_first_entered_while_redis_is_down_works_when_redis_returns(
    fresh, class_of, room
) -> None:
    watcher, newcomer, friend = class_of(fresh, 3)
    await watcher.enter()  # Alguien en «general», para saber cuándo cae y vuelve.
    fresh.redis.stop(keep_data=True)
    await until_status(watcher, degraded=True)
    await newcomer.enter(room)  # Una sala que ningún proceso seguía.
    fresh.redis.start()
    await until_status(watcher, degraded=False)
    await until_status(newcomer, degraded=False)
    await friend.enter(room)
    await newcomer.say("ya funciona", "c1")
    for student in (newcomer, friend):
        got = await student.next_of("message")
        assert (got["text"], got["room"]) == ("ya funciona", room)


@pytest.mark.kinds(*WITH_REDIS)
@pytest.mark.gen_test(timeout=60)
async def test_redis_back_empty_is_a_new_epoch_and_no_resume_is_told_nothing_was_lost(
    fresh, class_of, room
) -> None:
    ana, luis = class_of(fresh, 2)
    welcome = await ana.enter(room)
    await luis.enter(room)
    seq = await ana.say_acked("se perderá", "c0")
    await luis.next_of("message")
    fresh.redis.stop(keep_data=False)
    fresh.redis.start()  # Vacío: sin historial y sin epoch.
    # Un cliente que retoma enseguida, en cualquier proceso, antes o después de que ese
    # proceso note el cambio: nunca «recovered: true» sobre una historia que ya no existe.
    for resumer in class_of(fresh, 2):  # Con dos procesos, uno en cada uno.
        again = await resumer.enter(room, since=seq, epoch=welcome["epoch"])
        assert again["recovered"] is not True, f"Se dio por recuperada una historia: {again}"
    for student in (ana, luis):
        code, _ = await student.closed(BACK_TIMEOUT)
        assert code == 1012, "Quien estaba dentro vuelve a conectar: la historia cambió"


@pytest.mark.kinds(*WITH_REDIS)
@pytest.mark.gen_test(timeout=60)
async def test_a_resume_while_redis_is_down_is_not_recovered_and_once_it_returns_it_is(
    fresh, class_of, room
) -> None:
    # Una diferencia legítima, escrita: sin Redis (memoria, SQLite) la historia vive en el
    # proceso y esto no puede pasar. Con Redis caído, el proceso no puede saber si la
    # historia seguirá existiendo cuando vuelva (pudo volver vacío): quien retoma entra,
    # con lo que tenga el proceso, pero con «recovered: false» y «unavailable», nunca con
    # un «no te perdiste nada» sin comprobar. Al volver Redis con sus datos, sí recupera.
    ana, luis = class_of(fresh, 2)
    welcome = await ana.enter(room)
    await luis.enter(room)
    await ana.say_acked("visto", "c0")
    seen = (await luis.next_of("message"))["seq"]
    luis.leave()
    await luis.closed()
    await ana.say_acked("perdido", "c1")
    fresh.redis.stop(keep_data=True)
    await until_status(ana, degraded=True)
    during = await luis.enter(room, since=seen, epoch=welcome["epoch"])
    assert (during["recovered"], during["reason"]) == (False, "unavailable")
    fresh.redis.start()
    await until_every_process_is_back(fresh)  # Detrás de nginx, puede entrar en cualquiera.
    after = await luis.enter(room, since=seen, epoch=welcome["epoch"])
    assert after["recovered"] is True
    assert [event["text"] for event in after["history"]] == ["perdido"]


@pytest.mark.kinds(*SEVERAL_PROCESSES)
@pytest.mark.gen_test(timeout=60)
async def test_a_private_message_for_another_process_while_redis_is_down_says_it_did_not_arrive(
    fresh, class_of, room
) -> None:
    # Una diferencia legítima entre configuraciones: con un solo proceso el privado llega
    # (no necesita Redis); con dos, si el destinatario está en el otro, no puede llegar, y
    # quien lo envía lo sabe (nunca una copia como si hubiera llegado).
    target, sender = class_of(fresh, 2)
    await target.enter(room)
    await sender.enter(room)
    await until_present(sender, target)
    fresh.redis.stop(keep_data=True)
    await until_status(sender, degraded=True)
    await sender.send("private", to=target.me, text="¿me oyes?")
    answer = await sender.next_event()
    if answer["type"] == "private":  # Detrás de nginx, los dos pueden estar en el mismo.
        assert (await target.next_of("private"))["text"] == "¿me oyes?"
    else:
        assert (answer["type"], answer["code"]) == ("error", "unavailable")
        assert "privado" in answer["text"]


@pytest.mark.kinds("redis", "memoria", "sqlite")
@pytest.mark.gen_test(timeout=60)
async def test_with_one_process_a_private_message_needs_no_redis(fresh, class_of, room) -> None:
    target, sender = class_of(fresh, 2)
    await target.enter(room)
    await sender.enter(room)
    await until_present(sender, target)
    if fresh.redis is not None:
        fresh.redis.stop(keep_data=True)
        await until_status(sender, degraded=True)
    await sender.send("private", to=target.me, text="¿me oyes?")
    assert (await target.next_of("private"))["text"] == "¿me oyes?"


# --- Un proceso muere ----------------------------------------------------------------------


@pytest.mark.kinds(*SEVERAL_PROCESSES)
@pytest.mark.gen_test(timeout=60)
async def test_the_students_of_a_killed_process_resume_on_the_other_with_nothing_lost(
    fresh, class_of, room
) -> None:
    students = class_of(fresh, 6)
    for student in students:
        await student.enter(room)
    await students[0].say_acked("antes", "c0")
    last = {student: (await student.next_of("message"))["seq"] for student in students}
    fresh.processes[0].kill()
    # Un proceso que muere cierra sus sockets al instante (y nginx, los de sus clientes):
    # en dos segundos, quien estaba en él ya lo sabe; quien sigue abierto está en el otro.
    readers = {student._reader: student for student in students}
    done, _ = await asyncio.wait(list(readers), timeout=2)
    dropped = [readers[reader] for reader in done]
    survivors = [student for student in students if student not in dropped]
    assert dropped and survivors, "Los estudiantes no estaban repartidos entre los dos procesos"
    speaker = survivors[0]
    for n in range(3):
        await speaker.say_acked(f"mientras {n}", f"m{n}")
    for student in dropped:
        student.n = speaker.n  # Vuelven a entrar: sin nginx, por el proceso que sigue vivo.
        again = await student.enter(room, since=last[student], epoch=speaker.welcome["epoch"])
        assert again["recovered"] is True
        assert [e["text"] for e in again["history"]] == ["mientras 0", "mientras 1", "mientras 2"]
