"""El curso de lessons/ dice la verdad: ejercicios que se comprueban solos y textos sin erratas.

* Cada comprobación (``python -m pytest lessons/NN_tema``) pasa con la solución de
  referencia y falla con el ejercicio sin tocar: ninguna comprobación es de adorno. También
  la de JavaScript, que abre la página en Chromium, y cuya solución es el módulo de la página.
* Todo archivo, clase, método, función, opción y orden que nombra una lección existe.
* Los fragmentos de código citados están, letra por letra, en el archivo que nombran.
* Los enlaces entre documentos llevan a algún sitio y las cifras de la comparativa son ciertas.
* Cada comprobación tiene sus pistas en tres niveles, y ninguna sale sin pedirla.
* requirements.txt basta para el curso; lo que escriben sus órdenes no acaba en git.
* Las duraciones que mide lessons/duracion.py son las del mapa, el README y la guía
  (``python -m lessons.duracion --escribir`` las pone al día), y la guía responde cada
  pregunta de cada lección.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.metadata
import importlib.util
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from tornado.websocket import WebSocketClientConnection, WebSocketHandler

from tests import course
from tests.browser.harness import missing_browser_reason

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
    "10_historial_y_reconexion",
    "11_salas_apodos_privados",
    "12_varios_procesos_redis",
    "13_desplegar_nginx_tls",
    "14_profesor_autenticacion",
]
EXISTING = [name for name in LESSON_NAMES if (LESSONS / name).is_dir()]


# --- Los ejercicios ------------------------------------------------------------------

# Cada comprobación es un archivo test_*.py de una lección: «Tu turno» (test_ejercicioNN.py),
# «Construye» (…_construye.py) o «Reto» (…_reto.py).
CHECKS = [
    (name, path.name) for name in EXISTING for path in sorted((LESSONS / name).glob("test_*.py"))
]
CHECK_IDS = [f"{lesson}/{check}" for lesson, check in CHECKS]
# Las comprobaciones de un ejercicio de JavaScript (…_js.py) abren la página en Chromium:
# sin él (o sin Playwright) se saltan, y aquí también; en CI, eso es un fallo.
BROWSER_CHECKS = {(lesson, check) for lesson, check in CHECKS if check.endswith("_js.py")}
# Cómo marca un ejercicio dónde hay que escribir, según su lenguaje.
TODO_MARKERS = {".py": r"# TODO(?: \d)?:", ".js": r"// TODO(?: \d)?:"}


def test_the_course_has_its_numbered_lessons() -> None:
    found = sorted(p.name for p in LESSONS.iterdir() if re.match(r"\d\d_", p.name))
    assert found == LESSON_NAMES


def _pytest(folder: str, *args: str, **env: str) -> subprocess.Popen:
    """Lanza «python -m pytest ...» con EJERCICIO=folder, como lo haría un estudiante."""
    environ = {**os.environ, "EJERCICIO": folder, **env}
    environ.pop("PYTEST_ADDOPTS", None)
    if "PISTA" not in env:
        environ.pop("PISTA", None)
    command = [sys.executable, "-m", "pytest", *args, "-q", "-p", "no:cacheprovider"]
    command += ["-p", "no:hypothesispytest"]  # Las lecciones no lo usan: arranque más rápido.
    return subprocess.Popen(
        command, cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


@pytest.fixture(scope="module")
def check_runs() -> dict[str, tuple[int, str]]:
    """Ejecuta a la vez las comprobaciones: todas las soluciones juntas y cada ejercicio aparte.

    Las soluciones van en un solo proceso (así se comprueba también que «python -m pytest
    lessons» funciona entero); cada comprobación con su ejercicio sin tocar va en el suyo,
    con -x: basta con el primer fallo, y no se esperan los plazos de las demás pruebas.
    """
    procs = {"solucion": _pytest("solucion", "lessons", "-rA")}
    for lesson, check in CHECKS:
        procs[f"{lesson}/{check}"] = _pytest("ejercicio", f"lessons/{lesson}/{check}", "-x")
    results = {}
    for key, proc in procs.items():
        out, _ = proc.communicate(timeout=180)
        results[key] = (proc.returncode, out.decode(errors="replace"))
    return results


@pytest.mark.parametrize("lesson", EXISTING)
def test_the_check_passes_on_the_reference_solution(check_runs, lesson) -> None:
    if not course.has_solution(lesson):
        pytest.skip(course.missing_solution_reason(lesson))
    _, output = check_runs["solucion"]
    mine = [line for line in output.splitlines() if f" lessons/{lesson}/" in line]
    no_browser = missing_browser_reason()
    skipped = {check for les, check in BROWSER_CHECKS if les == lesson and no_browser}
    bad = [
        line
        for line in mine
        if not line.startswith("PASSED") and not any(f"/{check}" in line for check in skipped)
    ]
    assert not bad, f"La solución de {lesson} no pasa su comprobación:\n{output}"
    for _, check in [c for c in CHECKS if c[0] == lesson and c[1] not in skipped]:
        assert any(f"/{check}::" in line for line in mine), (
            f"La comprobación {lesson}/{check} no ejecutó ninguna prueba:\n{output}"
        )
    if skipped:
        pytest.skip(f"{lesson}: {', '.join(sorted(skipped))} sin comprobar. {no_browser}")


def test_all_solutions_pass_together_with_a_spanish_cheer(check_runs) -> None:
    missing = [lesson for lesson in EXISTING if not course.has_solution(lesson)]
    if missing:
        pytest.skip(course.missing_solution_reason(missing[0]))
    code, output = check_runs["solucion"]
    assert code == 0, output
    assert "¡Bien!" in output, "La comprobación debe felicitar en español al aprobar"


def hint_texts(lesson: str) -> list[str]:
    """Todas las pistas de una lección (cada nivel de cada comprobación)."""
    return [hint for levels in course.hints(lesson).values() for hint in levels]


@pytest.mark.parametrize(("lesson", "check"), CHECKS, ids=CHECK_IDS)
def test_the_check_fails_on_the_untouched_starter_and_says_how_to_ask_for_a_hint(
    check_runs, lesson, check
) -> None:
    if not course.starter_untouched(lesson):
        pytest.skip(course.touched_starter_reason(lesson))
    if (lesson, check) in BROWSER_CHECKS and missing_browser_reason():
        pytest.skip(f"{lesson}/{check}: {missing_browser_reason()}")
    code, output = check_runs[f"{lesson}/{check}"]
    # 1 = alguna prueba falló; 2, 3 o 4 serían errores de importación o de uso.
    assert code == 1, f"El ejercicio sin tocar de {lesson} debería fallar (código 1):\n{output}"
    assert " error" not in output.splitlines()[-1], f"Errores, no fallos, en {lesson}:\n{output}"
    assert "Qué se comprueba" in output, f"Un fallo de {lesson} debe decir qué comprueba"
    assert f"python -m lessons.pista {lesson[:2]}" in output, (
        f"Un fallo de {lesson} debe decir cómo pedir una pista:\n{output}"
    )
    shown = [hint for hint in hint_texts(lesson) if hint in output]
    assert not shown, f"{lesson}/{check} enseña pistas sin que nadie las pida: {shown}"


@pytest.mark.parametrize("lesson", EXISTING)
def test_starters_mark_their_todos_and_mirror_the_solutions(lesson) -> None:
    starter, solution = LESSONS / lesson / "ejercicio", LESSONS / lesson / "solucion"
    if not course.has_solution(lesson):
        pytest.skip(course.missing_solution_reason(lesson))
    if not course.starter_untouched(lesson):
        pytest.skip(course.touched_starter_reason(lesson))
    starter_files = [p.name for p in course.exercise_files(starter)]
    assert starter_files, f"{lesson} no tiene ejercicio"
    assert starter_files == [p.name for p in course.exercise_files(solution)]
    for name in starter_files:
        marker = TODO_MARKERS[Path(name).suffix]
        assert re.search(marker, read(starter / name)), (
            f"{lesson}/ejercicio/{name} no marca sus TODO"
        )
        assert "TODO" not in read(solution / name)
    assert list((LESSONS / lesson).glob("test_*.py")), f"{lesson} no tiene comprobación"


def test_the_javascript_solutions_are_the_modules_the_page_serves() -> None:
    # Así, que la solución pase su comprobación en Chromium prueba también la página de verdad.
    solutions = sorted(LESSONS.glob("*/solucion/*.js"))
    if not solutions:
        pytest.skip(course.missing_solution_reason("11_salas_apodos_privados"))
    for solution in solutions:
        module = ROOT / "stack2_http" / "static" / "chat" / solution.name
        assert read(solution) == read(module), (
            f"{solution.relative_to(ROOT)} ya no es {module.relative_to(ROOT)}: la solución es "
            "el módulo de la página. Cópialo, rehaz el ejercicio con sus TODO y ejecuta "
            "scripts/starter_hashes.py."
        )


# --- Las pistas: en tres niveles, y solo cuando se piden -------------------------------


@pytest.fixture(scope="module")
def collected_checks() -> dict[str, set[str]]:
    """Lección → nombres de sus comprobaciones, tal como las recoge pytest."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "lessons", "--collect-only", "-q"],
        cwd=ROOT,
        env={**os.environ, "EJERCICIO": "solucion"},
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    names: dict[str, set[str]] = {}
    for line in out.splitlines():
        if line.startswith("lessons/") and "::" in line:
            lesson = line.split("/")[1]
            names.setdefault(lesson, set()).add(line.split("::")[-1].split("[")[0])
    return names


