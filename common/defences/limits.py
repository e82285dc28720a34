"""Defensas para un aula: límite de frecuencia y motivos de cierre en español.

Los motivos se aplican en common/tornado_internals.py, que toca el protocolo de Tornado.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass

# Motivos de cierre que ve el navegador (event.reason). Máximo 123 bytes cada uno.
TOO_BIG_REASON = "Mensaje demasiado grande"
PING_TIMEOUT_REASON = "Sin respuesta al ping: conexión perdida"


class TokenBucket:
    """Un cubo de fichas: cada acción gasta una y se recargan ``rate`` por segundo.

    Con el cubo lleno caben ``burst`` acciones seguidas; después, solo ``rate``
    por segundo. Así una persona que escribe rápido no nota nada y un script
    que inunda el chat sí.
    """

    # Cada conexión del Stack 2 tiene dos (ver FloodGuard): con __slots__, sin diccionario
    # propio, cada cubo ocupa menos de la mitad (benchmarks/README.md, memoria en reposo).
    __slots__ = ("_clock", "_last", "_tokens", "burst", "rate")

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def take(self) -> bool:
        """Gasta una ficha si queda alguna; devuelve False si hay que esperar."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False


class Verdict(enum.Enum):
    ACCEPT = "accept"  # Se difunde con normalidad.
    DROP = "drop"  # Se descarta y se avisa a quien lo envió.
    CLOSE = "close"  # Abuso sostenido: se cierra la conexión con 1008.


@dataclass(frozen=True)
class FloodLimits:
    """Cuántos mensajes por segundo admite cada conexión."""

    rate: float = 5.0  # Mensajes por segundo, de forma sostenida.
    burst: int = 10  # Mensajes seguidos que se admiten de golpe.
    strikes: int = 20  # Mensajes descartados tolerados antes de cerrar.


class FloodGuard:
    """Decide, mensaje a mensaje, si una conexión está inundando el chat."""

    __slots__ = ("_messages", "_shared", "_strikes")  # Uno por conexión: ver TokenBucket.

    def __init__(
        self,
        limits: FloodLimits,
        clock: Callable[[], float] = time.monotonic,
        shared: TokenBucket | None = None,
    ) -> None:
        self._messages = TokenBucket(limits.rate, limits.burst, clock)
        # El cubo de la dirección IP (common/defences/per_address.py), si lo hay: lo comparten
        # todas las conexiones de esa IP, y no se estrena al reconectar.
        self._shared = shared
        # Los avisos también se agotan: quien sigue enviando a pesar de ellos
        # acaba desconectado. Se recuperan despacio, a un aviso por segundo.
        self._strikes = TokenBucket(1.0, limits.strikes, clock)

    def check(self) -> Verdict:
        if self._messages.take() and (self._shared is None or self._shared.take()):
            return Verdict.ACCEPT
        return Verdict.DROP if self._strikes.take() else Verdict.CLOSE
