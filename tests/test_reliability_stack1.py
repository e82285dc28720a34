"""Stack 1 bajo carga y con fallos: el hub compartido aguanta sin perder ni duplicar nada."""

from __future__ import annotations

import asyncio
import gc
import sys

import pytest
from tornado.websocket import websocket_connect

from common.fanout.hub import Hub
from stack1_pure.server import make_app
from tests.helpers import assert_no_tracebacks, receive, wait_closed
from tests.rawws import SleepingClient


@pytest.fixture
def app(hub: Hub, app_kwargs):
    return make_app(hub, **app_kwargs)


def rss_kib() -> int:
    """Memoria residente actual de este proceso, en KiB (Linux)."""
    import resource  # Solo existe en Unix: por eso se importa aquí.

    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


@pytest.mark.gen_test
@pytest.mark.settings(websocket_max_message_size=1024)
async def test_an_oversized_frame_closes_with_1009(connect, ws_base) -> None:
    other, big = await connect(ws_base), await connect(ws_base)
    await big.write_message("x" * 2000)
    assert (await wait_closed(big))[0] == 1009
    await other.write_message("Eva: sigo")
    assert await receive(other) == "Eva: sigo"


@pytest.mark.gen_test(timeout=60)
async def test_five_hundred_clients_each_get_every_message_once_in_order(
    connect, ws_base, hub, server_log
) -> None:
    clients = [await connect(ws_base) for _ in range(500)]
    assert len(hub) == 500
    senders = clients[:5]
    for i in range(20):  # Una ráfaga: cinco remitentes, sin esperar respuesta.
        senders[i % 5].write_message(f"Bot{i % 5}: {i}")
    first = None
    for client in clients:
        received = [await receive(client) for _ in range(20)]
        first = first or received
        assert received == first, "Dos clientes vieron un orden distinto"
    assert sorted(first) == sorted(f"Bot{i % 5}: {i}" for i in range(20))
    for n in range(5):  # Y lo de cada remitente, en el orden en que lo envió.
        assert [m for m in first if m.startswith(f"Bot{n}:")] == [
            f"Bot{n}: {i}" for i in range(n, 20, 5)
        ]
    assert_no_tracebacks(server_log)


@pytest.mark.skipif(sys.platform != "linux", reason="mide la memoria con /proc (solo Linux)")
@pytest.mark.gen_test(timeout=60)
async def test_a_thousand_connect_disconnect_cycles_leave_no_trace(ws_base, hub) -> None:
    async def cycle(times: int) -> None:
        for _ in range(times):
            conn = await websocket_connect(ws_base)
            conn.close()
            await wait_closed(conn)

    await cycle(200)  # Calentamiento: cachés, buffers y el asignador de memoria se asientan.
    gc.collect()
    baseline = rss_kib()
    await cycle(1000)
    gc.collect()
    assert len(hub) == 0, f"Quedaron {len(hub)} conexiones en el hub"
    growth = rss_kib() - baseline
    assert growth < 2048, f"La memoria creció {growth} KiB en 1000 ciclos: ¿una fuga?"


@pytest.mark.gen_test(timeout=60)
async def test_a_client_that_never_reads_is_closed_while_fifty_others_get_everything(
    connect, ws_base, http_port, hub, server_log
) -> None:
    hub.max_pending_bytes = 64 * 1024
    # Un cliente hecho a mano que completa el handshake y nunca lee nada más.
    sleeper = await SleepingClient.connect(http_port)
    readers = [await connect(ws_base) for _ in range(50)]
    inboxes: list[list[str]] = [[] for _ in readers]
    arrived = asyncio.Event()

    async def keep_reading(conn, inbox: list[str]) -> None:
        while (message := await conn.read_message()) is not None:
            inbox.append(message)
            arrived.set()

    tasks = [asyncio.ensure_future(keep_reading(c, i)) for c, i in zip(readers, inboxes)]
    payload = "x" * 15_000
    sent = 400  # 6 MB hacia el dormido: más de lo que caben en los buffers del sistema.
    for n in range(sent):
        await readers[0].write_message(f"{n:04} {payload}")
        # Cada mensaje llega a los 50 antes de enviar el siguiente: nadie espera al dormido.
        while min(len(inbox) for inbox in inboxes) <= n:
            arrived.clear()
            await asyncio.wait_for(arrived.wait(), 5)
    for inbox in inboxes:
        assert [m[:4] for m in inbox] == [f"{n:04}" for n in range(sent)]

    awake = await sleeper.wake()
    code, reason = await awake.read_close(timeout=10)
    assert code == 1008, f"El cliente dormido debía cerrarse con 1008, no con {code}"
    assert "no lee" in reason
    await awake.close()
    for reader in readers:
        reader.close()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert_no_tracebacks(server_log)


@pytest.mark.gen_test
async def test_when_the_chat_is_full_newcomers_get_1013(connect, ws_base, hub) -> None:
    hub.max_connections = 1
    inside = await connect(ws_base)
    outside = await connect(ws_base)
    assert (await wait_closed(outside))[0] == 1013
    await inside.write_message("Ana: sigo dentro")
    assert await receive(inside) == "Ana: sigo dentro"
