"""La lista «En línea» de cada sala, tal como la reciben las páginas: uno a uno, o la cuenta.

En una sala pequeña (hasta ``LISTED`` personas), cada entrada, salida o apodo nuevo se
cuenta a toda la sala (``join``, ``leave``, ``nick``) y cada página mantiene la lista
entera. Es lo más sencillo, pero cuesta una entrega por persona y por cambio: que entren
N personas son N²/2 avisos. Con 30 estudiantes, 450; con 10 000 en una misma sala, 50
millones, y el servidor pasaría minutos solo avisando de quién entra.

Por eso, en una sala grande (más de ``LISTED``):

* el ``welcome`` trae solo las ``LISTED`` primeras personas (por orden de llegada) y
  ``count``, cuántas hay en total;
* nadie recibe un ``join`` ni un ``leave``: cada proceso envía a los suyos un
  ``{"type": "count", "count": N}``, como mucho uno por segundo y solo si N cambió;
* un apodo nuevo solo se confirma a quien lo pidió;
* cuando la sala vuelve a ser pequeña, cada página recibe un ``people`` con la lista
  entera (otra vez como mucho ``LISTED``) y la rehace.

Así, que entren N personas cuesta O(N): un ``welcome`` de tamaño acotado por persona y,
cada segundo, un ``count`` por conexión. Lo mide benchmarks/join.py. Lo que llega de otros
procesos con --redis (stack2_http/other_processes.py) sigue las mismas reglas.
"""

from __future__ import annotations

import asyncio
from typing import Any

from common.fanout.hub import Hub
from common.live.presence import Presence
from stack2_http import protocol

# Hasta aquí, una sala es pequeña: su lista viaja entera y cada cambio se avisa. Cien
# caben de sobra en una columna de la página y en un welcome (unos 6 KB).
LISTED = 100
# Segundos entre dos «count» de una misma sala grande, como mucho uno por segundo.
COUNT_EVERY = 1.0


class _Crowd:
    """Lo que se recuerda de una sala grande: la cuenta que ya saben sus páginas."""

    __slots__ = ("at", "sent", "timer")

    def __init__(self) -> None:
        self.sent: int | None = None  # El último «count» enviado (None: ninguno aún).
        self.at = float("-inf")  # Cuándo se envió (la hora del loop).
        self.timer: asyncio.TimerHandle | None = None  # El próximo envío, si hay cambios.


class Roster:
    """Cuenta a las páginas de este proceso quién entra y sale de su sala, y quién hay.

    Solo recuerda algo de las salas grandes (una entrada por sala, con un temporizador
    solo mientras hay un cambio sin contar); de las pequeñas, nada.
    """

    def __init__(self, hub: Hub, presence: Presence, every: float = COUNT_EVERY) -> None:
        self.hub = hub
        self.presence = presence
        self.every = every
        self._crowds: dict[str, _Crowd] = {}  # Las salas grandes, por nombre.

    def big(self, room: str) -> bool:
        """¿Reciben las páginas de ``room`` la cuenta en vez de cada cambio?"""
        return room in self._crowds

    def online(self, room: str) -> list[dict[str, Any]]:
        """Las primeras ``LISTED`` personas de ``room``, por orden de llegada (para el welcome)."""
        # Un dict escrito a mano y no person._asdict(), que cuesta tres veces más: esto
        # se hace con cada persona que entra, cien veces. La profesora lleva "teacher".
        return [
            {"who": who, "nick": nick, "teacher": True} if teacher else {"who": who, "nick": nick}
            for who, nick, teacher in self.presence.people(room, LISTED)
        ]

    def joined(
        self, room: str, who: str, nick: str | None, count: int, exclude: Any = None
    ) -> None:
        """``who`` entró en ``room``, donde ahora hay ``count`` (``exclude``: quien entra)."""
        if count > LISTED or self.big(room):
            self._changed(room)
        else:
            # La presencia sabe si es la profesora, también si entró por otro proceso.
            frame = protocol.join(who, count, nick, self.presence.is_teacher(room, who))
            self.hub.broadcast(frame, exclude=exclude, room=room)

    def left(self, room: str, who: str, nick: str | None, count: int) -> None:
        """``who`` salió de ``room``, donde quedan ``count``."""
        if self.big(room):
            self._changed(room)  # Si ya es pequeña, el próximo envío manda la lista.
        else:
            self.hub.broadcast(protocol.leave(who, count, nick), room=room)

    def renamed(self, room: str, who: str, nick: str | None, owner: Any = None) -> None:
        """``who`` tiene apodo nuevo; ``owner``, su conexión si es de este proceso."""
        frame = protocol.nick(who, nick)
        if not self.big(room):
            self.hub.broadcast(frame, room=room)
        elif owner is not None:
            self.hub.send(owner, frame)  # En una sala grande, solo lo sabe quien lo pidió.

    def _changed(self, room: str) -> None:
        """Algo cambió en una sala grande: se contará en cuanto pase el segundo."""
        crowd = self._crowds.get(room)
        if crowd is None:
            crowd = self._crowds[room] = _Crowd()
        if crowd.timer is not None:
            return  # Ya hay un envío en camino: contará también este cambio.
        loop = asyncio.get_running_loop()
        # Si el último envío fue hace más de un segundo, ahora (al final de esta vuelta
        # del loop, con lo que llegue en ella); si no, cuando se cumpla el segundo.
        delay = max(0.0, crowd.at + self.every - loop.time())
        crowd.timer = loop.call_later(delay, self._tell, room)

    def _tell(self, room: str) -> None:
        """Cuenta a las páginas de ``room`` cuántos hay, o la lista si ya es pequeña."""
        crowd = self._crowds[room]
        crowd.timer, crowd.at = None, asyncio.get_running_loop().time()
        count = self.presence.count(room)
        if count <= LISTED:
            # Vuelve a ser pequeña: cada página rehace su lista y desde ahora recibe
            # cada join y leave. (Con 0, aquí ya no queda nadie a quien contárselo.)
            del self._crowds[room]
            if count:
                self.hub.broadcast(protocol.people(self.online(room), count), room=room)
        elif count != crowd.sent:
            crowd.sent = count
            self.hub.broadcast(protocol.count(count), room=room)
