"""Lección 13: detrás de nginx, ¿quién es el estudiante?

nginx se conecta a los procesos del chat desde 127.0.0.1: sin más, todos los
estudiantes serían «127.0.0.1:algo». deploy/nginx.conf le pide que añada
X-Real-IP y X-Real-Port con la dirección de verdad. Esta función hace lo mismo
que proxied_address() en stack2_http/identity.py.
"""

from __future__ import annotations

import ipaddress


def identidad(cabeceras: dict[str, str], ip: str, puerto: int) -> str:
    """«IP:puerto» del estudiante según nginx; sin cabeceras válidas, la del socket."""
    ip_real = cabeceras.get("X-Real-IP", "")
    puerto_real = cabeceras.get("X-Real-Port", "")
    try:
        ip_real = str(ipaddress.ip_address(ip_real))
    except ValueError:
        return f"{ip}:{puerto}"
    if not puerto_real.isdigit() or not 0 < int(puerto_real) < 65536:
        return f"{ip}:{puerto}"
    return f"{ip_real}:{puerto_real}"
