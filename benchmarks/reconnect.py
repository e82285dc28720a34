"""La tormenta de reconexiones: cae la wifi de toda la clase y vuelve a la vez.

    python benchmarks/reconnect.py --clients=1000 --messages=100

Conecta ``--clients`` clientes al Stack 2, los corta a todos de golpe (sin cierre,
como cuando cae la wifi), envía ``--messages`` mensajes mientras están fuera y los
reconecta a todos a la vez con ``?since=…&epoch=…``. Cada uno debe recibir en su
``welcome`` exactamente los mensajes que se perdió, en orden y una sola vez.
Imprime cuánto tarda en tenerlos el último. Todo en 127.0.0.1; cómo leer las cifras:
benchmarks/README.md.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from servers import Server, pin, start_server

from common.startup.options import SpanishArgumentParser

HANDSHAKE_TIMEOUT = 60.0  # Segundos que esperamos a cada conexión, en el peor caso.
PHASE_TIMEOUT = 120.0  # Segundos como máximo para cada fase entera.


class Client(asyncio.Protocol):
    """Un cliente WebSocket mínimo que lee eventos JSON y recuerda lo último que vio."""

    def __init__(self, host: str, path: str) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {key}\r\nOrigin: http://{host}\r\n\r\n"
        ).encode()
        loop = asyncio.get_running_loop()
        self.welcome: asyncio.Future[dict] = loop.create_future()
        self.buffer = b""
        self.upgraded = False
        self.transport: asyncio.Transport | None = None
        self.events: list[dict] = []  # Todo lo que llega después del welcome.
        self.arrived = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in self.buffer.split(b"\r\n", 1)[0]:
                self._fail(ConnectionError(self.buffer.split(b"\r\n", 1)[0].decode()))
                return
            self.upgraded, self.buffer = True, self.buffer[end + 4 :]
        # Los frames del servidor no llevan máscara ni se trocean: cabecera y texto.
        while len(self.buffer) >= 2:
            size, start = self.buffer[1] & 0x7F, 2
            if size >= 126:
                start = 4 if size == 126 else 10
                if len(self.buffer) < start:
                    return
                size = int.from_bytes(self.buffer[2:start], "big")
            if len(self.buffer) < start + size:
                return
            opcode, payload = self.buffer[0] & 0x0F, self.buffer[start : start + size]
            self.buffer = self.buffer[start + size :]
            if opcode == 0x1:
                event = json.loads(payload)
                if not self.welcome.done() and event["type"] == "welcome":
                    self.welcome.set_result(event)
                else:
                    self.events.append(event)
                    self.arrived.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(ConnectionError("conexión cerrada"))

    def _fail(self, error: Exception) -> None:
        if not self.welcome.done():
            self.welcome.set_exception(error)

    def send(self, event: dict) -> None:
        """Un frame de texto con máscara (los clientes deben enmascarar, RFC 6455)."""
        payload, mask = json.dumps(event).encode(), os.urandom(4)
        size = len(payload)
        header = (
            bytes((0x81, 0x80 | size))
            if size < 126
            else bytes((0x81, 0xFE)) + size.to_bytes(2, "big")
        )
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert self.transport is not None
        self.transport.write(header + mask + masked)

    async def next_event(self, *types: str) -> dict:
        """El siguiente evento de uno de esos tipos (los demás se descartan)."""
        while True:
            while self.events:
                event = self.events.pop(0)
                if event["type"] in types:
                    return event
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), PHASE_TIMEOUT)


async def connect(url_host: str, port: int, path: str) -> Client:
    loop = asyncio.get_running_loop()
    client = Client(f"{url_host}:{port}", path)
    await loop.create_connection(lambda: client, url_host, port)
    await asyncio.wait_for(asyncio.shield(client.welcome), HANDSHAKE_TIMEOUT)
    return client


def expected_seqs(since: int, count: int) -> list[int]:
    return list(range(since + 1, since + count + 1))


async def storm(server: Server, clients: int, messages: int) -> dict[str, object]:
    """Conecta, corta, habla y reconecta; devuelve las cifras."""
    port = int(server.url.rsplit(":", 1)[1].split("/")[0])
    sender = await connect("127.0.0.1", port, "/ws")
    print(f"  conectando {clients} clientes…", file=sys.stderr, flush=True)
    students = await asyncio.gather(*(connect("127.0.0.1", port, "/ws") for _ in range(clients)))
    # Unos mensajes antes del corte, que todos ven en directo: lo último que vieron es el 5.
    for i in range(5):
        sender.send({"type": "message", "text": f"antes {i}", "cid": f"antes-{i}"})
        since = (await sender.next_event("ack"))["seq"]
    for student in students:
        while not any(e.get("seq") == since for e in student.events):
            student.arrived.clear()
            await asyncio.wait_for(student.arrived.wait(), PHASE_TIMEOUT)
    epoch = sender.welcome.result()["epoch"]
    # Cae la wifi: los sockets se cortan sin cierre, y el servidor se entera por el kernel.
    for student in students:
        assert student.transport is not None
        student.transport.abort()
    # «leave», «count» y «people» dicen cuántos quedan en la sala. Hasta 100, llega un
    # «leave» por persona; con más, solo la cuenta, y «people» al volver a 100 o menos
    # (stack2_http/roster.py).
    while (await sender.next_event("leave", "count", "people"))["count"] > 1:
        pass
    print(f"  {clients} fuera; envío {messages} mensajes…", file=sys.stderr, flush=True)
    for i in range(messages):
        sender.send({"type": "message", "text": f"perdido {i}", "cid": f"tormenta-{i}"})
        await sender.next_event("ack")
    print(f"  {clients} reconectan a la vez…", file=sys.stderr, flush=True)
    started = time.perf_counter()
    done_at: list[float] = []

    async def back() -> bool:
        client = await connect("127.0.0.1", port, f"/ws?since={since}&epoch={epoch}")
        welcome = client.welcome.result()
        done_at.append(time.perf_counter() - started)
        seqs = [event["seq"] for event in welcome["history"]]
        client.transport.close()  # type: ignore[union-attr]
        return welcome["recovered"] is True and seqs == expected_seqs(since, messages)

    results = await asyncio.wait_for(
        asyncio.gather(*(back() for _ in range(clients))), PHASE_TIMEOUT
    )
    sender.transport.close()  # type: ignore[union-attr]
    done_at.sort()
    return {
        "complete": sum(results),
        "median": done_at[len(done_at) // 2],
        "last": done_at[-1],
    }


def main(argv: list[str] | None = None) -> None:
    parser = SpanishArgumentParser(
        prog="python benchmarks/reconnect.py",
        description="Corta a toda la clase, habla mientras y la reconecta a la vez (127.0.0.1).",
    )
    parser.add_argument("--clients", type=int, default=1000, help="clientes cortados (1000)")
    parser.add_argument("--messages", type=int, default=100, help="mensajes perdidos (100)")
    parser.add_argument(
        "--log",
        choices=("sqlite", "fast"),
        default="sqlite",
        help="historial en SQLite (sqlite) o en memoria (fast); por defecto, sqlite",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 20_000 or not 1 <= args.messages <= 1000:
        parser.error("--clients va de 1 a 20 000 y --messages de 1 a 1000")
    pin(os.getpid(), core=1)  # Los clientes, en el otro núcleo que el servidor.
    with tempfile.TemporaryDirectory(prefix="reconnect-") as logdir:
        server = start_server(args.log, 2, args.clients + 10, Path(logdir))
        try:
            figures = asyncio.run(storm(server, args.clients, args.messages))
        finally:
            server.stop()
    print()
    print(f"Stack 2 · {args.clients} clientes cortados · {args.messages} mensajes perdidos")
    print(f"  Servidor: {server.label}")
    complete = f"{figures['complete']} de {args.clients}"
    print(f"  Recuperaron los {args.messages}, en orden y una vez:  {complete}")
    print(f"  Hasta que la mitad los tiene:                {figures['median'] * 1000:.0f} ms")
    print(f"  Hasta que el último los tiene:               {figures['last'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
