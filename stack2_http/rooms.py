"""Las salas del Stack 2: cómo se llaman, cuáles tienen gente y cuántas caben.

Una sala se nombra en la dirección: la página ``/sala/<nombre>`` y el WebSocket
``/ws/<nombre>``; ``/`` y ``/ws`` son la sala «general». El nombre es corto y
sencillo (a-z, 0-9, - y _) porque viaja en direcciones, en claves del navegador
y en los avisos: así nunca hay que escaparlo, y «../» no puede colarse.

Basta con escribir una dirección para abrir una sala: por eso hay un tope de salas
abiertas a la vez (``--max-rooms``). Una sala está abierta mientras hay alguien dentro.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re

import tornado.web
from tornado.options import OptionParser

from common.history.log import Log
from common.live.presence import Presence

logger = logging.getLogger("chat.rooms")

DEFAULT_ROOM = "general"
ROOM_NAME = re.compile(r"[a-z0-9_-]{1,32}")
# Salas abiertas a la vez como mucho (--max-rooms): de sobra para un colegio, y poco
# para quien abre salas en bucle solo para llenar la memoria del servidor.
MAX_ROOMS = 100
# El motivo del cierre 1013 («try again later») de quien abre una sala de más.
TOO_MANY_ROOMS_REASON = "Hay demasiadas salas abiertas: entra en una que ya tenga gente"
# La lista de salas de la página: las más concurridas, no todas (una lista de mil
# salas no ayuda a nadie a elegir, y cada página la pide cada pocos segundos).
LISTED_ROOMS = 30

# La línea del banner: cómo se abre una sala nueva (basta con escribir su dirección).
BANNER_NOTE = (
    "Salas: añade /sala/<nombre> a la dirección (por ejemplo, /sala/clase) y entra en "
    "ella; sin nada es la sala «general»."
)

NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang="es">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>No existe · Chat</title></head>
<body>
<main>
<h1>Esa sala no existe</h1>
<p>El nombre de una sala tiene de 1 a 32 caracteres: letras sin acentos, números,
«-» o «_». Por ejemplo, <a href="/sala/clase">/sala/clase</a>.</p>
<p><a href="/">Volver a la sala general</a></p>
</main>
</body>
</html>
"""


def define_options(options: OptionParser) -> None:
    """--max-rooms: cuántas salas con gente puede haber a la vez."""
    options.define(
        "max_rooms",
        default=MAX_ROOMS,
        type=int,
        help="salas con gente a la vez, como mucho (con --redis, entre todos los procesos)",
    )


def room_name(raw: str | None = None) -> str | None:
    """El nombre de sala que pide la dirección, en minúsculas, o None si no vale.

    Sin nombre (``/`` o ``/ws``) es la sala general.
    """
    if raw is None:
        return DEFAULT_ROOM
    # Solo ASCII: "K".lower() es «k», pero también lo es el signo Kelvin («K»).
    if not raw.isascii():
        return None
    name = raw.lower()
    return name if ROOM_NAME.fullmatch(name) else None


def room_path(room: str) -> str:
    """La dirección de la página de una sala."""
    return "/" if room == DEFAULT_ROOM else f"/sala/{room}"


def write_not_found(handler: tornado.web.RequestHandler) -> None:
    """La página 404 en español de una sala con un nombre imposible: dice cómo se llaman."""
    handler.set_header("Content-Type", "text/html; charset=UTF-8")
    handler.write(NOT_FOUND_PAGE)


class RoomsHandler(tornado.web.RequestHandler):
    """``/salas.json``: las salas con gente y cuántos hay, para la lista de la página.

    La página lo pide cada pocos segundos. Es HTTP y no un evento del WebSocket
    porque no es parte de la conversación de ninguna sala: así nadie recibe un
    frame por cada persona que entra en otra sala, y con varios procesos basta con
    que la presencia sepa contar.
    """

    def initialize(self, presence: Presence) -> None:
        self.presence = presence

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Cache-Control", "no-store")  # Cambia a cada momento.

    def get(self) -> None:
        rooms = sorted(self.presence.rooms().items(), key=lambda item: (-item[1], item[0]))
        listed = [{"name": name, "count": count} for name, count in rooms[:LISTED_ROOMS]]
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.write(json.dumps({"rooms": listed}, separators=(",", ":")))


class OpenRooms:
    """Las salas con gente de este proceso y el tope de salas abiertas en todo el chat.

    Cada conexión entra con ``enter()`` y sale con ``leave()``: una cuenta por sala.
    La primera que entra hace que el log y la presencia la sigan (con --redis, leen de
    Redis su historial y su gente, y desde entonces lo nuevo); cuando sale la última,
    la dejan. Así un proceso solo lee de Redis las salas que alguien usa en él.
    """

    def __init__(self, log: Log, presence: Presence, limit: int = MAX_ROOMS) -> None:
        self.log = log
        self.presence = presence
        self.limit = limit
        # sala → conexiones de este proceso en ella, también las que están entrando.
        self._here: dict[str, int] = {}
        # sala → la lectura que la prepara, compartida por quien entra a la vez.
        self._watching: dict[str, asyncio.Future] = {}

    def full(self, room: str) -> bool:
        """True si ``room`` sería una sala nueva y ya hay ``limit`` abiertas.

        Cuentan las salas con gente en cualquier proceso (lo que sabe la presencia) y
        las que alguien está abriendo aquí ahora mismo. Con varios procesos, cada uno
        decide con lo que sabe: si dos abren a la vez, se puede pasar por unas pocas.
        """
        open_rooms = self.presence.rooms().keys() | self._here.keys()
        return room not in open_rooms and len(open_rooms) >= self.limit

    async def enter(self, room: str) -> bool:
        """Una conexión entra en ``room``: la prepara y espera. False si no caben más salas."""
        if room not in self._here:
            if self.full(room):
                logger.warning("Ya hay %d salas abiertas: rechazo la sala «%s»", self.limit, room)
                return False
            self._here[room] = 0
            self._watching[room] = asyncio.ensure_future(self._watch(room))
        self._here[room] += 1
        watching = self._watching[room]
        try:
            # Quien entra a la vez en una sala nueva espera a la misma lectura: nadie
            # recibe la bienvenida con la lista o el historial a medias.
            await asyncio.shield(watching)
            # Y cada bienvenida, con la historia de ahora (con --redis, Redis lo confirma).
            await self.log.catch_up(room)
        except BaseException:
            self.leave(room)  # Que un fallo no deje la sala apuntada para siempre.
            raise
        return True

    def leave(self, room: str) -> None:
        """Sale una conexión de ``room``; si era la última de aquí, se deja de seguir."""
        self._here[room] -= 1
        if self._here[room] == 0:
            del self._here[room], self._watching[room]
            self.log.unwatch(room)
            self.presence.unwatch(room)

    async def _watch(self, room: str) -> None:
        await self.log.watch(room)
        await self.presence.watch(room)
