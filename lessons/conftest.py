"""Lo común a las comprobaciones de las lecciones: clientes reales y pistas en español."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
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


def _lecciones(args: list[str]) -> list[Path]:
    """Las carpetas de lección que se van a comprobar (lessons/NN_tema), según los argumentos."""
    aqui = Path(__file__).resolve().parent
    encontradas = []
    for arg in args:
        ruta = Path(arg.split("::")[0]).resolve()
        if ruta == aqui:
            encontradas += sorted(p for p in aqui.glob("[0-9][0-9]_*") if p.is_dir())
        elif aqui in ruta.parents:
            encontradas.append(aqui / ruta.relative_to(aqui).parts[0])
    return encontradas


def pytest_configure(config: pytest.Config) -> None:
    # Sin la carpeta que se va a cargar (lo normal si el profesor borró las soluciones),
    # una línea en español en lugar de un FileNotFoundError con su traza.
    for leccion in _lecciones(config.args):
        if not (leccion / carpeta()).is_dir():
            raise pytest.UsageError(
                f"{leccion.name} no tiene la carpeta «{carpeta()}» (¿se borraron las "
                "soluciones?). Quita EJERCICIO=solucion para comprobar tu ejercicio."
            )
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
