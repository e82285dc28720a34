"""Comprobación de «Tu turno» (lección 12).

python -m pytest lessons/12_varios_procesos_redis/test_ejercicio12.py
"""

from __future__ import annotations

from ayudas import cargar

latido = cargar(__file__, "latido")


def test_un_proceso_que_late_a_tiempo_sigue_vivo() -> None:
    """Dos procesos que latieron hace 2 y 7 s, con un plazo de 8 s, siguen vivos."""
    assert latido.muertos({"a": 100.0, "b": 95.0}, ahora=102.0, plazo=8.0) == []


def test_un_proceso_que_dejo_de_latir_esta_muerto() -> None:
    """Un proceso que lleva 12 s sin latir, con un plazo de 8 s, está muerto."""
    assert latido.muertos({"a": 100.0, "b": 90.0}, ahora=102.0, plazo=8.0) == ["b"]


def test_los_muertos_salen_ordenados() -> None:
    """Los muertos salen ordenados por nombre, para que todos los procesos los vean igual."""
    latidos = {"c": 1.0, "a": 2.0, "b": 100.0}
    assert latido.muertos(latidos, ahora=100.0, plazo=8.0) == ["a", "c"]


def test_la_gente_de_un_proceso_caido_sale_de_la_lista() -> None:
    """La gente de un proceso caído sale de la lista: un «leave» por persona, en orden."""
    miembros = {"a": ["127.0.0.1:5000"], "b": ["10.0.0.7:6001", "10.0.0.8:6002"]}
    assert latido.salidas(miembros, ["b"]) == [
        ("leave", "10.0.0.7:6001"),
        ("leave", "10.0.0.8:6002"),
    ]


def test_un_proceso_caido_sin_gente_no_produce_eventos() -> None:
    """Un proceso caído que no atendía a nadie no produce ningún evento."""
    assert latido.salidas({"a": ["x:1"]}, ["z"]) == []
