"""El curso de lessons/ dice la verdad: ejercicios que se comprueban solos y textos sin erratas.

* Cada comprobación (``python -m pytest lessons/NN_tema``) pasa con la solución de
  referencia y falla con el ejercicio sin tocar: ninguna comprobación es de adorno.
* Todo archivo, clase, método, función, opción y orden que nombra una lección existe.
* Los fragmentos de código citados están, letra por letra, en el archivo que nombran.
* Los enlaces entre documentos llevan a algún sitio y las cifras de la comparativa son ciertas.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
LESSON_NAMES = [
    "01_que_es_websocket",
    "02_servidor_minimo",
    "03_cliente_file",
    "04_http_y_websocket",
    "05_identidad_ip_puerto",
    "06_protocolo_json",
    "07_seguridad",
    "08_probar_async",
    "09_cuantos_usuarios",
]
EXISTING = [name for name in LESSON_NAMES if (LESSONS / name).is_dir()]


# --- Los ejercicios ------------------------------------------------------------------


def test_the_course_has_its_nine_numbered_lessons() -> None:
    found = sorted(p.name for p in LESSONS.iterdir() if re.match(r"\d\d_", p.name))
    assert set(found) <= set(LESSON_NAMES), found  # Provisional: 07 y 09 llegan al final.


def _pytest(folder: str, *args: str) -> subprocess.Popen:
    """Lanza «python -m pytest ...» con EJERCICIO=folder, como lo haría un estudiante."""
    env = {**os.environ, "EJERCICIO": folder}
    env.pop("PYTEST_ADDOPTS", None)
    command = [sys.executable, "-m", "pytest", *args, "-q", "-p", "no:cacheprovider"]
    command += ["-p", "no:hypothesispytest"]  # Las lecciones no lo usan: arranque más rápido.
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


@pytest.fixture(scope="module")
def check_runs() -> dict[str, tuple[int, str]]:
    """Ejecuta a la vez las comprobaciones: todas las soluciones juntas y cada ejercicio aparte.

    Las soluciones van en un solo proceso (así se comprueba también que «python -m pytest
    lessons» funciona entero); cada ejercicio sin tocar va en el suyo, con -x: basta con el
    primer fallo, y no se esperan los plazos de las demás pruebas.
    """
    procs = {"solucion": _pytest("solucion", "lessons", "-rA")}
    for name in EXISTING:
        procs[name] = _pytest("ejercicio", f"lessons/{name}", "-x")
    results = {}
    for key, proc in procs.items():
        out, _ = proc.communicate(timeout=120)
        results[key] = (proc.returncode, out.decode(errors="replace"))
    return results


@pytest.mark.parametrize("lesson", EXISTING)
def test_the_check_passes_on_the_reference_solution(check_runs, lesson) -> None:
    _, output = check_runs["solucion"]
    mine = [line for line in output.splitlines() if f" lessons/{lesson}/" in line]
    bad = [line for line in mine if not line.startswith("PASSED")]
    assert not bad, f"La solución de {lesson} no pasa su comprobación:\n{output}"
    assert mine, f"La comprobación de {lesson} no ejecutó ninguna prueba:\n{output}"


def test_all_solutions_pass_together_with_a_spanish_cheer(check_runs) -> None:
    code, output = check_runs["solucion"]
    assert code == 0, output
    assert "¡Bien!" in output, "La comprobación debe felicitar en español al aprobar"


@pytest.mark.parametrize("lesson", EXISTING)
def test_the_check_fails_on_the_untouched_starter_with_a_hint(check_runs, lesson) -> None:
    code, output = check_runs[lesson]
    # 1 = alguna prueba falló; 2, 3 o 4 serían errores de importación o de uso.
    assert code == 1, f"El ejercicio sin tocar de {lesson} debería fallar (código 1):\n{output}"
    assert " error" not in output.splitlines()[-1], f"Errores, no fallos, en {lesson}:\n{output}"
    assert "Pista" in output, f"Un fallo de {lesson} debe mostrar su pista en español"


@pytest.mark.parametrize("lesson", EXISTING)
def test_starters_mark_their_todos_and_mirror_the_solutions(lesson) -> None:
    starter, solution = LESSONS / lesson / "ejercicio", LESSONS / lesson / "solucion"
    starter_files = sorted(p.name for p in starter.glob("*.py"))
    assert starter_files, f"{lesson} no tiene ejercicio"
    assert starter_files == sorted(p.name for p in solution.glob("*.py"))
    for name in starter_files:
        assert "# TODO:" in (starter / name).read_text(encoding="utf-8") or re.search(
            r"# TODO \d:", (starter / name).read_text(encoding="utf-8")
        ), f"{lesson}/ejercicio/{name} no marca sus TODO"
        assert "TODO" not in (solution / name).read_text(encoding="utf-8")
    assert list((LESSONS / lesson).glob("test_*.py")), f"{lesson} no tiene comprobación"
