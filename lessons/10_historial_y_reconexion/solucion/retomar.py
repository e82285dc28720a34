"""Lección 10 · Retomar tras un corte: lo que se perdió, entero y en orden, o nada.

Este log es el del Stack 2 en memoria (MemoryLog) con su propio ``replay()``, el que
decide qué recibe quien vuelve con ``?since=SEQ&epoch=EPOCH``.

Arráncalo con «python lessons/10_historial_y_reconexion/solucion/retomar.py --history=5»
y retoma con «python -m common.cliente --raw "ws://127.0.0.1:8000/ws?since=2&epoch=…"».
"""

from __future__ import annotations

from common.history.log import RECENT, MemoryLog, Replay
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
        if since + 1 < oldest:
            # Falta algo que ya no está: nunca una parte. Los últimos y el motivo.
            return Replay(kept[-RECENT:], False, "too_far_behind")
        # Los que van detrás de «since»: el primero es el since + 1.
        return Replay(kept[since + 1 - oldest :], True)


if __name__ == "__main__":
    # El Stack 2 de siempre, con este log en lugar del de --db.
    main(title="Lección 10 · Retomar tras un corte", log_class=LogDeLaLeccion)
