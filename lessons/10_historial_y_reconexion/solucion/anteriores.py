"""Lección 10 · Reto: «cargar mensajes anteriores», como al subir en cualquier chat.

El cliente envía    {"type": "older", "before": 21, "limit": 5}
Solo él recibe      {"type": "older", "before": 21, "messages": [...], "complete": true}

Arráncalo con «python lessons/10_historial_y_reconexion/solucion/anteriores.py --history=10»
y prueba con «python -m common.cliente --raw ws://127.0.0.1:8000/ws».
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, NamedTuple

from stack2_http import protocol
from stack2_http.server import ChatSocket, main

POR_DEFECTO = 20  # Mensajes por petición si no se dice «limit».
MAXIMO = 50  # Y como mucho: cada petición cuesta un frame de este tamaño.


class Anteriores(NamedTuple):
    """Una petición ya validada: los mensajes anteriores a «before», como mucho «limit»."""

    before: int
    limit: int


def parse_older(event: dict[str, Any]) -> Anteriores:
    """Valida los tipos; que «before» no pase del último lo mira on_older, que sabe la sala."""
    before, limit = event.get("before"), event.get("limit", POR_DEFECTO)
    # type() y no isinstance(): en Python, True es un int, y no es un número de mensaje.
    if type(before) is not int or before < 1:
        raise protocol.ProtocolError("invalid_field", "«before» debe ser un número de mensaje.")
    if type(limit) is not int or not 1 <= limit <= MAXIMO:
        raise protocol.ProtocolError("invalid_field", f"«limit» debe ir de 1 a {MAXIMO}.")
    return Anteriores(before, limit)


class ChatConAnteriores(ChatSocket):
    """El ChatSocket del Stack 2, que además atiende «older»."""

    def on_older(self, event: Anteriores) -> None:
        """Un trozo del historial, solo para quien lo pide, y si está entero o no."""
        log, room = self.chat.log, self.session.room
        latest = log.latest(room)
        if event.before > latest + 1:
            problema = protocol.ProtocolError(
                "invalid_field", f"«before» pasa del último mensaje de la sala ({latest})."
            )
            self.hub.send(self, protocol.error(problema))
            return
        kept = log.recent(room, log.history_size)  # Todo lo guardado, del más antiguo.
        oldest = latest - len(kept) + 1  # El número del primero que sigue guardado.
        first = max(1, event.before - event.limit)  # El tramo pedido: first … before - 1.
        start = max(first, oldest)  # Lo que queda de él.
        messages = [json.loads(frame) for frame in kept[start - oldest : event.before - oldest]]
        complete = start == first or event.before == 1  # Antes del 1 no hay nada que falte.
        frame = json.dumps(
            {"type": "older", "before": event.before, "messages": messages, "complete": complete},
            ensure_ascii=False,
        )
        self.hub.send(self, frame)

    # La tabla del Stack 2 y una línea más: errores e inundación, como todos los tipos.
    EVENTS: ClassVar = dict(ChatSocket.EVENTS, older=(parse_older, on_older))


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatConAnteriores, "Lección 10 · Reto: mensajes anteriores")
