"""Lección 6 · Reto: reacciones a un mensaje.

El cliente envía            {"type": "react", "seq": 3, "emoji": "👍"}
Toda su sala recibe,        {"type": "react", "who": "IP:puerto", "seq": 3, "emoji": "👍"}
también quien reacciona:

Arráncalo con «python lessons/06_protocolo_json/solucion/reacciones.py» y prueba con
«python -m common.cliente --raw ws://127.0.0.1:8000/ws».
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, NamedTuple

import tornado.web

from common.fanout.hub import Hub
from stack2_http import protocol
from stack2_http.server import ChatSocket, main
from stack2_http.server import make_app as make_stack_app

REACCIONES = ("👍", "❤️", "😂", "😮", "🎉")


class Reaccion(NamedTuple):
    """Una reacción ya validada: a qué mensaje y con qué emoji."""

    seq: int
    emoji: str


def parse_react(event: dict[str, Any]) -> Reaccion:
    """Valida lo que se puede validar sin saber la sala: los tipos y el emoji."""
    seq, emoji = event.get("seq"), event.get("emoji")
    # type() y no isinstance(): en Python, True es un int, y no es un número de mensaje.
    if type(seq) is not int:
        raise protocol.ProtocolError("invalid_field", "«seq» debe ser el número de un mensaje.")
    if emoji not in REACCIONES:
        opciones = " ".join(REACCIONES)
        raise protocol.ProtocolError("invalid_field", f"«emoji» debe ser uno de estos: {opciones}.")
    return Reaccion(seq, emoji)


class ChatConReacciones(ChatSocket):
    """El ChatSocket del Stack 2, que además entiende «react»."""

    def on_react(self, event: Reaccion) -> None:
        """Una reacción: a toda la sala, sin guardarla, como «typing»."""
        session = self.session
        # Que el mensaje exista lo sabe el log, y solo en esta sala.
        if not 1 <= event.seq <= self.chat.log.latest(session.room):
            problema = protocol.ProtocolError(
                "not_found", f"En esta sala no hay ningún mensaje número {event.seq}."
            )
            self.hub.send(self, protocol.error(problema))
            return
        frame = json.dumps(
            {"type": "react", "who": session.identity, "seq": event.seq, "emoji": event.emoji},
            ensure_ascii=False,
        )
        self.hub.broadcast(frame, room=session.room)
        self.chat.relay.publish(session.room, frame)  # Y a los de otros procesos (lección 12).

    # La tabla del Stack 2 y una línea más: errores e inundación, como todos los tipos.
    EVENTS: ClassVar = dict(ChatSocket.EVENTS, react=(parse_react, on_react))


def make_app(hub: Hub, **settings: Any) -> tornado.web.Application:
    """La aplicación del Stack 2, con ChatConReacciones en lugar de ChatSocket."""
    return make_stack_app(hub, handler=ChatConReacciones, **settings)


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatConReacciones, "Lección 6 · Reto: reacciones")
