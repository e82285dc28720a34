"""Lección 5 · La IP real de un cliente cuando hay un proxy delante.

Un proxy inverso (nginx, Caddy…) abre él la conexión con Tornado: request.remote_ip es
la IP del proxy. El proxy añade la IP del cliente al final de la cabecera
X-Forwarded-For (y a veces la pone en X-Real-IP). Solo podemos creer esas cabeceras si
la conexión viene de un proxy nuestro: cualquiera puede enviarlas inventadas.
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
    if ip not in proxies:
        return ip  # Conexión directa: las cabeceras X-… podrían ser inventadas.
    reenviado = request.headers.get("X-Forwarded-For", "")
    if reenviado:
        # Cada proxy añade al FINAL; lo de la izquierda lo pudo escribir el cliente.
        candidata = reenviado.split(",")[-1].strip()
    else:
        candidata = request.headers.get("X-Real-IP", "").strip()
    return candidata if es_ip(candidata) else ip
