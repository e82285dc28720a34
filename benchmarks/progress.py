"""El progreso de benchmarks/fanout.py, para que se vea que sigue vivo.

En una terminal, una barra que se redibuja en la misma línea. Si la salida de errores
no es una terminal (un archivo, una tubería, un CI), la barra serían cientos de «\\r»
ilegibles: entonces sale una línea normal cada pocos segundos.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

# Sin terminal, segundos entre una línea de progreso y la siguiente.
PLAIN_EVERY_SECONDS = 5.0


class Progress:
    """Una barra de progreso en una sola línea de la terminal, o líneas de vez en cuando."""

    def __init__(self, label: str, total: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.total, self.shown = label, total, -1
        self.tty = sys.stderr.isatty()
        self.clock = clock
        self.last_line = clock()  # La primera línea sin terminal, a los pocos segundos.

    def update(self, value: int) -> None:
        if not self.tty:
            now = self.clock()
            if now - self.last_line >= PLAIN_EVERY_SECONDS:
                self.last_line = now
                print(f"  {self.label:<40} {value}/{self.total}", file=sys.stderr, flush=True)
            return
        step = value * 30 // max(1, self.total)
        if step != self.shown:
            self.shown = step
            bar = "█" * step + "·" * (30 - step)
            print(f"\r  {self.label:<40} {bar} {value}/{self.total}", end="", file=sys.stderr)

    def done(self, note: str = "") -> None:
        if self.tty:
            print("\r" + " " * 100 + "\r", end="", file=sys.stderr)
        print(f"  {self.label:<40} listo {note}", file=sys.stderr)
