"""Comprobación de la lección 9: python -m pytest lessons/09_cuantos_usuarios

Los números se comprueban contra la función number() del benchmark real
(benchmarks/report.py, la que escribe el informe de benchmarks/fanout.py), y el
informe de ejemplo es una salida real suya.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from ayudas import cargar

cifras = cargar(__file__, "cifras")
REPORT = Path(__file__).resolve().parents[2] / "benchmarks" / "report.py"
EJEMPLO = Path(__file__).with_name("informe_ejemplo.txt")


def cargar_fanout():
    spec = importlib.util.spec_from_file_location("leccion09_report", REPORT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # Sus dataclasses lo necesitan.
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fanout():
    """El módulo del benchmark real, para usar su propia función number()."""
    return cargar_fanout()


@pytest.mark.parametrize(
    ("texto", "valor"),
    [("30 391", 30391), ("10,19", 10.19), ("0,60", 0.6), ("12 345,6", 12345.6), ("7", 7)],
)
def test_numero_entiende_el_formato_espanol(texto, valor) -> None:
    """numero() lee números al estilo español: «30 391» → 30391 y «10,19» → 10.19."""
    assert cifras.numero(texto) == pytest.approx(valor)


@pytest.mark.parametrize("valor", [0.44, 6.89, 45.13, 12345.6, 1070696.0])
def test_numero_lee_lo_que_escribe_el_benchmark(fanout, valor) -> None:
    """numero() lee lo que escribe number(), la que da formato a las cifras del benchmark."""
    assert cifras.numero(fanout.number(valor, 2)) == pytest.approx(valor)


def test_cifra_lee_el_informe_de_ejemplo() -> None:
    """cifra() lee el informe de ejemplo: tres celdas, con miles y decimales."""
    texto = EJEMPLO.read_text(encoding="utf-8")
    fila = "µs de CPU del servidor por entrega, en ráfaga"
    assert cifras.cifra(texto, fila, 0) == pytest.approx(8.85)
    assert cifras.cifra(texto, fila, 2) == pytest.approx(0.61)
    assert cifras.cifra(texto, "Entregas por segundo, en ráfaga", 2) == pytest.approx(1631789)


@pytest.mark.parametrize(
    ("us", "mensajes", "cpu", "personas"),
    [(10.0, 1.0, 1.0, 316), (0.6, 0.1, 0.5, 2886), (46.22, 0.1, 0.5, 328), (1.0, 1.0, 0.25, 500)],
)
def test_usuarios_maximos_crece_con_la_raiz_cuadrada(us, mensajes, cpu, personas) -> None:
    """usuarios_maximos() da, redondeado hacia abajo, el N de N × N × m × µs = presupuesto."""
    assert cifras.usuarios_maximos(us, mensajes, cpu) == personas


def test_cuatro_veces_mas_cpu_solo_duplica_las_personas() -> None:
    """Con cuatro veces más CPU caben el doble de personas, no cuatro veces más."""
    base = cifras.usuarios_maximos(1.0, 1.0, 0.25)
    assert cifras.usuarios_maximos(1.0, 1.0, 1.0) == 2 * base
