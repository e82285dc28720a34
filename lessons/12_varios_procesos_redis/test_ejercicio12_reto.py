"""Comprobación del «Reto» (lección 12): el script que numera, en Python.

python -m pytest lessons/12_varios_procesos_redis/test_ejercicio12_reto.py
"""

from __future__ import annotations

import pytest
from ayudas import cargar

numerador = cargar(__file__, "numerador")


def stream(maxlen: int = 5, epoch: str = "e1"):
    """Un Stream nuevo, o un fallo que dice qué le falta a tu clase."""
    assert hasattr(numerador, "Stream"), "Tu archivo aún no define la clase Stream."
    try:
        return numerador.Stream(maxlen, epoch)
    except TypeError:
        raise AssertionError(
            "Stream(maxlen, epoch) aún no acepta sus dos argumentos: falta su __init__."
        ) from None


def test_numera_desde_uno_sin_huecos() -> None:
    """Tres mensajes sin cid reciben ("ok", 1), ("ok", 2) y ("ok", 3)."""
    s = stream()
    assert [s.append("e1", "", f"m{i}") for i in (1, 2, 3)] == [("ok", 1), ("ok", 2), ("ok", 3)]


def test_un_reintento_devuelve_su_numero_y_no_guarda_nada() -> None:
    """El mismo cid otra vez devuelve ("dup", su número), y no se guarda un segundo mensaje."""
    s = stream()
    assert s.append("e1", "c1", "hola") == ("ok", 1)
    assert s.append("e1", "c1", "hola otra vez") == ("dup", 1)
    assert s.append("e1", "c2", "adiós") == ("ok", 2), "El reintento no debe gastar un número"
    assert s.desde(0) == [(1, "hola"), (2, "adiós")]


def test_sin_cid_nunca_es_un_reintento() -> None:
    """Dos mensajes con cid vacío son dos mensajes distintos."""
    s = stream()
    assert [s.append("e1", "", "x"), s.append("e1", "", "x")] == [("ok", 1), ("ok", 2)]


def test_con_otro_epoch_no_se_guarda_nada() -> None:
    """Un proceso con el epoch viejo recibe ("epoch", el actual), y nada se guarda."""
    s = stream()
    assert s.append("viejo", "c1", "hola") == ("epoch", "e1")
    assert s.append("e1", "c1", "hola") == ("ok", 1), "Ni el número ni el cid se gastaron"


def test_guarda_solo_los_ultimos_maxlen() -> None:
    """Con maxlen=3 y cinco mensajes, desde(2) da el 3, el 4 y el 5."""
    s = stream(maxlen=3)
    for i in range(1, 6):
        s.append("e1", "", f"m{i}")
    assert s.desde(2) == [(3, "m3"), (4, "m4"), (5, "m5")]


def test_desde_es_todo_o_nada() -> None:
    """Con maxlen=3 y cinco mensajes, desde(1) es None: el 2 ya se descartó."""
    s = stream(maxlen=3)
    for i in range(1, 6):
        s.append("e1", "", f"m{i}")
    assert s.desde(1) is None, "Falta el 2: nunca una parte"


def test_desde_el_ultimo_no_hay_nada_y_mas_alla_es_un_error() -> None:
    """desde(el último) es una lista vacía; desde(uno que no existe), ValueError."""
    s = stream()
    s.append("e1", "", "m1")
    assert s.desde(1) == []
    with pytest.raises(ValueError):
        s.desde(2)


def test_el_cid_se_olvida_con_su_mensaje() -> None:
    """Con maxlen=3, cuando el mensaje de «a» se descarta, «a» otra vez es un mensaje nuevo."""
    s = stream(maxlen=3)
    assert s.append("e1", "a", "uno") == ("ok", 1)
    for i in (2, 3):
        s.append("e1", "", f"m{i}")
    assert s.append("e1", "a", "uno") == ("dup", 1), "El 1 sigue guardado: es un reintento"
    s.append("e1", "", "m4")  # Ahora el 1 se descarta.
    assert s.append("e1", "a", "uno") == ("ok", 5)


def test_tras_vaciar_cambia_el_epoch_y_se_empieza_de_nuevo() -> None:
    """vaciar("e2"): el epoch viejo se rechaza, la cuenta vuelve a 1 y no queda nada."""
    s = stream()
    s.append("e1", "c1", "antes")
    s.vaciar("e2")
    assert s.append("e1", "c2", "con el viejo") == ("epoch", "e2")
    assert s.append("e2", "c1", "después") == ("ok", 1), "Tampoco se recuerdan los cid"
    assert s.desde(0) == [(1, "después")]
