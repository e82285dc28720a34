"""Arranca el server.py de un stack tal cual, eligiendo el camino del hub (solo para medir).

    python benchmarks/serve_stack.py --hub=plain 2 --port=0 --address=127.0.0.1

``--hub=fast`` es el hub de siempre; ``--hub=plain`` es el mismo hub con
``Hub(fast=False)``: un ``write_message`` por cliente, el bucle sencillo de las
lecciones. El resto de opciones pasan al servidor sin cambios.
"""

from __future__ import annotations

import functools
import logging
import runpy
import sys
from pathlib import Path

import common.hub

ROOT = Path(__file__).resolve().parent.parent
SERVERS = {"1": ROOT / "stack1_pure" / "server.py", "2": ROOT / "stack2_http" / "server.py"}


def main() -> None:
    args = sys.argv[1:]
    if len(args) < 2 or args[0] not in ("--hub=plain", "--hub=fast") or args[1] not in SERVERS:
        raise SystemExit("Uso: python benchmarks/serve_stack.py --hub=plain|fast 1|2 [opciones]")
    fast = args[0] == "--hub=fast"
    server = SERVERS[args[1]]
    # server.py hace «from common.hub import Hub» al arrancar: le damos un Hub con
    # el camino elegido ya puesto, sin tocar una línea del servidor.
    common.hub.Hub = functools.partial(common.hub.Hub, fast=fast)  # type: ignore[misc]
    # Un aviso por cada conexión abierta o cerrada no sirve de nada con 10 000 bots.
    logging.getLogger("chat").setLevel(logging.WARNING)
    sys.argv = [str(server), *args[2:]]
    runpy.run_path(str(server), run_name="__main__")


if __name__ == "__main__":
    main()
