"""Lo que intentaría un estudiante listo para hacerse pasar por la profesora (issue 21).

El enlace de la profesora (stack2_http/teacher.py) da una cookie firmada; con ella, su
WebSocket puede moderar (stack2_http/moderation.py). Aquí se prueba lo que no debe
funcionar: cookies inventadas o de otra clave, adivinar la clave en bucle, enviar las
órdenes desde un WebSocket de estudiante, volver tras ser expulsado, usar la cookie desde
otra web, y que la clave no salga nunca ni en una página, ni en un frame ni en el registro.
Cada estudiante se conecta desde su propia dirección 127.0.0.x, como un dispositivo.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPRequest, HTTPResponse
from tornado.web import create_signed_value
from tornado.websocket import WebSocketClientConnection, websocket_connect

from common.defences.limits import FloodLimits
from common.defences.proxies import TrustedProxies
from common.fanout.hub import Hub
from common.startup.access_log import log_request
from stack2_http import teacher
from stack2_http.server import make_app
from stack2_http.teacher import COOKIE, Teachers
from tests.helpers import RECEIVE_TIMEOUT, receive_event, wait_closed

KEY = "clave-de-la-profe-7Hq2"
SECRET = "s" * 64
MODERATION = {
    "delete": {"seq": 1},
    "clear": {},
    "lock": {"locked": True},
    "slow": {"seconds": 10},
    "mute": {"who": "127.0.0.9:5000", "minutes": 5},
    "unmute": {"who": "127.0.0.9:5000"},
    "kick": {"who": "127.0.0.9:5000", "minutes": 5},
}

Open = Callable[..., Awaitable[WebSocketClientConnection]]


@pytest.fixture
def app(hub: Hub) -> Any:
    flood = FloodLimits(rate=1000, burst=1000)
    # Se cree a nginx (127.0.0.1) como en la lección 13, para probar X-Forwarded-Proto.
    proxies = TrustedProxies(["127.0.0.1"])
    teachers = Teachers(KEY, SECRET)
    # log_function: el registro de peticiones del servidor de verdad (tapa ?clave=).
    return make_app(
        hub, flood=flood, trusted_proxies=proxies, teachers=teachers, log_function=log_request
    )


@pytest.fixture
def base(http_server: Any, http_port: int) -> str:
    return f"http://127.0.0.1:{http_port}"


async def fetch(url: str, address: str = "127.0.0.1", **kwargs: Any) -> HTTPResponse:
    request = HTTPRequest(url, follow_redirects=False, network_interface=address, **kwargs)
    return await AsyncHTTPClient().fetch(request, raise_error=False)


async def teacher_cookie(base: str, address: str = "127.0.0.1") -> str:
    """La cookie que da /profe con la clave buena, lista para la cabecera Cookie."""
    response = await fetch(f"{base}/profe?clave={KEY}", address)
    assert response.code == 302, f"/profe con la clave buena respondió {response.code}"
    return response.headers["Set-Cookie"].split(";", 1)[0]


@pytest.fixture
def ws(base: str, io_loop: Any) -> AsyncIterator[Open]:
    """Abre WebSockets desde una dirección 127.0.0.x y los cierra todos al final."""
    opened: list[WebSocketClientConnection] = []

    async def open_(
        path: str = "/ws/clase", address: str = "127.0.0.1", cookie: str = "", origin: str = ""
    ) -> WebSocketClientConnection:
        headers = {"Origin": origin or base}
        if cookie:
            headers["Cookie"] = cookie
        url = base.replace("http://", "ws://") + path
        request = HTTPRequest(url, headers=headers, network_interface=address)
        conn = await websocket_connect(request)
        opened.append(conn)
        return conn

    yield open_

    async def close_all() -> None:
        for conn in opened:
            conn.close()
        for conn in opened:
            if conn.protocol is not None and not conn.protocol.stream.closed():
                while await conn.read_message() is not None:
                    pass

    io_loop.run_sync(close_all, timeout=RECEIVE_TIMEOUT)


def send(type_: str, **fields: Any) -> str:
    return json.dumps({"type": type_, **fields})


async def next_of(conn: WebSocketClientConnection, type_: str) -> dict:
    """El siguiente evento de ``type_``, saltando los avisos de quién entra y sale."""
    while True:
        event = await receive_event(conn)
        if event["type"] == type_:
            return event
        assert event["type"] in ("join", "leave", "nick", "room_state"), f"No es {type_}: {event}"


# --- El enlace /profe ---------------------------------------------------------------------


@pytest.mark.gen_test
async def test_the_right_key_sets_an_httponly_strict_signed_cookie_and_goes_to_the_room(base):
    response = await fetch(f"{base}/profe?clave={KEY}&sala=clase")
    assert response.code == 302 and response.headers["Location"] == "/sala/clase"
    cookie = response.headers["Set-Cookie"]
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes, cookie
    assert "secure" not in attributes, "Sin https, una cookie Secure no volvería nunca"
    assert KEY not in cookie, "La cookie no debe llevar la clave"


@pytest.mark.gen_test
async def test_the_cookie_is_secure_behind_a_trusted_proxy_that_says_https(base):
    https = {"X-Forwarded-Proto": "https"}
    trusted = await fetch(f"{base}/profe?clave={KEY}", headers=https)
    assert "secure" in trusted.headers["Set-Cookie"].lower()
    # De cualquier otro equipo, la cabecera no se cree: la escribe quien quiere.
    untrusted = await fetch(f"{base}/profe?clave={KEY}", "127.0.0.2", headers=https)
    assert "secure" not in untrusted.headers["Set-Cookie"].lower()


@pytest.mark.gen_test
async def test_a_wrong_or_missing_key_gets_a_spanish_403_that_says_nothing_about_the_key(base):
    for query in ("?clave=no-es-esta", "", "?clave=", f"?clave={KEY}x", f"?clave={KEY[:-1]}"):
        response = await fetch(f"{base}/profe{query}", "127.0.0.3")
        body = response.body.decode()
        assert response.code == 403, f"/profe{query} respondió {response.code}"
        assert "Set-Cookie" not in response.headers
        assert 'lang="es"' in body and "No se puede entrar como profesora" in body
        assert KEY not in body


@pytest.mark.gen_test
async def test_guessing_the_key_in_a_loop_hits_a_spanish_429_even_with_the_right_key(base):
    codes = []
    for n in range(teacher.GUESSES_BURST + 3):  # Un bucle acotado: unos pocos intentos.
        codes.append((await fetch(f"{base}/profe?clave=intento{n}", "127.0.0.4")).code)
    assert codes == [403] * teacher.GUESSES_BURST + [429] * 3, codes
    limited = await fetch(f"{base}/profe?clave={KEY}", "127.0.0.4")
    assert limited.code == 429 and "Demasiados intentos" in limited.body.decode()
    assert "Set-Cookie" not in limited.headers
    # Otro equipo de la clase no paga por los intentos de este.
    assert (await fetch(f"{base}/profe?clave={KEY}", "127.0.0.5")).code == 302


# --- La cookie en el WebSocket ------------------------------------------------------------


@pytest.mark.gen_test
async def test_the_cookie_makes_a_teacher_connection_and_no_cookie_a_student(base, ws):
    cookie = await teacher_cookie(base)
    teacher_welcome = await receive_event(await ws(cookie=cookie), "welcome")
    student_welcome = await receive_event(await ws(address="127.0.0.6"), "welcome")
    assert teacher_welcome["role"] == "teacher"
    assert student_welcome["role"] == "student"
    me = {"who": teacher_welcome["you"], "nick": None, "teacher": True}
    assert me in student_welcome["online"], student_welcome["online"]


def touched(signed: str) -> str:
    """La misma cookie con el último carácter de la firma cambiado (siempre por otro)."""
    return signed[:-1] + ("1" if signed.endswith("0") else "0")


@pytest.mark.gen_test
async def test_forged_cookies_are_students(base, ws):
    badge = Teachers(KEY, SECRET).badge
    forged = {
        "sin firma": badge,
        "otro secreto": create_signed_value("x" * 64, COOKIE, badge).decode(),
        "otra clave": create_signed_value(SECRET, COOKIE, Teachers("otra", SECRET).badge).decode(),
        "otro nombre": create_signed_value(SECRET, "alumno", badge).decode(),
        "firma tocada": touched(create_signed_value(SECRET, COOKIE, badge).decode()),
    }
    for n, (what, value) in enumerate(forged.items()):
        conn = await ws(address=f"127.0.1.{n + 1}", cookie=f"{COOKIE}={value}")
        welcome = await receive_event(conn, "welcome")
        assert welcome["role"] == "student", f"Una cookie {what} no debe dar la profesora"
        await conn.write_message(send("lock", locked=True))
        assert (await next_of(conn, "error"))["code"] == "forbidden", what


@pytest.mark.gen_test
async def test_a_student_sending_every_moderation_type_gets_forbidden_and_keeps_chatting(ws):
    student = await ws(address="127.0.0.7")
    await receive_event(student, "welcome")
    for type_, fields in MODERATION.items():
        await student.write_message(send(type_, **fields))
        error = await next_of(student, "error")
        assert error["code"] == "forbidden", f"{type_}: {error}"
        assert "profesora" in error["text"]
    # Aunque lo envíe mal escrito: «forbidden» va antes que mirar los campos.
    await student.write_message(send("delete", seq="todo"))
    assert (await next_of(student, "error"))["code"] == "forbidden"
    await student.write_message(send("message", text="sigo aquí", cid="c1"))
    assert (await next_of(student, "ack"))["cid"] == "c1"
    assert (await next_of(student, "message"))["text"] == "sigo aquí"


@pytest.mark.gen_test
async def test_a_kicked_device_reconnecting_is_closed_with_4003_before_any_welcome(base, ws):
    teacher_conn = await ws(cookie=await teacher_cookie(base))
    await receive_event(teacher_conn, "welcome")
    student = await ws(address="127.0.0.8")
    who = (await receive_event(student, "welcome"))["you"]
    await teacher_conn.write_message(send("kick", who=who, minutes=10))
    code, reason = await wait_closed(student)
    assert (code, reason) == (4003, "La profesora te ha sacado de la sala durante 10 min")
    for attempt in range(2):  # Otra pestaña, otro puerto: el mismo dispositivo.
        again = await ws(address="127.0.0.8")
        first = await again.read_message()
        assert first is None, f"Intento {attempt}: llegó {first} antes del cierre"
        assert again.close_code == 4003
        assert again.close_reason == "No puedes volver a esta sala hasta dentro de 10 min"
    # Otra sala sí puede, y otro dispositivo en esta también.
    assert (await receive_event(await ws("/ws/otra", "127.0.0.8"), "welcome"))["room"] == "otra"
    assert (await receive_event(await ws(address="127.0.0.9"), "welcome"))["role"] == "student"


@pytest.mark.gen_test
async def test_a_foreign_origin_with_the_teacher_cookie_gets_403(base, ws):
    cookie = await teacher_cookie(base)
    with pytest.raises(Exception) as refused:
        await ws(cookie=cookie, origin="http://otra-web.example")
    assert getattr(refused.value, "code", None) == 403, refused.value


@pytest.mark.gen_test
async def test_the_key_is_never_in_a_page_a_frame_or_a_log_line(base, ws, caplog):
    caplog.set_level(logging.INFO)
    cookie = await teacher_cookie(base)
    for path in ("/", "/sala/clase", f"/profe?clave={KEY}x"):
        page = await fetch(base + path, "127.0.0.10", headers={"Cookie": cookie})
        assert KEY not in page.body.decode(), f"{path} enseña la clave"
    conn = await ws(cookie=cookie)
    frames = [await conn.read_message()]
    await conn.write_message(send("lock", locked=False))
    frames += [await conn.read_message(), await conn.read_message()]
    assert all(KEY not in frame for frame in frames), frames
    logged = [record.getMessage() for record in caplog.records]
    assert any("/profe?clave=***" in line for line in logged), logged
    assert not [line for line in logged if KEY in line]


# --- Las órdenes mal escritas ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "fields", "code"),
    [
        ("delete", {}, "invalid_field"),
        ("delete", {"seq": 0}, "invalid_field"),
        ("delete", {"seq": "1"}, "invalid_field"),
        ("delete", {"seq": True}, "invalid_field"),
        ("delete", {"seq": 99}, "not_found"),
        ("lock", {"locked": "sí"}, "invalid_field"),
        ("slow", {"seconds": 301}, "invalid_field"),
        ("slow", {"seconds": -1}, "invalid_field"),
        ("slow", {"seconds": 2.5}, "invalid_field"),
        ("mute", {"who": "127.0.0.9:5000", "minutes": 0}, "invalid_field"),
        ("mute", {"who": "127.0.0.9:5000", "minutes": 1441}, "invalid_field"),
        ("mute", {"who": "127.0.0.9:5000"}, "invalid_field"),
        ("mute", {"who": "Ana", "minutes": 5}, "invalid_field"),
        ("kick", {"who": "300.1.1.1:80", "minutes": 5}, "invalid_field"),
        ("unmute", {"who": 5}, "invalid_field"),
    ],
)
@pytest.mark.gen_test
async def test_a_bad_order_gets_a_spanish_error_and_the_teacher_keeps_going(
    base, ws, type_, fields, code
):
    conn = await ws(cookie=await teacher_cookie(base))
    await receive_event(conn, "welcome")
    await conn.write_message(send(type_, **fields))
    error = await next_of(conn, "error")
    assert error["code"] == code, error
    assert error["text"].endswith("."), error  # Una frase en español.
    await conn.write_message(send("slow", seconds=0))
    assert (await next_of(conn, "moderated"))["action"] == "slow"


@pytest.mark.gen_test
async def test_the_teacher_connection_itself_cannot_be_muted_or_kicked(base, ws):
    cookie = await teacher_cookie(base)
    conn = await ws(cookie=cookie)
    me = (await receive_event(conn, "welcome"))["you"]
    for type_ in ("mute", "kick"):
        await conn.write_message(send(type_, who=me, minutes=5))
        error = await next_of(conn, "error")
        assert error["code"] == "invalid_field" and "profesora" in error["text"]


# --- La clave y el secreto, fuera de la red -----------------------------------------------


def test_the_banner_shows_the_teacher_link_with_the_lan_address() -> None:
    urls = ["http://127.0.0.1:8000/", "http://192.168.1.20:8000/"]
    lines = Teachers(KEY, SECRET).banner_lines(urls, "")
    assert f"Profesor: http://192.168.1.20:8000/profe?clave={KEY}" in lines
    assert not any("\x1b[" in line for line in lines), "Sin --qr-profe, ningún QR"
    with_qr = Teachers(KEY, SECRET, qr_code=True).banner_lines(urls, "")
    assert any("\x1b[" in line for line in with_qr), "Con --qr-profe, el QR del enlace"


def test_the_cookie_secret_file_is_created_once_and_only_its_owner_can_read_it(tmp_path) -> None:
    options = type("Options", (), {"cookie_secret": ""})()
    path = tmp_path / "datos" / "cookie_secret"
    secret = teacher.cookie_secret(options, path)  # type: ignore[arg-type]
    assert len(secret) >= 32 and oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert teacher.cookie_secret(options, path) == secret  # type: ignore[arg-type]
    options.cookie_secret = "el-de-la-opcion"  # type: ignore[attr-defined]
    assert teacher.cookie_secret(options, path) == "el-de-la-opcion"  # type: ignore[arg-type]
