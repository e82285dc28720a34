"""Varios procesos del Stack 2, un solo chat: con un redis-server y un nginx de verdad.

Cada prueba arranca su propio redis-server (en un puerto libre de loopback, sin guardar
nada en disco salvo que la prueba lo pida) y los procesos del chat como lo haría el
profesor. Ninguna usa un Redis de mentira: lo que se prueba es lo que pasa en clase.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import ssl
import subprocess
from typing import Any

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from common.live.presence import Change
from common.processes.link import RedisLink
from common.processes.presence import RedisPresence
from tests.helpers import receive_event, wait_closed
from tests.services import ChatServer, Nginx, RedisServer, free_port, need

# Lo que tarda como mucho una prueba de este archivo (arranca procesos de verdad).
TEST_TIMEOUT = 40


@pytest.fixture
def chats(io_loop):
    """Los procesos del chat que arranca la prueba; al final, ninguno queda vivo."""
    started: list[ChatServer] = []
    yield started
    for server in started:
        io_loop.run_sync(server.cleanup, timeout=30)


@pytest.fixture
def clients(io_loop):
    opened: list[WebSocketClientConnection] = []
    yield opened
    for conn in opened:
        conn.close()


# Las pruebas envían ráfagas: el control de inundación (--rate, --burst) no debe frenarlas.
FAST = ("--rate=1000", "--burst=1000")


async def two_processes(redis_server: RedisServer, chats: list, *args: str) -> list[ChatServer]:
    for _ in range(2):
        chats.append(await ChatServer.start(f"--redis={redis_server.url}", *FAST, *args))
    return chats[-2:]


async def join(clients: list, url: str, **headers: str) -> tuple[WebSocketClientConnection, dict]:
    conn = await websocket_connect(HTTPRequest(url, headers=headers))
    clients.append(conn)
    return conn, await receive_event(conn, "welcome")


async def next_of(conn: WebSocketClientConnection, type_: str, timeout: float = 3) -> dict:
    """El siguiente evento de ese tipo, saltando los demás (join, status...)."""

    async def read() -> dict:
        while True:
            message = await conn.read_message()
            assert message is not None, f"Se cerró esperando {type_} ({conn.close_code})"
            event = json.loads(message)
            if event["type"] == type_:
                return event

    try:
        return await asyncio.wait_for(read(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"No llegó ningún {type_} en {timeout} s") from None


async def until_online(conn: WebSocketClientConnection, welcome: dict, who: str) -> None:
    """Espera a que el proceso de ``conn`` sepa que ``who`` está: en el welcome o en un join."""
    online = [person["who"] for person in welcome["online"]]
    while who not in online:
        online.append((await next_of(conn, "join"))["who"])


def chat(text: str, cid: str | None = None) -> str:
    event: dict[str, Any] = {"type": "message", "text": text}
    if cid is not None:
        event["cid"] = cid
    return json.dumps(event)


# --- Un chat, dos procesos ---------------------------------------------------------


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_message_sent_on_one_process_reaches_the_other_in_order(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    sender, _ = await join(clients, a.ws)
    listener, _ = await join(clients, b.ws)
    for n in range(20):
        sender.write_message(chat(f"mensaje {n}", f"c{n}"))
    got = [await next_of(listener, "message") for _ in range(20)]
    assert [e["text"] for e in got] == [f"mensaje {n}" for n in range(20)]
    assert [e["seq"] for e in got] == list(range(1, 21))


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_room_opened_after_start_crosses_processes_with_its_own_history(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    sender, _ = await join(clients, a.ws + "/clase")  # Ninguno seguía esta sala al arrancar.
    await sender.write_message(chat("antes", "c0"))
    await next_of(sender, "ack")
    listener, welcome = await join(clients, b.ws + "/clase")
    assert [e["text"] for e in welcome["history"]] == ["antes"]
    outsider, _ = await join(clients, b.ws)  # En «general»: no debe recibir nada de «clase».
    for n in range(5):
        sender.write_message(chat(f"en clase {n}", f"c{n + 1}"))
    got = [await next_of(listener, "message") for _ in range(5)]
    assert [e["seq"] for e in got] == [2, 3, 4, 5, 6]
    assert all(e["room"] == "clase" for e in got)
    await outsider.write_message(chat("en general", "g1"))
    assert (await next_of(outsider, "message"))["text"] == "en general"


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_both_processes_number_one_history_without_repeating_a_seq(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    on_a, _ = await join(clients, a.ws)
    on_b, _ = await join(clients, b.ws)
    for n in range(10):  # Los dos envían a la vez: Redis da los números.
        on_a.write_message(chat(f"a{n}", f"a{n}"))
        on_b.write_message(chat(f"b{n}", f"b{n}"))
    seen_a = [await next_of(on_a, "message") for _ in range(20)]
    seen_b = [await next_of(on_b, "message") for _ in range(20)]
    assert [e["seq"] for e in seen_a] == list(range(1, 21))
    assert seen_a == seen_b  # El mismo orden en los dos procesos.


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_the_online_list_is_the_union_and_join_and_leave_cross_processes(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    first, hello = await join(clients, a.ws)
    second, welcome = await join(clients, b.ws)
    # La lista de B es la unión: la entrada de A puede estar ya en su welcome o llegar
    # justo después como «join» (viaja por Redis).
    online = [person["who"] for person in welcome["online"]]
    if hello["you"] not in online:
        online.insert(0, (await next_of(second, "join"))["who"])
    assert online == [hello["you"], welcome["you"]]
    joined = await next_of(first, "join")
    assert (joined["who"], joined["count"]) == (welcome["you"], 2)
    second.close()
    left = await next_of(first, "leave")
    assert (left["who"], left["count"]) == (welcome["you"], 1)


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_cid_retried_on_the_other_process_gets_the_same_ack_and_no_broadcast(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    watcher, _ = await join(clients, a.ws)
    # Un reintento se reconoce por la clave de la página (?client=), no por la conexión.
    first, _ = await join(clients, a.ws + "?client=clave-de-ana")
    first.write_message(chat("una vez", "mismo-cid"))
    ack = await next_of(first, "ack")
    # La página volvió a conectar, a otro proceso, con su misma clave.
    retry, _ = await join(clients, b.ws + "?client=clave-de-ana")
    retry.write_message(chat("una vez", "mismo-cid"))
    assert await next_of(retry, "ack") == ack
    retry.write_message(chat("otra", "otro-cid"))
    texts = [(await next_of(watcher, "message"))["text"] for _ in range(2)]
    assert texts == ["una vez", "otra"]


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_client_resumes_on_the_other_process_and_misses_nothing(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    sender, welcome = await join(clients, a.ws)
    for n in range(5):
        sender.write_message(chat(f"antes {n}", f"x{n}"))
    last = [await next_of(sender, "message") for _ in range(5)][-1]
    for n in range(7):  # Mientras tanto, el otro cliente está desconectado.
        sender.write_message(chat(f"durante {n}", f"y{n}"))
    for _ in range(7):
        await next_of(sender, "ack")
    resumer, resumed = await join(clients, f"{b.ws}?since={last['seq']}&epoch={welcome['epoch']}")
    assert resumed["recovered"] is True
    got = resumed["history"]
    # Lo que el proceso B aún no había leído de Redis llega justo después, en directo.
    while len(got) < 7:
        got.append(await next_of(resumer, "message"))
    assert [e["text"] for e in got] == [f"durante {n}" for n in range(7)]
    assert [e["seq"] for e in got] == list(range(6, 13))


# --- Apodos, «está escribiendo…» y privados entre procesos ---------------------------


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_nickname_taken_on_one_process_is_refused_on_the_other(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    watcher, _ = await join(clients, b.ws)
    _, ana = await join(clients, a.ws + "?nick=Ana")
    joined = await next_of(watcher, "join")  # Llega a B con su apodo.
    assert (joined["who"], joined["nick"]) == (ana["you"], "Ana")
    await watcher.write_message(json.dumps({"type": "nick", "nick": "ANA"}))
    assert (await next_of(watcher, "error"))["code"] == "nick_taken"
    _, late = await join(clients, b.ws)  # Quien llega después lo ve en la lista.
    assert {"who": ana["you"], "nick": "Ana"} in late["online"]


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_nickname_change_and_its_release_cross_processes(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    watcher, _ = await join(clients, b.ws)
    ana, hello = await join(clients, a.ws)
    await next_of(watcher, "join")
    await ana.write_message(json.dumps({"type": "nick", "nick": "Ana"}))
    renamed = await next_of(watcher, "nick")
    assert (renamed["who"], renamed["nick"]) == (hello["you"], "Ana")
    ana.close()
    left = await next_of(watcher, "leave")
    assert (left["who"], left["nick"]) == (hello["you"], "Ana")
    await watcher.write_message(json.dumps({"type": "nick", "nick": "Ana"}))
    assert (await next_of(watcher, "nick"))["nick"] == "Ana"  # Ya está libre.


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_two_processes_giving_one_nickname_at_once_leave_it_to_one_person(
    redis_server,
) -> None:
    # Las dos copias en memoria dicen «libre» a la vez; Redis se lo da a una sola, y a
    # la otra le devuelve el que tenía (ninguno), con un Change «refused».
    first = RedisPresence(RedisLink(redis_server.url))
    second = RedisPresence(RedisLink(redis_server.url))
    changes: list[Change] = []
    for presence in (first, second):
        presence.subscribe(changes.append)
        await presence.start()
        await presence.watch("general")  # Lo que hace el servidor cuando alguien entra.
    try:
        first.join("general", "127.0.0.1:1001")
        second.join("general", "127.0.0.1:2002")
        assert first.set_nick("general", "127.0.0.1:1001", "Ana")
        assert second.set_nick("general", "127.0.0.1:2002", "ana")
        while not any(change.kind == "refused" for change in changes):
            await asyncio.sleep(0.02)  # La respuesta de Redis llega por la tarea que escribe.
        (refused,) = [change for change in changes if change.kind == "refused"]
        assert refused.nick is None and refused.asked in ("Ana", "ana")
        winner = "127.0.0.1:2002" if refused.who == "127.0.0.1:1001" else "127.0.0.1:1001"
        for presence in (first, second):  # Las dos copias acaban diciendo lo mismo.
            while presence.nick_of("general", winner) is None:
                await asyncio.sleep(0.02)
            assert presence.nick_of("general", refused.who) is None
    finally:
        for presence in (first, second):
            await presence.close()
            await presence.link.close()


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_typing_crosses_processes_only_to_its_room(redis_server, chats, clients) -> None:
    a, b = await two_processes(redis_server, chats)
    elsewhere, _ = await join(clients, b.ws + "/otra")
    watcher, _ = await join(clients, b.ws)
    typist, hello = await join(clients, a.ws + "?nick=Eva")
    await next_of(watcher, "join")
    await typist.write_message(json.dumps({"type": "typing"}))
    typing = await next_of(watcher, "typing")
    assert (typing["who"], typing["nick"]) == (hello["you"], "Eva")
    await elsewhere.write_message(chat("¿algo?", "o1"))  # Lo primero que le llega es su eco.
    assert (await receive_event(elsewhere))["type"] in ("ack", "message")


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_private_message_reaches_its_person_on_the_other_process_and_no_one_else(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    bystander, _ = await join(clients, b.ws)
    target, hello = await join(clients, b.ws)
    sender, mine = await join(clients, a.ws)
    await until_online(sender, mine, hello["you"])
    await sender.write_message(json.dumps({"type": "private", "to": hello["you"], "text": "psst"}))
    copy = await next_of(sender, "private")
    got = await next_of(target, "private")
    assert got == copy and (got["from"], got["to"], got["text"]) == (
        mine["you"],
        hello["you"],
        "psst",
    )
    await target.write_message(chat("fin", "f1"))  # Tras el privado, el mensaje de sala.
    event = json.loads(await bystander.read_message())
    while event["type"] != "message":
        assert event["type"] != "private", "El privado llegó a quien no era"
        event = json.loads(await bystander.read_message())


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_private_message_to_someone_in_another_room_of_another_process_is_not_found(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    _, hello = await join(clients, b.ws + "/otra")
    sender, _ = await join(clients, a.ws)
    await sender.write_message(json.dumps({"type": "private", "to": hello["you"], "text": "x"}))
    assert (await next_of(sender, "error"))["code"] == "not_found"


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_typing_crosses_processes_again_when_redis_comes_back(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    watcher, _ = await join(clients, b.ws)
    typist, hello = await join(clients, a.ws)
    await next_of(watcher, "join")
    redis_server.stop(keep_data=True)
    redis_server.start()
    for conn in (watcher, typist):  # Los dos procesos han vuelto a conectar.
        while (await next_of(conn, "status", timeout=10))["degraded"]:
            pass
    # El relé vuelve a suscribirse justo después: el aviso puede perderse (pub/sub no
    # guarda nada), así que se repite hasta que llega, como haría la página al teclear.
    for _ in range(50):
        await typist.write_message(json.dumps({"type": "typing"}))
        try:
            typing = await next_of(watcher, "typing", timeout=0.2)
        except AssertionError:
            continue
        assert typing["who"] == hello["you"]
        return
    raise AssertionError("«Está escribiendo…» no volvió a cruzar de un proceso a otro")


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_private_message_for_another_process_while_redis_is_down_says_it_did_not_arrive(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    _, hello = await join(clients, b.ws)
    sender, mine = await join(clients, a.ws)
    await until_online(sender, mine, hello["you"])
    redis_server.stop(keep_data=True)
    await next_of(sender, "status")
    await sender.write_message(json.dumps({"type": "private", "to": hello["you"], "text": "x"}))
    error = await next_of(sender, "error")
    assert error["code"] == "unavailable" and "privado" in error["text"]


# --- Fallos -----------------------------------------------------------------------


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_redis_stopping_keeps_connections_open_and_answers_unavailable_with_the_cid(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    sender, _ = await join(clients, a.ws)
    other, _ = await join(clients, b.ws)
    sender.write_message(chat("antes", "c0"))
    await next_of(other, "message")
    redis_server.stop(keep_data=True)
    for conn in (sender, other):  # Los dos procesos lo notan y lo dicen.
        status = await next_of(conn, "status")
        assert status["degraded"] is True and "Redis" in status["text"]
    sender.write_message(chat("durante el corte", "c1"))
    error = await next_of(sender, "error")
    assert (error["code"], error["cid"]) == ("unavailable", "c1")

    redis_server.start()  # Vuelve con sus datos (dump.rdb).
    assert (await next_of(sender, "status", timeout=10))["degraded"] is False
    assert (await next_of(other, "status", timeout=10))["degraded"] is False
    sender.write_message(chat("durante el corte", "c1"))  # Lo que hace la página: reintentar.
    assert (await next_of(sender, "ack"))["seq"] == 2
    message = await next_of(other, "message")
    assert (message["seq"], message["text"]) == (2, "durante el corte")
    assert sender.close_code is None and other.close_code is None


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_redis_stopping_logs_one_spanish_warning_not_one_per_message(
    redis_server, chats, clients
) -> None:
    (a,) = [await ChatServer.start(f"--redis={redis_server.url}")]
    chats.append(a)
    sender, _ = await join(clients, a.ws)
    redis_server.stop(keep_data=True)
    await next_of(sender, "status")
    for n in range(5):
        sender.write_message(chat(f"perdido {n}", f"p{n}"))
        await next_of(sender, "error")
    _, stderr = await a.stop()
    assert stderr.count("Redis no responde") == 1, stderr
    assert "Traceback" not in stderr


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_redis_back_empty_changes_the_epoch_closes_with_1012_and_resume_is_not_recovered(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    on_a, welcome = await join(clients, a.ws)
    on_b, _ = await join(clients, b.ws)
    on_a.write_message(chat("se perderá", "c0"))
    seq = (await next_of(on_b, "message"))["seq"]
    redis_server.stop(keep_data=False)
    redis_server.start()  # Vacío: sin historial y sin epoch.
    code_a, _ = await wait_closed_within(on_a, 10)
    code_b, _ = await wait_closed_within(on_b, 10)
    assert (code_a, code_b) == (1012, 1012)
    _, resumed = await join(clients, f"{b.ws}?since={seq}&epoch={welcome['epoch']}")
    assert (resumed["recovered"], resumed["reason"]) == (False, "epoch_changed")
    assert resumed["epoch"] != welcome["epoch"]
    again, _ = await join(clients, a.ws)
    again.write_message(chat("nuevo", "c1"))
    assert (await next_of(again, "ack"))["seq"] == 1  # Otra historia, que empieza en 1.


async def wait_closed_within(conn: WebSocketClientConnection, timeout: float) -> tuple:
    async def drain() -> None:
        while await conn.read_message() is not None:
            pass

    await asyncio.wait_for(drain(), timeout)
    return conn.close_code, conn.close_reason


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_the_people_of_a_killed_process_leave_within_15_seconds_and_free_their_nicks(
    redis_server, chats, clients
) -> None:
    a, b = await two_processes(redis_server, chats)
    stays, _ = await join(clients, a.ws)
    _, doomed = await join(clients, b.ws + "?nick=Ana")
    await next_of(stays, "join")
    await b.kill()  # kill -9: no hay apagado limpio que avise.
    left = await next_of(stays, "leave", timeout=15)
    assert (left["who"], left["nick"], left["count"]) == (doomed["you"], "Ana", 1)
    await stays.write_message(json.dumps({"type": "nick", "nick": "Ana"}))
    assert (await next_of(stays, "nick"))["nick"] == "Ana"  # Su apodo quedó libre.


# --- --processes, /healthz, --xheaders, TLS ------------------------------------------


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_processes_without_redis_is_refused_in_spanish() -> None:
    with pytest.raises(AssertionError) as failure:
        await ChatServer.start("--processes=2")
    assert "--processes necesita --redis" in str(failure.value)
    assert "Traceback" not in str(failure.value)


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_two_processes_share_one_port_and_sigterm_closes_everyone_with_1001(
    redis_server, chats, clients
) -> None:
    server = await ChatServer.start(f"--redis={redis_server.url}", "--processes=2")
    chats.append(server)
    conns = [(await join(clients, server.ws))[0] for _ in range(6)]
    # Las conexiones se reparten entre los dos hijos; los mensajes llegan a todas.
    conns[0].write_message(chat("a todos", "c0"))
    for conn in conns:
        assert (await next_of(conn, "message"))["text"] == "a todos"
    returncode, stderr = await server.stop()
    for conn in conns:
        code, _ = await wait_closed(conn)
        assert code == 1001
    assert returncode == 0, stderr
    assert "Traceback" not in stderr


async def join_worker(clients: list, server: ChatServer, worker: int) -> tuple:
    """Entra por el puerto compartido y cae en el hijo ``worker``: el otro, parado, no acepta."""
    others = [pid for pid in server.children() if pid != worker]
    for pid in others:  # SIGSTOP y SIGCONT, solo a nuestros propios hijos.
        os.kill(pid, signal.SIGSTOP)
    try:
        return await join(clients, server.ws)
    finally:
        for pid in others:
            os.kill(pid, signal.SIGCONT)


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_the_workers_of_one_port_are_one_chat_each_with_its_own_name_in_redis(
    redis_server, chats, clients
) -> None:
    # Cada hijo nace de un fork(): si heredara del padre su nombre en Redis, tomaría
    # los avisos del otro por suyos y no los repartiría.
    server = await ChatServer.start(f"--redis={redis_server.url}", "--processes=2", *FAST)
    chats.append(server)
    first_worker, second_worker = server.children()
    first, _ = await join_worker(clients, server, first_worker)
    second, hello = await join_worker(clients, server, second_worker)
    assert (await next_of(first, "join"))["who"] == hello["you"]
    await second.write_message(json.dumps({"type": "typing"}))
    assert (await next_of(first, "typing"))["who"] == hello["you"]
    first.write_message(chat("de uno", "mismo-número-de-envío"))
    second.write_message(chat("de otro", "mismo-número-de-envío-2"))
    acks = {(await next_of(conn, "ack"))["seq"] for conn in (first, second)}
    assert acks == {1, 2}  # Cada uno, el ack de su propio mensaje.


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_worker_that_dies_is_replaced(redis_server, chats, clients) -> None:
    server = await ChatServer.start(f"--redis={redis_server.url}", "--processes=2")
    chats.append(server)
    children = server.children()
    assert len(children) == 2
    subprocess.run(["kill", "-9", str(children[0])], check=True)  # Solo uno de nuestros hijos.
    for _ in range(100):
        now = server.children()
        if len(now) == 2 and children[0] not in now:
            break
        await asyncio.sleep(0.1)  # Esperamos al supervisor: no hay evento que escuchar.
    assert len(now) == 2 and children[0] not in now
    conn, _ = await join(clients, server.ws)
    conn.write_message(chat("sigo aquí", "c0"))
    assert (await next_of(conn, "ack"))["seq"] == 1


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_healthz_is_200_while_redis_answers_and_503_when_it_does_not(
    redis_server, chats
) -> None:
    (server,) = [await ChatServer.start(f"--redis={redis_server.url}")]
    chats.append(server)
    url = f"http://127.0.0.1:{server.port}/healthz"
    http = AsyncHTTPClient()
    assert (await http.fetch(url)).code == 200
    redis_server.stop(keep_data=True)
    for _ in range(100):
        try:
            await http.fetch(url)
        except HTTPClientError as error:
            assert error.code == 503
            break
        await asyncio.sleep(0.05)  # Lo nota el lector de Redis en cuanto cae la conexión.
    else:
        raise AssertionError("/healthz no pasó a 503 con Redis parado")


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_without_xheaders_a_forged_x_real_ip_changes_nothing(
    redis_server, chats, clients
) -> None:
    (server,) = [await ChatServer.start(f"--redis={redis_server.url}")]
    chats.append(server)
    _, welcome = await join(clients, server.ws, **{"X-Real-IP": "10.9.9.9", "X-Real-Port": "1"})
    assert welcome["you"].startswith("127.0.0.1:")


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_behind_nginx_the_identity_is_the_students_socket_not_nginx(
    redis_server, chats, clients, tmp_path
) -> None:
    a, b = await two_processes(redis_server, chats, "--xheaders")
    nginx = Nginx(tmp_path, [a.port, b.port])
    nginx.start()
    try:
        url = f"ws://127.0.0.1:{nginx.port}/ws"
        # Un estudiante que intenta hacerse pasar por otro: nginx sustituye la cabecera.
        conn, welcome = await join(clients, url, **{"X-Real-IP": "10.9.9.9", "X-Real-Port": "1"})
        local_port = conn.protocol.stream.socket.getsockname()[1]
        assert welcome["you"] == f"127.0.0.1:{local_port}"  # Su socket, no el de nginx.
    finally:
        nginx.stop()


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_behind_nginx_the_clients_of_a_killed_process_resume_on_the_other(
    redis_server, chats, clients, tmp_path
) -> None:
    a, b = await two_processes(redis_server, chats, "--xheaders")
    nginx = Nginx(tmp_path, [a.port, b.port])
    nginx.start()
    try:
        url = f"ws://127.0.0.1:{nginx.port}/ws"
        # least_conn: dos conexiones, una en cada proceso.
        pair = [await join(clients, url) for _ in range(2)]
        pair[0][0].write_message(chat("antes", "c0"))
        seen = [await next_of(conn, "message") for conn, _ in pair]
        await a.kill()
        # El cliente de A ve cerrarse su conexión; el de B sigue y habla.
        closed = await first_closed([conn for conn, _ in pair])
        survivor = pair[1 - closed][0]
        survivor.write_message(chat("mientras volvía", "c1"))
        await next_of(survivor, "ack")
        since, epoch = seen[closed]["seq"], seen[closed]["epoch"]
        _, resumed = await join(clients, f"{url}?since={since}&epoch={epoch}")
        assert resumed["recovered"] is True
        assert [e["text"] for e in resumed["history"]] == ["mientras volvía"]
    finally:
        nginx.stop()


async def first_closed(conns: list[WebSocketClientConnection]) -> int:
    """El índice de la primera conexión que el servidor cierra (o corta)."""

    async def until_closed(conn: WebSocketClientConnection) -> None:
        while await conn.read_message() is not None:
            pass

    tasks = [asyncio.ensure_future(until_closed(conn)) for conn in conns]
    done, pending = await asyncio.wait(tasks, timeout=5, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    assert done, "Ninguna conexión se cerró al matar su proceso"
    return tasks.index(done.pop())


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_certfile_and_keyfile_serve_the_chat_over_wss(chats, clients, tmp_path) -> None:
    openssl = need("openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    server = await ChatServer.start(f"--certfile={cert}", f"--keyfile={key}")
    chats.append(server)
    assert f"https://127.0.0.1:{server.port}/" in server.banner
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    request = HTTPRequest(f"wss://127.0.0.1:{server.port}/ws", ssl_options=context)
    conn = await websocket_connect(request)
    clients.append(conn)
    assert (await receive_event(conn, "welcome"))["you"].startswith("127.0.0.1:")


def test_free_port_is_on_loopback() -> None:
    assert 0 < free_port() < 65536
