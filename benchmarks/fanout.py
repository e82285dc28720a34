"""¿Cuántos usuarios aguanta? Mide el broadcast de un stack con cientos o miles de clientes.

    python benchmarks/fanout.py                    # Stack 2, 200 clientes (1-2 minutos)
    python benchmarks/fanout.py --clients=1000     # la cifra del issue
    python benchmarks/fanout.py --clients=10000 --phases=idle   # solo memoria en reposo
    python benchmarks/fanout.py --stack=1
    python benchmarks/fanout.py --url=ws://127.0.0.1:8000/ws    # un servidor ya arrancado

Arranca cada servidor en 127.0.0.1 (el hub simple, el hub rápido y un servidor de
referencia con websockets.broadcast), abre N bots, y un bot envía mensajes a ritmo
fijo y luego en ráfaga. Lee del propio proceso del servidor el tiempo de CPU y la
memoria, y comprueba que cada bot recibe cada mensaje una sola vez y en orden.
Todo está acotado en número y en tiempo, y solo se conecta a loopback.
benchmarks/README.md explica cómo leer cada cifra.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import gc
import ipaddress
import json
import os
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from common.runner import PLAIN_HUB_NOTE

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Cada mensaje lleva «#» + 8 cifras + espacio: así cada bot reconoce, con una sola
# expresión regular sobre todo lo que recibe, qué mensajes le llegaron y en qué orden.
SEQ = re.compile(rb"#(\d{8}) ")
SEQ_TAIL = 9  # Bytes que guardamos entre lecturas por si una marca llega partida.
MAX_BURST_MESSAGES = 500_000  # Tope de mensajes por ráfaga, además del de tiempo.
HANDSHAKES_AT_ONCE = 256
HANDSHAKE_TIMEOUT = 120  # Segundos para cada handshake, contando la cola de los 256.
WARMUP_SECONDS = 1.0  # A ritmo fijo, antes de la primera ronda; no cuenta.

SERVER_KINDS = {
    "websockets": "websockets.broadcast",
    "plain": "Tornado, hub simple",
    "fast": "Tornado, hub rápido",
}
REFERENCE = "websockets"

# Los Tornado arrancan sin pings (medimos el broadcast, no el keepalive), sin límite
# de frecuencia (el emisor envía miles por segundo a propósito) y con sitio para todos.
TORNADO_OPTIONS = ["--port=0", "--address=127.0.0.1", "--ping-interval=0"]
STACK2_OPTIONS = ["--rate=1000000000", "--burst=1000000000", "--db=:memory:"]


# --- El proceso del servidor ---------------------------------------------------------------


@dataclass
class Server:
    """Un servidor en marcha: su dirección y, si lo arrancamos nosotros, su proceso."""

    label: str
    url: str
    pid: int | None = None
    proc: subprocess.Popen | None = None
    log: Path | None = None
    json: bool = True  # ¿Habla el protocolo JSON del Stack 2? (la referencia, siempre)

    def cpu_seconds(self) -> float | None:
        """Segundos de CPU que lleva gastados el proceso del servidor (todos sus hilos)."""
        if self.pid is None:
            return None
        try:
            # schedstat da nanosegundos; /proc/PID/stat solo centésimas de segundo.
            tasks = Path(f"/proc/{self.pid}/task")
            return sum(int((t / "schedstat").read_text().split()[0]) for t in tasks.iterdir()) / 1e9
        except (OSError, ValueError, IndexError):
            try:
                fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, ValueError, IndexError):
                return None  # Sin /proc (macOS, Windows): la cifra sale como «n/d».

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
        self.proc.terminate()  # SIGTERM: el apagado limpio de common/runner.py.
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def start_server(kind: str, stack: int, clients: int, logdir: Path) -> Server:
    """Arranca un servidor en 127.0.0.1, en un puerto libre, y espera a su banner."""
    if kind == "websockets":
        command = [sys.executable, str(HERE / "reference_server.py"), "--port=0"]
        path = "/ws"
    else:
        # El server.py de verdad, sin tocarlo: --hub elige el camino del hub.
        server = ROOT / ("stack1_pure" if stack == 1 else "stack2_http") / "server.py"
        command = [sys.executable, str(server), f"--hub={kind}"]
        command += [*TORNADO_OPTIONS, f"--max-connections={clients + 100}"]
        if stack == 2:
            command += STACK2_OPTIONS
        path = "/ws" if stack == 2 else "/"
    log = logdir / f"{kind}.log"
    with open(log, "w") as stderr:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=stderr)
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
                return Server(SERVER_KINDS[kind], url, proc.pid, proc, log, json_protocol)
    proc.kill()
    proc.wait()
    raise SystemExit(f"El servidor «{kind}» no arrancó. Su registro:\n{log.read_text()[-3000:]}")


def pin(pid: int, core: int) -> None:
    """Fija un proceso a un núcleo, para que servidor y bots no se quiten la CPU."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, {core})


