"""Stack 2 en Chromium: ningún mensaje se pierde ni se ve dos veces (issue 10).

Historial al entrar y al recargar, la bandeja de salida (lo escrito sin red se
envía al volver) y retomar tras un corte con since/epoch. La red se corta de
verdad con un relé TCP (tests/browser/relay.py): ``set_offline()`` de Playwright
no cierra un WebSocket abierto en Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import tornado.ioloop

from common.history.log import Author, MemoryLog, Pending, Replay, Stored
from stack2_http.server import make_app
from tests.browser.a11y import TEXT_CONTRAST_PROBLEMS
from tests.browser.clients import (
    CLIENT_KEY,
    Stack2,
    expect,
    message_log,
    say,
    socket_address,
    status,
)
from tests.browser.harness import LoopbackServer, serve
from tests.browser.relay import Relay

pytestmark = pytest.mark.gen_test(timeout=30)

# Tras volver la red, la página reintenta cuando le toca (0,25-0,5 s, 0,5-1 s…).
RECONNECT_WAIT_MS = 10_000

# Anota cada frame que la página envía y recibe, sin cambiar lo que hace.
RECORD_FRAMES = """
window.__sent = [];  // Solo los «message»: los «typing» no van a la bandeja.
window.__received = [];
window.WebSocket = class extends window.WebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (event) => window.__received.push(JSON.parse(event.data)));
  }
  send(data) {
    const event = JSON.parse(data);
    if (event.type === "message") window.__sent.push(event);
    super.send(data);
  }
};
"""

# Como una página abierta por http://192.168.…: sin contexto seguro no hay randomUUID.
NO_RANDOM_UUID = "delete Crypto.prototype.randomUUID;"

OUTBOX_KEYS = "() => Object.keys(localStorage).filter((key) => key.startsWith('chat2.outbox.'))"


class FailsOnce(MemoryLog):
    """Un log cuyo primer guardado falla (un disco lleno un instante): «unavailable»."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def _write(self, pending: Pending) -> None:
        if self.failures:
            self.failures -= 1
            self._not_stored(pending, OSError("disco lleno"))
            return
        super()._write(pending)


class LosesSecond(MemoryLog):
    """Un log que guarda el mensaje 2 pero no lo reparte: un hueco en directo."""

    def _stored(self, stored: Stored, author: Author) -> None:
        if stored.seq != 2:
            super()._stored(stored, author)
            return
        listeners, self._listeners = self._listeners, []
        try:
            super()._stored(stored, author)
        finally:
            self._listeners = listeners


class CannotCheck(MemoryLog):
    """Un log que, cuando se le pide, no puede comprobar la historia al retomar.

    Es lo que hace RedisLog con Redis caído: no sabe si la historia que conoce el
    cliente sigue existiendo, y contesta «unavailable» con los últimos que tiene.
    """

    def __init__(self) -> None:
        super().__init__()
        self.reachable = True

    def replay(self, room: str, since: int | None = None, epoch: str | None = None) -> Replay:
        if since is not None and not self.reachable:
            return Replay(self.recent(room), False, "unavailable")
        return super().replay(room, since, epoch)


def _serve(io_loop: tornado.ioloop.IOLoop, **app_options: Any) -> Iterator[LoopbackServer]:
    yield from serve(io_loop, lambda hub: make_app(hub, **app_options))


@pytest.fixture
def stack2(stack2_server, open_page) -> Stack2:
    return Stack2(stack2_server, open_page)


@pytest.fixture
def tiny_server(io_loop) -> Iterator[LoopbackServer]:
    """Un Stack 2 que solo guarda los últimos 3 mensajes (como ``--history=3``)."""
    yield from _serve(io_loop, log=MemoryLog(history_size=3))


@pytest.fixture
def other_server(io_loop) -> Iterator[LoopbackServer]:
    """Otro Stack 2 con su propia historia (otro epoch): el mismo chat tras perderla."""
    yield from _serve(io_loop)


@pytest.fixture
def unchecked_log() -> CannotCheck:
    return CannotCheck()


@pytest.fixture
def unchecked_server(io_loop, unchecked_log) -> Iterator[LoopbackServer]:
    yield from _serve(io_loop, log=unchecked_log)


@pytest.fixture
def flaky_server(io_loop) -> Iterator[LoopbackServer]:
    yield from _serve(io_loop, log=FailsOnce())


