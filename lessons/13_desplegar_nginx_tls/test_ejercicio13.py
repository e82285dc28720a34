"""Comprobación de la lección 13: python -m pytest lessons/13_desplegar_nginx_tls"""

from __future__ import annotations

import pytest
from ayudas import cargar

identidad = cargar(__file__, "identidad").identidad


def test_detras_de_nginx_vale_la_direccion_que_pone_nginx() -> None:
    """Pista: con X-Real-IP y X-Real-Port válidos, devuelve «X-Real-IP:X-Real-Port»."""
    cabeceras = {"X-Real-IP": "192.168.1.23", "X-Real-Port": "51234"}
    assert identidad(cabeceras, "127.0.0.1", 40000) == "192.168.1.23:51234"


def test_x_forwarded_for_no_cuenta() -> None:
    """Pista: X-Forwarded-For es una cadena a la que el cliente puede añadir lo que quiera."""
    cabeceras = {"X-Forwarded-For": "6.6.6.6", "X-Real-Port": "51234"}
    assert identidad(cabeceras, "127.0.0.1", 40000) == "127.0.0.1:40000"


@pytest.mark.parametrize("puerto", ["", "0", "70000", "12ab", "-5"])
def test_un_puerto_que_no_es_un_puerto_no_se_cree(puerto) -> None:
    """Pista: un puerto válido son solo cifras, entre 1 y 65535 (str.isdigit() y un rango)."""
    cabeceras = {"X-Real-IP": "192.168.1.23", "X-Real-Port": puerto}
    assert identidad(cabeceras, "127.0.0.1", 40000) == "127.0.0.1:40000"


def test_una_ip_inventada_que_no_es_ip_no_se_cree() -> None:
    """Pista: ipaddress.ip_address() lanza ValueError si no es una IP."""
    cabeceras = {"X-Real-IP": "<script>", "X-Real-Port": "5"}
    assert identidad(cabeceras, "127.0.0.1", 40000) == "127.0.0.1:40000"
