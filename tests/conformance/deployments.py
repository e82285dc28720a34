"""Las configuraciones que puede arrancar un profesor, cada una con sus procesos de verdad.

La suite de conformidad (``tests/conformance/``) escribe una sola vez cómo se comporta el
chat y lo comprueba en cada una de estas configuraciones:

==========  =============================================================================
memoria     ``server.py --db=:memory:``: un proceso, nada en disco.
sqlite      ``server.py --db=RUTA``: un proceso, el historial en un archivo SQLite.
redis       ``server.py --redis=URL``: un proceso con el log y la presencia en Redis.
redis-2     dos ``server.py --redis=URL`` en dos puertos: los estudiantes se reparten.
nginx       los mismos dos procesos (``--xheaders``) detrás de un nginx con
            ``deploy/nginx.conf``: todos entran por el puerto de nginx.
==========  =============================================================================

Cada servidor corre como proceso aparte, en 127.0.0.1 y en un puerto libre, con su
salida en archivos de una carpeta temporal. Arrancar, parar, matar o reiniciar un
proceso no bloquea el loop de la prueba más que unos milisegundos: se espera al banner
leyendo su archivo.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from stack2_http.words import TEMPLATE as BANNED_WORDS
from tests.services import ROOT, START_TIMEOUT, Nginx, RedisServer

# El historial de cada sala en la suite: pocos mensajes, para que «quedarse atrás más de
# lo que se guarda» se pueda probar sin enviar mil.
HISTORY = 40
# La clave del enlace de la profesora (--teacher-key): la suite entra como ella con
# Student.become_teacher(), que abre /profe?clave=… como lo haría su navegador.
TEACHER_KEY = "profe-de-la-suite-3f9Q"
# Lo que tarda como mucho en cerrarse un servidor con SIGTERM.
STOP_TIMEOUT = 10.0

KINDS = ("memoria", "sqlite", "redis", "redis-2", "nginx")
# Las que comparten el chat a través de Redis (y pueden perderlo y recuperarlo).
WITH_REDIS = ("redis", "redis-2", "nginx")
# Las que tienen más de un proceso del chat.
SEVERAL_PROCESSES = ("redis-2", "nginx")


class ChatProcess:
    """Un ``stack2_http/server.py`` en marcha: su puerto, sus opciones y su salida."""

    def __init__(self, folder: Path, port: int, args: list[str]) -> None:
        self.folder = folder
        self.port = port
        self.args = args
        self.process: subprocess.Popen | None = None
        self.starts = 0  # Cada arranque escribe en sus propios archivos.

    @property
    def stdout_path(self) -> Path:
        return self.folder / f"chat-{self.port}-{self.starts}.out"

    @property
    def stderr_path(self) -> Path:
        return self.folder / f"chat-{self.port}-{self.starts}.err"

    def launch(self) -> None:
        """Lanza el proceso (sin esperar a que atienda: eso es ``ready()``)."""
        self.starts += 1
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "stack2_http/server.py", f"--port={self.port}", *self.args],
                cwd=ROOT,
                stdout=out,
                stderr=err,
                # Si un apagado se atasca, SIGABRT le hace escribir dónde estaba (ver stop()).
                env={**os.environ, "PYTHONFAULTHANDLER": "1"},
            )

    def banner_printed(self) -> bool:
        """True cuando el servidor ya atiende: el banner sale después de escuchar."""
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(
                f"El servidor del puerto {self.port} terminó al arrancar "
                f"(código {self.process.returncode}):\n{self.stderr()}"
            )
        return "Ctrl+C" in self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        """Todo lo que ha escrito en stderr (su registro), en todos sus arranques."""
        texts = []
        for n in range(1, self.starts + 1):
            path = self.folder / f"chat-{self.port}-{n}.err"
            if path.exists():
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "".join(texts)

    def stop(self) -> None:
        """SIGTERM y espera: el apagado limpio (1001 a sus clientes)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            # faulthandler escribe en stderr la pila de cada hilo: dónde se quedó parado.
            self.process.send_signal(signal.SIGABRT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(STOP_TIMEOUT)
            self.kill()
            last = self.stderr_path.read_text(encoding="utf-8", errors="replace")[-6000:]
            raise AssertionError(
                f"El servidor del puerto {self.port} no se apagó con SIGTERM en "
                f"{STOP_TIMEOUT:.0f} s. Lo último que escribió:\n{last}"
            ) from None

    def kill(self) -> None:
        """SIGKILL: como un corte de luz, sin apagado limpio."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)


class Deployment:
    """Una configuración en marcha: sus procesos, su Redis y su nginx, si los tiene."""

    def __init__(self, kind: str, folder: Path, extra: tuple[str, ...] = ()) -> None:
        if kind not in KINDS:
            raise ValueError(f"Configuración desconocida: {kind}")
        self.kind = kind
        self.folder = folder
        self.redis: RedisServer | None = RedisServer(folder) if kind in WITH_REDIS else None
        self.nginx: Nginx | None = None
        # La lista de palabras prohibidas del repositorio, y no la copia de datos/ que cada
        # profesor edita a su gusto: así las pruebas saben qué palabras están prohibidas.
        banned = f"--banned-words={BANNED_WORDS}"
        common = ["--address=127.0.0.1", "--no-qr", f"--history={HISTORY}", banned]
        common += [f"--teacher-key={TEACHER_KEY}", *extra]
        if kind == "memoria":
            common.append("--db=:memory:")
        elif kind == "sqlite":
            common.append(f"--db={folder / 'chat.sqlite3'}")
        else:
            assert self.redis is not None
            common.append(f"--redis={self.redis.url}")
        if kind == "nginx":
            common.append("--xheaders")  # nginx dice quién es cada estudiante.
        count = 2 if kind in SEVERAL_PROCESSES else 1
        self.processes = [ChatProcess(folder, restartable_port(), common) for _ in range(count)]
        if kind == "nginx":
            self.nginx = Nginx(folder, [chat.port for chat in self.processes])

    # --- Lo que distingue a cada configuración ---------------------------------------

    @property
    def shared(self) -> bool:
        """True si el chat vive en Redis, compartido entre procesos."""
        return self.redis is not None

    @property
    def keeps_history_on_restart(self) -> bool:
        """¿Sigue la misma historia (el mismo epoch) después de reiniciar los procesos?"""
        return self.kind != "memoria"

    @property
    def directly_reachable(self) -> int:
        """Cuántos procesos puede elegir un estudiante (con nginx, ninguno: elige nginx)."""
        return 0 if self.nginx is not None else len(self.processes)

    # --- Direcciones ------------------------------------------------------------------

    def base(self, n: int = 0) -> str:
        """La dirección http:// por la que entra el estudiante número ``n``.

        Con dos procesos sin nginx, los pares van al primero y los impares al segundo: así
        cada prueba con dos estudiantes tiene uno en cada proceso.
        """
        if self.nginx is not None:
            return f"http://127.0.0.1:{self.nginx.port}"
        return f"http://127.0.0.1:{self.processes[n % len(self.processes)].port}"

    def process_base(self, index: int) -> str:
        """La dirección de un proceso concreto, sin pasar por nginx (para /salas.json)."""
        return f"http://127.0.0.1:{self.processes[index].port}"

    # --- Arrancar, parar, reiniciar -------------------------------------------------------

    def start(self) -> None:
        """Arranca todo y espera a que atienda (fuera de un loop: fixtures de sesión)."""
        if self.redis is not None:
            self.redis.start()
        for chat in self.processes:
            chat.launch()
        _wait_sync(self._started, self.processes)
        if self.nginx is not None:
            self.nginx.start()

    async def restart(self) -> None:
        """Para todos los procesos del chat (SIGTERM) y los arranca otra vez en sus puertos.

        Redis y nginx siguen en marcha, como cuando el profesor reinicia el servidor.
        """
        for chat in self.processes:
            chat.stop()
        for chat in self.processes:
            chat.launch()
        await self.ready()

    async def ready(self) -> None:
        """Espera a que todos los procesos del chat atiendan (dentro del loop de la prueba)."""
        await _wait_async(self._started, self.processes)

    def _started(self) -> bool:
        return all(chat.banner_printed() for chat in self.processes)

    def stop(self) -> str:
        """Para todo lo que arrancó y devuelve el registro (stderr) de los procesos del chat."""
        problems = []
        for chat in self.processes:
            try:
                chat.stop()
            except AssertionError as problem:
                problems.append(str(problem))
        if self.nginx is not None:
            self.nginx.stop()
        if self.redis is not None:
            self.redis.stop()
        if problems:
            raise AssertionError("\n".join(problems))
        return self.logs()

    def logs(self) -> str:
        return "".join(chat.stderr() for chat in self.processes)


def restartable_port() -> int:
    """Un puerto libre de loopback que ninguna conexión saliente va a ocupar.

    Un proceso que se reinicia vuelve a su mismo puerto. Si fuera uno del rango efímero
    (el que el sistema da a las conexiones salientes: 32768-60999 en Linux), mientras
    está parado otra conexión podría quedárselo como puerto de origen y el arranque
    fallaría con «el puerto ya está en uso». Por eso se elige por debajo de ese rango.
    """
    for _ in range(1000):
        port = random.randrange(20_000, 32_000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise AssertionError("No hay puertos libres entre 20000 y 32000")


def _wait_sync(ready, processes: list[ChatProcess], timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(_not_started(processes, timeout))
        time.sleep(0.02)  # Esperamos a otro proceso: su banner es el único aviso que da.


async def _wait_async(ready, processes: list[ChatProcess], timeout: float = START_TIMEOUT) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not ready():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(_not_started(processes, timeout))
        await asyncio.sleep(0.02)  # Esperamos a otro proceso: su banner es el único aviso.


def _not_started(processes: list[ChatProcess], timeout: float) -> str:
    """Qué había escrito cada proceso cuando se acabó la espera: por qué no arrancó."""
    outputs = "".join(
        f"\n--- puerto {chat.port}: salida ---\n"
        + chat.stdout_path.read_text(encoding="utf-8", errors="replace")
        + f"--- puerto {chat.port}: registro ---\n{chat.stderr()}"
        for chat in processes
    )
    return f"Los servidores no arrancaron en {timeout} s:{outputs}"


@contextlib.contextmanager
def running(kind: str, folder: Path, extra: tuple[str, ...] = ()):
    """Una configuración en marcha durante el bloque; al salir, ningún proceso queda vivo.

    Al parar, comprueba que ningún proceso del chat registró una traza: lo que hagan los
    estudiantes (o Redis al caerse) nunca debe acabar en un error del servidor.
    """
    deployment = Deployment(kind, folder, extra)
    try:
        deployment.start()
        yield deployment
    finally:
        logs = deployment.stop()
    assert "Traceback" not in logs, f"Un servidor de «{kind}» registró una traza:\n{logs}"
