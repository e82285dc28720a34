"""Ayudas de las comprobaciones: cargar el archivo del estudiante, leer con esperas acotadas
y encontrar las pistas.

Cada lección tiene una carpeta ``ejercicio/`` (la tuya) y otra ``solucion/`` (la de
referencia). Las comprobaciones cargan ``ejercicio/`` salvo que la variable de entorno
``EJERCICIO`` diga otra cosa: ``EJERCICIO=solucion python -m pytest lessons/01_que_es_websocket``
comprueba la solución. Así la integración continua demuestra que cada comprobación
pasa con la solución y falla con el archivo sin tocar.

Las pistas de cada comprobación están en ``pistas.py``, junto a ella, en tres niveles:
un empujón, dónde mirar y la línea. Solo se enseñan si las pides
(``python -m lessons.pista 06`` o ``PISTA=1 python -m pytest lessons/06_protocolo_json``).
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest
from tornado.ioloop import IOLoop
from tornado.websocket import WebSocketClientConnection

CARPETAS = ("ejercicio", "solucion")

# Ninguna comprobación espera más que esto a un mensaje.
ESPERA = 2.0


# Las pistas de cada comprobación: un empujón, dónde mirar y la línea.
NIVELES = 3
Pistas = dict[str, tuple[str, str, str]]


def carpeta() -> str:
    """La carpeta que se comprueba: «ejercicio» (por defecto) o «solucion»."""
    nombre = os.environ.get("EJERCICIO", "ejercicio")
    if nombre not in CARPETAS:
        raise SystemExit(f"EJERCICIO debe ser «ejercicio» o «solucion», no {nombre!r}.")
    return nombre


def archivo(archivo_de_prueba: str, nombre: str) -> Path:
    """La ruta de ``<lección>/<carpeta>/<nombre>`` (``typing.js``, por ejemplo); si no está,
    lo dice y para."""
    leccion = Path(archivo_de_prueba).resolve().parent
    ruta = leccion / carpeta() / nombre
    if not ruta.exists():
        # Lo normal si el profesor borró las soluciones: se dice en español, sin traza.
        pytest.exit(
            f"No existe {ruta.relative_to(leccion.parent)}: esta copia del curso no tiene "
            f"la carpeta «{carpeta()}» de {leccion.name}. Quita EJERCICIO=solucion para "
            "comprobar tu ejercicio.",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    return ruta


def cargar(archivo_de_prueba: str, nombre: str) -> ModuleType:
    """Importa ``<lección>/<carpeta>/<nombre>.py`` desde la ruta del archivo de prueba."""
    leccion = Path(archivo_de_prueba).resolve().parent
    modulo = f"leccion{leccion.name[:2]}_{carpeta()}_{nombre}"
    if modulo in sys.modules:
        return sys.modules[modulo]
    ruta = archivo(archivo_de_prueba, f"{nombre}.py")
    spec = importlib.util.spec_from_file_location(modulo, ruta)
    assert spec is not None and spec.loader is not None, f"No se encuentra {ruta}"
    module = importlib.util.module_from_spec(spec)
    sys.modules[modulo] = module
    spec.loader.exec_module(module)
    return module


class _Arranca(Exception):
    """El archivo intentó arrancar un event loop mientras se importaba."""


def _no_arranques(*args: object, **kwargs: object) -> None:
    for arg in args:
        if inspect.iscoroutine(arg):
            arg.close()  # Sin esperarla: así Python no avisa de una corrutina olvidada.
    raise _Arranca


def cargar_sin_arrancar(archivo_de_prueba: str, nombre: str) -> ModuleType:
    """Como ``cargar``, pero si importar el archivo arranca un event loop, lo dice y para.

    Un servidor escrito desde cero que llama a ``asyncio.run(main())`` fuera de
    ``if __name__ == "__main__":`` se quedaría atendiendo al importarlo, y la
    comprobación esperaría para siempre sin decir nada. Mientras se importa, arrancar
    un loop lanza una excepción en lugar de bloquear.
    """
    bloqueantes = [
        (asyncio, "run"),
        (asyncio.BaseEventLoop, "run_forever"),
        (asyncio.BaseEventLoop, "run_until_complete"),
        (IOLoop, "start"),
    ]
    originales = [(dueno, nombre_, getattr(dueno, nombre_)) for dueno, nombre_ in bloqueantes]
    for dueno, nombre_, _ in originales:
        setattr(dueno, nombre_, _no_arranques)
    try:
        return cargar(archivo_de_prueba, nombre)
    except _Arranca:
        pytest.exit(
            f"Importar {nombre}.py arranca el servidor: ¿llamas a main() (o a asyncio.run) "
            'fuera de «if __name__ == "__main__":»? Importar tu archivo no debe arrancar '
            "nada: las comprobaciones llaman a make_app() por su cuenta.",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    finally:
        for dueno, nombre_, original in originales:
            setattr(dueno, nombre_, original)


def nivel_de_pista() -> int:
    """Cuántos niveles de pista pide la variable PISTA (0 si no pide ninguno)."""
    valor = os.environ.get("PISTA", "").strip()
    if valor in ("", "0"):
        return 0
    if valor not in {str(n) for n in range(1, NIVELES + 1)}:
        raise SystemExit(f"PISTA debe ser 1, 2 o 3 (cuántos niveles de pista ver), no {valor!r}.")
    return int(valor)


def pistas_de(leccion: Path) -> Pistas:
    """Las pistas de una lección (su ``pistas.py``): nombre de la comprobación → niveles."""
    ruta = leccion / "pistas.py"
    if not ruta.exists():
        return {}
    spec = importlib.util.spec_from_file_location(f"pistas{leccion.name[:2]}", ruta)
    assert spec is not None and spec.loader is not None, f"No se encuentra {ruta}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PISTAS


def numero_de(leccion: Path) -> str:
    """«06» para lessons/06_protocolo_json."""
    return leccion.name[:2]


async def recibir(conn: WebSocketClientConnection, espera: float = ESPERA) -> str:
    """El siguiente mensaje de texto, o un fallo claro si no llega o se cierra."""
    __tracebackhide__ = True  # El fallo se muestra en la línea de la prueba.
    try:
        mensaje = await asyncio.wait_for(conn.read_message(), espera)
    except asyncio.TimeoutError:
        raise AssertionError(f"No llegó ningún mensaje en {espera} s.") from None
    if mensaje is None:
        raise AssertionError(f"El servidor cerró la conexión (código {conn.close_code}).")
    assert isinstance(mensaje, str), f"Se esperaba texto y llegó {mensaje!r}."
    return mensaje


async def recibir_evento(conn: WebSocketClientConnection, tipo: str | None = None) -> dict:
    """El siguiente evento JSON; si se indica ``tipo``, comprueba que sea de ese tipo."""
    __tracebackhide__ = True  # El fallo se muestra en la línea de la prueba.
    evento = json.loads(await recibir(conn))
    if tipo is not None:
        assert evento.get("type") == tipo, f"Se esperaba un evento {tipo!r} y llegó {evento}."
    return evento


async def nada_en(conn: WebSocketClientConnection, espera: float = 0.2) -> None:
    """Comprueba que no llega ningún mensaje en ``espera`` segundos."""
    __tracebackhide__ = True  # El fallo se muestra en la línea de la prueba.
    try:
        mensaje = await asyncio.wait_for(conn.read_message(), espera)
    except asyncio.TimeoutError:
        return
    raise AssertionError(f"No debía llegar nada y llegó {mensaje!r}.")


def identidad_de(conn: WebSocketClientConnection) -> str:
    """«IP:puerto» del lado del cliente: lo que el servidor ve de esta conexión."""
    ip, puerto = conn.protocol.stream.socket.getsockname()[:2]
    return f"{ip}:{puerto}"
