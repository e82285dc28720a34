"""Los códigos QR para entrar desde el móvil: el del banner y el de la página del Stack 2."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import segno

from common.fanout.hub import Hub
from common.startup import network, qr
from common.startup.banner import banner, qr_lines
from common.startup.network import LanAccess
from common.startup.settings import parse_options
from stack2_http.options import define_stack2_options
from stack2_http.server import make_app

ROOT = Path(__file__).resolve().parent.parent
LAN_URL = "http://198.51.100.7:8000/"  # Una dirección de documentación (RFC 5737).
CELL = re.compile("\x1b\\[38;5;(\\d+)m\x1b\\[48;5;(\\d+)m▀")


def segno_modules(url: str) -> list[list[bool]]:
    """Lo que segno dice que es el QR de ``url``, sin la zona de silencio."""
    return [[bool(m) for m in row] for row in segno.make(url, error="m", micro=False).matrix]


def without_quiet_zone(rows: list[list[bool]], size: int) -> list[list[bool]]:
    q = qr.QUIET_ZONE
    return [row[q : q + size] for row in rows[q : q + size]]


def modules_from_terminal(text: str) -> list[list[bool]]:
    """Deshace el dibujo de la terminal: cada carácter son dos módulos, arriba y abajo."""
    rows: list[list[bool]] = []
    for line in text.splitlines():
        cells = CELL.findall(line)
        if not cells:
            continue
        assert line.endswith(qr.RESET), "cada línea del QR debe devolver los colores de la terminal"
        rows.append([fg == "16" for fg, _ in cells])
        rows.append([bg == "16" for _, bg in cells])
    return rows


def modules_from_svg(svg: str) -> list[list[bool]]:
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    rows = [[False] * size for _ in range(size)]
    for x, y in re.findall(r"M(\d+),(\d+)h1v1h-1z", svg):
        rows[int(y)][int(x)] = True
    return rows


def test_the_banner_qr_encodes_the_lan_url_of_the_banner(monkeypatch) -> None:
    monkeypatch.setattr(network, "lan_addresses", lambda: ["198.51.100.7"])
    urls = network.server_urls("http://{host}/", 8000)
    options = parse_options(8000, [], define=define_stack2_options)
    text = banner("Stack 2", urls, extra=qr_lines(urls, options))
    assert f"  Desde otro dispositivo: {LAN_URL}" in text
    expected = segno_modules(LAN_URL)
    assert without_quiet_zone(modules_from_terminal(text), len(expected)) == expected
    lan = LanAccess()
    lan.learn(urls, options.address)  # Lo que hace run() con las mismas URL.
    assert lan.urls == [LAN_URL]  # La página usará la misma.


def test_the_terminal_qr_is_dark_on_light_with_a_light_quiet_zone() -> None:
    rows = modules_from_terminal(qr.terminal(LAN_URL))
    assert not any(rows[0]) and not any(rows[-1])  # Bordes claros: se lee en temas oscuros.
    assert all(not row[0] and not row[-1] for row in rows)


@contextlib.contextmanager
def stack2(*args: str) -> Iterator[tuple[str, int]]:
    """Un server.py del Stack 2 de verdad, arrancado con ``args``: su banner y su puerto."""
    process = subprocess.Popen(
        [sys.executable, "stack2_http/server.py", "--port=0", "--db=:memory:", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        while not lines or "Ctrl+C" not in lines[-1]:
            line = process.stdout.readline()
            assert line, process.stderr.read()
            lines.append(line)
        banner = "".join(lines)
        yield banner, int(re.search(r"127\.0\.0\.1:(\d+)", banner).group(1))
    finally:
        process.terminate()
        process.communicate(timeout=10)


def page_of(port: int) -> str:
    """La página del chat que sirve el server.py del puerto ``port``."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        return response.read().decode()


def banner_of(*args: str) -> str:
    """El banner de un server.py del Stack 2 de verdad, arrancado con ``args``."""
    with stack2(*args) as (banner, _):
        return banner


