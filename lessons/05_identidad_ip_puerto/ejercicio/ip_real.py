"""Lección 5 · La IP real de un cliente cuando hay un proxy delante.

Un proxy inverso (nginx, Caddy…) abre él la conexión con Tornado: request.remote_ip es
la IP del proxy. El proxy añade la IP del cliente al final de la cabecera
X-Forwarded-For (y a veces la pone en X-Real-IP). Solo podemos creer esas cabeceras si
la conexión viene de un proxy nuestro: cualquiera puede enviarlas inventadas.

Comprueba tu trabajo con «python -m pytest lessons/05_identidad_ip_puerto».
"""

from __future__ import annotations

import ipaddress

from tornado.httputil import HTTPServerRequest


def es_ip(texto: str) -> bool:
    """True si el texto es una dirección IPv4 o IPv6 válida."""
    try:
        ipaddress.ip_address(texto)
    except ValueError:
        return False
    return True


def ip_real(request: HTTPServerRequest, proxies: set[str]) -> str:
    """La IP del cliente: la del socket, o la que dice un proxy de confianza."""
    ip = request.remote_ip
    # TODO 1: si «ip» NO está en «proxies», devuélvela tal cual: no creas ninguna cabecera.
    # TODO 2: si viene de un proxy, lee request.headers.get("X-Forwarded-For", "") y quédate
    #         con el ÚLTIMO elemento separado por comas (sin espacios): lo añadió tu proxy.
    # TODO 3: si no hay X-Forwarded-For, usa la cabecera X-Real-IP.
    # TODO 4: si lo que encontraste no es una IP válida (usa es_ip), devuelve «ip».
    return ip
