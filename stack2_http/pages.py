"""Lo que el Stack 2 sirve por HTTP: la página del chat, sus archivos y /healthz.

Todo en el mismo puerto y el mismo event loop que el WebSocket (lección 4). Cada
respuesta lleva sus cabeceras de seguridad, y la página, una política (CSP) que solo
deja cargar lo de este servidor (lección 7).
"""

from __future__ import annotations

import json
from typing import Any

import tornado.web

from common.defences.headers import SafeStaticFileHandler
from common.history.log import Log
from common.startup.network import LanAccess
from stack2_http import rooms

# La página solo puede cargar recursos de este mismo servidor y no ejecuta
# scripts escritos dentro del HTML: si alguien lograra colar HTML en el chat,
# el navegador se negaría a ejecutarlo.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def add_security_headers(handler: tornado.web.RequestHandler) -> None:
    """Cabeceras comunes a todas las respuestas HTTP de este servidor."""
    handler.set_header("X-Content-Type-Options", "nosniff")  # El tipo es el que decimos.
    handler.set_header("Referrer-Policy", "no-referrer")


class PageHandler(tornado.web.RequestHandler):
    """Sirve la página del chat (clientehttp.html) de una sala: / o /sala/<nombre>."""

    def initialize(self, lan: LanAccess) -> None:
        self.lan = lan  # Por dónde se entra desde un móvil: el QR de la página (join.py).

    def set_default_headers(self) -> None:
        add_security_headers(self)
        self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)

    def get(self, asked: str | None = None) -> None:
        room = rooms.room_name(asked)
        if room is None:
            raise tornado.web.HTTPError(404)  # write_error la explica en español.
        if asked is not None and asked != room:
            # /sala/Clase y /sala/clase son la misma sala: que tenga una sola dirección.
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(f"/sala/{room}{query}", permanent=True)
            return
        self.render("clientehttp.html", room=room, lan=self.lan)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        if status_code == 404:
            rooms.write_not_found(self)
        else:  # La página de Tornado, que common/spanish.py pasa al español.
            super().write_error(status_code, **kwargs)


class StaticHandler(SafeStaticFileHandler):
    """Sirve /static/ (CSS, JavaScript, icono) con las mismas cabeceras."""

    def set_default_headers(self) -> None:
        add_security_headers(self)

    def set_extra_headers(self, path: str) -> None:
        # Con ?v= (static_url) se guarda diez años: si cambia, cambia su dirección.
        # Sin ?v= (los módulos que importa chat/main.js), el navegador pregunta cada
        # vez (un 304 si no cambió): nunca mezcla un módulo viejo con uno nuevo.
        if "v" not in self.request.arguments:
            self.set_header("Cache-Control", "no-cache")


class HealthHandler(tornado.web.RequestHandler):
    """/healthz: 200 si este proceso puede guardar mensajes (y llegar a Redis), 503 si no.

    nginx (o quien reparta) lo consulta para no mandar a nadie a un proceso que no sirve.
    """

    def initialize(self, log: Log) -> None:
        self.log = log

    def get(self) -> None:
        healthy = self.log.healthy
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"ok": healthy}))