@pytest.mark.parametrize("lesson", EXISTING)
def test_every_check_has_three_levels_of_hints_and_no_hint_is_left_over(
    collected_checks, lesson
) -> None:
    if not course.has_solution(lesson):
        pytest.skip(course.missing_solution_reason(lesson))
    hints = course.hints(lesson)
    checks = collected_checks.get(lesson, set())
    assert checks, f"No se recogió ninguna comprobación de {lesson}"
    assert not checks - set(hints), f"{lesson}/pistas.py no tiene pistas de {checks - set(hints)}"
    assert not set(hints) - checks, f"{lesson}/pistas.py tiene pistas de más: {set(hints) - checks}"
    for name, levels in hints.items():
        assert len(levels) == 3 and all(level.strip() for level in levels), (
            f"{lesson}: {name} debe tener tres niveles de pista (empujón, dónde mirar, la línea)"
        )
        assert len(set(levels)) == 3, f"{lesson}: los tres niveles de {name} son distintos"


def test_asking_with_pista_shows_the_hints_up_to_that_level() -> None:
    lesson = "01_que_es_websocket"
    if not course.starter_untouched(lesson):
        pytest.skip(course.touched_starter_reason(lesson))
    levels = course.hints(lesson)["test_el_eco_devuelve_el_mismo_texto"]
    runs = {
        n: _pytest("ejercicio", f"lessons/{lesson}", "-x", PISTA=str(n)).communicate(timeout=60)
        for n in (1, 3)
    }
    first, third = (out.decode() for out, _ in runs.values())
    assert levels[0] in first and levels[1] not in first and levels[2] not in first, first
    assert all(level in third for level in levels), third


