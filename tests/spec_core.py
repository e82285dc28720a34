"""El núcleo del Stack 2, escrito una vez: página y WebSocket en un puerto, IP:puerto y JSON.

La misma especificación comprueba dos servidores: el Stack 2 de verdad
(``tests/test_stack2.py``) y el núcleo que escribe cada estudiante desde un archivo vacío
en la lección 4 (``lessons/04_http_y_websocket/test_ejercicio04_construye.py``). Quien la
usa hereda de ``CoreSpec`` y da una fixture ``app``. Las pruebas miran solo los campos
del núcleo (``type``, ``you``, ``online``, ``who``, ``count``, ``from``, ``text``,
``time``, ``code``): el Stack 2 añade otros (salas, apodos, números de mensaje) y
``tests/test_stack2.py`` comprueba esos aparte.
"""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError
from tornado.websocket import WebSocketClientConnection

from tests.helpers import receive, receive_event, wait_closed


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


def who_is_online(welcome: dict) -> list[str]:
    """Las identidades de la lista «online» de un welcome, en su orden."""
    return [person["who"] for person in welcome["online"]]


class CoreSpec:
    """Las comprobaciones del núcleo. Necesitan ``app``, ``connect``, ``ws_base`` y las de
    pytest-tornado (``http_client``, ``base_url``, ``http_port``)."""

    # El JavaScript que carga la página: uno solo en el núcleo de la lección 4.
    page_script = "/static/chat.js"

    @pytest.fixture
    def ws_url(self, ws_base: str) -> str:
        return f"{ws_base}/ws"

    # --- La página y sus archivos, en el mismo puerto ---------------------------------

    @pytest.mark.gen_test
    async def test_serves_the_chat_page(self, http_client, base_url) -> None:
        """GET / devuelve la página del chat (HTML) con su JavaScript y su chat.css."""
        response = await http_client.fetch(base_url + "/")
        assert response.code == 200
        assert response.headers["Content-Type"].startswith("text/html"), (
            f"La página debe ser HTML y es {response.headers['Content-Type']}"
        )
        html = response.body.decode()
        assert "<script" in html and self.page_script in html
        assert "/static/chat.css" in html

    @pytest.mark.gen_test
    async def test_serves_the_page_script(self, http_client, base_url) -> None:
        """El JavaScript de la página llega con un tipo de JavaScript, desde el mismo puerto."""
        response = await http_client.fetch(base_url + self.page_script)
        assert response.code == 200
        assert "javascript" in response.headers["Content-Type"]

    # --- Identidad y eventos -------------------------------------------------------

    @pytest.mark.gen_test
    async def test_welcome_tells_you_your_ip_and_port_and_who_is_online(
        self, connect, ws_url
    ) -> None:
        """Quien entra recibe un welcome con su IP:puerto (you) y la lista online, en orden."""
        first, first_welcome = await join(connect, ws_url)
        second, second_welcome = await join(connect, ws_url)
        assert first_welcome["you"] == identity_of(first)
        assert second_welcome["you"] == identity_of(second)
        assert who_is_online(second_welcome) == [identity_of(first), identity_of(second)]

    @pytest.mark.gen_test
    async def test_the_others_are_told_when_someone_joins(self, connect, ws_url) -> None:
        """Cuando alguien entra, los demás reciben un join con quién es y cuántos hay."""
        first, _ = await join(connect, ws_url)
        second, _ = await join(connect, ws_url)
        event = await receive_event(first, "join")
        assert (event["who"], event["count"]) == (identity_of(second), 2)

    @pytest.mark.gen_test
    async def test_the_others_are_told_when_someone_leaves(self, connect, ws_url) -> None:
        """Cuando alguien sale, los que quedan reciben un leave con quién y cuántos quedan."""
        staying, _ = await join(connect, ws_url)
        leaving, _ = await join(connect, ws_url)
        await receive_event(staying, "join")
        who = identity_of(leaving)
        leaving.close()
        await wait_closed(leaving)
        event = await receive_event(staying, "leave")
        assert (event["who"], event["count"]) == (who, 1)

    @pytest.mark.gen_test
    async def test_welcome_plus_join_and_leave_rebuild_who_is_online(self, connect, ws_url) -> None:
        """Con el welcome y los join y leave, una página sabe en todo momento quién está."""
        watcher, welcome = await join(connect, ws_url)
        people = who_is_online(welcome)  # Como hace la página.
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
            assert event["count"] == len(people), f"«count» no cuadra con la lista: {event}"
        _, latecomer = await join(connect, ws_url)
        assert who_is_online(latecomer)[:-1] == people, "La lista del welcome es otra"

    @pytest.mark.gen_test
    async def test_join_and_leave_do_not_grow_with_the_number_of_people(
        self, connect, ws_url
    ) -> None:
        """Un join no lleva la lista entera: mide lo mismo con 2 personas que con 31."""
        # Si llevaran la lista entera, que entraran N personas movería N³ bytes.
        watcher, _ = await join(connect, ws_url)
        sizes = []
        for _ in range(30):
            await join(connect, ws_url)
            sizes.append(len(await receive(watcher)))
        assert max(sizes) - min(sizes) <= 2, f"El join crece con la gente: {sizes}"

    @pytest.mark.gen_test
    async def test_a_message_reaches_everyone_labelled_with_the_sender(
        self, connect, ws_url
    ) -> None:
        """Un mensaje llega a todos, también a quien lo envió, con from, text y la hora."""
        clients = await three_clients(connect, ws_url)
        await clients[1].write_message(chat("Hola mundo"))
        for client in clients:
            event = await receive_event(client, "message")
            assert event["from"] == identity_of(clients[1])
            assert event["text"] == "Hola mundo"
            assert event["time"].endswith("Z"), f"La hora debe ir en UTC: {event['time']}"

    @pytest.mark.gen_test
    async def test_three_clients_receive_each_message_exactly_once_in_order(
        self, connect, ws_url
    ) -> None:
        """Diez mensajes seguidos llegan a los tres clientes una vez y en orden."""
        clients = await three_clients(connect, ws_url)
        expected = [f"mensaje {i}" for i in range(9)] + ["fin"]  # 10: la ráfaga del Stack 2
        for text in expected:
            clients[0].write_message(chat(text))
        for client in clients:
            texts = [(await receive_event(client, "message"))["text"] for _ in expected]
            assert texts == expected

    @pytest.mark.gen_test
    async def test_every_client_sees_the_same_order(self, connect, ws_url) -> None:
        """Quince mensajes de tres clientes a la vez: los tres ven el mismo orden."""
        clients = await three_clients(connect, ws_url)
        for i in range(15):
            clients[i % 3].write_message(chat(f"m{i}"))
        seen = []
        for client in clients:
            seen.append([(await receive_event(client, "message"))["text"] for _ in range(15)])
        assert seen[0] == seen[1] == seen[2], "Cada cliente vio un orden distinto"
        assert sorted(seen[0]) == sorted(f"m{i}" for i in range(15))

    # --- Errores: se avisa a quien se equivocó y la conexión sigue ---------------------

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
        self, connect, ws_url, frame, code
    ) -> None:
        """Un frame mal formado recibe un error con su code; la conexión sigue sirviendo."""
        client, _ = await join(connect, ws_url)
        await client.write_message(frame)
        error = await receive_event(client, "error")
        assert error["code"] == code, f"Con {frame!r}, el code debía ser {code!r}: {error}"
        assert error["text"].endswith("."), "El error debe ser una frase en español"
        await client.write_message(chat("sigo aquí"))
        assert (await receive_event(client, "message"))["text"] == "sigo aquí"

    @pytest.mark.gen_test
    async def test_bad_frames_reach_nobody_else(self, connect, ws_url) -> None:
        """El error va solo a quien se equivocó: los demás no reciben nada de él."""
        other, _ = await join(connect, ws_url)
        client, _ = await join(connect, ws_url)
        await receive_event(other, "join")
        await client.write_message("{roto")
        await receive_event(client, "error")
        await client.write_message(chat("bien"))
        assert (await receive_event(other, "message"))["text"] == "bien"

    @pytest.mark.gen_test
    async def test_binary_frames_get_an_error_event(self, connect, ws_url) -> None:
        """Un frame binario recibe un error con el code «binary» (la conexión no se cierra)."""
        client, _ = await join(connect, ws_url)
        await client.write_message(b"\x00\xff", binary=True)
        assert (await receive_event(client, "error"))["code"] == "binary"

    # --- Origen: solo las páginas de este servidor --------------------------------------

    @pytest.mark.gen_test
    async def test_rejects_websockets_from_other_websites(self, connect, ws_url) -> None:
        """Una página de otra web recibe un 403 en el handshake."""
        with pytest.raises(HTTPClientError) as error:
            await connect(ws_url, headers={"Origin": "http://otro-sitio.example"})
        assert error.value.code == 403

    @pytest.mark.gen_test
    async def test_rejects_pages_opened_from_disk(self, connect, ws_url) -> None:
        """Una página abierta desde el disco (Origin: null) recibe un 403."""
        with pytest.raises(HTTPClientError) as error:
            await connect(ws_url, headers={"Origin": "null"})
        assert error.value.code == 403

    @pytest.mark.gen_test
    async def test_accepts_its_own_page(self, connect, ws_url, http_port) -> None:
        """La página servida por este mismo servidor sí puede abrir el WebSocket."""
        client = await connect(ws_url, headers={"Origin": f"http://127.0.0.1:{http_port}"})
        await receive_event(client, "welcome")
