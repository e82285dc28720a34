"""Servidores de verdad para las pruebas de varios procesos: redis-server, nginx y el chat.

Cada uno corre como el usuario de las pruebas, en loopback, en un puerto libre y con
sus archivos en una carpeta temporal; ``stop()`` termina solo el proceso que arrancó.
Sin el programa instalado, la prueba se salta (y en CI, conftest.py la da por fallida).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Lo que esperamos como mucho a que arranque un servidor. Suele tardar menos de un
# segundo; con las pruebas de dos en dos en un portátil ocupado, bastante más.
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def need(program: str) -> str:
    path = shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/bin")
    if path is None:
        pytest.skip(f"Falta {program}: instálalo con «apt-get install -y redis-server nginx»")
    return path


def wait_for_port(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} terminó al arrancar (código {process.returncode})")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise AssertionError(f"{what} no escucha en el puerto {port}")


class RedisServer:
    """Un redis-server propio: sin guardar nada salvo que la prueba pida ``SAVE``."""

    def __init__(self, folder: Path) -> None:
        self.program = need("redis-server")
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(self.program, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
                *("--dbfilename", "dump.rdb", "--logfile", str(self.folder / "redis.log")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process, "redis-server")

    def command(self, *args: str) -> str:
        """Una orden con redis-cli... sin redis-cli: RESP a mano, sobre un socket."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            payload = f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)
            conn.sendall(payload.encode())
            return conn.recv(65536).decode()

    def stop(self, keep_data: bool = False) -> None:
        """Para Redis; con ``keep_data``, antes guarda todo en dump.rdb (SAVE)."""
        if self.process is None or self.process.poll() is not None:
            return
        if keep_data:
            assert self.command("SAVE").startswith("+OK")
        else:
            (self.folder / "dump.rdb").unlink(missing_ok=True)
        self.process.kill()  # Como un corte: sin avisar a nadie.
        self.process.wait(10)


class ChatServer:
    """Un stack2_http/server.py con --redis, lanzado como lo haría el profesor."""

    def __init__(self, process: asyncio.subprocess.Process, port: int, banner: str) -> None:
        self.process = process
        self.port = port
        self.banner = banner

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @classmethod
    async def start(cls, *args: str, port: int = 0) -> ChatServer:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "stack2_http/server.py",
            f"--port={port}",
            "--address=127.0.0.1",
            "--db=:memory:",
            *args,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        lines: list[str] = []
        while not lines or "Ctrl+C" not in lines[-1]:
            line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
            if not line:
                _, stderr = await process.communicate()  # Cierra también las tuberías.
                raise AssertionError(f"El servidor terminó antes de arrancar:\n{stderr.decode()}")
            lines.append(line.decode())
        banner = "".join(lines)
        found = int(re.search(r"127\.0\.0\.1:(\d+)", banner).group(1))
        return cls(process, found, banner)

    async def stop(self) -> tuple[int, str]:
        """SIGTERM y espera: (código de salida, stderr)."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(self.process.communicate(), 10)
        return self.process.returncode, stderr.decode()

    def children(self) -> list[int]:
        """Los procesos hijos de este servidor (con --processes), leídos de /proc."""
        pid = self.process.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as children:
                return [int(p) for p in children.read().split()]
        except OSError:
            return []

    async def cleanup(self) -> None:
        """Al final de la prueba: SIGTERM (el padre lo pasa a sus hijos) y, si no basta, SIGKILL."""
        if self.process.returncode is not None:
            return
        children = self.children()
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.communicate(), 10)
        except asyncio.TimeoutError:
            for pid in [*children, self.process.pid]:  # Solo los nuestros, por su PID.
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            await self.process.communicate()

    async def kill(self) -> None:
        """Como un corte de luz: SIGKILL, sin apagado limpio."""
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()


NGINX_CONF = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
"""


class Nginx:
    """Un nginx propio delante de los procesos del chat, con deploy/nginx.conf del repositorio."""

    def __init__(self, folder: Path, backends: list[int]) -> None:
        self.program = need("nginx")
        self.folder = folder
        self.port = free_port()
        # El archivo del repositorio, con los puertos de esta prueba y solo en loopback.
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        servers = "".join(f"    server 127.0.0.1:{port};\n" for port in backends)
        site = re.sub(r"(?m)^\s*server 127\.0\.0\.1:\d+;\n", "", site)
        site = site.replace("    least_conn;\n", "    least_conn;\n" + servers)
        site, listens = re.subn(r"(?m)^(\s*)listen 80\b", rf"\1listen 127.0.0.1:{self.port}", site)
        assert listens == 1, "deploy/nginx.conf debe tener una sola línea «listen 80…» activa"
        (folder / "site.conf").write_text(site)
        conf = NGINX_CONF.format(folder=folder, site=folder / "site.conf")
        (folder / "nginx.conf").write_text(conf)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.program, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # Lo que diga va a error.log, en la carpeta temporal.
        )
        try:
            wait_for_port(self.port, self.process, "nginx")
        except AssertionError as problem:
            log = self.folder / "error.log"
            raise AssertionError(f"{problem}:\n{log.read_text() if log.exists() else ''}") from None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # Apagado rápido: no espera a los WebSocket.
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
