"""Los dos server.py como procesos reales: banner, apagado limpio y errores claros."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sys
from pathlib import Path

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

from common.startup import runner
from common.startup.banner import PLAIN_HUB_NOTE
from tests.helpers import RECEIVE_TIMEOUT, receive, wait_closed

ROOT = Path(__file__).resolve().parent.parent
STACKS = {
    "stack1": ("stack1_pure", "ws://127.0.0.1:{port}", "Stack 1"),
    "stack2": ("stack2_http", "ws://127.0.0.1:{port}/ws", "Stack 2"),
}
# El Stack 2 guarda su historial en datos/chat.sqlite3: las pruebas no lo tocan
# (ni chocan con un servidor que tengas abierto) y usan uno en memoria.
NO_DISK = ("--db=:memory:",)


class Server:
    """Un server.py lanzado como lo haría un estudiante, en un puerto libre de loopback."""

    def __init__(self, process: asyncio.subprocess.Process, banner: str, port: int) -> None:
        self.process = process
        self.banner = banner
        self.port = port

    @classmethod
    async def start(
        cls, folder: str, cwd: Path, *args: str, script: str = "", **popen: object
    ) -> Server:
        script = script or ("server.py" if cwd.name == folder else f"{folder}/server.py")
        if folder == "stack2_http" or script in STACK2_LESSON_SERVERS:
            args = (*NO_DISK, *args)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            script,
            "--port=0",
            "--address=127.0.0.1",
            *args,
            cwd=cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            **popen,  # type: ignore[arg-type]
        )
        lines: list[str] = []
        while not lines or "Ctrl+C" not in lines[-1]:
            line = await asyncio.wait_for(process.stdout.readline(), 10)
            if not line:
                stderr = (await process.stderr.read()).decode()
                raise AssertionError(f"El servidor terminó antes de arrancar:\n{stderr}")
            lines.append(line.decode())
        banner = "".join(lines)
        port = int(re.search(r"127\.0\.0\.1:(\d+)", banner).group(1))
        return cls(process, banner, port)

    async def stop(self) -> tuple[int, str]:
        """Envía SIGTERM y devuelve (código de salida, stderr)."""
        self.process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(self.process.communicate(), 5)
        return self.process.returncode, stderr.decode()


@pytest.mark.gen_test(timeout=20)
@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("where", ["raíz del repositorio", "carpeta del stack"])
async def test_server_prints_its_urls_and_stops_cleanly_on_sigterm(servers, stack, where) -> None:
    folder, url, title = STACKS[stack]
    cwd = ROOT if where.startswith("raíz") else ROOT / folder
    server = await Server.start(folder, cwd)
    servers.append(server)
    assert title in server.banner
    assert f"127.0.0.1:{server.port}" in server.banner

    client = await websocket_connect(HTTPRequest(url.format(port=server.port)))
    if stack == "stack2":
        await receive(client)  # welcome
    returncode, stderr = await server.stop()
    code, reason = await wait_closed(client)
    client.close()
    assert (code, reason) == (1001, "El servidor se está apagando")
    assert returncode == 0, stderr
    assert "Apagando el servidor" in stderr
    assert "Traceback" not in stderr


@pytest.mark.gen_test(timeout=20)
@pytest.mark.parametrize("stack", STACKS)
async def test_stops_within_two_seconds(servers, stack) -> None:
    folder, _, _ = STACKS[stack]
    server = await Server.start(folder, ROOT)
    servers.append(server)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await server.stop()
    assert loop.time() - started < 2


# Un Stack 2 cuyos backends no terminan nunca de cerrar (como una conexión que no contesta).
HANGING_CLOSE = """
import asyncio, sys
sys.path.insert(0, {root!r})
from stack2_http import server, storage

async def never_closes(self):
    await asyncio.Event().wait()

