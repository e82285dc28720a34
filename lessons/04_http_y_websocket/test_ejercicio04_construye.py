"""Comprobación de «Construye» (lección 4): el núcleo del Stack 2 escrito por ti desde cero.

    python -m pytest lessons/04_http_y_websocket/test_ejercicio04_construye.py

Tu servidor pasa las mismas comprobaciones que el núcleo del de verdad: las de
tests/spec_core.py, que también ejecuta tests/test_stack2.py contra stack2_http/.
"""

from __future__ import annotations

import pytest
from ayudas import cargar_sin_arrancar

from tests.spec_core import CoreSpec

servidor = cargar_sin_arrancar(__file__, "servidor")


def tiene_make_app() -> bool:
    return callable(getattr(servidor, "make_app", None))


def test_tu_archivo_define_make_app() -> None:
    """Tu archivo define make_app(): la función que devuelve la aplicación de Tornado."""
    assert tiene_make_app(), (
        "Tu archivo aún no define make_app(): la función, sin argumentos, que crea y "
        "devuelve la aplicación de Tornado con todas sus rutas. Las comprobaciones la "
        "llaman para arrancar tu servidor en un puerto libre."
    )


@pytest.fixture
def app():
    return servidor.make_app()


@pytest.mark.skipif(not tiene_make_app(), reason="Primero, make_app() (la primera comprobación).")
class TestTuNucleo(CoreSpec):
    """Las comprobaciones del núcleo del Stack 2 de verdad, contra tu archivo."""
