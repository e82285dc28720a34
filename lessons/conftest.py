"""Lo común a las comprobaciones de las lecciones: clientes reales y pistas en español."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from ayudas import ESPERA, carpeta
from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

Conectar = Callable[..., Awaitable[WebSocketClientConnection]]


@pytest.fixture
def conectar(io_loop: Any) -> AsyncIterator[Conectar]:
    """Abre clientes WebSocket reales y los cierra todos al acabar la prueba."""
    abiertos: list[WebSocketClientConnection] = []

    async def _conectar(
        url: str, cabeceras: dict[str, str] | None = None
    ) -> WebSocketClientConnection:
        conn = await websocket_connect(HTTPRequest(url, headers=cabeceras))
        abiertos.append(conn)
        return conn

    yield _conectar

    async def cerrar_todos() -> None:
        vivos = [(c, c.protocol.stream) for c in abiertos if c.protocol is not None]
        for conn, _ in vivos:
            conn.close()
        # read_message() devuelve None cuando el cierre ha terminado del todo.
        for conn, stream in vivos:
            if not stream.closed():
                while await conn.read_message() is not None:
                    pass

    io_loop.run_sync(cerrar_todos, timeout=ESPERA)


@pytest.fixture
def ws_base(http_server: Any, http_port: int) -> str:
    """La dirección ws:// del servidor de la prueba (siempre 127.0.0.1)."""
    return f"ws://127.0.0.1:{http_port}"


def pytest_configure(config: pytest.Config) -> None:
    # Errores cortos: al estudiante le interesa su línea, no las de Tornado.
    if config.option.tbstyle == "auto":
        config.option.tbstyle = "short"


def pytest_report_header() -> str:
    return f"Comprobando la carpeta «{carpeta()}» de cada lección."


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    # La docstring de cada prueba es su pista: se muestra solo si falla.
    if report.failed and isinstance(item, pytest.Function):
        pista = inspect.getdoc(item.function)
        if pista:
            report.sections.append(("Pista", pista))
    return report


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int) -> None:
    if exitstatus == 0:
        terminalreporter.write_line("¡Bien! Todas las comprobaciones pasan.", green=True)
    elif exitstatus == 1:
        terminalreporter.write_line(
            "Aún no: lee la «Pista» de cada prueba que falla y vuelve a intentarlo.", yellow=True
        )
