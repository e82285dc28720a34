"""Las opciones de los servidores: ayuda en español y una línea clara por cada error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tornado.options import OptionParser

from common.startup.options import help_text
from common.startup.settings import parse_options
from stack2_http.options import define_stack2_options

ROOT = Path(__file__).resolve().parent.parent
SERVERS = ["stack1_pure/server.py", "stack2_http/server.py"]

# Cada error, con la línea exacta que debe ver el estudiante.
MISTAKES = {
    "--port 8001": "Error: falta el «=»: escribe --port=8001, sin espacio en medio.",
    "--port=abc": "Error: --port necesita un número entero, no «abc».",
    "--puerto=9000": "Error: no existe la opción --puerto. ¿Querías decir --port?",
    "--prot=9000": "Error: no existe la opción --prot. ¿Querías decir --port?",
    "--port=80000": "Error: --port admite de 0 a 65535, no 80000 (0 = uno libre).",
    "--port": "Error: --port necesita un valor: --port=NÚMERO.",
    "--hub=turbo": "Error: --hub admite «fast» o «plain», no «turbo».",
    "--debug=quizá": "Error: --debug se escribe sola, o con =true o =false; no «quizá».",
    "--ping-interval=-1": "Error: --ping-interval no puede ser negativo (-1.0).",
    "--rate=rápido": "Error: --rate necesita un número, no «rápido».",
    # Una dirección de documentación (RFC 5737): no es de ningún equipo real.
    "--address=198.51.100.7": (
        "Error: --address=198.51.100.7 no es una dirección de este equipo: usa una de las "
        "que imprime el banner, o quita --address para escuchar en todas."
    ),
    "--address=no-es-una-ip.invalid": (
        "Error: --address=no-es-una-ip.invalid no es una dirección IP (prueba con 127.0.0.1 "
        "o quítala)."
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_option_mistake_prints_one_spanish_line_and_exits_with_status_2(
    mistake, capsys
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_options(8000, mistake.split(), define=define_stack2_options)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.err == MISTAKES[mistake] + "\n"
    assert captured.out == ""


def test_good_options_are_read_with_hyphens_or_underscores() -> None:
    options = parse_options(8000, ["--port=0", "--max_connections=5", "--debug"])
    assert (options.port, options.max_connections, options.debug) == (0, 5, True)


@pytest.mark.parametrize("script", SERVERS)
def test_a_real_server_started_with_a_space_before_the_port_explains_it_without_a_traceback(
    script,
) -> None:
    result = subprocess.run(
        [sys.executable, script, "--port", "8001"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2
    assert result.stderr == "Error: falta el «=»: escribe --port=8001, sin espacio en medio.\n"


@pytest.mark.parametrize("script", SERVERS)
def test_help_is_entirely_in_spanish_and_names_the_script(script) -> None:
    result = subprocess.run(
        [sys.executable, script, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=20
    )
    assert result.returncode == 0
    text = result.stdout
    assert text.startswith(f"Uso: python {script} [--opción=valor ...]\n")
    assert "Opciones:" in text
    assert "muestra esta ayuda y termina" in text
    for english in ("Usage:", "Options:", "show this help", str(ROOT)):
        assert english not in text, f"--help aún dice «{english}»"


def test_an_option_that_is_on_by_default_shows_in_help_as_its_no_form() -> None:
    options = OptionParser()
    options.define("sonido", default=True, help="no suena al llegar un mensaje")
    options.define("debug", default=False, type=bool, help="recarga el servidor al guardar")
    lines = help_text(options, "server.py").splitlines()
    assert "  --no-sonido  no suena al llegar un mensaje" in lines
    assert "  --debug      recarga el servidor al guardar" in lines


@pytest.mark.parametrize("script", SERVERS)
def test_help_never_prints_true_or_false_as_a_default(script) -> None:
    result = subprocess.run(
        [sys.executable, script, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=20
    )
    for english in ("True", "False"):
        assert english not in result.stdout, f"--help dice «{english}»:\n{result.stdout}"


def test_the_stack2_help_names_no_qr_as_the_readme_and_the_banner_do() -> None:
    options = parse_options(8000, [], define=define_stack2_options)
    lines = help_text(options, "stack2_http/server.py").splitlines()
    (qr,) = [" ".join(line.split()) for line in lines if "--no-qr " in line]
    assert qr == "--no-qr no dibuja en el banner el QR de la URL de la red"
    assert parse_options(8000, ["--no-qr"], define=define_stack2_options).qr is False
