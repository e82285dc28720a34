"""Lección 6 · Reto: reacciones a un mensaje.

El objetivo: que cualquiera pueda reaccionar a un mensaje de su sala con un emoji, y que
toda la sala lo vea. No hay TODO línea a línea: tú decides cómo, con lo que has visto en
la lección (la tabla de despacho, ProtocolError, Hub.broadcast por sala).

El cliente envía            {"type": "react", "seq": 3, "emoji": "👍"}
Toda su sala recibe,        {"type": "react", "who": "IP:puerto", "seq": 3, "emoji": "👍"}
también quien reacciona:

Las reglas:

* «emoji» es uno de REACCIONES. Si no: un error "invalid_field".
* «seq» es un número entero (no un texto, ni un decimal, ni true). Si no: "invalid_field".
* Ese número tiene que ser el de un mensaje que existe en tu sala: de 1 al último
  (el log lo sabe: self.chat.log.latest(sala)). Si no: un error "not_found".
* Cada error, solo a quien se equivocó, en español; la conexión sigue abierta.
* Una reacción no se guarda, como «typing»: quien entra después no la ve.
* «react» pasa por el control de inundación, como todos los tipos.

Arráncalo con «python lessons/06_protocolo_json/ejercicio/reacciones.py» y prueba con
«python -m common.cliente --raw ws://127.0.0.1:8000/ws». Comprueba tu trabajo con
«python -m pytest lessons/06_protocolo_json/test_ejercicio06_reto.py».
"""

from __future__ import annotations

from typing import Any

import tornado.web

from common.fanout.hub import Hub
from stack2_http import protocol  # noqa: F401 (ProtocolError y error(), para el reto)
from stack2_http.server import ChatSocket, main
from stack2_http.server import make_app as make_stack_app

REACCIONES = ("👍", "❤️", "😂", "😮", "🎉")


class ChatConReacciones(ChatSocket):
    """El ChatSocket del Stack 2, que además entiende «react»."""

    # TODO: el reto entero. Empieza por la tabla de despacho (EVENTS), como en «Tu turno».


def make_app(hub: Hub, **settings: Any) -> tornado.web.Application:
    """La aplicación del Stack 2, con ChatConReacciones en lugar de ChatSocket."""
    return make_stack_app(hub, handler=ChatConReacciones, **settings)


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatConReacciones, "Lección 6 · Reto: reacciones")
