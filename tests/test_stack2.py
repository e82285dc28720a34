"""Stack 2 con clientes reales: página por HTTP, WebSocket en /ws y protocolo JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError
from tornado.websocket import WebSocketClientConnection

from common.fanout.hub import Hub
from stack2_http.server import make_app
from tests.helpers import receive, receive_event, wait_closed

# Los módulos de la página (ES modules): main.js y los que importa.
STATIC = Path(__file__).resolve().parents[1] / "stack2_http" / "static"
CHAT_MODULES = sorted((STATIC / "chat").glob("*.js"))
MODULE_NAMES = [f"chat/{path.name}" for path in CHAT_MODULES]


@pytest.fixture
def app(hub: Hub):
    return make_app(hub)


@pytest.fixture
def ws_url(ws_base: str) -> str:
    return f"{ws_base}/ws"


def identity_of(conn: WebSocketClientConnection) -> str:
    """«IP:puerto» del lado del cliente: lo que el servidor debería ver."""
    ip, port = conn.protocol.stream.socket.getsockname()[:2]
    return f"{ip}:{port}"


async def join(connect, ws_url: str) -> tuple[WebSocketClientConnection, dict]:
    """Conecta un cliente y devuelve también su evento «welcome»."""
    conn = await connect(ws_url)
    return conn, await receive_event(conn, "welcome")


async def three_clients(connect, ws_url: str) -> list[WebSocketClientConnection]:
    """Tres clientes conectados, con los avisos de entrada ya leídos."""
    clients = [await connect(ws_url) for _ in range(3)]
    for i, client in enumerate(clients):  # welcome + un join por cada uno que llegó después
        for _ in range(3 - i):
            await receive(client)
    return clients


def chat(text: str) -> str:
    return json.dumps({"type": "message", "text": text})


# --- La página y sus archivos ---------------------------------------------------------


@pytest.mark.gen_test
@pytest.mark.parametrize("path", ["/", "/clientehttp.html"])
async def test_serves_the_chat_page(http_client, base_url, path) -> None:
    response = await http_client.fetch(base_url + path)
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.body.decode()
    assert re.search(r'<script type="module" src="/static/chat/main\.js\?v=\w+">', html)
    assert "/static/chat.css" in html


@pytest.mark.gen_test
async def test_the_page_forbids_inline_scripts_and_foreign_connections(http_client, base_url):
    response = await http_client.fetch(base_url + "/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.gen_test
@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        *[(name, "javascript") for name in MODULE_NAMES],
        ("chat.css", "text/css"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
async def test_serves_static_files(http_client, base_url, name, content_type) -> None:
    response = await http_client.fetch(f"{base_url}/static/{name}")
    assert response.code == 200
    # Un módulo con otro tipo (text/plain, por ejemplo) el navegador no lo ejecuta.
    assert content_type in response.headers["Content-Type"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.gen_test
async def test_the_page_never_writes_user_text_with_innerhtml(http_client, base_url) -> None:
    scripts = {
        name: (await http_client.fetch(f"{base_url}/static/{name}")).body.decode()
        for name in MODULE_NAMES
    }
    assert "chat/render.js" in scripts, "¿Dónde se pintan los mensajes?"
    for name, script in scripts.items():
        for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in script, f"{name} usa {sink}: el texto de otros podría ejecutarse"
    assert ".textContent" in scripts["chat/render.js"]


@pytest.mark.parametrize("path", CHAT_MODULES, ids=MODULE_NAMES)
def test_every_chat_module_is_short_and_says_what_it_is_and_which_lesson_reads_it(path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= 300, f"{path.name} tiene {len(lines)} líneas: divídelo (máximo 300)"
    header = "\n".join(line for line in lines[:4] if line.startswith("//"))
    assert lines[0].startswith("// ") and re.search(r"lecci[oó]n", header), (
        f"{path.name} debe empezar con un comentario que diga qué es y qué lección lo lee"
    )


@pytest.mark.gen_test
async def test_a_module_imported_without_its_version_is_checked_again_on_every_load(
    http_client, base_url
) -> None:
    """main.js lleva ?v= (static_url); lo que importa, no: el navegador debe preguntar."""
    page = (await http_client.fetch(base_url + "/")).body.decode()
    main = re.search(r'src="(/static/chat/main\.js\?v=\w+)"', page).group(1)
    versioned = await http_client.fetch(base_url + main)
    assert "max-age" in versioned.headers["Cache-Control"], "Con ?v= se puede guardar mucho"
    imported = await http_client.fetch(f"{base_url}/static/chat/connection.js")
    assert imported.headers.get("Cache-Control") == "no-cache", (
        "Sin ?v=, el navegador podría seguir usando un módulo viejo tras cambiar el archivo"
    )


# --- Identidad y eventos -------------------------------------------------------------


@pytest.mark.gen_test
async def test_welcome_tells_you_your_ip_and_port_and_who_is_online(connect, ws_url) -> None:
    first, first_welcome = await join(connect, ws_url)
    second, second_welcome = await join(connect, ws_url)
    assert first_welcome["you"] == identity_of(first)
    assert second_welcome["you"] == identity_of(second)
    assert second_welcome["online"] == [
        {"who": identity_of(first), "nick": None},
        {"who": identity_of(second), "nick": None},
    ]


@pytest.mark.gen_test
async def test_the_others_are_told_when_someone_joins(connect, ws_url) -> None:
    first, _ = await join(connect, ws_url)
    second, _ = await join(connect, ws_url)
    event = await receive_event(first, "join")
    assert event == {"type": "join", "who": identity_of(second), "nick": None, "count": 2}


@pytest.mark.gen_test
async def test_the_others_are_told_when_someone_leaves(connect, ws_url, hub) -> None:
    staying, _ = await join(connect, ws_url)
    leaving, _ = await join(connect, ws_url)
    await receive_event(staying, "join")
    who = identity_of(leaving)
    leaving.close()
    await wait_closed(leaving)
    event = await receive_event(staying, "leave")
    assert event == {"type": "leave", "who": who, "nick": None, "count": 1}
    assert len(hub) == 1


@pytest.mark.gen_test
async def test_welcome_plus_join_and_leave_rebuild_who_is_online(connect, ws_url, hub) -> None:
    watcher, welcome = await join(connect, ws_url)
    people = [person["who"] for person in welcome["online"]]  # Como hace chat/people.js.
    others = [(await join(connect, ws_url))[0] for _ in range(4)]
    for leaving in others[1::2]:
        leaving.close()
        await wait_closed(leaving)
    for _ in range(4 + 2):  # Cuatro entradas y dos salidas.
        event = await receive_event(watcher)
        if event["type"] == "join":
            people.append(event["who"])
        elif event["type"] == "leave":
            people.remove(event["who"])
        assert event["count"] == len(people)
    assert people == hub.names


@pytest.mark.gen_test
async def test_join_and_leave_do_not_grow_with_the_number_of_people(connect, ws_url) -> None:
    # Si llevaran la lista entera, que entraran N personas movería N³ bytes.
    watcher, _ = await join(connect, ws_url)
    sizes = []
    for _ in range(30):
        await join(connect, ws_url)
        sizes.append(len(await receive(watcher)))
    assert max(sizes) - min(sizes) <= 2  # Solo cambian las cifras del puerto y del recuento.


@pytest.mark.gen_test
async def test_a_message_reaches_everyone_labelled_with_the_sender(connect, ws_url) -> None:
    clients = await three_clients(connect, ws_url)
    await clients[1].write_message(chat("Hola mundo"))
    for client in clients:
        event = await receive_event(client, "message")
        assert event["from"] == identity_of(clients[1])
        assert event["text"] == "Hola mundo"
        assert event["time"].endswith("Z")


@pytest.mark.gen_test
async def test_three_clients_receive_each_message_exactly_once_in_order(connect, ws_url) -> None:
    clients = await three_clients(connect, ws_url)
    expected = [f"mensaje {i}" for i in range(9)] + ["fin"]  # 10: la ráfaga permitida
    for text in expected:
        clients[0].write_message(chat(text))
    for client in clients:
        texts = [(await receive_event(client, "message"))["text"] for _ in expected]
        assert texts == expected


@pytest.mark.gen_test
async def test_every_client_sees_the_same_order(connect, ws_url) -> None:
    clients = await three_clients(connect, ws_url)
    for i in range(15):
        clients[i % 3].write_message(chat(f"m{i}"))
    seen = []
    for client in clients:
        seen.append([(await receive_event(client, "message"))["text"] for _ in range(15)])
    assert seen[0] == seen[1] == seen[2]
    assert sorted(seen[0]) == sorted(f"m{i}" for i in range(15))


# --- Errores: se avisa a quien se equivocó y la conexión sigue ------------------------


@pytest.mark.gen_test
@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("esto no es JSON", "invalid_json"),
        ("[1, 2, 3]", "invalid_json"),
        ('{"text": "sin tipo"}', "invalid_field"),
        ('{"type": "baile"}', "unknown_type"),
        ('{"type": "message", "text": 42}', "invalid_field"),
        ('{"type": "message", "text": "   "}', "empty"),
    ],
)
async def test_bad_frames_get_an_error_event_and_the_connection_stays_usable(
    connect, ws_url, frame, code
) -> None:
    client, _ = await join(connect, ws_url)
    await client.write_message(frame)
    error = await receive_event(client, "error")
    assert error["code"] == code
    assert error["text"].endswith("."), "El error debe ser una frase en español"
    await client.write_message(chat("sigo aquí"))
    assert (await receive_event(client, "message"))["text"] == "sigo aquí"


@pytest.mark.gen_test
async def test_bad_frames_reach_nobody_else(connect, ws_url) -> None:
    other, _ = await join(connect, ws_url)
    client, _ = await join(connect, ws_url)
    await receive_event(other, "join")
    await client.write_message("{roto")
    await receive_event(client, "error")
    await client.write_message(chat("bien"))
    assert (await receive_event(other, "message"))["text"] == "bien"


@pytest.mark.gen_test
async def test_binary_frames_get_an_error_event(connect, ws_url) -> None:
    client, _ = await join(connect, ws_url)
    await client.write_message(b"\x00\xff", binary=True)
    assert (await receive_event(client, "error"))["code"] == "binary"


# --- Origen: solo las páginas de este servidor ---------------------------------------


@pytest.mark.gen_test
async def test_rejects_websockets_from_other_websites(connect, ws_url) -> None:
    with pytest.raises(HTTPClientError) as error:
        await connect(ws_url, headers={"Origin": "http://otro-sitio.example"})
    assert error.value.code == 403


@pytest.mark.gen_test
async def test_rejects_pages_opened_from_disk(connect, ws_url) -> None:
    with pytest.raises(HTTPClientError) as error:
        await connect(ws_url, headers={"Origin": "null"})
    assert error.value.code == 403


@pytest.mark.gen_test
async def test_accepts_its_own_page(connect, ws_url, http_port) -> None:
    client = await connect(ws_url, headers={"Origin": f"http://127.0.0.1:{http_port}"})
    await receive_event(client, "welcome")