def _pista(*args: str, folder: str = "ejercicio") -> str:
    result = subprocess.run(
        [sys.executable, "-m", "lessons.pista", *args],
        cwd=ROOT,
        env={**os.environ, "EJERCICIO": folder},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_pista_command_gives_one_level_at_a_time_for_the_first_failing_check() -> None:
    lesson = "01_que_es_websocket"
    if not course.starter_untouched(lesson):
        pytest.skip(course.touched_starter_reason(lesson))
    levels = course.hints(lesson)["test_el_eco_devuelve_el_mismo_texto"]
    first = _pista("01")
    assert "test_el_eco_devuelve_el_mismo_texto" in first
    assert levels[0] in first and levels[1] not in first and levels[2] not in first, first
    assert "python -m lessons.pista 01 2" in first, "Debe decir cómo pedir el nivel siguiente"
    third = _pista("1", "3")
    assert levels[2] in third and levels[0] not in third, third


def test_the_pista_command_says_when_there_is_nothing_to_hint() -> None:
    if not course.has_solution("01_que_es_websocket"):
        pytest.skip(course.missing_solution_reason("01_que_es_websocket"))
    assert "pasan: no hace falta pista" in _pista("01", folder="solucion")


# --- Los textos ----------------------------------------------------------------------

DOCS = sorted(
    [
        LESSONS / "README.md",
        LESSONS / "comparativa.md",
        LESSONS / "guia_del_profesor.md",
        *LESSONS.glob("*/README.md"),
    ]
)
DOC_IDS = [str(doc.relative_to(LESSONS)) for doc in DOCS]
REPO_DIRS = ("stack1_pure", "stack2_http", "common", "tests", "lessons", "benchmarks", "scripts")
PATH_RE = re.compile(rf"^(?:{'|'.join(REPO_DIRS)})(?:/[\w.*-]+)*/?$")
CITA_RE = re.compile(r"<!-- cita: (\S+) -->\n```\w*\n(.*?)```", re.DOTALL)
FENCE_RE = re.compile(r"^```(\w+)$", re.MULTILINE)
# Clases de Tornado (y de Python) que las lecciones nombran; se comprueba que existen.
EXTERNAL_CLASSES = {
    "WebSocketHandler": "tornado.websocket",
    "RequestHandler": "tornado.web",
    "StaticFileHandler": "tornado.web",
    "Application": "tornado.web",
    "HTTPServerRequest": "tornado.httputil",
    "HTTPServer": "tornado.httpserver",
    "IOLoop": "tornado.ioloop",
    "WebSocketClientConnection": "tornado.websocket",
    "OptionParser": "tornado.options",
}
# Funciones externas que las lecciones nombran como `nombre()`.
EXTERNAL_MODULES = ("builtins", "asyncio", "tornado.websocket", "tornado.web", "json")


def git_ignores(path: str) -> bool:
    """¿Ignora git esta ruta del repositorio (exista o no)?"""
    result = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT)
    return result.returncode == 0


def read(doc: Path) -> str:
    return doc.read_text(encoding="utf-8")


def backticked(text: str) -> list[str]:
    """El texto de cada `código en línea`, fuera de los bloques de código."""
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return re.findall(r"`([^`\n]+)`", prose)


def code_blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.DOTALL)


