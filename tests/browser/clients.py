"""Cómo usa una persona cada cliente: abrirlo, escribir y leer la conversación.

Las pruebas hablan con las páginas como lo haría alguien con teclado o con un
lector de pantalla: por etiquetas y roles («Mensaje», «Enviar», «Mensajes»), no
por detalles internos del HTML.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from tests.browser.harness import STACK1_CLIENT, LoopbackServer, WatchedPage

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

try:
    from playwright.async_api import expect
except ImportError:  # Sin Playwright, el fixture «browser» salta (o falla en CI) cada prueba.
    expect = None  # type: ignore[assignment]

# «127.0.0.1:54321»: el nombre que el servidor del Stack 2 da a cada página.
IDENTITY = re.compile(r"^127\.0\.0\.1:\d+$")
# La llave de un navegador del Stack 2 (?client=): 22 o más caracteres de un alfabeto seguro.
CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{22,}$")


def socket_address(url: str) -> tuple[str, dict[str, str]]:
    """La ruta y los parámetros de la dirección de un WebSocket («/ws/clase», {"client": …})."""
    parts = urlsplit(url)
    return parts.path, dict(parse_qsl(parts.query))


def message_box(page: Page) -> Locator:
    return page.get_by_role("textbox", name="Mensaje", exact=True)


def send_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Enviar", exact=True)


def message_log(page: Page) -> Locator:
    return page.get_by_role("log", name="Mensajes", exact=True)


def status(page: Page) -> Locator:
    return page.get_by_role("status")


async def say(page: Page, text: str) -> None:
    """Escribe en la caja de mensaje y pulsa Enter, como haría una persona."""
    await message_box(page).fill(text)
    await message_box(page).press("Enter")
    await expect(message_box(page), "Enviar debería vaciar la caja de mensaje").to_have_value("")


class Stack1:
    """cliente.html abierto desde el disco (file://), conectado a un servidor del Stack 1."""

    name = "stack1"

    def __init__(self, server: LoopbackServer, open_page: Any) -> None:
        self.server = server
        self._open_page = open_page

    def url(self, server: str | None = None) -> str:
        return f"{STACK1_CLIENT.as_uri()}?server={server or self.server.ws_url}"

    def own_origins(self) -> tuple[str, ...]:
        return (STACK1_CLIENT.as_uri(), f"{self.server.ws_url}/")

    async def open(self, who: str = "Ana", **context_options: Any) -> WatchedPage:
        watched = await self._open_page(self.url(), **context_options)
        await self.wait_connected(watched.page)
        await watched.page.get_by_label("Tu nombre").fill(who)
        return watched

    async def wait_connected(self, page: Page) -> None:
        await expect(status(page)).to_have_attribute("data-state", "online")

    @staticmethod
    def chat_lines(page: Page) -> Locator:
        """Las líneas de chat («Nombre: texto»), sin los avisos del propio cliente."""
        return message_log(page).locator("li.message")

    @staticmethod
    def shown_text(sender: str, text: str) -> str:
        return f"{sender}: {text}"


class Stack2:
    """La página que sirve el propio servidor del Stack 2 por http://."""

    name = "stack2"

    def __init__(self, server: LoopbackServer, open_page: Any) -> None:
        self.server = server
        self._open_page = open_page

    def url(self) -> str:
        return self.server.http_url

    def own_origins(self) -> tuple[str, ...]:
        return (self.server.http_url, f"{self.server.ws_url}/")

    async def open(self, who: str = "", **context_options: Any) -> WatchedPage:
        """Abre la página; ``who`` se ignora: aquí el nombre lo pone el servidor (IP:puerto)."""
        watched = await self._open_page(self.url(), **context_options)
        await self.wait_connected(watched.page)
        return watched

    async def wait_connected(self, page: Page, timeout: float | None = None) -> None:
        await expect(status(page)).to_have_attribute("data-state", "online", timeout=timeout)
        await expect(page.locator("#me"), "La página no recibió su «welcome»").to_have_text(
            IDENTITY
        )

    @staticmethod
    async def identity(page: Page) -> str:
        """El «IP:puerto» que el servidor le dio a esta página."""
        return (await page.locator("#me").text_content() or "").strip()

    @staticmethod
    def chat_lines(page: Page) -> Locator:
        return message_log(page).locator("li.message .text")

    @staticmethod
    def shown_text(sender: str, text: str) -> str:
        return text
