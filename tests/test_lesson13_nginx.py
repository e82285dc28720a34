"""La lección 13 en el nginx de Debian tal como viene, como la seguiría alguien nuevo.

Se copia ``/etc/nginx`` (el ``nginx.conf`` de Debian, ``sites-enabled/default``,
``mime.types``…) a una carpeta temporal y se cambia solo lo que no puede quedarse igual sin
ser root: rutas (``pid``, registros, archivos temporales, ``/etc/nginx``), el usuario y los
puertos (libres, en loopback; nunca el 80). Después se aplican las órdenes ``sudo`` del
paso 1 de la lección, tal como están escritas, y se comprueba lo que la lección promete.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

from tests.helpers import receive_event
from tests.services import ROOT, ChatServer, RedisServer, free_port, need, wait_for_port

LESSON = ROOT / "lessons" / "13_desplegar_nginx_tls" / "README.md"
ETC = Path("/etc/nginx")
# Una IP de documentación (RFC 5737): la que escribiría un estudiante si fuera la del equipo
# de nginx. Solo viaja en las cabeceras Host y Origin; la conexión es a 127.0.0.1.
SERVER_IP = "192.0.2.10"
# Las dos formas de decirle a nginx que lea la configuración otra vez.
RELOAD = (["sudo", "systemctl", "reload", "nginx"], ["sudo", "nginx", "-s", "reload"])


def lesson_commands() -> list[list[str]]:
    """Las órdenes ``sudo`` de la lección 13, una por una (``a && b`` son dos)."""
    found = []
    for block in re.findall(r"```bash\n(.*?)```", LESSON.read_text(encoding="utf-8"), re.DOTALL):
        for line in block.splitlines():
            if line.startswith("sudo "):
                found += [shlex.split(part) for part in line.split("&&")]
    assert found, "La lección 13 ya no dice qué órdenes escribir para instalar la configuración"
    return found


class StockNginx:
    """El nginx de Debian, copiado a ``root`` y arrancado como el usuario de las pruebas."""

    def __init__(self, root: Path, backends: list[int]) -> None:
        self.program = need("nginx")
        if not (ETC / "nginx.conf").exists():
            pytest.skip("Falta la configuración de Debian (/etc/nginx): apt-get install nginx")
        self.root = root
        self.etc = root / "etc" / "nginx"
        self.backends = backends
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        shutil.copytree(ETC, self.etc, symlinks=False, ignore_dangling_symlinks=True)
        for path in self.etc.rglob("*"):
            if path.is_file() and not path.is_symlink():
                self.rewrite(path)
        main = self.etc / "nginx.conf"
        text = main.read_text()
        text = re.sub(r"(?m)^\s*user\s+[^;]*;\n", "", text)  # Sin ser root no hay otro usuario.
        text = re.sub(r"(?m)^(\s*)pid\s+[^;]*;", rf"\1pid {root}/nginx.pid;", text)
        text = re.sub(r"(?m)^(\s*)error_log\s+[^;]*;", rf"\1error_log {root}/error.log;", text)
        text = re.sub(r"(?m)^(\s*)access_log\s+[^;]*;", rf"\1access_log {root}/access.log;", text)
        # Los archivos temporales: Debian los deja en /var/lib/nginx, que es de root.
        temp = "".join(
            f"\n    {kind}_temp_path {root}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        text, found = re.subn(r"(?m)^http\s*\{", lambda match: match.group(0) + temp, text)
        assert found == 1, "El nginx.conf de Debian ya no tiene un bloque http { }"
        main.write_text(text)

    def rewrite(self, path: Path) -> None:
        """Rutas de /etc/nginx a la copia, y puertos: los de esta prueba, solo en loopback."""
        text = path.read_text(errors="replace")
        text = text.replace(f"{ETC}/", f"{self.etc}/")
        text = re.sub(r"(?m)^(\s*)listen 80\b", rf"\1listen 127.0.0.1:{self.port}", text)
        text = re.sub(r"(?m)^\s*listen \[::\]:80\b[^;]*;\n", "", text)  # Sin IPv6 aquí.
        if "upstream chat" in text:  # «Cambia los server de upstream chat por tus procesos».
            text = re.sub(r"(?m)^\s*server 127\.0\.0\.1:\d+;\n", "", text)
            servers = "".join(f"    server 127.0.0.1:{port};\n" for port in self.backends)
            text = text.replace("    least_conn;\n", "    least_conn;\n" + servers)
        path.write_text(text)

    def here(self, path: str) -> Path:
        """Una ruta de /etc/nginx, en la copia."""
        assert path.startswith(f"{ETC}/"), f"La lección toca {path}, fuera de {ETC}"
        return self.etc / path.removeprefix(f"{ETC}/")

    def command(self, *args: str) -> list[str]:
        return [
            *(self.program, "-c", str(self.etc / "nginx.conf"), "-e", str(self.root / "error.log")),
            *args,
        ]

    def check_config(self) -> subprocess.CompletedProcess:
        """``nginx -t``: ¿es válida la configuración?"""
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=20)

    def follow(self, commands: list[list[str]]) -> None:
        """Hace lo que dice cada orden de la lección, sin sudo y dentro de la copia."""
        for words in commands:
            if words[:2] == ["sudo", "cp"] and len(words) == 4:
                shutil.copy(ROOT / words[2], self.here(words[3]))
                self.rewrite(self.here(words[3]))
            elif words[:2] == ["sudo", "rm"] and len(words) == 3:
                self.here(words[2]).unlink()
            elif words == ["sudo", "nginx", "-t"]:
                result = self.check_config()
                assert result.returncode == 0, f"nginx -t falla:\n{result.stderr}"
            elif words in RELOAD:
                self.start()  # En la copia no había ningún nginx en marcha: se arranca.
            else:
                raise AssertionError(
                    f"La lección 13 manda «{shlex.join(words)}»: esta prueba no sabe seguirla"
                )

    def start(self) -> None:
        # En primer plano (daemon off): así la prueba lo para por su PID, y solo a él.
        self.process = subprocess.Popen(
            self.command("-g", "daemon off;"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(self.port, self.process, "nginx")
        except AssertionError as problem:
            log = self.root / "error.log"
            raise AssertionError(f"{problem}:\n{log.read_text() if log.exists() else ''}") from None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture
def lesson13(tmp_path, io_loop) -> Iterator[StockNginx]:
    """El paso 1 de la lección: Redis, dos procesos con --xheaders y el nginx de Debian."""
    redis = RedisServer(tmp_path)
    redis.start()
    chats: list[ChatServer] = []
    nginx: StockNginx | None = None
    try:
        for _ in range(2):
            chats.append(
                io_loop.run_sync(lambda: ChatServer.start(f"--redis={redis.url}", "--xheaders"))
            )
        nginx = StockNginx(tmp_path / "raiz", [chat.port for chat in chats])
        nginx.follow(lesson_commands())
        yield nginx
    finally:
        if nginx is not None:
            nginx.stop()
        for chat in chats:
            io_loop.run_sync(chat.cleanup, timeout=30)
        redis.stop()


async def get(nginx: StockNginx, path: str, host: str = "127.0.0.1"):
    request = HTTPRequest(
        f"http://127.0.0.1:{nginx.port}{path}", headers={"Host": f"{host}:{nginx.port}"}
    )
    return await AsyncHTTPClient().fetch(request, raise_error=False)


async def page_websocket(nginx: StockNginx, host: str = "127.0.0.1") -> dict:
    """El WebSocket que abre la página cargada de ``host``: su Origin y su Host; el welcome."""
    here = f"{host}:{nginx.port}"
    request = HTTPRequest(
        f"ws://127.0.0.1:{nginx.port}/ws", headers={"Host": here, "Origin": f"http://{here}"}
    )
    conn = await websocket_connect(request)
    try:
        return await receive_event(conn, "welcome")
    finally:
        conn.close()


@pytest.mark.gen_test(timeout=40)
async def test_lesson_13_on_a_stock_debian_nginx_serves_the_chat_page(lesson13) -> None:
    response = await get(lesson13, "/")
    assert response.code == 200, f"La página respondió {response.code}"
    assert b"<title>Chat" in response.body, "Contesta otra página: ¿el sitio por defecto?"


@pytest.mark.gen_test(timeout=40)
async def test_lesson_13_healthz_answers_200_through_nginx(lesson13) -> None:
    response = await get(lesson13, "/healthz")
    assert response.code == 200, f"/healthz respondió {response.code}: {response.body[:200]!r}"
    assert json.loads(response.body) == {"ok": True}


@pytest.mark.gen_test(timeout=40)
async def test_lesson_13_the_pages_websocket_connects_on_a_port_that_is_not_80(lesson13) -> None:
    welcome = await page_websocket(lesson13)
    assert welcome["you"].startswith("127.0.0.1:")


@pytest.mark.gen_test(timeout=40)
async def test_lesson_13_a_student_who_types_the_ip_of_the_nginx_machine_gets_in(
    lesson13,
) -> None:
    # El proceso recibe la petición desde 127.0.0.1 con «Host: 192.0.2.10:PUERTO»: una IP
    # que no es la suya, pero una IP no se puede «reapuntar» como un nombre (DNS rebinding).
    assert (await get(lesson13, "/", SERVER_IP)).code == 200
    assert (await page_websocket(lesson13, SERVER_IP))["type"] == "welcome"


def test_forgetting_to_remove_debians_default_site_is_caught_by_nginx_t(tmp_path) -> None:
    nginx = StockNginx(tmp_path / "raiz", [free_port()])
    if not (nginx.etc / "sites-enabled" / "default").exists():
        pytest.skip("Este nginx no trae sitio por defecto: no hay nada que olvidar")
    skipped = [words for words in lesson_commands() if words[:2] == ["sudo", "cp"]]
    nginx.follow(skipped)  # Copia la configuración, pero no borra el sitio por defecto.
    result = nginx.check_config()
    assert result.returncode != 0, "nginx -t aceptó dos sitios por defecto en el mismo puerto"
    assert "duplicate default server" in result.stderr, result.stderr
