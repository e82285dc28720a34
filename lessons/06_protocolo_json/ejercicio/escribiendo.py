"""Lección 6 · Un evento nuevo en el protocolo del Stack 2: «typing» (está escribiendo).

El cliente envía              {"type": "typing"}
Los DEMÁS de su sala reciben  {"type": "typing", "who": "IP:puerto"}

Arráncalo con «python lessons/06_protocolo_json/ejercicio/escribiendo.py», prueba con
«python -m common.cliente --raw ws://127.0.0.1:8000/ws» y comprueba tu trabajo con
«python -m pytest lessons/06_protocolo_json».
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import tornado.web

from common.fanout.hub import Hub
from stack2_http.server import ChatSocket, main
from stack2_http.server import make_app as make_stack_app


def parse_typing(event: dict[str, Any]) -> None:
    """«typing» no lleva más campos: no hay nada que validar."""
    return None


def escribiendo(who: str) -> str:
    """El evento que reciben los demás."""
    return json.dumps({"type": "typing", "who": who}, ensure_ascii=False)


class ChatConEscribiendo(ChatSocket):
    """El ChatSocket del Stack 2, que además entiende «typing»."""

    def on_typing(self, event: None) -> None:
        # TODO: envía escribiendo(self.session.identity) a los de su sala (self.session.room)
        # MENOS a quien escribe: mira los parámetros de Hub.broadcast.
        pass

    # TODO: añade a la tabla de despacho la entrada typing=(parse_typing, on_typing).
    # (El Stack 2 de hoy ya trae su «typing», el de la lección 11: aquí se quita para
    # que lo escribas tú.)
    EVENTS: ClassVar = {
        name: entry for name, entry in ChatSocket.EVENTS.items() if name != "typing"
    }


def make_app(hub: Hub, **settings: Any) -> tornado.web.Application:
    """La aplicación del Stack 2, con ChatConEscribiendo en lugar de ChatSocket."""
    return make_stack_app(hub, handler=ChatConEscribiendo, **settings)


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatConEscribiendo, "Lección 6 · Protocolo con «typing»")
