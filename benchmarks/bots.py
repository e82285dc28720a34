"""El cliente de carga de los benchmarks: cientos o miles de bots WebSocket baratos.

Cada bot es un asyncio.Protocol que hace el handshake a mano y, en lugar de separar
frames, busca en todo lo que recibe las marcas «#00000042 » de cada mensaje: así un
solo proceso puede escuchar a miles de conexiones sin ser él el cuello de botella.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import time
from urllib.parse import urlsplit

from progress import Progress
from report import number

# Cada mensaje lleva «#» + 8 cifras + espacio: así cada bot reconoce, con una sola
# expresión regular sobre todo lo que recibe, qué mensajes le llegaron y en qué orden.
SEQ = re.compile(rb"#(\d{8}) ")
SEQ_TAIL = 9  # Bytes que guardamos entre lecturas por si una marca llega partida.
HANDSHAKES_AT_ONCE = 256
HANDSHAKE_TIMEOUT = 120  # Segundos para cada handshake, contando la cola de los 256.


def skip_frame(data: bytes) -> bytes | None:
    """Lo que viene después del primer frame (sin máscara) de ``data``; None si no está entero."""
    if len(data) < 2:
        return None
    size, start = data[1] & 0x7F, 2
    if size >= 126:
        start = 4 if size == 126 else 10
        if len(data) < start:
            return None
        size = int.from_bytes(data[2:start], "big")
    return data[start + size :] if len(data) >= start + size else None


class Bench:
    """Lo que comparten todos los bots de una medición: contadores y tiempos."""

    def __init__(self, expected: bytes, welcome: bool = False) -> None:
        # ¿El servidor saluda con un «welcome»? El del Stack 2 trae el historial, con
        # marcas de rondas anteriores: los bots se lo saltan entero.
        self.welcome = welcome
        # Las marcas que cada bot debería recibir, en orden, todas seguidas: comparar
        # lo recibido con un trozo de esto es una sola comparación de bytes.
        self.expected = expected
        self.delivered = 0
        # La hora de envío de cada mensaje, por su número. Una lista que el emisor va
        # llenando, o (scaleout.py) la vista de un archivo compartido entre procesos.
        self.sent_at: list[float] | memoryview = []
        self.latencies: list[float] | None = None  # Solo se apuntan en la fase a ritmo fijo.


class Bot(asyncio.Protocol):
    """Un cliente WebSocket mínimo sobre asyncio: apenas gasta CPU por mensaje."""

    def __init__(self, bench: Bench, host: str, path: str) -> None:
        self.bench = bench
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n\r\n"
        ).encode()
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.head = b""
        self.tail = b""
        self.count = 0  # Mensajes del benchmark recibidos.
        self.problem: str | None = None  # El primero que veamos: duplicado, hueco, desorden.
        self.lost = False
        self.transport: asyncio.Transport | None = None
        self.welcome = bench.welcome  # True mientras falte saltarse el welcome.

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        if not self.ready.done():
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            status = self.head.split(b"\r\n", 1)[0]
            if b" 101 " not in status:
                self.ready.set_exception(ConnectionError(status.decode(errors="replace")))
                return
            self.ready.set_result(None)
            data, self.head = self.head[end + 4 :], b""
        if self.welcome:
            self.head += data
            rest = skip_frame(self.head)
            if rest is None:
                return  # El welcome aún no ha llegado entero.
            data, self.welcome, self.head = rest, False, b""
        # No hace falta separar los frames: buscamos las marcas en todo lo recibido.
        buffer = self.tail + data
        self.tail = buffer[-SEQ_TAIL:]
        seqs = SEQ.findall(buffer)
        if not seqs:
            return
        bench, start, n = self.bench, self.count, len(seqs)
        if self.problem is None and b"".join(seqs) != bench.expected[8 * start : 8 * (start + n)]:
            self.problem = f"esperaba el mensaje {start} y llegó {int(seqs[0])}"
        self.count = start + n
        bench.delivered += n
        if bench.latencies is not None:
            now, sent_at, latencies = time.perf_counter(), bench.sent_at, bench.latencies
            for seq in seqs:
                latencies.append(now - sent_at[int(seq)])

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("conexión cerrada durante el handshake"))

    def send_text(self, payloads: list[bytes]) -> None:
        """Envía varios frames de texto de una vez (los de un cliente van enmascarados)."""
        frames = []
        for payload in payloads:
            size = len(payload)
            header = (
                bytes((0x81, 0x80 | size))
                if size < 126
                else bytes((0x81, 0xFE)) + size.to_bytes(2, "big")
            )
            # Máscara de ceros: válida según el RFC y nos ahorra el XOR en Python.
            frames.append(header + b"\0\0\0\0" + payload)
        assert self.transport is not None
        self.transport.write(b"".join(frames))


def message_payload(json_protocol: bool, seq: int, size: int) -> bytes:
    """El texto que envía el emisor, con su marca, como lo espera cada servidor."""
    if not json_protocol:
        text = f"#{seq:08d} " + "x" * max(0, size - 10)
        return text.encode()
    # En el Stack 2 el servidor añade ~85 bytes (from, time...) al texto.
    text = f"#{seq:08d} " + "x" * max(0, size - 95)
    return json.dumps({"type": "message", "text": text}).encode()


def incomplete(bots: list[Bot], count: int) -> str:
    """«» si cada bot recibió los ``count`` mensajes, una vez y en orden; si no, qué pasó."""
    missing = [b for b in bots if b.count != count or b.problem or b.lost]
    if not missing:
        return ""
    bot = missing[0]
    why = bot.problem or ("se cerró" if bot.lost else f"recibió {bot.count} de {count}")
    return f"{len(missing)} bots incompletos; el primero {why}"


def raise_open_file_limit() -> None:
    """Cada bot es un socket: subimos el límite de archivos abiertos al máximo permitido."""
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65_536)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def connect_bots(
    bench: Bench,
    url: str,
    count: int,
    label: str,
    progress: Progress | None = None,
    kind: type[Bot] = Bot,
) -> list[Bot]:
    """Conecta ``count`` bots a ``url``; ``progress`` (si no, una barra propia) lo va contando.

    ``kind``: otra clase de bot, hija de ``Bot`` (join.py apunta cuándo llega cada welcome).
    """
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    loop = asyncio.get_running_loop()
    # Handshakes a la vez. En el Stack 2 cada entrada avisa a todos con un «join»: si
    # muchas entran en la misma vuelta del loop, el hub rápido junta sus avisos en
    # una escritura por cliente, y conectar 10 000 bots tarda segundos, no minutos.
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    bots: list[Bot] = []
    if progress is None:
        progress = Progress(f"{label}: conectando", count)
    started = time.perf_counter()

    async def one() -> None:
        async with gate:
            bot = kind(bench, f"{host}:{port}", path)
            await loop.create_connection(lambda: bot, host, port)
            await asyncio.wait_for(bot.ready, HANDSHAKE_TIMEOUT)
            bots.append(bot)
            progress.update(len(bots))

    tasks = [asyncio.ensure_future(one()) for _ in range(count)]
    try:
        await asyncio.gather(*tasks)
    except (OSError, asyncio.TimeoutError) as error:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for bot in bots:
            if bot.transport is not None:
                bot.transport.close()
        if isinstance(error, asyncio.TimeoutError):
            why = "tardó demasiado. Prueba con menos --clients, o deja fuera ese servidor"
        else:
            why = f"{error}. ¿Está en marcha el servidor?"
        raise SystemExit(f"\n{label}: falló el handshake del bot {len(bots) + 1}: {why}") from None
    progress.done(f"en {number(time.perf_counter() - started, 1)} s")
    return bots
