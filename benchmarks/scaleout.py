"""¿Cuánto cuesta repartir el chat entre procesos? Dos procesos + Redis frente a uno con SQLite.

    python benchmarks/scaleout.py                 # 1000 receptores, 50 msg/s, 10 s
    python benchmarks/scaleout.py --clients=200 --seconds=5

Arranca su propio redis-server (en un puerto libre de loopback, sin guardar nada) y
los servidores del Stack 2 como procesos reales, con el historial en un SQLite nuevo
de una carpeta temporal. Los receptores son los bots baratos de bots.py, repartidos
entre varios procesos (--workers): ni los receptores ni el emisor comparten proceso
con nada que se mida. Con Redis, cada proceso de bots conecta la mitad de sus bots a
cada servidor, y el emisor a uno solo: cada mensaje cruza Redis para llegar a la otra
mitad. Mide, con la misma carga:

* CPU del servidor por entrega: la suma de los procesos del chat (y de redis-server
  cuando se usa), dividida entre los mensajes entregados;
* latencia p50 y p99 desde que se envía cada mensaje hasta que lo recibe cada receptor.

Y lo da como cocientes (Redis / SQLite). Objetivo: p99 ≤ 1,5× y CPU ≤ 1,3×. Todo
acotado en número y en tiempo, y solo en 127.0.0.1. Cómo leerlo: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# Los módulos hermanos: python benchmarks/scaleout.py pone esta carpeta en sys.path.
from bots import Bench, Bot, connect_bots, message_payload, raise_open_file_limit
from progress import Progress
from report import number, percentile, ratio, table
from servers import Server, pin, process_cpu_seconds, settle, start_server
from workers import SendTimes, Worker, WorkerReport, ask, start_workers, stop_workers

from common.startup.options import SpanishArgumentParser

# Como fanout.py: los servidores (y redis-server) en un núcleo, los bots en el otro. Así
# los dos casos tienen el mismo núcleo para servir, y los bots no les quitan CPU.
SERVER_CORE, BOTS_CORE = 0, 1
MESSAGE_SIZE = 100  # Bytes de cada mensaje, como en fanout.py.
WARMUP_SECONDS = 1.0  # A ritmo fijo antes de medir; no cuenta (ver warm_up()).
CONNECT_TIMEOUT = 300.0  # Segundos para conectar a todos (cada «join» se avisa a todos).
DELIVERY_TIMEOUT = 30.0  # Segundos, tras el último envío, para que llegue todo.
REPLY_MARGIN = 30.0  # Lo que esperamos, además, a que conteste cada proceso de bots.
CPU_GOAL, P99_GOAL = 1.3, 1.5  # Los objetivos de la issue, Redis / SQLite.
# Núcleos que pueden gastar otros programas durante la medición sin que avisemos.
BUSY_MACHINE = 0.1


# --- Los dos casos -----------------------------------------------------------------------


@dataclass
class Case:
    """Una manera de servir el chat: sus procesos (todos cuentan) y adónde se conecta."""

    label: str
    processes: list[Server]
    urls: list[str]

    def cpu_seconds(self) -> float | None:
        values = [p.cpu_seconds() for p in self.processes]
        return None if None in values else sum(v or 0.0 for v in values)

    def cpu_by_process(self) -> dict[str, float | None]:
        return {p.label: p.cpu_seconds() for p in self.processes}

    def stop(self) -> None:
        for process in self.processes:
            process.stop()


@dataclass
class CaseResult:
    """Las cifras de un caso en la medición (el calentamiento no cuenta)."""

    label: str
    expected: int  # Entregas que debería haber: mensajes × receptores.
    delivered: int = 0
    cpu_s: float | None = None
    cpu_by_process: dict[str, float] = field(default_factory=dict)
    bots_cpu_s: float | None = None  # La de los procesos de bots: no cuenta, pero se enseña.
    others_cpu_s: float | None = None  # La de otros programas del equipo mientras tanto.
    seconds: float = 0.0  # Lo que duró la medición, del primer envío a la última entrega.
    latencies_ms: list[float] = field(default_factory=list)
    problem: str = ""

    @property
    def cpu_us(self) -> float | None:
        """µs de CPU del servidor (todos sus procesos) por cada entrega."""
        if self.cpu_s is None or not self.delivered:
            return None
        return self.cpu_s * 1e6 / self.delivered

    @property
    def complete(self) -> bool:
        return not self.problem and self.delivered == self.expected

    def latency(self, q: float) -> float | None:
        return percentile(self.latencies_ms, q)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(folder: Path) -> Server:
    """Un redis-server propio en loopback, sin guardar nada, en el núcleo de los servidores."""
    program = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/sbin")
    if program is None:
        raise SystemExit("Error: falta redis-server (apt-get install -y redis-server).")
    port = free_port()
    command = [program, "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(folder)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pin(proc.pid, SERVER_CORE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and proc.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return Server("redis-server", f"redis://127.0.0.1:{port}/0", proc.pid, proc)
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise SystemExit("Error: redis-server no arrancó.")


def start_sqlite(args: argparse.Namespace, folder: Path) -> Case:
    """Un proceso: «sqlite» de servers.py, el hub rápido con --db en un archivo nuevo."""
    server = start_server("sqlite", 2, args.clients, folder, label="chat + SQLite")
    return Case("SQLite, 1 proceso", [server], [server.url])


def start_redis_pair(args: argparse.Namespace, folder: Path) -> Case:
    """Dos procesos con el hub rápido, cada uno en su puerto, y el log en el mismo Redis."""
    case = Case("Redis, 2 procesos", [start_redis(folder)], [])
    try:
        for n in (1, 2):
            extra = [f"--redis={case.processes[0].url}"]
            label = f"chat {n}"
            server = start_server("fast", 2, args.clients, folder, extra=extra, label=label)
            case.processes.append(server)
            case.urls.append(server.url)
    except BaseException:
        case.stop()
        raise
    return case


# --- La medición -------------------------------------------------------------------------


async def send_at_rate(
    sender: Bot, times: memoryview, first: int, count: int, rate: float, label: str
) -> None:
    """Un mensaje cada 1/rate s, cada uno a su hora contada desde el principio."""
    progress = Progress(label, count)
    start = time.perf_counter()
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        times[first + i] = time.perf_counter()  # Antes de enviar: lo lee quien lo recibe.
        sender.send_text([message_payload(True, first + i, MESSAGE_SIZE)])
        progress.update(i + 1)
    progress.done()


async def wait_for_all(workers: list[Worker], messages: int) -> list[WorkerReport]:
    """Espera a que cada receptor tenga ``messages`` mensajes (o se acabe el plazo)."""
    return await ask(workers, ("wait", messages, DELIVERY_TIMEOUT), DELIVERY_TIMEOUT + REPLY_MARGIN)


@dataclass
class Snapshot:
    """La CPU gastada hasta un instante: la de cada proceso medido, la de los bots y la
    de todo el equipo (para ver si otro programa se coló en la medición)."""

    at: float
    processes: dict[str, float | None]
    bots: float | None
    ours: float | None  # Este proceso: el emisor.
    machine: float | None


def snapshot(case: Case, workers: list[Worker]) -> Snapshot:
    bots = [process_cpu_seconds(w.process.pid) for w in workers if w.process.pid]
    return Snapshot(
        time.perf_counter(),
        case.cpu_by_process(),
        None if None in bots else sum(b or 0.0 for b in bots),
        process_cpu_seconds(os.getpid()),
        machine_cpu_seconds(),
    )


def machine_cpu_seconds() -> float | None:
    """CPU ocupada de todo el equipo (todos los núcleos) desde que arrancó, de /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in fields[1:8])
    except (OSError, ValueError):
        return None
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def minus(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def record_cpu(result: CaseResult, before: Snapshot, after: Snapshot) -> None:
    """Lo que gastó cada uno entre las dos instantáneas."""
    result.seconds = after.at - before.at
    for name, value in after.processes.items():
        spent = minus(value, before.processes[name])
        if spent is not None:
            result.cpu_by_process[name] = spent
    if len(result.cpu_by_process) == len(after.processes):
        result.cpu_s = sum(result.cpu_by_process.values())
    result.bots_cpu_s = minus(after.bots, before.bots)
    machine = minus(after.machine, before.machine)
    known = [result.cpu_s, result.bots_cpu_s, minus(after.ours, before.ours)]
    if machine is not None and None not in known:
        result.others_cpu_s = max(0.0, machine - sum(k or 0.0 for k in known))


async def measure(case: Case, args: argparse.Namespace, folder: Path) -> CaseResult:
    """Conecta receptores y emisor al caso, calienta y mide ``--seconds`` a ``--rate``."""
    warmup, count = int(args.rate * WARMUP_SECONDS), int(args.rate * args.seconds)
    messages = warmup + count
    result = CaseResult(case.label, count * args.clients)
    shared = SendTimes(folder / "horas-de-envio.bin", messages, create=True)
    workers: list[Worker] = []
    sender: list[Bot] = []
    try:
        workers = start_workers(args.workers, args.clients, messages, shared.path, BOTS_CORE)
        await connect_receivers(case, workers, args.clients)
        # El emisor, aquí y en el primer servidor: con Redis, sus mensajes llegan a la
        # otra mitad de los receptores (los del segundo servidor) a través de Redis. Lo
        # que recibe él no se comprueba ni cuenta: por eso, un Bench sin marcas.
        own = Bench(b"", welcome=True)
        sender = await connect_bots(own, case.urls[0], 1, f"{case.label}: emisor")
        await settle(case)  # Que terminen los «join» de todos.
        await warm_up(case, workers, sender[0], shared.times, warmup, args.rate)
        await ask(workers, ("record",), REPLY_MARGIN)
        before = snapshot(case, workers)
        label = f"{case.label}: {args.rate:g} msg/s"
        await send_at_rate(sender[0], shared.times, warmup, count, args.rate, label)
        reports = await wait_for_all(workers, messages)
        record_cpu(result, before, snapshot(case, workers))
        collect(result, reports, warmup * args.clients)
    finally:
        for bot in sender:
            if bot.transport is not None:
                bot.transport.abort()
        stop_workers(workers)
        shared.close()
    return result


async def connect_receivers(case: Case, workers: list[Worker], clients: int) -> None:
    """Cada proceso de bots conecta los suyos; aquí, una sola barra con la suma."""
    progress = Progress(f"{case.label}: conectando", clients)
    started = time.perf_counter()
    await ask(workers, ("connect", case.urls), CONNECT_TIMEOUT, progress)
    progress.done(f"en {number(time.perf_counter() - started, 1)} s")


async def warm_up(
    case: Case, workers: list[Worker], sender: Bot, times: memoryview, count: int, rate: float
) -> None:
    """Un segundo a ritmo fijo que no se apunta: lo que el servidor hace una sola vez
    (crear el stream de Redis, la primera escritura de SQLite) no cae en la medición."""
    await send_at_rate(sender, times, 0, count, rate, f"{case.label}: calentamiento")
    await wait_for_all(workers, count)
    await settle(case, 15)


def collect(result: CaseResult, reports: list[WorkerReport], warmup_deliveries: int) -> None:
    """Junta lo de cada proceso de bots: entregas de la medición, latencias y problemas."""
    for report in reports:
        result.delivered += report.delivered
        result.latencies_ms += report.latencies_ms()
        result.problem = result.problem or report.problem
    result.delivered -= warmup_deliveries
    result.latencies_ms.sort()


# --- El informe --------------------------------------------------------------------------


def summary(results: list[CaseResult], args: argparse.Namespace) -> str:
    """La tabla de los dos casos (entre paréntesis, frente a SQLite), la CPU de cada
    proceso y los objetivos."""
    rows: list[tuple[str, list[str]]] = []

    def row(title: str, values: list[float | None], decimals: int) -> None:
        first, *rest = values
        cells = [number(first, decimals)]
        cells += [f"{number(v, decimals)} {ratio(v, first)}".strip() for v in rest]
        rows.append((title, cells))

    deliveries = [f"{number(r.delivered)} de {number(r.expected)}" for r in results]
    rows.append(("Entregas (de las esperadas)", deliveries))
    row("Segundos de CPU del servidor (todos sus procesos)", [r.cpu_s for r in results], 2)
    row("µs de CPU del servidor por entrega", [r.cpu_us for r in results], 2)
    for name, q in (("p50", 0.5), ("p99", 0.99), ("máx", 1.0)):
        row(f"Latencia {name} (ms)", [r.latency(q) for r in results], 1)
    complete = ["sí" if r.complete else "NO" for r in results]
    rows.append(("¿Todos recibieron todo, una vez y en orden?", complete))
    lines = [
        f"Stack 2 · {number(args.clients)} receptores en {args.workers} procesos de bots · "
        f"{args.rate:g} msg/s durante {args.seconds:g} s · mensajes de ~{MESSAGE_SIZE} bytes",
        f"Entre paréntesis, la proporción frente a {results[0].label}.",
        "",
        *table([r.label for r in results], rows),
        "",
        "Segundos de CPU durante la medición:",
        *(cpu_line(r) for r in results),
        "",
        goals(*results),
    ]
    for r in results:
        if r.problem:
            lines.append(f"\n¡Atención! {r.label}: {r.problem}")
        if r.others_cpu_s is not None and r.others_cpu_s > BUSY_MACHINE * r.seconds:
            lines.append(
                f"\n¡Atención! Mientras se medía «{r.label}», otros programas usaron "
                f"{number(r.others_cpu_s, 1)} s de CPU: el equipo no estaba tranquilo, y "
                "la latencia (y la CPU, que se agrupa en menos envíos) no es la de siempre."
            )
    return "\n".join(lines)


def cpu_line(result: CaseResult) -> str:
    """Cada proceso del caso; y, aparte, los bots y el resto del equipo, que no cuentan."""
    parts = [f"{name} {number(value, 2)}" for name, value in result.cpu_by_process.items()]
    # Los bots comparten un núcleo: cerca del 100 % de él, la latencia sería su cola.
    busy = result.bots_cpu_s / result.seconds if result.bots_cpu_s and result.seconds else None
    core = f" ({number(100 * busy)} % de su núcleo)" if busy is not None else ""
    text = f"  {result.label}: {' · '.join(parts)}"
    text += f"; no cuentan: los bots {number(result.bots_cpu_s, 2)}{core}"
    return text + f", otros programas {number(result.others_cpu_s, 2)}"


def goals(single: CaseResult, pair: CaseResult) -> str:
    """Los dos cocientes Redis / SQLite de la issue, y si cumplen."""
    parts = []
    for name, mine, theirs, goal in (
        ("CPU por entrega", pair.cpu_us, single.cpu_us, CPU_GOAL),
        ("latencia p99", pair.latency(0.99), single.latency(0.99), P99_GOAL),
    ):
        if mine is None or not theirs:
            parts.append(f"{name} n/d")
            continue
        verdict = "cumple" if mine / theirs <= goal else "NO cumple"
        parts.append(
            f"{name} {number(mine / theirs, 2)}× (objetivo ≤ {number(goal, 1)}×: {verdict})"
        )
    return "Redis / SQLite: " + " · ".join(parts)


# --- Principal ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = SpanishArgumentParser(
        prog="python benchmarks/scaleout.py",
        description="Dos procesos del Stack 2 con Redis frente a uno con SQLite, en 127.0.0.1.",
        epilog="Cómo leer cada cifra: benchmarks/README.md",
    )
    parser.add_argument("--clients", type=int, default=1000, help="receptores (1000)")
    parser.add_argument("--rate", type=float, default=50, help="mensajes por segundo (50)")
    parser.add_argument("--seconds", type=float, default=10, help="segundos que se mide (10)")
    parser.add_argument(
        "--workers", type=int, default=2, help="procesos entre los que se reparten los bots (2)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 20_000:
        parser.error("--clients debe estar entre 1 y 20 000")
    if not 0 < args.rate <= 1000 or not 0 < args.seconds <= 120:
        parser.error("--rate (hasta 1000) y --seconds (hasta 120) deben ser positivos")
    if args.rate * args.seconds < 1:
        parser.error("con ese --rate y esos --seconds no se enviaría ni un mensaje")
    if not 1 <= args.workers <= 16 or args.workers > args.clients:
        parser.error("--workers va de 1 a 16, y no más que --clients")
    return args


async def run(args: argparse.Namespace, folder: Path) -> list[CaseResult]:
    """Los dos casos, uno detrás de otro, cada uno con sus servidores recién arrancados."""
    results = []
    for start in (start_sqlite, start_redis_pair):
        case = start(args, folder)
        try:
            results.append(await measure(case, args, folder))
        finally:
            case.stop()
    return results


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    raise_open_file_limit()
    pin(os.getpid(), BOTS_CORE)  # El emisor, con los bots: lejos de los servidores.
    with tempfile.TemporaryDirectory(prefix="scaleout-") as folder:
        results = asyncio.run(run(args, Path(folder)))
    print()
    print(summary(results, args), flush=True)


if __name__ == "__main__":
    main()
