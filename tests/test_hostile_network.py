"""Los dos server.py atacados desde la red, en loopback: cada defensa, contra quien la prueba.

Cada prueba arranca el servidor de verdad en un proceso aparte (tests/test_processes.py)
y le habla con sockets hechos a mano, como lo haría un script hostil en el aula.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import subprocess
import sys

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from common.defences.per_address import TCP_PER_WEBSOCKET, TOO_MANY_NEW, TOO_MANY_OPEN
from tests.helpers import receive, receive_event, wait_closed
from tests.test_processes import ROOT, STACKS, Server

WS_PATH = {"stack1": "/", "stack2": "/ws"}


def handshake(port: int, path: str, host: str, origin: str | None) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def open_socket(port: int, source: str = "127.0.0.1") -> socket.socket:
    """Un socket TCP conectado al servidor desde ``source`` (una IP de loopback)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.bind((source, 0))
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    return sock


async def read_until_closed(sock: socket.socket, timeout: float = 5) -> bytes:
    """Todo lo que envía el servidor hasta que cierra; falla si no cierra a tiempo."""
    loop = asyncio.get_running_loop()
    data = b""

    async def read() -> None:
        nonlocal data
        while True:
            try:
                chunk = await loop.sock_recv(sock, 65536)
            except ConnectionResetError:
                return
            if not chunk:
                return
            data += chunk

    try:
        await asyncio.wait_for(read(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"El servidor no cerró en {timeout} s; envió {data[:200]!r}") from None
    return data


async def exchange(port: int, request: bytes, source: str = "127.0.0.1") -> bytes:
    """Envía una petición HTTP cruda y devuelve la respuesta (cabeceras y lo que siga)."""
    sock = await open_socket(port, source)
    try:
        await asyncio.get_running_loop().sock_sendall(sock, request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(sock, 65536), 5)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        sock.close()


async def start(servers, stack: str, *args: str, **popen: object) -> Server:
    folder, _, _ = STACKS[stack]
    server = await Server.start(folder, ROOT, *args, **popen)
    servers.append(server)
    return server


async def stop_without_tracebacks(server: Server) -> str:
    code, stderr = await server.stop()
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr
    return stderr


# --- 1 · Cuerpos de petición ----------------------------------------------------------------


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("stack", STACKS)
async def test_a_post_announcing_a_huge_body_gets_400_before_sending_it(servers, stack) -> None:
    server = await start(servers, stack)
    request = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: 50000000\r\n\r\n"
    )
    response = await exchange(server.port, request.encode())
    assert response.startswith(b"HTTP/1.1 400"), f"Se esperaba un 400 y llegó {response[:80]!r}"
    await stop_without_tracebacks(server)


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("stack", STACKS)
async def test_a_body_sent_drop_by_drop_is_cut_at_the_handshake_timeout(servers, stack) -> None:
    server = await start(servers, stack, "--handshake-timeout=1")
    sock = await open_socket(server.port)
    head = f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: 1000\r\n\r\n"
    await asyncio.get_running_loop().sock_sendall(sock, head.encode() + b"x" * 10)
    await read_until_closed(sock, timeout=4)  # Sin el resto del cuerpo, cierra en 1 s.
    sock.close()
    await stop_without_tracebacks(server)


# --- 2 · Sockets que no dicen nada y descriptores de archivo -------------------------------


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("stack", STACKS)
async def test_a_socket_that_never_speaks_is_closed_after_the_handshake_timeout(
    servers,
    stack,
) -> None:
    server = await start(servers, stack, "--handshake-timeout=1")
    sock = await open_socket(server.port)
    assert await read_until_closed(sock, timeout=4) == b""
    sock.close()
    await stop_without_tracebacks(server)


def _few_files() -> None:
    """Antes de arrancar el servidor: solo 64 descriptores, sin poder subirlos."""
    import resource  # Solo existe en Unix.

    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


