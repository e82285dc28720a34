"""Stack 2 en Chromium: la página servida por HTTP, con identidades, avisos y reconexión."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from stack2_http import rooms
from stack2_http.server import make_app
from tests.browser.clients import IDENTITY, Stack2, expect, message_log, say, status
from tests.browser.harness import ROOT, serve

CHAT_MODULES = ROOT / "stack2_http" / "static" / "chat"

pytestmark = pytest.mark.gen_test(timeout=20)

# La reconexión espera lo que diga la página (0,25-0,5 s, luego 0,5-1 s, 1-2 s…),
# así que aquí se le da más margen que a una espera normal.
RECONNECT_WAIT_MS = 10_000

# Observadores que las pruebas instalan en la página antes de que carguen los módulos del chat.
# No cambian lo que hace la página: solo anotan.
# Cada WebSocket que crea la página, y cuándo se abrió y se cerró (reloj de la página).
COUNT_SOCKETS = """
window.__sockets = [];
window.__created = [];
window.__closed = [];
window.WebSocket = class extends window.WebSocket {
  constructor(...args) {
    super(...args);
    window.__sockets.push(this);
    window.__created.push(performance.now());
    this.addEventListener("close", () => window.__closed.push(performance.now()));
  }
};
"""
LIVE_SOCKETS = "() => window.__sockets.filter((s) => s.readyState <= WebSocket.OPEN).length"

# Anota cada espera que pide la página; para no tardar 30 s en ver el tope de
# 15 s, la espera real se acorta a 20 ms (lo que se comprueba es lo pedido).
RECORD_RETRY_DELAYS = """
window.__delays = [];
const realSetTimeout = window.setTimeout.bind(window);
window.setTimeout = (callback, delay, ...args) => {
  window.__delays.push(delay);
  return realSetTimeout(callback, Math.min(delay, 20), ...args);
};
"""

RECORD_CSP_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def stack2(stack2_server, open_page) -> Stack2:
    return Stack2(stack2_server, open_page)


@pytest.fixture
def one_room(io_loop, open_page) -> Iterator[Stack2]:
    """Un Stack 2 donde solo cabe una sala abierta (``--max-rooms=1``)."""
    for server in serve(io_loop, lambda hub: make_app(hub, max_rooms=1)):
        yield Stack2(server, open_page)


def messages(page):
    return message_log(page).locator("li.message")


def notices(page):
    return message_log(page).locator("li.notice")


def online_list(page):
    return page.get_by_role("list", name="Personas en línea")


# --- Dos personas, cada una en su navegador ----------------------------------------


async def test_the_page_is_served_over_http_by_the_chat_server_itself(stack2) -> None:
    watched = await stack2.open()
    assert watched.response is not None and watched.response.status == 200
    assert watched.page.url == stack2.server.http_url
    await expect(status(watched.page)).to_have_text("Conectado")


async def test_each_page_sees_the_others_message_labelled_with_its_ip_and_port(stack2) -> None:
    first = await stack2.open()
    second = await stack2.open()
    first_id = await stack2.identity(first.page)
    second_id = await stack2.identity(second.page)
    assert first_id != second_id, "Dos navegadores deberían tener dos identidades"
    assert stack2.server.hub.names == [first_id, second_id], (
        "La identidad que muestra la página no es la que ve el servidor"
    )

    await say(first.page, "Hola desde el primero")
    await expect(messages(second.page)).to_have_count(1)  # El segundo contesta después.
    await say(second.page, "Y yo desde el segundo")

    for page in (first.page, second.page):
        await expect(messages(page).locator(".from")).to_have_text(
            [f"[{first_id}]", f"[{second_id}]"]
        )
        await expect(messages(page).locator(".text")).to_have_text(
            ["Hola desde el primero", "Y yo desde el segundo"]
        )


async def test_own_messages_are_marked_as_own_and_the_others_are_not(stack2) -> None:
    first = await stack2.open()
    second = await stack2.open()
    await say(first.page, "mío")
    await expect(messages(second.page)).to_have_count(1)  # El segundo contesta después.
    await say(second.page, "tuyo")

    own, other = messages(first.page).nth(0), messages(first.page).nth(1)
    await expect(own).to_have_class("message mine")
    await expect(own.locator(".badge"), "El mensaje propio debe decir «tú»").to_have_text("tú")
    await expect(other).to_have_class("message")
    await expect(other.locator(".badge")).to_have_count(0)


async def test_pages_announce_who_joins_and_who_leaves(stack2) -> None:
    staying = await stack2.open()
    leaving = await stack2.open()
    leaving_id = await stack2.identity(leaving.page)
    await expect(notices(staying.page).last).to_have_text(f"{leaving_id} se ha unido.")

    await leaving.close()
    await expect(notices(staying.page).last).to_have_text(f"{leaving_id} ha salido.")


async def test_the_online_list_updates_when_a_page_closes(stack2) -> None:
    staying = await stack2.open()
    leaving = await stack2.open()
    staying_id = await stack2.identity(staying.page)
    leaving_id = await stack2.identity(leaving.page)
    people = online_list(staying.page).get_by_role("listitem")
    await expect(people).to_have_text([f"{staying_id} (tú)", leaving_id])
    await expect(staying.page.locator("#online-count")).to_have_text("2")

    await leaving.close()
    await expect(people, "Quien cierra la página debe salir de la lista").to_have_text(
        [f"{staying_id} (tú)"]
    )
    await expect(staying.page.locator("#online-count")).to_have_text("1")


# --- Reconexión ----------------------------------------------------------------------


async def test_when_the_server_stops_the_page_says_it_is_disconnected(stack2) -> None:
    watched = await stack2.open()
    page = watched.page
    await stack2.server.stop()
    await expect(status(page)).to_have_attribute("data-state", "offline")
    await expect(status(page)).to_contain_text("Sin conexión")
    await expect(notices(page).last).to_contain_text("Se perdió la conexión")
    # Sin conexión se puede seguir escribiendo: el mensaje espera en la bandeja.
    box = page.get_by_role("textbox", name="Mensaje", exact=True)
    await expect(box, "Sin conexión la caja debe seguir usable").to_be_enabled()
    await expect(box).to_have_attribute("placeholder", re.compile("Sin conexión"))
    await expect(page.get_by_role("button", name="Enviar", exact=True)).to_be_enabled()
    await expect(
        online_list(page).get_by_role("listitem"), "Sin conexión, la lista de conectados es vieja"
    ).to_have_count(0)


async def test_when_the_server_returns_the_pages_reconnect_by_themselves_and_chat(stack2) -> None:
    first = await stack2.open()
    second = await stack2.open()
    await stack2.server.stop()
    for page in (first.page, second.page):
        await expect(status(page)).to_have_attribute("data-state", "offline")

    stack2.server.start()
    for page in (first.page, second.page):
        # Nadie toca la página. El reintento puede tardar hasta 0,5 + 1 + 2 s si el
        # servidor volvió justo después de un intento fallido.
        await stack2.wait_connected(page, timeout=RECONNECT_WAIT_MS)
    await say(first.page, "¿Me oís otra vez?")
    await expect(messages(second.page).locator(".text")).to_have_text(["¿Me oís otra vez?"])


async def test_while_the_server_is_down_retries_are_spaced_out_and_grow(stack2) -> None:
    watched = await stack2.open(init_scripts=[COUNT_SOCKETS])
    await stack2.server.stop()
    # El socket inicial más tres reintentos fallidos: al menos 0,25 + 0,5 + 1 s.
    # Un bucle sin espera haría cientos de intentos en ese tiempo.
    await watched.page.wait_for_function("() => window.__created.length >= 4", timeout=8000)
    created, closed = await watched.page.evaluate("[window.__created, window.__closed]")
    # Cuánto esperó la página desde que se cerró cada socket hasta abrir el siguiente.
    waits = [round(opened - close) for close, opened in zip(closed, created[1:4])]
    for attempt, (waited, minimum) in enumerate(zip(waits, [250, 500, 1000]), start=1):
        assert waited >= minimum, (
            f"El reintento {attempt} llegó a los {waited} ms del cierre; debía esperar "
            f"al menos {minimum} ms (todas las esperas: {waits})"
        )
    assert len(created) == 4, f"Demasiados intentos: {len(created) - 1} reintentos en {waits}"


async def test_retry_delays_double_up_to_15_seconds_with_random_jitter(stack2) -> None:
    pages = [await stack2.open(init_scripts=[RECORD_RETRY_DELAYS]) for _ in range(2)]
    await stack2.server.stop()
    for watched in pages:
        await watched.page.wait_for_function("() => window.__delays.length >= 8")

    sequences = [(await w.page.evaluate("window.__delays"))[:8] for w in pages]
    ceilings = [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]
    for delays in sequences:
        for attempt, (delay, ceiling) in enumerate(zip(delays, ceilings)):
            assert ceiling / 2 <= delay <= ceiling, (
                f"El reintento {attempt + 1} esperó {delay} ms; debía estar entre "
                f"{ceiling / 2} y {ceiling} ms (todas las esperas: {delays})"
            )
    assert sequences[0] != sequences[1], (
        "Dos páginas esperaron exactamente lo mismo: falta el azar (jitter) "
        "y toda la clase reconectaría a la vez"
    )


async def test_a_page_refused_before_its_welcome_shows_why_in_the_status_line(one_room) -> None:
    await one_room.open()  # La general: la única sala que cabe.
    watched = await one_room._open_page(one_room.url() + "sala/otra")
    # El servidor cierra con 1013 antes del welcome: la línea de estado dice por qué.
    await expect(status(watched.page)).to_contain_text(rooms.TOO_MANY_ROOMS_REASON)
    await expect(status(watched.page)).to_contain_text("reintento en")


async def test_a_page_refused_before_its_welcome_retries_ever_more_slowly(one_room) -> None:
    await one_room.open()
    watched = await one_room._open_page(
        one_room.url() + "sala/otra", init_scripts=[RECORD_RETRY_DELAYS]
    )
    # Cada intento abre el socket (el handshake va bien) y el servidor lo cierra: las
    # esperas crecen igual que sin red, y no vuelven a empezar en cada handshake.
    await watched.page.wait_for_function("() => window.__delays.length >= 4")
    delays = (await watched.page.evaluate("window.__delays"))[:4]
    for attempt, (delay, ceiling) in enumerate(zip(delays, [500, 1000, 2000, 4000]), start=1):
        assert ceiling / 2 <= delay <= ceiling, (
            f"El reintento {attempt} esperó {delay} ms; debía estar entre {ceiling / 2} y "
            f"{ceiling} ms (todas las esperas: {delays})"
        )


async def test_a_page_never_holds_two_sockets_at_once(stack2) -> None:
    watched = await stack2.open(init_scripts=[COUNT_SOCKETS])
    page = watched.page
    # «online» es el aviso del sistema de que vuelve la red; varios seguidos no
    # deben abrir varios sockets, ni con la conexión viva ni mientras espera.
    fire_online_thrice = (
        "() => { for (let i = 0; i < 3; i++) window.dispatchEvent(new Event('online'));"
        f" return ({LIVE_SOCKETS})(); }}"
    )
    live = await page.evaluate(fire_online_thrice)
    assert live == 1, f"Con la conexión viva, tres avisos «online» dejaron {live} sockets"
    assert len(stack2.server.hub) == 1

    await stack2.server.stop()
    await expect(status(page)).to_have_attribute("data-state", "offline")
    live = await page.evaluate(fire_online_thrice)
    assert live <= 1, f"Mientras esperaba, tres avisos «online» abrieron {live} sockets"

    stack2.server.start()
    await stack2.wait_connected(page, timeout=RECONNECT_WAIT_MS)
    assert await page.evaluate(LIVE_SOCKETS) == 1, "Tras reconectar hay más de un socket vivo"
    assert len(stack2.server.hub) == 1, "El servidor ve más de una conexión de la misma página"


# --- Content-Security-Policy -----------------------------------------------------------


async def test_the_page_is_sent_with_a_strict_csp_and_nosniff(stack2) -> None:
    watched = await stack2.open()
    assert watched.response is not None
    headers = await watched.response.all_headers()
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in headers.get("content-security-policy", "").split(";")
        if directive.strip()
    }
    assert policy.get("script-src") == ["'self'"], f"script-src debe ser solo 'self': {policy}"
    assert policy.get("connect-src") == ["'self'"], f"connect-src debe ser solo 'self': {policy}"
    assert policy.get("default-src") == ["'none'"], f"default-src debe ser 'none': {policy}"
    assert headers.get("x-content-type-options") == "nosniff"


async def test_the_browser_refuses_to_run_a_script_written_into_the_page(stack2) -> None:
    watched = await stack2.open()
    directive = await watched.page.evaluate(
        """() => new Promise((resolve) => {
             document.addEventListener("securitypolicyviolation",
               (event) => resolve(event.violatedDirective), { once: true });
             const script = document.createElement("script");
             script.textContent = "window.inlineRan = true";
             document.body.append(script);
           })"""
    )
    assert directive.startswith("script-src"), f"Se violó otra directiva: {directive}"
    assert await watched.page.evaluate("window.inlineRan") is None, "El script incrustado corrió"


async def test_the_browser_refuses_a_websocket_to_any_other_host(stack2) -> None:
    watched = await stack2.open()
    # Mismo servidor y puerto, pero otro nombre: para el navegador es otro origen.
    other = f"ws://localhost:{stack2.server.port}/ws"
    outcome = await watched.page.evaluate(
        """(url) => new Promise((resolve) => {
             document.addEventListener("securitypolicyviolation",
               (event) => resolve("bloqueado por " + event.violatedDirective), { once: true });
             try {
               new WebSocket(url).addEventListener("open", () => resolve("abierto"));
             } catch (error) {
               // Chromium puede lanzar además un SecurityError: la violación llega igual.
             }
           })""",
        other,
    )
    assert outcome.startswith("bloqueado por connect-src"), f"WebSocket a {other}: {outcome}"
    assert len(stack2.server.hub) == 1


async def test_the_page_works_under_its_csp_without_a_single_violation(stack2) -> None:
    first = await stack2.open(init_scripts=[RECORD_CSP_VIOLATIONS])
    second = await stack2.open(init_scripts=[RECORD_CSP_VIOLATIONS])
    await say(first.page, "Todo en orden")
    await expect(messages(second.page).locator(".text")).to_have_text(["Todo en orden"])
    modules = sorted(path.name for path in CHAT_MODULES.glob("*.js"))
    for watched in (first, second):
        violations = await watched.page.evaluate("window.__violations")
        assert violations == [], f"La propia página choca con su CSP: {violations}"
        assert watched.errors == [], f"Errores de JavaScript: {watched.errors}"
        assert watched.console_errors == [], f"Errores en la consola: {watched.console_errors}"
        loaded = sorted(
            {urlsplit(url).path.rsplit("/", 1)[1] for url in watched.requests if "/chat/" in url}
        )
        assert loaded == modules, f"La página cargó {loaded}; static/chat/ tiene {modules}"
        background = await watched.page.locator(".topbar").evaluate(
            "(el) => getComputedStyle(el).backgroundColor"
        )
        assert background != "rgba(0, 0, 0, 0)", "chat.css no se aplicó"
    assert IDENTITY.match(await stack2.identity(first.page))
