"""Lección 2 · Una variante del Stack 1: el remitente no recibe su propio mensaje.

Además, quien escribe «/cuantos» recibe (solo él) cuántas personas hay conectadas.
Arráncalo con «python lessons/02_servidor_minimo/solucion/sin_eco.py».
"""

from __future__ import annotations

from typing import Any

import tornado.web

from common.fanout.hub import Hub
from stack1_pure.server import ChatSocket, main
from stack1_pure.server import make_app as make_stack_app


class ChatSinEco(ChatSocket):
    """El ChatSocket del Stack 1, con dos cambios en on_message."""

    def on_message(self, message: str | bytes) -> None:
        if message == "/cuantos":
            self.hub.send(self, f"Conectados: {len(self.hub)}")
        elif isinstance(message, str):
            self.hub.broadcast(message, exclude=self)
        else:
            super().on_message(message)  # Los frames binarios, como en el Stack 1.


def make_app(hub: Hub, **settings: Any) -> tornado.web.Application:
    """La aplicación del Stack 1, con ChatSinEco en lugar de ChatSocket."""
    return make_stack_app(hub, handler=ChatSinEco, **settings)


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatSinEco, "Lección 2 · Chat sin eco")
