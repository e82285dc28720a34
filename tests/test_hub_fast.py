"""El camino rápido del hub con un servidor Tornado y clientes reales sobre 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any

import pytest
import tornado.web
from tornado.websocket import (
    WebSocketClientConnection,
    WebSocketHandler,
    websocket_connect,
)

from common.fanout import fast
from common.fanout.fast import text_frame, tornado_stream
from common.fanout.hub import Hub
from tests.helpers import RECEIVE_TIMEOUT, assert_no_tracebacks, receive, wait_closed


class HubSocket(WebSocketHandler):
    """Un handler mínimo que solo entra en el hub y sale de él."""

    def initialize(self, hub: Hub, opened: list, left: asyncio.Queue, compress: bool) -> None:
        self.hub, self.opened, self.left, self.compress = hub, opened, left, compress

    def get_compression_options(self) -> dict[str, Any] | None:
        return {} if self.compress else None  # {} = permitir permessage-deflate

    def open(self, room: str = "") -> None:
        self.hub.add(self, room=room)  # /fast/<sala>: en esa sala; si no, en la de siempre.
        self.opened.append(self)

    def on_close(self) -> None:
        self.hub.remove(self)
        self.left.put_nowait(self)


@pytest.fixture
def hubs() -> dict[str, Hub]:
    return {"fast": Hub(), "plain": Hub(fast=False)}


@pytest.fixture
def opened() -> list[HubSocket]:
    """Los handlers del servidor, por orden de llegada."""
    return []


@pytest.fixture
def left() -> asyncio.Queue:
    """Los handlers cuyo on_close ya se ejecutó."""
    return asyncio.Queue()


@pytest.fixture
def app(hubs, opened, left):
    def route(path: str, hub: Hub, compress: bool = False):
        args = {"hub": hub, "opened": opened, "left": left, "compress": compress}
        return (path, HubSocket, args)

    return tornado.web.Application(
        [
            route("/fast", hubs["fast"]),
            route(r"/fast/(\w+)", hubs["fast"]),
            route("/plain", hubs["plain"]),
            route(r"/plain/(\w+)", hubs["plain"]),
            route("/compressed", hubs["fast"], compress=True),
        ]
    )


async def receive_all(conn: WebSocketClientConnection, count: int) -> list[str]:
    return [await receive(conn) for _ in range(count)]


def handlers_on_fast_path(hub: Hub) -> list[Any]:
    return [conn for writer in hub._fast.values() for conn in writer._streams]


@pytest.mark.gen_test
async def test_fast_and_plain_paths_deliver_the_same_frames_in_the_same_order(
    connect, ws_base, opened, hubs
) -> None:
    received = {}
    for kind, hub in hubs.items():
        clients = [await connect(f"{ws_base}/{kind}") for _ in range(3)]
        first, middle, last = opened[-3:]
        # Todo en la misma vuelta del loop: el camino rápido lo junta en una escritura.
        hub.broadcast("uno")
        hub.send(middle, "solo para el del medio")
        hub.broadcast("dos", exclude=first)
        hub.remove(last)  # Sale y vuelve a entrar: no debe recibir lo de antes.
        hub.broadcast("tres (sin el último)")
        hub.add(last)
        hub.broadcast("ñandú 🦤 " + "x" * 200)  # Más de 125 bytes: cabecera más larga.
        hub.broadcast("grande " + "é" * 40_000)  # Más de 65 535 bytes.
        counts = [4, 6, 4]
        received[kind] = [await receive_all(c, n) for c, n in zip(clients, counts)]
    assert received["fast"] == received["plain"]
    assert received["fast"][2][2] == "ñandú 🦤 " + "x" * 200
    assert len(handlers_on_fast_path(hubs["fast"])) == 3


@pytest.mark.gen_test
async def test_a_burst_in_one_loop_iteration_makes_two_writes_per_client(
    connect, ws_base, hubs, monkeypatch
) -> None:
    clients = [await connect(f"{ws_base}/fast") for _ in range(3)]
    writes: list[bytes] = []
    original = fast.FastWriter._write

    def counting_write(self, conn, stream, data):
        writes.append(data)
        original(self, conn, stream, data)

    monkeypatch.setattr(fast.FastWriter, "_write", counting_write)
    sent = [f"mensaje {i}" for i in range(100)]
    for text in sent:
        hubs["fast"].broadcast(text)
    for client in clients:
        assert await receive_all(client, 100) == sent
    # El primero sale en el acto (directo al socket); los 99 siguientes, juntos al
    # final de la vuelta: una sola escritura por cliente.
    rest = b"".join(text_frame(text) for text in sent[1:])
    assert writes == [rest] * 3, f"Se esperaba 1 escritura agrupada por cliente: {len(writes)}"


@pytest.mark.gen_test
@pytest.mark.parametrize("kind", ["fast", "plain"])
async def test_a_broadcast_to_a_room_reaches_only_that_room(connect, ws_base, hubs, kind):
    hub = hubs[kind]
    clase = [await connect(f"{ws_base}/{kind}/clase") for _ in range(2)]
    recreo = await connect(f"{ws_base}/{kind}/recreo")
    hub.broadcast("para la clase", room="clase")
    hub.broadcast("para el recreo", room="recreo")
    hub.broadcast("para todos")  # Sin sala: a todas las conexiones.
    for client in clase:
        assert await receive_all(client, 2) == ["para la clase", "para todos"]
    assert await receive_all(recreo, 2) == ["para el recreo", "para todos"]


@pytest.mark.gen_test
async def test_a_burst_in_two_rooms_still_makes_one_grouped_write_per_client(
    connect, ws_base, hubs, monkeypatch
) -> None:
    clase = [await connect(f"{ws_base}/fast/clase") for _ in range(2)]
    recreo = await connect(f"{ws_base}/fast/recreo")
    writes: list[bytes] = []
    original = fast.FastWriter._write

    def counting_write(self, conn, stream, data):
        writes.append(data)
        original(self, conn, stream, data)

    monkeypatch.setattr(fast.FastWriter, "_write", counting_write)
    for i in range(10):
        hubs["fast"].broadcast(f"clase {i}", room="clase")
        hubs["fast"].broadcast(f"recreo {i}", room="recreo")
    for client in clase:
        assert await receive_all(client, 10) == [f"clase {i}" for i in range(10)]
    assert await receive_all(recreo, 10) == [f"recreo {i}" for i in range(10)]
    # Cada sala saca su primer mensaje en el acto y junta los otros nueve al final
    # de la vuelta: una escritura agrupada por cliente, sin mezclar salas.
    clase_rest = b"".join(text_frame(f"clase {i}") for i in range(1, 10))
    recreo_rest = b"".join(text_frame(f"recreo {i}") for i in range(1, 10))
    assert sorted(writes) == sorted([clase_rest, clase_rest, recreo_rest])


@pytest.mark.gen_test
async def test_find_and_room_of_locate_a_connection_by_its_name(connect, ws_base, hubs, opened):
    hub = hubs["fast"]
    await connect(f"{ws_base}/fast/clase")
    handler = opened[-1]
    hub.remove(handler)
    hub.add(handler, name="10.0.0.7:5000", room="clase")
    assert hub.find("10.0.0.7:5000") is handler and hub.room_of(handler) == "clase"
    hub.remove(handler)
    assert hub.find("10.0.0.7:5000") is None and hub.room_of(handler) is None
    assert hub._fast == {}  # La sala vacía ya no ocupa nada.


@pytest.mark.gen_test
async def test_a_client_closed_in_the_middle_of_a_batch_is_skipped(
    connect, ws_base, opened, hubs, left
) -> None:
    hub = hubs["fast"]
    first, middle, last = [await connect(f"{ws_base}/fast") for _ in range(3)]
    hub.broadcast("antes")
    opened[1].close(1000, "Adiós")  # El servidor cierra al del medio a mitad de la vuelta.
    hub.broadcast("después")
    for client in (first, last):
        assert await receive_all(client, 2) == ["antes", "después"]
    assert await wait_closed(middle) == (1000, "Adiós")
    assert await asyncio.wait_for(left.get(), RECEIVE_TIMEOUT) is opened[1]
    assert len(hub) == 2


@pytest.mark.gen_test
async def test_a_client_that_vanished_does_not_stop_the_others(
    connect, ws_base, opened, hubs, left
) -> None:
    hub = hubs["fast"]
    first, gone, last = [await connect(f"{ws_base}/fast") for _ in range(3)]
    # El cliente desaparece de golpe (RST), sin el cierre ordenado de WebSocket.
    sock = gone.protocol.stream.socket
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    gone.protocol.stream.close()
    for i in range(20):
        hub.broadcast(f"m{i}")
        await asyncio.sleep(0)  # Una vuelta del loop por mensaje: varias escrituras.
    for client in (first, last):
        assert await receive_all(client, 20) == [f"m{i}" for i in range(20)]
    assert await asyncio.wait_for(left.get(), RECEIVE_TIMEOUT) is opened[1]
    assert len(hub) == 2


@pytest.mark.gen_test
async def test_a_socket_closed_before_tornado_notices_is_skipped(
    connect, ws_base, opened, hubs, left, server_log
) -> None:
    hub = hubs["fast"]
    first, _, last = [await connect(f"{ws_base}/fast") for _ in range(3)]
    opened[1].ws_connection.stream.close()  # Tornado avisará en la siguiente vuelta.
    hub.broadcast("hola")  # El primero de la vuelta: el que escribe directo en cada socket.
    for client in (first, last):
        assert await receive(client) == "hola"
    assert await asyncio.wait_for(left.get(), RECEIVE_TIMEOUT) is opened[1]
    assert len(hub) == 2
    assert_no_tracebacks(server_log)


@pytest.mark.gen_test
async def test_a_compressed_connection_still_gets_correct_messages(
    connect, ws_base, opened, hubs, http_port
) -> None:
    hub = hubs["fast"]
    plain = await connect(f"{ws_base}/fast")
    compressed = await websocket_connect(
        f"ws://127.0.0.1:{http_port}/compressed", compression_options={}
    )
    try:
        assert tornado_stream(opened[1]) is None, "Con compresión debe usar el camino simple"
        texts = ["hola", "¿qué tal? " * 50, "adiós"]
        for text in texts:
            hub.broadcast(text)
        assert await receive_all(compressed, 3) == texts
        assert await receive_all(plain, 3) == texts
    finally:
        compressed.close()
        await wait_closed(compressed)


@pytest.mark.gen_test
async def test_a_client_that_does_not_read_is_closed_and_the_others_get_everything(
    connect, ws_base, opened, hubs
) -> None:
    hub = hubs["fast"]
    hub.max_pending_bytes = 64 * 1024
    reader = await connect(f"{ws_base}/fast")
    sleeper = await connect(f"{ws_base}/fast")
    # Buffers pequeños en los dos extremos, para que el kernel no absorba todo.
    opened[1].ws_connection.stream.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    sleeper.protocol.stream.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sent = [f"{i:03} " + "z" * 10_000 for i in range(60)]
    for text in sent:
        hub.broadcast(text)
        assert await receive(reader) == text  # El que lee va al día.
    code, reason = await wait_closed(sleeper)
    assert code == 1008, f"Se esperaba el cierre 1008 por no leer y llegó {code} {reason!r}"
    assert reason and "no lee" in reason


@pytest.mark.gen_test
async def test_closing_through_the_hub_sends_what_was_queued_first(
    connect, ws_base, opened, hubs
) -> None:
    hub = hubs["fast"]
    client = await connect(f"{ws_base}/fast")
    handler = opened[0]
    hub.broadcast("primero")  # Sale en el acto.
    hub.broadcast("en cola")  # Espera al final de la vuelta...
    hub.send(handler, "último")
    hub.close(handler, 1000, "Hasta luego")  # ...y el cierre no puede adelantarlo.
    assert await receive_all(client, 3) == ["primero", "en cola", "último"]
    assert await wait_closed(client) == (1000, "Hasta luego")
