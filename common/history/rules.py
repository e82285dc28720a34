"""Lo que decide la profesora sobre una sala, guardado en el log junto a sus mensajes.

Borrar un mensaje, vaciar la sala, bloquearla, ponerla en modo lento, silenciar o sacar
a alguien: cada una es una *orden* (``Order``) y viaja por el mismo camino que los
mensajes. ¿Por qué por el log y no aparte?

* **En orden con los mensajes.** «Borra el 17» llega a cada proceso después del
  mensaje 17, nunca antes, igual que un mensaje llega después del anterior.
* **Guardada donde se guarda la historia.** En SQLite, en el mismo hilo y la misma
  transacción que los mensajes; en Redis, en el stream de la sala (common/processes/log.py).
  Tras reiniciar, lo borrado sigue borrado y la sala sigue bloqueada.
* **Igual en todos los procesos.** Cada proceso aplica cada orden a su copia en memoria
  (``RoomRules``) cuando la lee, como aplica cada mensaje. Quien retoma tras un corte
  recibe la historia ya con lo borrado tapado.

Un mensaje borrado no desaparece de la cuenta: queda una *lápida* (``tombstone``) con
su número y sin texto, para que los números sigan sin huecos y nadie crea que se le
perdió un mensaje. Vaciar la sala quita todos los mensajes, pero no los números: el
siguiente sigue la cuenta.

Silenciar y sacar duran unos minutos: se guardan con la hora a la que terminan (la del
reloj del equipo, ``time.time()``, que comparten los procesos de una máquina).
"""

from __future__ import annotations

import json
import time
from typing import NamedTuple

# Las órdenes que cambian la historia, las que cambian la sala y las que van a una persona.
HISTORY_ACTIONS = frozenset({"delete", "clear"})
ROOM_ACTIONS = frozenset({"lock", "slow"})
DEVICE_ACTIONS = frozenset({"mute", "unmute", "kick"})
ACTIONS = HISTORY_ACTIONS | ROOM_ACTIONS | DEVICE_ACTIONS


class Order(NamedTuple):
    """Una orden de la profesora sobre una sala, con solo lo que hay que guardar."""

    room: str
    action: str  # Una de ACTIONS.
    seq: int = 0  # delete: el mensaje; clear: el último vaciado (lo pone quien guarda).
    locked: bool = False  # lock
    slow: int = 0  # slow: segundos entre dos mensajes de cada estudiante (0 = sin límite).
    address: str = ""  # mute, unmute y kick: la IP del dispositivo.
    until: float = 0.0  # mute y kick: cuándo termina (time.time()).


class RoomRules:
    """Cómo está una sala ahora: lo que la profesora decidió y sigue en vigor."""

    __slots__ = ("cleared", "deleted", "kicked", "locked", "muted", "slow")

    def __init__(self) -> None:
        self.cleared = 0  # El último seq que se vació (0: nunca).
        self.deleted: set[int] = set()  # Los seq borrados que siguen en el historial.
        self.locked = False  # Solo escribe la profesora.
        self.slow = 0  # Segundos entre dos mensajes de un mismo estudiante (0: sin límite).
        self.muted: dict[str, float] = {}  # IP → cuándo termina su silencio.
        self.kicked: dict[str, float] = {}  # IP → cuándo puede volver a entrar.

    def apply(self, order: Order) -> None:
        """Apunta una orden (la historia en memoria la cambia el log: ``Log._ordered``)."""
        action = order.action
        if action == "delete":
            self.deleted.add(order.seq)
        elif action == "clear":
            self.cleared = max(self.cleared, order.seq)
            self.deleted.clear()  # Ya no queda ninguno en el historial.
        elif action == "lock":
            self.locked = order.locked
        elif action == "slow":
            self.slow = order.slow
        elif action == "mute":
            self.muted[order.address] = order.until
        elif action == "unmute":
            self.muted.pop(order.address, None)
        elif action == "kick":
            self.kicked[order.address] = order.until

    def left(self, table: dict[str, float], address: str) -> float:
        """Segundos que le quedan a ``address`` en ``muted`` o ``kicked`` (0: ninguno)."""
        until = table.get(address)
        if until is None:
            return 0.0  # Lo normal: una sola búsqueda en un dict, sin más.
        remaining = until - time.time()
        if remaining <= 0:
            del table[address]  # Ya pasó: se olvida aquí mismo.
            return 0.0
        return remaining

    def forget_before(self, oldest: int) -> None:
        """Lo borrado antes de ``oldest`` ya no está en el historial: no hace falta recordarlo."""
        if self.deleted and min(self.deleted) < oldest:
            self.deleted = {seq for seq in self.deleted if seq >= oldest}


def tombstone(epoch: str, room: str, seq: int) -> str:
    """El frame de un mensaje borrado: su número, sin texto, ni apodo, ni quién lo envió."""
    fields = {"type": "message", "seq": seq, "epoch": epoch, "room": room, "deleted": True}
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
