"""Lo común a las comprobaciones de las lecciones: clientes reales y pistas a petición.

Cuando una comprobación falla, se dice qué comprueba y cómo pedir una pista; la
pista misma solo sale si la pides (``PISTA=1``, ``2`` o ``3``, o ``python -m lessons.pista``).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from ayudas import ESPERA, NIVELES, carpeta, nivel_de_pista, numero_de, pistas_de
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
def connect(conectar: Conectar) -> Conectar:
    """``conectar`` con el nombre y los argumentos de tests/conftest.py.

    Así las lecciones 2 y 4 ejecutan contra tu servidor las mismas especificaciones
    que los stacks de verdad (tests/spec_stack1.py y tests/spec_core.py).
    """

    async def _connect(
        url: str, headers: dict[str, str] | None = None
    ) -> WebSocketClientConnection:
        return await conectar(url, cabeceras=headers)

    return _connect


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
    nivel_de_pista()  # Un PISTA mal escrito se dice antes de empezar.
    # Errores cortos: al estudiante le interesa su línea, no las de Tornado.
    if config.option.tbstyle == "auto":
        config.option.tbstyle = "short"
    # El resumen final, solo con lo que falla (-ra, el de pyproject, lista también lo
    # que se salta: en «Construye», todo espera a make_app()).
    if config.option.reportchars == "a":
        config.option.reportchars = "fE"


def pytest_report_header() -> str:
    return f"Comprobando la carpeta «{carpeta()}» de cada lección."


def _leccion_de(ruta: str | Path) -> Path | None:
    """La carpeta de lección (lessons/NN_tema) de un archivo de comprobación."""
    aqui = Path(__file__).resolve().parent
    ruta = Path(ruta).resolve()
    if aqui not in ruta.parents:
        return None
    return aqui / ruta.relative_to(aqui).parts[0]


def orden_de_pista(leccion: Path, nivel: int = 1) -> str:
    """Cómo pedir el nivel ``nivel`` de pista en esta lección (igual en Windows)."""
    sufijo = "" if nivel == 1 else f" {nivel}"
    return f"python -m lessons.pista {numero_de(leccion)}{sufijo}  (o comprueba con PISTA={nivel})"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    leccion = _leccion_de(item.path)
    if not report.failed or leccion is None or not isinstance(item, pytest.Function):
        return report
    # La docstring de cada comprobación dice qué comprueba, nunca cómo arreglarlo.
    que = inspect.getdoc(item.function)
    if que:
        report.sections.append(("Qué se comprueba", que))
    nivel = nivel_de_pista()
    if nivel == 0:
        report.sections.append(("¿Atascado?", "Pide una pista: " + orden_de_pista(leccion)))
        return report
    niveles = pistas_de(leccion).get(item.originalname, ())
    texto = "\n".join(f"{n}/{NIVELES}. {pista}" for n, pista in enumerate(niveles[:nivel], start=1))
    if nivel < NIVELES:
        texto += "\n¿Más? " + orden_de_pista(leccion, nivel + 1)
    report.sections.append(("Pista", texto or "Esta comprobación no tiene pistas."))
    return report


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int) -> None:
    # Lo que se saltó, una línea por motivo: el resumen de pytest ya no lo lista (ver
    # pytest_configure), y sin Chromium la comprobación de JavaScript dice aquí qué falta.
    motivos: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        motivo = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        motivo = motivo.removeprefix("Skipped: ")
        motivos[motivo] = motivos.get(motivo, 0) + 1
    for motivo, veces in motivos.items():
        terminalreporter.write_line(f"Sin comprobar ({veces}): {motivo}", yellow=True)
    if exitstatus == 0 and motivos:
        terminalreporter.write_line(
            "¡Bien! Todas las comprobaciones que han corrido pasan.", green=True
        )
    elif exitstatus == 0:
        terminalreporter.write_line("¡Bien! Todas las comprobaciones pasan.", green=True)
    elif exitstatus == 1:
        fallidas = terminalreporter.stats.get("failed", [])
        lecciones = {_leccion_de(report.fspath) for report in fallidas}
        numeros = sorted(numero_de(leccion) for leccion in lecciones if leccion is not None)
        ordenes = " o ".join(f"«python -m lessons.pista {numero}»" for numero in numeros)
        terminalreporter.write_line(
            "Aún no: lee qué comprueba cada prueba que falla y qué vio. Si te atascas, "
            f"pide una pista: {ordenes or '«python -m lessons.pista NN»'}.",
            yellow=True,
        )
