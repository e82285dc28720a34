"""Stack 2 bajo ataque, en loopback: cada defensa, probada por quien intenta saltársela."""

from __future__ import annotations

import asyncio
import json
import random

import pytest
from tornado.httpclient import HTTPClientError

from common.defences.limits import TOO_BIG_REASON, FloodLimits
from common.fanout.hub import Hub
from stack2_http import protocol
from stack2_http.server import make_app
from tests.helpers import assert_no_tracebacks, receive_event, wait_closed
from tests.rawws import OPCODE_BINARY, OPCODE_TEXT, RawClient, SleepingClient

FAST_PINGS = {"websocket_ping_interval": 0.2, "websocket_ping_timeout": 0.2}


@pytest.fixture
def app(hub: Hub, app_kwargs):
    return make_app(hub, **app_kwargs)


@pytest.fixture
def ws_url(ws_base: str) -> str:
    return f"{ws_base}/ws"


def chat(text: str) -> str:
    return json.dumps({"type": "message", "text": text})


async def joined(connect, ws_url):
    conn = await connect(ws_url)
    await receive_event(conn, "welcome")
    return conn


async def next_of(conn, type_: str) -> dict:
    """El siguiente evento de un tipo, saltando los demás (join, leave...)."""
    while True:
        event = await receive_event(conn)
        if event["type"] == type_:
            return event


# --- Tamaño -----------------------------------------------------------------------------


@pytest.mark.gen_test
@pytest.mark.settings(websocket_max_message_size=1024)
async def test_an_oversized_frame_closes_with_1009_and_a_spanish_reason(connect, ws_url):
    other, big = await joined(connect, ws_url), await joined(connect, ws_url)
    await big.write_message(chat("x" * 2000))
    assert await wait_closed(big) == (1009, TOO_BIG_REASON)
    await other.write_message(chat("seguimos"))
    assert (await next_of(other, "message"))["text"] == "seguimos"


@pytest.mark.gen_test
async def test_overlong_text_gets_an_error_and_reaches_nobody(connect, ws_url) -> None:
    other, sender = await joined(connect, ws_url), await joined(connect, ws_url)
    await sender.write_message(chat("x" * (protocol.MAX_TEXT_LENGTH + 1)))
    assert (await receive_event(sender, "error"))["code"] == "too_long"
    await sender.write_message(chat("corto"))
    assert (await next_of(other, "message"))["text"] == "corto"


@pytest.mark.gen_test
async def test_control_characters_never_reach_the_others(connect, ws_url) -> None:
    other, sender = await joined(connect, ws_url), await joined(connect, ws_url)
    await sender.write_message(chat("\x1b[2J\x07hola\x00"))
    assert (await next_of(other, "message"))["text"] == "[2Jhola"


# --- Frecuencia -------------------------------------------------------------------------


@pytest.mark.gen_test
@pytest.mark.settings(flood=FloodLimits(rate=0.001, burst=3, strikes=2))
async def test_a_flood_gets_spanish_errors_and_then_closes_with_1008(connect, ws_url) -> None:
    flooder = await joined(connect, ws_url)
    for i in range(6):
        flooder.write_message(chat(f"spam {i}"))
    events = [await receive_event(flooder) for _ in range(5)]
    assert [e["type"] for e in events] == ["message"] * 3 + ["error"] * 2
    assert events[-1]["code"] == "too_fast"
    assert "rápido" in events[-1]["text"]
    assert (await wait_closed(flooder))[0] == 1008


@pytest.mark.gen_test
@pytest.mark.settings(flood=FloodLimits(rate=0.001, burst=3, strikes=2))
async def test_others_keep_chatting_while_someone_floods(connect, ws_url) -> None:
    calm, flooder = await joined(connect, ws_url), await joined(connect, ws_url)
    for i in range(6):
        flooder.write_message(chat(f"spam {i}"))
    await wait_closed(flooder)
    await calm.write_message(chat("¿se fue?"))
    texts = []
    while not texts or texts[-1] != "¿se fue?":
        texts.append((await next_of(calm, "message"))["text"])
    assert texts == ["spam 0", "spam 1", "spam 2", "¿se fue?"]


# --- Clientes muertos -------------------------------------------------------------------


@pytest.mark.gen_test
@pytest.mark.settings(**FAST_PINGS)
async def test_a_client_that_stops_answering_pings_is_dropped_and_others_told(
    connect, ws_url, http_port, hub
) -> None:
    observer = await joined(connect, ws_url)
    # Un cliente a mano completa el handshake y luego nunca contesta a los pings,
    # como un portátil que se ha dormido con la pestaña abierta.
    sleeper = await RawClient.connect(http_port, "/ws")
    joined_event = await next_of(observer, "join")
    leave = await next_of(observer, "leave")
    assert leave["who"] == joined_event["who"]
    assert len(hub) == 1
    await sleeper.close()


@pytest.mark.gen_test
@pytest.mark.settings(**FAST_PINGS)
async def test_a_client_that_answers_pings_stays_connected(connect, ws_url, hub) -> None:
    # El cliente de Tornado contesta a los pings solo, como un navegador.
    client = await joined(connect, ws_url)
    await asyncio.sleep(1.0)  # Varios intervalos de ping: aquí el tiempo ES la prueba.
    await client.write_message(chat("sigo vivo"))
    assert (await receive_event(client, "message"))["text"] == "sigo vivo"
    assert len(hub) == 1


# --- Origen -----------------------------------------------------------------------------


