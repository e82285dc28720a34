"""Lección 10 · Retomar tras un corte: lo que se perdió, entero y en orden, o nada.

Este log es el del Stack 2 en memoria (MemoryLog) con su propio ``replay()``, el que
decide qué recibe quien vuelve con ``?since=SEQ&epoch=EPOCH``. Tiene dos fallos: los
dos están entre los que la lección cuenta de otros chats. Encuéntralos y arréglalos.

Arráncalo con «python lessons/10_historial_y_reconexion/ejercicio/retomar.py --history=5»,
retoma con «python -m common.cliente --raw "ws://127.0.0.1:8000/ws?since=2&epoch=…"» y comprueba tu
trabajo con «python -m pytest lessons/10_historial_y_reconexion».
"""

from __future__ import annotations

from common.history.log import RECENT, MemoryLog, Replay  # noqa: F401 (RECENT: para el TODO 1)
from stack2_http.server import main


class LogDeLaLeccion(MemoryLog):
    """Un log en memoria cuyo replay() escribes tú."""

    def replay(self, room: str, since: int | None = None, epoch: str | None = None) -> Replay:
        if since is None:
            return Replay(self.recent(room), None)  # Entra sin pedir nada: los últimos.
        if epoch != self.epoch:
            return Replay(self.recent(room), False, "epoch_changed")  # Otra historia.
        latest = self.latest(room)
        if since > latest:
            raise ValueError(f"since={since} pasa del último mensaje ({latest})")
        kept = self.recent(room, self.history_size)  # Todo lo guardado, del más antiguo.
        oldest = latest - len(kept) + 1  # El seq del primero que sigue guardado.
        # TODO 1: si falta algo que ya no está guardado (el siguiente a «since» es más
        # antiguo que «oldest»), esto devuelve solo una parte y dice que está todo.
        # Nunca una parte: devuelve los últimos RECENT, False y "too_far_behind".
        # TODO 2: esta cuenta incluye el mensaje número «since», que el cliente ya vio:
        # le llegaría dos veces. El primero que le falta es el since + 1.
        return Replay(kept[max(0, since - oldest) :], True)


if __name__ == "__main__":
    # El Stack 2 de siempre, con este log en lugar del de --db.
    main(title="Lección 10 · Retomar tras un corte", log_class=LogDeLaLeccion)
