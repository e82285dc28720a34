"""¿Cuánto cuesta que entre mucha gente? 10 000 en una sala frente a 10 salas de 1000.

    python benchmarks/join.py                              # 10 000: una sala y diez salas
    python benchmarks/join.py --clients=1000,2000,4000     # cómo crece con N
    python benchmarks/join.py --clients=1000 --tree=../otra-copia   # el server.py de otra copia

Arranca el Stack 2 de verdad (hub rápido, historial en memoria, sin límites por dirección)
en 127.0.0.1 y conecta N bots, 256 handshakes a la vez: primero los N en la misma sala, y
después, con el servidor recién arrancado, los mismos N repartidos en --rooms salas. De
cada caso mide:

* los segundos desde el primer handshake hasta que el último bot tiene su welcome;
* los segundos de CPU del servidor, hasta que termina de avisar a todos (se calma);
* los bytes que envió el servidor por cada persona que entró (lo que reciben los bots:
  el handshake, el welcome y los avisos de quién entra o cuántos hay).

Antes de stack2_http/roster.py, cada entrada se avisaba a toda la sala: N entradas eran
N²/2 avisos, y cada welcome llevaba la lista entera. Con --tree se mide el server.py (y el
common/) de otra copia del repositorio, por ejemplo la de un commit anterior
(``git worktree add ../antes COMMIT``), para ver esa diferencia en la misma máquina.
Todo está acotado en número y en tiempo, y solo en 127.0.0.1. Cómo leerlo:
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Los módulos hermanos: python benchmarks/join.py pone esta carpeta en sys.path.
from bots import Bench, Bot, connect_bots, raise_open_file_limit
from report import number, ratio, table
from servers import ROOT, Server, pin, settle, start_server

from common.startup.options import SpanishArgumentParser

# Como en fanout.py: el servidor en el núcleo 0 (start_server lo fija) y los bots en este.
BOTS_CORE = 1
WELCOME_TIMEOUT = 300.0  # Segundos, tras el último handshake, para que llegue cada welcome.
# Tras el último welcome, lo que se espera a la última cuenta: en una sala grande se envía
# como mucho una por segundo (COUNT_EVERY en stack2_http/roster.py), así que algo más.
LAST_COUNT_SECONDS = 1.5
MAX_CLIENTS = 20_000  # Bots por caso, como mucho (cada uno es un socket de este proceso).


class Joiner(Bot):
    """Un bot que apunta cuándo llega su welcome y cuántos bytes le envía el servidor."""

    def __init__(self, bench: Bench, host: str, path: str) -> None:
        super().__init__(bench, host, path)
        self.bytes = 0
        self.welcomed_at: float | None = None

    def data_received(self, data: bytes) -> None:
        self.bytes += len(data)
        super().data_received(data)  # Se salta el welcome (Bench(welcome=True)).
        if self.welcomed_at is None and not self.welcome and self.ready.done():
            self.welcomed_at = time.perf_counter()


@dataclass
class Case:
    """Una manera de entrar N personas: en cuántas salas se reparten."""

    label: str
    rooms: int

    @property
    def short(self) -> str:
        """El nombre sin N, para la tabla que compara varios N."""
        return "1 sala" if self.rooms == 1 else f"{self.rooms} salas"


@dataclass
class Entry:
    """Lo que costó un caso: tiempo hasta el último welcome, CPU y bytes por entrada."""

    label: str
    short: str
    clients: int
    seconds: float | None = None
    cpu_s: float | None = None
    bytes_per_join: float | None = None
    problem: str = ""


def room_paths(server: Server, rooms: int) -> list[str]:
    """La dirección de cada sala: la general (/ws) y, con varias, /ws/sala-1, /ws/sala-2…"""
    if rooms == 1:
        return [server.url]
    return [f"{server.url}/sala-{n}" for n in range(1, rooms + 1)]


async def measure(case: Case, clients: int, tree: Path, logdir: Path) -> Entry:
    """Arranca un servidor nuevo, entra a ``clients`` bots en ``case.rooms`` salas y mide."""
    entry = Entry(case.label, case.short, clients)
    per_room = clients // case.rooms
    server = start_server("fast", 2, per_room, logdir, case.rooms, label=case.label, root=tree)
    bots: list[Bot] = []
    try:
        await settle(server, 10)
        bench = Bench(b"", welcome=True)
        cpu_before = server.cpu_seconds()
        started = time.perf_counter()
        # Una sala detrás de otra: así los dos casos hacen los mismos 256 handshakes a la
        # vez (connect_bots), y lo único que cambia es cuánta gente comparte sala.
        for url in room_paths(server, case.rooms):
            label = f"{case.label}: {url.rsplit('/', 1)[-1]}"
            bots += await connect_bots(bench, url, per_room, label, kind=Joiner)
        joiners = [bot for bot in bots if isinstance(bot, Joiner)]
        deadline = time.monotonic() + WELCOME_TIMEOUT
        while any(bot.welcomed_at is None for bot in joiners) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        waiting = sum(bot.welcomed_at is None for bot in joiners)
        if waiting:
            entry.problem = f"{waiting} bots sin welcome tras {WELCOME_TIMEOUT:g} s"
        else:
            entry.seconds = max(bot.welcomed_at or 0 for bot in joiners) - started
        await settle(server)  # Que termine de avisar de cada entrada…
        await asyncio.sleep(LAST_COUNT_SECONDS)  # …y de enviar la última cuenta.
        await settle(server)
        cpu_after = server.cpu_seconds()
        if cpu_before is not None and cpu_after is not None:
            entry.cpu_s = cpu_after - cpu_before
        entry.bytes_per_join = sum(bot.bytes for bot in joiners) / len(joiners)
        lost = sum(bot.lost for bot in joiners)
        if lost and not entry.problem:
            entry.problem = f"el servidor cerró {lost} bots"
    finally:
        for bot in bots:
            if bot.transport is not None:
                bot.transport.abort()
        server.stop()
    return entry


def report(entries: list[Entry], clients: int, tree: Path) -> str:
    """La tabla de un N: una columna por caso; entre paréntesis, frente al primero."""
    rows: list[tuple[str, list[str]]] = []

    def row(title: str, values: list[float | None], decimals: int) -> None:
        first, *rest = values
        cells = [number(first, decimals)]
        cells += [f"{number(v, decimals)} {ratio(v, first)}".strip() for v in rest]
        rows.append((title, cells))

    row("Segundos hasta el último welcome", [e.seconds for e in entries], 1)
    row("Segundos de CPU del servidor", [e.cpu_s for e in entries], 2)
    row("ms de CPU del servidor por entrada", [ms_per_join(e) for e in entries], 3)
    row("KB enviados por el servidor por entrada", [kb(e.bytes_per_join) for e in entries], 1)
    where = "" if tree == ROOT else f" · server.py de {tree}"
    lines = [
        f"Stack 2 · {number(clients)} personas entran · hub rápido, historial en memoria{where}",
        f"Entre paréntesis, la proporción frente a «{entries[0].label}».",
        "",
        *table([e.label for e in entries], rows),
    ]
    for entry in entries:
        if entry.problem:
            lines.append(f"\n¡Atención! {entry.label}: {entry.problem}")
    return "\n".join(lines)


def ms_per_join(entry: Entry) -> float | None:
    return None if entry.cpu_s is None else entry.cpu_s * 1000 / entry.clients


def kb(value: float | None) -> float | None:
    return None if value is None else value / 1024


def growth(runs: dict[int, list[Entry]]) -> str:
    """Con varios N, una fila por N: CPU y bytes de cada caso, para ver cómo crecen."""
    labels = [entry.short for entry in next(iter(runs.values()))]
    headers = [f"{label}: {what}" for label in labels for what in ("CPU (s)", "KB/entrada")]
    rows = []
    for clients, entries in runs.items():
        cells = []
        for entry in entries:
            cells += [number(entry.cpu_s, 2), number(kb(entry.bytes_per_join), 1)]
        rows.append((number(clients), cells))
    return "\n".join(["Cómo crece con N:", "", *table(headers, rows)])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = SpanishArgumentParser(
        prog="python benchmarks/join.py",
        description="Cuánto cuesta que entren N personas: en una sala o repartidas, en 127.0.0.1.",
        epilog="Cómo leer cada cifra: benchmarks/README.md",
    )
    parser.add_argument(
        "--clients",
        default="10000",
        help="personas que entran (10000); varios separados por comas miden cada N",
    )
    parser.add_argument(
        "--rooms", type=int, default=10, help="salas del segundo caso (10): N/salas en cada una"
    )
    parser.add_argument(
        "--tree",
        type=Path,
        default=ROOT,
        help="otra copia del repositorio cuyo stack2_http/server.py se mide (por defecto, esta)",
    )
    args = parser.parse_args(argv)
    try:
        args.counts = sorted({int(n) for n in args.clients.split(",") if n.strip()})
    except ValueError:
        parser.error("--clients admite números separados por comas, como 1000,2000,4000")
    if not args.counts or len(args.counts) > 6:
        parser.error("--clients admite de 1 a 6 valores de N")
    if not 2 <= args.rooms <= 100:
        parser.error("--rooms va de 2 a 100")
    if not all(args.rooms <= n <= MAX_CLIENTS and n % args.rooms == 0 for n in args.counts):
        parser.error(
            f"cada N de --clients debe ir de --rooms a {number(MAX_CLIENTS)} y repartirse "
            "a partes iguales entre --rooms salas"
        )
    args.tree = args.tree.resolve()
    if not (args.tree / "stack2_http" / "server.py").is_file():
        parser.error(f"--tree: {args.tree} no tiene stack2_http/server.py")
    return args


async def run(args: argparse.Namespace, clients: int, logdir: Path) -> list[Entry]:
    """Los dos casos de un N, uno detrás de otro, cada uno con su servidor recién arrancado."""
    cases = [
        Case(f"1 sala de {number(clients)}", 1),
        Case(f"{args.rooms} salas de {number(clients // args.rooms)}", args.rooms),
    ]
    entries = []
    for case in cases:
        entries.append(await measure(case, clients, args.tree, logdir))
        gc.collect()  # Los bots del caso anterior, fuera antes de medir el siguiente.
    return entries


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    raise_open_file_limit()
    pin(os.getpid(), BOTS_CORE)  # Los bots, lejos del servidor.
    runs: dict[int, list[Entry]] = {}
    with tempfile.TemporaryDirectory(prefix="join-") as logdir:
        for clients in args.counts:
            runs[clients] = asyncio.run(run(args, clients, Path(logdir)))
            print()
            print(report(runs[clients], clients, args.tree), flush=True)
    if len(runs) > 1:
        print()
        print(growth(runs), flush=True)


if __name__ == "__main__":
    main()
