"""benchmarks/soak.py funciona de principio a fin con números pequeños (sin medir cifras)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(sys.platform != "linux", reason="el benchmark mide el servidor con /proc")
def test_the_soak_benchmark_runs_a_small_class_under_attack_and_everyone_gets_everything() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/soak.py", "--clients=5", "--seconds=2", "--quiet-seconds=1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "¿Todos recibieron cada mensaje una vez y en orden? sí" in result.stdout
    assert "Trazas en el registro del servidor: 0" in result.stdout
