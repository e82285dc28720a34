"""La presencia: quién está en cada sala ahora mismo.

Es otra pregunta que la del hub (a qué sockets envío) y que la del log (qué se
dijo): por eso vive aparte. Esta cuenta las conexiones de este proceso; con varios
procesos, common/redis_presence.py usa la misma interfaz apoyándose en Redis.
"""

from __future__ import annotations

from collections.abc import Callable

# Quién entró o salió en *otro* proceso: listener("join" o "leave", sala, quién, cuántos).
PresenceListener = Callable[[str, str, str, int], None]


class Presence:
    """Las identidades conectadas a cada sala, por orden de llegada."""

    def __init__(self) -> None:
        # Un dict (sin valores) conserva el orden de llegada: la lista sale ordenada.
        self._rooms: dict[str, dict[str, None]] = {}
        self._listeners: list[PresenceListener] = []

    def subscribe(self, listener: PresenceListener) -> None:
        """Avisos de entradas y salidas en otros procesos (con un solo proceso, ninguno)."""
        self._listeners.append(listener)

    async def start(self) -> None:
        """Lo que haya que preparar dentro del event loop (aquí, nada)."""

    async def close(self) -> None:
        """Lo que haya que hacer al apagar (aquí, nada)."""

    def join(self, room: str, who: str) -> int:
        """Anota que ``who`` entró en ``room``; devuelve cuántos hay ahora."""
        people = self._rooms.setdefault(room, {})
        people[who] = None
        return len(people)

    def leave(self, room: str, who: str) -> int:
        """Anota que ``who`` salió de ``room``; devuelve cuántos quedan."""
        people = self._rooms.get(room, {})
        people.pop(who, None)
        if not people:
            self._rooms.pop(room, None)  # Una sala vacía no ocupa memoria.
        return len(people)

    def online(self, room: str) -> list[str]:
        """Quién está en ``room``, por orden de llegada."""
        return list(self._rooms.get(room, ()))

    def count(self, room: str) -> int:
        return len(self._rooms.get(room, ()))
