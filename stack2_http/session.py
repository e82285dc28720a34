"""Lo que el servidor recuerda: lo que comparten todas las conexiones y lo de cada una.

``Chat`` se crea una vez, en ``make_app()``, y cada ``ChatSocket`` lo recibe en
``initialize()``: así nadie busca nada en variables globales. ``Session`` nace en
``ChatSocket.open()`` y guarda lo de esa conexión, junto y con ``__slots__``.
"""

from __future__ import annotations

import secrets
from typing import NamedTuple

from common.defences.limits import FloodGuard, FloodLimits
from common.defences.per_address import AddressLimits
from common.defences.proxies import TrustedProxies
from common.fanout.hub import Hub
from common.history.log import Log
from common.live.presence import Presence
from common.live.relay import Relay
from stack2_http.moderation import Moderation
from stack2_http.rooms import OpenRooms
from stack2_http.roster import Roster


class Chat(NamedTuple):
    """Lo que comparten todas las conexiones, creado una vez en ``make_app()``."""

    hub: Hub  # A qué sockets de este proceso llega cada frame.
    log: Log  # Qué número lleva cada mensaje y qué se dijo antes.
    presence: Presence  # Quién está en cada sala.
    relay: Relay  # Lo que cruza procesos sin guardarse: escribiendo… y privados.
    roster: Roster  # Quién entra y sale, contado a cada sala: uno a uno, o cuántos hay.
    open_rooms: OpenRooms  # Las salas con gente aquí, y el tope de salas abiertas.
    flood: FloodLimits  # Cuántos mensajes por segundo admite cada conexión.
    addresses: AddressLimits  # Lo que admite cada estudiante: sus WebSockets y mensajes.
    origins: frozenset[str]  # Otras páginas que pueden abrir el WebSocket (--allowed-origins).
    proxies: TrustedProxies  # De quién se cree X-Real-IP (--xheaders, --trusted-proxies).
    # Quién es la profesora (su clave y su cookie: teacher.py) y lo que decide en cada sala.
    moderation: Moderation


class Session:
    """Lo que el servidor sabe de una conexión, junto y con ``__slots__``.

    El handler guarda solo esto y ``Chat``: con pocos atributos, Python comparte
    entre todos los handlers las claves de su diccionario y cada conexión ocupa
    menos (benchmarks/README.md lo mide). Lo que añadan las salas o los apodos
    tiene aquí su sitio.
    """

    __slots__ = ("address", "flood", "identity", "nick", "room", "sender", "teacher")

    def __init__(
        self,
        identity: str,
        room: str,
        flood: FloodGuard,
        address: str,
        client: str | None,
        teacher: bool = False,
    ) -> None:
        self.identity = identity  # «IP:puerto», como lo ve el servidor.
        self.address = address  # Su IP, la de los límites por dirección (--max-per-address).
        self.room = room  # La sala, que sale de la dirección (/ws/<sala>).
        self.flood = flood  # Su cubo de fichas (--rate, --burst) y el de su IP (--address-rate).
        self.nick: str | None = None  # Su apodo, cuando lo elige (lección 11).
        # Quién envía sus mensajes, para reconocer sus reintentos (lección 10): la clave
        # de ?client=, la misma en cada conexión de esa página; sin clave, esta conexión
        # y ninguna otra (su IP:puerto y algo al azar: un puerto se vuelve a usar).
        # Nunca sale en un frame: con ella, otro podría adelantarse a sus reintentos.
        self.sender = client or f"{identity}#{secrets.token_hex(4)}"
        # ¿Es la profesora? Se decide una vez, en el handshake, con su cookie firmada
        # (stack2_http/teacher.py), y se mira antes de atender cada frame.
        self.teacher = teacher

    @property
    def role(self) -> str:
        """«teacher» o «student», como lo dice el ``welcome``."""
        return "teacher" if self.teacher else "student"
