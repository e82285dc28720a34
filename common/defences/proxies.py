"""Los proxies de confianza: de quién se cree lo que dice de sus estudiantes.

Detrás de nginx (lección 13), todas las conexiones llegan a los procesos del chat desde
nginx. nginx escribe la dirección del estudiante en ``X-Real-IP`` y ``X-Real-Port``, y con
``--xheaders`` el servidor la usa para la identidad y para los límites por dirección. Pero
esas cabeceras las puede escribir cualquiera: solo valen si la conexión viene de un proxy
de confianza. Por defecto, este mismo equipo (``127.0.0.0/8`` y ``::1``), que es donde
corre nginx en la lección 13; con nginx en otra máquina, ``--trusted-proxies=SU_IP``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

# Donde corre nginx en la lección 13: en el mismo equipo que los procesos del chat.
LOOPBACK = ("127.0.0.0/8", "::1")


class TrustedProxies:
    """Las IP (o redes) de los proxies de confianza; vacía, no se cree a nadie."""

    def __init__(self, networks: Iterable[str] = ()) -> None:
        """``networks``: IP o redes en notación CIDR («10.0.0.5», «10.0.0.0/24»).

        Lanza ValueError, con el texto que no se entiende, si alguna no lo es.
        """
        self.networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = tuple(
            _network(text) for text in networks if text.strip()
        )

    def __contains__(self, ip: object) -> bool:
        """``ip in proxies``: ¿viene de un proxy de confianza la conexión de ``ip``?"""
        try:
            address = ipaddress.ip_address(str(ip).split("%")[0])
        except ValueError:
            return False
        # Un socket de IPv6 que acepta también IPv4 ve «::ffff:127.0.0.1»: es 127.0.0.1.
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)

    def __bool__(self) -> bool:
        return bool(self.networks)


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(text.strip()) from None
