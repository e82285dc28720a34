"""El banco de pruebas del navegador: Chromium sin red y servidores de chat en loopback.

Lo usan las pruebas de tests/browser/ y scripts/screenshots.py, para que las capturas
del README salgan exactamente de lo mismo que se prueba.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tornado.ioloop
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from common.fanout.hub import Hub

if TYPE_CHECKING:
    from playwright.async_api import (
        Browser,
        BrowserContext,
        Page,
        Playwright,
        Response,
        WebSocket,
    )

ROOT = Path(__file__).resolve().parents[2]
STACK1_CLIENT = ROOT / "stack1_pure" / "cliente.html"

# El Chromium de Debian (paquete «chromium»), nunca uno descargado con «playwright install».
CHROMIUM = Path("/usr/bin/chromium")
# Dónde suelen estar Chromium o Chrome en cada sistema (después de la variable CHROMIUM).
STANDARD_BROWSERS = [
    CHROMIUM,
    Path("/usr/bin/chromium-browser"),
    Path("/snap/bin/chromium"),
    Path("/usr/bin/google-chrome"),
    Path("/Applications/Chromium.app/Contents/MacOS/Chromium"),
    Path("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"),
    *(
        Path(os.environ.get(base, "")) / sub / "Application" / "chrome.exe"
        for base in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")
        for sub in ("Google/Chrome", "Chromium")
        if os.environ.get(base)
    ),
]
BROWSER_COMMANDS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Qué instalar, según el sistema, si no hay ninguno.
INSTALL_HINTS = {
    "linux": "«sudo apt install chromium» (Debian/Ubuntu) o «sudo dnf install chromium» (Fedora)",
    "darwin": "«brew install --cask chromium», o instala Google Chrome",
    "win32": "instala Google Chrome o Chromium",
}
CHROMIUM_ARGS = [
    # Ningún nombre se resuelve salvo localhost y 127.0.0.1: aunque una página
    # intentara salir a Internet, no llegaría a ninguna parte.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    # Chromium no pide nada por su cuenta (actualizaciones, sincronización…).
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    # Las pruebas corren como root en CI, y el sandbox de Chromium no lo admite.
    "--no-sandbox",
]

# Ninguna espera del navegador pasa de esto; si algo no aparece, la prueba falla.
WAIT_MS = 5000


def missing_browser_reason() -> str | None:
    """Por qué no pueden correr las pruebas de navegador aquí, o None si pueden."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return (
            "Pruebas de navegador desactivadas: falta Playwright; "
            "actívalas con «pip install -r requirements-dev.txt»."
        )
    if find_browser() is None:
        hint = INSTALL_HINTS.get(sys.platform, INSTALL_HINTS["linux"])
        return (
            f"Pruebas de navegador desactivadas: no se encuentra Chromium ni Chrome; "
            f"actívalas con {hint}, o indica su ruta en la variable CHROMIUM."
        )
    return None


def find_browser() -> str | None:
    """La ruta de Chromium o Chrome: la de la variable CHROMIUM, o la de su sitio habitual."""
    chosen = os.environ.get("CHROMIUM")
    if chosen:
        return chosen if Path(chosen).exists() else None
    for path in STANDARD_BROWSERS:
        if path.is_file():
            return str(path)
    return next(filter(None, map(shutil.which, BROWSER_COMMANDS)), None)


async def launch_chromium(playwright: Playwright) -> Browser:
    """Arranca el Chromium del sistema, sin ventana y sin acceso a la red."""
    return await playwright.chromium.launch(
        executable_path=find_browser(),
        headless=True,
        args=CHROMIUM_ARGS,
    )


class LoopbackServer:
    """Un servidor de chat en 127.0.0.1 que se puede parar y volver a arrancar.

    El puerto se elige libre al crearlo y se conserva al reiniciar: así una página
    abierta puede reconectarse a la misma dirección, como en clase.
    """

    def __init__(self, make_app: Callable[[Hub], tornado.web.Application]) -> None:
        self.hub = Hub()
        self.app = make_app(self.hub)
        self._sockets = bind_sockets(0, "127.0.0.1")
        self.port: int = self._sockets[0].getsockname()[1]
        self._server: HTTPServer | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Empieza a aceptar conexiones (hay que llamarlo con el loop en marcha)."""
        assert self._server is None, "El servidor ya estaba en marcha"
        sockets = self._sockets or bind_sockets(self.port, "127.0.0.1")
        self._sockets = []
        self._server = HTTPServer(self.app)
        self._server.add_sockets(sockets)

    async def stop(self, timeout: float = 3.0) -> None:
        """Deja de escuchar y cierra cada WebSocket abierto, como al pulsar Ctrl+C."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.stop()
        # 1001 = «going away», lo mismo que envía common/startup/runner.py al apagar.
        self.hub.close_all(1001, "El servidor se está apagando")
        await asyncio.wait_for(server.close_all_connections(), timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.hub) and loop.time() < deadline:
            await asyncio.sleep(0.02)  # Sin evento que esperar: el hub solo cuenta.


@dataclass
class WatchedPage:
    """Una página en su propio contexto (su propia identidad) y lo que ha hecho."""

    context: BrowserContext
    page: Page
    response: Response | None = None
    requests: list[str] = field(default_factory=list)
    websockets: list[WebSocket] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    async def close(self) -> None:
        await self.context.close()


async def open_watched_page(
    browser: Browser, url: str, init_scripts: Sequence[str] = (), **context_options: Any
) -> WatchedPage:
    """Abre ``url`` en un contexto nuevo y anota cada petición, socket, diálogo y error.

    ``init_scripts`` corren en la página antes que los suyos: sirven para observarla
    (contar sockets, anotar esperas) sin añadir nada al código del producto.
    """
    context = await browser.new_context(**context_options)
    for script in init_scripts:
        await context.add_init_script(script)
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    watched = WatchedPage(context, page)
    # En el contexto y no en la página: así se ve también lo que pidiera un worker.
    context.on("request", lambda request: watched.requests.append(request.url))
    page.on("websocket", lambda socket: watched.websockets.append(socket))
    page.on("pageerror", lambda error: watched.errors.append(str(error)))

    def console(message: Any) -> None:
        # Un módulo que no carga (404, MIME, CSP) no lanza pageerror: solo lo dice la consola.
        if message.type == "error":
            watched.console_errors.append(message.text)

    page.on("console", console)

    async def dismiss(dialog: Any) -> None:
        watched.dialogs.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    page.on("dialog", dismiss)
    watched.response = await page.goto(url)
    return watched


def serve(
    io_loop: tornado.ioloop.IOLoop, make_app: Callable[[Hub], tornado.web.Application]
) -> Iterator[LoopbackServer]:
    """Un LoopbackServer en marcha mientras dura la prueba (en un fixture: ``yield from``)."""
    server = LoopbackServer(make_app)

    async def start() -> None:
        server.start()

    io_loop.run_sync(start)
    yield server
    io_loop.run_sync(server.stop)
