"""Una sala grande: más de 100 personas reciben la cuenta, no cada entrada (stack2_http/roster.py).

Clientes WebSocket reales sobre 127.0.0.1 contra la aplicación de verdad (sin límites
por dirección, como en las demás pruebas de make_app). Hasta 100, cada join, leave y
nick llega a toda la sala; por encima, el welcome trae las 100 primeras y ``count``, y
los demás reciben ``count`` (uno por segundo como mucho) en vez de cada cambio.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from tornado.websocket import WebSocketClientConnection

from common.defences.limits import FloodLimits
from common.fanout.hub import Hub
from common.live.presence import Presence
from stack2_http import protocol
from stack2_http.roster import LISTED, Roster
from stack2_http.server import make_app
from tests.helpers import enter, receive_event, wait_closed

pytestmark = pytest.mark.gen_test(timeout=60)


@pytest.fixture
def app(hub: Hub):
    return make_app(hub, flood=FloodLimits(rate=1000, burst=1000))


Events = list[dict[str, Any]]


async def until(
    conn: WebSocketClientConnection, wanted: Callable[[dict[str, Any]], bool]
) -> tuple[dict[str, Any], Events]:
    """El primer evento que cumple ``wanted`` y, aparte, los que llegaron antes que él."""
    before: Events = []
    while not wanted(event := await receive_event(conn)):
        before.append(event)
    return event, before


def of_type(type_: str, **fields: Any) -> Callable[[dict[str, Any]], bool]:
    return lambda event: event["type"] == type_ and all(event[k] == v for k, v in fields.items())


async def crowd(connect, ws_base: str, count: int) -> list[tuple[WebSocketClientConnection, dict]]:
    """``count`` personas en la sala «clase», una detrás de otra, cada una con su welcome."""
    return [await enter(connect, ws_base, "/ws/clase") for _ in range(count)]


async def all_present(people: list[tuple[WebSocketClientConnection, dict]], count: int) -> None:
    """Espera a que cada uno sepa que hay ``count`` (los que llegaron después, con join)."""
    for conn, welcome in people:
        if welcome["count"] < count:
            await until(conn, of_type("join", count=count))


async def test_up_to_100_the_welcome_lists_everyone_and_counts_them(connect, ws_base) -> None:
    people = await crowd(connect, ws_base, LISTED)
    last = people[-1][1]
    assert len(last["online"]) == LISTED and last["count"] == LISTED
    assert last["online"][-1]["who"] == last["you"]  # Tú, el último.


async def test_the_101st_gets_the_first_100_and_the_count_of_everyone(connect, ws_base) -> None:
    people = await crowd(connect, ws_base, LISTED)
    _, welcome = await enter(connect, ws_base, "/ws/clase")
    assert welcome["count"] == LISTED + 1
    assert [person["who"] for person in welcome["online"]] == [w["you"] for _, w in people]
    assert welcome["you"] not in {person["who"] for person in welcome["online"]}


async def test_in_a_big_room_the_others_get_a_count_instead_of_a_join(connect, ws_base) -> None:
    people = await crowd(connect, ws_base, LISTED)
    await all_present(people, LISTED)
    await enter(connect, ws_base, "/ws/clase")
    for conn, _ in people:
        _, before = await until(conn, of_type("count", count=LISTED + 1))
        assert before == [], f"Antes de la cuenta llegó {before}: ningún join en una sala grande"


async def test_back_to_100_everyone_gets_the_whole_list_in_people(connect, ws_base) -> None:
    people = await crowd(connect, ws_base, LISTED)
    await all_present(people, LISTED)
    newcomer, _ = await enter(connect, ws_base, "/ws/clase")
    newcomer.close()
    await wait_closed(newcomer)
    listed = [welcome["you"] for _, welcome in people]
    for conn, _ in people:
        event, before = await until(conn, of_type("people"))
        assert event["count"] == LISTED
        assert [person["who"] for person in event["online"]] == listed
        assert [e["type"] for e in before] in (["count"], []), f"Sin leave: llegó {before}"


async def test_after_people_the_room_is_small_again_and_leaves_are_told(connect, ws_base) -> None:
    people = await crowd(connect, ws_base, LISTED)
    await all_present(people, LISTED)
    newcomer, _ = await enter(connect, ws_base, "/ws/clase")
    newcomer.close()
    watcher = people[0][0]
    await until(watcher, of_type("people"))
    second, welcome = people[1]
    second.close()  # 99: una sala pequeña cuenta cada salida.
    left, before = await until(watcher, of_type("leave"))
    assert (left["who"], left["count"]) == (welcome["you"], LISTED - 1)
    assert before == [], f"Antes del leave llegó {before}"


async def test_a_nick_in_a_big_room_is_confirmed_only_to_its_owner(connect, ws_base) -> None:
    people = await crowd(connect, ws_base, LISTED)
    await all_present(people, LISTED)
    newcomer, _ = await enter(connect, ws_base, "/ws/clase")
    await newcomer.write_message(json.dumps({"type": "nick", "nick": "Ana"}))
    event, _ = await until(newcomer, of_type("nick"))
    assert event["nick"] == "Ana"
    # Después, un mensaje suyo: a los demás les llega sin ningún nick delante.
    await newcomer.write_message(json.dumps({"type": "message", "text": "hola"}))
    for conn, _ in people[:5]:
        message, before = await until(conn, of_type("message"))
        assert message["nick"] == "Ana"
        assert [e["type"] for e in before] in (["count"], []), f"Llegó {before}"


async def test_the_welcome_says_your_own_nick_even_when_you_are_not_listed(
    connect, ws_base
) -> None:
    await crowd(connect, ws_base, LISTED)
    _, welcome = await enter(connect, ws_base, "/ws/clase?nick=Luis")
    assert welcome["nick"] == "Luis"
    assert welcome["count"] == LISTED + 1


# --- La cuenta se agrupa: como mucho una por segundo y sala ---------------------------


class Page:
    """Una conexión de prueba para el hub: guarda lo que recibe y avisa al llegar algo."""

    def __init__(self) -> None:
        self.received: Events = []
        self.arrived = asyncio.Event()

    def write_message(self, message: str) -> None:
        self.received.append(json.loads(message))
        self.arrived.set()

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        pass

    async def next_count(self) -> dict[str, Any]:
        while not (counts := [e for e in self.received if e["type"] == "count"]):
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 5)
        self.received.remove(counts[0])
        return counts[0]


def big_room(every: float) -> tuple[Roster, Presence, Page]:
    """Una sala con ``LISTED`` + 1 personas y una página de este proceso que escucha."""
    hub, presence = Hub(fast=False), Presence()
    roster, page = Roster(hub, presence, every), Page()
    hub.add(page, "127.0.0.1:1", "clase")
    for n in range(LISTED + 1):
        presence.join("clase", f"127.0.0.1:{n + 1}")
    return roster, presence, page


async def test_many_changes_in_one_second_are_told_in_one_count() -> None:
    roster, presence, page = big_room(every=0.3)
    roster.joined("clase", "127.0.0.1:101", None, LISTED + 1)
    assert (await page.next_count())["count"] == LISTED + 1  # El primero, enseguida.
    for n in range(102, 112):  # Diez más en menos de un segundo…
        roster.joined("clase", f"127.0.0.1:{n}", None, presence.join("clase", f"127.0.0.1:{n}"))
    assert (await page.next_count())["count"] == LISTED + 11  # …son una sola cuenta.
    assert [e["type"] for e in page.received] == [], page.received


async def test_a_big_room_whose_count_did_not_change_sends_nothing() -> None:
    roster, presence, page = big_room(every=0.05)
    roster.joined("clase", "127.0.0.1:101", None, LISTED + 1)
    await page.next_count()
    who = f"127.0.0.1:{LISTED + 2}"
    roster.joined("clase", who, None, presence.join("clase", who))
    roster.left("clase", who, None, presence.leave("clase", who))  # Entra y sale: igual.
    # Que pase ese periodo: una cuenta que no se envía no es un evento que se pueda esperar.
    await asyncio.sleep(0.2)
    assert page.received == [], "La cuenta no cambió: no debería enviarse nada"
    roster.joined("clase", who, None, presence.join("clase", who))
    assert (await page.next_count())["count"] == LISTED + 2


def test_a_small_room_tells_each_join_and_keeps_no_state() -> None:
    hub, presence = Hub(fast=False), Presence()
    roster, page = Roster(hub, presence), Page()
    hub.add(page, "127.0.0.1:1", "clase")
    roster.joined("clase", "127.0.0.1:2", "Ana", presence.join("clase", "127.0.0.1:2"))
    assert page.received == [json.loads(protocol.join("127.0.0.1:2", 1, "Ana"))]
    assert not roster.big("clase")
