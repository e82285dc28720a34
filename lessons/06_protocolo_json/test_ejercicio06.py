"""Comprobación de la lección 6: python -m pytest lessons/06_protocolo_json"""

from __future__ import annotations

import json

import pytest
from ayudas import cargar, identidad_de, nada_en, recibir_evento

from common.hub import Hub

escribiendo = cargar(__file__, "escribiendo")


@pytest.fixture
def app():
    return escribiendo.make_app(Hub())


async def entrar_dos(conectar, ws_base):
    """Ana y Luis entran; se leen los welcome y el join, para empezar limpios."""
    ana = await conectar(f"{ws_base}/ws")
    await recibir_evento(ana, "welcome")
    luis = await conectar(f"{ws_base}/ws")
    await recibir_evento(luis, "welcome")
    await recibir_evento(ana, "join")
    return ana, luis


@pytest.mark.parametrize(
    ("frame", "esperado"),
    [
        ('{"type": "typing"}', True),
        ('{"type":"typing","extra":1}', True),
        ('{"type": "message", "text": "hola"}', False),
        ('"typing"', False),
        ("typing", False),
        ("{roto", False),
        (b'{"type": "typing"}', False),
    ],
)
def test_es_escribiendo_reconoce_solo_el_evento_typing(frame, esperado) -> None:
    """json.loads dentro de try/except ValueError; True solo si es dict y "type" == "typing"."""
    assert escribiendo.es_escribiendo(frame) is esperado, f"es_escribiendo({frame!r})"


@pytest.mark.gen_test
async def test_los_demas_ven_quien_escribe(conectar, ws_base) -> None:
    """En on_message: self.hub.broadcast(escribiendo(self.identity), exclude=self)."""
    ana, luis = await entrar_dos(conectar, ws_base)
    await ana.write_message(json.dumps({"type": "typing"}))
    evento = await recibir_evento(luis, "typing")
    assert evento == {"type": "typing", "who": identidad_de(ana)}


@pytest.mark.gen_test
async def test_quien_escribe_no_recibe_su_propio_typing(conectar, ws_base) -> None:
    """Pasa exclude=self a Hub.broadcast: tu propia página ya sabe que estás escribiendo."""
    ana, luis = await entrar_dos(conectar, ws_base)
    await ana.write_message(json.dumps({"type": "typing"}))
    await recibir_evento(luis, "typing")
    await nada_en(ana)


@pytest.mark.gen_test
async def test_los_mensajes_y_los_errores_siguen_igual(conectar, ws_base) -> None:
    """Lo que no es «typing» sigue por super().on_message(message), sin tocarlo."""
    ana, luis = await entrar_dos(conectar, ws_base)
    await ana.write_message("{roto")
    assert (await recibir_evento(ana, "error"))["code"] == "invalid_json"
    await ana.write_message(json.dumps({"type": "message", "text": "hola"}))
    assert (await recibir_evento(luis, "message"))["text"] == "hola"
