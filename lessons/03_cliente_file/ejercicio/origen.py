"""Lección 3 · Un check_origin estrecho para el Stack 1.

Acepta la página abierta desde el disco (Origin: null) y, además, la misma página servida
en este equipo con «python -m http.server» (http://localhost:PUERTO o http://127.0.0.1:PUERTO).
Nada más. Arráncalo con «python lessons/03_cliente_file/ejercicio/origen.py» y comprueba
tu trabajo con «python -m pytest lessons/03_cliente_file».
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import tornado.web

from common.fanout.hub import Hub
from stack1_pure.server import ChatSocket, main
from stack1_pure.server import make_app as make_stack_app

EQUIPOS_LOCALES = {"localhost", "127.0.0.1"}


def origen_aceptado(origin: str) -> bool:
    """True si una página con este «Origin» puede abrir el WebSocket."""
    if origin == "null":
        return True  # cliente.html abierto con doble clic (file://).
    partes = urlsplit(origin)
    # TODO: acepta también las páginas de este equipo: el esquema (partes.scheme) debe ser
    # «http» y el nombre del equipo (partes.hostname), uno de EQUIPOS_LOCALES.
    # Compara el nombre entero: «http://localhost.ejemplo.com» NO es este equipo.
    print("Origen rechazado:", partes.geturl())
    return False


class ChatSocketLocal(ChatSocket):
    """El ChatSocket del Stack 1 con la comprobación de origen de arriba."""

    def check_origin(self, origin: str) -> bool:
        return origen_aceptado(origin)


def make_app(hub: Hub, **settings: Any) -> tornado.web.Application:
    """La aplicación del Stack 1, con ChatSocketLocal en lugar de ChatSocket."""
    return make_stack_app(hub, handler=ChatSocketLocal, **settings)


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatSocketLocal, "Lección 3 · Stack 1 con origen local")
