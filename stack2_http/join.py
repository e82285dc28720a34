"""La dirección para entrar al chat desde otro dispositivo, y su código QR en /qr.svg."""

from __future__ import annotations

import ipaddress

import tornado.web
from tornado.httputil import HTTPServerRequest

from common.startup import qr
from common.startup.network import LanAccess

LOCAL_NAMES = {"localhost", "localhost.localdomain"}


def join_url(request: HTTPServerRequest, lan: LanAccess) -> str:
    """La URL que un móvil puede abrir: la de la red que imprime el banner, o la de esta página.

    Quien abrió la página con «localhost» necesita la IP de la red, que un móvil sí
    alcanza; quien la abrió con una IP de la red ya tiene la buena. Con --address=127.0.0.1
    (``lan.only_here``), ningún móvil puede entrar, y la página lo dice en lugar del QR.
    """
    if lan.urls and _is_local(request.host_name):
        return lan.urls[0]
    return f"{request.protocol}://{request.host}/"


def _is_local(host: str) -> bool:
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class QRHandler(tornado.web.RequestHandler):
    """Sirve el QR de join_url() como imagen SVG, hecha aquí: sin servicios externos."""

    def initialize(self, lan: LanAccess) -> None:
        self.lan = lan  # Las URL de la red: run() las apunta al abrir el puerto.

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Security-Policy", "default-src 'none'")
        # La dirección puede cambiar (otra wifi, otro puerto): que no se guarde.
        self.set_header("Cache-Control", "no-store")

    def get(self) -> None:
        url = join_url(self.request, self.lan)
        self.set_header("Content-Type", "image/svg+xml")
        self.write(qr.svg(url, title=f"Código QR para entrar en el chat: {url}"))
