"""El relé: lo que pasa entre procesos sin guardarse («está escribiendo…», privados).

Un mensaje de chat va por el log: tiene número, queda en el historial y nadie lo
pierde. Un «está escribiendo…» o un privado no van por el log (lección 11): si se
pierde uno, no pasa nada que deba arreglarse al reconectar. Con un solo proceso,
el hub ya los entrega a todos y el relé no hace nada; con --redis,
common/processes/relay.py los lleva a los demás procesos por un canal pub/sub.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple


class Relayed(NamedTuple):
    """Un frame que llega de otro proceso: para toda la sala, o solo para ``to``."""

    room: str
    frame: str
    to: str | None = None  # La identidad del destinatario de un privado.


RelayListener = Callable[[Relayed], None]


class Relay:
    """Con un solo proceso, nadie más tiene que enterarse: ``publish()`` no hace nada."""

    def __init__(self) -> None:
        self._listeners: list[RelayListener] = []

    def subscribe(self, listener: RelayListener) -> None:
        """``listener(relayed)`` recibe lo que publican los *otros* procesos."""
        self._listeners.append(listener)

    def publish(self, room: str, frame: str, to: str | None = None) -> bool:
        """Que ``frame`` llegue a la sala ``room`` (o a ``to``) en los demás procesos.

        False si ahora no se puede enviar (Redis caído): no se guarda para luego.
        """
        return True

    async def start(self) -> None:
        """Lo que haya que preparar dentro del event loop (aquí, nada)."""

    async def close(self) -> None:
        """Lo que haya que hacer al apagar (aquí, nada)."""
