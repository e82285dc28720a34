"""Lección 2 · Una variante del Stack 1: el remitente no recibe su propio mensaje.

Además, quien escribe «/cuantos» recibe (solo él) cuántas personas hay conectadas.
Arráncalo con «python lessons/02_servidor_minimo/ejercicio/sin_eco.py» y comprueba tu
trabajo con «python -m pytest lessons/02_servidor_minimo».
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
            # TODO: envía SOLO a este cliente el texto «Conectados: N»,
            # con N = len(self.hub). Busca en common/fanout/hub.py el método que envía a uno.
            pass
        elif isinstance(message, str):
            # TODO: reenvía el mensaje a todos MENOS a quien lo envió (mira los
            # parámetros de Hub.broadcast).
            self.hub.broadcast(message)
        else:
            super().on_message(message)  # Los frames binarios, como en el Stack 1.


def make_app(hub: Hub, **settings: Any) -> tornado.web.Application:
    """La aplicación del Stack 1, con ChatSinEco en lugar de ChatSocket."""
    return make_stack_app(hub, handler=ChatSinEco, **settings)


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatSinEco, "Lección 2 · Chat sin eco")
