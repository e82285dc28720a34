"""La línea de cada petición en la terminal del servidor, sin la clave de ?client=
(common/startup/access_log.py): el profesor proyecta esa terminal en clase."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest

from common.fanout.hub import Hub
from common.startup.access_log import without_secrets
from common.startup.settings import app_settings, parse_options
from stack2_http.options import define_stack2_options
from stack2_http.server import make_app
from tests.helpers import receive_event

# Una clave de ?client= como la que guarda la página del Stack 2 (22 caracteres al azar).
KEY = "Zq3xY9vK2mN8pL4tR7sW1c"


@pytest.fixture
def app(hub: Hub) -> Any:
    """El Stack 2 con los ajustes que le da server.py (también su log_function)."""
    options = parse_options(default_port=0, argv=[], define=define_stack2_options)
    return make_app(hub, **app_settings(options))


@pytest.fixture
def access(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """Las líneas que lleva escritas el registro de peticiones de Tornado (tornado.access)."""
    caplog.set_level(logging.INFO, logger="tornado.access")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "tornado.access"]


@pytest.mark.gen_test
async def test_the_access_log_hides_the_students_client_key(connect, ws_base, access) -> None:
    conn = await connect(f"{ws_base}/ws?client={KEY}&since=0&epoch=abcd1234")
    await receive_event(conn, "welcome")
    lines = access()
    assert lines, "El WebSocket debería dejar su línea en el registro (101)"
    assert not [line for line in lines if KEY in line], f"La clave sale en el registro: {lines}"
    assert re.fullmatch(
        r"101 GET /ws\?client=\*\*\*&since=0&epoch=abcd1234 \(127\.0\.0\.1\) \d+\.\d\dms",
        lines[-1],
    ), f"Falta el estado, el método, la ruta, la dirección o el tiempo: {lines[-1]}"


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("/ws?client=SECRETO123", "/ws?client=***"),
        ("/ws/clase?since=3&client=SECRETO123&nick=Ana", "/ws/clase?since=3&client=***&nick=Ana"),
        ("/ws?%63lient=SECRETO123", "/ws?client=***"),  # «c» escrita como %63: la misma clave.
        ("/ws?client=", "/ws?client=***"),
        ("/ws?since=3&epoch=abcd1234", "/ws?since=3&epoch=abcd1234"),
        ("/sala/clase", "/sala/clase"),
    ],
)
def test_only_the_private_parameters_are_hidden(uri, shown) -> None:
    assert without_secrets(uri) == shown
