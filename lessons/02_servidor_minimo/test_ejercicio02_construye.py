"""Comprobación de «Construye» (lección 2): el Stack 1 escrito por ti desde cero.

    python -m pytest lessons/02_servidor_minimo/test_ejercicio02_construye.py

Tu servidor pasa las mismas comprobaciones que el de verdad: las de
tests/spec_stack1.py, que también ejecuta tests/test_stack1.py contra stack1_pure/.
"""

from __future__ import annotations

import pytest
from ayudas import cargar_sin_arrancar

from tests.spec_stack1 import Stack1Spec

servidor = cargar_sin_arrancar(__file__, "servidor")


def tiene_make_app() -> bool:
    return callable(getattr(servidor, "make_app", None))


def test_tu_archivo_define_make_app() -> None:
    """Tu archivo define make_app(): la función que devuelve la aplicación de Tornado."""
    assert tiene_make_app(), (
        "Tu archivo aún no define make_app(): la función, sin argumentos, que crea y "
        "devuelve la aplicación de Tornado. Las comprobaciones la llaman para arrancar "
        "tu servidor en un puerto libre."
    )


@pytest.fixture
def app():
    return servidor.make_app()


@pytest.mark.skipif(not tiene_make_app(), reason="Primero, make_app() (la primera comprobación).")
class TestTuStack1(Stack1Spec):
    """Las comprobaciones del Stack 1 de verdad, contra tu archivo."""
