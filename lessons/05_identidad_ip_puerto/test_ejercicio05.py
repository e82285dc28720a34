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
    """Si la conexión no viene de un proxy de confianza, devuelve request.remote_ip."""
    assert ip_real.ip_real(peticion("192.168.1.23"), {PROXY}) == "192.168.1.23"


def test_sin_proxy_las_cabeceras_se_ignoran() -> None:
    """Cualquiera puede enviar X-Forwarded-For. Créela solo si remote_ip está en «proxies»."""
    falsa = peticion("192.168.1.23", X_Forwarded_For="1.2.3.4", X_Real_IP="1.2.3.4")
    assert ip_real.ip_real(falsa, {PROXY}) == "192.168.1.23"


def test_detras_del_proxy_vale_x_forwarded_for() -> None:
    """Desde el proxy, la IP del cliente está en X-Forwarded-For."""
    assert ip_real.ip_real(peticion(PROXY, X_Forwarded_For="192.168.1.23"), {PROXY}) == (
        "192.168.1.23"
    )


def test_se_usa_el_ultimo_elemento_de_x_forwarded_for() -> None:
    """Divide por comas y toma el ÚLTIMO (sin espacios): lo anterior pudo inventarlo el cliente."""
    cabecera = "6.6.6.6, 192.168.1.23"  # «6.6.6.6» lo escribió el cliente a mano.
    assert ip_real.ip_real(peticion(PROXY, X_Forwarded_For=cabecera), {PROXY}) == "192.168.1.23"


def test_sin_x_forwarded_for_vale_x_real_ip() -> None:
    """Si no hay X-Forwarded-For, usa request.headers.get("X-Real-IP")."""
    assert ip_real.ip_real(peticion(PROXY, X_Real_IP="192.168.1.40"), {PROXY}) == "192.168.1.40"


@pytest.mark.parametrize("basura", ["no-es-una-ip", "<script>", ""])
def test_una_cabecera_que_no_es_ip_no_se_cree(basura) -> None:
    """Si lo que encuentras no pasa es_ip(...), devuelve la IP del socket (la del proxy)."""
    assert ip_real.ip_real(peticion(PROXY, X_Forwarded_For=basura), {PROXY}) == PROXY


def test_ipv6_tambien_vale() -> None:
    """es_ip acepta IPv6: no hace falta nada especial."""
    assert ip_real.ip_real(peticion(PROXY, X_Real_IP="2001:db8::7"), {PROXY}) == "2001:db8::7"
