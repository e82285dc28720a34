"""Lección 6 · Un evento nuevo en el protocolo del Stack 2: «typing» (está escribiendo).

El cliente envía    {"type": "typing"}
Los DEMÁS reciben   {"type": "typing", "who": "IP:puerto"}

Arráncalo con «python lessons/06_protocolo_json/solucion/escribiendo.py» y prueba con
«python -m common.cliente --raw ws://localhost:8000/ws».
"""

from __future__ import annotations

import json
from typing import Any

import tornado.web

from common.hub import Hub
from stack2_http.server import ChatSocket, main
from stack2_http.server import make_app as make_stack_app


def es_escribiendo(raw: str | bytes) -> bool:
    """True si el frame es un objeto JSON con "type": "typing"."""
    if isinstance(raw, bytes):
        return False
    try:
        evento = json.loads(raw)
    except ValueError:
        return False  # No es JSON: ChatSocket.on_message responderá con un error.
    return isinstance(evento, dict) and evento.get("type") == "typing"


def escribiendo(who: str) -> str:
    """El evento que reciben los demás."""
    return json.dumps({"type": "typing", "who": who}, ensure_ascii=False)


class ChatConEscribiendo(ChatSocket):
    """El ChatSocket del Stack 2, que además entiende «typing»."""

    def on_message(self, message: str | bytes) -> None:
        if es_escribiendo(message):
            self.hub.broadcast(escribiendo(self.identity), exclude=self)
            return
        super().on_message(message)  # Todo lo demás, como en el Stack 2.


def make_app(hub: Hub, **settings: Any) -> tornado.web.Application:
    """La aplicación del Stack 2, con ChatConEscribiendo en lugar de ChatSocket."""
    return make_stack_app(hub, handler=ChatConEscribiendo, **settings)


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatConEscribiendo, "Lección 6 · Protocolo con «typing»")