@pytest.fixture
def leaky_server(io_loop) -> Iterator[LoopbackServer]:
    yield from _serve(io_loop, log=LosesSecond())


@pytest.fixture
def relay(stack2_server, io_loop) -> Iterator[Relay]:
    """Un relé hacia ``stack2_server``: las páginas cargadas por él pierden la red a voluntad."""
    relay = Relay(stack2_server.port)
    io_loop.run_sync(relay.go_online)
    yield relay
    io_loop.run_sync(relay.close)


def lines(page):
    """El texto de cada mensaje de chat, confirmado o no, en el orden de la pantalla."""
    return message_log(page).locator("li.message .text")


def pending(page):
    return message_log(page).locator("li.message.pending")


def gap_markers(page):
    return message_log(page).locator("li.notice.gap")


async def open_via(stack2: Stack2, relay: Relay, init_scripts: list[str] | None = None):
    """Abre la página a través del relé (y, con ella, su WebSocket)."""
    watched = await stack2._open_page(relay.http_url, init_scripts=init_scripts or [])
    await stack2.wait_connected(watched.page)
    return watched


async def cut(relay: Relay, page) -> None:
    """Corta la red de la página y espera a que ella misma lo note."""
    await relay.go_offline()
    await expect(status(page), "La página no notó el corte").to_have_attribute(
        "data-state", "offline"
    )


async def restore(stack2: Stack2, relay: Relay, page) -> None:
    """Vuelve la red y espera a que la página se reconecte sola."""
    await relay.go_online()
    await stack2.wait_connected(page, timeout=RECONNECT_WAIT_MS)


# --- Historial --------------------------------------------------------------------------


async def test_a_page_opened_late_shows_the_conversation_so_far(stack2) -> None:
    first = await stack2.open()
    await say(first.page, "uno")
    await say(first.page, "dos")
    await expect(lines(first.page)).to_have_text(["uno", "dos"])

    late = await stack2.open()
    await expect(lines(late.page), "Quien llega tarde debe ver lo que ya se dijo").to_have_text(
        ["uno", "dos"]
    )


async def test_a_reload_shows_the_conversation_again_once_and_in_order(stack2) -> None:
    mine = await stack2.open()
    other = await stack2.open()
    await say(mine.page, "uno")
    await expect(lines(other.page)).to_have_text(["uno"])  # La otra contesta después.
    await say(other.page, "dos")
    await expect(lines(mine.page)).to_have_text(["uno", "dos"])

    await mine.page.reload()
    await stack2.wait_connected(mine.page)
    await expect(lines(mine.page), "Tras recargar debe verse la conversación").to_have_text(
        ["uno", "dos"]
    )
    await expect(
        message_log(mine.page).locator("li.message").first, "Lo mío sigue marcado como mío"
    ).to_have_class("message mine")
    await say(other.page, "tres")
    await expect(lines(mine.page)).to_have_text(["uno", "dos", "tres"])


async def test_a_reload_resumes_from_its_last_message_instead_of_downloading_again(
    stack2,
) -> None:
    mine = await stack2.open(init_scripts=[RECORD_FRAMES])
    other = await stack2.open()
    await say(mine.page, "uno")
    await expect(lines(other.page)).to_have_text(["uno"])  # La otra contesta después.
    await say(other.page, "dos")
    await expect(lines(mine.page)).to_have_text(["uno", "dos"])

    await mine.page.reload()
    await stack2.wait_connected(mine.page)
    await expect(lines(mine.page)).to_have_text(["uno", "dos"])
    url = mine.websockets[-1].url
    path, query = socket_address(url)
    assert path == "/ws/general" and sorted(query) == ["client", "epoch", "since"], url
    assert query["since"] == "2" and re.fullmatch("[0-9a-f]+", query["epoch"]), f"No retomó: {url}"
    welcome = await mine.page.evaluate("window.__received.find((e) => e.type === 'welcome')")
    assert welcome["recovered"] is True and welcome["history"] == [], (
        f"Debía retomar sin descargar otra vez lo que ya tenía: {welcome}"
    )


# --- Sin red ---------------------------------------------------------------------------


