"""Lo que deben cumplir los dos clientes por igual: seguridad, aula sin Internet,
teclado, lectores de pantalla y móvil. Cada prueba corre una vez por stack."""

from __future__ import annotations

import pytest

from tests.browser.a11y import FOCUS_INDICATOR, TEXT_CONTRAST_PROBLEMS, UNLABELLED_CONTROLS
from tests.browser.clients import (
    Stack1,
    Stack2,
    expect,
    message_box,
    message_log,
    say,
    send_button,
    status,
)

pytestmark = pytest.mark.gen_test(timeout=20)

XSS_PAYLOADS = [
    "<img src=x onerror=\"window.pwned=1; alert('img')\">",
    "<script>window.pwned=1; alert('script')</script>",
]
# En cualquier parte del documento (no solo en la lista): un <img> o <script> del mensaje.
# Se mira el DOM porque el «onerror» de una imagen corre más tarde, cuando falla su carga.
INJECTED_ELEMENTS = """() => [...document.querySelectorAll("img, script")]
  .map((el) => el.outerHTML).filter((html) => html.includes("pwned"))"""


@pytest.fixture(params=["stack1", "stack2"])
def client(request, open_page) -> Stack1 | Stack2:
    """Cada stack con su servidor: el Stack 1 desde file://, el Stack 2 por http://."""
    if request.param == "stack1":
        return Stack1(request.getfixturevalue("stack1_server"), open_page)
    return Stack2(request.getfixturevalue("stack2_server"), open_page)


# --- Seguridad ------------------------------------------------------------------------


async def test_html_in_a_message_is_shown_as_text_and_never_runs(client) -> None:
    sender = await client.open("Ana")
    reader = await client.open("Luis")
    for payload in XSS_PAYLOADS:
        await say(sender.page, payload)

    expected = [client.shown_text("Ana", payload) for payload in XSS_PAYLOADS]
    for watched in (sender, reader):
        page = watched.page
        await expect(
            client.chat_lines(page), "El HTML debe verse tal cual, como texto"
        ).to_have_text(expected)
        injected = await page.evaluate(INJECTED_ELEMENTS)
        assert injected == [], f"El mensaje se convirtió en elementos HTML: {injected}"
        assert await page.evaluate("typeof window.pwned") == "undefined", "Se ejecutó código ajeno"
        assert watched.dialogs == [], f"Saltó un diálogo: {watched.dialogs}"


# --- Aula sin Internet -----------------------------------------------------------------


async def test_the_page_requests_nothing_but_its_own_server(client) -> None:
    first = await client.open("Ana")
    second = await client.open("Luis")
    await say(first.page, "¿Funciona sin Internet?")
    await say(second.page, "¡Sí!")
    await expect(client.chat_lines(first.page)).to_have_count(2)

    for watched in (first, second):
        urls = watched.requests + [socket.url for socket in watched.websockets]
        assert watched.websockets, "La página no abrió ningún WebSocket"
        foreign = [url for url in urls if not url.startswith(client.own_origins())]
        assert foreign == [], f"La página pidió algo fuera de su servidor: {foreign}"


# --- Teclado y lectores de pantalla -----------------------------------------------------


async def test_pressing_enter_in_the_message_box_sends_the_message(client) -> None:
    watched = await client.open("Ana")
    page = watched.page
    await message_box(page).focus()
    await page.keyboard.type("Enviado con el teclado")
    await page.keyboard.press("Enter")
    await expect(client.chat_lines(page)).to_have_text(
        [client.shown_text("Ana", "Enviado con el teclado")]
    )
    await expect(message_box(page), "Tras enviar, la caja debe quedar vacía").to_have_value("")
    await expect(message_box(page), "El foco debe seguir en la caja").to_be_focused()


