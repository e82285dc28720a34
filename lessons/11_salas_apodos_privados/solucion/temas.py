"""Lección 11 · Reto: el tema de cada sala.

El cliente envía            {"type": "topic", "text": "Repaso del examen"}
Toda su sala recibe,        {"type": "topic", "who": "IP:puerto", "nick": apodo o null,
también quien lo puso:       "text": "Repaso del examen"}

Quien entra en una sala con tema lo recibe justo después de su welcome.

Arráncalo con «python lessons/11_salas_apodos_privados/solucion/temas.py» y prueba con dos
«python -m common.cliente --raw ws://127.0.0.1:8000/ws/clase».
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, NamedTuple

import tornado.web

from common.fanout.hub import Hub
from stack2_http import protocol
from stack2_http.server import ChatSocket, main
from stack2_http.server import make_app as make_stack_app

MAX_TEMA = 100  # Caracteres: un tema es una línea, no un mensaje.


class Tema(NamedTuple):
    """Un tema ya validado y limpio."""

    text: str


def parse_topic(event: dict[str, Any]) -> Tema:
    """El texto, limpio como el de un mensaje, y corto."""
    text = protocol.parse_text(event.get("text"))
    if len(text) > MAX_TEMA:
        raise protocol.ProtocolError("too_long", f"El tema tiene como mucho {MAX_TEMA} caracteres.")
    return Tema(text)


class ChatConTemas(ChatSocket):
    """El ChatSocket del Stack 2, que además entiende «topic»."""

    @property
    def temas(self) -> dict[str, str]:
        """Sala → su último frame «topic». Uno por aplicación, en sus settings: si fuera
        un atributo de la clase, dos servidores del mismo proceso lo compartirían."""
        return self.settings.setdefault("temas", {})

    async def open(self, asked: str | None = None) -> None:
        # open() del Stack 2 es async (espera a que la sala esté lista): hay que esperarlo.
        await super().open(asked)
        session = self.session
        if session is not None and session.room in self.temas:  # None: no cupo.
            self.hub.send(self, self.temas[session.room])

    def on_topic(self, event: Tema) -> None:
        session = self.session
        frame = json.dumps(
            {"type": "topic", "who": session.identity, "nick": session.nick, "text": event.text},
            ensure_ascii=False,
        )
        self.temas[session.room] = frame  # Se guarda el frame: quien llegue recibe el mismo.
        self.hub.broadcast(frame, room=session.room)

    # La tabla del Stack 2 y una línea más: errores e inundación, como todos los tipos.
    EVENTS: ClassVar = dict(ChatSocket.EVENTS, topic=(parse_topic, on_topic))


def make_app(hub: Hub, **settings: Any) -> tornado.web.Application:
    """La aplicación del Stack 2, con ChatConTemas en lugar de ChatSocket."""
    return make_stack_app(hub, handler=ChatConTemas, **settings)


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatConTemas, "Lección 11 · Reto: el tema de cada sala")