# --- Los bots ------------------------------------------------------------------------------


class Bench:
    """Lo que comparten todos los bots de una medición: contadores y tiempos."""

    def __init__(self, expected: bytes, welcome: bool = False) -> None:
        # ¿El servidor saluda con un «welcome»? El del Stack 2 trae el historial, con
        # marcas de rondas anteriores: los bots se lo saltan entero.
        self.welcome = welcome
        # Las marcas que cada bot debería recibir, en orden, todas seguidas: comparar
        # lo recibido con un trozo de esto es una sola comparación de bytes.
        self.expected = expected
        self.delivered = 0
        self.sent_at: list[float] = []
        self.latencies: list[float] | None = None  # Solo se apuntan en la fase a ritmo fijo.


class Bot(asyncio.Protocol):
    """Un cliente WebSocket mínimo sobre asyncio: apenas gasta CPU por mensaje."""

    def __init__(self, bench: Bench, host: str, path: str) -> None:
        self.bench = bench
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n\r\n"
        ).encode()
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.head = b""
        self.tail = b""
        self.count = 0  # Mensajes del benchmark recibidos.
        self.problem: str | None = None  # El primero que veamos: duplicado, hueco, desorden.
        self.lost = False
        self.transport: asyncio.Transport | None = None
        self.welcome = bench.welcome  # True mientras falte saltarse el welcome.

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        if not self.ready.done():
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            status = self.head.split(b"\r\n", 1)[0]
            if b" 101 " not in status:
                self.ready.set_exception(ConnectionError(status.decode(errors="replace")))
                return
            self.ready.set_result(None)
            data, self.head = self.head[end + 4 :], b""
        if self.welcome:
            self.head += data
            data = skip_frame(self.head)
            if data is None:
                return  # El welcome aún no ha llegado entero.
            self.welcome, self.head = False, b""
        # No hace falta separar los frames: buscamos las marcas en todo lo recibido.
        buffer = self.tail + data
        self.tail = buffer[-SEQ_TAIL:]
        seqs = SEQ.findall(buffer)
        if not seqs:
            return
        bench, start, n = self.bench, self.count, len(seqs)
        if self.problem is None and b"".join(seqs) != bench.expected[8 * start : 8 * (start + n)]:
            self.problem = f"esperaba el mensaje {start} y llegó {int(seqs[0])}"
        self.count = start + n
        bench.delivered += n
        if bench.latencies is not None:
            now, sent_at, latencies = time.perf_counter(), bench.sent_at, bench.latencies
            for seq in seqs:
                latencies.append(now - sent_at[int(seq)])

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("conexión cerrada durante el handshake"))

    def send_text(self, payloads: list[bytes]) -> None:
        """Envía varios frames de texto de una vez (los de un cliente van enmascarados)."""
        frames = []
        for payload in payloads:
            size = len(payload)
            header = (
                bytes((0x81, 0x80 | size))
                if size < 126
                else bytes((0x81, 0xFE)) + size.to_bytes(2, "big")
            )
            # Máscara de ceros: válida según el RFC y nos ahorra el XOR en Python.
            frames.append(header + b"\0\0\0\0" + payload)
        assert self.transport is not None
        self.transport.write(b"".join(frames))


def skip_frame(data: bytes) -> bytes | None:
    """Lo que viene después del primer frame (sin máscara) de ``data``; None si no está entero."""
    if len(data) < 2:
        return None
    size, start = data[1] & 0x7F, 2
    if size >= 126:
        start = 4 if size == 126 else 10
        if len(data) < start:
            return None
        size = int.from_bytes(data[2:start], "big")
    return data[start + size :] if len(data) >= start + size else None


def message_payload(json_protocol: bool, seq: int, size: int) -> bytes:
    """El texto que envía el emisor, con su marca, como lo espera cada servidor."""
    if not json_protocol:
        text = f"#{seq:08d} " + "x" * max(0, size - 10)
        return text.encode()
    # En el Stack 2 el servidor añade ~85 bytes (from, time...) al texto.
    text = f"#{seq:08d} " + "x" * max(0, size - 95)
    return json.dumps({"type": "message", "text": text}).encode()


