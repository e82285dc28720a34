"""Salas del Stack 2 con clientes reales: cada sala es su propia conversación.

La página de una sala es /sala/<nombre> y su WebSocket /ws/<nombre>; / y /ws son
«general». Mensajes, seq, historial, retomar, entradas, salidas y la lista de
conectados son de cada sala: nada cruza de una a otra.
"""

from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

from common.defences.limits import FloodLimits
from common.fanout.hub import Hub
from stack2_http.server import make_app
from tests.helpers import enter, next_of, receive_event, wait_closed


@pytest.fixture
def app(hub: Hub):
    return make_app(hub, flood=FloodLimits(rate=1000, burst=1000))


def chat(text: str, cid: str | None = None) -> str:
    event = {"type": "message", "text": text}
    if cid is not None:
        event["cid"] = cid
    return json.dumps(event)


# --- Cada sala, su conversación -------------------------------------------------------------


@pytest.mark.gen_test
async def test_the_welcome_names_the_room_of_the_address(connect, ws_base) -> None:
    _, general = await enter(connect, ws_base, "/ws")
    _, clase = await enter(connect, ws_base, "/ws/clase")
    assert general["room"] == "general"
    assert clase["room"] == "clase"


@pytest.mark.gen_test
async def test_ws_and_ws_general_are_the_same_room(connect, ws_base) -> None:
    first, _ = await enter(connect, ws_base, "/ws")
    second, welcome = await enter(connect, ws_base, "/ws/general")
    assert welcome["room"] == "general" and len(welcome["online"]) == 2
    await second.write_message(chat("hola"))
    assert (await next_of(first, "message"))["text"] == "hola"


@pytest.mark.gen_test
async def test_room_names_in_the_socket_address_are_case_folded(connect, ws_base) -> None:
    first, _ = await enter(connect, ws_base, "/ws/clase")
    _, welcome = await enter(connect, ws_base, "/ws/Clase")
    assert welcome["room"] == "clase"
    assert (await receive_event(first, "join"))["count"] == 2


@pytest.mark.gen_test
async def test_a_message_reaches_only_the_people_in_its_room(connect, ws_base) -> None:
    writer, _ = await enter(connect, ws_base, "/ws/clase")
    mate, _ = await enter(connect, ws_base, "/ws/clase")
    outsider, _ = await enter(connect, ws_base, "/ws/recreo")
    await writer.write_message(chat("solo para la clase"))
    assert (await next_of(mate, "message"))["text"] == "solo para la clase"
    # Lo siguiente que ve la otra sala es su propio mensaje: el de la clase no llegó.
    await outsider.write_message(chat("en el recreo"))
    event = await receive_event(outsider)
    assert event["type"] == "message" and event["text"] == "en el recreo", event


@pytest.mark.gen_test
async def test_each_room_numbers_its_messages_from_one(connect, ws_base) -> None:
    clase, _ = await enter(connect, ws_base, "/ws/clase")
    recreo, _ = await enter(connect, ws_base, "/ws/recreo")
    for text in ("uno", "dos"):
        await clase.write_message(chat(text))
        await next_of(clase, "message")
    await recreo.write_message(chat("primero del recreo"))
    event = await next_of(recreo, "message")
    assert (event["seq"], event["room"]) == (1, "recreo")


@pytest.mark.gen_test
async def test_join_and_leave_are_only_told_in_their_room(connect, ws_base) -> None:
    watcher, _ = await enter(connect, ws_base, "/ws/recreo")
    visitor, _ = await enter(connect, ws_base, "/ws/clase")
    visitor.close()
    await wait_closed(visitor)
    # Quien entra en el recreo es lo primero que ve el recreo: ni la entrada ni la
    # salida de la clase le llegaron.
    _, welcome = await enter(connect, ws_base, "/ws/recreo")
    event = await receive_event(watcher)
    assert (event["type"], event["who"], event["count"]) == ("join", welcome["you"], 2)


@pytest.mark.gen_test
async def test_the_welcome_lists_only_the_people_in_your_room(connect, ws_base) -> None:
    _, mine = await enter(connect, ws_base, "/ws/clase")
    await enter(connect, ws_base, "/ws/recreo")
    _, welcome = await enter(connect, ws_base, "/ws/clase")
    assert [person["who"] for person in welcome["online"]] == [mine["you"], welcome["you"]]


@pytest.mark.gen_test
async def test_history_is_kept_per_room(connect, ws_base) -> None:
    writer, _ = await enter(connect, ws_base, "/ws/clase")
    await writer.write_message(chat("deberes para el lunes"))
    await next_of(writer, "message")
    _, recreo = await enter(connect, ws_base, "/ws/recreo")
    _, clase = await enter(connect, ws_base, "/ws/clase")
    assert recreo["history"] == [] and recreo["seq"] == 0
    assert [message["text"] for message in clase["history"]] == ["deberes para el lunes"]


