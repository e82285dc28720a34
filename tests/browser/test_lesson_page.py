"""La página de la lección 4 en Chromium, con el núcleo que escribe el estudiante.

«Construye» (lección 4) sirve lessons/04_http_y_websocket/pagina/: aquí, con la solución
de referencia, se comprueba que esa página de verdad chatea y muestra el texto como texto.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import course
from tests.browser.clients import expect
from tests.browser.harness import LoopbackServer, serve

pytestmark = pytest.mark.gen_test(timeout=20)

LESSON = "04_http_y_websocket"
SOLUTION = Path(course.LESSONS) / LESSON / "solucion" / "servidor.py"


@pytest.fixture
def core_server(io_loop) -> Iterator[LoopbackServer]:
    """El núcleo de referencia de la lección 4 en 127.0.0.1 (su make_app() no usa el hub)."""
    if not SOLUTION.exists():
        pytest.skip(course.missing_solution_reason(LESSON))
    spec = importlib.util.spec_from_file_location("leccion04_solucion_servidor", SOLUTION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield from serve(io_loop, lambda hub: module.make_app())


async def test_the_lesson_4_page_chats_with_the_core_and_shows_html_as_text(
    core_server, open_page
) -> None:
    ana = await open_page(core_server.http_url)
    luis = await open_page(core_server.http_url)
    for watched in (ana, luis):
        await expect(watched.page.locator("#status")).to_have_text("Conectado")
    await expect(ana.page.locator("#online li"), "Ana debe ver a las dos").to_have_count(2)
    await expect(ana.page.locator("#messages li.notice")).to_have_text(re.compile(r"se ha unido$"))

    await luis.page.get_by_label("Mensaje").fill("<b>hola</b>")
    await luis.page.get_by_label("Mensaje").press("Enter")
    for watched in (ana, luis):
        line = watched.page.locator("#messages li.message")
        await expect(line, "El HTML de un mensaje se ve como texto").to_have_text(
            re.compile(r"^\[127\.0\.0\.1:\d+\] <b>hola</b>$")
        )
        assert await watched.page.locator("#messages b").count() == 0
    assert not ana.errors and not luis.errors, f"Errores de JavaScript: {ana.errors + luis.errors}"
