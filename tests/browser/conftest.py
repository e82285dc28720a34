"""Lo que comparten las pruebas de navegador: un Chromium por sesión y servidores en loopback."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import tornado.ioloop

from stack1_pure.server import make_app as make_stack1_app
from stack2_http.server import make_app as make_stack2_app
from tests.browser.harness import (
    WAIT_MS,
    LoopbackServer,
    WatchedPage,
    launch_chromium,
    missing_browser_reason,
    open_watched_page,
    serve,
)

OpenPage = Callable[..., Awaitable[WatchedPage]]


@pytest.fixture(scope="session")
def io_loop() -> Iterator[tornado.ioloop.IOLoop]:
    """Un único loop para todas las pruebas de navegador.

    Playwright queda atado al loop en el que arranca; con un loop por prueba (lo
    que hace pytest-tornado) habría que lanzar Chromium en cada prueba, ~1,5 s más.
    """
    loop = tornado.ioloop.IOLoop()
    loop.make_current()
    yield loop
    loop.clear_current()
    loop.close(all_fds=True)


@pytest.fixture(scope="session")
def browser(io_loop: tornado.ioloop.IOLoop) -> Iterator[Any]:
    """El Chromium del sistema, sin red; si falta, las pruebas se saltan (y en CI fallan)."""
    reason = missing_browser_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason + " En CI son obligatorias.", pytrace=False)
        pytest.skip(reason)

    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=WAIT_MS)
    playwright = io_loop.run_sync(async_playwright().start)
    chromium = io_loop.run_sync(lambda: launch_chromium(playwright))
    yield chromium
    io_loop.run_sync(chromium.close)
    io_loop.run_sync(playwright.stop)


@pytest.fixture
def stack1_server(io_loop: tornado.ioloop.IOLoop) -> Iterator[LoopbackServer]:
    """El servidor del Stack 1 en 127.0.0.1, en un puerto libre."""
    yield from serve(io_loop, make_stack1_app)


@pytest.fixture
def stack2_server(io_loop: tornado.ioloop.IOLoop) -> Iterator[LoopbackServer]:
    """El servidor del Stack 2 en 127.0.0.1, en un puerto libre, con su CSP real."""
    yield from serve(io_loop, make_stack2_app)


@pytest.fixture
def open_page(browser: Any, io_loop: tornado.ioloop.IOLoop) -> Iterator[OpenPage]:
    """Abre páginas, cada una en su propio contexto, y las cierra todas al acabar."""
    opened: list[WatchedPage] = []

    async def _open(url: str, **context_options: Any) -> WatchedPage:
        watched = await open_watched_page(browser, url, **context_options)
        opened.append(watched)
        return watched

    yield _open

    async def close_all() -> None:
        for watched in opened:
            await watched.close()

    io_loop.run_sync(close_all)


@pytest.fixture
def phone() -> dict[str, Any]:
    """Las opciones de contexto de un móvil de 390×844 (un iPhone 12-15)."""
    return {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Toda prueba de esta carpeta lleva la marca «browser» (``-m "not browser"`` las omite)."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.browser)