@pytest.mark.gen_test
async def test_resuming_gives_back_only_what_was_missed_in_that_room(connect, ws_base) -> None:
    writer, first = await enter(connect, ws_base, "/ws/clase")
    noisy, _ = await enter(connect, ws_base, "/ws/recreo")
    for text in ("a", "b"):
        await writer.write_message(chat(text))
        await next_of(writer, "message")
    await noisy.write_message(chat("del recreo"))
    await next_of(noisy, "message")
    url = f"/ws/clase?since=1&epoch={first['epoch']}"
    _, welcome = await enter(connect, ws_base, url)
    assert welcome["recovered"] is True
    assert [message["text"] for message in welcome["history"]] == ["b"]


# --- Nombres que no son una sala --------------------------------------------------------


@pytest.mark.gen_test
@pytest.mark.parametrize(
    "name",
    [
        "",  # /ws/ sin nombre
        "..%2Fetc",  # «../etc»: subir de carpeta
        "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "..",
        "a" * 33,  # Más de 32 caracteres
        "con%20espacio",
        "%C3%B1and%C3%BA",  # «ñandú»: solo letras sin acentos
        "sala%00",
        "clase/otra",
        "%E2%84%AA",  # El signo Kelvin, que .lower() convertiría en «k»
    ],
)
async def test_a_socket_to_an_impossible_room_is_refused_at_the_handshake(
    connect, ws_base, name
) -> None:
    with pytest.raises(HTTPClientError) as error:
        await connect(f"{ws_base}/ws/{name}")
    assert error.value.code == 404


@pytest.mark.gen_test
async def test_a_room_name_of_32_characters_is_accepted(connect, ws_base) -> None:
    _, welcome = await enter(connect, ws_base, "/ws/" + "a-_9" * 8)
    assert welcome["room"] == "a-_9" * 8


# --- La página de cada sala ----------------------------------------------------------------


@pytest.mark.gen_test
async def test_the_page_of_a_room_is_served_at_sala_and_its_name(http_client, base_url) -> None:
    response = await http_client.fetch(base_url + "/sala/clase")
    assert response.code == 200
    html = response.body.decode()
    assert "<title>Chat · clase</title>" in html
    assert 'data-room="clase"' in html


@pytest.mark.gen_test
async def test_the_home_page_is_the_general_room(http_client, base_url) -> None:
    html = (await http_client.fetch(base_url + "/")).body.decode()
    assert 'data-room="general"' in html


@pytest.mark.gen_test
async def test_a_room_page_with_capitals_redirects_to_its_lowercase_address(
    http_client, base_url
) -> None:
    response = await http_client.fetch(
        base_url + "/sala/Clase?nick=Ana", follow_redirects=False, raise_error=False
    )
    assert response.code == 301
    assert response.headers["Location"] == "/sala/clase?nick=Ana"


@pytest.mark.gen_test
@pytest.mark.parametrize("path", ["/sala/", "/sala/..%2Fetc", "/sala/" + "b" * 33, "/sala/a/b"])
async def test_an_impossible_room_page_gets_a_spanish_404(http_client, base_url, path) -> None:
    response = await http_client.fetch(base_url + path, raise_error=False)
    assert response.code == 404
    html = response.body.decode()
    assert 'lang="es"' in html and "Esa sala no existe" in html


# --- La lista de salas ---------------------------------------------------------------------


async def rooms_listed(http_client, base_url) -> list[dict]:
    response = await http_client.fetch(base_url + "/salas.json")
    assert response.headers["Cache-Control"] == "no-store"
    return json.loads(response.body)["rooms"]


@pytest.mark.gen_test
async def test_the_room_list_has_the_rooms_with_people_and_their_counts(
    connect, ws_base, http_client, base_url
) -> None:
    for path in ("/ws/clase", "/ws/clase", "/ws"):
        await enter(connect, ws_base, path)
    assert await rooms_listed(http_client, base_url) == [
        {"name": "clase", "count": 2},
        {"name": "general", "count": 1},
    ]


@pytest.mark.gen_test
async def test_a_room_leaves_the_list_when_its_last_person_leaves(
    connect, ws_base, http_client, base_url
) -> None:
    staying, _ = await enter(connect, ws_base, "/ws")
    leaving, _ = await enter(connect, ws_base, "/ws/clase")
    leaving.close()
    await wait_closed(leaving)
    await next_of_leave_elsewhere(staying)
    assert await rooms_listed(http_client, base_url) == [{"name": "general", "count": 1}]


async def next_of_leave_elsewhere(staying) -> None:
    """Espera a que el servidor haya atendido la salida (sin mirar otra sala).

    La salida de la clase no llega a «general»; un mensaje propio de ida y vuelta
    asegura que el servidor ya procesó todo lo anterior, cierre incluido.
    """
    await staying.write_message(chat("¿sigue alguien?"))
    await next_of(staying, "message")
