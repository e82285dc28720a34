"""Lección 5 · La IP real de un cliente cuando hay un proxy delante.

Un proxy inverso (nginx, Caddy…) abre él la conexión con Tornado: request.remote_ip es
la IP del proxy. La del cliente llega en una cabecera que pone el proxy, y cualquiera
puede enviar cabeceras inventadas. Por eso solo se cree una cabecera:

* si la conexión viene de un proxy tuyo (su IP está en «proxies»), y
* si es X-Real-IP, que tu proxy *sustituye* siempre por la IP que ve
  (en nginx, «proxy_set_header X-Real-IP $remote_addr», como en deploy/nginx.conf).

Nunca X-Forwarded-For: es una cadena a la que cada proxy *añade* al final, así que lo
que el cliente escribió sigue ahí, delante. Es la regla de proxied_address() en
stack2_http/identity.py.
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
    if ip not in proxies:
        return ip  # Conexión directa: cualquier cabecera X-… podría ser inventada.
    # Tu proxy sustituye X-Real-IP por la IP que ve: lo que escribiera el cliente no llega.
    candidata = request.headers.get("X-Real-IP", "").strip()
    return candidata if es_ip(candidata) else ip
