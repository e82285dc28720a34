"""Lección 5 · La IP real de un cliente cuando hay un proxy delante.

Un proxy inverso (nginx, Caddy…) abre él la conexión con Tornado: request.remote_ip es
la IP del proxy. La del cliente llega en una cabecera que pone el proxy, y cualquiera
puede enviar cabeceras inventadas. Por eso solo se cree una cabecera:

* si la conexión viene de un proxy tuyo (su IP está en «proxies»), y
* si es X-Real-IP, que tu proxy *sustituye* siempre por la IP que ve
  (en nginx, «proxy_set_header X-Real-IP $remote_addr», como en deploy/nginx.conf).

Nunca X-Forwarded-For: es una cadena a la que cada proxy *añade* al final, así que lo
que el cliente escribió sigue ahí, delante. Es la regla de proxied_address() en
stack2_http/identity.py. Comprueba tu trabajo con «python -m pytest lessons/05_identidad_ip_puerto».
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
    """La IP del cliente: la del socket, o la que dice un proxy de confianza en X-Real-IP."""
    ip = request.remote_ip
    # TODO 1: si «ip» NO está en «proxies», devuélvela tal cual: no creas ninguna cabecera.
    # TODO 2: si viene de un proxy tuyo, lee request.headers.get("X-Real-IP", ""): tu
    #         proxy la sustituye siempre. X-Forwarded-For no se mira nunca.
    # TODO 3: si lo que encontraste no es una IP válida (usa es_ip), devuelve «ip».
    return ip
