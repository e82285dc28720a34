"""Prueba de resistencia: una clase que chatea mientras la red la ataca.

Arranca un server.py de verdad en loopback, conecta una clase de clientes que se
portan bien (cada uno desde su propia IP de loopback: 127.0.0.10, 127.0.0.11...) y
mide dos tramos: uno tranquilo y otro con una mezcla de ataques en marcha
(cuerpos enormes, sockets mudos, cabeceras a gotas, Host ajeno, inundaciones y
reconexiones en bucle desde una IP). Al final dice si cada cliente recibió cada
mensaje una vez y en orden, su p99 en los dos tramos, la memoria y la CPU del
servidor, y si llegó alguna traza al registro.

    python benchmarks/soak.py                 # 200 clientes, 180 s de ataques
    python benchmarks/soak.py --seconds=30    # una pasada corta

Solo habla con 127.0.0.0/8, y todo está acotado en número y en tiempo.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import sys
import tempfile
import time
import typing
from pathlib import Path

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

ROOT = Path(__file__).resolve().parent.parent
# Las IP de loopback: la clase desde 127.0.0.10 y los atacantes en 127.0.1.x.
CLASS_BASE = 10
ATTACKER = "127.0.1.{}"


class Student:
    """Un cliente que se porta bien: envía a su ritmo y apunta lo que recibe."""

    def __init__(self, n: int, stack: int) -> None:
        self.n, self.stack = n, stack
        self.ip = f"127.0.0.{CLASS_BASE + n}" if n < 246 else f"127.0.{n // 246}.{n % 246 + 10}"
        self.conn = None
        self.sent = 0
        self.last_seen: dict[int, int] = {}  # Remitente -> último número recibido.
        self.received = 0
        self.problems = 0  # Mensajes repetidos, perdidos o fuera de orden.
        self.latencies: list[float] = []

    async def connect(self, port: int) -> None:
        path = "/" if self.stack == 1 else "/ws"
        url = HTTPRequest(f"ws://127.0.0.1:{port}{path}", network_interface=self.ip)
        self.conn = await websocket_connect(url, ping_interval=None)

    def send(self) -> None:
        text = f"{self.n}:{self.sent}:{time.monotonic():.6f}"
        self.sent += 1
        if self.stack == 2:
            text = json.dumps({"type": "message", "text": text})
        self.conn.write_message(text)

    async def read_forever(self, record: list[bool]) -> None:
        while (raw := await self.conn.read_message()) is not None:
            if self.stack == 2:
                event = json.loads(raw)
                if event["type"] != "message":
                    continue
                raw = event["text"]
            parts = raw.split(":")
            if len(parts) != 3 or not parts[0].isdigit():
                continue  # El «spam» de un atacante que aún cabía en su cubo: no es de la clase.
            sender, seq, stamp = parts
            expected = self.last_seen.get(int(sender), -1) + 1
            if int(seq) != expected:
                self.problems += 1
            self.last_seen[int(sender)] = int(seq)
            self.received += 1
            if record[0]:
                self.latencies.append(time.monotonic() - float(stamp))


# --- Los ataques ---------------------------------------------------------------------------


async def _open(port: int, source: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.bind((source, 0))
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    return sock


async def _send_and_forget(port: int, source: str, data: bytes, hold: float) -> None:
    """Abre, envía ``data``, espera ``hold`` segundos (o a que cierre) y cierra."""
    loop = asyncio.get_running_loop()
    try:
        sock = await _open(port, source)
    except OSError:
        return
    try:
        await loop.sock_sendall(sock, data)
        await asyncio.wait_for(loop.sock_recv(sock, 4096), hold)
    except (OSError, asyncio.TimeoutError):
        pass
    finally:
        sock.close()


async def attack_huge_bodies(port: int, deadline: float, counts: dict) -> None:
    head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 50000000\r\n\r\n"
    while time.monotonic() < deadline:
        await _send_and_forget(port, ATTACKER.format(1), head.encode() + b"x" * 60000, 2)
        counts["cuerpos enormes"] += 1
        await asyncio.sleep(0.02)


async def attack_idle_sockets(port: int, deadline: float, counts: dict, size: int = 40) -> None:
    """Sockets que no dicen nada, renovados cuando el servidor los cierra."""
    while time.monotonic() < deadline:
        batch = [
            _send_and_forget(port, ATTACKER.format(2 + i % 4), b"", deadline - time.monotonic())
            for i in range(size)
        ]
        await asyncio.gather(*batch)
        counts["sockets mudos"] += size


async def attack_slowloris(port: int, deadline: float, counts: dict) -> None:
    loop = asyncio.get_running_loop()
    while time.monotonic() < deadline:
        try:
            sock = await _open(port, ATTACKER.format(6))
        except OSError:
            await asyncio.sleep(0.5)
            continue
        try:
            await loop.sock_sendall(sock, b"GET / HTTP/1.1\r\n")
            while time.monotonic() < deadline:
                await loop.sock_sendall(sock, b"X-a: b\r\n")  # Una cabecera por segundo.
                await asyncio.sleep(1)
        except OSError:
            pass  # El servidor cortó: la defensa funciona. Otra vez.
        finally:
            sock.close()
        counts["cabeceras a gotas"] += 1


async def attack_requests(port: int, deadline: float, counts: dict, stack: int) -> None:
    """Host ajeno (DNS rebinding), rutas raras y GET /ws sin upgrade, sin parar."""
    path = "/" if stack == 1 else "/ws"
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    requests = [
        f"GET {path} HTTP/1.1\r\nHost: evil.example:{port}\r\nOrigin: http://evil.example:{port}"
        f"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n",
        f"GET /static/%00 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",
    ]
    n = 0
    while time.monotonic() < deadline:
        await _send_and_forget(port, ATTACKER.format(7), requests[n % 3].encode(), 1)
        n += 1
        counts["peticiones hostiles"] += 1
        await asyncio.sleep(0.02)


async def attack_flood(port: int, deadline: float, counts: dict, stack: int) -> None:
    """Una IP que abre varias pestañas, inunda y se reconecta cuando la echan."""
    path = "/" if stack == 1 else "/ws"
    spam = "spam" if stack == 1 else json.dumps({"type": "message", "text": "spam"})

    async def one_tab() -> None:
        while time.monotonic() < deadline:
            url = HTTPRequest(f"ws://127.0.0.1:{port}{path}", network_interface=ATTACKER.format(8))
            try:
                conn = await asyncio.wait_for(websocket_connect(url), 5)
            except Exception:  # Rechazada (503, 1013...): lo normal. Espera y vuelve.
                counts["reconexiones rechazadas"] += 1
                await asyncio.sleep(0.2)
                continue
            counts["pestañas inundando"] += 1
            try:
                for _ in range(200):
                    sent = conn.write_message(spam)
                    # Si el servidor la echa, el envío falla: es lo esperado, no un error.
                    sent.add_done_callback(lambda f: f.cancelled() or f.exception())
                    await asyncio.sleep(0.005)
            except Exception:
                pass  # Cerrada por inundar: otra vez.
            conn.close()

    await asyncio.gather(*(one_tab() for _ in range(8)))


# --- El servidor ---------------------------------------------------------------------------


def server_stats(pid: int) -> tuple[float, int]:
    """(segundos de CPU, memoria residente máxima en KiB) del proceso (Linux)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    with open(f"/proc/{pid}/status") as f:
        peak = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))
    return cpu, peak


