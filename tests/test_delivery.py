"""Stack 2 no pierde mensajes: números, historial, ack, reintentos y retomar tras un corte.

Clientes WebSocket reales sobre 127.0.0.1 contra la aplicación de verdad; el log,
en memoria o en un archivo SQLite de una carpeta temporal. Los reinicios de un
server.py real están en tests/test_delivery_restart.py.
"""

from __future__ import annotations

import asyncio
import gc
import json
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from tornado.websocket import WebSocketClientConnection

from common.defences.limits import FloodLimits
from common.fanout.hub import Hub
from common.history.log import Log, MemoryLog
from common.history.sqlite import SqliteLog
from stack2_http.server import make_app
from tests.helpers import enter, next_of, receive, receive_event, wait_closed
from tests.rawws import OPCODE_CLOSE, OPCODE_TEXT, RawClient, encode_frame


@pytest.fixture(params=["memoria", "sqlite"])
def chat_log(request: pytest.FixtureRequest, tmp_path: Path, io_loop) -> Iterator[Log]:
    """El log de la prueba: las mismas reglas con los dos almacenes."""
    marker = request.node.get_closest_marker("settings")
    history = (marker.kwargs if marker else {}).get("history_size", 1000)
    if request.param == "memoria":
        log: Log = MemoryLog(history)
    else:
        log = SqliteLog(tmp_path / "chat.sqlite3", history)
    io_loop.run_sync(log.start)
    yield log
    io_loop.run_sync(log.close)


@pytest.fixture
def app(hub: Hub, chat_log: Log, app_kwargs):
    flood = app_kwargs.get("flood", FloodLimits(rate=1000, burst=1000))
    return make_app(hub, flood=flood, log=chat_log)


@pytest.fixture
def ws_url(ws_base: str, chat_log: Log) -> str:
    # Pide chat_log aquí (y no solo en app) para que pytest vea sus dos variantes al
    # recoger las pruebas: pytest-tornado pide «app» más tarde, ya en marcha.
    return f"{ws_base}/ws"


async def joined(connect, url: str) -> tuple[WebSocketClientConnection, dict]:
    return await enter(connect, url, "")  # url ya lleva /ws y, a veces, ?since=&epoch=.


def chat(text: str, cid: str | None = None, **extra: object) -> str:
    event: dict[str, object] = {"type": "message", "text": text, **extra}
    if cid is not None:
        event["cid"] = cid
    return json.dumps(event)


async def say(conn: WebSocketClientConnection, texts: list[str]) -> list[dict]:
    """Envía mensajes con cid, espera el ack de cada uno y devuelve los acks."""
    acks = []
    for i, text in enumerate(texts):
        await conn.write_message(chat(text, cid=f"{text}-{i}"))
        while (event := await receive_event(conn))["type"] != "ack":
            pass  # Su propio mensaje de antes, o avisos de entrada: no importan aquí.
        acks.append(event)
    return acks


def texts_of(events: list[dict]) -> list[str]:
    return [event["text"] for event in events]


def decoded(history: list) -> list[dict]:
    """El historial del welcome: una lista de eventos «message»."""
    assert all(event["type"] == "message" for event in history)
    return history


# --- Números y ack ---------------------------------------------------------------------


@pytest.mark.gen_test
async def test_every_message_carries_seq_epoch_room_and_its_cid(connect, ws_url) -> None:
    ana, welcome = await joined(connect, ws_url)
    await ana.write_message(chat("hola", cid="c-1"))
    ack = await receive_event(ana, "ack")
    message = await receive_event(ana, "message")
    assert ack == {"type": "ack", "cid": "c-1", "seq": 1}
    assert message["seq"] == 1
    assert message["epoch"] == welcome["epoch"]
    assert message["room"] == "general"
    assert message["cid"] == "c-1"
    assert message["text"] == "hola"


@pytest.mark.gen_test
async def test_seq_grows_by_one_with_every_message(connect, ws_url) -> None:
    ana, _ = await joined(connect, ws_url)
    luis, _ = await joined(connect, ws_url)
    for i in range(10):
        await (ana if i % 2 else luis).write_message(chat(f"m{i}"))
    seqs = [(await next_of(ana, "message"))["seq"] for _ in range(10)]
    assert seqs == list(range(1, 11))


@pytest.mark.gen_test
async def test_a_message_without_cid_gets_no_ack(connect, ws_url) -> None:
    ana, _ = await joined(connect, ws_url)
    await ana.write_message(chat("sin cid"))
    event = await receive_event(ana, "message")
    assert "cid" not in event


