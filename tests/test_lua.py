"""Los scripts Lua de Redis (lección 12): cada uno en su archivo, explicado y con el paquete."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "common" / "processes").glob("*.lua"))


def test_the_redis_scripts_live_in_lua_files() -> None:
    names = {script.name for script in SCRIPTS}
    assert {"append.lua", "presence.lua", "sync.lua", "heartbeat.lua", "goodbye.lua"} <= names


def test_every_lua_script_opens_with_a_spanish_comment_saying_what_it_does() -> None:
    for script in SCRIPTS:
        head = script.read_text(encoding="utf-8").splitlines()[0]
        assert head.startswith("-- "), f"{script.name} debería empezar con un comentario «-- »"
        assert re.search(r"[áéíóúñ]| la | el | de ", head), f"{script.name}: ¿en español? {head!r}"


def test_every_lua_script_is_read_by_the_code() -> None:
    code = "".join(path.read_text(encoding="utf-8") for path in ROOT.glob("common/**/*.py"))
    for script in SCRIPTS:
        assert f'"{script.name}"' in code, f"Nadie lee {script.name}: ¿sobra?"


def test_the_package_ships_the_lua_scripts() -> None:
    # Se leen al importar common/processes/: un paquete sin ellos no arrancaría con --redis.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"common.processes" = ["*.lua"]' in pyproject
