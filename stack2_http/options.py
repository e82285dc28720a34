"""Las opciones que solo tiene el Stack 2, y los ajustes de make_app() que salen de ellas.

Cada grupo se define junto a lo que configura (el historial en storage.py, el proxy en
identity.py, las salas en rooms.py): aquí se juntan, en el orden en que salen en --help.
"""

from __future__ import annotations

from typing import Any

from tornado.options import OptionParser

from common.defences.limits import FloodLimits
from common.defences.per_address import (
    AddressLimits,
    define_address_message_options,
    rules_from_options,
)
from stack2_http import identity, rooms, storage, teacher


def define_stack2_options(options: OptionParser) -> None:
    """Define las opciones del Stack 2 (las comunes, en common/startup/settings.py)."""
    options.define("rate", default=5.0, type=float, help="mensajes por segundo por conexión")
    options.define("burst", default=10, type=int, help="mensajes seguidos admitidos de golpe")
    # De sí o no, y por defecto sí: --help la enseña como --no-qr, con esta ayuda.
    options.define("qr", default=True, help="no dibuja en el banner el QR de la URL de la red")
    define_address_message_options(options)  # --address-rate: los de toda una IP.
    options.define(
        "allowed_origins",
        default=[],
        type=str,
        multiple=True,
        help="otros orígenes que pueden abrir el WebSocket, separados por comas",
    )
    storage.define_options(options)  # --db, --history, --redis, --processes
    rooms.define_options(options)  # --max-rooms
    identity.define_options(options)  # --xheaders, --trusted-proxies
    teacher.define_options(options)  # --teacher-key, --cookie-secret, --qr-profe
    options.define("certfile", default="", help="certificado TLS (PEM): sirve https:// y wss://")
    options.define("keyfile", default="", help="clave privada TLS (PEM) del certificado")


def chat_settings(options: OptionParser) -> dict[str, Any]:
    """Los argumentos de make_app() que salen de las opciones del Stack 2."""
    if options.max_rooms < 1:
        raise SystemExit("Error: --max-rooms debe ser 1 o más (las salas abiertas a la vez).")
    return {
        "flood": FloodLimits(rate=options.rate, burst=options.burst),
        "allowed_origins": options.allowed_origins,
        "trusted_proxies": identity.trusted_proxies(options),
        # Lo que admite cada estudiante (WebSockets y mensajes), con todas sus conexiones.
        "address_limits": AddressLimits(rules_from_options(options)),
        "max_rooms": options.max_rooms,
        # La clave de la profesora, elegida antes de crear procesos: todos aceptan la misma.
        "teachers": teacher.from_options(options),
    }