@pytest.mark.gen_test
async def test_the_client_key_is_never_sent_to_anyone(connect, ws_url) -> None:
    # Quien supiera la clave de Ana podría enviar antes que ella sus cids y quedarse
    # con sus reintentos: no sale en ningún frame, ni a los demás ni a ella misma.
    key = "clave-secreta-de-ana"
    ana, welcome = await joined(connect, f"{ws_url}?client={key}")
    luis, _ = await joined(connect, ws_url)
    await ana.write_message(chat("hola", cid="c1"))
    frames = [json.dumps(welcome), await receive(luis)]  # Luis: el mensaje de Ana.
    frames += [await receive(ana) for _ in range(3)]  # Ana: la entrada de Luis, ack, mensaje.
    _, late = await joined(connect, ws_url)  # Quien llega después: el historial.
    frames.append(json.dumps(late))
    assert [json.loads(frame)["type"] for frame in frames[1:-1]] == [
        "message",
        "join",
        "ack",
        "message",
    ]
    assert not [frame for frame in frames if key in frame], "La clave salió en un frame"


@pytest.mark.gen_test
async def test_a_retried_cid_gets_the_same_ack_and_is_broadcast_once(connect, ws_url) -> None:
    ana, _ = await joined(connect, ws_url)
    luis, _ = await joined(connect, ws_url)
    await ana.write_message(chat("primera", cid="mismo"))
    first = await next_of(ana, "ack")
    await next_of(ana, "message")
    # El reintento, con otro texto: gana el primero y no se reparte otra vez.
    await ana.write_message(chat("reintento", cid="mismo"))
    assert await next_of(ana, "ack") == first
    await ana.write_message(chat("otra", cid="distinto"))
    assert (await next_of(ana, "ack"))["seq"] == first["seq"] + 1
    received = [await next_of(luis, "message") for _ in range(2)]
    assert texts_of(received) == ["primera", "otra"]


@pytest.mark.gen_test
async def test_a_retry_sent_before_the_first_is_stored_still_gets_one_seq(connect, ws_url) -> None:
    ana, _ = await joined(connect, ws_url)
    # Los dos en el mismo frame de red, antes de que el primero se haya guardado.
    await asyncio.gather(
        ana.write_message(chat("uno", cid="rápido")), ana.write_message(chat("uno", cid="rápido"))
    )
    await ana.write_message(chat("después", cid="después"))
    events = [await receive_event(ana) for _ in range(5)]  # 3 acks y 2 mensajes.
    acks = [event for event in events if event["type"] == "ack"]
    assert acks[0] == acks[1] and acks[2]["seq"] == acks[0]["seq"] + 1
    assert texts_of([event for event in events if event["type"] == "message"]) == ["uno", "después"]


@pytest.mark.gen_test
async def test_the_ack_reaches_the_sender_before_its_own_message(connect, ws_url) -> None:
    ana, _ = await joined(connect, ws_url)
    await ana.write_message(chat("hola", cid="c"))
    assert (await receive_event(ana))["type"] == "ack"
    assert (await receive_event(ana))["type"] == "message"


@pytest.mark.gen_test
async def test_a_burst_shares_commits_and_every_message_is_acked(connect, ws_url, chat_log) -> None:
    ana, _ = await joined(connect, ws_url)
    await asyncio.gather(*(ana.write_message(chat(f"r{i}", cid=f"r{i}")) for i in range(100)))
    events = [await receive_event(ana) for _ in range(200)]
    acks = [event["seq"] for event in events if event["type"] == "ack"]
    assert acks == list(range(1, 101))
    if isinstance(chat_log, SqliteLog):  # En memoria no hay commits que contar.
        assert chat_log.commits < 100, "Cada mensaje de la ráfaga tuvo su propio commit"


# --- Historial -------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_a_late_joiner_gets_the_last_50_messages_in_order(connect, ws_url) -> None:
    ana, _ = await joined(connect, ws_url)
    await say(ana, [f"m{i}" for i in range(60)])
    _, welcome = await joined(connect, ws_url)
    history = decoded(welcome["history"])
    assert [event["seq"] for event in history] == list(range(11, 61))
    assert texts_of(history) == [f"m{i}" for i in range(10, 60)]
    assert welcome["seq"] == 60
    assert welcome["recovered"] is None


@pytest.mark.gen_test
@pytest.mark.settings(history_size=5)
async def test_a_fresh_welcome_shows_no_more_than_the_history_kept(connect, ws_url) -> None:
    ana, _ = await joined(connect, ws_url)
    await say(ana, [f"m{i}" for i in range(8)])
    _, welcome = await joined(connect, ws_url)
    assert [event["seq"] for event in welcome["history"]] == [4, 5, 6, 7, 8]


