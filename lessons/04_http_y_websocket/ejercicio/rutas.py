"""Lección 4 · Dos rutas HTTP nuevas en la misma aplicación que el chat del Stack 2.

* GET /salud  → {"estado": "ok", "conectados": N}: lo que consultaría un monitor.
* GET /espera → tarda un segundo en responder, pero sin bloquear el chat.

Arráncalo con «python lessons/04_http_y_websocket/ejercicio/rutas.py» y comprueba tu
trabajo con «python -m pytest lessons/04_http_y_websocket».
"""

from __future__ import annotations

import time
from typing import Any

import tornado.web

from common.fanout.hub import Hub
from common.startup.runner import run
from common.startup.settings import app_settings, hub_settings, parse_options
from stack2_http.server import make_app as make_chat_app

ESPERA_SEGUNDOS = 1.0


class SaludHandler(tornado.web.RequestHandler):
    """GET /salud: el servidor responde y dice cuántas conexiones tiene."""

    def initialize(self, hub: Hub) -> None:
        self.hub = hub

    def get(self) -> None:
        # TODO: responde con el dict {"estado": "ok", "conectados": N}, con N = len(self.hub).
        # Pista: self.write(un_dict) lo envía como JSON.
        self.write("TODO")


class EsperaHandler(tornado.web.RequestHandler):
    """GET /espera: simula una tarea lenta (una consulta a otro servidor, p. ej.)."""

    def get(self) -> None:
        # TODO: time.sleep bloquea el loop entero: nadie chatea durante ese segundo.
        # Convierte get en «async def» y usa «await asyncio.sleep(...)» (importa asyncio).
        time.sleep(ESPERA_SEGUNDOS)
        self.write({"espera": ESPERA_SEGUNDOS})


def make_app(hub: Hub, **settings: Any) -> tornado.web.Application:
    """La aplicación del Stack 2, con las dos rutas nuevas en el mismo puerto."""
    app = make_chat_app(hub, **settings)
    app.add_handlers(
        r".*",
        # TODO: añade la ruta (r"/salud", SaludHandler, {"hub": hub}) a esta lista.
        [(r"/espera", EsperaHandler)],
    )
    return app


if __name__ == "__main__":
    options = parse_options(default_port=8000)
    hub = Hub(**hub_settings(options))
    run(
        make_app(hub, **app_settings(options)),
        hub,
        options,
        "Lección 4 · Stack 2 con /salud",
        "http://{host}/",
    )
