"""Las direcciones de este equipo en la red local: las del banner y las del QR de la página."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

# Una dirección de documentación (RFC 5737): nunca pertenece a nadie real.
_PROBE_ADDRESS = ("192.0.2.1", 9)


def lan_addresses() -> list[str]:
    """Devuelve las IPv4 de este equipo en la red local, sin enviar ni un paquete."""
    found: set[str] = set()
    # 1) Lo que el sistema asocia al nombre del equipo.
    try:
        for *_, sockaddr in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(sockaddr[0]))
    except OSError:
        pass
    # 2) La IP que el sistema usaría para salir a la red. «connect» en un socket
    #    UDP solo consulta la tabla de rutas: no se envía nada por la red.
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_PROBE_ADDRESS)
            found.add(probe.getsockname()[0])
    except OSError:
        pass  # Sin red (por ejemplo, en un portátil sin wifi): solo habrá localhost.
    return sorted((ip for ip in found if _is_lan(ip)), key=ipaddress.IPv4Address)


def _is_lan(ip: str) -> bool:
    """True si otros equipos de la red pueden usar esta IP para llegar aquí."""
    address = ipaddress.IPv4Address(ip)
    return not (address.is_loopback or address.is_link_local or address.is_unspecified)


def is_loopback(address: str) -> bool:
    """True si ``address`` (la de --address) solo admite conexiones de este mismo equipo."""
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return address == "localhost"


def server_urls(template: str, port: int, address: str = "") -> list[str]:
    """Las URL del servidor: primero la de este equipo, luego las de la red local.

    ``template`` lleva ``{host}`` donde va «equipo:puerto», p. ej. ``"ws://{host}"``.
    """
    if address in ("", "0.0.0.0", "::"):
        # 127.0.0.1 y no «localhost»: el navegador puede resolver «localhost» como ::1
        # (IPv6), y la página mostraría identidades como [::1]:34762 (lección 5).
        hosts = ["127.0.0.1", *lan_addresses()]
    else:
        hosts = [f"[{address}]" if ":" in address else address]
    return [template.format(host=f"{host}:{port}") for host in hosts]


def lan_urls(urls: list[str], address: str) -> list[str]:
    """De las URL del banner (``server_urls()``), las que sirven desde otro dispositivo."""
    if address and not is_loopback(address):
        return urls[:1]  # --address=IP-de-la-red: la única URL ya es de la red.
    return urls[1:]


class LanAccess:
    """Cómo se entra a este servidor desde otro dispositivo de la red (un móvil, por ejemplo).

    Con --port=0 el puerto no se sabe hasta que el servidor escucha: ``run()`` lo apunta
    aquí entonces (``learn()``), y la página del Stack 2 lo consulta para su código QR.
    """

    def __init__(self, urls: Sequence[str] = (), only_here: str = "") -> None:
        self.urls = list(urls)  # Las URL de la red local, las mismas que imprime el banner.
        # La IP de --address si es de loopback (127.0.0.1): ningún otro equipo puede entrar.
        self.only_here = only_here

    def learn(self, urls: list[str], address: str) -> None:
        """Apunta las URL del servidor (``server_urls()``) y la --address con que arrancó."""
        self.urls = lan_urls(urls, address)
        self.only_here = address if is_loopback(address) else ""
