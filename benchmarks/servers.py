"""Los servidores que miden los benchmarks: arrancarlos, leer su CPU y su memoria, pararlos."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from common.startup.banner import PLAIN_HUB_NOTE

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

SERVER_KINDS = {
    "websockets": "websockets.broadcast",
    "plain": "Tornado, hub simple",
    "fast": "Tornado, hub rápido",
    # El mismo hub rápido, con el historial en SQLite (--db) en vez de en memoria: lo
    # que cuesta guardar cada mensaje antes de repartirlo. Solo en el Stack 2.
    "sqlite": "Tornado, hub rápido + SQLite",
}
REFERENCE = "websockets"

# Los Tornado arrancan sin pings (medimos el broadcast, no el keepalive), sin límite
# de frecuencia (el emisor envía miles por segundo a propósito) y con sitio para todos:
# los bots llegan todos desde 127.0.0.1, así que sin límites por dirección tampoco. Y con
# plazo para el handshake: al conectar 10 000 a la vez, los últimos esperan en la cola
# mientras el servidor avisa a los primeros de cada entrada.
TORNADO_OPTIONS = [
    "--port=0",
    "--address=127.0.0.1",
    "--ping-interval=0",
    "--max-per-address=0",
    "--connect-rate=0",
    "--handshake-timeout=120",
]
STACK2_OPTIONS = ["--rate=1000000000", "--burst=1000000000", "--address-rate=0", "--db=:memory:"]


@dataclass
class Server:
    """Un servidor en marcha: su dirección y, si lo arrancamos nosotros, su proceso."""

    label: str
    url: str
    pid: int | None = None
    proc: subprocess.Popen | None = None
    log: Path | None = None
    json: bool = True  # ¿Habla el protocolo JSON del Stack 2? (la referencia, siempre)
    rooms: int = 1  # Con --rooms: en cuántas salas (de --clients cada una) hay gente.

    def cpu_seconds(self) -> float | None:
        """Segundos de CPU que lleva gastados el proceso del servidor (todos sus hilos)."""
        return None if self.pid is None else process_cpu_seconds(self.pid)

    def rss_kb(self) -> int | None:
        """Memoria residente del servidor, en KB."""
        if self.pid is None:
            return None
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return None

    def stop(self) -> None:
        """Detiene el servidor, solo si lo arrancamos nosotros."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # SIGTERM: el apagado limpio de common/startup/runner.py.
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def process_cpu_seconds(pid: int) -> float | None:
    """Segundos de CPU que lleva gastados un proceso (todos sus hilos); None sin /proc."""
    try:
        # schedstat da nanosegundos; /proc/PID/stat solo centésimas de segundo.
        tasks = Path(f"/proc/{pid}/task")
        return sum(int((t / "schedstat").read_text().split()[0]) for t in tasks.iterdir()) / 1e9
    except (OSError, ValueError, IndexError):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None  # Sin /proc (macOS, Windows): la cifra sale como «n/d».


class Measured(Protocol):
    """Lo que sabe leer settle(): un Server, o varios procesos sumados (scaleout.py)."""

    def cpu_seconds(self) -> float | None: ...


async def settle(server: Measured, limit: float = 120) -> None:
    """Espera a que el servidor deje de trabajar (p. ej., tras avisar de cada «join»)."""
    deadline = time.monotonic() + limit
    previous = server.cpu_seconds()
    while previous is not None and time.monotonic() < deadline:
        await asyncio.sleep(0.3)
        now = server.cpu_seconds()
        if now is not None and now - previous < 0.003:
            return
        previous = now


def start_server(
    kind: str,
    stack: int,
    clients: int,
    logdir: Path,
    rooms: int = 1,
    extra: Sequence[str] = (),
    label: str | None = None,
    root: Path = ROOT,
) -> Server:
    """Arranca un servidor en 127.0.0.1, en un puerto libre, y espera a su banner.

    Con ``rooms`` > 1 cabe ``clients`` en cada sala (--max-connections), y su nombre lo dice.
    ``extra`` va al final de la orden (la última opción repetida manda), y ``label``
    cambia el nombre del servidor en el informe y en su registro (scaleout.py arranca
    dos iguales, cada uno con su --redis). ``root``: otra copia del repositorio (otro
    commit, join.py --tree) cuyo server.py, con su propio common/, se mide en vez de este.
    """
    if kind == "websockets":
        command = [sys.executable, str(HERE / "reference_server.py"), "--port=0"]
        path = "/ws"
    else:
        # El server.py de verdad, sin tocarlo: --hub elige el camino del hub.
        server = root / ("stack1_pure" if stack == 1 else "stack2_http") / "server.py"
        command = [sys.executable, str(server), f"--hub={'fast' if kind == 'sqlite' else kind}"]
        command += [*TORNADO_OPTIONS, f"--max-connections={clients * rooms + 100}"]
        if stack == 2:
            command += STACK2_OPTIONS
        if kind == "sqlite":  # La última --db manda: un archivo nuevo en la carpeta temporal.
            command.append(f"--db={logdir / 'chat.sqlite3'}")
        command += extra
        path = "/ws" if stack == 2 else "/"
    name = re.sub(r"[^a-z0-9]+", "-", label.lower()) if label else f"{kind}-{rooms}"
    log = logdir / f"{name}.log"
    # PYTHONPATH: el common/ de esa copia va antes que el que instaló pip (el de esta).
    env = {**os.environ, "PYTHONPATH": str(root)}
    with open(log, "w") as stderr:
        proc = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=stderr, env=env)
    pin(proc.pid, core=0)
    deadline = time.monotonic() + 20
    banner = b""
    assert proc.stdout is not None
    # Leemos el banner sin búfer (os.read) para no quedarnos esperando a poll().
    poller = select.poll()  # poll y no select: admite descriptores por encima de 1024.
    poller.register(proc.stdout, select.POLLIN)
    while time.monotonic() < deadline and proc.poll() is None:
        if poller.poll(200):
            banner += os.read(proc.stdout.fileno(), 4096)
            found = re.search(rb"127\.0\.0\.1:(\d+)", banner)
            # Los de Tornado terminan su banner con «Pulsa Ctrl+C»; leído entero,
            # comprobamos que usan el hub que les pedimos.
            if found and (kind == REFERENCE or b"Pulsa Ctrl+C" in banner):
                if (PLAIN_HUB_NOTE.encode() in banner) != (kind == "plain"):
                    proc.kill()
                    proc.wait()
                    raise SystemExit(f"El servidor «{kind}» no usa el hub que se le pidió.")
                url = f"ws://127.0.0.1:{found.group(1).decode()}{path}"
                json_protocol = kind == REFERENCE or stack == 2
                if label is None:
                    label = SERVER_KINDS[kind] + (f", {rooms} salas" if rooms > 1 else "")
                return Server(label, url, proc.pid, proc, log, json_protocol, rooms)
    proc.kill()
    proc.wait()
    raise SystemExit(f"El servidor «{kind}» no arrancó. Su registro:\n{log.read_text()[-3000:]}")


def pin(pid: int, core: int) -> None:
    """Fija un proceso a un núcleo, para que servidor y bots no se quiten la CPU."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, {core})
