"""Lección 11 · Mensajes privados: solo para una persona de tu sala, y una copia para ti.

El cliente envía    {"type": "private", "to": "IP:puerto", "text": "…"}
Lo reciben SOLO quien va dirigido y quien lo envió:
                    {"type": "private", "from", "nick", "to", "text", "time"}

Arráncalo con «python lessons/11_salas_apodos_privados/solucion/privados.py».
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
        # Otra sala cuenta como «no existe»: desde aquí no se ve quién hay en las demás.
        if target is None or hub.room_of(target) != session.room:
            hub.send(self, protocol.error(protocol.not_found(event.to)))
            return
        frame = protocol.private(session.identity, session.nick, event.to, event.text)
        # Solo dos envíos: a quien va dirigido y la copia para quien lo escribió.
        hub.send(target, frame)
        hub.send(self, frame)

    # La misma tabla del Stack 2, con este on_private en lugar del suyo.
    EVENTS: ClassVar = dict(ChatSocket.EVENTS, private=(protocol.parse_private, on_private))


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatConPrivados, "Lección 11 · Mensajes privados")
