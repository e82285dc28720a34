"""Quién es cada conexión: «IP:puerto», también detrás de un proxy de confianza.

La identidad la pone el servidor, no el cliente: la IP y el puerto de origen de la
conexión TCP (lección 5). Detrás de nginx (lección 13) todas las conexiones vienen de
nginx, que escribe la dirección del estudiante en X-Real-IP y X-Real-Port. Con
``--xheaders`` se cree lo que dice, pero solo si la conexión llega de un proxy de
confianza (``--trusted-proxies``): cualquier otro podría inventarse a otra persona.
"""

from __future__ import annotations

import ipaddress

from tornado.httputil import HTTPServerRequest
from tornado.options import OptionParser

from common.defences.proxies import LOOPBACK, TrustedProxies
from common.startup.options import fail
from common.tornado_internals import peer_port


def identify(request: HTTPServerRequest, proxies: TrustedProxies) -> tuple[str, str]:
    """(«IP:puerto», IP) de quien se conecta: la IP es la que cuentan los límites (lección 7).

    Si la conexión llega de un proxy de confianza, lo que él dice; si no, la del socket.
    """
    via_proxy = request.remote_ip in proxies  # Solo entonces se cree X-Real-IP.
    return client_identity(request, via_proxy), client_ip(request, via_proxy)


def client_identity(request: HTTPServerRequest, xheaders: bool = False) -> str:
    """«IP:puerto» del cliente, tal como lo ve el servidor (o nginx, con ``--xheaders``)."""
    ip = request.remote_ip
    # El puerto de origen lo elige el sistema del cliente para cada conexión.
    port = peer_port(request)
    if xheaders:
        ip, port = proxied_address(request, ip, port)
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def client_ip(request: HTTPServerRequest, xheaders: bool = False) -> str:
    """La IP de ``client_identity()``: la que cuentan los límites por dirección (lección 7)."""
    ip = request.remote_ip
    return proxied_address(request, ip, 0)[0] if xheaders else ip


def proxied_address(request: HTTPServerRequest, ip: str, port: int) -> tuple[str, int]:
    """La dirección del estudiante según nginx: X-Real-IP y X-Real-Port (deploy/nginx.conf).

    Solo cuentan esas dos cabeceras, que nginx *sustituye* siempre por las suyas; nunca
    X-Forwarded-For, una cadena a la que cualquiera puede añadir lo que quiera delante.
    Se llama solo si la conexión viene de un proxy de confianza (``identify()``):
    las de cualquier otro no se miran. Si faltan o no son válidas, vale la del socket.
    """
    real_ip = request.headers.get("X-Real-IP", "")
    real_port = request.headers.get("X-Real-Port", "")
    try:
        ip_ok = str(ipaddress.ip_address(real_ip))
    except ValueError:
        return ip, port
    if not real_port.isdigit() or not 0 < int(real_port) < 65536:
        return ip, port
    return ip_ok, int(real_port)


def define_options(options: OptionParser) -> None:
    """--xheaders y --trusted-proxies: de quién se cree la dirección que dice un proxy."""
    options.define(
        "xheaders",
        default=False,
        type=bool,
        help="detrás de nginx: la identidad sale de X-Real-IP y X-Real-Port (deploy/nginx.conf), "
        "si la conexión viene de --trusted-proxies",
    )
    options.define(
        "trusted_proxies",
        default=list(LOOPBACK),
        type=str,
        multiple=True,
        metavar="IP",
        help="con --xheaders, las IP o redes (10.0.0.0/24) de los proxies de confianza, "
        "separadas por comas; por defecto, este equipo (nginx en la misma máquina)",
    )


def trusted_proxies(options: OptionParser) -> TrustedProxies:
    """Los proxies cuya X-Real-IP se cree: --trusted-proxies con --xheaders; sin él, ninguno."""
    try:
        trusted = TrustedProxies(options.trusted_proxies)
    except ValueError as wrong:
        fail(f"--trusted-proxies: «{wrong}» no es una IP ni una red (10.0.0.5, 10.0.0.0/24).")
    # Sin --xheaders no se cree a nadie: todos son estudiantes, también este equipo.
    return trusted if options.xheaders else TrustedProxies()
