"""La clave de la profesora en servidores de verdad: el banner, Redis y --processes (issue 21).

El enlace con la clave sale solo en la terminal del servidor. Con --redis, dos servidores
(dos terminales, o los procesos de --processes) aceptan la misma clave: el primero la
guarda en Redis y los demás la leen, así que imprimen el mismo enlace y la cookie que da
uno vale en el otro.
"""

from __future__ import annotations

import json
import re

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

from tests.services import ChatServer, RedisServer

LINK = re.compile(r"Profesor: http://127\.0\.0\.1:(\d+)/profe\?clave=(\S+)")


def teacher_link(server: ChatServer) -> tuple[int, str]:
    """(puerto, clave) del enlace de la profesora que imprimió ``server`` en su banner."""
    found = LINK.search(server.banner)
    assert found, f"El banner no tiene el enlace de la profesora:\n{server.banner}"
    return int(found.group(1)), found.group(2)


async def role_with_link(port: int, key: str, on_port: int) -> str:
    """Abre /profe?clave= en ``port`` y entra con esa cookie en ``on_port``: su ``role``."""
    base = f"http://127.0.0.1:{port}"
    response = await AsyncHTTPClient().fetch(
        f"{base}/profe?clave={key}", follow_redirects=False, raise_error=False
    )
    assert response.code == 302, f"/profe respondió {response.code}"
    cookie = response.headers["Set-Cookie"].split(";", 1)[0]
    origin = f"http://127.0.0.1:{on_port}"
    request = HTTPRequest(
        f"ws://127.0.0.1:{on_port}/ws", headers={"Cookie": cookie, "Origin": origin}
    )
    conn = await websocket_connect(request)
    try:
        return json.loads(await conn.read_message())["role"]
    finally:
        conn.close()


@pytest.mark.gen_test(timeout=30)
async def test_the_banner_prints_the_teacher_link_and_the_log_never_shows_the_key(servers):
    server = await ChatServer.start("--teacher-key=clave-de-prueba-9x")
    servers.append(server)
    port, key = teacher_link(server)
    assert (port, key) == (server.port, "clave-de-prueba-9x")
    assert await role_with_link(port, key, port) == "teacher"
    code, log = await server.stop()
    assert code == 0 and "/profe?clave=***" in log
    assert key not in log, "La clave salió en el registro"


@pytest.mark.gen_test(timeout=30)
async def test_each_start_without_a_key_chooses_a_new_random_one(servers):
    first = await ChatServer.start()
    second = await ChatServer.start()
    servers += [first, second]
    (_, one), (_, two) = teacher_link(first), teacher_link(second)
    assert one != two and len(one) >= 16
    # La cookie de uno no sirve en el otro: va atada a su clave.
    assert await role_with_link(first.port, one, second.port) == "student"


@pytest.mark.gen_test(timeout=40)
async def test_servers_sharing_redis_print_the_same_link_and_accept_each_others_cookie(
    servers, tmp_path
):
    redis = RedisServer(tmp_path)
    redis.start()
    try:
        first = await ChatServer.start(f"--redis={redis.url}")
        servers.append(first)
        second = await ChatServer.start(f"--redis={redis.url}")
        servers.append(second)
        (_, one), (_, two) = teacher_link(first), teacher_link(second)
        assert one == two, "Dos terminales con el mismo Redis deben imprimir la misma clave"
        assert await role_with_link(first.port, one, second.port) == "teacher"
        # --teacher-key manda: la guarda en Redis para los que arranquen después.
        fixed = await ChatServer.start(f"--redis={redis.url}", "--teacher-key=la-de-hoy-1234")
        servers.append(fixed)
        late = await ChatServer.start(f"--redis={redis.url}")
        servers.append(late)
        assert teacher_link(fixed)[1] == teacher_link(late)[1] == "la-de-hoy-1234"
    finally:
        for server in servers:
            await server.cleanup()
        redis.stop()