async def test_a_message_typed_while_the_network_is_down_reaches_every_page_once(
    stack2, relay
) -> None:
    offline = await open_via(stack2, relay)
    other = await stack2.open()
    await cut(relay, offline.page)

    await say(offline.page, "escrito sin red")
    await expect(pending(offline.page), "Sin red, el mensaje debe esperar a la vista").to_have_text(
        re.compile("pendiente")
    )
    await expect(lines(other.page)).to_have_count(0)

    await restore(stack2, relay, offline.page)
    for page in (offline.page, other.page):
        await expect(lines(page)).to_have_text(["escrito sin red"])
    await expect(pending(offline.page), "Confirmado, ya no está pendiente").to_have_count(0)
    await expect(message_log(offline.page).locator("li.message")).to_have_class("message mine")
    # Un mensaje posterior: si el primero llegara dos veces, ya se vería antes que este.
    await say(other.page, "recibido")
    for page in (offline.page, other.page):
        await expect(lines(page)).to_have_text(["escrito sin red", "recibido"])


async def test_a_page_that_was_offline_gets_what_it_missed_once_and_in_order(stack2, relay) -> None:
    away = await open_via(stack2, relay)
    other = await stack2.open()
    await say(away.page, "antes del corte")
    await expect(lines(other.page)).to_have_text(["antes del corte"])
    await cut(relay, away.page)

    missed = [f"mientras no estabas {n}" for n in range(1, 5)]
    for text in missed:
        await say(other.page, text)
    await expect(lines(other.page)).to_have_count(5)

    await restore(stack2, relay, away.page)
    await expect(lines(away.page)).to_have_text(["antes del corte", *missed])
    await expect(gap_markers(away.page), "Lo tiene todo: no falta nada que avisar").to_have_count(0)
    await say(other.page, "en directo")
    await expect(lines(away.page)).to_have_text(["antes del corte", *missed, "en directo"])


async def test_a_page_too_far_behind_shows_a_marker_and_then_the_latest_messages(
    tiny_server, open_page, io_loop
) -> None:
    stack2 = Stack2(tiny_server, open_page)
    relay = Relay(tiny_server.port)
    await relay.go_online()
    try:
        away = await open_via(stack2, relay)
        other = await stack2.open()
        await say(other.page, "uno")
        await expect(lines(away.page)).to_have_text(["uno"])
        await cut(relay, away.page)
        for text in ("dos", "tres", "cuatro", "cinco", "seis"):
            await say(other.page, text)
        await expect(lines(other.page)).to_have_count(6)

        await restore(stack2, relay, away.page)
        marker = gap_markers(away.page)
        await expect(marker, "Faltan mensajes: la página debe decirlo").to_have_text(
            "Te perdiste mensajes: mostramos los últimos 3."
        )
        await expect(lines(away.page)).to_have_text(["uno", "cuatro", "cinco", "seis"])
        after_marker = marker.locator("~ li.message .text")
        await expect(after_marker, "Los últimos, justo debajo de la marca").to_have_text(
            ["cuatro", "cinco", "seis"]
        )
    finally:
        await relay.close()


async def test_when_the_server_history_is_reset_the_page_says_so(
    stack2, relay, other_server
) -> None:
    watched = await open_via(stack2, relay)
    await say(watched.page, "de la historia vieja")
    await expect(lines(watched.page)).to_have_text(["de la historia vieja"])
    await cut(relay, watched.page)

    relay.target_port = other_server.port  # El mismo chat, pero con la historia perdida.
    await restore(stack2, relay, watched.page)
    await expect(gap_markers(watched.page)).to_have_text(re.compile("se borró y empezó de nuevo"))
    # Su primer mensaje vuelve a ser el seq 1: solo el epoch lo distingue del viejo.
    await say(watched.page, "de la historia nueva")
    await expect(lines(watched.page)).to_have_text(["de la historia vieja", "de la historia nueva"])
    await expect(pending(watched.page)).to_have_count(0)


async def test_a_resume_the_server_could_not_check_says_so_in_its_own_words(
    unchecked_server, unchecked_log, open_page
) -> None:
    stack2 = Stack2(unchecked_server, open_page)
    relay = Relay(unchecked_server.port)
    await relay.go_online()
    try:
        watched = await open_via(stack2, relay)
        await say(watched.page, "antes del corte")
        await expect(lines(watched.page)).to_have_text(["antes del corte"])
        await cut(relay, watched.page)
        unchecked_log.reachable = False  # Con --redis: Redis cayó mientras tanto.
        await restore(stack2, relay, watched.page)
        await expect(gap_markers(watched.page)).to_have_text(
            "El servidor no pudo comprobar si te perdiste mensajes (perdió la conexión con "
            "su base de datos): quizá falte alguno aquí; mostramos el último."
        )
    finally:
        await relay.close()


