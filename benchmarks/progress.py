"""El progreso de benchmarks/fanout.py en la terminal, para que se vea que sigue vivo."""

from __future__ import annotations

import sys


class Progress:
    """Una barra de progreso en una sola línea de la terminal."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.shown = label, total, -1
        self.tty = sys.stderr.isatty()

    def update(self, value: int) -> None:
        step = value * 30 // max(1, self.total)
        if step != self.shown and self.tty:
            self.shown = step
            bar = "█" * step + "·" * (30 - step)
            print(f"\r  {self.label:<40} {bar} {value}/{self.total}", end="", file=sys.stderr)

    def done(self, note: str = "") -> None:
        if self.tty:
            print("\r" + " " * 100 + "\r", end="", file=sys.stderr)
        print(f"  {self.label:<40} listo {note}", file=sys.stderr)
