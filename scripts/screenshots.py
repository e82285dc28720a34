"""Hace las capturas del README: los dos clientes en una conversación real.

    python scripts/screenshots.py

Arranca cada servidor en 127.0.0.1 (en un puerto libre), abre dos navegadores
(Chromium sin red, el mismo que usan las pruebas), conversa un poco y guarda
las capturas de escritorio y de móvil en docs/img/.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # Para usar el banco de pruebas de tests/browser/.

from playwright.async_api import Browser, Page, async_playwright, expect  # noqa: E402

from stack1_pure.server import make_app as make_stack1_app  # noqa: E402
from stack2_http.server import make_app as make_stack2_app  # noqa: E402
from tests.browser.harness import (  # noqa: E402
    STACK1_CLIENT,
    LoopbackServer,
    WatchedPage,
    launch_chromium,
    missing_browser_reason,
    open_watched_page,
)

OUT = ROOT / "docs" / "img"
# Como en clase: idioma y hora de España en los dos navegadores.
SPAIN = {"locale": "es-ES", "timezone_id": "Europe/Madrid"}
DESKTOP = {**SPAIN, "viewport": {"width": 1100, "height": 680}}
PHONE = {
    **SPAIN,
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


async def say(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Mensaje", exact=True)
    await box.fill(text)
    await box.press("Enter")
    await expect(page.get_by_role("log", name="Mensajes").get_by_text(text)).to_be_visible()


async def snap(watched: WatchedPage, path: Path) -> Path:
    """Guarda lo que se ve en pantalla, sin el foco del teclado ni el cursor."""
    await watched.page.evaluate("document.activeElement && document.activeElement.blur()")
    await watched.page.screenshot(path=path, animations="disabled")
    return path


async def stack1(browser: Browser, out: Path) -> list[Path]:
    server = LoopbackServer(make_stack1_app)
    server.start()
    url = f"{STACK1_CLIENT.as_uri()}?server={server.ws_url}"
    ana = await open_watched_page(browser, url, **DESKTOP)
    luis = await open_watched_page(browser, url, **PHONE)
    try:
        for watched, name in ((ana, "Ana"), (luis, "Luis")):
            await expect(watched.page.get_by_role("status")).to_have_text("Conectado")
            await watched.page.get_by_label("Tu nombre").fill(name)
        await say(ana.page, "¡Hola, Luis! ¿Me lees?")
        await say(luis.page, "¡Hola, Ana! Te leo perfectamente.")
        await say(ana.page, "El servidor solo reenvía lo que escribimos, tal cual.")
        await say(luis.page, "¿Y si escribo <b>negrita</b>?")
        await say(ana.page, "Se ve como texto: la página nunca lo interpreta como HTML.")
        return [
            await snap(ana, out / "stack1-escritorio.png"),
            await snap(luis, out / "stack1-movil.png"),
        ]
    finally:
        await ana.close()
        await luis.close()
        await server.stop()


async def stack2(browser: Browser, out: Path) -> list[Path]:
    server = LoopbackServer(make_stack2_app)
    server.start()
    desk = await open_watched_page(browser, server.http_url, **DESKTOP)
    phone = await open_watched_page(browser, server.http_url, **PHONE)
    try:
        await say(desk.page, "¡Hola! Aquí cada mensaje lleva la IP y el puerto de quien lo envía.")
        await say(phone.page, "Ya lo veo: a mí el servidor me ha puesto mi IP y mi puerto.")
        visitor = await open_watched_page(browser, server.http_url, **DESKTOP)
        await say(visitor.page, "Hola, entro un momento desde otra pestaña.")
        await visitor.close()
        await expect(desk.page.get_by_text("ha salido.")).to_be_visible()
        await say(desk.page, "¿Os llega a todos a la vez?")
        await say(phone.page, "Sí, al instante. ¡Y la lista de conectados se actualiza sola!")
        return [
            await snap(desk, out / "stack2-escritorio.png"),
            await snap(phone, out / "stack2-movil.png"),
        ]
    finally:
        await desk.close()
        await phone.close()
        await server.stop()


async def capture(browser: Browser, out: Path = OUT) -> list[Path]:
    """Hace las cuatro capturas en ``out`` y devuelve sus rutas."""
    out.mkdir(parents=True, exist_ok=True)
    return [*await stack1(browser, out), *await stack2(browser, out)]


async def main() -> None:
    reason = missing_browser_reason()
    if reason is not None:
        raise SystemExit(reason)
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            for path in await capture(browser):
                print(f"{path.relative_to(ROOT)}  ({path.stat().st_size // 1024} KB)")
        finally:
            await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