@pytest.fixture(scope="module")
def repo_classes() -> dict[str, list[type]]:
    """Las clases definidas en el código del proyecto, por nombre."""
    modules = [
        importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for folder in ("common", "stack1_pure", "stack2_http")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name != "__init__.py"
    ]
    # Y las clases de los ejercicios (de su solución), que las lecciones también nombran.
    # Las del ejercicio también: sin solucion/ (si el profesor la borró), siguen ahí.
    for path in sorted([*LESSONS.glob("*/solucion/*.py"), *LESSONS.glob("*/ejercicio/*.py")]):
        spec = importlib.util.spec_from_file_location(f"_leccion_{path.parent.parent.name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    classes: dict[str, list[type]] = {}
    for module in modules:
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and obj.__module__ == module.__name__:
                classes.setdefault(name, []).append(obj)
    return classes


@pytest.fixture(scope="module")
def repo_functions() -> set[str]:
    """Los nombres de función y método del código (Python y JavaScript) del proyecto."""
    names: set[str] = set()
    folders = ("common", "stack1_pure", "stack2_http", "benchmarks", "scripts", "lessons", "tests")
    for folder in folders:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix == ".py":
                names |= set(re.findall(r"^\s*(?:async )?def (\w+)", read(path), re.MULTILINE))
            elif path.suffix in (".js", ".html"):
                names |= set(re.findall(r"function (\w+)\s*\(", read(path)))
                # Y los métodos de las clases de JavaScript: «  connect() {».
                names |= set(re.findall(r"^ +(?:async )?(\w+)\([\w, ]*\) \{$", read(path), re.M))
    return names


@pytest.fixture(scope="module")
def server_options() -> str:
    """Lo que imprimen «--help» los servidores, el benchmark, el cliente y lessons.duracion."""
    out = ""
    scripts = ("stack1_pure/server.py", "stack2_http/server.py", "benchmarks/fanout.py")
    for script in (*scripts, "-m common.cliente", "-m lessons.duracion"):
        result = subprocess.run(
            [sys.executable, *script.split(), "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        out += result.stdout + result.stderr
    return out


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_every_repo_path_a_lesson_names_exists(doc) -> None:
    spans = backticked(read(doc)) + [
        token
        for block in code_blocks(read(doc), "bash")
        for token in re.split(r"[\s=]+", block)
        if PATH_RE.match(token)
    ]
    for span in spans:
        if PATH_RE.match(span) and not list(ROOT.glob(span.rstrip("/"))):
            # Lo que crea un programa al ejecutarse (un informe, una clave) no está en el
            # repositorio: vale si git lo ignora, y así nadie lo sube por error.
            assert git_ignores(span), f"{doc.name} nombra {span}, que no existe"


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_every_class_and_method_a_lesson_names_exists(doc, repo_classes) -> None:
    for span in backticked(read(doc)):
        found = re.match(r"^([A-Z]\w*)(?:\.(\w+))?(?:\(\))?$", span)
        if not found or span.isupper():
            continue
        name, attr = found.groups()
        if name in EXTERNAL_CLASSES:
            candidates = [getattr(importlib.import_module(EXTERNAL_CLASSES[name]), name)]
        else:
            candidates = repo_classes.get(name, [])
            if not candidates and attr is None:
                continue  # Una palabra en mayúscula que no es una clase (p. ej. `Origin`).
        assert candidates, f"{doc.name} nombra la clase {name}, que no existe"
        if attr is not None:
            assert any(hasattr(cls, attr) for cls in candidates), (
                f"{doc.name} nombra {name}.{attr}, que no existe"
            )


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_every_function_a_lesson_names_exists(doc, repo_functions) -> None:
    for span in backticked(read(doc)):
        if re.match(r"^test_\w+$", span):
            assert span in repo_functions, f"{doc.name} nombra la prueba {span}, que no existe"
            continue
        found = re.match(r"^(?:([a-z_][\w.]*)\.)?([a-z_]\w*)\(\)$", span)
        if not found:
            continue
        module, name = found.groups()
        if module is not None and module != "self":
            short = {"hub": "common.fanout.hub", "protocol": "stack2_http.protocol"}
            target = importlib.import_module(short.get(module, module))
            assert hasattr(target, name), f"{doc.name} nombra {span}, que no existe"
        else:
            external = any(hasattr(importlib.import_module(m), name) for m in EXTERNAL_MODULES)
            methods_of = (str, list, dict, WebSocketHandler, WebSocketClientConnection)
            external = external or any(hasattr(t, name) for t in methods_of)
            assert name in repo_functions or external, f"{doc.name} nombra {span}, que no existe"


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_every_command_line_option_a_lesson_names_exists(doc, server_options) -> None:
    text = read(doc)
    commands = [line for block in code_blocks(text, "bash") for line in block.splitlines()]
    named = [s for s in backticked(text) if s.startswith("--")]
    named += [
        token
        for line in commands
        if re.match(r"^python \S*(server\.py|/solucion/|/ejercicio/)", line)
        for token in line.split()
        if token.startswith("--")
    ]
    for option in named:
        flag = option.split("=")[0].split()[0]
        if flag in ("--no-index", "--directory", "--bind", "--protected-mode"):
            continue  # De git, de http.server y de redis-server.
        # --no-qr es --qr=false (common/startup/options.py); --help enseña la forma que cambia algo.
        flags = [flag]
        if flag.startswith("--no-"):
            flags.append("--" + flag[len("--no-") :])
        else:
            flags.append("--no-" + flag[len("--") :])
        listed = any(
            re.search(rf"^\s+{re.escape(name)}[=\s]", server_options, re.MULTILINE)
            for name in flags
        )
        assert listed, f"{doc.name} usa la opción {flag}, que los servidores no tienen"


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_quoted_code_is_copied_verbatim_from_the_file_it_names(doc) -> None:
    text = read(doc)
    for path, snippet in CITA_RE.findall(text):
        source = (ROOT / path).read_text(encoding="utf-8")
        assert snippet.strip("\n") in source, (
            f"{doc.name} cita de {path} un fragmento que ya no está en el archivo:\n{snippet}"
        )
    for match in FENCE_RE.finditer(text):
        if match.group(1) in ("python", "js", "javascript", "html"):
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            assert before.startswith(("<!-- cita:", "<!-- ejemplo")), (
                f"{doc.name}: todo bloque de código cita su archivo (<!-- cita: ruta -->) "
                f"o se declara ejemplo (<!-- ejemplo -->); este no:\n{text[match.start() :][:200]}"
            )


def github_anchor(heading: str) -> str:
    """El ancla que GitHub da a un título: minúsculas, sin signos, espacios como guiones."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_links_between_documents_resolve(doc) -> None:
    for target in re.findall(r"\]\(([^)\s]+)\)", read(doc)):
        if re.match(r"^[a-z]+:", target):
            continue  # http:, https:, mailto:
        path, _, anchor = target.partition("#")
        dest = (doc.parent / path).resolve() if path else doc
        assert dest.exists(), f"{doc.name} enlaza a {target}, que no existe"
        if anchor and dest.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", read(dest), re.MULTILINE)
            anchors = {github_anchor(h) for h in headings}
            assert anchor in anchors, f"{doc.name} enlaza a {target}: no hay tal título"


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_lessons_quote_code_by_name_never_by_line_number(doc) -> None:
    found = re.findall(r"\blíneas? \d+|#L\d+", read(doc))
    assert not found, f"{doc.name} cita por número de línea ({found}): nombra la función"


@pytest.mark.parametrize("lesson", EXISTING)
def test_every_lesson_has_its_sections_and_links_to_the_next(lesson) -> None:
    text = read(LESSONS / lesson / "README.md")
    for section in ("## Objetivo", "## Preguntas", "## Ejercicio", "## Para el profesor"):
        assert section in text, f"{lesson}/README.md no tiene la sección «{section}»"
    assert "## Resumen" in text and "## Siguiente" in text
    assert f"python -m pytest lessons/{lesson}" in text, "Falta la orden que comprueba el ejercicio"
    assert "](../README.md)" in text, "Cada lección enlaza al mapa del curso"
    assert "](../../README.md)" in text, "Cada lección enlaza al README principal"
    index = LESSON_NAMES.index(lesson)
    if index + 1 < len(LESSON_NAMES):
        assert f"](../{LESSON_NAMES[index + 1]}/README.md)" in text, "Enlaza a la siguiente"


def test_the_course_map_links_every_lesson_and_the_comparison() -> None:
    text = read(LESSONS / "README.md")
    for name in EXISTING:
        assert f"]({name}/README.md)" in text, f"El mapa del curso no enlaza {name}"
    assert "](comparativa.md)" in text
    assert "](../README.md)" in text
    for term in ("handler", "event loop", "frame", "broadcast", "hub"):
        assert re.search(rf"\*\*{term}\*\*", text, re.IGNORECASE), f"Glosario: falta {term}"


# --- La comparativa y la referencia del protocolo ------------------------------------


def code_lines(path: str) -> int:
    """Líneas que no están en blanco ni son solo un comentario (la regla de test_docs.py)."""
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))


def total_lines(path: str) -> int:
    return len((ROOT / path).read_text(encoding="utf-8").splitlines())


def files_in(folder: str) -> int:
    return sum(
        1 for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )


COMPARISON = LESSONS / "comparativa.md"


def test_comparison_line_counts_are_true() -> None:
    rows = re.findall(r"^\| `([\w/.]+)` \| (\d+) \| (\d+) \|$", read(COMPARISON), re.MULTILINE)
    assert len(rows) >= 3, "La comparativa debería tener su tabla de líneas"
    for path, total, code in rows:
        expected = f"| `{path}` | {total_lines(path)} | {code_lines(path)} |"
        assert (int(total), int(code)) == (total_lines(path), code_lines(path)), (
            f"comparativa.md: la fila de {path} debería ser «{expected}»"
        )


def test_comparison_ports_and_file_counts_are_true() -> None:
    text = read(COMPARISON)
    ports = [
        re.search(r"default_port=(\d+)", read(ROOT / f"{stack}/server.py")).group(1)
        for stack in ("stack1_pure", "stack2_http")
    ]
    assert f"| Puerto por defecto | {ports[0]} | {ports[1]} |" in text
    counts = [files_in("stack1_pure"), files_in("stack2_http")]
    assert f"| Archivos en su carpeta | {counts[0]} | {counts[1]} |" in text, (
        f"comparativa.md debería decir «| Archivos en su carpeta | {counts[0]} | {counts[1]} |»"
    )


def test_the_diff_commands_of_the_comparison_run() -> None:
    commands = [
        line
        for block in code_blocks(read(COMPARISON), "bash")
        for line in block.splitlines()
        if line.startswith("git diff --no-index")
    ]
    assert len(commands) >= 2
    # La foto más limpia de lo que añade «profesional»: las dos soluciones de «Construye».
    builds = (
        "lessons/02_servidor_minimo/solucion/servidor.py "
        "lessons/04_http_y_websocket/solucion/servidor.py"
    )
    assert any(command.endswith(builds) for command in commands), (
        "comparativa.md debe comparar las soluciones de «Construye» de las lecciones 2 y 4"
    )
    for command in commands:
        for path in command.split()[3:]:
            if "/solucion/" in path and not (ROOT / path).exists():
                pytest.skip(course.missing_solution_reason(path.split("/")[1]))
        result = subprocess.run(command.split(), cwd=ROOT, capture_output=True, timeout=30)
        # git diff --no-index sale con 1 cuando los archivos difieren (y con 2+ si falla).
        assert result.returncode == 1, f"«{command}» falló: {result.stderr.decode()}"


# Los archivos que escriben eventos del protocolo: el protocolo y las órdenes de la profesora.
PROTOCOL_SOURCES = ("stack2_http/protocol.py", "stack2_http/moderation.py")


def protocol_source() -> str:
    return "".join(read(ROOT / path) for path in PROTOCOL_SOURCES)


def test_the_protocol_reference_documents_every_event_error_and_close_reason() -> None:
    reference = read(LESSONS / "06_protocolo_json" / "README.md")
    source = protocol_source()
    events = re.findall(r'_encode\("(\w+)"', source)
    codes = re.findall(r'ProtocolError\(\s*"(\w+)"', source)
    assert events and codes
    for name in [*events, *codes]:
        assert f"| `{name}` |" in reference, f"La referencia del protocolo no documenta {name}"
    reasons = []
    for folder in ("common", "stack1_pure", "stack2_http"):
        for path in (ROOT / folder).rglob("*.py"):
            text = read(path)
            reasons += re.findall(r'close\((?:[\w.]+,\s*)?10\d\d,\s*"([^"]+)"', text)
            reasons += re.findall(r'^\w+_REASON = "([^"]+)"', text, re.MULTILINE)
    stack1_only = {"Este chat solo acepta texto"}  # El Stack 2 responde con un evento.
    for reason in set(reasons) - stack1_only:
        assert f"`{reason}`" in reference, f"La referencia no documenta el cierre «{reason}»"


def test_the_sample_benchmark_report_still_matches_the_benchmark() -> None:
    sample = read(LESSONS / "09_cuantos_usuarios" / "informe_ejemplo.txt")
    source = read(ROOT / "benchmarks" / "report.py")
    rows = [line for line in sample.splitlines() if re.match(r"^\S.*\S\s{2,}\S", line)]
    titles = [re.split(r"\s{2,}", line)[0] for line in rows]
    fixed = [title for title in titles if not re.search(r"\d", title)]
    assert len(fixed) >= 3
    for title in fixed:
        assert title in source, (
            f"informe_ejemplo.txt tiene la fila «{title}», que benchmarks/report.py ya no escribe"
        )


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_json_examples_are_valid_json_objects_with_a_known_type(doc) -> None:
    types = set(re.findall(r'_encode\("(\w+)"', protocol_source()))
    # Y lo que envía el cliente: los tipos de la tabla de despacho del Stack 2.
    sent = set(importlib.import_module("stack2_http.server").ChatSocket.EVENTS)
    for block in code_blocks(read(doc), "json"):
        for line in filter(None, block.splitlines()):
            event = json.loads(line)
            assert event["type"] in types | sent, f"{doc.name}: tipo desconocido en {line}"


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_inline_code_never_spans_two_lines(doc) -> None:
    prose = re.sub(r"```.*?```", "", read(doc), flags=re.DOTALL)
    odd = [line for line in prose.splitlines() if line.count("`") % 2]
    assert not odd, f"{doc.name}: un `código` partido en dos líneas no se comprueba: {odd}"


def test_checking_solutions_that_were_deleted_says_so_in_spanish(tmp_path) -> None:
    copy = tmp_path / "lessons"
    lesson = copy / "01_que_es_websocket"
    lesson.mkdir(parents=True)
    for name in ("conftest.py", "ayudas.py"):
        (copy / name).write_bytes((LESSONS / name).read_bytes())
    for path in (LESSONS / "01_que_es_websocket").glob("*.py"):
        (lesson / path.name).write_bytes(path.read_bytes())
    (lesson / "ejercicio").mkdir()  # Sin solucion/, como si la hubiera borrado el profesor.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(lesson)],
        cwd=tmp_path,
        env={**os.environ, "EJERCICIO": "solucion"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 4
    assert "01_que_es_websocket no tiene la carpeta «solucion»" in result.stderr
    assert "FileNotFoundError" not in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


# --- La instalación: la primera orden del README basta para el curso ----------------

PROJECT_PACKAGES = {"common", "stack1_pure", "stack2_http", "tests", "lessons", "benchmarks"}
# Lo único del curso que pide requirements-dev.txt (Playwright), y las lecciones lo dicen:
# las pruebas de navegador del paso 4 de la lección 8 y el ejercicio de JavaScript de la 11.
DEV_ONLY = {"tests/browser", "lessons/11_salas_apodos_privados/test_ejercicio11_js.py"}


def requirement_names(path: Path) -> set[str]:
    """Los paquetes que instala un requirements*.txt, sin versiones (y sus -r)."""
    names: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            names |= requirement_names(path.parent / line[3:].strip())
        elif line and not line.startswith("-"):
            names.add(re.match(r"[A-Za-z0-9_.-]+", line).group(0).lower().replace("_", "-"))
    return names


def with_dependencies(names: set[str]) -> set[str]:
    """Esos paquetes y todo lo que instalan con ellos (las dependencias, sin «extras»)."""
    seen: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            if "extra ==" not in requirement:
                found = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)
                pending.append(found.lower().replace("_", "-"))
    return seen


def packages_distributions() -> dict[str, list[str]]:
    """Qué distribuciones instalan cada módulo de primer nivel (``segno`` → ``segno``).

    Es importlib.metadata.packages_distributions(), de Python 3.10; el README promete 3.9,
    y en 3.9 se calcula igual: el top_level.txt de cada distribución o, si no lo trae, sus .py.
    """
    if sys.version_info >= (3, 10):
        return importlib.metadata.packages_distributions()
    found: dict[str, list[str]] = {}
    for dist in importlib.metadata.distributions():
        top = (dist.read_text("top_level.txt") or "").split()
        if not top:
            files = [f for f in dist.files or [] if f.suffix == ".py"]
            top = sorted({f.parts[0] if len(f.parts) > 1 else f.stem for f in files})
        for module in top:
            found.setdefault(module, []).append(dist.metadata["Name"])
    return found


def in_stdlib(module: str) -> bool:
    """¿Viene ``module`` con Python? (sys.stdlib_module_names, de 3.10; en 3.9, dónde está)."""
    if sys.version_info >= (3, 10):
        return module in sys.stdlib_module_names
    if module in sys.builtin_module_names:
        return True
    spec = importlib.util.find_spec(module)
    origin = spec.origin if spec is not None else None
    stdlib = sysconfig.get_paths()["stdlib"]
    return origin is not None and origin.startswith(stdlib) and "-packages" not in origin


def files_run_by(lesson: str) -> set[Path]:
    """Los archivos de Python de una lección y los que ejecutan sus órdenes."""
    files = {
        path
        for path in (LESSONS / lesson).rglob("*.py")
        if path.relative_to(ROOT).as_posix() not in DEV_ONLY
    }
    files |= {LESSONS / "ayudas.py", LESSONS / "conftest.py", LESSONS / "pista.py"}
    for block in code_blocks(read(LESSONS / lesson / "README.md"), "bash"):
        for line in block.splitlines():
            words = line.split()
            for word in words:
                target = ROOT / word
                if word in DEV_ONLY or not PATH_RE.match(word) or not target.exists():
                    continue
                files |= {target} if target.is_file() else set(target.rglob("*.py"))
            if words[:2] == ["python", "-m"] and len(words) > 2:
                module = ROOT / (words[2].replace(".", "/") + ".py")
                files |= {module} if module.exists() else set()
    return {f for f in files if f.suffix == ".py"}


def imported_modules(files: set[Path]) -> set[str]:
    """Los módulos de fuera que importan esos archivos y los del proyecto que importan."""
    pending, seen, outside = list(files), set(), set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.parent.name == "benchmarks":  # Se importan y se lanzan entre ellos.
            pending += path.parent.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # «from common import qr» importa también el módulo common/qr.py.
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                local = path.parent / f"{top}.py"
                if top in PROJECT_PACKAGES or local.exists():
                    candidates = [ROOT / (name.replace(".", "/") + ".py"), local]
                    candidates.append(ROOT / name.replace(".", "/") / "__init__.py")
                    pending += [c for c in candidates if c.exists()]
                elif not in_stdlib(top) and top not in ("ayudas", "conftest"):
                    outside.add(top)
    return outside


# Los plugins de pytest no se importan: se notan por lo que usan las comprobaciones.
PLUGINS = {"pytest-tornado": "gen_test"}


def test_requirements_txt_is_enough_for_every_lesson() -> None:
    provided = with_dependencies(requirement_names(ROOT / "requirements.txt"))
    distributions = packages_distributions()
    files = set().union(*(files_run_by(lesson) for lesson in LESSON_NAMES))
    missing = {}
    for module in imported_modules(files):
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not names & provided:
            missing[module] = sorted(names)
    for plugin, used in PLUGINS.items():
        if plugin not in provided and any(used in read(path) for path in files):
            missing[plugin] = [plugin]
    assert not missing, (
        "El curso importa (en sus comprobaciones o en lo que ejecutan sus órdenes) módulos "
        f"que requirements.txt no instala: {missing}. Añádelos, o di en la lección que ese "
        "paso necesita requirements-dev.txt (DEV_ONLY)."
    )


def test_the_readme_says_what_each_requirements_file_brings() -> None:
    readme = read(ROOT / "README.md")
    row = next(line for line in readme.splitlines() if line.startswith("| `requirements.txt`"))
    for name in sorted(requirement_names(ROOT / "requirements.txt") - {"setuptools"}):
        pretty = {"pytest-tornado": "pytest-tornado", "segno": "segno"}.get(name, name)
        assert pretty.lower() in row.lower(), f"La tabla del README no dice que trae {name}"
    assert "las catorce lecciones" in row


# --- Lo que las lecciones dejan en el disco, y a quién escuchan ------------------------


def bash_lines(doc: Path) -> list[str]:
    return [line for block in code_blocks(read(doc), "bash") for line in block.splitlines()]


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_what_a_lesson_command_writes_is_ignored_by_git(doc) -> None:
    outputs = []
    for line in bash_lines(doc):
        outputs += re.findall(r"(?:>|-keyout|-out|--out=)\s*([^\s|;&]+)", line)
    for path in outputs:
        assert git_ignores(path), (
            f"{doc.name}: una orden escribe {path}, que git no ignora: escribe en datos/ o en "
            "benchmarks/resultados/ (o añádelo a .gitignore), para que nadie lo suba sin querer"
        )


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_redis_in_a_lesson_listens_only_on_this_machine(doc) -> None:
    for line in bash_lines(doc):
        if line.startswith("redis-server"):
            assert "--bind 127.0.0.1" in line, f"{doc.name}: «{line}» escucha en toda la red"


@pytest.mark.parametrize("doc", DOCS, ids=DOC_IDS)
def test_commands_reach_the_servers_at_the_address_the_banner_prints(doc) -> None:
    # El banner dice 127.0.0.1: «localhost» puede ser ::1 (IPv6) y dar otra identidad.
    # La lección 3 usa localhost a propósito: es el origen de una página, no un servidor.
    if doc.parent.name == "03_cliente_file":
        return
    for line in bash_lines(doc):
        assert not re.search(r"(?:ws|http)://localhost:(?:8000|8001|8002|8765|8766)", line), (
            f"{doc.name}: «{line}» usa localhost; el banner imprime 127.0.0.1"
        )


# --- Cuánto dura el curso: lo que mide lessons/duracion.py, igual en todas partes ------


@pytest.fixture(scope="module")
def durations():
    """Lo que mide «python -m lessons.duracion» de cada lección (su módulo, cargado)."""
    spec = importlib.util.spec_from_file_location("_duracion", LESSONS / "duracion.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # Sus dataclasses lo necesitan.
    spec.loader.exec_module(module)
    return module, {d.leccion: d for d in module.curso()}


# Lo que dice cada fallo de duraciones: la orden que lo arregla.
REWRITE = "«python -m lessons.duracion --escribir» pone las cifras medidas en su sitio"


def expected_duration(module, measured) -> str:
    """Cómo se escribe la duración de una lección: «1 h 10 min» o «50 min + reto 45 min»."""
    text = module.como_texto(measured.sesion)
    return text + (f" + reto {module.como_texto(measured.reto)}" if measured.reto else "")


@pytest.mark.parametrize("lesson", EXISTING)
def test_each_lesson_header_and_the_course_map_give_the_measured_duration(
    durations, lesson
) -> None:
    module, measured = durations
    expected = expected_duration(module, measured[lesson])
    header = read(LESSONS / lesson / "README.md").split("## Objetivo")[0]
    assert f"**Duración:** {expected} ·" in header, (
        f"{lesson}/README.md debería decir «**Duración:** {expected}»: {REWRITE}"
    )
    row = next(line for line in read(LESSONS / "README.md").splitlines() if f"]({lesson}/" in line)
    assert f"| {expected} |" in row, (
        f"El mapa del curso debería dar {expected} a {lesson}: {REWRITE}"
    )


def test_the_course_map_the_readme_and_the_guide_agree_on_the_total(durations) -> None:
    module, measured = durations
    total = module.como_texto(sum(d.sesion for d in measured.values()))
    retos = module.como_texto(sum(d.reto for d in measured.values()))
    sentence = f"{total} en clase, más {retos} de retos"
    for doc in (LESSONS / "README.md", ROOT / "README.md", LESSONS / "guia_del_profesor.md"):
        text = " ".join(read(doc).split())  # Da igual dónde se parta la línea.
        assert sentence in text, f"{doc.name} debería decir «{sentence}»: {REWRITE}"


def test_the_guide_has_the_measured_breakdown_of_every_lesson(durations) -> None:
    module, measured = durations
    guide = read(LESSONS / "guia_del_profesor.md")
    for lesson, d in measured.items():
        row = next((line for line in guide.splitlines() if line.startswith(f"| {lesson[:2]} ")), "")
        numbers = [int(n) for n in re.findall(r"\| (\d+) ", row)]
        expected = [round(d.lectura), round(d.pasos), round(d.ejercicios), round(d.preguntas)]
        assert len(numbers) >= 4, f"La guía no tiene la fila de la lección {lesson[:2]}"
        # Un par de minutos de holgura: una frase más en una lección no rompe la tabla.
        assert all(abs(a - b) <= 2 for a, b in zip(numbers[1:5], expected)), (
            f"La guía da {numbers[1:5]} a la lección {lesson[:2]}; ahora mide {expected}: {REWRITE}"
        )
        assert expected_duration(module, d) in row, (
            f"La guía debería dar {expected_duration(module, d)} a {lesson}: {REWRITE}"
        )


def guide_section(title: str) -> str:
    return read(LESSONS / "guia_del_profesor.md").split(f"## {title}\n")[1].split("\n## ")[0]


def test_the_session_plan_gives_each_lesson_its_measured_duration(durations) -> None:
    module, measured = durations
    plan = guide_section("Un plan: una lección por sesión")
    for lesson, d in measured.items():
        row = next((line for line in plan.splitlines() if f"]({lesson}/README.md)" in line), "")
        expected = module.como_texto(d.sesion)
        assert f") | {expected} |" in row, (
            f"El plan de sesiones de la guía debería dar {expected} a {lesson}: {REWRITE}"
        )


def test_the_compact_plan_adds_up_to_the_whole_course(durations) -> None:
    module, measured = durations
    total = sum(d.sesion for d in measured.values())
    plan = guide_section("Plan compacto: dos semanas")
    said = f"({module.como_texto(total)} en total)"
    assert said in " ".join(plan.split()), f"El plan compacto debería decir «{said}»: {REWRITE}"
    days = [int(n) for n in re.findall(r"^\| \d+ \| .* \| (\d+) \|$", plan, re.MULTILINE)]
    assert len(days) == 10, f"El plan compacto debería tener diez días, y tiene {len(days)}"
    # El reparto por días lo decide una persona: --escribir no lo toca, pero debe sumar.
    assert sum(days) == total, (
        f"Los días del plan compacto suman {sum(days)} minutos y el curso mide {total}: "
        "reparte la diferencia a mano en la tabla de la guía"
    )


def test_duracion_escribir_puts_the_figures_back_and_touches_nothing_else(
    durations, tmp_path
) -> None:
    module, measured = durations
    copy = tmp_path / "lessons"
    shutil.copytree(LESSONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    docs = [Path("README.md"), *(p.relative_to(tmp_path) for p in copy.rglob("*.md"))]
    # Otras cifras en cada sitio (como si las lecciones hubieran cambiado)…
    other = [
        dataclasses.replace(d, lectura=d.lectura + 7, retos=d.retos and d.retos + 7)
        for d in measured.values()
    ]
    changed = [path.relative_to(tmp_path) for path in module.escribir(other, copy)]
    assert len(changed) == len(EXISTING) + 3, (
        f"Debía cambiar cada lección, el mapa, el README y la guía: {changed}"
    )
    assert all(read(tmp_path / doc) != read(ROOT / doc) for doc in changed)
    # …y la orden las devuelve a lo medido, letra por letra, sin tocar nada más.
    result = subprocess.run(
        [sys.executable, "-m", "lessons.duracion", "--escribir", f"--raiz={copy}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Cifras puestas al día en:" in result.stdout, result.stdout
    for doc in docs:
        assert read(tmp_path / doc) == read(ROOT / doc), f"--escribir dejó distinto {doc}"


def test_the_guide_plans_every_lesson_and_answers_every_question() -> None:
    guide = read(LESSONS / "guia_del_profesor.md")
    plan = guide.split("## Un plan: una lección por sesión")[1].split("\n## ")[0]
    answers = guide.split("## Respuestas a las preguntas")[1]
    for lesson in EXISTING:
        number = int(lesson[:2])
        assert f"]({lesson}/README.md)" in plan, f"El plan de sesiones no incluye {lesson}"
        questions = read(LESSONS / lesson / "README.md").split("## Preguntas")[1].split("\n## ")[0]
        asked = len(re.findall(r"^\d+\. ", questions, re.MULTILINE))
        section = re.search(rf"^### Lección {number} ·.*?(?=^### |\Z)", answers, re.M | re.S)
        assert section, f"La guía no tiene respuestas para la lección {number}"
        answered = len(re.findall(r"^\d+\. ", section.group(0), re.MULTILINE))
        assert answered == asked, (
            f"La lección {number} hace {asked} preguntas y la guía responde {answered}"
        )
    assert "## Plan compacto: dos semanas" in guide
    assert "## Qué puede salir mal en el aula" in guide


def test_the_lesson_4_page_never_writes_received_text_as_html() -> None:
    # En un navegador lo comprueba tests/browser/test_lesson_page.py; aquí, sin él.
    script = read(LESSONS / "04_http_y_websocket" / "pagina" / "chat.js")
    for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write"):
        assert sink not in script, f"pagina/chat.js usa {sink}: el texto de otros podría ejecutarse"
    html = read(LESSONS / "04_http_y_websocket" / "pagina" / "index.html")
    assert "<script>" not in html, "Sin scripts dentro del HTML: solo /static/chat.js"


def test_the_pista_command_says_when_the_check_cannot_even_start(tmp_path) -> None:
    copy = tmp_path / "lessons"
    lesson = copy / "01_que_es_websocket"
    lesson.mkdir(parents=True)
    for name in ("conftest.py", "ayudas.py", "pista.py"):
        (copy / name).write_bytes((LESSONS / name).read_bytes())
    for path in (LESSONS / "01_que_es_websocket").glob("*.py"):
        (lesson / path.name).write_bytes(path.read_bytes())
    (lesson / "ejercicio").mkdir()  # Sin solucion/: la comprobación no puede empezar.
    result = subprocess.run(
        [sys.executable, "-m", "lessons.pista", "01"],
        cwd=tmp_path,
        env={**os.environ, "EJERCICIO": "solucion"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "no llega a empezar" in output and "no tiene la carpeta «solucion»" in output, output
    assert "no hace falta pista" not in output
