"""Comprobación de la lección 12: python -m pytest lessons/12_varios_procesos_redis"""

from __future__ import annotations

from ayudas import cargar

latido = cargar(__file__, "latido")


def test_un_proceso_que_late_a_tiempo_sigue_vivo() -> None:
    """Pista: muertos() solo devuelve los que llevan MÁS de «plazo» segundos sin latir."""
    assert latido.muertos({"a": 100.0, "b": 95.0}, ahora=102.0, plazo=8.0) == []


def test_un_proceso_que_dejo_de_latir_esta_muerto() -> None:
    """Pista: compara «ahora - hora» con «plazo» para cada proceso."""
    assert latido.muertos({"a": 100.0, "b": 90.0}, ahora=102.0, plazo=8.0) == ["b"]


def test_los_muertos_salen_ordenados() -> None:
    """Pista: devuelve sorted(...), para que todos los procesos los vean en el mismo orden."""
    latidos = {"c": 1.0, "a": 2.0, "b": 100.0}
    assert latido.muertos(latidos, ahora=100.0, plazo=8.0) == ["a", "c"]


def test_la_gente_de_un_proceso_caido_sale_de_la_lista() -> None:
    """Pista: salidas() recorre los caídos y, de cada uno, a la gente que atendía."""
    miembros = {"a": ["127.0.0.1:5000"], "b": ["10.0.0.7:6001", "10.0.0.8:6002"]}
    assert latido.salidas(miembros, ["b"]) == [
        ("leave", "10.0.0.7:6001"),
        ("leave", "10.0.0.8:6002"),
    ]


def test_un_proceso_caido_sin_gente_no_produce_eventos() -> None:
    """Pista: usa miembros.get(proceso, []): un proceso sin nadie no está en el diccionario."""
    assert latido.salidas({"a": ["x:1"]}, ["z"]) == []
