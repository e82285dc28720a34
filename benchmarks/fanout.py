"""¿Cuántos usuarios aguanta? Mide el broadcast de un stack con cientos o miles de clientes.

    python benchmarks/fanout.py                    # Stack 2, 200 clientes (1-2 minutos)
    python benchmarks/fanout.py --clients=1000     # la cifra del issue
    python benchmarks/fanout.py --clients=100,500,1000   # cómo cambia con N (ver la figura)
    python benchmarks/fanout.py --clients=10000 --phases=idle   # solo memoria en reposo
    python benchmarks/fanout.py --stack=1
    python benchmarks/fanout.py --url=ws://127.0.0.1:8000/ws    # un servidor ya arrancado
    python benchmarks/fanout.py --clients=1000 --rooms=10 --servers=fast   # salas (lección 11)

Arranca cada servidor en 127.0.0.1 (el hub simple, el hub rápido y un servidor de
referencia con websockets.broadcast), abre N bots, y un bot envía mensajes a ritmo
fijo y luego en ráfaga. Lee del propio proceso del servidor el tiempo de CPU y la
memoria, y comprueba que cada bot recibe cada mensaje una sola vez y en orden.
Todo está acotado en número y en tiempo, y solo se conecta a loopback.
El informe (la tabla) y la figura (un SVG con las cifras frente a N) se guardan juntos
en benchmarks/resultados/, o en la carpeta de --out. benchmarks/README.md explica cómo
leer cada cifra.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import ipaddress
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# Los módulos hermanos: python benchmarks/fanout.py pone esta carpeta en sys.path.
import plot
from bots import Bench, Bot, connect_bots, incomplete, message_payload, raise_open_file_limit
from progress import Progress
from report import Result, median, number, percentile, report
from servers import REFERENCE, SERVER_KINDS, Server, pin, settle, start_server

from common.startup.options import SpanishArgumentParser

RESULTS = Path(__file__).resolve().parent / "resultados"  # Donde quedan informe y figura.
MAX_CLIENT_COUNTS = 6  # Cuántos N distintos admite --clients (cada uno es una medición entera).
MAX_BURST_MESSAGES = 500_000  # Tope de mensajes por ráfaga, además del de tiempo.
WARMUP_SECONDS = 1.0  # A ritmo fijo, antes de la primera ronda; no cuenta.


# --- Las fases de una medición -------------------------------------------------------------


@dataclass
class Target:
    """Un servidor con sus bots conectados, listo para las fases."""

    server: Server
    bench: Bench
    bots: list[Bot]
    result: Result
    seq: int = 0  # El siguiente número de mensaje.
    idle: list[Bot] | None = None  # Con --rooms: los bots de las otras salas, que no reciben.


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
    # Las otras salas: tanta gente como en la medida, que nunca recibe sus mensajes.
    # Si las salas costaran algo al broadcast, la CPU por entrega de esta sala subiría.
    idle: list[Bot] = []
    for room in range(1, server.rooms):
        quiet = Bench(b"", welcome=True)
        url = f"{server.url}/sala-{room}"
        idle += await connect_bots(quiet, url, args.clients, f"{server.label}: sala-{room}")
        await settle(server)
    return Target(server, bench, bots, result, idle=idle)


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
    result.problem = incomplete(target.bots, seq)
    result.complete = not result.problem


def disconnect(target: Target) -> None:
    for bot in target.bots + (target.idle or []):
        if bot.transport is not None:
            bot.transport.abort()


# --- Principal -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    # El argparse de common/: ayuda y errores en español (el de Python los da en inglés).
    parser = SpanishArgumentParser(
        prog="python benchmarks/fanout.py",
        description="Mide el broadcast de un stack frente a websockets.broadcast, en 127.0.0.1.",
        epilog="Cómo leer cada cifra: benchmarks/README.md",
    )
    parser.add_argument("--stack", type=int, choices=(1, 2), default=2, help="stack a medir (2)")
    parser.add_argument(
        "--clients",
        default="200",
        help="bots conectados (200); varios separados por comas (100,500,1000) miden cada N",
    )
    parser.add_argument(
        "--servers",
        default="websockets,plain,fast",
        help="servidores a comparar, separados por comas: websockets, plain, fast, sqlite "
        "(por defecto, los tres primeros)",
    )
    parser.add_argument(
        "--against",
        default="websockets",
        help="servidor con el que se comparan las proporciones (websockets)",
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
    parser.add_argument(
        "--rooms",
        type=int,
        default=1,
        help="salas (1); con 2 o más, cada Tornado se mide también con --clients en cada "
        "una de esas salas, y el broadcast en una sola (solo el Stack 2)",
    )
    parser.add_argument("--url", help="medir un servidor ya arrancado (solo 127.0.0.1)")
    parser.add_argument("--pid", type=int, help="con --url: PID del servidor, para CPU y memoria")
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS,
        help="carpeta del informe y la figura (benchmarks/resultados)",
    )
    args = parser.parse_args(argv)
    args.phases = {p.strip() for p in args.phases.split(",") if p.strip()}
    if not args.phases <= {"rate", "burst", "idle"}:
        parser.error("--phases admite rate, burst e idle")
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    if not set(args.servers) <= set(SERVER_KINDS):
        parser.error("--servers admite websockets, plain, fast y sqlite")
    if "sqlite" in args.servers and args.stack != 2:
        parser.error("sqlite solo existe en el Stack 2 (--stack=2)")
    if args.against not in SERVER_KINDS:
        parser.error("--against admite websockets, plain, fast o sqlite")
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds debe estar entre 1 y 10")
    try:
        args.counts = sorted({int(n) for n in args.clients.split(",") if n.strip()})
    except ValueError:
        parser.error("--clients admite números separados por comas, como 100,500,1000")
    if not args.counts or not all(1 <= n <= 50_000 for n in args.counts):
        parser.error("--clients debe estar entre 1 y 50 000")
    if len(args.counts) > MAX_CLIENT_COUNTS:
        parser.error(f"--clients admite hasta {MAX_CLIENT_COUNTS} valores de N")
    args.clients = args.counts[0]  # El N de la medición en curso (main() lo va cambiando).
    if (
        not 0 < args.rate <= 10_000
        or not 0 < args.seconds <= 120
        or not 0 < args.burst_seconds <= 120
    ):
        parser.error("--rate, --seconds y --burst-seconds deben ser positivos y acotados")
    if not 1 <= args.rooms <= 20 or (args.rooms > 1 and (args.stack != 2 or args.url)):
        parser.error("--rooms va de 1 a 20, y las salas son del Stack 2 (sin --url)")
    if args.clients * args.rooms > 50_000:
        parser.error("--clients por --rooms no puede pasar de 50 000 conexiones")
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
            # Con --rooms, el mismo servidor otra vez, con gente en las otras salas: las
            # dos cifras salen de la misma ejecución, en las mismas rondas alternas.
            for kind in [] if args.rooms == 1 else args.servers:
                if kind != REFERENCE:
                    logs = Path(logdir)
                    servers.append(start_server(kind, 2, args.clients, logs, args.rooms))
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
    runs: dict[int, list[Result]] = {}
    tables = []
    for count in args.counts:  # Cada N, una medición entera: servidores recién arrancados.
        args.clients = count
        runs[count] = asyncio.run(run(args))
        table = report(runs[count], args, SERVER_KINDS[args.against])
        if args.rooms > 1:
            table += "\n\n" + rooms_report(runs[count], args)
        tables.append(table)
        print()
        print(tables[-1], flush=True)
    if len(runs) > 1:
        tables.append(plot.summary(runs))
        print()
        print(tables[-1])
    text, image = plot.save(runs, "\n\n".join(tables), args)
    print(f"\nInforme: {text}\nFigura:  {image}", file=sys.stderr)


def rooms_report(results: list[Result], args: argparse.Namespace) -> str:
    """Cuánto más cuesta cada entrega con gente en las otras salas (1,00 = nada)."""
    by_label = {result.label: result for result in results}
    lines = [f"Con {args.rooms} salas de {args.clients} (broadcast en una) frente a una sola:"]
    for label in SERVER_KINDS.values():
        alone, crowded = by_label.get(label), by_label.get(f"{label}, {args.rooms} salas")
        if alone is None or crowded is None:
            continue
        for phase, values in (("ráfaga", "burst_cpu_us"), ("ritmo fijo", "rate_cpu_us")):
            one, many = median(getattr(alone, values)), median(getattr(crowded, values))
            if one and many:
                lines.append(f"  {label}, CPU por entrega en {phase}: ×{number(many / one, 2)}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
