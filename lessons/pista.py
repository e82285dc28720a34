"""Una pista para la primera comprobación que falla en una lección, solo cuando la pides.

    python -m lessons.pista 06      el primer nivel: un empujón
    python -m lessons.pista 06 2    el segundo: dónde mirar
    python -m lessons.pista 06 3    el tercero: la línea

Funciona igual en Windows (PowerShell). Comprueba tu ejercicio (o la solución, con
EJERCICIO=solucion), busca la primera comprobación que falla y te da su pista del
nivel que pidas. Las pistas están en el pistas.py de cada lección.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

LESSONS = Path(__file__).resolve().parent
sys.path.insert(0, str(LESSONS))

from ayudas import NIVELES, numero_de, pistas_de  # noqa: E402


def leccion(nombre: str) -> Path:
    """La carpeta de la lección: acepta «6», «06», «06_protocolo_json» o su ruta."""
    nombre = Path(nombre).name
    numero = nombre.split("_")[0]
    if numero.isdigit():
        encontradas = sorted(LESSONS.glob(f"{int(numero):02d}_*"))
        if encontradas:
            return encontradas[0]
    raise SystemExit(f"No hay ninguna lección «{nombre}». Escribe su número, por ejemplo: 06.")


def primer_fallo(carpeta: Path) -> tuple[str, str] | None:
    """(comprobación, mensaje) de la primera que falla en la lección, o None si pasan todas.

    Si la comprobación ni siquiera empieza (tu archivo no se puede importar, o falta una
    carpeta), no hay pista que dar: sale con lo que dijo pytest.
    """
    env = {key: value for key, value in os.environ.items() if key != "PISTA"}
    env["COLUMNS"] = "400"  # Que el mensaje de cada fallo no se corte.
    orden = [sys.executable, "-m", "pytest", str(carpeta), "-x", "-q", "-rfE"]
    orden += ["-p", "no:cacheprovider"]
    resultado = subprocess.run(
        orden, cwd=LESSONS.parent, env=env, capture_output=True, text=True, encoding="utf-8"
    )
    if resultado.returncode == 0:
        return None
    for linea in resultado.stdout.splitlines():
        encontrada = re.match(r"^(FAILED|ERROR) (\S+)(?: - (.*))?$", linea)
        if encontrada and "::" in encontrada.group(2):
            nombre = encontrada.group(2).split("::")[-1].split("[")[0]
            return nombre, encontrada.group(3) or ""
    # Sin las filas de «=====» y «!!!!!» con que pytest separa sus partes.
    limpias = [re.sub(r"[=!]{5,}", "", linea).strip() for linea in resultado.stdout.splitlines()]
    final = [linea for linea in limpias + resultado.stderr.splitlines() if linea][-6:]
    raise SystemExit(
        "La comprobación no llega a empezar, así que no hay pista que dar. Lo que dice:\n"
        + "\n".join(final)
        + f"\n\nMíralo entero con «python -m pytest lessons/{carpeta.name}»."
    )


def main(argumentos: list[str]) -> None:
    if not argumentos or len(argumentos) > 2:
        raise SystemExit("Uso: python -m lessons.pista NÚMERO_DE_LECCIÓN [NIVEL: 1, 2 o 3]")
    carpeta = leccion(argumentos[0])
    nivel = argumentos[1] if len(argumentos) == 2 else "1"
    if nivel not in {str(n) for n in range(1, NIVELES + 1)}:
        raise SystemExit(f"El nivel de pista es 1, 2 o 3, no {nivel!r}.")
    fallo = primer_fallo(carpeta)
    if fallo is None:
        numero = numero_de(carpeta)
        print(f"Todas las comprobaciones de la lección {numero} pasan: no hace falta pista.")
        return
    nombre, mensaje = fallo
    niveles = pistas_de(carpeta).get(nombre)
    print(f"Lección {numero_de(carpeta)} · la primera comprobación que falla: {nombre}")
    if mensaje:
        print(f"Lo que dice: {mensaje}")
    if not niveles:
        print("Esta comprobación no tiene pistas: pregunta a tu profesor.")
        return
    n = int(nivel)
    print(f"\nPista {n} de {NIVELES}: {niveles[n - 1]}")
    if n < NIVELES:
        print(f"\n¿Sigues atascado? python -m lessons.pista {numero_de(carpeta)} {n + 1}")


if __name__ == "__main__":
    main(sys.argv[1:])
