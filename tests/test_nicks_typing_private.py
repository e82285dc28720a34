"""Apodos, «está escribiendo…» y mensajes privados en el Stack 2, con clientes reales.

Para comprobar que algo NO llegó a alguien sin esperar a ciegas, se le envía
después un mensaje normal: como cada conexión recibe en orden, si lo siguiente
que lee es ese mensaje, lo de antes no le llegó.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from common.defences.limits import FloodLimits
from common.fanout.hub import Hub
from common.live.presence import Change, Presence
from stack2_http.server import make_app
from tests import helpers
from tests.helpers import enter, receive_event, wait_closed


@pytest.fixture
def presence() -> Presence:
    return Presence()


@pytest.fixture
def app(hub: Hub, presence: Presence, app_kwargs):
    flood = app_kwargs.get("flood", FloodLimits(rate=1000, burst=1000))
    return make_app(hub, flood=flood, presence=presence)


def send(type_: str, **fields: object) -> str:
    return json.dumps({"type": type_, **fields})


async def next_of(conn, type_: str) -> dict:
    """Como helpers.next_of, saltando también los cambios de apodo de otros."""
    return await helpers.next_of(conn, type_, skip=("join", "leave", "nick"))


async def nothing_else_before(conn, sender, text: str) -> None:
    """Comprueba que lo siguiente que recibe ``conn`` es el mensaje ``text`` de ``sender``."""
    await sender.write_message(send("message", text=text))
    event = await next_of(conn, "message")
    assert event["text"] == text, f"Antes del mensaje de control llegó {event}"


async def named(connect, ws_base: str, nick: str, path: str = "/ws"):
    """Entra con ``?nick=`` y devuelve el cliente y su identidad."""
    conn, welcome = await enter(connect, ws_base, f"{path}?nick={quote(nick)}")
    return conn, welcome["you"]


# --- Apodos -----------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_a_nick_is_told_to_everyone_in_the_room_including_its_owner(connect, ws_base):
    ana, welcome = await enter(connect, ws_base)
    luis, _ = await enter(connect, ws_base)
    await ana.write_message(send("nick", nick="Ana"))
    expected = {"type": "nick", "who": welcome["you"], "nick": "Ana"}
    assert await next_of(ana, "nick") == expected
    assert await next_of(luis, "nick") == expected


@pytest.mark.gen_test
async def test_a_nick_is_not_told_in_other_rooms(connect, ws_base) -> None:
    ana, _ = await enter(connect, ws_base, "/ws/clase")
    outsider, _ = await enter(connect, ws_base, "/ws/recreo")
    await ana.write_message(send("nick", nick="Ana"))
    await next_of(ana, "nick")
    await nothing_else_before(outsider, outsider, "control")


@pytest.mark.gen_test
async def test_a_message_carries_null_nick_until_one_is_set_and_then_the_nick(connect, ws_base):
    ana, _ = await enter(connect, ws_base)
    await ana.write_message(send("message", text="antes"))
    assert (await next_of(ana, "message"))["nick"] is None
    await ana.write_message(send("nick", nick="Ana"))
    await ana.write_message(send("message", text="después"))
    assert (await next_of(ana, "message"))["nick"] == "Ana"


@pytest.mark.gen_test
async def test_the_nick_in_the_address_is_in_the_join_and_the_welcome(connect, ws_base) -> None:
    watcher, _ = await enter(connect, ws_base)
    _, welcome = await enter(connect, ws_base, "/ws?nick=Ana")
    join = await receive_event(watcher, "join")
    assert (join["who"], join["nick"]) == (welcome["you"], "Ana")
    assert welcome["online"][-1] == {"who": welcome["you"], "nick": "Ana"}


@pytest.mark.gen_test
async def test_the_welcome_lists_who_is_online_with_their_nicks(connect, ws_base) -> None:
    _, ana = await named(connect, ws_base, "Ana")
    _, anonymous = await enter(connect, ws_base)
    _, welcome = await enter(connect, ws_base)
    assert welcome["online"] == [
        {"who": ana, "nick": "Ana"},
        {"who": anonymous["you"], "nick": None},
        {"who": welcome["you"], "nick": None},
    ]


@pytest.mark.gen_test
async def test_leave_carries_the_nick_and_frees_it_for_someone_else(connect, ws_base) -> None:
    watcher, _ = await enter(connect, ws_base)
    ana, who = await named(connect, ws_base, "Ana")
    await next_of(watcher, "join")
    ana.close()
    await wait_closed(ana)
    leave = await receive_event(watcher, "leave")
    assert (leave["who"], leave["nick"]) == (who, "Ana")
    await watcher.write_message(send("nick", nick="ana"))
    assert (await next_of(watcher, "nick"))["nick"] == "ana"


@pytest.mark.gen_test
@pytest.mark.parametrize("taken", ["Ana", "ana", "ANA", "  aNa  "])
async def test_a_nick_taken_in_the_room_is_refused_whatever_its_case(connect, ws_base, taken):
    await named(connect, ws_base, "Ana")
    luis, _ = await enter(connect, ws_base)
    await luis.write_message(send("nick", nick=taken))
    error = await next_of(luis, "error")
    assert error["code"] == "nick_taken"
    assert "ya lo usa otra persona" in error["text"]


@pytest.mark.gen_test
async def test_a_taken_nick_in_the_address_lets_you_in_without_it(connect, ws_base) -> None:
    await named(connect, ws_base, "Ana")
    twin, welcome = await enter(connect, ws_base, "/ws?nick=ANA")
    assert welcome["online"][-1]["nick"] is None
    assert (await receive_event(twin, "error"))["code"] == "nick_taken"


@pytest.mark.gen_test
async def test_the_same_nick_can_be_used_in_another_room(connect, ws_base) -> None:
    await named(connect, ws_base, "Ana", "/ws/clase")
    _, welcome = await enter(connect, ws_base, "/ws/recreo?nick=Ana")
    assert welcome["online"] == [{"who": welcome["you"], "nick": "Ana"}]


@pytest.mark.gen_test
async def test_you_can_change_the_case_of_your_own_nick(connect, ws_base) -> None:
    ana, _ = await named(connect, ws_base, "ana")
    await ana.write_message(send("nick", nick="Ana"))
    assert (await next_of(ana, "nick"))["nick"] == "Ana"


@pytest.mark.gen_test
async def test_changing_your_nick_frees_the_old_one(connect, ws_base) -> None:
    ana, _ = await named(connect, ws_base, "Ana")
    luis, _ = await enter(connect, ws_base)
    await ana.write_message(send("nick", nick="Anita"))
    await next_of(luis, "nick")
    await luis.write_message(send("nick", nick="Ana"))
    assert (await next_of(luis, "nick"))["nick"] == "Ana"


@pytest.mark.gen_test
async def test_a_nick_that_redis_gives_to_another_process_goes_back_to_the_old_one(
    connect, ws_base, presence
) -> None:
    # Con --redis, otro proceso pudo dar «Bea» un instante antes y Redis lo niega
    # (common/processes/presence.py avisa con un Change «refused»): la persona lo sabe y
    # la sala, que ya la vio como «Bea», vuelve a verla como «Ana».
    ana, who = await named(connect, ws_base, "Ana")
    luis, _ = await enter(connect, ws_base)
    await ana.write_message(send("nick", nick="Bea"))
    await next_of(luis, "nick")
    presence.put_nick("general", who, "Ana")  # Lo que Redis dice que tiene.
    presence._notify(Change("refused", "general", who, "Ana", asked="Bea"))
    assert (await next_of(ana, "error"))["code"] == "nick_taken"
    assert await next_of(luis, "nick") == {"type": "nick", "who": who, "nick": "Ana"}
    await ana.write_message(send("message", text="hola"))
    assert (await next_of(luis, "message"))["nick"] == "Ana"


@pytest.mark.gen_test
async def test_a_nick_is_trimmed_and_24_characters_fit(connect, ws_base) -> None:
    ana, _ = await enter(connect, ws_base)
    await ana.write_message(send("nick", nick="  " + "ñ" * 24 + "  "))
    assert (await next_of(ana, "nick"))["nick"] == "ñ" * 24


@pytest.mark.gen_test
@pytest.mark.parametrize(
    ("nick", "said"),
    [
        ("a" * 25, "demasiado largo"),
        ("", "vacío"),
        ("   ", "vacío"),
        ("\u200b", "vacío"),  # Un espacio de ancho cero: no se ve nada.
        ("An\na", "control"),
        ("Ana\u202eanA", "control"),  # Da la vuelta al texto en pantalla.
        ("A\u200dna", "control"),  # Invisible: «Ana» y «A‍na» se verían iguales.
        ("Ana\x00", "control"),
        (None, "cadena de texto"),
        (5, "cadena de texto"),
        (["Ana"], "cadena de texto"),
    ],
)
async def test_a_bad_nick_is_refused_with_a_spanish_reason(connect, ws_base, nick, said):
    ana, _ = await enter(connect, ws_base)
    await ana.write_message(send("nick", nick=nick))
    error = await next_of(ana, "error")
    assert error["code"] == "invalid_nick" and said in error["text"], error


@pytest.mark.gen_test
@pytest.mark.parametrize(
    "nick",
    [
        "10.0.0.7:51234",
        "[::1]:5000",
        "[2001:db8::1]:443",
        " 127.0.0.1 : 8000 ",
        "192.168.0.15",
        "１０.０.０.７:５１２３４",  # Cifras de ancho completo
    ],
)
async def test_a_nick_that_looks_like_an_identity_is_refused(connect, ws_base, nick) -> None:
    ana, _ = await enter(connect, ws_base)
    await ana.write_message(send("nick", nick=nick))
    error = await next_of(ana, "error")
    assert error["code"] == "invalid_nick" and "IP:puerto" in error["text"]


@pytest.mark.gen_test
async def test_a_nick_with_digits_that_is_not_an_address_is_accepted(connect, ws_base) -> None:
    ana, _ = await enter(connect, ws_base)
    await ana.write_message(send("nick", nick="Ana 2.0"))
    assert (await next_of(ana, "nick"))["nick"] == "Ana 2.0"


@pytest.mark.gen_test
async def test_a_bad_nick_in_the_address_still_lets_you_in_with_an_error(connect, ws_base):
    conn, welcome = await enter(connect, ws_base, "/ws?nick=" + quote("10.0.0.7:51234"))
    assert welcome["online"][-1]["nick"] is None
    assert (await receive_event(conn, "error"))["code"] == "invalid_nick"


# --- «Está escribiendo…» -------------------------------------------------------------------


@pytest.mark.gen_test
async def test_typing_is_told_to_the_others_in_the_room_with_the_nick(connect, ws_base) -> None:
    ana, who = await named(connect, ws_base, "Ana")
    luis, _ = await enter(connect, ws_base)
    await ana.write_message(send("typing"))
    assert await next_of(luis, "typing") == {"type": "typing", "who": who, "nick": "Ana"}


@pytest.mark.gen_test
async def test_typing_is_not_sent_back_to_whoever_types(connect, ws_base) -> None:
    ana, _ = await enter(connect, ws_base)
    await ana.write_message(send("typing"))
    await nothing_else_before(ana, ana, "control")


@pytest.mark.gen_test
async def test_typing_does_not_reach_other_rooms(connect, ws_base) -> None:
    ana, _ = await enter(connect, ws_base, "/ws/clase")
    mate, _ = await enter(connect, ws_base, "/ws/clase")
    outsider, _ = await enter(connect, ws_base, "/ws/recreo")
    await ana.write_message(send("typing"))
    await next_of(mate, "typing")
    await nothing_else_before(outsider, outsider, "control")


@pytest.mark.gen_test
async def test_typing_is_not_stored_and_takes_no_seq(connect, ws_base) -> None:
    ana, _ = await enter(connect, ws_base)
    luis, _ = await enter(connect, ws_base)
    await ana.write_message(send("typing"))
    assert "seq" not in await next_of(luis, "typing")
    _, welcome = await enter(connect, ws_base)
    assert welcome["history"] == [] and welcome["seq"] == 0


@pytest.mark.gen_test
@pytest.mark.settings(flood=FloodLimits())  # Los límites de verdad: 10 seguidos, 5 por segundo.
async def test_a_typing_flood_gets_errors_and_then_is_closed_with_1008(connect, ws_base) -> None:
    flooder, _ = await enter(connect, ws_base)
    for _ in range(300):
        flooder.write_message(send("typing"))
    errors = 0
    while (event := json.loads(await flooder.read_message() or "null")) is not None:
        assert event["type"] == "error" and event["code"] == "too_fast", event
        errors += 1
    assert errors >= 1
    assert flooder.close_code == 1008


# --- Mensajes privados -------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_a_private_message_reaches_its_recipient_and_a_copy_the_sender_only(
    connect, ws_base
) -> None:
    ana, ana_id = await named(connect, ws_base, "Ana")
    luis, luis_id = await named(connect, ws_base, "Luis")
    listener, _ = await enter(connect, ws_base)
    await ana.write_message(send("private", to=luis_id, text="¿quedamos luego?"))
    received, copy = await next_of(luis, "private"), await next_of(ana, "private")
    assert received == copy
    assert {k: v for k, v in received.items() if k != "time"} == {
        "type": "private",
        "from": ana_id,
        "nick": "Ana",
        "to": luis_id,
        "text": "¿quedamos luego?",
    }
    assert received["time"].endswith("Z")
    await nothing_else_before(listener, ana, "mensaje para todos")


@pytest.mark.gen_test
async def test_a_private_message_gets_no_seq_and_is_not_in_the_history(connect, ws_base) -> None:
    ana, _ = await enter(connect, ws_base)
    luis, welcome = await enter(connect, ws_base)
    await ana.write_message(send("private", to=welcome["you"], text="secreto"))
    assert "seq" not in await next_of(luis, "private")
    _, later = await enter(connect, ws_base)
    assert later["history"] == [] and later["seq"] == 0


@pytest.mark.gen_test
async def test_a_private_message_to_yourself_is_refused(connect, ws_base) -> None:
    ana, welcome = await enter(connect, ws_base)
    await ana.write_message(send("private", to=welcome["you"], text="hola, yo"))
    error = await next_of(ana, "error")
    assert error["code"] == "invalid_recipient" and "ti" in error["text"]


@pytest.mark.gen_test
async def test_a_private_message_to_someone_in_another_room_is_not_found(connect, ws_base):
    ana, _ = await enter(connect, ws_base, "/ws/clase")
    elsewhere, other = await enter(connect, ws_base, "/ws/recreo")
    await ana.write_message(send("private", to=other["you"], text="¿me oyes?"))
    assert (await next_of(ana, "error"))["code"] == "not_found"
    await nothing_else_before(elsewhere, elsewhere, "control")


@pytest.mark.gen_test
async def test_a_private_message_to_someone_who_left_is_not_found(connect, ws_base) -> None:
    ana, _ = await enter(connect, ws_base)
    gone, welcome = await enter(connect, ws_base)
    gone.close()
    await wait_closed(gone)
    await ana.write_message(send("private", to=welcome["you"], text="¿sigues?"))
    error = await next_of(ana, "error")
    assert error["code"] == "not_found" and welcome["you"] in error["text"]


@pytest.mark.gen_test
@pytest.mark.parametrize("to", ["10.9.9.9:1", "Ana", "x" * 64])
async def test_a_private_message_to_an_unknown_identity_is_not_found(connect, ws_base, to):
    ana, _ = await enter(connect, ws_base)
    await ana.write_message(send("private", to=to, text="¿hola?"))
    assert (await next_of(ana, "error"))["code"] == "not_found"


@pytest.mark.gen_test
@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"text": "sin destino"}, "invalid_field"),
        ({"to": 5, "text": "hola"}, "invalid_field"),
        ({"to": "x" * 65, "text": "hola"}, "invalid_field"),
        ({"to": "10.0.0.1:5", "text": "   "}, "empty"),
        ({"to": "10.0.0.1:5", "text": "x" * 2001}, "too_long"),
        ({"to": "10.0.0.1:5"}, "invalid_field"),
    ],
)
async def test_a_bad_private_message_is_refused(connect, ws_base, fields, code) -> None:
    ana, _ = await enter(connect, ws_base)
    await ana.write_message(send("private", **fields))
    assert (await next_of(ana, "error"))["code"] == code