@pytest.mark.skipif(sys.platform != "linux", reason="limita los descriptores con setrlimit")
@pytest.mark.gen_test(timeout=60)
async def test_running_out_of_descriptors_refuses_quietly_logs_once_and_recovers(
    servers,
) -> None:
    server = await start(servers, "stack1", preexec_fn=_few_files)
    # 80 sockets mudos, 10 por IP de loopback: más de lo que caben en 64 descriptores.
    idle = [await open_socket(server.port, f"127.0.0.{10 + n // 10}") for n in range(80)]
    try:
        # El que llega ahora no cabe: un 503 claro, y no una espera infinita.
        with pytest.raises(HTTPClientError) as refused:
            await websocket_connect(f"ws://127.0.0.1:{server.port}")
        assert refused.value.code == 503
    finally:
        for sock in idle:
            sock.close()
    for _ in range(50):  # Cuando se van, vuelve a haber sitio (el cierre tarda un instante).
        try:
            client = await websocket_connect(f"ws://127.0.0.1:{server.port}")
            break
        except HTTPClientError:
            await asyncio.sleep(0.1)
    else:
        raise AssertionError("El servidor no se recuperó al cerrarse los sockets")
    await client.write_message("Ana: sigo aquí")
    assert await receive(client) == "Ana: sigo aquí"
    client.close()
    stderr = await stop_without_tracebacks(server)
    assert "Too many open files" not in stderr
    assert stderr.count("Rechazo conexiones nuevas") == 1, stderr


# --- 3 · DNS rebinding ---------------------------------------------------------------------


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("stack", STACKS)
async def test_a_handshake_for_a_foreign_host_name_gets_403(servers, stack) -> None:
    server = await start(servers, stack)
    host = f"evil.example:{server.port}"
    # La página de evil.example, con su nombre apuntando a este equipo: Origin y Host
    # coinciden (Stack 2), o Origin es «null», el de un iframe «sandbox» (Stack 1).
    origin = "null" if stack == "stack1" else f"http://{host}"
    response = await exchange(server.port, handshake(server.port, WS_PATH[stack], host, origin))
    assert response.startswith(b"HTTP/1.1 403"), f"Se esperaba un 403 y llegó {response[:80]!r}"
    await stop_without_tracebacks(server)


@pytest.mark.gen_test(timeout=30)
async def test_allowed_hosts_lets_in_the_name_a_proxy_uses(servers) -> None:
    server = await start(servers, "stack2", "--allowed-hosts=chat.example")
    host = f"chat.example:{server.port}"
    response = await exchange(server.port, handshake(server.port, "/ws", host, f"http://{host}"))
    assert response.startswith(b"HTTP/1.1 101"), response[:80]
    await stop_without_tracebacks(server)


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.0.0.5"])
async def test_localhost_and_loopback_hosts_still_get_in(servers, host) -> None:
    server = await start(servers, "stack2")
    named = f"{host}:{server.port}"
    response = await exchange(server.port, handshake(server.port, "/ws", named, f"http://{named}"))
    assert response.startswith(b"HTTP/1.1 101"), response[:80]
    await stop_without_tracebacks(server)


# --- 5 · Límites por dirección IP ----------------------------------------------------------


async def ws_from(port: int, source: str, path: str = "/ws"):
    return await websocket_connect(
        HTTPRequest(f"ws://127.0.0.1:{port}{path}", network_interface=source)
    )


@pytest.mark.gen_test(timeout=30)
async def test_one_address_cannot_take_every_seat_of_the_class(servers) -> None:
    server = await start(servers, "stack1", "--max-per-address=5")
    mine = [await ws_from(server.port, "127.0.0.1", "/") for _ in range(5)]
    with pytest.raises(HTTPClientError) as refused:
        await ws_from(server.port, "127.0.0.1", "/")
    assert refused.value.code == 503
    classmate = await ws_from(server.port, "127.0.0.2", "/")  # Otro equipo sí entra.
    await classmate.write_message("Eva: hola")
    assert await receive(classmate) == "Eva: hola"
    for conn in [*mine, classmate]:
        conn.close()
    stderr = await stop_without_tracebacks(server)
    assert TOO_MANY_OPEN in stderr


