"""Comprobación de la lección 9: python -m pytest lessons/09_cuantos_usuarios

El informe con el que se prueba lo escribe la función report() del benchmark real
(benchmarks/fanout.py): si el formato del informe cambia, esta comprobación lo nota.
"""

from __future__ import annotations

import importlib.util
import sys
from argparse import Namespace
from pathlib import Path

import pytest
from ayudas import cargar

cifras = cargar(__file__, "cifras")
FANOUT = Path(__file__).resolve().parents[2] / "benchmarks" / "fanout.py"
EJEMPLO = Path(__file__).with_name("informe_ejemplo.txt")


def cargar_fanout():
    spec = importlib.util.spec_from_file_location("leccion09_fanout", FANOUT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # Sus dataclasses lo necesitan.
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def informe() -> str:
    """Un informe escrito por benchmarks/fanout.py con cifras conocidas."""
    fanout = cargar_fanout()
    datos = [
        ("websockets", 30391, 10.19, 22.7, 14.9),
        ("plain", 3074, 46.22, 39.61, 67.0),
        ("fast", 115094, 0.6, 10.0, 16.8),
    ]
    resultados = [
        fanout.Result(
            label=fanout.SERVER_KINDS[tipo],
            clients=200,
            idle_kb=kb,
            rate_cpu_us=ritmo,
            latencies_ms=[4.8, 5.0, 12.1],
            burst_per_s=por_segundo,
            burst_cpu_us=us,
            complete=True,
        )
        for tipo, por_segundo, us, ritmo, kb in datos
    ]
    args = Namespace(stack=2, clients=200, size=100, rate=50.0, phases={"rate", "burst"})
    return fanout.report(resultados, args)


@pytest.mark.parametrize(
    ("texto", "valor"),
    [("30 391", 30391), ("10,19", 10.19), ("0,60", 0.6), ("12 345,6", 12345.6), ("7", 7)],
)
def test_numero_entiende_el_formato_espanol(texto, valor) -> None:
    """Quita los espacios de los miles (replace(" ", "")) y cambia la coma por un punto."""
    assert cifras.numero(texto) == pytest.approx(valor)


def test_cifra_lee_el_informe_real_del_benchmark(informe) -> None:
    """cifra() ya está hecha: usa numero() para cada celda. Si esto falla, revisa numero()."""
    fila = "µs de CPU del servidor por entrega, en ráfaga"
    assert cifras.cifra(informe, fila, 0) == pytest.approx(10.19)
    assert cifras.cifra(informe, fila, 2) == pytest.approx(0.6)
    assert cifras.cifra(informe, "Entregas por segundo, en ráfaga", 1) == pytest.approx(3074)


def test_el_informe_de_ejemplo_se_lee_igual() -> None:
    """informe_ejemplo.txt es una salida real del benchmark; numero() debe leer todas sus cifras."""
    texto = EJEMPLO.read_text(encoding="utf-8")
    assert cifras.cifra(texto, "Entregas por segundo, en ráfaga", 2) > 0


@pytest.mark.parametrize(
    ("us", "mensajes", "cpu", "personas"),
    [(10.0, 1.0, 1.0, 316), (0.6, 0.1, 0.5, 2886), (46.22, 0.1, 0.5, 328), (1.0, 1.0, 0.25, 500)],
)
def test_usuarios_maximos_crece_con_la_raiz_cuadrada(us, mensajes, cpu, personas) -> None:
    """N × N × m × µs = presupuesto  →  N = math.floor(math.sqrt(presupuesto / (m × µs)))."""
    assert cifras.usuarios_maximos(us, mensajes, cpu) == personas


def test_cuatro_veces_mas_cpu_solo_duplica_las_personas() -> None:
    """El coste crece con N²: el doble de personas cuesta cuatro veces más CPU."""
    base = cifras.usuarios_maximos(1.0, 1.0, 0.25)
    assert cifras.usuarios_maximos(1.0, 1.0, 1.0) == 2 * base
