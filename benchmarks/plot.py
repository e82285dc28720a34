"""La figura de benchmarks/fanout.py: cómo cambia cada cifra al crecer N, en un SVG.

Tres gráficas, una junto a otra: entregas por segundo en ráfaga, µs de CPU del servidor
por entrega y latencia p99 a ritmo fijo, las tres frente al número de clientes (N), con
una línea por servidor. El SVG se escribe a mano (es texto: rectángulos, líneas y
letras), así que no hace falta ninguna biblioteca de gráficas; se abre con el navegador.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from math import ceil, floor, log10
from pathlib import Path

from report import Result, median, number

# Medidas de la figura, en píxeles del SVG.
PANEL_WIDTH, PANEL_HEIGHT = 320, 230
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 74, 18, 64, 48
LEGEND_HEIGHT = 34
# Si la cifra mayor es tantas veces la menor, el eje vertical va en escala logarítmica:
# en escala normal, un servidor 50 veces más lento que otro se vería pegado al cero.
LOG_SCALE_RATIO = 50
# Un color y una forma de punto por servidor: se distinguen también sin ver colores.
STYLES = [("#1b6ca8", "circle"), ("#c0392b", "square"), ("#2e8b57", "diamond")]


@dataclass(frozen=True)
class Series:
    """Una de las tres gráficas: su título, su unidad y cómo sacar la cifra de un Result."""

    key: str
    title: str
    unit: str
    value: Callable[[Result], float | None]
    decimals: int


def cpu_per_delivery(result: Result) -> float | None:
    """µs de CPU por entrega: la de la ráfaga, o la del ritmo fijo si no hubo ráfaga."""
    burst = median(result.burst_cpu_us)
    return burst if burst is not None else median(result.rate_cpu_us)


SERIES = [
    Series("deliveries", "Entregas por segundo", "entregas/s", lambda r: median(r.burst_per_s), 0),
    Series("cpu", "CPU por entrega", "µs", cpu_per_delivery, 2),
    Series("p99", "Latencia p99", "ms", lambda r: median(r.p99_ms), 1),
]


def save(runs: dict[int, list[Result]], text: str, args: argparse.Namespace) -> tuple[Path, Path]:
    """Guarda el informe y la figura juntos en ``args.out``; devuelve sus dos rutas."""
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"fanout-stack{args.stack}"
    report_path, image_path = stem.with_suffix(".txt"), stem.with_suffix(".svg")
    report_path.write_text(text + "\n", encoding="utf-8")
    title = f"Stack {args.stack} · mensajes de ~{args.size} bytes · p99 a {args.rate:g} msg/s"
    image_path.write_text(svg(runs, title), encoding="utf-8")
    return report_path, image_path


def summary(runs: dict[int, list[Result]]) -> str:
    """Las cifras de la figura en texto: una fila por N, una columna por servidor."""
    counts = sorted(runs)
    labels = list(dict.fromkeys(r.label for n in counts for r in runs[n]))
    widths = [max(12, len(label)) for label in labels]
    lines = ["Cómo cambia con N (las cifras de la figura):"]
    for series in SERIES:
        lines += ["", f"{series.title} ({series.unit})"]
        lines.append("       N  " + "  ".join(h.rjust(w) for h, w in zip(labels, widths)))
        for n in counts:
            cells = [number(_value(runs[n], label, series), series.decimals) for label in labels]
            lines.append(f"{number(n):>8}  " + "  ".join(c.rjust(w) for c, w in zip(cells, widths)))
    return "\n".join(lines)


def svg(runs: dict[int, list[Result]], title: str) -> str:
    """El SVG entero: ``runs`` da, para cada N, las cifras de cada servidor."""
    counts = sorted(runs)
    labels = list(dict.fromkeys(r.label for n in counts for r in runs[n]))
    width = len(SERIES) * PANEL_WIDTH
    height = PANEL_HEIGHT + LEGEND_HEIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" '
        'role="img" aria-labelledby="titulo">',
        f'<title id="titulo">{escape(title)}</title>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="8" y="18" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for index, series in enumerate(SERIES):
        values = {label: [(n, _value(runs[n], label, series)) for n in counts] for label in labels}
        parts += _panel(index * PANEL_WIDTH, series, counts, values, labels)
    parts += _legend(labels, PANEL_HEIGHT + 4)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _value(results: list[Result], label: str, series: Series) -> float | None:
    result = next((r for r in results if r.label == label), None)
    return series.value(result) if result is not None else None


def _panel(
    left: int,
    series: Series,
    counts: list[int],
    values: dict[str, list[tuple[int, float | None]]],
    labels: list[str],
) -> list[str]:
    """Una gráfica: ejes, marcas, y una línea con sus puntos por servidor."""
    x0, x1 = left + MARGIN_LEFT, left + PANEL_WIDTH - MARGIN_RIGHT
    y0, y1 = PANEL_HEIGHT - MARGIN_BOTTOM, MARGIN_TOP  # y0 abajo: el SVG crece hacia abajo.
    known = [v for points in values.values() for _, v in points if v is not None and v > 0]
    logarithmic = bool(known) and max(known) >= LOG_SCALE_RATIO * min(known)
    if logarithmic:  # De una potencia de 10 a otra: 10, 100, 1000…
        bottom, top = floor(log10(min(known))), ceil(log10(max(known)))
        ticks = [10.0**power for power in range(bottom, top + 1)]
    else:
        top = _nice_ceiling(max(known)) if known else 1.0
        ticks = [top * step / 4 for step in range(5)]  # Cinco marcas, de 0 al máximo.
    low, high = counts[0], counts[-1]

    def x(n: int) -> float:
        # Con un solo N, el punto va en el centro.
        return (x0 + x1) / 2 if high == low else x0 + (n - low) / (high - low) * (x1 - x0)

    def y(v: float) -> float:
        if logarithmic:
            return y0 - (log10(v) - bottom) / (top - bottom) * (y0 - y1)
        return y0 - v / top * (y0 - y1)

    parts = [
        f'<g class="panel" data-series="{series.key}" '
        f'data-scale="{"log" if logarithmic else "linear"}">',
        f'<text x="{left + MARGIN_LEFT}" y="{MARGIN_TOP - 20}" font-size="12" '
        f'font-weight="bold">{escape(series.title)} ({escape(series.unit)})</text>',
        f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="#444"/>',
        f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#444"/>',
    ]
    if logarithmic:
        parts.append(
            f'<text x="{left + MARGIN_LEFT}" y="{MARGIN_TOP - 9}" font-size="10" fill="#555">'
            "escala logarítmica: ×10 en cada marca</text>"
        )
    for value in ticks:
        decimals = max(0, -floor(log10(value))) if logarithmic else _tick_decimals(top)
        parts.append(
            f'<line x1="{x0}" y1="{y(value):.1f}" x2="{x1}" y2="{y(value):.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{x0 - 4}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{number(value, decimals)}</text>"
        )
    for n in counts:
        parts.append(f'<text x="{x(n):.1f}" y="{y0 + 14}" text-anchor="middle">{number(n)}</text>')
    parts.append(
        f'<text x="{(x0 + x1) / 2:.1f}" y="{y0 + 32}" text-anchor="middle">'
        "N (clientes conectados)</text>"
    )
    for label in labels:
        color, shape = STYLES[labels.index(label) % len(STYLES)]
        points = [
            (x(n), y(v), v)
            for n, v in values[label]
            if v is not None and (v > 0 or not logarithmic)
        ]
        if not points:
            continue
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
        parts.append(
            f'<polyline class="series" data-label="{escape(label)}" points="{path}" '
            f'fill="none" stroke="{color}" stroke-width="2"/>'
        )
        for px, py, v in points:
            tip = f"{label}: {number(v, series.decimals)} {series.unit}"
            parts.append(_marker(shape, px, py, color, tip))
    parts.append("</g>")
    return parts


def _marker(shape: str, px: float, py: float, color: str, tip: str) -> str:
    """Un punto de la línea; al pasar el ratón, el navegador enseña su cifra."""
    tooltip = f"<title>{escape(tip)}</title>"
    if shape == "square":
        return (
            f'<rect x="{px - 4:.1f}" y="{py - 4:.1f}" width="8" height="8" fill="{color}">'
            f"{tooltip}</rect>"
        )
    if shape == "diamond":
        points = f"{px:.1f},{py - 5:.1f} {px + 5:.1f},{py:.1f} {px:.1f},{py + 5:.1f} "
        points += f"{px - 5:.1f},{py:.1f}"
        return f'<polygon points="{points}" fill="{color}">{tooltip}</polygon>'
    return f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{color}">{tooltip}</circle>'


def _legend(labels: Sequence[str], top: int) -> list[str]:
    parts = ['<g class="legend">']
    x = MARGIN_LEFT
    for index, label in enumerate(labels):
        color, shape = STYLES[index % len(STYLES)]
        parts.append(
            f'<line x1="{x}" y1="{top + 12}" x2="{x + 24}" y2="{top + 12}" '
            f'stroke="{color}" stroke-width="2"/>'
        )
        parts.append(_marker(shape, x + 12, top + 12, color, label))
        parts.append(f'<text x="{x + 30}" y="{top + 16}">{escape(label)}</text>')
        x += 40 + 7 * len(label)
    parts.append("</g>")
    return parts


def _nice_ceiling(value: float) -> float:
    """El número «redondo» (1, 2, 2,5 o 5 por una potencia de 10) justo por encima."""
    if value <= 0:
        return 1.0
    power = 10.0 ** (len(str(int(value))) - 1) if value >= 1 else 1.0
    while power > value:  # Valores menores que 1: bajamos la potencia.
        power /= 10
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * power:
            return factor * power
    return 10 * power


def _tick_decimals(top: float) -> int:
    return 0 if top >= 10 else 1 if top >= 1 else 2
