"""Piezas comunes de las pruebas: clientes WebSocket reales sobre loopback."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from common.fanout.hub import Hub
from tests.helpers import RECEIVE_TIMEOUT
from tests.services import RedisServer

Connect = Callable[..., Awaitable[WebSocketClientConnection]]


@pytest.fixture
def hub() -> Hub:
    return Hub()


@pytest.fixture
def app_kwargs(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Los argumentos de make_app() que pide la marca ``@pytest.mark.settings(...)``."""
    marker = request.node.get_closest_marker("settings")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def server_log() -> Iterator[list[logging.LogRecord]]:
    """Los avisos y errores que registra el servidor durante la prueba."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger().addHandler(handler)
    yield records
    logging.getLogger().removeHandler(handler)


@pytest.fixture
def servers(io_loop: Any) -> Iterator[list[Any]]:
    """Los server.py que arranca una prueba (tests/test_processes.py), siempre parados al final."""
    started: list[Any] = []
    yield started
    for server in started:  # Si una prueba falló a medias, no dejamos procesos vivos.
        if server.process.returncode is None:
            server.process.kill()
            io_loop.run_sync(server.process.wait)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """Un redis-server propio en un puerto libre de 127.0.0.1, parado al terminar la prueba."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def ws_base(http_server: Any, http_port: int) -> str:
    """La dirección ws:// del servidor de pruebas (siempre 127.0.0.1)."""
    return f"ws://127.0.0.1:{http_port}"


@pytest.fixture
def connect(io_loop: Any) -> AsyncIterator[Connect]:
    """Abre clientes WebSocket y los cierra todos al acabar la prueba."""
    opened: list[WebSocketClientConnection] = []

    async def _connect(
        url: str, headers: dict[str, str] | None = None
    ) -> WebSocketClientConnection:
        conn = await websocket_connect(HTTPRequest(url, headers=headers))
        opened.append(conn)
        return conn

    yield _connect

    async def close_all() -> None:
        open_ = [(conn, conn.protocol.stream) for conn in opened if conn.protocol is not None]
        for conn, _ in open_:
            conn.close()
        # Esperamos a que termine cada cierre para no dejar sockets abiertos:
        # read_message() devuelve None cuando la conexión ya se cerró del todo.
        for conn, stream in open_:
            if not stream.closed():
                while await conn.read_message() is not None:
                    pass

    io_loop.run_sync(close_all, timeout=RECEIVE_TIMEOUT)


# En CI (CI=true) ninguna prueba puede saltarse: una prueba de navegador que no
# encuentra Chromium debe fallar, no pasar en silencio.
_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") and _skipped:
        print(f"\nEn CI no se permite saltar pruebas; se saltaron {len(_skipped)}:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
