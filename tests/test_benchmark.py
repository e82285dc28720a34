"""Los benchmarks funcionan de principio a fin (las cifras no se comprueban aquí).

Las metas de velocidad y memoria viven en el propio benchmark, que imprime cifras:
una prueba cronometrada fallaría o no según lo ocupada que esté la máquina.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))  # Como al ejecutar python benchmarks/fanout.py.

import fanout  # noqa: E402
import plot  # noqa: E402
import progress  # noqa: E402
from report import Result  # noqa: E402

from tests.services import need  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
SERVERS = ("websockets.broadcast", "Tornado, hub simple", "Tornado, hub rápido")


@pytest.fixture(scope="module")
def benchmark_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess, Path]:
    """Una medición corta de verdad (unos 25 s), compartida por las pruebas que la leen."""
    out = tmp_path_factory.mktemp("resultados")
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/fanout.py",
            "--clients=10",
            "--rounds=1",
            "--seconds=0.3",
            "--burst-seconds=0.3",
            f"--out={out}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result, out


def test_the_benchmark_measures_the_three_servers_and_everyone_gets_everything(
    benchmark_run,
) -> None:
    table = benchmark_run[0].stdout
    for server in SERVERS:
        assert server in table
    complete = next(line for line in table.splitlines() if line.startswith("¿Todos recibieron"))
    assert complete.split()[-3:] == ["sí", "sí", "sí"], table


def test_a_server_that_is_not_there_gives_one_clear_error() -> None:
    with socket.socket() as probe:  # Un puerto que estaba libre: nadie escucha en él.
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "benchmarks/fanout.py", f"--url=ws://127.0.0.1:{port}/ws", "--clients=3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "falló el handshake del bot 1" in result.stderr
    assert "¿Está en marcha el servidor?" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_benchmark_saves_its_report_and_its_figure_side_by_side(benchmark_run) -> None:
    result, out = benchmark_run
    report = (out / "fanout-stack2.txt").read_text(encoding="utf-8")
    assert report.strip() == result.stdout.strip()  # El informe es la tabla que imprimió.
    figure = ElementTree.parse(out / "fanout-stack2.svg").getroot()
    labels = {line.get("data-label") for line in figure.iter(f"{SVG}polyline")}
    assert labels == set(SERVERS)
    assert f"Figura:  {out / 'fanout-stack2.svg'}" in result.stderr


def fake_runs() -> dict[int, list[Result]]:
    """Cifras inventadas para tres N, con la forma de las de verdad."""
    runs = {}
    for n in (100, 500, 1000):
        runs[n] = [
            Result(
                label,
                burst_per_s=[k * 1e5 / (1 + n / 1000)],
                burst_cpu_us=[k * 2.0],
                p99_ms=[n / 100 * k],
            )
            for k, label in enumerate(SERVERS, start=1)
        ]
    return runs


def test_the_figure_is_valid_svg_with_a_line_per_server_in_each_chart() -> None:
    figure = ElementTree.fromstring(plot.svg(fake_runs(), "Stack 2 · prueba"))
    assert figure.tag == f"{SVG}svg"
    panels = [g for g in figure.iter(f"{SVG}g") if g.get("class") == "panel"]
    assert [g.get("data-series") for g in panels] == ["deliveries", "cpu", "p99"]
    for panel in panels:
        lines = panel.findall(f"{SVG}polyline")
        assert [line.get("data-label") for line in lines] == list(SERVERS)
        for line in lines:  # Un punto por N, de izquierda a derecha.
            xs = [float(point.split(",")[0]) for point in line.get("points").split()]
            assert len(xs) == 3 and xs == sorted(xs)


def test_each_point_of_the_figure_tells_its_figure_in_spanish() -> None:
    figure = ElementTree.fromstring(plot.svg(fake_runs(), "Stack 2 · prueba"))
    tips = [t.text for t in figure.iter(f"{SVG}title")]
    assert "Tornado, hub rápido: 30,0 ms" in tips  # p99 con N = 1000, con coma decimal.
    assert "websockets.broadcast: 50 000 entregas/s" in tips


def test_the_summary_has_one_row_per_n_for_each_figure() -> None:
    text = plot.summary(fake_runs())
    rows = [line[:8].strip() for line in text.splitlines()]
    assert [n for n in rows if n.replace(" ", "").isdigit()] == ["100", "500", "1 000"] * 3
    assert "Latencia p99 (ms)" in text


def test_clients_takes_several_n_in_order() -> None:
    args = fanout.parse_args(["--clients=1000,100,500"])
    assert args.counts == [100, 500, 1000]


def test_without_a_terminal_progress_prints_a_line_every_few_seconds(capsys) -> None:
    now = [0.0]
    bar = progress.Progress("fast: conectando", 100, clock=lambda: now[0])
    bar.update(10)  # Nada todavía: no han pasado los segundos.
    now[0] = progress.PLAIN_EVERY_SECONDS
    bar.update(40)
    bar.update(41)  # En el mismo instante, no se repite.
    lines = capsys.readouterr().err.splitlines()
    assert [line.split() for line in lines] == [["fast:", "conectando", "40/100"]]


def test_a_chart_whose_figures_differ_fifty_times_uses_a_logarithmic_scale() -> None:
    runs = fake_runs()
    for results in runs.values():  # El hub rápido, cien veces más entregas que los demás.
        results[2].burst_per_s = [results[0].burst_per_s[0] * 100]
    figure = ElementTree.fromstring(plot.svg(runs, "Stack 2 · prueba"))
    scales = {g.get("data-series"): g.get("data-scale") for g in figure.iter(f"{SVG}g")}
    assert scales["deliveries"] == "log" and scales["cpu"] == "linear"


def test_lesson_9_shows_a_real_figure_with_several_n_for_each_server() -> None:
    lesson = (ROOT / "lessons" / "09_cuantos_usuarios" / "README.md").read_text(encoding="utf-8")
    assert "](../../docs/img/fanout-stack2.svg)" in lesson
    figure = ElementTree.parse(ROOT / "docs" / "img" / "fanout-stack2.svg").getroot()
    for panel in (g for g in figure.iter(f"{SVG}g") if g.get("class") == "panel"):
        lines = {
            line.get("data-label"): line.get("points") for line in panel.iter(f"{SVG}polyline")
        }
        assert set(lines) == set(SERVERS)
        assert all(len(points.split()) >= 3 for points in lines.values())  # Tres N o más.


def run_benchmark(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, f"benchmarks/{script}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_sqlite_server_is_measured_against_the_in_memory_one(tmp_path) -> None:
    short = ["--clients=10", "--rounds=1", "--seconds=0.3", "--burst-seconds=0.3"]
    result = run_benchmark(
        "fanout.py", "--servers=fast,sqlite", "--against=fast", *short, f"--out={tmp_path}"
    )
    assert "proporción frente a Tornado, hub rápido" in result.stdout
    assert "Tornado, hub rápido + SQLite" in result.stdout
    lines = result.stdout.splitlines()
    complete = next(line for line in lines if line.startswith("¿Todos recibieron"))
    assert complete.split()[-2:] == ["sí", "sí"], result.stdout


def test_after_a_reconnect_storm_every_client_has_exactly_what_it_missed() -> None:
    result = run_benchmark("reconnect.py", "--clients=20", "--messages=10")
    assert "Recuperaron los 10, en orden y una vez:  20 de 20" in result.stdout, result.stdout


def test_a_reconnect_storm_in_a_room_of_more_than_100_waits_for_the_count_not_each_leave() -> None:
    # Con más de 100 en la sala nadie recibe un «leave» por persona, sino la cuenta
    # (stack2_http/roster.py): el emisor sabe que todos salieron cuando «count» llega a 1.
    result = run_benchmark("reconnect.py", "--clients=110", "--messages=5")
    assert "Recuperaron los 5, en orden y una vez:  110 de 110" in result.stdout, result.stdout


def test_scaleout_measures_redis_against_sqlite_and_everyone_gets_everything() -> None:
    need("redis-server")
    result = run_benchmark("scaleout.py", "--clients=10", "--seconds=0.5", "--workers=2")
    lines = result.stdout.splitlines()
    complete = next(line for line in lines if line.startswith("¿Todos recibieron"))
    assert complete.split()[-2:] == ["sí", "sí"], result.stdout
    assert "Entregas (de las esperadas)" in result.stdout
    assert "Redis / SQLite: CPU por entrega" in result.stdout
    assert "Traceback" not in result.stderr


def test_join_measures_one_room_against_several_and_everyone_gets_a_welcome() -> None:
    result = run_benchmark("join.py", "--clients=20,40", "--rooms=2")
    for case in ("1 sala de 20", "2 salas de 10", "1 sala de 40", "2 salas de 20"):
        assert case in result.stdout, result.stdout
    assert "KB enviados por el servidor por entrada" in result.stdout
    assert "Cómo crece con N:" in result.stdout
    assert "¡Atención!" not in result.stdout, result.stdout
    assert "Traceback" not in result.stderr


def test_join_refuses_people_that_cannot_be_shared_equally_between_rooms() -> None:
    result = subprocess.run(
        [sys.executable, "benchmarks/join.py", "--clients=25", "--rooms=10"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "a partes iguales" in result.stderr
