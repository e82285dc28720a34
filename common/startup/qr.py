"""Códigos QR para entrar al chat desde el móvil: en la terminal (banner) y como SVG (página).

Los dibuja segno (Python puro, sin dependencias). Los colores son siempre explícitos,
oscuro sobre claro: un QR «en negativo» o sobre el fondo oscuro de una terminal no lo
leen muchas cámaras.
"""

from __future__ import annotations

import segno

from common.startup.network import is_loopback

# Módulos claros alrededor del código, como pide el estándar (la «zona de silencio»).
QUIET_ZONE = 4

# Negro y blanco puros de la paleta de 256 colores: no dependen del tema de la terminal.
DARK_FG, LIGHT_FG = "\x1b[38;5;16m", "\x1b[38;5;231m"
DARK_BG, LIGHT_BG = "\x1b[48;5;16m", "\x1b[48;5;231m"
RESET = "\x1b[0m"
UPPER_HALF = (
    "▀"  # Un carácter pinta dos filas: la de arriba con su color, la de abajo con el fondo.
)


def matrix(url: str) -> list[list[bool]]:
    """Los módulos del QR de ``url`` (True = oscuro), con su zona de silencio."""
    code = segno.make(url, error="m", micro=False)
    rows = [[bool(module) for module in row] for row in code.matrix]
    width = len(rows[0]) + 2 * QUIET_ZONE
    blank = [[False] * width for _ in range(QUIET_ZONE)]
    padded = [[False] * QUIET_ZONE + row + [False] * QUIET_ZONE for row in rows]
    return blank + padded + [list(row) for row in blank]


def terminal(url: str) -> str:
    """El QR de ``url`` para la terminal: oscuro sobre claro, dos filas por línea."""
    rows = matrix(url)
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))  # Una fila clara más, para cerrar la pareja.
    lines = []
    for top, bottom in zip(rows[::2], rows[1::2]):
        cells = [
            (DARK_FG if up else LIGHT_FG) + (DARK_BG if down else LIGHT_BG) + UPPER_HALF
            for up, down in zip(top, bottom)
        ]
        lines.append("".join(cells) + RESET)
    return "\n".join(lines)


def svg(url: str, title: str = "") -> str:
    """El QR de ``url`` como SVG: un cuadrado por módulo oscuro sobre un fondo blanco."""
    rows = matrix(url)
    size = len(rows)
    squares = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(rows) for x, dark in enumerate(row) if dark
    )
    label = f"<title>{_escape(title or url)}</title>"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" role="img">{label}'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{squares}"/></svg>'
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def banner_lines(lan_urls: list[str], address: str, enabled: bool = True) -> list[str]:
    """Lo que añade al banner el QR de la primera URL de la red, o por qué no hay."""
    if not enabled or (address and is_loopback(address)):
        return []  # Con --address=127.0.0.1, el banner ya dice que solo entra este equipo.
    if not lan_urls:
        return ["", "Sin código QR: no se encontró ninguna IP de red local (¿hay wifi o cable?)."]
    return [
        "",
        f"Escanea este código con el móvil para abrir {lan_urls[0]} (--no-qr lo oculta):",
        terminal(lan_urls[0]),
    ]
