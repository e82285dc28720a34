"""Los benchmarks funcionan de principio a fin (las cifras no se comprueban aquí).

Las metas de velocidad y memoria viven en el propio benchmark, que imprime cifras:
una prueba cronometrada fallaría o no según lo ocupada que esté la máquina.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Lo mínimo para que cada fase corra entera: cifras sin valor, pero todo el camino probado.
SHORT = ["--clients=10", "--rounds=1", "--seconds=0.3", "--burst-seconds=0.3"]


def run_benchmark(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, f"benchmarks/{script}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_benchmark_measures_the_three_servers_and_everyone_gets_everything() -> None:
    table = run_benchmark("fanout.py", *SHORT).stdout
    for server in ("websockets.broadcast", "Tornado, hub simple", "Tornado, hub rápido"):
        assert server in table
    complete = next(line for line in table.splitlines() if line.startswith("¿Todos recibieron"))
    assert complete.split()[-3:] == ["sí", "sí", "sí"], table


def test_a_server_that_is_not_there_gives_one_clear_error() -> None:
    with socket.socket() as probe:  # Un puerto que estaba libre: nadie escucha en él.
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "benchmarks/fanout.py", f"--url=ws://127.0.0.1:{port}/ws", "--clients=3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "falló el handshake del bot 1" in result.stderr
    assert "¿Está en marcha el servidor?" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_sqlite_server_is_measured_against_the_in_memory_one() -> None:
    result = run_benchmark("fanout.py", "--servers=fast,sqlite", "--against=fast", *SHORT)
    assert "proporción frente a Tornado, hub rápido" in result.stdout
    assert "Tornado, hub rápido + SQLite" in result.stdout
    lines = result.stdout.splitlines()
    complete = next(line for line in lines if line.startswith("¿Todos recibieron"))
    assert complete.split()[-2:] == ["sí", "sí"], result.stdout


def test_after_a_reconnect_storm_every_client_has_exactly_what_it_missed() -> None:
    result = run_benchmark("reconnect.py", "--clients=20", "--messages=10")
    assert "Recuperaron los 10, en orden y una vez:  20 de 20" in result.stdout, result.stdout