@pytest.mark.gen_test(timeout=30)
async def test_a_reconnect_loop_is_stopped_by_the_new_connections_rate(servers) -> None:
    server = await start(servers, "stack1")
    refused = 0
    for _ in range(40):  # Entrar y salir en bucle, tan deprisa como se pueda.
        try:
            conn = await ws_from(server.port, "127.0.0.1", "/")
        except HTTPClientError as error:
            assert error.code == 503
            refused += 1
            continue
        conn.close()
    assert refused > 0, "40 conexiones seguidas desde una IP pasaron todas"
    stderr = await stop_without_tracebacks(server)
    assert TOO_MANY_NEW in stderr


@pytest.mark.gen_test(timeout=30)
async def test_stack2_refuses_the_websocket_over_max_per_address_with_1013_and_why(
    servers,
) -> None:
    server = await start(servers, "stack2", "--max-per-address=3")
    mine = [await ws_from(server.port, "127.0.0.1") for _ in range(3)]
    for conn in mine:
        await receive_event(conn, "welcome")
    # La 4.ª pestaña: el handshake pasa y el cierre lleva el motivo, que la página puede
    # enseñar (con un 503 antes del handshake, el navegador no deja leer por qué).
    fourth = await ws_from(server.port, "127.0.0.1")
    assert await wait_closed(fourth) == (1013, TOO_MANY_OPEN)
    mine[0].close()  # Se cierra una pestaña: su sitio queda libre.
    await wait_closed(mine[0])
    for _ in range(50):
        again = await ws_from(server.port, "127.0.0.1")
        event = await again.read_message()
        if event is not None:
            break
        await asyncio.sleep(0.05)  # El servidor aún no había procesado el cierre.
    else:
        raise AssertionError("El sitio de la pestaña cerrada no quedó libre")
    assert json.loads(event)["type"] == "welcome"
    classmate = await ws_from(server.port, "127.0.0.2")  # Otro equipo sí entra.
    await receive_event(classmate, "welcome")
    for conn in [*mine, fourth, again, classmate]:
        conn.close()
    await stop_without_tracebacks(server)


@pytest.mark.gen_test(timeout=30)
async def test_stack2_lets_each_websocket_bring_its_page_connections_and_no_more(servers) -> None:
    # Las conexiones HTTP de las pestañas (keep-alive) no gastan el cupo de WebSockets: el
    # portero admite TCP_PER_WEBSOCKET × --max-per-address conexiones TCP por dirección.
    server = await start(servers, "stack2", "--max-per-address=2")
    loop = asyncio.get_running_loop()
    request = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()
    idle = []
    try:
        for _ in range(2 * TCP_PER_WEBSOCKET):  # Cada una pide algo y se queda abierta.
            idle.append(await open_socket(server.port, "127.0.0.3"))
            await loop.sock_sendall(idle[-1], request)
            reply = await asyncio.wait_for(loop.sock_recv(idle[-1], 65536), 5)
            assert reply.startswith(b"HTTP/1.1 200"), f"La conexión {len(idle)}: {reply[:80]!r}"
        one_more = await open_socket(server.port, "127.0.0.3")
        reply = await read_until_closed(one_more)
        one_more.close()
        assert reply.startswith(b"HTTP/1.1 503"), reply[:80]
        assert TOO_MANY_OPEN.encode() in reply
    finally:
        for sock in idle:
            sock.close()
    await stop_without_tracebacks(server)


@pytest.mark.gen_test(timeout=30)
async def test_stack2_tells_a_reconnect_loop_why_it_is_closed(servers) -> None:
    server = await start(servers, "stack2")
    reasons = set()
    for _ in range(40):  # Entrar y salir en bucle: el portero deja pasar, el chat no.
        conn = await ws_from(server.port, "127.0.0.4")
        if await conn.read_message() is None:
            reasons.add((conn.close_code, conn.close_reason))
        conn.close()
    assert reasons == {(1013, TOO_MANY_NEW)}, reasons
    await stop_without_tracebacks(server)


def chat(text: str) -> str:
    return json.dumps({"type": "message", "text": text})


