"""Lección 11 · Mensajes privados: solo para una persona de tu sala, y una copia para ti.

El cliente envía    {"type": "private", "to": "IP:puerto", "text": "…"}
Lo reciben SOLO quien va dirigido y quien lo envió:
                    {"type": "private", "from", "nick", "to", "text", "time"}

Este handler es el ChatSocket del Stack 2 con su propio on_private(), que tiene dos
fallos. Encuéntralos y arréglalos.

Arráncalo con «python lessons/11_salas_apodos_privados/ejercicio/privados.py», prueba con
tres «python -m common.cliente --raw ws://127.0.0.1:8000/ws/clase» (y uno en /ws/recreo) y
comprueba tu trabajo con «python -m pytest lessons/11_salas_apodos_privados».
"""

from __future__ import annotations

from typing import ClassVar

from stack2_http import protocol
from stack2_http.server import ChatSocket, main


class ChatConPrivados(ChatSocket):
    """El ChatSocket del Stack 2, con un on_private() que escribes tú."""

    def on_private(self, event: protocol.Private) -> None:
        session, hub = self.session, self.hub
        if event.to == session.identity:
            hub.send(self, protocol.error(protocol.private_to_self()))
            return
        target = hub.find(event.to)  # La conexión con esa identidad, en cualquier sala.
        # TODO 1: alguien de OTRA sala también se encuentra, y recibiría el privado.
        # Si hub.room_of(target) no es session.room, es «no existe» (not_found).
        if target is None:
            hub.send(self, protocol.error(protocol.not_found(event.to)))
            return
        frame = protocol.private(session.identity, session.nick, event.to, event.text)
        # TODO 2: así lo recibe toda la sala. Envíalo solo a target y, como copia, a
        # ti mismo (self), con hub.send(conexión, frame).
        hub.broadcast(frame, room=session.room)

    # La misma tabla del Stack 2, con este on_private en lugar del suyo.
    EVENTS: ClassVar = dict(ChatSocket.EVENTS, private=(protocol.parse_private, on_private))


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatConPrivados, "Lección 11 · Mensajes privados")