storage.Backends.close = never_closes
server.main()
"""


@pytest.mark.gen_test(timeout=20)
async def test_a_shutdown_that_hangs_still_ends_by_its_deadline_saying_what_it_waited_for(
    servers, tmp_path
) -> None:
    script = tmp_path / "server_colgado.py"
    script.write_text(HANGING_CLOSE.format(root=str(ROOT)), encoding="utf-8")
    server = await Server.start("stack2_http", ROOT, script=str(script))
    servers.append(server)
    loop = asyncio.get_running_loop()
    started = loop.time()
    server.process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(server.process.communicate(), 15)
    took = loop.time() - started
    assert runner.SHUTDOWN_DEADLINE_SECONDS <= took < runner.SHUTDOWN_DEADLINE_SECONDS + 3
    text = stderr.decode()
    assert server.process.returncode == 1, text
    assert "El apagado tarda más de 5 s: salgo sin esperar a " in text, text
    assert "→ never_closes (server_colgado.py:" in text, text  # Dónde se quedó, para arreglarlo.


@pytest.mark.gen_test(timeout=20)
@pytest.mark.parametrize("stack", STACKS)
async def test_a_busy_port_gives_one_clear_error_and_exit_status_1(stack) -> None:
    folder, _, _ = STACKS[stack]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            f"{folder}/server.py",
            f"--port={port}",
            "--address=127.0.0.1",
            *(NO_DISK if stack == "stack2" else ()),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), RECEIVE_TIMEOUT * 3)
    message = stderr.decode()
    assert process.returncode == 1
    assert f"el puerto {port} ya está en uso" in message
    assert "--port" in message
    assert "Traceback" not in message


@pytest.mark.gen_test(timeout=20)
@pytest.mark.parametrize("stack", STACKS)
async def test_help_lists_port_address_and_debug(stack) -> None:
    folder, _, _ = STACKS[stack]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        f"{folder}/server.py",
        "--help",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 10)
    text = stdout.decode() + stderr.decode()
    for option in ("--port", "--address", "--debug"):
        assert option in text


def test_importing_the_servers_starts_nothing() -> None:
    # Importar ambos en el mismo proceso no choca (cada uno tiene su OptionParser)
    # y no abre ningún socket ni arranca ningún loop.
    import stack1_pure.server
    import stack2_http.server

    assert callable(stack1_pure.server.make_app)
    assert callable(stack2_http.server.make_app)


@pytest.mark.gen_test(timeout=20)
@pytest.mark.parametrize("stack", STACKS)
async def test_the_banner_says_how_many_connections_fit(servers, stack) -> None:
    folder, _, _ = STACKS[stack]
    server = await Server.start(folder, ROOT, "--max-connections=50")
    servers.append(server)
    assert "Admite hasta 50 conexiones a la vez" in server.banner
    assert PLAIN_HUB_NOTE not in server.banner
    await server.stop()


@pytest.mark.gen_test(timeout=20)
async def test_the_plain_hub_option_still_chats(servers) -> None:
    server = await Server.start("stack1_pure", ROOT, "--hub=plain")
    servers.append(server)
    assert PLAIN_HUB_NOTE in server.banner  # Quien mide sabe qué está midiendo.
    client = await websocket_connect(f"ws://127.0.0.1:{server.port}")
    await client.write_message("Ana: con el hub simple")
    assert await receive(client) == "Ana: con el hub simple"
    client.close()
    await server.stop()


# Los servidores de las lecciones arrancan con el main() de su stack: mismas opciones.
# Los que arrancan con el main() del Stack 2, y por tanto tienen --db.
STACK2_LESSON_SERVERS = ["lessons/06_protocolo_json/solucion/escribiendo.py"]
LESSON_SERVERS = [
    "lessons/02_servidor_minimo/solucion/sin_eco.py",
    "lessons/03_cliente_file/solucion/origen.py",
    "lessons/04_http_y_websocket/solucion/rutas.py",
    *STACK2_LESSON_SERVERS,
    "lessons/07_seguridad/solucion/protegido.py",
]


@pytest.mark.gen_test(timeout=20)
@pytest.mark.parametrize("script", LESSON_SERVERS)
async def test_the_lesson_servers_honour_the_common_options(servers, script) -> None:
    if not (ROOT / script).exists():
        pytest.skip(f"{script} no está (¿se borraron las soluciones?); en CI esto es un fallo.")
    server = await Server.start("", ROOT, "--hub=plain", script=script)
    servers.append(server)
    assert "Lección" in server.banner
    assert PLAIN_HUB_NOTE in server.banner  # --hub llega al hub, no se pierde por el camino.
    code, stderr = await server.stop()
    assert code == 0, stderr


@pytest.mark.gen_test(timeout=20)
async def test_an_unknown_hub_option_gives_a_clear_error() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "stack1_pure/server.py",
        "--hub=turbo",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 2  # Un error al escribir las opciones (common/startup/options.py).
    assert "--hub admite «fast» o «plain»" in stderr.decode()
    assert "Traceback" not in stderr.decode()


@pytest.mark.gen_test(timeout=30)
async def test_debug_restarts_the_server_when_a_file_is_saved(servers) -> None:
    server = await Server.start("stack1_pure", ROOT, "--debug")
    servers.append(server)
    watched = ROOT / "common" / "startup" / "network.py"
    first_line = b""
    for _ in range(20):  # La vigilancia revisa los archivos cada medio segundo.
        watched.touch()  # Como si el estudiante guardara el archivo.
        try:
            first_line = await asyncio.wait_for(server.process.stdout.readline(), 0.5)
            break
        except asyncio.TimeoutError:
            continue
    assert first_line, "El servidor no se reinició al guardar un archivo"
    again = [first_line.decode()]
    while "Ctrl+C" not in again[-1]:
        line = await asyncio.wait_for(server.process.stdout.readline(), 10)
        assert line, "El servidor terminó en lugar de reiniciarse"
        again.append(line.decode())
    assert "Stack 1 · WebSocket puro" in "".join(again)
    returncode, stderr = await server.stop()
    assert returncode == 0, stderr


@pytest.mark.gen_test(timeout=30)
async def test_debug_says_in_spanish_which_file_changed(servers) -> None:
    server = await Server.start("stack1_pure", ROOT, "--debug")
    servers.append(server)
    watched = ROOT / "common" / "startup" / "network.py"
    said = ""
    for _ in range(20):  # La vigilancia revisa los archivos cada medio segundo.
        watched.touch()  # Como si el estudiante guardara el archivo.
        try:
            said = (await asyncio.wait_for(server.process.stderr.readline(), 0.5)).decode()
        except asyncio.TimeoutError:
            continue
        if "network.py" in said:  # La línea del reinicio (antes pueden salir otras).
            break
    assert "network.py ha cambiado: reinicio el servidor" in said
    assert "modified" not in said


@pytest.mark.gen_test(timeout=20)
async def test_shutting_down_with_one_client_says_one_connection(servers) -> None:
    server = await Server.start("stack1_pure", ROOT)
    servers.append(server)
    client = await websocket_connect(f"ws://127.0.0.1:{server.port}")
    returncode, stderr = await server.stop()
    client.close()
    assert returncode == 0, stderr
    assert "Apagando el servidor: cerrando 1 conexión\n" in stderr


@pytest.mark.gen_test(timeout=20)
@pytest.mark.parametrize("stack", STACKS)
async def test_the_running_server_answers_a_wrong_address_in_spanish(servers, stack) -> None:
    folder, _, _ = STACKS[stack]
    server = await Server.start(folder, ROOT)
    servers.append(server)
    client = AsyncHTTPClient()
    response = await client.fetch(f"http://127.0.0.1:{server.port}/no-existe", raise_error=False)
    assert response.code == 404
    assert "404: No encontrado" in response.body.decode()
    await server.stop()
