"""Lección 9 · Leer el informe de benchmarks/fanout.py y sacar una cifra útil.

El informe escribe los números al estilo español («30 391», «10,19») y añade entre
paréntesis la proporción frente a websockets.broadcast («(3,79×)»). Aquí los leemos y
calculamos cuántas personas cabrían en el chat con un núcleo de CPU.
Comprueba tu trabajo con «python -m pytest lessons/09_cuantos_usuarios».
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path


def numero(texto: str) -> float:
    """Convierte un número escrito al estilo español («12 345,6») en un float."""
    # TODO: float() no entiende «30 391» ni «10,19». Quita los espacios que separan
    # los miles y cambia la coma decimal por un punto antes de convertir.
    return float(texto)


def cifra(informe: str, fila: str, columna: int) -> float:
    """La cifra de la fila que empieza por «fila», en la columna «columna» (0 = la primera)."""
    for linea in informe.splitlines():
        if linea.startswith(fila):
            # Las columnas van separadas por dos o más espacios; dentro de una celda,
            # el número y su proporción («115 094 (3,79×)») solo por uno.
            celdas = re.split(r"\s{2,}", linea.strip())[1:]
            return numero(celdas[columna].split("(")[0])
    raise KeyError(f"El informe no tiene ninguna fila que empiece por «{fila}»")


def usuarios_maximos(us_por_entrega: float, mensajes_por_persona: float, cpu: float = 0.5) -> int:
    """Cuántas personas caben si cada una envía «mensajes_por_persona» mensajes por segundo.

    Con N personas, cada segundo se envían N × m mensajes, y cada uno se entrega a las N:
    N × N × m entregas por segundo. Cada entrega cuesta «us_por_entrega» microsegundos de
    CPU, y solo queremos usar la fracción «cpu» de un núcleo (un millón de µs por segundo).
    """
    presupuesto = cpu * 1_000_000  # µs de CPU por segundo que dedicamos al chat.
    # TODO: despeja N en  N × N × mensajes_por_persona × us_por_entrega = presupuesto
    # y redondea hacia abajo (math.sqrt y math.floor).
    return math.floor(presupuesto)


if __name__ == "__main__":
    # python lessons/09_cuantos_usuarios/ejercicio/cifras.py informe.txt
    texto = Path(sys.argv[1]).read_text(encoding="utf-8")
    fila = "µs de CPU del servidor por entrega, en ráfaga"
    for columna, nombre in enumerate(["websockets.broadcast", "hub simple", "hub rápido"]):
        coste = cifra(texto, fila, columna)
        personas = usuarios_maximos(coste, mensajes_por_persona=0.1)
        print(f"{nombre}: {coste} µs por entrega → unas {personas} personas")
