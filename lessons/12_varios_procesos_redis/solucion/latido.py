"""Lección 12: el latido. ¿Qué procesos murieron y quién sale de la lista con ellos?

Cada proceso del chat escribe en Redis, cada pocos segundos, «sigo vivo a esta
hora» (common/processes/presence.py lo hace con un script Lua). Aquí está la misma
idea en Python puro, para poder probarla sin Redis.
"""

from __future__ import annotations


def muertos(latidos: dict[str, float], ahora: float, plazo: float) -> list[str]:
    """Los procesos cuyo último latido tiene más de ``plazo`` segundos, ordenados."""
    return sorted(proceso for proceso, hora in latidos.items() if ahora - hora > plazo)


def salidas(miembros: dict[str, list[str]], caidos: list[str]) -> list[tuple[str, str]]:
    """Los eventos («leave», quién) de la gente de los procesos caídos, en orden."""
    eventos = []
    for proceso in caidos:
        for quien in miembros.get(proceso, []):
            eventos.append(("leave", quien))
    return eventos
