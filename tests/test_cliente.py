"""python -m common.cliente: el cliente de la terminal, contra los dos stacks de verdad."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from tornado.ioloop import IOLoop

from common.cliente import describe, websocket_url
from common.fanout.hub import Hub
from common.history.log import MemoryLog, Pending
from stack1_pure.server import ChatSocket as Stack1Socket
from stack1_pure.server import make_app as make_stack1
from stack2_http.server import make_app as make_stack2
from tests.helpers import RECEIVE_TIMEOUT, receive
from tests.services import ChatServer, need

ROOT = Path(__file__).resolve().parent.parent
CLIENT = [sys.executable, "-m", "common.cliente"]
# Lo que tardan en contestar los servidores «lentos» de abajo: bastante más que el
# instante que el cliente esperaba antes a ciegas (0,3 s), menos que su plazo (10 s).
SLOW = 1.0


class SlowLog(MemoryLog):
    """Un log que tarda en guardar, como un disco lento en un aula llena."""

    def _write(self, pending: Pending) -> None:
        IOLoop.current().call_later(SLOW, super()._write, pending)


class SlowRelay(Stack1Socket):
    """Un Stack 1 que tarda en reenviar cada mensaje."""

    def on_message(self, message: str | bytes) -> None:
        IOLoop.current().call_later(SLOW, super().on_message, message)


class Mute(Stack1Socket):
    """Un servidor que nunca devuelve nada (como el eco de la lección 1 sin terminar)."""

    def on_message(self, message: str | bytes) -> None:
        pass


APPS = {
    1: make_stack1,
    2: make_stack2,
    "stack1 lento": lambda hub: make_stack1(hub, SlowRelay),
    "stack2 lento": lambda hub: make_stack2(hub, log=SlowLog()),
    "mudo": lambda hub: make_stack1(hub, Mute),
}


@pytest.fixture
def tls_servers(io_loop):
    """Los server.py con --certfile que arranca una prueba; al final, ninguno queda vivo."""
    started: list[ChatServer] = []
    yield started
    for server in started:
        io_loop.run_sync(server.cleanup, timeout=30)


def certificate(folder: Path, *extra: str) -> tuple[Path, Path]:
    """Un certificado autofirmado de verdad, hecho con openssl como en la lección 13."""
    cert, key = folder / "cert.pem", folder / "clave.pem"
    subprocess.run(
        [
            *(need("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert), *extra),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def tls_server(servers: list[ChatServer], cert: Path, key: Path) -> int:
    """Arranca el Stack 2 con TLS (https:// y wss://) y devuelve su puerto en 127.0.0.1."""
    server = await ChatServer.start(f"--certfile={cert}", f"--keyfile={key}")
    servers.append(server)
    return server.port


# Con esta extensión el certificado vale también para 127.0.0.1 (el de la lección 13, no).
FOR_127 = ("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")


@pytest.fixture
def stack() -> int | str:
    return 2


@pytest.fixture
def app(hub: Hub, stack: int | str):
    return APPS[stack](hub)


async def run_client(*args: str, stdin: str = "") -> tuple[int, str, str]:
    """Ejecuta el cliente con ``stdin`` como entrada; devuelve (código, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        *CLIENT,
        *args,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 20)
    return process.returncode, out.decode(), err.decode()


async def read_until(stream: asyncio.StreamReader, text: str) -> str:
    """Las líneas de ``stream`` hasta la primera que contiene ``text``."""
    seen = ""
    while text not in seen:
        line = await asyncio.wait_for(stream.readline(), RECEIVE_TIMEOUT * 5)
        assert line, f"El cliente terminó sin escribir «{text}». Escribió:\n{seen}"
        seen += line.decode()
    return seen


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("ws://localhost:8765", "ws://localhost:8765/"),
        ("ws://192.168.0.11:8000/ws", "ws://192.168.0.11:8000/ws"),
        ("http://192.168.0.11:8000/", "ws://192.168.0.11:8000/ws"),
        ("http://localhost:8000/clientehttp.html", "ws://localhost:8000/ws"),
        ("https://chat.example:8443/", "wss://chat.example:8443/ws"),
        ("localhost:8765", "ws://localhost:8765/"),
    ],
)
def test_the_client_accepts_every_address_the_banners_print(given, expected) -> None:
    assert websocket_url(given) == expected


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("stack", [1])
async def test_a_line_piped_into_the_client_reaches_everyone_on_stack1_and_it_exits_0(
    stack, connect, ws_base
) -> None:
    listener = await connect(f"{ws_base}/")
    code, out, err = await run_client(f"{ws_base}", stdin="Ana: hola\n")
    assert code == 0, err
    assert await receive(listener) == "Ana: hola"
    assert "Ana: hola" in out.splitlines()


@pytest.mark.gen_test(timeout=30)
async def test_stack2_messages_are_shown_as_ip_port_and_text_from_the_page_address(
    http_server,
    http_port,
) -> None:
    code, out, err = await run_client(f"http://127.0.0.1:{http_port}/", stdin="hola\n")
    assert code == 0, err
    lines = out.splitlines()
    assert any(line.startswith("Conectado como 127.0.0.1:") for line in lines), out
    assert "Hay 1 persona conectada." in out
    assert any(line.startswith("[127.0.0.1:") and line.endswith("] hola") for line in lines), out


@pytest.mark.gen_test(timeout=30)
async def test_raw_sends_each_line_as_it_is_and_shows_the_frames(http_server, http_port) -> None:
    url = f"ws://127.0.0.1:{http_port}/ws"
    # Con --raw, el cliente espera la respuesta de los mensajes con cid: el último lo lleva.
    code, out, err = await run_client(
        url, "--raw", stdin='hola\n{"type": "message", "text": "sí", "cid": "r1"}\n'
    )
    assert code == 0, err
    lines = out.splitlines()
    assert "→ hola" in lines
    assert any(line.startswith('← {"type":"welcome"') for line in lines), out
    assert '"code":"invalid_json"' in out  # «hola» sin JSON: el servidor responde con un error.
    assert '"text":"sí"' in out


@pytest.mark.gen_test(timeout=30)
async def test_a_message_the_server_refuses_is_shown_as_its_spanish_error(
    http_server, http_port
) -> None:
    code, out, err = await run_client(f"ws://127.0.0.1:{http_port}/ws", stdin="x" * 3000 + "\n")
    assert code == 0, err
    assert "⚠ El servidor dice: El mensaje es demasiado largo (máximo 2000 caracteres)." in out


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("stack", ["stack2 lento"])
async def test_on_stack2_every_piped_line_gets_its_ack_or_error_before_the_client_closes(
    stack, http_server, http_port
) -> None:
    lines = "uno\n" + "x" * 3000 + "\ndos\n"  # La segunda es demasiado larga: un error.
    code, out, err = await run_client(f"ws://127.0.0.1:{http_port}/ws", stdin=lines)
    assert code == 0, err
    shown = [line.split("] ", 1)[-1] for line in out.splitlines() if line.startswith("[")]
    assert shown == ["uno", "dos"], out
    assert "⚠ El servidor dice: El mensaje es demasiado largo" in out
    assert '"type":"ack"' not in out, "Los ack no se muestran: ya lo dice el propio mensaje"


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("stack", ["stack1 lento"])
async def test_on_stack1_the_client_waits_until_every_piped_line_comes_back(
    stack, http_server, http_port
) -> None:
    code, out, err = await run_client(f"ws://127.0.0.1:{http_port}/", stdin="Ana: a\nAna: b\n")
    assert code == 0, err
    assert out.splitlines()[1:] == ["Ana: a", "Ana: b"], out


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("stack", ["mudo"])
async def test_a_server_that_never_answers_gets_a_spanish_note_and_exit_status_1(
    stack, http_server, http_port
) -> None:
    url = f"ws://127.0.0.1:{http_port}/"
    code, out, err = await run_client(url, "--timeout=0.5", stdin="hola\nadiós\n")
    assert code == 1, out + err
    assert out.splitlines()[-1] == (
        "Aviso: el servidor no respondió a 2 líneas enviadas en 0,5 s; "
        "cierro la conexión igualmente."
    ), out


@pytest.mark.gen_test(timeout=30)
async def test_people_joining_and_leaving_are_announced_in_spanish(
    connect, http_server, http_port
) -> None:
    url = f"ws://127.0.0.1:{http_port}/ws"
    process = await asyncio.create_subprocess_exec(
        *CLIENT, url, cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    try:
        await read_until(process.stdout, "Conectado como")
        other = await connect(url)
        assert "personas conectadas" in await read_until(process.stdout, "→ Entra 127.0.0.1:")
        other.close()
        left = await read_until(process.stdout, "← Sale 127.0.0.1:")
        assert "(hay 1 persona conectada)." in left
        process.stdin.close()  # Fin de la entrada: el cliente se despide y sale con 0.
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_in_a_big_room_the_client_says_how_many_people_there_are_not_just_the_listed() -> None:
    online = [{"who": f"10.0.0.{n}:5000", "nick": None} for n in range(100)]
    welcome = {"type": "welcome", "you": "10.0.0.200:5000", "online": online, "count": 250}
    assert describe(json.dumps(welcome)) == (
        "Conectado como 10.0.0.200:5000. Hay 250 personas conectadas."
    )
    assert describe('{"type": "count", "count": 251}') == "Hay 251 personas conectadas."


@pytest.mark.gen_test(timeout=30)
async def test_a_server_that_is_not_there_gives_one_spanish_line_and_exit_status_1() -> None:
    with socket.socket() as probe:  # Un puerto que estaba libre: nadie escucha en él.
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, _, err = await run_client(f"ws://127.0.0.1:{port}")
    assert code == 1
    assert err == (
        f"Error: no se puede conectar a ws://127.0.0.1:{port}/: nadie escucha en ese puerto. "
        "¿Está en marcha el servidor?\n"
    )


@pytest.mark.gen_test(timeout=40)
async def test_a_self_signed_wss_server_gets_a_spanish_error_that_says_how_to_trust_it(
    tls_servers, tmp_path
) -> None:
    port = await tls_server(tls_servers, *certificate(tmp_path, *FOR_127))
    code, _, err = await run_client(f"https://127.0.0.1:{port}/")
    assert code == 1
    assert err == (
        f"Error: no se puede conectar a wss://127.0.0.1:{port}/ws: "
        "el certificado del servidor no es de confianza (lo firmó él mismo, o alguien que "
        "este equipo no conoce). Si es el tuyo, como el de la lección 13, confía en él con "
        "--ca=RUTA_DEL_CERTIFICADO (por ejemplo, --ca=cert.pem).\n"
    ), err


@pytest.mark.gen_test(timeout=40)
async def test_ca_trusts_a_self_signed_certificate(tls_servers, tmp_path) -> None:
    cert, key = certificate(tmp_path, *FOR_127)
    port = await tls_server(tls_servers, cert, key)
    code, out, err = await run_client(f"--ca={cert}", f"wss://127.0.0.1:{port}/ws", stdin="hola\n")
    assert code == 0, err
    assert any(line.endswith("] hola") for line in out.splitlines()), out


@pytest.mark.gen_test(timeout=40)
async def test_a_certificate_for_another_name_says_to_use_the_name_it_carries(
    tls_servers, tmp_path
) -> None:
    cert, key = certificate(tmp_path)  # Como en la lección 13: solo para localhost.
    port = await tls_server(tls_servers, cert, key)
    code, _, err = await run_client(f"--ca={cert}", f"https://127.0.0.1:{port}/")
    assert code == 1
    assert "el certificado del servidor no es para «127.0.0.1»" in err, err
    assert "localhost" in err.split("»", 1)[1], err


def test_a_ca_file_that_is_not_a_certificate_is_a_spanish_usage_error() -> None:
    result = subprocess.run(
        [*CLIENT, "--ca=README.md", "https://127.0.0.1:1/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "Error: --ca: «README.md» no es un certificado PEM que se pueda leer (como cert.pem).\n"
    )


@pytest.mark.gen_test(timeout=30)
async def test_a_wrong_path_says_to_copy_the_banner_address(http_server, http_port) -> None:
    code, _, err = await run_client(f"ws://127.0.0.1:{http_port}/chat")
    assert code == 1
    assert "no hay un WebSocket en esa ruta (404). Copia la dirección del banner." in err


@pytest.mark.parametrize(
    "command",
    [[*CLIENT, "--help"], [sys.executable, "benchmarks/fanout.py", "--help"]],
    ids=["cliente", "benchmark"],
)
def test_the_help_of_the_client_and_the_benchmark_is_in_spanish(command) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=20)
    assert result.returncode == 0
    assert result.stdout.startswith("Uso: python ")
    for english in ("usage:", "options:", "show this help", "positional arguments"):
        assert english not in result.stdout.lower()


def test_the_client_without_an_address_explains_what_is_missing() -> None:
    result = subprocess.run(CLIENT, cwd=ROOT, capture_output=True, text=True, timeout=20)
    assert result.returncode == 2
    assert result.stderr == (
        "Error: falta URL. Mira cómo se usa con: python -m common.cliente --help\n"
    )
