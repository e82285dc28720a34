"""¿Cuánto cuesta repartir el chat entre procesos? Dos procesos + Redis frente a uno con SQLite.

    python benchmarks/scaleout.py                 # 1000 receptores, 50 msg/s, 10 s
    python benchmarks/scaleout.py --clients=200 --seconds=5

Arranca su propio redis-server (en un puerto libre de loopback, sin guardar nada) y
los servidores como procesos reales. Mide, en la misma ejecución y con la misma carga:

* CPU del servidor por entrega: la suma de los procesos del chat (y de redis-server
  cuando se usa), dividida entre los mensajes entregados;
* latencia p99 desde que se envía un mensaje hasta que lo recibe cada receptor.

Y lo da como cocientes (Redis / SQLite). Objetivo: p99 ≤ 1,5× y CPU ≤ 1,3×.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """Tiempo de CPU (usuario + sistema) de un proceso, leído de /proc (solo Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def start_server(*args: str) -> tuple[asyncio.subprocess.Process, int]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "stack2_http/server.py",
        "--port=0",
        "--address=127.0.0.1",
        "--rate=1000",
        "--burst=1000",
        # Los receptores llegan todos desde 127.0.0.1: sin límites por dirección.
        "--max-per-address=0",
        "--connect-rate=0",
        "--address-rate=0",
        "--no-qr",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    banner = ""
    while "Ctrl+C" not in banner:
        line = await asyncio.wait_for(process.stdout.readline(), 20)
        if not line:
            raise SystemExit("Error: el servidor no arrancó (mira stack2_http/server.py --help).")
        banner += line.decode()
    return process, int(re.search(r"127\.0\.0\.1:(\d+)", banner).group(1))


async def measure(ports: list[int], pids: list[int], clients: int, rate: float, seconds: float):
    """Conecta los receptores repartidos entre ``ports`` y envía ``rate`` mensajes/s."""
    latencies: list[float] = []
    receivers = []
    for n in range(clients):
        conn = await websocket_connect(f"ws://127.0.0.1:{ports[n % len(ports)]}/ws")
        await conn.read_message()  # welcome
        receivers.append(conn)
    sender = await websocket_connect(f"ws://127.0.0.1:{ports[0]}/ws")
    await sender.read_message()
    total = int(rate * seconds)

    async def receive(conn) -> None:
        got = 0
        while got < total:
            message = await conn.read_message()
            if message is None:
                return
            # Sin json.loads: el cliente del benchmark no debe ser lo que se mide.
            if message.startswith('{"type":"message"'):
                at = message.index('"text":"') + 8
                latencies.append(time.perf_counter() - float(message[at : message.index('"', at)]))
                got += 1

    readers = [asyncio.ensure_future(receive(conn)) for conn in receivers]
    await asyncio.sleep(1)  # Que se apaguen los join de la conexión.
    before = sum(cpu_seconds(pid) for pid in pids)
    start = time.perf_counter()
    for n in range(total):
        await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
        sender.write_message(json.dumps({"type": "message", "text": repr(time.perf_counter())}))
    await asyncio.wait(readers, timeout=seconds + 30)
    cpu = sum(cpu_seconds(pid) for pid in pids) - before
    for conn in [*receivers, sender]:
        conn.close()
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99)] if latencies else float("nan")
    return cpu / max(1, len(latencies)), p99, len(latencies), total * clients


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000, help="receptores")
    parser.add_argument("--rate", type=float, default=50, help="mensajes por segundo")
    parser.add_argument("--seconds", type=float, default=10, help="duración de cada ronda")
    args = parser.parse_args()
    program = shutil.which("redis-server")
    if program is None:
        raise SystemExit("Error: falta redis-server (apt-get install -y redis-server).")
    folder = tempfile.mkdtemp(prefix="chat-bench-")
    port = free_port()
    redis = subprocess.Popen(
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        cwd=folder,
    )
    results = {}
    try:
        time.sleep(0.5)
        single, single_port = await start_server(f"--db={folder}/chat.sqlite3")
        results["SQLite, 1 proceso"] = await measure(
            [single_port], [single.pid], args.clients, args.rate, args.seconds
        )
        single.terminate()
        await single.wait()
        url = f"--redis=redis://127.0.0.1:{port}/0"
        pair = [await start_server(url) for _ in range(2)]
        results["Redis, 2 procesos"] = await measure(
            [p for _, p in pair],
            [redis.pid] + [s.pid for s, _ in pair],
            args.clients,
            args.rate,
            args.seconds,
        )
        for server, _ in pair:
            server.terminate()
            await server.wait()
    finally:
        redis.terminate()
        redis.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{args.clients} receptores, {args.rate:g} msg/s durante {args.seconds:g} s")
    for name, (cpu, p99, got, expected) in results.items():
        print(
            f"  {name:18} CPU/entrega {cpu * 1e6:6.1f} µs  p99 {p99 * 1000:6.1f} ms  "
            f"entregas {got}/{expected}"
        )
    (cpu_a, p99_a, _, _), (cpu_b, p99_b, _, _) = results.values()
    print(
        f"  Cocientes Redis/SQLite: CPU {cpu_b / cpu_a:.2f}× (objetivo ≤ 1,3×), "
        f"p99 {p99_b / p99_a:.2f}× (objetivo ≤ 1,5×)"
    )


if __name__ == "__main__":
    asyncio.run(main())
