"""Lección 12 · Reto: el script que numera los mensajes, en Python.

La lógica del script APPEND de common/processes/log.py, sin Redis: numerar sin huecos,
reconocer los reintentos por su cid y no mezclar historias (epoch).
"""

from __future__ import annotations

from collections import OrderedDict, deque


class Stream:
    """El stream de una sala, con la lógica del script APPEND."""

    def __init__(self, maxlen: int, epoch: str) -> None:
        self.maxlen = maxlen
        self.vaciar(epoch)

    def vaciar(self, epoch_nuevo: str) -> None:
        """Redis vuelve vacío: se pierde todo y empieza otra historia."""
        self.epoch = epoch_nuevo
        self.ultimo = 0  # El INCR: el número del último mensaje.
        self.frames: deque[tuple[int, str]] = deque(maxlen=self.maxlen)  # XADD con MAXLEN.
        self.cids: OrderedDict[str, int] = OrderedDict()  # El ZSET: cid → número.

    def append(self, epoch: str, cid: str, frame: str) -> tuple[str, object]:
        """Guarda un mensaje, en el orden del script: epoch, reintento, número."""
        if epoch != self.epoch:
            return ("epoch", self.epoch)  # Otra historia: nada se guarda.
        if cid and cid in self.cids:
            return ("dup", self.cids[cid])  # Un reintento: el número de la primera vez.
        self.ultimo += 1
        self.frames.append((self.ultimo, frame))  # deque(maxlen) descarta el más antiguo.
        if cid:
            self.cids[cid] = self.ultimo
        # Como ZREMRANGEBYSCORE: se olvidan los cid de lo que ya no está guardado.
        while self.cids and next(iter(self.cids.values())) <= self.ultimo - self.maxlen:
            self.cids.popitem(last=False)
        return ("ok", self.ultimo)

    def desde(self, seq: int) -> list[tuple[int, str]] | None:
        """Lo que siguió a ``seq``, entero y en orden; None si parte ya se descartó."""
        if seq > self.ultimo:
            raise ValueError(f"seq={seq} pasa del último mensaje ({self.ultimo})")
        faltan = self.ultimo - seq
        if faltan > len(self.frames):
            return None  # Todo o nada: nunca una parte.
        return list(self.frames)[len(self.frames) - faltan :]
