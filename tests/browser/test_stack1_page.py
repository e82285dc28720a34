"""Stack 1 en Chromium: cliente.html abierto desde el disco habla con un servidor real."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.browser.clients import Stack1, expect, message_box, message_log, say, status

pytestmark = pytest.mark.gen_test(timeout=20)


@pytest.fixture
def stack1(stack1_server, open_page) -> Stack1:
    return Stack1(stack1_server, open_page)


@pytest.fixture
def dead_address() -> Iterator[str]:
    """Una dirección ws:// de loopback donde nadie escucha (el puerto está reservado)."""
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))  # Sin listen(): quien llame recibe «rechazado».
        yield f"ws://127.0.0.1:{reserved.getsockname()[1]}"


async def test_two_named_pages_opened_from_disk_see_both_lines_in_order(stack1) -> None:
    ana = await stack1.open("Ana")
    luis = await stack1.open("Luis")
    assert ana.page.url.startswith("file://"), "cliente.html debe abrirse desde el disco"

    await say(ana.page, "hola")
    await expect(stack1.chat_lines(luis.page)).to_have_text(["Ana: hola"])
    await say(luis.page, "¿qué tal?")

    for page in (ana.page, luis.page):
        await expect(
            stack1.chat_lines(page), "Cada página debe ver las dos líneas, en orden"
        ).to_have_text(["Ana: hola", "Luis: ¿qué tal?"])


async def test_the_server_parameter_in_the_url_chooses_the_server(stack1) -> None:
    watched = await stack1.open("Ana")
    await expect(watched.page.get_by_label("Servidor")).to_have_value(stack1.server.ws_url)
    await expect(status(watched.page)).to_have_text("Conectado")
    assert len(stack1.server.hub) == 1, "El servidor de ?server= debería tener una conexión"


async def test_typing_an_address_in_the_server_field_connects_to_it(
    stack1, open_page, dead_address
) -> None:
    watched = await open_page(stack1.url(server=dead_address))
    page = watched.page
    await expect(status(page), "Sin servidor la página debe decirlo").to_have_text("Desconectado")

    await page.get_by_label("Servidor").fill(stack1.server.ws_url)
    await page.get_by_role("button", name="Conectar").click()
    await stack1.wait_connected(page)
    await page.get_by_label("Tu nombre").fill("Ana")
    await say(page, "ya estoy")
    await expect(stack1.chat_lines(page)).to_have_text(["Ana: ya estoy"])


async def test_when_the_server_stops_the_page_says_so_and_the_button_reconnects(stack1) -> None:
    watched = await stack1.open("Ana")
    page = watched.page

    await stack1.server.stop()
    await expect(status(page)).to_have_attribute("data-state", "offline")
    await expect(status(page)).to_have_text("Desconectado")
    await expect(message_log(page).locator("li.system").last).to_contain_text("Conectar")
    await message_box(page).fill("¿hay alguien?")
    await message_box(page).press("Enter")
    await expect(message_log(page).locator("li.system").last).to_have_text(
        "No estás conectado: pulsa «Conectar»."
    )

    stack1.server.start()
    await page.get_by_role("button", name="Conectar").click()
    await stack1.wait_connected(page)
    await say(page, "de vuelta")
    await expect(stack1.chat_lines(page)).to_have_text(["Ana: de vuelta"])
    assert len(stack1.server.hub) == 1, "Reconectar no debe dejar conexiones duplicadas"