@pytest.mark.gen_test
@pytest.mark.settings(allowed_origins=["http://aula.example:8000"])
async def test_allowed_origins_lets_one_extra_site_in(connect, ws_url) -> None:
    client = await connect(ws_url, headers={"Origin": "http://aula.example:8000"})
    await receive_event(client, "welcome")
    with pytest.raises(HTTPClientError) as error:
        await connect(ws_url, headers={"Origin": "http://otro.example:8000"})
    assert error.value.code == 403


# --- Fallos y ataques -------------------------------------------------------------------


@pytest.mark.gen_test(timeout=20)
@pytest.mark.settings(websocket_max_message_size=4096, flood=FloodLimits(rate=50, burst=50))
async def test_a_stream_of_random_frames_leaves_the_server_healthy(
    connect, ws_url, http_port, hub, server_log
) -> None:
    observer = await joined(connect, ws_url)
    rng = random.Random(20261126)  # Semilla fija: si falla, falla siempre igual.
    payloads = [
        lambda: rng.randbytes(rng.randint(0, 64)),
        lambda: b"{roto" + rng.randbytes(8),
        lambda: json.dumps({"type": rng.choice(["message", "x", 1, None])}).encode(),
        lambda: chat("".join(chr(rng.randint(0, 0x2FFF)) for _ in range(20))).encode(),
        lambda: b"x" * rng.choice([100, 5000, 70000]),
    ]
    attackers = 0
    for _ in range(25):  # 25 conexiones × hasta 12 frames: acotado en número y tiempo.
        raw = await RawClient.connect(http_port, "/ws")
        attackers += 1
        for _ in range(12):
            opcode = rng.choice([OPCODE_TEXT, OPCODE_TEXT, OPCODE_BINARY, 0x0, 0x3, 0x9, 0xB])
            raw.send(
                opcode, rng.choice(payloads)(), fin=rng.random() > 0.2, mask=rng.random() > 0.1
            )
        if rng.random() < 0.5:
            raw.abort()
        else:
            await raw.close()

    # Cada atacante que entró y salió genera un «join» y un «leave» en el observador.
    joins = leaves = 0
    while leaves < attackers:
        event = await receive_event(observer)
        joins += event["type"] == "join"
        leaves += event["type"] == "leave"
    assert joins == attackers
    assert len(hub) == 1, "El hub debería tener solo al observador"

    newcomer = await joined(connect, ws_url)
    await newcomer.write_message(chat("¿hola?"))
    assert (await next_of(observer, "message"))["text"] == "¿hola?"
    assert_no_tracebacks(server_log)


@pytest.mark.gen_test(timeout=20)
@pytest.mark.settings(flood=FloodLimits(rate=1000, burst=1000))
async def test_sockets_killed_in_the_middle_of_a_burst_do_not_disturb_the_others(
    connect, ws_url, http_port, hub, server_log
) -> None:
    readers = [await joined(connect, ws_url) for _ in range(3)]
    victims = [await RawClient.connect(http_port, "/ws") for _ in range(10)]
    for i in range(40):
        readers[0].write_message(chat(f"ráfaga {i}"))
        if i % 4 == 0:
            victims[i // 4].abort()  # Un corte en seco en mitad de la ráfaga.
    for reader in readers:
        # Leemos hasta tener los 40 mensajes y los 10 «leave», en el orden que lleguen.
        texts, leaves = [], 0
        while len(texts) < 40 or leaves < 10:
            event = await receive_event(reader)
            if event["type"] == "message":
                texts.append(event["text"])
            leaves += event["type"] == "leave"
        assert texts == [f"ráfaga {i}" for i in range(40)]
    assert len(hub) == 3
    assert_no_tracebacks(server_log)


@pytest.mark.gen_test(timeout=60)  # 3000 mensajes de 2000 caracteres: holgura si hay carga.
@pytest.mark.settings(flood=FloodLimits(rate=10_000, burst=10_000))
async def test_a_client_that_never_reads_is_closed_and_the_others_are_told(
    connect, ws_url, http_port, hub, server_log
) -> None:
    hub.max_pending_bytes = 64 * 1024
    observer = await joined(connect, ws_url)
    sleeper = await SleepingClient.connect(http_port, "/ws")
    who = (await next_of(observer, "join"))["who"]
    text = "x" * protocol.MAX_TEXT_LENGTH
    for _ in range(3000):  # Unos 6 MB: más de lo que caben en los buffers del sistema.
        observer.write_message(chat(text))
        await next_of(observer, "message")  # El que sí lee recibe cada mensaje al momento.
    # Tornado da 5 s al cliente para responder al cierre; después avisa a los demás.
    while True:
        event = json.loads(await asyncio.wait_for(observer.read_message(), 8))
        if event["type"] == "leave":
            break
    assert event["who"] == who
    assert event["count"] == 1
    assert len(hub.names) == 1
    awake = await sleeper.wake()
    await awake.close()
    assert_no_tracebacks(server_log)


@pytest.mark.gen_test
async def test_when_the_chat_is_full_newcomers_get_1013_and_nobody_hears_of_them(
    connect, ws_url, hub
) -> None:
    hub.max_connections = 2
    first, second = await joined(connect, ws_url), await joined(connect, ws_url)
    await receive_event(first, "join")
    third = await connect(ws_url)
    code, reason = await wait_closed(third)
    assert code == 1013
    assert "lleno" in reason
    await second.write_message(chat("¿cabe alguien más?"))
    # Lo siguiente que ve «first» es el mensaje: ni «join» ni «leave» del rechazado.
    assert (await receive_event(first, "message"))["text"] == "¿cabe alguien más?"
