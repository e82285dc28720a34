"""Apunta la huella de cada ejercicio sin tocar (.py y .js) en lessons/ejercicios.sha256.

    python scripts/starter_hashes.py

Con ella, las pruebas saben si un ejercicio sigue como se publicó (y entonces debe
fallar su comprobación) o si ya lo resolvió alguien. Ejecútala al cambiar un ejercicio.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.course import HASHES, LESSONS, exercise_files, fingerprint


def main() -> None:
    lines = [
        f"{fingerprint(path)}  {path.relative_to(LESSONS).as_posix()}"
        for folder in sorted(LESSONS.glob("*/ejercicio"))
        for path in exercise_files(folder)
    ]
    HASHES.write_text("\n".join(lines) + "\n")
    print(f"{len(lines)} ejercicios apuntados en {HASHES.relative_to(LESSONS.parent)}.")


if __name__ == "__main__":
    main()
