"""Comprobación de la lección 13: python -m pytest lessons/13_desplegar_nginx_tls"""

from __future__ import annotations

import pytest
from ayudas import cargar

identidad = cargar(__file__, "identidad").identidad


def test_detras_de_nginx_vale_la_direccion_que_pone_nginx() -> None:
    """Con X-Real-IP y X-Real-Port válidos, la identidad es la que dice nginx."""
    cabeceras = {"X-Real-IP": "192.168.1.23", "X-Real-Port": "51234"}
    assert identidad(cabeceras, "127.0.0.1", 40000) == "192.168.1.23:51234"


def test_x_forwarded_for_no_cuenta() -> None:
    """Un X-Forwarded-For (sin X-Real-IP) no cambia la identidad: vale la del socket."""
    cabeceras = {"X-Forwarded-For": "6.6.6.6", "X-Real-Port": "51234"}
    assert identidad(cabeceras, "127.0.0.1", 40000) == "127.0.0.1:40000"


@pytest.mark.parametrize("puerto", ["", "0", "70000", "12ab", "-5"])
def test_un_puerto_que_no_es_un_puerto_no_se_cree(puerto) -> None:
    """Un X-Real-Port que no es un puerto de 1 a 65535: vale la identidad del socket."""
    cabeceras = {"X-Real-IP": "192.168.1.23", "X-Real-Port": puerto}
    assert identidad(cabeceras, "127.0.0.1", 40000) == "127.0.0.1:40000"


def test_una_ip_inventada_que_no_es_ip_no_se_cree() -> None:
    """Un X-Real-IP que no es una IP: vale la identidad del socket."""
    cabeceras = {"X-Real-IP": "<script>", "X-Real-Port": "5"}
    assert identidad(cabeceras, "127.0.0.1", 40000) == "127.0.0.1:40000"
