"""La dirección para entrar al chat desde otro dispositivo, y su código QR en /qr.svg."""

from __future__ import annotations

import ipaddress

import tornado.web

from common.startup import qr

LOCAL_NAMES = {"localhost", "localhost.localdomain"}


def join_url(handler: tornado.web.RequestHandler) -> str:
    """La URL que un móvil puede abrir: la de la red que imprime el banner, o la de esta página.

    Quien abrió la página con «localhost» necesita la IP de la red, que un móvil sí
    alcanza; quien la abrió con una IP de la red ya tiene la buena.
    """
    request = handler.request
    lan_urls = handler.settings.get("lan_urls") or []
    if lan_urls and _is_local(request.host_name):
        return lan_urls[0]
    return f"{request.protocol}://{request.host}/"


def only_here(handler: tornado.web.RequestHandler) -> str:
    """La dirección de --address si solo deja entrar a este equipo (127.0.0.1); si no, "".

    Entonces ningún móvil puede entrar, y la página lo dice en lugar de mostrar el QR.
    """
    return handler.settings.get("only_here", "")


def _is_local(host: str) -> bool:
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class QRHandler(tornado.web.RequestHandler):
    """Sirve el QR de join_url() como imagen SVG, hecha aquí: sin servicios externos."""

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Security-Policy", "default-src 'none'")
        # La dirección puede cambiar (otra wifi, otro puerto): que no se guarde.
        self.set_header("Cache-Control", "no-store")

    def get(self) -> None:
        url = join_url(self)
        self.set_header("Content-Type", "image/svg+xml")
        self.write(qr.svg(url, title=f"Código QR para entrar en el chat: {url}"))