@pytest.mark.gen_test
async def test_an_empty_chat_welcomes_with_seq_0_and_no_history(connect, ws_url) -> None:
    _, welcome = await joined(connect, ws_url)
    assert (welcome["seq"], welcome["history"]) == (0, [])
    assert isinstance(welcome["epoch"], str) and welcome["epoch"]


# --- Retomar ---------------------------------------------------------------------------


@pytest.mark.gen_test(timeout=30)
async def test_a_client_that_missed_200_messages_gets_exactly_those_in_order(
    connect, ws_url
) -> None:
    ana, welcome = await joined(connect, ws_url)
    await say(ana, ["antes"])
    luis, luis_welcome = await joined(connect, ws_url)
    seen = luis_welcome["seq"]
    luis.close()
    await wait_closed(luis)
    await say(ana, [f"perdido {i}" for i in range(200)])
    _, back = await joined(connect, f"{ws_url}?since={seen}&epoch={welcome['epoch']}")
    assert back["recovered"] is True
    assert [event["seq"] for event in back["history"]] == list(range(seen + 1, seen + 201))
    assert texts_of(back["history"]) == [f"perdido {i}" for i in range(200)]


@pytest.mark.gen_test(timeout=30)
async def test_messages_sent_during_a_resume_are_neither_lost_nor_repeated(connect, ws_url) -> None:
    ana, welcome = await joined(connect, ws_url)
    await say(ana, [f"antes {i}" for i in range(20)])
    total = 150

    async def keep_talking() -> None:
        for i in range(total):
            await ana.write_message(chat(f"en directo {i}"))
            if i % 10 == 0:
                await asyncio.sleep(0)  # Que los reenganches caigan en mitad de la ráfaga.

    talking = asyncio.ensure_future(keep_talking())
    resumers = []
    for since in (5, 10, 15, 20):
        url = f"{ws_url}?since={since}&epoch={welcome['epoch']}"
        resumers.append((since, *(await joined(connect, url))))
    await talking
    for since, conn, back in resumers:
        assert back["recovered"] is True
        seqs = [event["seq"] for event in back["history"]]
        while not seqs or seqs[-1] < 20 + total:
            seqs.append((await next_of(conn, "message"))["seq"])
        assert seqs == list(range(since + 1, 20 + total + 1)), f"Hueco o repetido desde {since}"


@pytest.mark.gen_test
async def test_resuming_with_nothing_missed_gets_an_empty_recovered_history(
    connect, ws_url
) -> None:
    ana, welcome = await joined(connect, ws_url)
    await say(ana, ["uno", "dos"])
    _, back = await joined(connect, f"{ws_url}?since=2&epoch={welcome['epoch']}")
    assert (back["recovered"], back["history"]) == (True, [])


@pytest.mark.gen_test
async def test_another_epoch_gets_the_last_messages_and_epoch_changed(connect, ws_url) -> None:
    ana, _ = await joined(connect, ws_url)
    await say(ana, ["uno", "dos"])
    _, back = await joined(connect, f"{ws_url}?since=1&epoch=otrahistoria")
    assert back["recovered"] is False
    assert back["reason"] == "epoch_changed"
    assert texts_of(back["history"]) == ["uno", "dos"]


@pytest.mark.gen_test
@pytest.mark.settings(history_size=10)
async def test_missing_more_than_the_history_is_never_a_partial_replay(connect, ws_url) -> None:
    ana, welcome = await joined(connect, ws_url)
    await say(ana, [f"m{i}" for i in range(25)])
    epoch = welcome["epoch"]
    _, exactly = await joined(connect, f"{ws_url}?since=15&epoch={epoch}")
    assert exactly["recovered"] is True and len(exactly["history"]) == 10
    _, behind = await joined(connect, f"{ws_url}?since=14&epoch={epoch}")
    assert behind["recovered"] is False
    assert behind["reason"] == "too_far_behind"
    assert [event["seq"] for event in behind["history"]] == list(range(16, 26))


# --- Entradas incorrectas: un error claro y la conexión sigue sirviendo ----------------


@pytest.mark.gen_test
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("since=abc&epoch=e", "invalid_since"),
        ("since=-1&epoch=e", "invalid_since"),
        ("since=1.5&epoch=e", "invalid_since"),
        ("since=" + "9" * 400 + "&epoch=e", "invalid_since"),
        ("since=1", "invalid_epoch"),
        ("since=1&epoch=" + "e" * 33, "invalid_epoch"),
        ("since=1&epoch=%3Cscript%3E", "invalid_epoch"),
    ],
)
async def test_a_malformed_resume_gets_an_error_and_a_usable_chat(
    connect, ws_url, query, code
) -> None:
    conn, welcome = await joined(connect, f"{ws_url}?{query}")
    assert welcome["recovered"] is None  # Como si no hubiera pedido retomar.
    error = await receive_event(conn, "error")
    assert error["code"] == code and error["text"]
    await conn.write_message(chat("sigo aquí"))
    assert (await next_of(conn, "message"))["text"] == "sigo aquí"


