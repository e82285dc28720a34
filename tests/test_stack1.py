"""Stack 1 con clientes WebSocket reales: reenvía cada texto a todos, tal cual.

Lo que se ve desde fuera está en ``tests/spec_stack1.py``, la misma especificación que
cumple el servidor que escribe cada estudiante en la lección 2. Aquí, además, lo que
solo se ve por dentro: el hub.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from common.fanout.hub import Hub
from common.startup.network import server_urls
from stack1_pure.server import make_app
from tests.helpers import receive, wait_closed
from tests.spec_stack1 import Stack1Spec

CLIENT_PAGE = Path(__file__).resolve().parent.parent / "stack1_pure" / "cliente.html"


@pytest.fixture
def app(hub: Hub):
    return make_app(hub)


class TestStack1(Stack1Spec):
    """Todas las comprobaciones de la especificación, contra stack1_pure/server.py."""


@pytest.mark.gen_test
async def test_the_hub_forgets_a_client_that_leaves(connect, ws_base, hub) -> None:
    leaving, staying = await connect(ws_base), await connect(ws_base)
    leaving.close()
    await wait_closed(leaving)
    await staying.write_message("Luis: ¿sigue alguien?")
    assert await receive(staying) == "Luis: ¿sigue alguien?"
    assert len(hub) == 1


def test_the_page_opened_from_disk_proposes_the_address_the_banner_prints() -> None:
    # 127.0.0.1, como el banner, y no «localhost»: en muchos equipos es ::1 (IPv6).
    here = server_urls("ws://{host}", 8765)[0]  # Su primera línea, con el puerto por defecto.
    assert here == "ws://127.0.0.1:8765"
    page = CLIENT_PAGE.read_text(encoding="utf-8")
    assert f'localStorage.getItem("server") || "{here}";' in page, (
        "Sin ?server= ni una dirección guardada, cliente.html debe proponer la del banner"
    )
