"""Stack 1 con clientes WebSocket reales: reenvía cada texto a todos, tal cual.

Lo que se ve desde fuera está en ``tests/spec_stack1.py``, la misma especificación que
cumple el servidor que escribe cada estudiante en la lección 2. Aquí, además, lo que
solo se ve por dentro: el hub.
"""

from __future__ import annotations

import pytest

from common.hub import Hub
from stack1_pure.server import make_app
from tests.helpers import receive, wait_closed
from tests.spec_stack1 import Stack1Spec


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
