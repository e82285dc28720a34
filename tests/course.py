"""El estado del curso en esta copia: ¿siguen ahí las soluciones? ¿tocó alguien los ejercicios?

La prueba de ida y vuelta (la solución pasa, el ejercicio sin tocar falla) solo tiene
sentido en el repositorio tal como se publica. Cuando un estudiante resuelve sus
ejercicios, o el profesor borra las carpetas solucion/, esas pruebas se saltan con un
aviso. En CI (CI=true) no: tests/conftest.py convierte cualquier salto en un fallo.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
# La huella de cada ejercicio sin tocar (scripts/starter_hashes.py la escribe).
HASHES = LESSONS / "ejercicios.sha256"
# Los archivos de un ejercicio: Python y, en la lección 11, también JavaScript.
EXERCISE_SUFFIXES = (".py", ".js")


def exercise_files(folder: Path) -> list[Path]:
    """Los archivos de ``ejercicio/`` o ``solucion/`` de una lección, en orden."""
    return sorted(p for p in folder.glob("*") if p.suffix in EXERCISE_SUFFIXES)


def fingerprint(path: Path) -> str:
    """SHA-256 del archivo, con saltos de línea de Unix (Git en Windows puede cambiarlos)."""
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def recorded() -> dict[str, str]:
    """Ruta (relativa a lessons/) → huella del ejercicio tal como se publicó."""
    if not HASHES.exists():
        return {}
    pairs = (line.split(maxsplit=1) for line in HASHES.read_text().splitlines() if line.strip())
    return {path.strip(): digest for digest, path in pairs}


def starter_untouched(lesson: str) -> bool:
    """¿Está el ejercicio de ``lesson`` tal como se publicó?"""
    known = recorded()
    files = exercise_files(LESSONS / lesson / "ejercicio")
    return bool(files) and all(
        known.get(str(p.relative_to(LESSONS)).replace("\\", "/")) == fingerprint(p) for p in files
    )


def has_solution(lesson: str) -> bool:
    return bool(exercise_files(LESSONS / lesson / "solucion"))


def missing_solution_reason(lesson: str) -> str:
    return f"{lesson}: no hay solucion/ (¿la borró el profesor?); en CI esto es un fallo."


def touched_starter_reason(lesson: str) -> str:
    return f"{lesson}: el ejercicio ya no es el original (¿resuelto?); en CI esto es un fallo."


def hints(lesson: str) -> dict[str, tuple[str, ...]]:
    """Las pistas de una lección (su pistas.py): comprobación → niveles."""
    path = LESSONS / lesson / "pistas.py"
    if not path.exists():
        return {}
    spec = importlib.util.spec_from_file_location(f"_pistas_{lesson}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PISTAS