async def test_a_message_left_pending_when_the_tab_closed_is_sent_when_the_chat_opens_again(
    stack2, relay
) -> None:
    watched = await open_via(stack2, relay)
    other = await stack2.open()
    await cut(relay, watched.page)
    await say(watched.page, "se quedó en la bandeja")
    await watched.page.close()

    await relay.go_online()
    page = await watched.context.new_page()  # Mismo navegador: mismo localStorage.
    await page.goto(relay.http_url)
    await stack2.wait_connected(page)
    for shown in (page, other.page):
        await expect(lines(shown)).to_have_text(["se quedó en la bandeja"])
    await expect(pending(page)).to_have_count(0)
    assert await page.evaluate(OUTBOX_KEYS) == [], "Entregado, debe salir de la bandeja"


async def test_a_burst_typed_offline_is_sent_in_order_without_tripping_the_flood_guard(
    stack2, relay
) -> None:
    watched = await open_via(stack2, relay, [RECORD_FRAMES])
    other = await stack2.open()
    await cut(relay, watched.page)
    burst = [f"ráfaga {n}" for n in range(1, 13)]  # Más que los 10 seguidos del servidor.
    for text in burst:
        await say(watched.page, text)
    await expect(pending(watched.page)).to_have_count(12)

    await restore(stack2, relay, watched.page)
    await expect(lines(other.page)).to_have_text(burst, timeout=RECONNECT_WAIT_MS)
    await expect(pending(watched.page)).to_have_count(0)
    refused = await watched.page.evaluate(
        "window.__received.filter((event) => event.type === 'error').map((event) => event.code)"
    )
    assert refused == [], f"La bandeja envió demasiado deprisa: {refused}"


async def test_a_message_the_server_refuses_is_marked_failed_and_not_retried(stack2) -> None:
    watched = await stack2.open(init_scripts=[RECORD_FRAMES])
    page = watched.page
    await say(page, "\u200b")  # Solo un espacio invisible: el servidor lo rechaza («empty»).
    failed = message_log(page).locator("li.message.failed")
    await expect(failed.locator(".state"), "El fallo debe verse, en español").to_have_text(
        "No se envió: El mensaje está vacío."
    )
    assert await page.evaluate(OUTBOX_KEYS) == [], "Rechazado, no debe quedarse en la bandeja"

    await say(page, "este sí")  # La bandeja no se atasca con el rechazado.
    await expect(message_log(page).locator("li.message.mine:not(.failed) .text")).to_have_text(
        ["este sí"]
    )
    sent = await page.evaluate("window.__sent.map((event) => event.text)")
    assert sent == ["\u200b", "este sí"], f"El rechazado no debe reintentarse: {sent}"


async def test_a_message_the_server_could_not_store_is_retried_and_shown_once(
    flaky_server, open_page
) -> None:
    stack2 = Stack2(flaky_server, open_page)
    watched = await stack2.open(init_scripts=[RECORD_FRAMES])
    other = await stack2.open()
    await say(watched.page, "a la segunda")
    for page in (watched.page, other.page):
        await expect(lines(page)).to_have_text(["a la segunda"])
    await expect(pending(watched.page)).to_have_count(0)
    codes = await watched.page.evaluate(
        "window.__received.filter((e) => e.type === 'error').map((e) => e.code)"
    )
    assert codes == ["unavailable"], f"El primer intento debía fallar: {codes}"
    cids = await watched.page.evaluate("window.__sent.map((event) => event.cid)")
    assert len(cids) == 2 and cids[0] == cids[1], f"Se reintenta con el mismo cid: {cids}"


async def test_a_hole_in_the_live_numbering_makes_the_page_fetch_what_is_missing(
    leaky_server, open_page
) -> None:
    stack2 = Stack2(leaky_server, open_page)
    sender = await stack2.open()
    reader = await stack2.open()
    for text in ("uno", "dos", "tres"):  # «dos» se guarda, pero nadie lo recibe en directo.
        await say(sender.page, text)
    for page in (sender.page, reader.page):
        await expect(lines(page), "El hueco debe rellenarse, en orden").to_have_text(
            ["uno", "dos", "tres"]
        )
    await say(sender.page, "cuatro")
    await expect(lines(reader.page)).to_have_text(["uno", "dos", "tres", "cuatro"])


