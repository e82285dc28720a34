"""Lo que Tornado diría en inglés sale en español: páginas de error, rechazos del WebSocket,
el aviso de --debug y los plurales (common/spanish.py)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import tornado.web
from tornado.httpclient import HTTPResponse

import stack1_pure.server
import stack2_http.server
from common.fanout.hub import Hub
from common.spanish import WEBSOCKET_REFUSALS, SpanishAutoreload, plural
from common.startup.banner import banner
from common.startup.settings import app_settings, parse_options
from tests.test_hub import FakeConnection

ROOT = Path(__file__).resolve().parent.parent


def build(stack: str, hub: Hub, **options: Any) -> Any:
    # Las opciones de siempre, como las deja parse_options() sin nada más en la línea.
    argv = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
    settings = app_settings(parse_options(default_port=0, argv=argv))
    module = stack1_pure.server if stack == "stack1" else stack2_http.server
    return module.make_app(hub, **settings)


@pytest.fixture
def app(request: pytest.FixtureRequest, hub: Hub) -> Any:
    """La aplicación del stack que pide ``@pytest.mark.parametrize("app", ...)``, con los
    ajustes de common/startup/settings.py, como la arranca server.py."""
    if request.param == "tornado":  # El handler del Stack 1 en una aplicación de Tornado tal cual.
        return tornado.web.Application([(r"/", stack1_pure.server.ChatSocket, {"hub": hub})])
    stack, options = request.param if isinstance(request.param, tuple) else (request.param, {})
    if options is None:  # make_app() sola, sin ajustes, como la usan las pruebas.
        module = stack1_pure.server if stack == "stack1" else stack2_http.server
        return module.make_app(hub)
    return build(stack, hub, **options)


async def fetch(http_client: Any, url: str, **kwargs: Any) -> HTTPResponse:
    return await http_client.fetch(url, raise_error=False, **kwargs)


@pytest.mark.gen_test
@pytest.mark.parametrize("app", ["stack1", "stack2"], indirect=True)
async def test_an_address_that_does_not_exist_gets_a_spanish_404_page(app, http_client, base_url):
    response = await fetch(http_client, base_url + "/no-existe")
    body = response.body.decode()
    assert response.code == 404
    assert "<title>404: No encontrado</title>" in body
    assert 'lang="es"' in body and "Not Found" not in body
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.gen_test
@pytest.mark.parametrize("app", ["stack2"], indirect=True)
async def test_a_missing_static_file_gets_the_spanish_404_page(app, http_client, base_url):
    response = await fetch(http_client, base_url + "/static/no-existe.css")
    assert response.code == 404
    assert "<title>404: No encontrado</title>" in response.body.decode()


@pytest.mark.gen_test
@pytest.mark.parametrize(
    ("app", "path"),
    [("stack1", "/"), ("stack2", "/"), ("stack2", "/ws"), ("stack2", "/qr.svg")],
    indirect=["app"],
)
async def test_a_method_the_address_does_not_accept_gets_a_spanish_405_page(
    app, http_client, base_url, path
):
    response = await fetch(http_client, base_url + path, method="POST", body="hola")
    body = response.body.decode()
    assert response.code == 405
    assert "<title>405: Método no permitido</title>" in body
    assert "no admite ese método" in body and "Method Not Allowed" not in body


@pytest.mark.gen_test
@pytest.mark.parametrize(("app", "path"), [("stack1", "/"), ("stack2", "/ws")], indirect=["app"])
async def test_opening_the_websocket_address_as_a_page_explains_it_in_spanish(
    app, http_client, base_url, path
):
    response = await fetch(http_client, base_url + path)
    assert response.code == 400
    assert response.body.decode() == (
        "Aquí solo hay un WebSocket: la petición debe pedir el cambio con «Upgrade: websocket» "
        "(lo hace el navegador con new WebSocket(), no al abrir la dirección como una página).\n"
    )
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.gen_test
@pytest.mark.parametrize("app", ["stack1"], indirect=True)
async def test_a_websocket_from_another_web_is_refused_in_spanish(app, http_client, base_url):
    handshake = {
        "Origin": "http://otro-sitio.example",
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    response = await fetch(http_client, base_url + "/", headers=handshake)
    assert response.code == 403
    assert response.body.decode().startswith("Este WebSocket no acepta conexiones desde")


@pytest.mark.gen_test
@pytest.mark.parametrize("app", [("stack2", {"debug": True})], indirect=True)
async def test_under_debug_a_404_shows_the_spanish_page_and_not_a_traceback(
    app, http_client, base_url
):
    response = await fetch(http_client, base_url + "/no-existe")
    body = response.body.decode()
    assert response.code == 404
    assert "<title>404: No encontrado</title>" in body and "Traceback" not in body


@pytest.mark.gen_test
@pytest.mark.parametrize("app", [("stack1", None), ("stack2", None)], indirect=True)
async def test_make_app_alone_answers_in_spanish_and_with_its_security_headers(
    app, http_client, base_url
):
    # Cada make_app() pone sus transformaciones: las pruebas usan la aplicación que se sirve.
    response = await fetch(http_client, base_url + "/no-existe")
    assert response.code == 404
    assert "<title>404: No encontrado</title>" in response.body.decode()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.gen_test
@pytest.mark.parametrize("app", ["tornado"], indirect=True)
async def test_tornado_still_writes_the_english_texts_we_translate(app, http_client, base_url):
    # Sin nuestras transformaciones, la respuesta es la de Tornado: si esta prueba falla,
    # una versión nueva de Tornado cambió el texto y common/spanish.py ya no lo reconoce.
    response = await fetch(http_client, base_url + "/")
    assert response.body.decode() in WEBSOCKET_REFUSALS
    missing = await fetch(http_client, base_url + "/no-existe")
    assert missing.body == b"<html><title>404: Not Found</title><body>404: Not Found</body></html>"


def test_the_autoreload_line_says_in_spanish_which_file_changed() -> None:
    record = logging.LogRecord(
        "tornado.general",
        logging.INFO,
        __file__,
        1,
        "%s modified; restarting server",
        ("common/startup/network.py",),
        None,
    )
    assert SpanishAutoreload().filter(record)
    assert record.getMessage() == "common/startup/network.py ha cambiado: reinicio el servidor"


def test_plural_uses_the_singular_only_for_one() -> None:
    assert [plural(n, "conexión", "conexiones") for n in (0, 1, 2)] == [
        "0 conexiones",
        "1 conexión",
        "2 conexiones",
    ]


def test_the_banner_says_one_connection_in_singular() -> None:
    text = banner("Stack 1", ["ws://127.0.0.1:8765"], capacity=1)
    assert "Admite hasta 1 conexión a la vez (--max-connections)." in text


def test_a_full_chat_of_one_logs_one_connection_in_singular(caplog) -> None:
    hub = Hub(max_connections=1)
    hub.add(FakeConnection())
    with caplog.at_level(logging.WARNING, logger="chat.hub"):
        hub.add(FakeConnection())
    assert "Chat lleno (1 conexión): rechazo una nueva" in caplog.messages


@pytest.mark.parametrize(
    ("lesson", "original"),
    [
        ("01_que_es_websocket", 'Can "Upgrade" only to "WebSocket".'),
        ("03_cliente_file", "Cross origin websockets not allowed"),
    ],
)
def test_the_lessons_quote_the_refusal_that_is_really_sent(lesson, original) -> None:
    readme = ROOT / "lessons" / lesson / "README.md"
    text = " ".join(readme.read_text(encoding="utf-8").split())  # Sin saltos de línea.
    assert WEBSOCKET_REFUSALS[original] in text  # Lo que ve el alumno, entero.
    assert original in text  # Y el original, para buscarlo en Internet.
