"""El orden se mantiene aunque el handler escriba o cierre por su cuenta, con los dos caminos."""

from __future__ import annotations

import pytest
import tornado.web

from common.fanout.hub import Hub, HubSocket
from tests.helpers import receive, wait_closed


class Talker(HubSocket):
    """Al recibir una orden, mezcla broadcasts del hub con escrituras propias."""

    def initialize(self, hub: Hub) -> None:
        self.hub = hub

    def open(self) -> None:
        self.hub.add(self)

    def on_message(self, message: str | bytes) -> None:
        # Todo en la misma vuelta del loop: con el camino rápido, «1» y «2» esperan
        # en la cola del hub mientras el handler escribe «3» directamente.
        self.hub.broadcast("1")
        self.hub.broadcast("2")
        if message == "escribe":
            self.write_message("3")
        else:
            self.close(4000, "adiós")

    def on_close(self) -> None:
        self.hub.remove(self)


@pytest.fixture
def app():
    return tornado.web.Application(
        [
            (r"/fast", Talker, {"hub": Hub(fast=True)}),
            (r"/plain", Talker, {"hub": Hub(fast=False)}),
        ]
    )


@pytest.mark.gen_test
@pytest.mark.parametrize("path", ["fast", "plain"])
async def test_a_handlers_own_write_never_overtakes_queued_broadcasts(
    connect, ws_base, path
) -> None:
    conn = await connect(f"{ws_base}/{path}")
    await conn.write_message("escribe")
    assert [await receive(conn) for _ in range(3)] == ["1", "2", "3"]


@pytest.mark.gen_test
@pytest.mark.parametrize("path", ["fast", "plain"])
async def test_a_handlers_own_close_comes_after_queued_broadcasts(connect, ws_base, path) -> None:
    conn = await connect(f"{ws_base}/{path}")
    await conn.write_message("cierra")
    assert [await receive(conn) for _ in range(2)] == ["1", "2"]
    assert await wait_closed(conn) == (4000, "adiós")
