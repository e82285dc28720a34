"""Stack 2 en Chromium: salas, apodos, «está escribiendo…», privados y avisos (lección 11)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator

import pytest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from common.live.presence import Change, Presence
from stack2_http.server import make_app
from tests.browser.clients import Stack2, expect, message_box, message_log, say, socket_address
from tests.browser.harness import LoopbackServer, serve

pytestmark = pytest.mark.gen_test(timeout=30)

# Una pestaña en segundo plano, a voluntad: Chromium sin ventana nunca esconde una
# página, así que las pruebas deciden qué dice document.hidden y avisan del cambio.
FAKE_VISIBILITY = """
window.__hidden = false;
Object.defineProperty(document, "hidden", { get: () => window.__hidden });
window.__setHidden = (hidden) => {
  window.__hidden = hidden;
  document.dispatchEvent(new Event("visibilitychange"));
};
"""
# Anota cada notificación que la página crea (el sistema no llega a mostrarla).
RECORD_NOTIFICATIONS = """
window.__notifications = [];
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.__notifications.push({ title, body: options.body }); }
  close() {}
};
"""


@pytest.fixture
def stack2(stack2_server, open_page) -> Stack2:
    return Stack2(stack2_server, open_page)


async def open_room(stack2: Stack2, room: str | None, **options):
    """Abre la página de una sala (None: la general, en /) y espera su welcome."""
    url = stack2.url() + ("" if room is None else f"sala/{room}")
    watched = await stack2._open_page(url, **options)
    await stack2.wait_connected(watched.page)
    return watched


def lines(page):
    return message_log(page).locator("li.message .text")


def people(page):
    return page.get_by_role("list", name="Personas en línea").get_by_role("listitem")


async def set_nick(page, nick: str) -> None:
    await page.get_by_label("Tu apodo").fill(nick)
    await page.get_by_role("button", name="Guardar").click()


# --- Salas ------------------------------------------------------------------------------------


async def test_two_rooms_in_four_pages_keep_their_messages_apart(stack2) -> None:
    clase = [await open_room(stack2, "clase") for _ in range(2)]
    recreo = [await open_room(stack2, "recreo") for _ in range(2)]
    await say(clase[0].page, "deberes para el lunes")
    await expect(lines(clase[1].page)).to_have_count(1)  # Y contesta después.
    await say(recreo[1].page, "¿jugamos al fútbol?")
    await say(clase[1].page, "¡gracias!")
    for watched in clase:
        await expect(lines(watched.page)).to_have_text(["deberes para el lunes", "¡gracias!"])
        await expect(watched.page).to_have_title("Chat · clase")
        await expect(watched.page.locator(".subtitle .room")).to_have_text("clase")
    for watched in recreo:
        await expect(lines(watched.page)).to_have_text(["¿jugamos al fútbol?"])
        await expect(people(watched.page)).to_have_count(2)
    for watched in clase:
        path, query = socket_address(watched.websockets[-1].url)
        assert (path, sorted(query)) == ("/ws/clase", ["client"]), watched.websockets[-1].url


async def test_the_room_list_shows_rooms_with_people_and_keeps_up(stack2) -> None:
    home = await open_room(stack2, None)
    rooms = home.page.get_by_role("list", name="Salas con gente").get_by_role("listitem")
    await expect(rooms).to_have_text(["general 1"])
    await open_room(stack2, "clase")
    await open_room(stack2, "clase")
    # La lista se pide cada 3 s: en unos segundos, la clase aparece con sus dos personas.
    await expect(rooms).to_have_text(["clase 2", "general 1"], timeout=8000)
    await expect(home.page.get_by_role("link", name="general")).to_have_attribute(
        "aria-current", "page"
    )


async def test_another_room_is_one_name_away_and_a_bad_name_is_explained(stack2) -> None:
    watched = await open_room(stack2, None)
    page = watched.page
    box = page.get_by_label("Ir a otra sala")
    await box.fill("no vale!")
    await page.get_by_role("button", name="Ir", exact=True).click()
    assert "sin acentos" in await box.evaluate("(input) => input.validationMessage")
    await box.fill("Laboratorio")
    await page.get_by_role("button", name="Ir", exact=True).click()
    await expect(page).to_have_url(stack2.url() + "sala/laboratorio")
    await stack2.wait_connected(page)
    await expect(page).to_have_title("Chat · laboratorio")


# --- Apodos ------------------------------------------------------------------------------------


async def test_a_nick_is_shown_on_every_page_and_restored_after_a_reload(stack2) -> None:
    ana = await open_room(stack2, None)
    luis = await open_room(stack2, None)
    ana_id = await stack2.identity(ana.page)
    await set_nick(ana.page, "Ana")
    await expect(people(luis.page)).to_contain_text([f"Ana · {ana_id}"])
    await expect(ana.page.locator("#my-nick")).to_have_text("Ana")
    await say(ana.page, "hola, soy Ana")
    last = message_log(luis.page).locator("li.message").last
    await expect(last.locator(".nick")).to_have_text("Ana")
    await expect(last.locator(".from")).to_have_text(f"[{ana_id}]")  # La identidad, a la vista.

    await ana.page.reload()
    await stack2.wait_connected(ana.page)
    new_id = await stack2.identity(ana.page)
    assert "nick=Ana" in ana.websockets[-1].url, "Al volver debía entrar con su apodo"
    await expect(ana.page.get_by_label("Tu apodo")).to_have_value("Ana")
    await expect(ana.page.locator("#my-nick")).to_have_text("Ana")
    await expect(people(luis.page)).to_contain_text([f"Ana · {new_id}"])


async def test_a_taken_nick_is_refused_with_a_visible_reason(stack2) -> None:
    ana = await open_room(stack2, None)
    other = await open_room(stack2, None)
    await set_nick(ana.page, "Ana")
    await expect(people(other.page)).to_contain_text([re.compile("^Ana · ")])
    await set_nick(other.page, "ana")
    error = message_log(other.page).locator("li.notice.error")
    await expect(error).to_contain_text("ya lo usa otra persona")


@pytest.fixture
def presence() -> Presence:
    return Presence()


@pytest.fixture
def presence_server(io_loop, presence) -> Iterator[LoopbackServer]:
    """Un Stack 2 cuya presencia la prueba puede tocar (lo que haría Redis)."""
    yield from serve(io_loop, lambda hub: make_app(hub, presence=presence))


async def test_a_nick_that_redis_refuses_goes_back_on_both_pages(
    presence_server, presence, open_page
) -> None:
    # Con --redis, otro proceso pudo dar «Ana» un instante antes: Redis la niega
    # (un Change «refused») y las páginas dicen que vuelve a no tener apodo.
    stack2 = Stack2(presence_server, open_page)
    ana = await open_room(stack2, None)
    luis = await open_room(stack2, None)
    who = await stack2.identity(ana.page)
    await set_nick(ana.page, "Ana")
    await expect(people(luis.page)).to_contain_text([f"Ana · {who}"])
    presence.put_nick("general", who, None)
    presence._notify(Change("refused", "general", who, None, asked="Ana"))
    await expect(ana.page.locator("#my-nick")).to_have_text("sin apodo")
    await expect(message_log(ana.page).locator("li.notice.error")).to_contain_text(
        "ya lo usa otra persona"
    )
    await expect(message_log(luis.page)).to_contain_text(f"Ana ({who}) ya no tiene apodo.")
    await expect(people(luis.page)).to_contain_text([who])


# --- Está escribiendo… -------------------------------------------------------------------------


async def test_typing_shows_on_the_other_page_and_goes_when_the_message_arrives(stack2) -> None:
    ana = await open_room(stack2, None)
    luis = await open_room(stack2, None)
    await set_nick(ana.page, "Ana")
    await expect(people(luis.page)).to_contain_text([re.compile("^Ana · ")])
    await message_box(ana.page).press_sequentially("hola")
    typing = luis.page.locator("#typing")
    await expect(typing).to_have_text("Ana está escribiendo…")
    await message_box(ana.page).press("Enter")
    await expect(lines(luis.page)).to_have_text(["hola"])
    await expect(typing).to_have_text("")


async def test_typing_goes_away_after_five_seconds_without_news(stack2) -> None:
    ana = await open_room(stack2, None)
    luis = await open_room(stack2, None)
    await message_box(ana.page).press_sequentially("ho")
    typing = luis.page.locator("#typing")
    await expect(typing).to_contain_text("está escribiendo…")
    await expect(typing, "El aviso debía irse a los 5 s").to_have_text("", timeout=8000)


# --- Mensajes privados -------------------------------------------------------------------------


async def test_a_private_message_is_seen_only_by_its_recipient(stack2) -> None:
    ana = await open_room(stack2, None)
    luis = await open_room(stack2, None)
    third = await open_room(stack2, None)
    luis_id = await stack2.identity(luis.page)
    await expect(people(ana.page)).to_have_count(3)
    await ana.page.get_by_role("button", name=f"Escribir en privado a {luis_id}").click()
    await expect(ana.page.locator("#private-to")).to_have_text(f"Privado para {luis_id}")
    await say(ana.page, "esto es solo para ti")

    received = message_log(luis.page).locator("li.message.private")
    await expect(received.locator(".text")).to_have_text(["esto es solo para ti"])
    await expect(received.locator(".private-label")).to_contain_text("para ti")
    copy = message_log(ana.page).locator("li.message.private")
    await expect(copy.locator(".private-label")).to_have_text(f"Privado para {luis_id}")

    # De vuelta a la sala: lo siguiente es para todos, y la tercera página solo ve eso.
    await ana.page.get_by_role("button", name="Volver a la sala").click()
    await say(ana.page, "y esto, para todos")
    await expect(lines(third.page)).to_have_text(["y esto, para todos"])
    await expect(lines(luis.page)).to_have_text(["esto es solo para ti", "y esto, para todos"])


# --- Avisos con la pestaña en segundo plano -------------------------------------------------


async def test_a_background_tab_counts_unread_messages_and_clears_on_return(stack2) -> None:
    reader = await open_room(stack2, None, init_scripts=[FAKE_VISIBILITY])
    writer = await open_room(stack2, None)
    await reader.page.evaluate("window.__setHidden(true)")
    await say(writer.page, "uno")
    await say(writer.page, "dos")
    await expect(reader.page).to_have_title("(2) Chat · general")
    await reader.page.evaluate("window.__setHidden(false)")
    await expect(reader.page).to_have_title("Chat · general")


async def test_a_mention_or_a_private_notifies_at_most_once_every_few_seconds(stack2) -> None:
    reader = await open_room(stack2, None, init_scripts=[FAKE_VISIBILITY, RECORD_NOTIFICATIONS])
    writer = await open_room(stack2, None)
    await set_nick(reader.page, "Ana")
    await expect(people(writer.page)).to_contain_text([re.compile("^Ana · ")])
    await reader.page.evaluate("window.__setHidden(true)")
    await say(writer.page, "sin nombrar a nadie")
    await say(writer.page, "oye, ana, ¿vienes?")
    await say(writer.page, "Ana, ¿me oyes?")
    await expect(reader.page).to_have_title("(3) Chat · general")
    notes = await reader.page.evaluate("window.__notifications")
    assert [note["body"] for note in notes] == ["oye, ana, ¿vienes?"], notes


# --- Una sala grande (más de 100: stack2_http/roster.py) ---------------------------------------


async def bots_in(server: LoopbackServer, count: int) -> list[WebSocketClientConnection]:
    """``count`` clientes WebSocket sencillos en la sala general, cada uno ya con su welcome."""
    bots = []
    for _ in range(count):
        bot = await websocket_connect(f"{server.ws_url}/ws")
        bots.append(bot)
        first = json.loads(await bot.read_message())
        assert first["type"] == "welcome", first
    return bots


async def read_until(bot: WebSocketClientConnection, type_: str) -> dict:
    while (event := json.loads(await asyncio.wait_for(bot.read_message(), 5)))["type"] != type_:
        pass
    return event


async def test_a_big_room_lists_100_says_how_many_more_and_follows_the_count(stack2) -> None:
    bots = await bots_in(stack2.server, 100)
    try:
        watched = await open_room(stack2, None)  # La persona 101: no cabe en su lista.
        page = watched.page
        counter, more = page.locator("#online-count"), page.locator("#online-more")
        await expect(people(page)).to_have_count(100)
        await expect(counter).to_have_text("101")
        await expect(more).to_have_text("y 1 más")
        bots += await bots_in(stack2.server, 1)  # Uno más: llega la cuenta, no un join.
        await expect(counter).to_have_text("102")
        await expect(more).to_have_text("y 2 más")

        # El último no está en la lista, pero su firma en un mensaje abre un privado.
        late = bots[-1]
        await late.write_message(json.dumps({"type": "message", "text": "hola desde el fondo"}))
        row = message_log(page).locator("li.message").last
        await expect(row.locator(".text")).to_have_text("hola desde el fondo")
        late_id = ((await row.locator(".from").text_content()) or "").strip("[]")
        await row.locator(".from").click()
        await expect(page.locator("#private-to")).to_have_text(f"Privado para {late_id}")
        await say(page, "te escribo aunque no salgas en la lista")
        private = await read_until(late, "private")
        assert private["text"] == "te escribo aunque no salgas en la lista"

        for bot in bots[:2]:  # Vuelve a 100: la página rehace la lista, ella incluida.
            bot.close()
        await expect(counter).to_have_text("100")
        await expect(more).to_be_hidden()
        await expect(people(page)).to_have_count(100)
        await expect(people(page).filter(has_text="(tú)")).to_have_count(1)
    finally:
        for bot in bots:
            bot.close()