async def test_every_control_has_a_label(client) -> None:
    watched = await client.open("Ana")
    unlabelled = await watched.page.evaluate(UNLABELLED_CONTROLS)
    assert unlabelled == [], f"Controles sin etiqueta: {unlabelled}"
    await expect(message_box(watched.page)).to_be_visible()
    await expect(send_button(watched.page)).to_be_visible()


async def test_the_message_list_is_a_live_region_and_the_status_is_announced(client) -> None:
    watched = await client.open("Ana")
    log = message_log(watched.page)
    await expect(log, "La lista de mensajes debe ser role=log").to_have_attribute("role", "log")
    await expect(log).to_have_attribute("aria-live", "polite")
    await say(watched.page, "¿Se anuncia?")
    await expect(log.get_by_text("¿Se anuncia?")).to_be_visible()
    await expect(status(watched.page), "El estado de la conexión debe anunciarse").to_be_visible()


async def test_keyboard_focus_is_clearly_visible_on_every_control(client) -> None:
    watched = await client.open("Ana")
    page = watched.page
    seen: list[str] = []
    problems: list[str] = []
    for _ in range(30):  # Una vuelta completa con Tab, empiece donde empiece el foco.
        await page.keyboard.press("Tab")
        focus = await page.evaluate(FOCUS_INDICATOR)
        if focus["element"] is None:
            continue
        if focus["element"] in seen:
            break
        seen.append(focus["element"])
        if not focus["visible"] or focus["contrast"] < 3:
            problems.append(f"{focus['element']}: {focus['outline']} ({focus['contrast']:.1f}:1)")
    assert "input#text" in seen, f"La caja de mensaje no se alcanza con Tab: {seen}"
    assert problems == [], f"Foco invisible o poco visible: {problems}"


async def test_all_text_has_readable_contrast_connected_and_disconnected(client) -> None:
    first = await client.open("Ana")
    second = await client.open("Luis")
    await say(first.page, "Un mensaje mío")
    await say(second.page, "Y uno de otra persona")
    await expect(client.chat_lines(first.page)).to_have_count(2)
    problems = await first.page.evaluate(TEXT_CONTRAST_PROBLEMS)
    assert problems == [], "Texto poco legible (conectado):\n" + "\n".join(problems)

    await client.server.stop()
    await expect(status(first.page)).to_have_attribute("data-state", "offline")
    problems = await first.page.evaluate(TEXT_CONTRAST_PROBLEMS)
    assert problems == [], "Texto poco legible (desconectado):\n" + "\n".join(problems)


# --- Móvil -------------------------------------------------------------------------------

LONG_WORD = "https://ejemplo.invalid/" + "a" * 300
LONG_TEXT = "Este mensaje es largo a propósito para ver cómo se parte en varias líneas. " * 8


async def test_on_a_phone_the_message_box_and_send_button_fit_on_screen(client, phone) -> None:
    watched = await client.open("Ana", **phone)
    page = watched.page
    await say(page, LONG_TEXT.strip())  # La lista se llena y no debe empujar la caja fuera.
    await say(page, LONG_TEXT.strip())
    for control, name in ((message_box(page), "la caja"), (send_button(page), "el botón")):
        await expect(control, f"En el móvil {name} debe verse entero").to_be_in_viewport(ratio=1)
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"La página se desplaza {overflow} px en horizontal en el móvil"


async def test_on_a_phone_long_messages_wrap_inside_the_screen(client, phone) -> None:
    watched = await client.open("Ana", **phone)
    page = watched.page
    await say(page, LONG_WORD)
    line = client.chat_lines(page).last
    await expect(line).to_contain_text("a" * 300)
    box = await line.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"El mensaje se sale: {box}"
    assert box["height"] > 60, f"Una palabra de 300 letras debería partirse en líneas: {box}"
    log_overflow = await message_log(page).evaluate("(el) => el.scrollWidth - el.clientWidth")
    assert log_overflow <= 0, f"La lista de mensajes se desplaza {log_overflow} px en horizontal"
