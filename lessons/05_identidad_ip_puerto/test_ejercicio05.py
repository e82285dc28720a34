"""Comprobación de la lección 5: python -m pytest lessons/05_identidad_ip_puerto"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from ayudas import cargar
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

ip_real = cargar(__file__, "ip_real")

PROXY = "10.0.0.2"


def peticion(desde: str, **cabeceras: str) -> HTTPServerRequest:
    """Una petición como la que vería Tornado, llegada desde la IP «desde»."""
    conexion = SimpleNamespace(
        context=SimpleNamespace(remote_ip=desde, address=(desde, 50123), protocol="http")
    )
    nombres = {"Host": "chat.ejemplo:8000"}
    nombres.update({clave.replace("_", "-"): valor for clave, valor in cabeceras.items()})
    return HTTPServerRequest(
        start_line=RequestStartLine("GET", "/ws", "HTTP/1.1"),
        headers=HTTPHeaders(nombres),
        connection=conexion,
    )


def test_sin_proxy_la_ip_es_la_del_socket() -> None:
    """Una conexión directa, sin cabeceras: la IP es la del socket."""
    assert ip_real.ip_real(peticion("192.168.1.23"), {PROXY}) == "192.168.1.23"


def test_sin_proxy_las_cabeceras_inventadas_se_ignoran() -> None:
    """Una conexión directa que trae X-Real-IP y X-Forwarded-For inventadas: la del socket."""
    falsa = peticion("192.168.1.23", X_Forwarded_For="1.2.3.4", X_Real_IP="1.2.3.4")
    assert ip_real.ip_real(falsa, {PROXY}) == "192.168.1.23", (
        "Alguien que no es tu proxy ha elegido su IP con una cabecera."
    )


def test_detras_del_proxy_vale_x_real_ip() -> None:
    """Desde tu proxy, la IP del cliente es la de X-Real-IP."""
    assert ip_real.ip_real(peticion(PROXY, X_Real_IP="192.168.1.40"), {PROXY}) == "192.168.1.40"


def test_x_forwarded_for_no_se_cree_ni_desde_el_proxy() -> None:
    """Desde tu proxy, un X-Forwarded-For sin X-Real-IP no cuenta: la IP es la del proxy."""
    inventada = peticion(PROXY, X_Forwarded_For="6.6.6.6")  # La escribió el cliente.
    assert ip_real.ip_real(inventada, {PROXY}) == PROXY, (
        "Se ha creído X-Forwarded-For, que el cliente puede rellenar a su gusto."
    )


def test_con_las_dos_cabeceras_manda_x_real_ip() -> None:
    """Desde tu proxy, con X-Forwarded-For y X-Real-IP distintas, manda X-Real-IP."""
    ambas = peticion(PROXY, X_Forwarded_For="192.168.1.99", X_Real_IP="192.168.1.23")
    assert ip_real.ip_real(ambas, {PROXY}) == "192.168.1.23"


@pytest.mark.parametrize("basura", ["no-es-una-ip", "<script>", "", "1.2.3.4, 5.6.7.8"])
def test_una_cabecera_que_no_es_ip_no_se_cree(basura) -> None:
    """Desde tu proxy, un X-Real-IP que no es una IP: vale la del socket (la del proxy)."""
    assert ip_real.ip_real(peticion(PROXY, X_Real_IP=basura), {PROXY}) == PROXY


def test_ipv6_tambien_vale() -> None:
    """Una IPv6 en X-Real-IP, desde tu proxy, también vale."""
    assert ip_real.ip_real(peticion(PROXY, X_Real_IP="2001:db8::7"), {PROXY}) == "2001:db8::7"
