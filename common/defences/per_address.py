"""Límites por dirección IP: lo que puede hacer una persona, abra las pestañas que abra.

Los límites de cada conexión no bastan: quien abre 25 pestañas tiene 25 cubos de
fichas, y quien se reconecta en bucle estrena cubo cada vez. Aquí se cuenta por
dirección IP, en dos sitios:

* El portero (common/defences/doorman.py) cuenta las conexiones TCP de cada IP que se conecta,
  antes de leer nada: páginas, WebSockets y sockets que nunca dicen nada.
* El Stack 2 cuenta además, por estudiante, sus WebSockets y sus mensajes. Detrás de
  nginx (--xheaders), el estudiante es la dirección que nginx dice en X-Real-IP, y no
  nginx, que para el portero es un proxy de confianza (common/defences/proxies.py).

En un aula, cada equipo tiene su propia IP; detrás de un router con NAT (un colegio
entero que sale a internet por una sola IP pública), todos comparten una, y hay que
subir o quitar estos límites (lección 7).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from common.defences.limits import TokenBucket

# Direcciones que recordamos antes de olvidar las que ya no tienen conexiones.
SWEEP_AT = 4096
# Una dirección sin conexiones se olvida pasado este tiempo: su cubo ya estaría lleno.
FORGET_AFTER_SECONDS = 60.0

TOO_MANY_OPEN = "Demasiadas conexiones abiertas desde tu dirección IP"
TOO_MANY_NEW = "Demasiadas conexiones nuevas por segundo desde tu dirección IP"


@dataclass(frozen=True)
class AddressRules:
    """Cuánto admite cada dirección IP (0 = sin límite)."""

    connections: int = 20  # Conexiones abiertas a la vez (WebSockets, en el Stack 2).
    connect_rate: float = 5.0  # Conexiones nuevas por segundo, de forma sostenida.
    connect_burst: int = 20  # Conexiones nuevas seguidas (diez pestañas que vuelven a la vez).
    message_rate: float = 0.0  # Mensajes por segundo entre todas sus conexiones.
    message_burst: int = 0


# Sin ningún límite por dirección (0 = sin límite en cada campo).
NO_ADDRESS_LIMITS = AddressRules(connections=0, connect_rate=0.0)


class _Address:
    """Lo que sabemos de una IP: cuántas conexiones tiene y sus dos cubos."""

    __slots__ = ("connects", "messages", "open", "seen")

    def __init__(self, rules: AddressRules, clock: Callable[[], float]) -> None:
        self.open = 0
        self.connects = TokenBucket(rules.connect_rate, rules.connect_burst, clock)
        self.messages = TokenBucket(rules.message_rate, rules.message_burst, clock)
        self.seen = clock()


class AddressLimits:
    """Las cuentas de cada dirección IP, compartidas por todas sus conexiones."""

    def __init__(self, rules: AddressRules, clock: Callable[[], float] = time.monotonic) -> None:
        self.rules = rules
        self._clock = clock
        self._addresses: dict[str, _Address] = {}

    def admit(self, ip: str) -> str | None:
        """Cuenta una conexión nueva; devuelve el motivo si no se admite, o None."""
        entry = self._entry(ip)
        if self.rules.connections and entry.open >= self.rules.connections:
            return TOO_MANY_OPEN
        if self.rules.connect_rate and not entry.connects.take():
            return TOO_MANY_NEW
        entry.open += 1
        return None

    def release(self, ip: str) -> None:
        """Descuenta una conexión que se cerró."""
        entry = self._addresses.get(ip)
        if entry is not None:
            entry.open = max(0, entry.open - 1)
            entry.seen = self._clock()

    def message_bucket(self, ip: str) -> TokenBucket | None:
        """El cubo de mensajes que comparten las conexiones de ``ip`` (None = sin límite)."""
        return self._entry(ip).messages if self.rules.message_rate else None

    def __len__(self) -> int:
        return len(self._addresses)

    def _entry(self, ip: str) -> _Address:
        entry = self._addresses.get(ip)
        if entry is None:
            if len(self._addresses) >= SWEEP_AT:
                self._forget_idle()
            entry = self._addresses[ip] = _Address(self.rules, self._clock)
        entry.seen = self._clock()
        return entry

    def _forget_idle(self) -> None:
        # Sin esto, quien prueba miles de direcciones (IPv6 tiene de sobra)
        # haría crecer este diccionario sin fin.
        limit = self._clock() - FORGET_AFTER_SECONDS
        for ip, entry in list(self._addresses.items()):
            if entry.open == 0 and entry.seen < limit:
                del self._addresses[ip]


# En el Stack 2, el portero admite de cada IP este múltiplo de sus WebSockets en conexiones
# TCP. La pestaña que abre un WebSocket antes carga la página y sus archivos, y el navegador
# deja esas conexiones HTTP abiertas un rato (keep-alive) por si pide algo más: hasta seis
# por servidor en Chrome y Firefox. Con 4, los 20 WebSockets de un equipo caben con 60
# conexiones HTTP más (diez pestañas que dejan cinco cada una, también), y un equipo sigue
# sin poder ocupar más de 80 de las 10 000 plazas del servidor (--max-connections).
TCP_PER_WEBSOCKET = 4


def door_rules(rules: AddressRules, pages: bool) -> AddressRules:
    """Lo que el portero admite de cada IP en conexiones TCP, abiertas y nuevas.

    Sin páginas (Stack 1, cuyo cliente se abre desde el disco), cada conexión es un
    WebSocket: las mismas ``rules``. Con páginas (Stack 2), los WebSockets los cuenta el
    chat, por estudiante, con ``rules``; el portero, que ve también las conexiones HTTP de
    cada pestaña, admite ``TCP_PER_WEBSOCKET`` veces más.
    """
    if not pages:
        return rules
    return AddressRules(
        connections=rules.connections * TCP_PER_WEBSOCKET,
        connect_rate=rules.connect_rate * TCP_PER_WEBSOCKET,
        connect_burst=rules.connect_burst * TCP_PER_WEBSOCKET,
    )


# Una persona con el portátil y el móvil: el doble de lo que admite una conexión.
ADDRESS_SHARE = 2


def define_address_options(options: Any) -> None:
    """Las opciones de límites por dirección que tienen los dos stacks."""
    options.define(
        "max_per_address",
        default=AddressRules.connections,
        type=int,
        help="WebSockets abiertos a la vez desde una misma IP (en el Stack 2, con los de la "
        f"página, hasta {TCP_PER_WEBSOCKET} × este número de conexiones TCP; 0 = sin límite; "
        "súbelo con NAT)",
    )
    options.define(
        "connect_rate",
        default=AddressRules.connect_rate,
        type=float,
        help="WebSockets nuevos por segundo desde una misma IP, con ráfagas de "
        f"{AddressRules.connect_burst} (0 = sin límite)",
    )


def define_address_message_options(options: Any) -> None:
    """Las opciones de mensajes por dirección (solo el Stack 2 limita mensajes)."""
    options.define(
        "address_rate",
        default=None,
        type=float,
        help="mensajes por segundo desde una misma IP, entre todas sus conexiones "
        f"(por defecto, {ADDRESS_SHARE} × --rate; 0 = sin límite)",
    )


def rules_from_options(options: Any) -> AddressRules:
    """Las reglas por dirección que piden las opciones de la línea de órdenes."""
    rate, burst = 0.0, 0
    if "address_rate" in options:  # Solo el Stack 2 define las opciones de mensajes.
        rate = options.address_rate
        if rate is None:
            rate = ADDRESS_SHARE * options.rate
        burst = ADDRESS_SHARE * options.burst  # Las ráfagas, también el doble.
    return AddressRules(
        connections=max(0, options.max_per_address),
        connect_rate=max(0.0, options.connect_rate),
        message_rate=max(0.0, rate),
        message_burst=max(1, burst),
    )
