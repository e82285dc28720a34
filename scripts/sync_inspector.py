"""Copia el inspector de frames del Stack 2 dentro de stack1_pure/cliente.html.

    python scripts/sync_inspector.py

cliente.html es un solo archivo a propósito (se abre con doble clic, y cada equipo
necesita solo esa copia), así que lleva dentro su propia copia de inspector.css e
inspector.js. Después de cambiar esos dos archivos, esta orden la pone al día; una
prueba (tests/test_inspector.py) avisa si se olvida.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "stack2_http" / "static"
PAGE = ROOT / "stack1_pure" / "cliente.html"
BLOCK = re.compile(r"  <!-- inspector:.*?<!-- /inspector -->\n", re.DOTALL)


def indent(text: str) -> str:
    return "".join("    " + line if line.strip() else line for line in text.splitlines(True))


def inline_block() -> str:
    """El bloque que va en cliente.html: los dos archivos, sangrados dentro de sus etiquetas."""
    css = (STATIC / "inspector.css").read_text(encoding="utf-8")
    js = (STATIC / "inspector.js").read_text(encoding="utf-8")
    return (
        "  <!-- inspector: copia de stack2_http/static/inspector.css e inspector.js, para\n"
        "       que este archivo funcione solo. La pone al día scripts/sync_inspector.py. -->\n"
        f"  <style>\n{indent(css)}  </style>\n"
        f"  <script>\n{indent(js)}  </script>\n"
        "  <!-- /inspector -->\n"
    )


def main() -> None:
    page = PAGE.read_text(encoding="utf-8")
    updated = BLOCK.sub(lambda _: inline_block(), page, count=1)
    PAGE.write_text(updated, encoding="utf-8")
    print("cliente.html ya lleva el inspector al día." if updated != page else "Nada que cambiar.")


if __name__ == "__main__":
    main()
