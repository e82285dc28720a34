"""El informe de benchmarks/fanout.py (y la tabla de scaleout.py): las cifras y su comparación."""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass, field

from common.spanish import plural


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


def table(headers: list[str], rows: list[tuple[str, list[str]]]) -> list[str]:
    """Las líneas de una tabla: el título de cada fila a la izquierda, una columna por servidor."""
    width0 = max(len(title) for title, _ in rows)
    widths = [max(len(h), *(len(cells[i]) for _, cells in rows)) for i, h in enumerate(headers)]
    lines = [" " * width0 + "  " + "  ".join(h.rjust(w) for h, w in zip(headers, widths))]
    for title, cells in rows:
        lines.append(
            title.ljust(width0) + "  " + "  ".join(c.rjust(w) for c, w in zip(cells, widths))
        )
    return lines


def report(results: list[Result], args: argparse.Namespace, reference_label: str) -> str:
    """La tabla en texto; cada cifra, con su proporción frente a ``reference_label``."""
    reference = next((r for r in results if r.label == reference_label), None)
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

    rounds = ""
    if args.phases & {"rate", "burst"}:
        rounds = f" · mediana de {args.rounds} rondas" if args.rounds > 1 else " · una ronda"
    clients = plural(args.clients, "cliente", "clientes")
    lines = [
        f"Stack {args.stack} · {clients} · mensajes de ~{args.size} bytes"
        + rounds
        + (
            f" · los números entre paréntesis son la proporción frente a {reference_label}"
            if reference
            else ""
        ),
        "",
        *table([r.label for r in results], rows),
    ]
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
