"""Stack 2 con clientes reales: página por HTTP, WebSocket en /ws y protocolo JSON.

El núcleo (página y WebSocket en un puerto, IP:puerto, eventos JSON y errores) está en
``tests/spec_core.py``, la misma especificación que cumple el núcleo que escribe cada
estudiante en la lección 4. Aquí, lo que el Stack 2 añade a ese núcleo: su nombre de
página antiguo, las cabeceras de seguridad, el apodo en cada evento y el hub.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from common.fanout.hub import Hub
from stack2_http.server import make_app
from tests.helpers import receive_event, wait_closed
from tests.spec_core import CoreSpec, identity_of, join, who_is_online

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


class TestStack2Core(CoreSpec):
    """Todas las comprobaciones del núcleo, contra stack2_http/server.py."""

    page_script = "/static/chat/main.js"  # Un módulo ES que importa los demás (lección 4).


# --- La página y sus archivos ---------------------------------------------------------


@pytest.mark.gen_test
async def test_serves_the_chat_page_under_its_original_name(http_client, base_url) -> None:
    response = await http_client.fetch(base_url + "/clientehttp.html")
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


# --- Lo que el Stack 2 añade a los eventos del núcleo: el apodo (lección 11) -----------


@pytest.mark.gen_test
async def test_welcome_lists_who_is_online_with_a_null_nick(connect, ws_url) -> None:
    first, _ = await join(connect, ws_url)
    second, second_welcome = await join(connect, ws_url)
    assert second_welcome["online"] == [
        {"who": identity_of(first), "nick": None},
        {"who": identity_of(second), "nick": None},
    ]


@pytest.mark.gen_test
async def test_join_is_exactly_who_nick_and_count(connect, ws_url) -> None:
    first, _ = await join(connect, ws_url)
    second, _ = await join(connect, ws_url)
    event = await receive_event(first, "join")
    assert event == {"type": "join", "who": identity_of(second), "nick": None, "count": 2}


@pytest.mark.gen_test
async def test_leave_is_exactly_who_nick_and_count_and_the_hub_forgets(connect, ws_url, hub):
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
async def test_the_list_a_page_rebuilds_is_the_hubs(connect, ws_url, hub) -> None:
    watcher, welcome = await join(connect, ws_url)
    people = [person["who"] for person in welcome["online"]]  # Como hace chat/people.js.
    people = who_is_online(welcome)
    others = [(await join(connect, ws_url))[0] for _ in range(4)]
    for leaving in others[1::2]:
        leaving.close()
        await wait_closed(leaving)
    for _ in range(4 + 2):
        event = await receive_event(watcher)
        if event["type"] == "join":
            people.append(event["who"])
        elif event["type"] == "leave":
            people.remove(event["who"])
    assert people == hub.names
