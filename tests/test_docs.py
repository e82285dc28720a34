"""El README dice la verdad: sus órdenes, sus archivos y sus cifras."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def code_lines(path: str) -> int:
    """Líneas que no están en blanco ni son solo un comentario."""
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))


def total_lines(path: str) -> int:
    return len((ROOT / path).read_text(encoding="utf-8").splitlines())


def bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test_command = next(b.strip() for b in bash_blocks(README) if "pytest" in b)
    assert "requirements-dev.txt" in test_command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_the_readme_run_command_installs_and_starts_the_main_app() -> None:
    run_command = bash_blocks(README)[0].strip()
    assert "pip install -r requirements.txt" in run_command
    assert run_command.endswith("python stack2_http/server.py")


def test_line_counts_in_the_readme_are_true() -> None:
    for path in ("stack1_pure/server.py", "stack2_http/server.py", "stack2_http/protocol.py"):
        expected = f"({total_lines(path)} líneas, {code_lines(path)} de código)"
        assert expected in README, f"El README debería decir {expected} de {path}"
    assert f"| {code_lines('stack1_pure/server.py')} líneas de código Python |" in README
    stack2 = f"{code_lines('stack2_http/server.py')} + {code_lines('stack2_http/protocol.py')}"
    assert f"| {stack2} líneas de código Python |" in README


def test_every_file_the_readme_names_exists() -> None:
    named = set(re.findall(r"`((?:common|stack1_pure|stack2_http|tests)/[\w./]*)`", README))
    assert named, "El README debería nombrar archivos del repositorio"
    for path in sorted(named):
        assert (ROOT / path).exists(), f"El README nombra {path}, que no existe"


def test_the_readme_has_the_sections_of_the_original_description() -> None:
    for heading in (
        "## 🚀 Instalación y Configuración",
        "## 🔧 Stack 1: WebSocket Puro",
        "## 🏗️ Stack 2: HTTP + WebSocket",
        "## ⚖️ Comparativa Principal",
        "## 🔄 ¿Cómo Funciona?",
        "## 🧠 Conceptos Técnicos Clave",
    ):
        assert heading in README
