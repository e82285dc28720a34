"""La presencia: quién está en cada sala ahora mismo, y con qué apodo.

Es otra pregunta que la del hub (a qué sockets envío) y que la del log (qué se
dijo): por eso vive aparte. Esta cuenta las conexiones de este proceso; con varios
procesos, common/redis_presence.py usa la misma interfaz apoyándose en Redis.

Los apodos viven aquí porque «¿está libre "Ana" en esta sala?» es una pregunta
sobre quién está en la sala: si la presencia pasa a Redis, la respuesta vale
para todos los procesos a la vez.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

# Quién entró o salió en *otro* proceso: listener("join" o "leave", sala, quién, cuántos).
PresenceListener = Callable[[str, str, str, int], None]


class Person(NamedTuple):
    """Alguien en una sala: su identidad (IP:puerto) y su apodo, si eligió uno."""

    who: str
    nick: str | None


class Presence:
    """Las identidades conectadas a cada sala, por orden de llegada, con sus apodos."""

    def __init__(self) -> None:
        # sala → {identidad: apodo o None}. Un dict conserva el orden de llegada.
        self._rooms: dict[str, dict[str, str | None]] = {}
        # sala → {apodo en minúsculas: identidad}: «Ana» y «ANA» son el mismo apodo.
        self._nicks: dict[str, dict[str, str]] = {}
        self._listeners: list[PresenceListener] = []

    def subscribe(self, listener: PresenceListener) -> None:
        """Avisos de entradas y salidas en otros procesos (con un solo proceso, ninguno)."""
        self._listeners.append(listener)

    async def start(self) -> None:
        """Lo que haya que preparar dentro del event loop (aquí, nada)."""

    async def close(self) -> None:
        """Lo que haya que hacer al apagar (aquí, nada)."""

    async def watch(self, room: str) -> None:
        """Prepara la sala para alguien que va a entrar (aquí, nada)."""

    def join(self, room: str, who: str) -> int:
        """Anota que ``who`` entró en ``room`` (aún sin apodo); devuelve cuántos hay ahora."""
        people = self._rooms.setdefault(room, {})
        people.setdefault(who, None)
        return len(people)

    def leave(self, room: str, who: str) -> int:
        """Anota que ``who`` salió de ``room`` y libera su apodo; devuelve cuántos quedan."""
        people = self._rooms.get(room, {})
        nick = people.pop(who, None)
        if nick is not None:
            self._nicks[room].pop(nick.casefold(), None)
        if not people:
            self._rooms.pop(room, None)  # Una sala vacía no ocupa memoria.
            self._nicks.pop(room, None)
        return len(people)

    def set_nick(self, room: str, who: str, nick: str) -> bool:
        """Da el apodo ``nick`` a ``who``; False si otra persona de la sala ya lo tiene."""
        people = self._rooms.get(room)
        if people is None or who not in people:
            return False
        taken = self._nicks.setdefault(room, {})
        owner = taken.get(nick.casefold())
        if owner is not None and owner != who:
            return False
        old = people[who]
        if old is not None:
            taken.pop(old.casefold(), None)  # El apodo de antes queda libre.
        people[who] = nick
        taken[nick.casefold()] = who
        return True

    def nick_of(self, room: str, who: str) -> str | None:
        """El apodo de ``who`` en ``room`` (None si no eligió ninguno)."""
        return self._rooms.get(room, {}).get(who)

    def online(self, room: str) -> list[str]:
        """Quién está en ``room`` (identidades), por orden de llegada."""
        return list(self._rooms.get(room, ()))

    def people(self, room: str) -> list[Person]:
        """Quién está en ``room``, con su apodo, por orden de llegada."""
        return [Person(who, nick) for who, nick in self._rooms.get(room, {}).items()]

    def count(self, room: str) -> int:
        return len(self._rooms.get(room, ()))

    def rooms(self) -> dict[str, int]:
        """Las salas con alguien dentro y cuántos hay en cada una."""
        return {room: len(people) for room, people in self._rooms.items()}
