"""La profesora en Chromium: su insignia, sus controles y lo que ven sus estudiantes (lección 14).

Como en clase con `--redis`: un redis-server y dos `stack2_http/server.py` de verdad. La
profesora entra por el enlace de su terminal (/profe?clave=…) en un proceso, y los
estudiantes, en el otro o en el mismo; lo que ella hace tiene que verse en los dos.
Cada prueba usa sus propias salas: así las pruebas no se ven entre ellas.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.a11y import TEXT_CONTRAST_PROBLEMS, UNLABELLED_CONTROLS
from tests.browser.clients import IDENTITY, Stack2, expect, message_box, message_log, say, status
from tests.services import ChatServer, RedisServer

pytestmark = pytest.mark.gen_test(timeout=60)

KEY = "clave-de-la-prueba"
SECRET = "secreto-de-la-prueba-" + "s" * 32
START_TIMEOUT = 30


class Processes:
    """Dos procesos del Stack 2 con el mismo Redis, la misma clave y el mismo secreto."""

    def __init__(self, servers: list[ChatServer]) -> None:
        self.servers = servers
        self.cookie = teacher_cookie(self.teacher_link(0, "general"))

    def room(self, process: int, room: str) -> str:
        return f"http://127.0.0.1:{self.servers[process].port}/sala/{room}"

    def teacher_link(self, process: int, room: str) -> str:
        """El enlace que imprime el banner, con la sala en la que entra la profesora."""
        return f"http://127.0.0.1:{self.servers[process].port}/profe?clave={KEY}&sala={room}"


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None  # Se queda con la respuesta 302, que trae la cookie.


def teacher_cookie(link: str) -> str:
    """El valor de la cookie «profe» que da el enlace de la profesora (una sola vez).

    /profe admite pocos intentos por dirección (5 seguidos, uno más cada 10 s), también
    los buenos: cada prueba reutiliza esta cookie en vez de volver a abrir el enlace.
    """
    try:
        urllib.request.build_opener(NoRedirects).open(link, timeout=START_TIMEOUT)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302, f"/profe con la clave buena debía redirigir: {answer.code}"
        return answer.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    raise AssertionError("/profe con la clave buena debía redirigir al chat")


async def drain(process: asyncio.subprocess.Process) -> None:
    """Lee lo que escribe el servidor hasta que acaba: con la tubería llena, se pararía."""
    streams = [process.stdout, process.stderr]
    await asyncio.gather(*(stream.read() for stream in streams if stream is not None))
    await process.wait()


async def stop(server: ChatServer, reader: asyncio.Task[None]) -> None:
    """SIGTERM, y esperar a que termine (su salida la lee ``drain``); si no, SIGKILL."""
    with contextlib.suppress(ProcessLookupError):
        server.process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.shield(reader), 10)
    except asyncio.TimeoutError:
        server.process.kill()
        await reader


@pytest.fixture(scope="module")
def processes(browser: Any, io_loop, tmp_path_factory) -> Iterator[Processes]:
    """Redis y dos procesos del chat, para todas las pruebas de este archivo."""
    redis = RedisServer(tmp_path_factory.mktemp("redis"))
    redis.start()
    args = (f"--redis={redis.url}", f"--teacher-key={KEY}", f"--cookie-secret={SECRET}")
    servers: list[ChatServer] = []
    readers: list[asyncio.Task[None]] = []
    try:
        for _ in range(2):
            server = io_loop.run_sync(lambda: ChatServer.start(*args), timeout=START_TIMEOUT)
            servers.append(server)
            readers.append(io_loop.asyncio_loop.create_task(drain(server.process)))
        yield Processes(servers)
    finally:
        for server, reader in zip(servers, readers):
            io_loop.run_sync(lambda s=server, r=reader: stop(s, r), timeout=START_TIMEOUT)
        redis.stop()


async def enter(open_page, url: str, **context_options: Any):
    """Abre la página (o el enlace de la profesora) y espera su welcome."""
    watched = await open_page(url, **context_options)
    await expect(status(watched.page)).to_have_attribute("data-state", "online")
    await expect(watched.page.locator("#me"), "La página no recibió su welcome").to_have_text(
        IDENTITY
    )
    return watched


async def enter_as_teacher(open_page, processes: Processes, room: str):
    """La página de la profesora en el proceso 0, con la cookie que ya le dio /profe."""
    cookie = {"name": "profe", "value": processes.cookie, "domain": "127.0.0.1", "path": "/"}
    cookie.update(httpOnly=True, sameSite="Strict", expires=-1, secure=False)
    state = {"cookies": [cookie], "origins": []}
    return await enter(open_page, processes.room(0, room), storage_state=state)


def lines(page):
    """Los mensajes que el servidor guardó (sin los pendientes ni los rechazados)."""
    return message_log(page).locator("li.message:not(.pending):not(.failed) .text")


def notices(page):
    return message_log(page).locator("li.notice")


def online(page):
    return page.get_by_role("list", name="Personas en línea").get_by_role("listitem")


async def test_a_message_the_teacher_deletes_leaves_both_students_pages(
    processes, open_page
) -> None:
    teacher = await enter_as_teacher(open_page, processes, "borrar")
    ana = await enter(open_page, processes.room(1, "borrar"))  # En el otro proceso.
    luis = await enter(open_page, processes.room(0, "borrar"))
    await say(ana.page, "un insulto")
    await expect(lines(luis.page)).to_have_text(["un insulto"])  # Luis contesta después.
    await say(luis.page, "¡hola!")
    for watched in (teacher, ana, luis):
        await expect(lines(watched.page)).to_have_text(["un insulto", "¡hola!"])

    await teacher.page.get_by_role("button", name=re.compile(r"^Borrar el mensaje")).first.click()
    for watched in (ana, luis, teacher):
        await expect(lines(watched.page), "El mensaje borrado seguía en la página").to_have_text(
            ["¡hola!"]
        )
        deleted = notices(watched.page).filter(has_text="La profesora ha borrado un mensaje.")
        await expect(deleted).to_have_count(1)
    # Quien llega después tampoco lo ve: el servidor ya no lo tiene.
    late = await enter(open_page, processes.room(1, "borrar"))
    await expect(lines(late.page)).to_have_text(["¡hola!"])
    errors = teacher.errors + ana.errors + luis.errors + late.errors
    assert not errors, f"Errores de JavaScript: {errors}"


async def test_a_locked_room_tells_its_students_and_refuses_their_message(
    processes, open_page
) -> None:
    teacher = await enter_as_teacher(open_page, processes, "bloqueo")
    ana = await enter(open_page, processes.room(1, "bloqueo"))  # En el otro proceso.
    luis = await enter(open_page, processes.room(1, "recreo-bloqueo"))  # En otra sala.
    lock = teacher.page.get_by_role("button", name="Bloquear la sala")
    await lock.click()
    await expect(teacher.page.get_by_role("button", name="Desbloquear la sala")).to_be_visible()
    state = ana.page.locator("#room-state")
    await expect(state).to_have_text("La sala está bloqueada: solo la profesora puede escribir.")
    await message_box(ana.page).fill("¿puedo hablar?")
    await message_box(ana.page).press("Enter")
    refused = message_log(ana.page).locator("li.failed")
    await expect(refused, "El mensaje de Ana debía quedar como no enviado").to_contain_text(
        "No se envió"
    )
    await expect(lines(teacher.page)).to_have_count(0)
    # La profesora sí escribe, y la otra sala sigue como estaba.
    await say(teacher.page, "Ahora hablo yo")
    await expect(lines(ana.page)).to_have_text(["Ahora hablo yo"])
    await say(luis.page, "en el recreo se puede")
    await expect(lines(luis.page)).to_have_text(["en el recreo se puede"])
    await expect(luis.page.locator("#room-state")).to_be_hidden()


async def test_the_teacher_has_a_profe_badge_and_only_she_sees_the_controls(
    processes, open_page
) -> None:
    # Esta sí, por el enlace de la terminal, como lo abre la profesora.
    teacher = await enter(open_page, processes.teacher_link(0, "insignia"))
    ana = await enter(open_page, processes.room(1, "insignia"))
    await say(teacher.page, "Buenos días")
    rows = message_log(ana.page).locator("li.message")
    await expect(rows).to_have_count(1)  # Ana contesta cuando ya lo ve: el suyo va detrás.
    await say(ana.page, "Buenos días, profe")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0).locator(".badge.teacher")).to_have_text("profe")
    await expect(rows.nth(1).locator(".badge.teacher")).to_have_count(0)
    teacher_id = await Stack2.identity(teacher.page)
    entry = online(ana.page).filter(has_text=teacher_id)
    await expect(
        entry.locator(".badge.teacher"), "La lista debía marcar a la profesora"
    ).to_have_text("profe")
    # Los controles, solo en la página de la profesora.
    await expect(teacher.page.get_by_role("heading", name="Eres la profesora")).to_be_visible()
    await expect(ana.page.get_by_role("heading", name="Eres la profesora")).to_be_hidden()
    await expect(
        teacher.page.get_by_role("button", name=re.compile("^Borrar el mensaje"))
    ).to_have_count(2)
    await expect(
        ana.page.get_by_role("button", name=re.compile("^Borrar el mensaje"))
    ).to_have_count(0)
    await expect(online(teacher.page).filter(has_text="Moderar")).to_have_count(1)
    await expect(online(ana.page).filter(has_text="Moderar")).to_have_count(0)


async def test_a_kicked_student_sees_why_and_her_page_stops_knocking(processes, open_page) -> None:
    teacher = await enter_as_teacher(open_page, processes, "expulsar")
    luis = await enter(open_page, processes.room(1, "expulsar"))
    # El reloj de la página de Luis, parado: sus reintentos solo corren si la prueba lo dice.
    await luis.page.clock.install()
    luis_id = await Stack2.identity(luis.page)
    person = online(teacher.page).filter(has_text=luis_id)
    await person.get_by_text("Moderar").click()
    await person.get_by_role("button", name="Expulsar 10 min").click()
    await expect(notices(luis.page).filter(has_text="Has salido de la sala")).to_have_count(1)
    await expect(luis.page.get_by_role("status")).to_have_attribute("data-state", "offline")
    sockets = len(luis.websockets)
    await luis.page.clock.run_for(60_000)  # Un minuto entero de reintentos, si los hubiera.
    assert len(luis.websockets) == sockets, "La página expulsada siguió llamando a la puerta"
    # Si recarga antes de tiempo, el servidor lo cierra antes del welcome, y la página lo dice.
    await luis.page.reload()
    refused = notices(luis.page).filter(has_text="No puedes entrar en la sala")
    await expect(refused).to_contain_text("No puedes volver a esta sala hasta dentro de 10 min")
    sockets = len(luis.websockets)
    await luis.page.clock.run_for(60_000)
    assert len(luis.websockets) == sockets, "La página recargada siguió llamando a la puerta"


async def test_a_page_that_was_away_drops_what_the_teacher_deleted_when_it_comes_back(
    processes, open_page
) -> None:
    teacher = await enter_as_teacher(open_page, processes, "vuelta")
    ana = await enter(open_page, processes.room(1, "vuelta"))
    await say(teacher.page, "se queda")
    await expect(lines(ana.page)).to_have_text(["se queda"])  # Ana escribe después.
    await say(ana.page, "me arrepiento")
    await expect(lines(ana.page)).to_have_text(["se queda", "me arrepiento"])
    # Ana se va a otra página; la pestaña recuerda lo que vio (sessionStorage).
    await ana.page.goto("about:blank")
    await teacher.page.get_by_role("button", name=re.compile(r"^Borrar el mensaje")).last.click()
    await expect(message_log(teacher.page).locator("li.notice.deleted")).to_have_count(1)
    # Al volver, la pestaña pinta lo que recordaba y el welcome dice qué se borró mientras.
    await ana.page.goto(processes.room(1, "vuelta"))
    await expect(status(ana.page)).to_have_attribute("data-state", "online")
    await expect(lines(ana.page), "Al volver, el mensaje borrado seguía ahí").to_have_text(
        ["se queda"]
    )


async def test_emptying_the_room_asks_first_and_then_empties_every_page(
    processes, open_page
) -> None:
    teacher = await enter_as_teacher(open_page, processes, "vaciar")
    ana = await enter(open_page, processes.room(1, "vaciar"))
    await say(ana.page, "uno")
    await say(ana.page, "dos")
    await expect(lines(teacher.page)).to_have_text(["uno", "dos"])
    empty = teacher.page.get_by_role("button", name="Vaciar la sala")
    await empty.click()  # El navegador de la prueba contesta «Cancelar» a la pregunta…
    await say(ana.page, "tres")
    await expect(lines(teacher.page)).to_have_text(["uno", "dos", "tres"])
    assert teacher.dialogs[-1:] == [
        "confirm: ¿Vaciar la sala? Sus mensajes se borran para todos, también del historial."
    ], f"Vaciar debía preguntar antes: {teacher.dialogs}"
    # …y ahora «Aceptar».
    await teacher.page.evaluate("window.confirm = () => true")
    await empty.click()
    for watched in (teacher, ana):
        await expect(lines(watched.page), "La sala vaciada seguía con mensajes").to_have_count(0)
        emptied = notices(watched.page).filter(has_text="La profesora ha vaciado la sala.")
        await expect(emptied).to_have_count(1)


async def test_a_muted_student_sees_her_minutes_count_down_even_after_reloading(
    processes, open_page
) -> None:
    teacher = await enter_as_teacher(open_page, processes, "silencio")
    luis = await enter(open_page, processes.room(1, "silencio"))
    luis_id = await Stack2.identity(luis.page)
    person = online(teacher.page).filter(has_text=luis_id)
    await person.get_by_text("Moderar").click()
    await person.get_by_role("button", name="Silenciar 5 min").click()
    state = luis.page.locator("#room-state")
    await expect(state).to_have_text("Te ha silenciado la profesora: quedan 5 min.")
    await message_box(luis.page).fill("¿por qué?")
    await message_box(luis.page).press("Enter")
    refused = message_log(luis.page).locator("li.failed")
    await expect(refused).to_contain_text("No se envió: La profesora te ha silenciado")
    # Al recargar, el welcome trae lo que queda; y la cuenta baja sola (reloj de la página).
    await luis.page.clock.install()
    await luis.page.reload()
    await expect(state).to_have_text(
        re.compile(r"^Te ha silenciado la profesora: quedan [45] min\.$")
    )
    await luis.page.clock.run_for(4 * 60_000)
    await expect(state).to_have_text(re.compile(r"^Te ha silenciado la profesora: quedan \d+ s\.$"))
    # Recargar le dio otra IP:puerto (el mismo dispositivo, ya con su welcome: la cuenta
    # de arriba sale de él): la profesora lo busca con ella.
    person = online(teacher.page).filter(has_text=await Stack2.identity(luis.page))
    await person.get_by_text("Moderar").click()
    await person.get_by_role("button", name="Quitar el silencio").click()
    await expect(state).to_be_hidden()
    unmuted = notices(luis.page).filter(has_text="te ha quitado el silencio")
    await expect(unmuted).to_have_count(1)


async def test_in_slow_mode_a_second_message_waits_its_turn_instead_of_failing(
    processes, open_page
) -> None:
    teacher = await enter_as_teacher(open_page, processes, "lento")
    ana = await enter(open_page, processes.room(1, "lento"))
    await teacher.page.get_by_role("button", name="Modo lento (10 s)").click()
    state = ana.page.locator("#room-state")
    await expect(state).to_have_text("Sala en modo lento: un mensaje cada 10 s.")
    await say(ana.page, "uno")
    await expect(lines(teacher.page)).to_have_text(["uno"])
    await say(ana.page, "dos")
    waiting = message_log(ana.page).locator("li.pending")
    await expect(waiting).to_contain_text(re.compile(r"modo lento: sale dentro de \d+ s"))
    # El servidor cuenta los 10 s con su reloj: se espera a que el mensaje llegue solo.
    await expect(lines(teacher.page)).to_have_text(["uno", "dos"], timeout=15_000)
    await expect(message_log(ana.page).locator("li.failed")).to_have_count(0)


async def test_the_teachers_controls_and_the_notices_are_readable_and_named(
    processes, open_page
) -> None:
    teacher = await enter_as_teacher(open_page, processes, "legible")
    ana = await enter(open_page, processes.room(1, "legible"))
    await say(ana.page, "borra esto")
    await say(ana.page, "y esto no")
    await teacher.page.get_by_role("button", name=re.compile(r"^Borrar el mensaje")).first.click()
    await teacher.page.get_by_role("button", name="Bloquear la sala").click()
    await teacher.page.get_by_role("button", name="Modo lento (10 s)").click()
    await online(teacher.page).get_by_text("Moderar").click()  # El menú, abierto.
    await expect(ana.page.locator("#room-state")).to_contain_text("modo lento")
    for watched in (teacher, ana):
        await expect(message_log(watched.page).locator("li.notice.deleted")).to_have_count(1)
        problems = await watched.page.evaluate(TEXT_CONTRAST_PROBLEMS)
        assert problems == [], "Texto poco legible:\n" + "\n".join(problems)
        unlabelled = await watched.page.evaluate(UNLABELLED_CONTROLS)
        assert unlabelled == [], f"Controles sin nombre: {unlabelled}"
