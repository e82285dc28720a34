"""La presencia: quién está en cada sala ahora mismo, y con qué apodo.

Es otra pregunta que la del hub (a qué sockets envío) y que la del log (qué se
dijo): por eso vive aparte. Esta cuenta las conexiones de este proceso; con varios
procesos, common/processes/presence.py ofrece los mismos métodos apoyándose en Redis, y
guarda dentro una ``Presence`` como copia en memoria de las salas que sigue.

Los apodos viven aquí porque «¿está libre "Ana" en esta sala?» es una pregunta
sobre quién está en la sala: si la presencia pasa a Redis, la respuesta vale
para todos los procesos a la vez.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import NamedTuple


class Change(NamedTuple):
    """Algo que cambió en la sala y que este proceso no ha visto pasar (con --redis).

    ``kind`` es ``"join"``, ``"leave"`` o ``"nick"`` cuando ocurrió en *otro* proceso,
    y ``"refused"`` cuando Redis negó a alguien de aquí el apodo ``asked`` porque otro
    proceso lo dio antes: entonces ``nick`` es el que tiene de verdad (o None).
    """

    kind: str
    room: str
    who: str
    nick: str | None = None
    count: int = 0  # Cuántos hay en la sala ahora (en join y leave).
    asked: str | None = None  # El apodo que se pidió (en refused).


PresenceListener = Callable[[Change], None]


class Person(NamedTuple):
    """Alguien en una sala: su identidad (IP:puerto), su apodo y si es la profesora."""

    who: str
    nick: str | None
    teacher: bool = False


class Presence:
    """Las identidades conectadas a cada sala, por orden de llegada, con sus apodos."""

    def __init__(self) -> None:
        # sala → {identidad: apodo o None}. Un dict conserva el orden de llegada.
        self._rooms: dict[str, dict[str, str | None]] = {}
        # sala → {apodo en minúsculas: identidad}: «Ana» y «ANA» son el mismo apodo.
        self._nicks: dict[str, dict[str, str]] = {}
        # sala → las identidades de la profesora (una o pocas): su insignia en la lista.
        self._teachers: dict[str, set[str]] = {}
        self._listeners: list[PresenceListener] = []

    def subscribe(self, listener: PresenceListener) -> None:
        """Avisos de lo que pasa en otros procesos (con un solo proceso, ninguno)."""
        self._listeners.append(listener)

    def _notify(self, change: Change) -> None:
        for listener in self._listeners:
            listener(change)

    async def start(self) -> None:
        """Lo que haya que preparar dentro del event loop (aquí, nada)."""

    async def close(self) -> None:
        """Lo que haya que hacer al apagar (aquí, nada)."""

    async def watch(self, room: str) -> None:
        """Este proceso empieza a tener gente en ``room`` (aquí, nada que preparar)."""

    def unwatch(self, room: str) -> None:
        """Ya no queda nadie de este proceso en ``room`` (aquí, nada que soltar)."""

    def join(self, room: str, who: str, teacher: bool = False) -> int:
        """Anota que ``who`` entró en ``room`` (aún sin apodo); devuelve cuántos hay ahora.

        ``teacher``: es una conexión de la profesora (la lista la marca con «profe»).
        """
        people = self._rooms.setdefault(room, {})
        people.setdefault(who, None)
        if teacher:
            self._teachers.setdefault(room, set()).add(who)
        return len(people)

    def leave(self, room: str, who: str) -> int:
        """Anota que ``who`` salió de ``room`` y libera su apodo; devuelve cuántos quedan."""
        people = self._rooms.get(room, {})
        nick = people.pop(who, None)
        if nick is not None and self._nicks[room].get(nick.casefold()) == who:
            del self._nicks[room][nick.casefold()]
        self._teachers.get(room, set()).discard(who)
        if not people:
            self._rooms.pop(room, None)  # Una sala vacía no ocupa memoria.
            self._nicks.pop(room, None)
            self._teachers.pop(room, None)
        return len(people)

    def set_nick(self, room: str, who: str, nick: str) -> bool:
        """Da el apodo ``nick`` a ``who``; False si otra persona de la sala ya lo tiene."""
        people = self._rooms.get(room)
        if people is None or who not in people:
            return False
        owner = self._nicks.get(room, {}).get(nick.casefold())
        if owner is not None and owner != who:
            return False
        self.put_nick(room, who, nick)
        return True

    def put_nick(self, room: str, who: str, nick: str | None) -> None:
        """Apunta el apodo de ``who`` sin preguntar (``None``: sin apodo).

        ``set_nick()`` pregunta antes; con --redis, RedisPresence lo usa en su copia
        para apuntar lo que decidió Redis, que tiene la última palabra.
        """
        people, taken = self._rooms.get(room), self._nicks.setdefault(room, {})
        if people is None or who not in people:
            return
        old = people[who]
        if old is not None and taken.get(old.casefold()) == who:
            del taken[old.casefold()]  # El apodo de antes queda libre.
        people[who] = nick
        if nick is not None:
            taken[nick.casefold()] = who

    def drop(self, room: str) -> None:
        """Olvida a la gente de ``room`` sin avisar a nadie.

        Con --redis, la copia de una sala que este proceso deja de seguir: quien está
        en ella sigue allí, en otro proceso; aquí ya no hace falta la lista.
        """
        self._rooms.pop(room, None)
        self._nicks.pop(room, None)
        self._teachers.pop(room, None)

    def is_teacher(self, room: str, who: str) -> bool:
        """¿Es ``who`` una conexión de la profesora en ``room``?"""
        return who in self._teachers.get(room, ())

    def nick_of(self, room: str, who: str) -> str | None:
        """El apodo de ``who`` en ``room`` (None si no eligió ninguno)."""
        return self._rooms.get(room, {}).get(who)

    def is_in(self, room: str, who: str) -> bool:
        """¿Está ``who`` en ``room``? (Con --redis, en cualquier proceso.)"""
        return who in self._rooms.get(room, ())

    def online(self, room: str) -> list[str]:
        """Quién está en ``room`` (identidades), por orden de llegada."""
        return list(self._rooms.get(room, ()))

    def people(self, room: str, limit: int | None = None) -> list[Person]:
        """Quién está en ``room``, con su apodo, por orden de llegada; ``limit``: los primeros.

        Con ``limit``, se recorren solo esos: en una sala de 10 000, la lista del
        welcome (stack2_http/roster.py) no cuesta 10 000 pasos por cada persona que entra.
        """
        people = itertools.islice(self._rooms.get(room, {}).items(), limit)
        teachers = self._teachers.get(room, ())
        return [Person(who, nick, who in teachers) for who, nick in people]

    def count(self, room: str) -> int:
        return len(self._rooms.get(room, ()))

    def rooms(self) -> dict[str, int]:
        """Las salas con alguien dentro y cuántos hay en cada una."""
        return {room: len(people) for room, people in self._rooms.items()}
