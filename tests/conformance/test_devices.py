"""Una clase son muchos dispositivos: límites por persona, pestañas y una clase de 60.

Los límites por dirección (lección 7) protegen a la clase de un dispositivo: cuentan
dispositivos, no a nginx ni a las pestañas de un mismo portátil.
"""

from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser

import pytest

from tests.conformance.deployments import SEVERAL_PROCESSES
from tests.conformance.students import TIMEOUT, Student, new_address

# Lo que abre un navegador por pestaña, además del WebSocket: conexiones HTTP que deja
# abiertas un rato (keep-alive) por si pide algo más.
KEEPALIVES_PER_TAB = 5


@pytest.mark.gen_test(timeout=60)
async def test_twenty_five_students_all_get_in(deployment, class_of, room) -> None:
    # Detrás de nginx, todas las conexiones llegan desde la IP de nginx: los límites por
    # dirección deben contar estudiantes, no a nginx.
    students = class_of(deployment, 25)
    for student in students:
        welcome = await student.enter(room)
        assert welcome["you"].startswith(student.address + ":"), welcome["you"]


@pytest.mark.gen_test(timeout=60)
async def test_five_students_sending_six_messages_each_are_never_too_fast(
    deployment, class_of, room
) -> None:
    students = class_of(deployment, 5)
    for student in students:
        await student.enter(room)
    for n in range(6):
        for student in students:
            await student.say(f"{n}", f"{student.n}-{n}")
    for student in students:
        for _ in range(6):
            await student.next_of("ack")
        assert student.unread_of("error") == [], student.unread_of("error")


@pytest.mark.gen_test(timeout=60)
async def test_ten_tabs_on_one_laptop_all_connect(deployment, class_of, room) -> None:
    laptop = new_address()
    tabs = class_of(deployment, 10, address=laptop)
    idle = []
    try:
        for tab in tabs:  # Cada pestaña carga la página y deja sus conexiones abiertas.
            idle += await keepalive_page_load(deployment, tab.n, laptop)
            welcome = await tab.enter(room)
            assert welcome["you"].startswith(laptop + ":")
        await tabs[0].say("desde la primera pestaña", "c1")
        for tab in tabs:
            assert (await tab.next_of("message"))["text"] == "desde la primera pestaña"
    finally:
        for writer in idle:
            writer.close()


@pytest.mark.gen_test(timeout=120)
async def test_a_class_of_60_devices_loads_the_page_and_every_message_reaches_everyone(
    deployment, class_of, room
) -> None:
    students = class_of(deployment, 60)
    for student in students:
        await load_page(student, room)
        await student.enter(room)
    speakers = students[:3]
    for n in range(2):
        for speaker in speakers:
            await speaker.say(f"{speaker.n}:{n}", f"{speaker.n}-{n}")
    first = await students[0].messages(6, timeout=TIMEOUT * 2)
    assert sorted(event["text"] for event in first) == sorted(
        f"{speaker.n}:{n}" for speaker in speakers for n in range(2)
    )
    for student in students[1:]:
        assert await student.messages(6, timeout=TIMEOUT * 2) == first
    for student in students:
        assert student.unread_of("message") == []


@pytest.mark.kinds(*SEVERAL_PROCESSES)
@pytest.mark.gen_test(timeout=120)
async def test_a_class_of_60_whose_process_dies_resumes_on_the_other_with_nothing_lost(
    fresh, class_of, room
) -> None:
    students = class_of(fresh, 60)
    for student in students:
        await student.enter(room)
    await students[0].say_acked("antes", "c0")
    last = {student: (await student.next_of("message"))["seq"] for student in students}
    fresh.processes[0].kill()
    readers = {student._reader: student for student in students}
    done, _ = await asyncio.wait(list(readers), timeout=2)
    dropped = [readers[reader] for reader in done]
    survivors = [student for student in students if student not in dropped]
    assert len(dropped) >= 10 and len(survivors) >= 10, (len(dropped), len(survivors))
    for n in range(3):
        await survivors[0].say_acked(f"mientras {n}", f"m{n}")
    for student in dropped:
        student.n = survivors[0].n  # Sin nginx, al proceso que sigue vivo.
        again = await student.enter(room, since=last[student], epoch=students[0].welcome["epoch"])
        assert again["recovered"] is True, again
        assert [e["text"] for e in again["history"]] == ["mientras 0", "mientras 1", "mientras 2"]


# --- Cargar la página como un navegador ------------------------------------------------


class _Assets(HTMLParser):
    """Las direcciones que un navegador pide al cargar la página: estilos, scripts, imágenes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        fields = dict(attrs)
        for name in ("src", "href"):
            value = fields.get(name)
            if value and value.startswith("/") and (tag != "a"):
                self.found.append(value)


# import … from "./x.js" e import "./x.js": lo que un módulo pide a su vez.
_IMPORTS = re.compile(r"""^\s*import\s+(?:[^"']*?\sfrom\s+)?["']([^"']+)["']""", re.MULTILINE)


async def load_page(student: Student, room: str) -> None:
    """Pide la página de la sala y todo lo que ella pide; cada respuesta debe ser un 200."""
    page = await student.fetch(f"/sala/{room}")
    assert page.code == 200, f"La página respondió {page.code}"
    parser = _Assets()
    parser.feed(page.body.decode())
    pending, seen = list(parser.found), set()
    assert pending, "La página no pide ningún archivo: ¿cambió su HTML?"
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        response = await student.fetch(path)
        assert response.code == 200, f"{path} respondió {response.code}"
        if path.split("?")[0].endswith(".js"):
            folder = path.split("?")[0].rsplit("/", 1)[0]
            for target in _IMPORTS.findall(response.body.decode()):
                pending.append(_join(folder, target))


def _join(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target
    parts = folder.split("/")
    for piece in target.split("/"):
        if piece == "..":
            parts.pop()
        elif piece not in (".", ""):
            parts.append(piece)
    return "/".join(parts)


async def keepalive_page_load(deployment, n: int, address: str) -> list[asyncio.StreamWriter]:
    """Lo que deja una pestaña al cargar: unas conexiones HTTP abiertas, sin nada que pedir."""
    host, port = deployment.base(n).removeprefix("http://").split(":")
    writers = []
    for path in ["/", "/salas.json", "/qr.svg", "/healthz", "/"][:KEEPALIVES_PER_TAB]:
        reader, writer = await asyncio.open_connection(host, int(port), local_addr=(address, 0))
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: keep-alive\r\n\r\n".encode()
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        assert head.startswith(b"HTTP/1.1 200"), head
        length = re.search(rb"(?i)content-length:\s*(\d+)", head)
        if length:
            await reader.readexactly(int(length.group(1)))
        writers.append(writer)
    return writers
