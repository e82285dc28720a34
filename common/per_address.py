"""Límites por dirección IP: lo que puede hacer una persona, abra las pestañas que abra.

Los límites de cada conexión no bastan: quien abre 25 pestañas tiene 25 cubos de
fichas, y quien se reconecta en bucle estrena cubo cada vez. Aquí se cuenta por
dirección IP. En un aula, cada equipo tiene su propia IP; detrás de un router con
NAT (un colegio entero que sale a internet por una sola IP pública), todos
comparten una, y hay que subir o quitar estos límites (lección 7).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from common.limits import TokenBucket

# Direcciones que recordamos antes de olvidar las que ya no tienen conexiones.
SWEEP_AT = 4096
# Una dirección sin conexiones se olvida pasado este tiempo: su cubo ya estaría lleno.
FORGET_AFTER_SECONDS = 60.0

TOO_MANY_OPEN = "Demasiadas conexiones abiertas desde tu dirección IP"
TOO_MANY_NEW = "Demasiadas conexiones nuevas por segundo desde tu dirección IP"


@dataclass(frozen=True)
class AddressRules:
    """Cuánto admite cada dirección IP (0 = sin límite)."""

    connections: int = 20  # Conexiones TCP abiertas a la vez.
    connect_rate: float = 5.0  # Conexiones nuevas por segundo, de forma sostenida.
    connect_burst: int = 20  # Conexiones nuevas seguidas (abrir la página son varias).
    message_rate: float = 0.0  # Mensajes por segundo entre todas sus conexiones.
    message_burst: int = 0


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


def address_messages(handler: object) -> TokenBucket | None:
    """El cubo de mensajes de la IP de este handler, si el servidor limita por dirección."""
    limits = handler.settings.get("address_limits")  # type: ignore[attr-defined]
    if limits is None:
        return None  # Sin ese ajuste (así arrancan las pruebas con make_app()), sin límite.
    return limits.message_bucket(handler.request.remote_ip)  # type: ignore[attr-defined]


# Una persona con el portátil y el móvil: el doble de lo que admite una conexión.
ADDRESS_SHARE = 2


def define_address_options(options: Any) -> None:
    """Las opciones de límites por dirección que tienen los dos stacks."""
    options.define(
        "max_per_address",
        default=AddressRules.connections,
        type=int,
        help="conexiones abiertas a la vez desde una misma IP (0 = sin límite; súbelo con NAT)",
    )
    options.define(
        "connect_rate",
        default=AddressRules.connect_rate,
        type=float,
        help="conexiones nuevas por segundo desde una misma IP (0 = sin límite)",
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