@pytest.mark.gen_test
async def test_a_since_beyond_the_latest_seq_gets_an_error(connect, ws_url) -> None:
    ana, welcome = await joined(connect, ws_url)
    await say(ana, ["uno"])
    conn, back = await joined(connect, f"{ws_url}?since=99&epoch={welcome['epoch']}")
    assert texts_of(back["history"]) == ["uno"]
    assert (await receive_event(conn, "error"))["code"] == "invalid_since"


@pytest.mark.gen_test
@pytest.mark.parametrize("cid", [7, "", "x" * 65, ["a"], "\ud800"])
async def test_a_bad_cid_gets_an_error_and_nothing_is_stored(connect, ws_url, cid) -> None:
    ana, _ = await joined(connect, ws_url)
    await ana.write_message(json.dumps({"type": "message", "text": "hola", "cid": cid}))
    assert (await receive_event(ana, "error"))["code"] == "invalid_cid"
    await ana.write_message(chat("bien", cid="ok"))
    assert (await receive_event(ana, "ack"))["seq"] == 1


@pytest.mark.gen_test
async def test_an_error_about_a_message_carries_its_cid(connect, ws_url) -> None:
    ana, _ = await joined(connect, ws_url)
    await ana.write_message(chat("   ", cid="vacío"))
    error = await receive_event(ana, "error")
    assert (error["code"], error["cid"]) == ("empty", "vacío")


@pytest.mark.gen_test
@pytest.mark.settings(flood=FloodLimits(rate=0.1, burst=1, strikes=50))
async def test_a_message_dropped_for_going_too_fast_names_its_cid(connect, ws_url) -> None:
    ana, _ = await joined(connect, ws_url)
    await ana.write_message(chat("uno", cid="a"))
    await ana.write_message(chat("dos", cid="b"))
    await next_of(ana, "ack")
    await next_of(ana, "message")
    error = await receive_event(ana, "error")
    assert (error["code"], error["cid"]) == ("too_fast", "b")


# --- El arreglo de memoria del control de inundación ------------------------------------


@pytest.mark.gen_test
@pytest.mark.settings(flood=FloodLimits(rate=0.1, burst=1, strikes=50))
async def test_a_connection_dropped_for_flooding_leaves_nothing_behind(
    connect, ws_url, hub
) -> None:
    flooder, _ = await joined(connect, ws_url)
    (handler,) = list(hub._names)
    alive = weakref.ref(handler)
    del handler
    for i in range(20):
        await flooder.write_message(chat(f"inundo {i}"))
    events = [await receive_event(flooder) for _ in range(20)]  # 1 mensaje y 19 errores.
    assert [event.get("code") for event in events[1:]] == ["too_fast"] * 19
    flooder.close()
    await wait_closed(flooder)
    await asyncio.sleep(0)  # Que Tornado termine de soltar la conexión.
    gc.collect()
    # Con una excepción compartida, su traza guardaba cada llamada: el handler
    # (y su mensaje) quedaban vivos para siempre.
    assert alive() is None, "El handler sigue en memoria después de cerrarse"


@pytest.mark.gen_test
async def test_messages_sent_just_before_a_close_frame_are_kept_in_order(
    http_port, ws_url, connect
) -> None:
    # Dos mensajes y el cierre en el mismo paquete. Quien cierra ya no lee (un navegador
    # descarta lo que llega tras su cierre), pero lo que envió queda guardado y en orden.
    client = await RawClient.connect(http_port, "/ws")
    assert json.loads((await client.read_frame())[1])["type"] == "welcome"
    client.send_raw(
        encode_frame(OPCODE_TEXT, chat("uno").encode())
        + encode_frame(OPCODE_TEXT, chat("dos").encode())
        + encode_frame(OPCODE_CLOSE, (1000).to_bytes(2, "big"))
    )
    while (await client.read_frame())[0] != OPCODE_CLOSE:
        pass
    await client.close()
    watcher, welcome = await joined(connect, ws_url)
    while len(welcome["history"]) < 2:  # SQLite puede guardarlos después del cierre.
        welcome["history"].append(await next_of(watcher, "message"))
    assert texts_of(welcome["history"]) == ["uno", "dos"]