async def connect_bots(bench: Bench, url: str, count: int, label: str) -> list[Bot]:
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    loop = asyncio.get_running_loop()
    # Handshakes a la vez. En el Stack 2 cada entrada avisa a todos con un «join»: si
    # muchas entran en la misma vuelta del loop, el hub rápido junta sus avisos en
    # una escritura por cliente, y conectar 10 000 bots tarda segundos, no minutos.
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    bots: list[Bot] = []
    progress = Progress(f"{label}: conectando", count)
    started = time.perf_counter()

    async def one() -> None:
        async with gate:
            bot = Bot(bench, f"{host}:{port}", path)
            await loop.create_connection(lambda: bot, host, port)
            await asyncio.wait_for(bot.ready, HANDSHAKE_TIMEOUT)
            bots.append(bot)
            progress.update(len(bots))

    tasks = [asyncio.ensure_future(one()) for _ in range(count)]
    try:
        await asyncio.gather(*tasks)
    except (OSError, asyncio.TimeoutError) as error:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for bot in bots:
            if bot.transport is not None:
                bot.transport.close()
        if isinstance(error, asyncio.TimeoutError):
            why = "tardó demasiado. Prueba con menos --clients, o deja fuera ese servidor"
        else:
            why = f"{error}. ¿Está en marcha el servidor?"
        raise SystemExit(f"\n{label}: falló el handshake del bot {len(bots) + 1}: {why}") from None
    progress.done(f"en {number(time.perf_counter() - started, 1)} s")
    return bots