def p99(values: list[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


async def phase(students: list[Student], seconds: float, rate: float, record: list[bool]) -> None:
    """Los estudiantes envían ``rate`` mensajes por segundo entre todos, durante ``seconds``."""
    record[0] = True
    interval = 1 / rate
    loop = asyncio.get_running_loop()
    start = loop.time()
    n = 0
    while loop.time() - start < seconds:
        students[n % len(students)].send()
        n += 1
        await asyncio.sleep(max(0.0, start + n * interval - loop.time()))


async def run(args: argparse.Namespace) -> int:
    """Mide, imprime el informe y devuelve 0 si la clase no notó nada grave."""
    with tempfile.TemporaryFile() as log:  # El registro del servidor, para buscar trazas.
        return await _soak(args, log)


async def _soak(args: argparse.Namespace, log: typing.BinaryIO) -> int:
    folder = "stack1_pure" if args.stack == 1 else "stack2_http"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / folder / "server.py"),
        "--port=0",
        "--address=127.0.0.1",
        "--handshake-timeout=5",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=log,
    )
    try:
        banner = ""
        while "Ctrl+C" not in banner:
            line = await asyncio.wait_for(proc.stdout.readline(), 10)
            if not line:
                raise SystemExit("Error: el servidor no arrancó.")
            banner += line.decode()
        port = int(re.search(r"127\.0\.0\.1:(\d+)", banner).group(1))
        students = [Student(n, args.stack) for n in range(args.clients)]
        for i in range(0, len(students), 50):  # De 50 en 50: una clase que va llegando.
            try:
                await asyncio.gather(*(s.connect(port) for s in students[i : i + 50]))
            except Exception as error:  # Sin traza: una frase que diga qué pasó.
                raise SystemExit(f"Error: un cliente no pudo entrar ({error}).") from None
        record = [False]
        readers = [asyncio.ensure_future(s.read_forever(record)) for s in students]
        await phase(students, min(3.0, args.quiet_seconds), args.rate, [False])  # Calentamiento.
        record[0] = True
        await phase(students, args.quiet_seconds, args.rate, record)
        quiet = [x for s in students for x in s.latencies]
        for s in students:
            s.latencies = []
        cpu0, _ = server_stats(proc.pid)
        counts: dict[str, int] = {
            k: 0
            for k in (
                "cuerpos enormes",
                "sockets mudos",
                "cabeceras a gotas",
                "peticiones hostiles",
                "pestañas inundando",
                "reconexiones rechazadas",
            )
        }
        deadline = time.monotonic() + args.seconds
        attacks = [
            attack_huge_bodies(port, deadline, counts),
            attack_idle_sockets(port, deadline, counts),
            attack_slowloris(port, deadline, counts),
            attack_requests(port, deadline, counts, args.stack),
            attack_flood(port, deadline, counts, args.stack),
        ]
        attacking = asyncio.ensure_future(asyncio.gather(*attacks))
        await phase(students, args.seconds, args.rate, record)
        await asyncio.wait_for(attacking, 30)
        cpu1, peak = server_stats(proc.pid)
        sent = sum(s.sent for s in students)
        for _ in range(100):  # Hasta 10 s para que llegue lo que aún viaja.
            if all(s.received >= sent for s in students):
                break
            await asyncio.sleep(0.1)
        complete = all(s.received == sent and s.problems == 0 for s in students)
        attacked = [x for s in students for x in s.latencies]
        for s in students:
            s.conn.close()
        await asyncio.wait(readers, timeout=5)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except asyncio.TimeoutError:
                proc.kill()
                await proc.wait()
    log.seek(0)
    text = log.read().decode(errors="replace")
    tracebacks = text.count("Traceback")
    print(f"Stack {args.stack} · {args.clients} clientes · {args.seconds:g} s con ataques")
    print(f"  Ataques: {', '.join(f'{k} {v}' for k, v in counts.items())}")
    print(f"  Mensajes enviados por la clase: {sent} (cada cliente debía recibirlos todos)")
    print(f"  ¿Todos recibieron cada mensaje una vez y en orden? {'sí' if complete else 'NO'}")
    print(f"  p99 tranquilo: {p99(quiet):.1f} ms · p99 con ataques: {p99(attacked):.1f} ms")
    print(f"  Servidor: memoria máxima {peak / 1024:.0f} MiB, CPU media con ataques ")
    print(f"    {100 * (cpu1 - cpu0) / args.seconds:.0f} % de un núcleo")
    print(f"  Trazas en el registro del servidor: {tracebacks}")
    return 0 if complete and tracebacks == 0 else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stack", type=int, choices=(1, 2), default=2, help="stack a atacar (2)")
    parser.add_argument("--clients", type=int, default=200, help="clientes que se portan bien")
    parser.add_argument("--seconds", type=float, default=180, help="segundos con ataques (180)")
    parser.add_argument("--quiet-seconds", type=float, default=20, help="tramo tranquilo (20)")
    parser.add_argument("--rate", type=float, default=10, help="mensajes/s de toda la clase (10)")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 2000:
        parser.error("--clients debe estar entre 1 y 2000")
    if not (0 < args.seconds <= 3600 and 0 < args.quiet_seconds <= 600 and 0 < args.rate <= 500):
        parser.error("--seconds, --quiet-seconds y --rate deben ser positivos y acotados")
    return args


if __name__ == "__main__":
    if sys.platform != "linux":
        raise SystemExit("Este benchmark mide el servidor con /proc: solo funciona en Linux.")
    sys.exit(asyncio.run(run(parse_args())))
