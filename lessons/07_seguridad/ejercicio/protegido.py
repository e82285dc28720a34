"""Lección 7 · Dos defensas para el Stack 1: un límite de longitud y otro de ritmo.

El Stack 1 reenvía cualquier texto, de cualquier tamaño y a cualquier ritmo. Aquí le
añadimos lo que el Stack 2 ya hace: a quien se pasa se le avisa (solo a él) y su mensaje
no llega a nadie. Arráncalo con «python lessons/07_seguridad/ejercicio/protegido.py» y
comprueba tu trabajo con «python -m pytest lessons/07_seguridad».
"""

from __future__ import annotations

from typing import Any

import tornado.web

from common.defences.limits import TokenBucket
from common.fanout.hub import Hub
from stack1_pure.server import ChatSocket, main
from stack1_pure.server import make_app as make_stack_app

MAX_CARACTERES = 500
RITMO = 2.0  # Mensajes por segundo, de forma sostenida.
RAFAGA = 5  # Mensajes seguidos que se admiten de golpe.

AVISO_LARGO = f"Aviso: tu mensaje no se envió; el máximo es {MAX_CARACTERES} caracteres."
AVISO_RAPIDO = "Aviso: vas demasiado rápido; espera un momento."


class ChatProtegido(ChatSocket):
    """El ChatSocket del Stack 1, con límite de longitud y de ritmo por conexión."""

    def open(self) -> None:
        # Un cubo por conexión: quien inunda el chat agota el suyo, no el de los demás.
        self.cubo = TokenBucket(RITMO, RAFAGA)
        super().open()

    def on_message(self, message: str | bytes) -> None:
        # TODO: si message es texto y tiene más de MAX_CARACTERES caracteres, envía
        # AVISO_LARGO solo a este cliente (self.hub.send) y no lo difundas (return).
        # TODO: si self.cubo.take() devuelve False, envía AVISO_RAPIDO solo a este
        # cliente y no lo difundas.
        super().on_message(message)


def make_app(hub: Hub, **settings: Any) -> tornado.web.Application:
    """La aplicación del Stack 1, con ChatProtegido en lugar de ChatSocket."""
    return make_stack_app(hub, handler=ChatProtegido, **settings)


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatProtegido, "Lección 7 · Stack 1 protegido")
