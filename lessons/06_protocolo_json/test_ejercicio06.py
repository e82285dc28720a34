"""Comprobación de la lección 6: python -m pytest lessons/06_protocolo_json"""

from __future__ import annotations

import json

import pytest
from ayudas import cargar, identidad_de, nada_en, recibir_evento

from common.fanout.hub import Hub

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


@pytest.mark.gen_test
async def test_typing_es_un_tipo_que_el_servidor_acepta(conectar, ws_base) -> None:
    """Añade typing=(parse_typing, on_typing) a EVENTS, la tabla de despacho."""
    ana, _ = await entrar_dos(conectar, ws_base)
    await ana.write_message(json.dumps({"type": "nada"}))
    error = await recibir_evento(ana, "error")
    assert '"typing"' in error["text"], "El servidor aún no ofrece «typing» entre sus tipos"


@pytest.mark.gen_test
async def test_los_demas_ven_quien_escribe(conectar, ws_base) -> None:
    """En on_typing: self.hub.broadcast(escribiendo(self.identity), exclude=self)."""
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
    """Lo demás sigue igual: la tabla de despacho empieza con la del Stack 2."""
    ana, luis = await entrar_dos(conectar, ws_base)
    await ana.write_message("{roto")
    assert (await recibir_evento(ana, "error"))["code"] == "invalid_json"
    await ana.write_message(json.dumps({"type": "message", "text": "hola"}))
    assert (await recibir_evento(luis, "message"))["text"] == "hola"


@pytest.mark.gen_test
async def test_quien_inunda_con_typing_acaba_fuera_como_con_mensajes(conectar, ws_base) -> None:
    """No hace falta código: on_message pasa todos los tipos por el control de inundación."""
    ana, _ = await entrar_dos(conectar, ws_base)
    for _ in range(300):
        await ana.write_message(json.dumps({"type": "typing"}))
    codigos = set()
    while (evento := await ana.read_message()) is not None:
        codigos.add(json.loads(evento).get("code"))
    assert "too_fast" in codigos, "Nadie avisó con «too_fast» a quien inunda"
    assert ana.close_code == 1008
