"""El inspector de frames: la copia de cliente.html es la misma que la del Stack 2."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_sync():
    spec = importlib.util.spec_from_file_location(
        "sync_inspector", ROOT / "scripts" / "sync_inspector.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stack1_page_carries_the_same_inspector_as_stack2() -> None:
    sync = load_sync()
    page = sync.PAGE.read_text(encoding="utf-8")
    assert sync.inline_block() in page, (
        "cliente.html lleva una copia vieja del inspector: ejecuta python scripts/sync_inspector.py"
    )


def test_the_stack2_page_loads_the_inspector_before_the_chat() -> None:
    page = (ROOT / "stack2_http" / "clientehttp.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script [^>]*>", page)
    inspector = [tag for tag in scripts if "inspector.js" in tag]
    chat = [tag for tag in scripts if "chat/main.js" in tag]
    assert inspector and chat, f"Faltan los scripts del inspector o del chat: {scripts}"
    # defer y type="module" corren los dos al acabar de leer la página, en este orden.
    assert " defer" in inspector[0] and 'type="module"' in chat[0], scripts
    assert scripts.index(inspector[0]) < scripts.index(chat[0]), scripts