async def delivered(sender, me: str, sent: int) -> int:
    """Cuántos de los ``sent`` mensajes que acaba de enviar ``me`` se difundieron.

    Cada mensaje recibe una respuesta: su propia difusión o un error ``too_fast``.
    Lo que envían los demás (y los join o leave) se salta.
    """
    accepted = answered = 0
    while answered < sent:
        event = await receive_event(sender)
        if event["type"] == "error" or (event["type"] == "message" and event["from"] == me):
            answered += 1
            accepted += event["type"] == "message"
    return accepted


@pytest.mark.gen_test(timeout=30)
async def test_many_sockets_from_one_address_share_one_message_allowance(servers) -> None:
    server = await start(servers, "stack2")
    sockets = [await ws_from(server.port, "127.0.0.1") for _ in range(5)]
    names = [(await receive_event(conn, "welcome"))["you"] for conn in sockets]
    loop = asyncio.get_running_loop()
    started = loop.time()
    total = 0
    for conn, me in zip(sockets, names):  # Cada una cabría sola en su cubo (10 de golpe)...
        for n in range(10):
            await conn.write_message(chat(f"spam {n}"))
        total += await delivered(conn, me, 10)
    elapsed = loop.time() - started
    # ...pero la IP entera tiene 2 × 10 de golpe y 2 × 5 por segundo.
    assert total <= 20 + 10 * elapsed + 1, f"Pasaron {total} mensajes de 50 desde una sola IP"
    for conn in sockets:
        conn.close()
    await stop_without_tracebacks(server)


@pytest.mark.gen_test(timeout=30)
async def test_reconnecting_does_not_refill_the_message_allowance(servers) -> None:
    server = await start(servers, "stack2")
    loop = asyncio.get_running_loop()
    started = loop.time()
    total = 0
    for _ in range(6):  # Inundar, salir, volver a entrar con un cubo nuevo...
        conn = await ws_from(server.port, "127.0.0.1")
        me = (await receive_event(conn, "welcome"))["you"]
        for n in range(12):
            await conn.write_message(chat(f"spam {n}"))
        total += await delivered(conn, me, 12)
        conn.close()
    elapsed = loop.time() - started
    assert total <= 20 + 10 * elapsed + 1, f"Pasaron {total} mensajes de 72 reconectando"
    await stop_without_tracebacks(server)


# --- 6 · Detrás de nginx (--xheaders) -----------------------------------------------------

_real_ports = iter(range(40000, 60000))


async def ws_via_proxy(port: int, proxy: str, student: str):
    """Un WebSocket que llega desde ``proxy`` diciendo, como nginx, que es de ``student``."""
    headers = {"X-Real-IP": student, "X-Real-Port": str(next(_real_ports))}
    request = HTTPRequest(f"ws://127.0.0.1:{port}/ws", headers=headers, network_interface=proxy)
    return await websocket_connect(request)


@pytest.mark.gen_test(timeout=30)
async def test_with_xheaders_only_a_trusted_proxy_is_believed(servers) -> None:
    server = await start(servers, "stack2", "--xheaders", "--trusted-proxies=127.0.0.2")
    # Alguien que llega directo, sin pasar por el proxy, no puede hacerse pasar por otro...
    forged = await ws_via_proxy(server.port, "127.0.0.1", "10.9.9.9")
    assert (await receive_event(forged, "welcome"))["you"].startswith("127.0.0.1:")
    # ...y lo que dice el proxy de confianza, sí vale.
    proxied = await ws_via_proxy(server.port, "127.0.0.2", "10.9.9.9")
    assert (await receive_event(proxied, "welcome"))["you"].startswith("10.9.9.9:")
    for conn in (forged, proxied):
        conn.close()
    await stop_without_tracebacks(server)


def test_a_trusted_proxy_that_is_not_an_ip_is_a_spanish_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "stack2_http/server.py", "--xheaders", "--trusted-proxies=nginx.local"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "Error: --trusted-proxies: «nginx.local» no es una IP ni una red (10.0.0.5, 10.0.0.0/24).\n"
    )


