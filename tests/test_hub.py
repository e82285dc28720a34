"""El hub con conexiones falsas: el broadcast es aburrido y a prueba de fallos."""

from __future__ import annotations

import asyncio
import logging

import pytest
from tornado.websocket import WebSocketClosedError

from common.fanout.hub import Hub


class FakeConnection:
    """Una conexión que guarda lo que recibe, como haría un navegador."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.closed: tuple[int | None, str | None] | None = None

    def write_message(self, message: str) -> None:
        if self.closed:
            raise WebSocketClosedError()
        self.received.append(message)

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        self.closed = (code, reason)


class BrokenConnection(FakeConnection):
    """Una conexión que se cortó sin avisar: escribirle falla."""

    def write_message(self, message: str) -> None:
        raise WebSocketClosedError()


def test_broadcast_reaches_every_connection_once_in_order() -> None:
    hub = Hub()
    conns = [FakeConnection() for _ in range(3)]
    for conn in conns:
        hub.add(conn)
    hub.broadcast("uno")
    hub.broadcast("dos")
    assert [conn.received for conn in conns] == [["uno", "dos"]] * 3


def test_broadcast_can_skip_one_connection() -> None:
    hub = Hub()
    sender, other = FakeConnection(), FakeConnection()
    hub.add(sender)
    hub.add(other)
    hub.broadcast("hola", exclude=sender)
    assert (sender.received, other.received) == ([], ["hola"])


def test_a_failing_connection_in_the_middle_does_not_stop_the_others() -> None:
    hub = Hub()
    first, broken, last = FakeConnection(), BrokenConnection(), FakeConnection()
    for conn in (first, broken, last):
        hub.add(conn)
    hub.broadcast("hola")  # No debe lanzar nada.
    assert first.received == ["hola"]
    assert last.received == ["hola"]


def test_a_connection_that_leaves_during_a_broadcast_does_not_break_it() -> None:
    hub = Hub()

    class LeavesWhenWritten(FakeConnection):
        def write_message(self, message: str) -> None:
            hub.remove(self)  # Como si on_close corriera justo ahora.
            super().write_message(message)

    conns = [FakeConnection(), LeavesWhenWritten(), FakeConnection()]
    for conn in conns:
        hub.add(conn)
    hub.broadcast("hola")
    assert [len(conn.received) for conn in conns] == [1, 1, 1]
    assert len(hub) == 2


def test_remove_is_idempotent_and_says_whether_it_was_there() -> None:
    hub = Hub()
    conn = FakeConnection()
    hub.add(conn)
    assert hub.remove(conn) is True
    assert hub.remove(conn) is False
    assert conn not in hub
    hub.broadcast("nadie")  # Sin conexiones no pasa nada.
    assert conn.received == []


def test_names_lists_who_is_online_in_arrival_order() -> None:
    hub = Hub()
    ana, luis, anon = FakeConnection(), FakeConnection(), FakeConnection()
    hub.add(ana, name="10.0.0.1:5000")
    hub.add(anon)
    hub.add(luis, name="10.0.0.2:6000")
    assert hub.names == ["10.0.0.1:5000", "10.0.0.2:6000"]
    hub.remove(ana)
    assert hub.names == ["10.0.0.2:6000"]


def test_close_all_closes_every_connection_with_the_given_code() -> None:
    hub = Hub()
    conns = [FakeConnection() for _ in range(2)]
    for conn in conns:
        hub.add(conn)
    hub.close_all(1001, "Adiós")
    assert [conn.closed for conn in conns] == [(1001, "Adiós")] * 2


class SlowConnection(FakeConnection):
    """Acepta mensajes pero nunca termina de enviarlos: un cliente que no lee."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[asyncio.Future[None]] = []

    def write_message(self, message: str) -> asyncio.Future[None]:  # type: ignore[override]
        super().write_message(message)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending.append(future)
        return future


@pytest.mark.gen_test
async def test_a_client_that_does_not_read_is_closed_and_others_keep_receiving() -> None:
    hub = Hub(max_pending_bytes=100)
    slow, normal = SlowConnection(), FakeConnection()
    hub.add(slow)
    hub.add(normal)
    for i in range(20):
        hub.broadcast(f"mensaje {i:02}")  # 10 caracteres cada uno
    assert slow.closed is not None and slow.closed[0] == 1008
    assert len(slow.received) == 10
    assert len(normal.received) == 20


@pytest.mark.gen_test
async def test_pending_bytes_are_released_when_the_socket_accepts_them() -> None:
    hub = Hub(max_pending_bytes=100)
    conn = SlowConnection()
    hub.add(conn)
    for round_ in range(5):
        for _ in range(10):
            hub.send(conn, "x" * 10)
        for future in conn.pending:
            future.set_result(None)
        conn.pending.clear()
        await asyncio.sleep(0)  # Deja correr los callbacks de los futures.
        assert conn.closed is None, f"Cerrada por error en la ronda {round_}"
    assert len(conn.received) == 50


@pytest.mark.gen_test
async def test_a_write_that_fails_later_closes_only_that_connection() -> None:
    hub = Hub()
    conn, other = SlowConnection(), FakeConnection()
    hub.add(conn)
    hub.add(other)
    hub.broadcast("hola")
    conn.pending[0].set_exception(WebSocketClosedError())
    await asyncio.sleep(0)
    assert conn.closed is not None
    assert other.closed is None


@pytest.mark.parametrize("fast", [True, False])
def test_connections_without_a_tornado_stream_use_the_plain_path(fast: bool) -> None:
    hub = Hub(fast=fast)
    first, broken, last = FakeConnection(), BrokenConnection(), FakeConnection()
    for conn in (first, broken, last):
        hub.add(conn)
    hub.broadcast("uno")
    hub.send(last, "dos")
    # Sin stream de Tornado no hay nada que agrupar: llega en el acto, como siempre.
    assert (first.received, last.received) == (["uno"], ["uno", "dos"])


def test_a_full_hub_closes_newcomers_with_1013_and_keeps_the_rest() -> None:
    hub = Hub(max_connections=2)
    first, second, third = FakeConnection(), FakeConnection(), FakeConnection()
    assert hub.add(first) and hub.add(second)
    assert hub.add(third) is False
    assert third.closed is not None and third.closed[0] == 1013
    assert third not in hub and len(hub) == 2
    hub.broadcast("hola")
    assert (first.received, second.received, third.received) == (["hola"], ["hola"], [])


def test_with_a_class_every_connection_is_a_line_and_with_thousands_one_every_hundred(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = Hub()
    with caplog.at_level(logging.INFO, logger="chat.hub"):
        conns = [FakeConnection() for _ in range(350)]
        for conn in conns:
            hub.add(conn, name=f"10.0.0.{len(hub) % 250}:5000")
        for conn in conns[:150]:
            hub.remove(conn)
    lines = [record.getMessage() for record in caplog.records if record.levelno == logging.INFO]
    opened = [line for line in lines if line.startswith("Conexión abierta")]
    assert len(opened) == 100, "Hasta 100, cada conexión que entra es una línea"
    assert opened[-1].endswith("(100 en total)")
    assert [line for line in lines if "abiertas" in line] == [
        "200 conexiones abiertas",
        "300 conexiones abiertas",
        "300 conexiones abiertas",  # De bajada, al pasar otra vez por 300 y por 200.
        "200 conexiones abiertas",
    ]