class Progress:
    """Una barra de progreso en una sola línea de la terminal."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.shown = label, total, -1
        self.tty = sys.stderr.isatty()

    def update(self, value: int) -> None:
        step = value * 30 // max(1, self.total)
        if step != self.shown and self.tty:
            self.shown = step
            bar = "█" * step + "·" * (30 - step)
            print(f"\r  {self.label:<40} {bar} {value}/{self.total}", end="", file=sys.stderr)

    def done(self, note: str = "") -> None:
        if self.tty:
            print("\r" + " " * 100 + "\r", end="", file=sys.stderr)
        print(f"  {self.label:<40} listo {note}", file=sys.stderr)


# --- Las fases de una medición -------------------------------------------------------------


@dataclass
class Result:
    """Las cifras de un servidor; las de cada ronda se resumen con la mediana."""

    label: str
    idle_kb: float | None = None
    rate_cpu_us: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    max_ms: list[float] = field(default_factory=list)
    burst_per_s: list[float] = field(default_factory=list)
    burst_cpu_us: list[float] = field(default_factory=list)
    complete: bool | None = None
    problem: str = ""


@dataclass
class Target:
    """Un servidor con sus bots conectados, listo para las fases."""

    server: Server
    bench: Bench
    bots: list[Bot]
    result: Result
    seq: int = 0  # El siguiente número de mensaje.


async def settle(server: Server, limit: float = 120) -> None:
    """Espera a que el servidor deje de trabajar (p. ej., tras avisar de cada «join»)."""
    deadline = time.monotonic() + limit
    previous = server.cpu_seconds()
    while previous is not None and time.monotonic() < deadline:
        await asyncio.sleep(0.3)
        now = server.cpu_seconds()
        if now is not None and now - previous < 0.003:
            return
        previous = now


async def wait_delivered(bench: Bench, target: int, limit: float) -> float:
    """Espera hasta que los bots hayan recibido ``target`` mensajes; devuelve la hora."""
    deadline = time.perf_counter() + limit
    while bench.delivered < target and time.perf_counter() < deadline:
        await asyncio.sleep(0.001)
    return time.perf_counter()


def delta(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


async def connect(server: Server, args: argparse.Namespace, expected: bytes) -> Target:
    """Conecta los bots a un servidor y mide cuánta memoria ocupa cada conexión."""
    result = Result(server.label)
    bench = Bench(expected, welcome=server.json)
    await settle(server, 10)
    rss_before = server.rss_kb()
    bots = await connect_bots(bench, server.url, args.clients, server.label)
    await settle(server)
    rss_after = server.rss_kb()
    if rss_before is not None and rss_after is not None:
        result.idle_kb = (rss_after - rss_before) / args.clients
    return Target(server, bench, bots, result)


async def warm_up(target: Target, args: argparse.Namespace) -> None:
    """Un poco de ritmo fijo que no se apunta: lo que un servidor hace una sola vez
    tras conectar a todos (p. ej., su recolector de basura revisando los miles de
    objetos nuevos) no debe caer en la primera ronda de uno y no en la de otro."""
    measured, target.result = target.result, Result(target.server.label)
    short = argparse.Namespace(**{**vars(args), "seconds": WARMUP_SECONDS})
    await rate_phase(target, short, "calentamiento")
    target.result = measured


async def rate_phase(target: Target, args: argparse.Namespace, round_: int | str) -> None:
    """Ritmo fijo: un mensaje cada 1/rate segundos; mide CPU y latencia de cada entrega."""
    server, bench, result = target.server, target.bench, target.result
    count = int(args.rate * args.seconds)
    first, before = target.seq, bench.delivered
    progress = Progress(f"{server.label}: {args.rate:g} msg/s ({round_})", count)
    bench.latencies = []
    cpu = server.cpu_seconds()
    start = time.perf_counter()
    for i in range(count):
        # Cada envío a su hora, contada desde el principio: el ritmo no se desvía.
        delay = start + i / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        bench.sent_at.append(time.perf_counter())
        target.bots[0].send_text([message_payload(server.json, first + i, args.size)])
        progress.update(i + 1)
    target.seq = first + count
    await wait_delivered(bench, before + count * args.clients, 30)
    spent = delta(server.cpu_seconds(), cpu)
    progress.done()
    latencies = [1000 * x for x in bench.latencies]
    bench.latencies = None
    done = bench.delivered - before
    if spent is not None and done:
        result.rate_cpu_us.append(spent * 1e6 / done)
    if latencies:
        result.p50_ms.append(percentile(latencies, 0.5))
        result.p99_ms.append(percentile(latencies, 0.99))
        result.max_ms.append(max(latencies))


async def burst_phase(target: Target, args: argparse.Namespace, round_: int) -> None:
    """Ráfaga: el emisor envía tan deprisa como le deja la ventana."""
    server, bench, result = target.server, target.bench, target.result
    progress = Progress(f"{server.label}: ráfaga ({round_})", 100)
    first = seq = target.seq
    before = bench.delivered
    limit = first + MAX_BURST_MESSAGES
    cpu = server.cpu_seconds()
    start = time.perf_counter()
    stop_at = start + args.burst_seconds
    while time.perf_counter() < stop_at and seq < limit:
        # La ventana: entregas pendientes como máximo, las de ~0,2 s al ritmo medido
        # hasta ahora. Ni el servidor ni los bots se ahogan, y al parar lo pendiente
        # se vacía enseguida, vaya rápido o despacio el servidor.
        elapsed = time.perf_counter() - start
        speed = (bench.delivered - before) / elapsed if elapsed > 0.05 else 0
        window = min(max(args.window, speed * 0.2), 2_000_000) / args.clients
        in_flight = seq - first - (bench.delivered - before) / args.clients
        room = min(int(max(2, window) - in_flight), limit - seq)
        if room > 0:
            chunk = [message_payload(server.json, s, args.size) for s in range(seq, seq + room)]
            bench.sent_at.extend([0.0] * room)
            target.bots[0].send_text(chunk)
            seq += room
        progress.update(int(100 * elapsed / args.burst_seconds))
        await asyncio.sleep(0.0005)
    target.seq = seq
    finished = await wait_delivered(bench, before + (seq - first) * args.clients, 60)
    spent = delta(server.cpu_seconds(), cpu)
    done = bench.delivered - before
    progress.done(f"({seq - first} mensajes)")
    result.burst_per_s.append(done / (finished - start))
    if spent is not None and done:
        result.burst_cpu_us.append(spent * 1e6 / done)


def check_complete(target: Target) -> None:
    """¿Recibió cada bot cada mensaje, una vez y en orden?"""
    result, seq = target.result, target.seq
    missing = [b for b in target.bots if b.count != seq or b.problem or b.lost]
    result.complete = not missing
    if missing:
        bot = missing[0]
        why = bot.problem or ("se cerró" if bot.lost else f"recibió {bot.count} de {seq}")
        result.problem = f"{len(missing)} bots incompletos; el primero {why}"


def disconnect(target: Target) -> None:
    for bot in target.bots:
        if bot.transport is not None:
            bot.transport.abort()


# --- El informe ----------------------------------------------------------------------------


def number(value: float | None, decimals: int = 0) -> str:
    """Un número al estilo español: 12 345,6."""
    if value is None:
        return "n/d"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


def ratio(value: float | None, reference: float | None) -> str:
    if value is None or not reference:
        return ""
    return f"({number(value / reference, 2)}×)"


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def report(results: list[Result], args: argparse.Namespace) -> str:
    reference = next((r for r in results if r.label == SERVER_KINDS[REFERENCE]), None)
    rows: list[tuple[str, list[str]]] = []

    def row(title: str, values: list[float | None], decimals: int = 0) -> None:
        ref_value = values[results.index(reference)] if reference is not None else None
        cells = []
        for value, result in zip(values, results):
            cell = number(value, decimals)
            if result is not reference:
                cell += " " + ratio(value, ref_value)
            cells.append(cell.strip())
        rows.append((title, cells))

    if "burst" in args.phases:
        row("Entregas por segundo, en ráfaga", [median(r.burst_per_s) for r in results])
        row(
            "µs de CPU del servidor por entrega, en ráfaga",
            [median(r.burst_cpu_us) for r in results],
            2,
        )
    if "rate" in args.phases:
        row(
            f"µs de CPU del servidor por entrega, a {args.rate:g} msg/s",
            [median(r.rate_cpu_us) for r in results],
            2,
        )
        for name, values in (("p50", "p50_ms"), ("p99", "p99_ms"), ("máx", "max_ms")):
            row(
                f"Latencia {name} a {args.rate:g} msg/s (ms)",
                [median(getattr(r, values)) for r in results],
                1,
            )
    row("KB de memoria del servidor por conexión inactiva", [r.idle_kb for r in results], 1)
    if "rate" in args.phases or "burst" in args.phases:
        rows.append(
            (
                "¿Todos recibieron todo, una vez y en orden?",
                ["sí" if r.complete else "NO" for r in results],
            )
        )

    headers = [r.label for r in results]
    width0 = max(len(title) for title, _ in rows)
    widths = [max(len(h), *(len(cells[i]) for _, cells in rows)) for i, h in enumerate(headers)]
    rounds = ""
    if args.phases & {"rate", "burst"}:
        rounds = f" · mediana de {args.rounds} rondas" if args.rounds > 1 else " · una ronda"
    lines = [
        f"Stack {args.stack} · {args.clients} clientes · mensajes de ~{args.size} bytes"
        + rounds
        + (
            " · los números entre paréntesis son la proporción frente a websockets.broadcast"
            if reference
            else ""
        ),
        "",
        " " * width0 + "  " + "  ".join(h.rjust(w) for h, w in zip(headers, widths)),
    ]
    for title, cells in rows:
        lines.append(
            title.ljust(width0) + "  " + "  ".join(c.rjust(w) for c, w in zip(cells, widths))
        )
    if args.rounds > 1 and "rate" in args.phases:
        lines.append("\nCada ronda (para ver el ruido): µs de CPU por entrega · latencia p99 (ms)")
        for r in results:
            cpu = " ".join(number(x, 2) for x in r.rate_cpu_us)
            p99 = " ".join(number(x, 1) for x in r.p99_ms)
            lines.append(f"  {r.label:<24} {cpu} · {p99}")
    for r in results:
        if r.problem:
            lines.append(f"\n¡Atención! {r.label}: {r.problem}")
    return "\n".join(lines)


# --- Principal -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Mide el broadcast de un stack frente a websockets.broadcast, en 127.0.0.1.",
        epilog="Cómo leer cada cifra: benchmarks/README.md",
    )
    parser.add_argument("--stack", type=int, choices=(1, 2), default=2, help="stack a medir (2)")
    parser.add_argument("--clients", type=int, default=200, help="bots conectados (200)")
    parser.add_argument(
        "--servers",
        default="websockets,plain,fast",
        help="servidores a comparar, separados por comas: websockets, plain, fast (los tres)",
    )
    parser.add_argument(
        "--phases",
        default="rate,burst",
        help="fases: rate (ritmo fijo y latencia), burst (ráfaga), idle (solo memoria)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rondas, alternando servidores (3); sale la mediana"
    )
    parser.add_argument("--rate", type=float, default=50, help="mensajes por segundo (50)")
    parser.add_argument("--seconds", type=float, default=4, help="segundos a ritmo fijo (4)")
    parser.add_argument("--burst-seconds", type=float, default=3, help="segundos de ráfaga (3)")
    parser.add_argument(
        "--window",
        type=int,
        default=20_000,
        help="entregas pendientes al empezar la ráfaga; luego se ajusta sola (20 000)",
    )
    parser.add_argument("--size", type=int, default=100, help="bytes de cada mensaje (~100)")
    parser.add_argument("--url", help="medir un servidor ya arrancado (solo 127.0.0.1)")
    parser.add_argument("--pid", type=int, help="con --url: PID del servidor, para CPU y memoria")
    args = parser.parse_args(argv)
    args.phases = {p.strip() for p in args.phases.split(",") if p.strip()}
    if not args.phases <= {"rate", "burst", "idle"}:
        parser.error("--phases admite rate, burst e idle")
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    if not set(args.servers) <= set(SERVER_KINDS):
        parser.error("--servers admite websockets, plain y fast")
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds debe estar entre 1 y 10")
    if not 1 <= args.clients <= 50_000:
        parser.error("--clients debe estar entre 1 y 50 000")
    if (
        not 0 < args.rate <= 10_000
        or not 0 < args.seconds <= 120
        or not 0 < args.burst_seconds <= 120
    ):
        parser.error("--rate, --seconds y --burst-seconds deben ser positivos y acotados")
    if args.url and not is_loopback(args.url):
        parser.error("--url solo puede apuntar a este equipo (127.0.0.1, localhost o ::1)")
    return args


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def raise_open_file_limit() -> None:
    """Cada bot es un socket: subimos el límite de archivos abiertos al máximo permitido."""
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65_536)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def run(args: argparse.Namespace) -> list[Result]:
    """Arranca los servidores, conecta los bots y alterna las fases entre servidores."""
    per_round = int(args.rate * args.seconds) * ("rate" in args.phases)
    per_round += MAX_BURST_MESSAGES * ("burst" in args.phases)
    active = bool(args.phases & {"rate", "burst"})
    warmup = int(args.rate * WARMUP_SECONDS) if active else 0
    expected = b"".join(b"%08d" % i for i in range(warmup + per_round * args.rounds))
    servers: list[Server] = []
    targets: list[Target] = []
    with tempfile.TemporaryDirectory(prefix="fanout-") as logdir:
        try:
            if args.url:
                servers.append(Server(args.url, args.url, args.pid, json=args.stack == 2))
            for kind in [] if args.url else args.servers:
                servers.append(start_server(kind, args.stack, args.clients, Path(logdir)))
            for server in servers:
                targets.append(await connect(server, args, expected))
                if not active:  # Solo memoria: soltamos los bots antes del siguiente.
                    disconnect(targets[-1])
            # Miles de bots son muchos objetos: si el recolector de basura de ESTE
            # proceso se parara a revisarlos en mitad de una fase, esa pausa (10-40 ms)
            # se sumaría a la latencia del servidor que estuviéramos midiendo.
            gc.collect()
            gc.freeze()
            if active:
                for target in targets:
                    for other in targets:
                        await settle(other.server, 15)
                    await warm_up(target, args)
            # Las rondas alternan servidores, y cada ronda empieza por uno distinto: si
            # otro programa se cuela un momento, estropea una ronda de uno, no todas.
            for round_ in range(1, args.rounds + 1 if active else 1):
                shift = (round_ - 1) % len(targets)
                order = targets[shift:] + targets[:shift]
                for phase, wanted in ((rate_phase, "rate"), (burst_phase, "burst")):
                    if wanted not in args.phases:
                        continue
                    for target in order:
                        # Todos los servidores comparten núcleo: antes de medir uno,
                        # esperamos a que los demás terminen lo que tuvieran pendiente.
                        for other in targets:
                            await settle(other.server, 15)
                        await phase(target, args, round_)
            if active:
                for target in targets:
                    check_complete(target)
        finally:
            for target in targets:
                disconnect(target)
            for server in servers:
                server.stop()
    return [target.result for target in targets]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    raise_open_file_limit()
    pin(os.getpid(), core=1)  # Los bots, en el otro núcleo que el servidor.
    names = args.url or ", ".join(SERVER_KINDS[s] for s in args.servers)
    print(f"Midiendo: {names}", file=sys.stderr)
    results = asyncio.run(run(args))
    print()
    print(report(results, args))


if __name__ == "__main__":
    main()