@pytest.mark.gen_test(timeout=60)
async def test_behind_a_trusted_proxy_the_class_gets_in_although_it_all_comes_from_one_ip(
    servers,
) -> None:
    # 25 estudiantes con --max-per-address=2: para el portero, el proxy no es una persona.
    server = await start(servers, "stack2", "--xheaders", "--max-per-address=2")
    students = [await ws_via_proxy(server.port, "127.0.0.1", f"10.0.0.{n}") for n in range(25)]
    for n, conn in enumerate(students):
        assert (await receive_event(conn, "welcome"))["you"].startswith(f"10.0.0.{n}:")
    for conn in students:
        conn.close()
    await stop_without_tracebacks(server)


@pytest.mark.gen_test(timeout=30)
async def test_behind_a_trusted_proxy_each_student_still_has_their_own_limit(servers) -> None:
    server = await start(servers, "stack2", "--xheaders", "--max-per-address=2")
    tabs = [await ws_via_proxy(server.port, "127.0.0.1", "10.0.0.1") for _ in range(3)]
    for conn in tabs[:2]:
        await receive_event(conn, "welcome")
    assert await wait_closed(tabs[2]) == (1013, TOO_MANY_OPEN)
    classmate = await ws_via_proxy(server.port, "127.0.0.1", "10.0.0.2")
    await receive_event(classmate, "welcome")
    for conn in [*tabs, classmate]:
        conn.close()
    await stop_without_tracebacks(server)


@pytest.mark.gen_test(timeout=30)
async def test_behind_a_trusted_proxy_each_student_has_their_own_message_allowance(
    servers,
) -> None:
    # Cada conexión admite 5 de golpe; cada estudiante, 10 entre todas las suyas.
    limits = ("--rate=1000", "--burst=5", "--address-rate=0.1")
    server = await start(servers, "stack2", "--xheaders", *limits)
    for student in ("10.0.0.1", "10.0.0.2"):
        conns = [await ws_via_proxy(server.port, "127.0.0.1", student) for _ in range(2)]
        names = [(await receive_event(conn, "welcome"))["you"] for conn in conns]
        total = 0
        for conn, me in zip(conns, names):
            for n in range(5):
                await conn.write_message(chat(f"{student} {n}"))
            total += await delivered(conn, me, 5)
        assert total == 10, f"De {student} pasaron {total} de 10: ¿comparte cubo con otro?"
        for conn in conns:
            conn.close()
    await stop_without_tracebacks(server)


# --- 7 · Respuestas de error ---------------------------------------------------------------


@pytest.mark.gen_test(timeout=30)
async def test_a_null_byte_in_a_static_path_is_a_400_without_traceback(servers) -> None:
    server = await start(servers, "stack2")
    request = f"GET /static/%00 HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n"
    response = await exchange(server.port, request.encode())
    assert response.startswith(b"HTTP/1.1 400"), response[:80]
    await stop_without_tracebacks(server)


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize(
    "case", ["ruta que no existe", "GET /ws sin upgrade", "origen rechazado", "Host ajeno"]
)
async def test_error_responses_carry_nosniff_and_a_csp(servers, case) -> None:
    server = await start(servers, "stack2")
    here = f"127.0.0.1:{server.port}"
    request = {
        "ruta que no existe": f"GET /nada HTTP/1.1\r\nHost: {here}\r\n\r\n".encode(),
        "GET /ws sin upgrade": f"GET /ws HTTP/1.1\r\nHost: {here}\r\n\r\n".encode(),
        "origen rechazado": handshake(server.port, "/ws", here, "http://evil.example:9000"),
        "Host ajeno": handshake(server.port, "/ws", "evil.example", "http://evil.example"),
    }[case]
    head = (await exchange(server.port, request)).split(b"\r\n\r\n")[0].decode().lower()
    assert head.startswith("http/1.1 4"), head
    assert "x-content-type-options: nosniff" in head, head
    assert "content-security-policy: default-src 'none'" in head, head
    await stop_without_tracebacks(server)
