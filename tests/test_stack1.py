"""Stack 1 con clientes WebSocket reales: reenvía cada texto a todos, tal cual."""

from __future__ import annotations

from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from common.fanout.hub import Hub
from common.startup.network import server_urls
from stack1_pure.server import make_app
from tests.helpers import receive, wait_closed

CLIENT_PAGE = Path(__file__).resolve().parent.parent / "stack1_pure" / "cliente.html"


@pytest.fixture
def app(hub: Hub):
    return make_app(hub)


@pytest.mark.gen_test
async def test_one_message_reaches_all_three_clients_sender_included(connect, ws_base) -> None:
    clients = [await connect(ws_base) for _ in range(3)]
    await clients[0].write_message("Juan: Hola mundo")
    for client in clients:
        assert await receive(client) == "Juan: Hola mundo"


@pytest.mark.gen_test
async def test_every_client_sees_every_message_once_in_the_same_order(connect, ws_base) -> None:
    clients = [await connect(ws_base) for _ in range(3)]
    sent = [f"Cliente{i % 3}: mensaje {i}" for i in range(30)]
    for i, text in enumerate(sent):
        clients[i % 3].write_message(text)  # Una ráfaga, sin esperar respuesta.
    received = []
    for client in clients:
        received.append([await receive(client) for _ in sent])
    assert received[0] == received[1] == received[2], "Cada cliente vio un orden distinto"
    assert sorted(received[0]) == sorted(sent), "Faltan o sobran mensajes"
    for i in range(3):  # Lo que envió un mismo cliente llega en el orden en que lo envió.
        own = [text for text in received[0] if text.startswith(f"Cliente{i}:")]
        assert own == sent[i::3]
    await clients[0].write_message("fin")
    for client in clients:  # Nada duplicado quedó en cola antes de «fin».
        assert await receive(client) == "fin"


@pytest.mark.gen_test
async def test_text_is_relayed_unchanged(connect, ws_base) -> None:
    text = "  Ana: ¡ñandú! <b>negrita</b> 🎉 \n segunda línea  "
    sender, other = await connect(ws_base), await connect(ws_base)
    await sender.write_message(text)
    assert await receive(other) == text


@pytest.mark.gen_test
async def test_a_client_that_leaves_does_not_stop_the_others(connect, ws_base, hub) -> None:
    leaving, staying, sender = [await connect(ws_base) for _ in range(3)]
    leaving.close()
    await wait_closed(leaving)
    await sender.write_message("Luis: ¿sigue alguien?")
    assert await receive(staying) == "Luis: ¿sigue alguien?"
    assert len(hub) == 2


@pytest.mark.gen_test
async def test_accepts_pages_opened_from_disk_with_origin_null(connect, ws_base) -> None:
    client = await connect(ws_base, headers={"Origin": "null"})
    await client.write_message("Ana: hola desde file://")
    assert await receive(client) == "Ana: hola desde file://"


@pytest.mark.gen_test
async def test_rejects_pages_from_other_websites(connect, ws_base) -> None:
    with pytest.raises(HTTPClientError) as error:
        await connect(ws_base, headers={"Origin": "http://otro-sitio.example"})
    assert error.value.code == 403


@pytest.mark.gen_test
async def test_binary_frames_close_that_client_with_1003(connect, ws_base) -> None:
    intruder, other = await connect(ws_base), await connect(ws_base)
    await intruder.write_message(b"\x00\x01", binary=True)
    code, reason = await wait_closed(intruder)
    assert code == 1003
    assert "texto" in reason
    await other.write_message("Eva: sigo aquí")
    assert await receive(other) == "Eva: sigo aquí"


def test_the_page_opened_from_disk_proposes_the_address_the_banner_prints() -> None:
    # 127.0.0.1, como el banner, y no «localhost»: en muchos equipos es ::1 (IPv6).
    here = server_urls("ws://{host}", 8765)[0]  # Su primera línea, con el puerto por defecto.
    assert here == "ws://127.0.0.1:8765"
    page = CLIENT_PAGE.read_text(encoding="utf-8")
    assert f'localStorage.getItem("server") || "{here}";' in page, (
        "Sin ?server= ni una dirección guardada, cliente.html debe proponer la del banner"
    )
