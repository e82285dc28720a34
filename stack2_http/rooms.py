"""Las salas del Stack 2: cómo se llaman, qué dirección tiene cada una y cuáles tienen gente.

Una sala se nombra en la dirección: la página ``/sala/<nombre>`` y el WebSocket
``/ws/<nombre>``; ``/`` y ``/ws`` son la sala «general». El nombre es corto y
sencillo (a-z, 0-9, - y _) porque viaja en direcciones, en claves del navegador
y en los avisos: así nunca hay que escaparlo, y «../» no puede colarse.
"""

from __future__ import annotations

import json
import re

import tornado.web

from common.presence import Presence

DEFAULT_ROOM = "general"
ROOM_NAME = re.compile(r"[a-z0-9_-]{1,32}")
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