async def test_without_random_uuid_each_message_still_gets_its_own_id(stack2) -> None:
    watched = await stack2.open(init_scripts=[NO_RANDOM_UUID, RECORD_FRAMES])
    await say(watched.page, "uno")
    await say(watched.page, "dos")
    await expect(message_log(watched.page).locator("li.message.mine")).to_have_count(2)
    await expect(pending(watched.page)).to_have_count(0)
    cids = await watched.page.evaluate("window.__sent.map((event) => event.cid)")
    assert len(cids) == 2 and cids[0] != cids[1], f"Cada mensaje necesita su cid: {cids}"
    for cid in cids:
        assert re.fullmatch(r"[0-9a-f]{32}", cid), f"cid hecho con getRandomValues(): {cid!r}"


# --- La llave del navegador (?client=) --------------------------------------------------


async def client_key_of(page) -> str:
    """La llave que la página guardó y la que envió en la dirección de su último WebSocket."""
    return await page.evaluate("localStorage.getItem('chat2.client')")


async def test_one_browser_sends_the_same_client_key_in_every_room_tab_reload_and_reconnection(
    stack2,
) -> None:
    watched = await stack2.open()
    key = await client_key_of(watched.page)
    assert key is not None and CLIENT_KEY.match(key), f"Llave mal formada: {key!r}"
    tab = await watched.context.new_page()  # Otra pestaña del mismo navegador, en otra sala.
    tab_sockets: list = []
    tab.on("websocket", lambda socket: tab_sockets.append(socket))
    await tab.goto(stack2.url() + "sala/clase")
    await stack2.wait_connected(tab)
    await watched.page.reload()
    await stack2.wait_connected(watched.page)
    await stack2.server.stop()
    await expect(status(watched.page)).to_have_attribute("data-state", "offline")
    stack2.server.start()
    await stack2.wait_connected(watched.page, timeout=RECONNECT_WAIT_MS)

    urls = [socket.url for socket in watched.websockets + tab_sockets]
    assert len(urls) >= 4, f"Faltan conexiones (primera, recarga, reconexión, pestaña): {urls}"
    for url in urls:
        assert socket_address(url)[1].get("client") == key, f"Sin la llave {key}: {url}"


async def test_two_browsers_have_two_different_client_keys(stack2) -> None:
    keys = {await client_key_of((await stack2.open()).page) for _ in range(2)}
    assert len(keys) == 2, f"Dos navegadores con la misma llave: {keys}"


# Como un navegador con las cookies bloqueadas: tocar localStorage lanza un error.
NO_LOCAL_STORAGE = """
Object.defineProperty(window, "localStorage", {
  get() { throw new DOMException("Almacenamiento bloqueado", "SecurityError"); },
});
"""


async def test_without_local_storage_each_page_load_gets_a_fresh_client_key(stack2) -> None:
    watched = await stack2.open(init_scripts=[NO_LOCAL_STORAGE])
    await say(watched.page, "sin almacenamiento")
    await expect(pending(watched.page)).to_have_count(0)
    await watched.page.reload()
    await stack2.wait_connected(watched.page)
    keys = [socket_address(socket.url)[1].get("client", "") for socket in watched.websockets]
    assert len(keys) == 2 and all(CLIENT_KEY.match(key) for key in keys), f"Llaves: {keys}"
    assert keys[0] != keys[1], "Sin almacenamiento, cada carga de la página inventa la suya"
    assert watched.errors == [], f"Errores de JavaScript: {watched.errors}"


async def test_pending_and_failed_messages_have_readable_contrast(stack2, relay) -> None:
    watched = await open_via(stack2, relay)
    page = watched.page
    await say(page, "\u200b")
    await expect(message_log(page).locator("li.message.failed")).to_have_count(1)
    await cut(relay, page)
    await say(page, "esperando la red")
    await expect(pending(page)).to_have_count(1)
    problems = await page.evaluate(TEXT_CONTRAST_PROBLEMS)
    assert problems == [], "Texto poco legible:\n" + "\n".join(problems)