def test_with_a_loopback_address_the_banner_calmly_says_only_this_machine_can_enter() -> None:
    text = banner_of("--address=127.0.0.1")
    assert (
        "  Solo se entra desde este equipo (--address=127.0.0.1). Para que entren\n"
        "  los móviles y los demás equipos de la red, arranca el servidor sin --address.\n"
    ) in text
    assert "QR" not in text and "▀" not in text, "Un QR a 127.0.0.1 no le sirve a ningún móvil"
    assert "No se encontró" not in text, "No falta nada: el profesor lo pidió así"


def test_started_on_loopback_the_served_page_says_who_can_enter_instead_of_a_qr() -> None:
    # run() apunta en el LanAccess de main() lo que la página enseña: sin él, saldría un QR.
    with stack2("--address=127.0.0.1") as (_, port):
        page = page_of(port)
    assert "Solo se puede entrar desde este equipo" in page, page
    assert "/qr.svg" not in page


@pytest.mark.parametrize(("args", "only_here"), [(["--address=127.0.0.1"], "127.0.0.1"), ([], "")])
def test_the_page_learns_from_the_options_whether_only_this_machine_can_enter(
    args, only_here
) -> None:
    options = parse_options(8000, args, define=define_stack2_options)
    lan = LanAccess()
    lan.learn(network.server_urls("http://{host}/", 8000, options.address), options.address)
    assert lan.only_here == only_here


def test_no_qr_hides_every_qr_line() -> None:
    text = banner_of("--address=127.0.0.1", "--no-qr")
    assert "QR" not in text and "▀" not in text


def test_no_lan_address_at_all_is_explained() -> None:
    assert qr.banner_lines([], "") == [
        "",
        "Sin código QR: no se encontró ninguna IP de red local (¿hay wifi o cable?).",
    ]


@pytest.fixture
def app(hub: Hub, app_kwargs):
    return make_app(hub, **app_kwargs)


@pytest.mark.gen_test
@pytest.mark.settings(lan=LanAccess([LAN_URL]))
async def test_the_page_qr_opened_on_localhost_encodes_the_lan_url(http_client, base_url) -> None:
    response = await http_client.fetch(f"{base_url}/qr.svg")
    assert response.headers["Content-Type"] == "image/svg+xml"
    svg = response.body.decode()
    expected = segno_modules(LAN_URL)
    assert without_quiet_zone(modules_from_svg(svg), len(expected)) == expected
    page = (await http_client.fetch(f"{base_url}/")).body.decode()
    assert '<img src="/qr.svg"' in page
    assert f'<a href="{LAN_URL}">{LAN_URL}</a>' in page


@pytest.mark.gen_test
@pytest.mark.settings(lan=LanAccess(only_here="127.0.0.1"))
async def test_with_a_loopback_address_the_page_says_who_can_enter_instead_of_a_qr(
    http_client, base_url
) -> None:
    page = (await http_client.fetch(f"{base_url}/")).body.decode()
    assert "/qr.svg" not in page, "Un QR a 127.0.0.1 no le sirve a ningún móvil"
    assert "Solo se puede entrar desde este equipo: el servidor se arrancó con" in page
    assert "--address=127.0.0.1. Para que entren los móviles, arráncalo sin --address." in page


@pytest.mark.gen_test
async def test_without_a_lan_url_the_page_qr_encodes_the_page_address(
    http_client, http_port
) -> None:
    own = f"http://127.0.0.1:{http_port}/"
    response = await http_client.fetch(f"{own}qr.svg")
    expected = segno_modules(own)
    got = without_quiet_zone(modules_from_svg(response.body.decode()), len(expected))
    assert got == expected
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"


def test_the_readme_banner_sample_is_the_real_banner() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = readme.split("<!-- banner -->\n```\n", 1)[1].split("\n```", 1)[0]
    lan = "http://192.168.0.11:8000/"
    extra = qr.banner_lines([lan], "")
    extra[-1] = "(aquí, el código QR, en negro sobre blanco)"  # El README no puede dibujarlo.
    real = banner(
        "Stack 2 · HTTP + WebSocket", ["http://127.0.0.1:8000/", lan], capacity=10000, extra=extra
    )
    assert sample == real
