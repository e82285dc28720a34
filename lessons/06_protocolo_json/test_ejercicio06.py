"""Comprobación de «Tu turno» (lección 6).

python -m pytest lessons/06_protocolo_json/test_ejercicio06.py
"""

from __future__ import annotations

import json

import pytest
from ayudas import cargar, identidad_de, nada_en, recibir_evento

from common.fanout.hub import Hub

escribiendo = cargar(__file__, "escribiendo")


@pytest.fixture
def app():
    return escribiendo.make_app(Hub())


async def entrar_dos(conectar, ws_base, sala: str = "general"):
    """Ana y Luis entran en una sala; se leen los welcome y el join, para empezar limpios."""
    ana = await conectar(f"{ws_base}/ws/{sala}")
    await recibir_evento(ana, "welcome")
    luis = await conectar(f"{ws_base}/ws/{sala}")
    await recibir_evento(luis, "welcome")
    await recibir_evento(ana, "join")
    return ana, luis


@pytest.mark.gen_test
async def test_typing_es_un_tipo_que_el_servidor_acepta(conectar, ws_base) -> None:
    """El servidor acepta el tipo «typing»: lo nombra entre los tipos que conoce."""
    ana, _ = await entrar_dos(conectar, ws_base)
    await ana.write_message(json.dumps({"type": "nada"}))
    error = await recibir_evento(ana, "error")
    assert '"typing"' in error["text"], "El servidor aún no ofrece «typing» entre sus tipos"


@pytest.mark.gen_test
async def test_los_demas_ven_quien_escribe(conectar, ws_base) -> None:
    """Cuando Ana envía «typing», Luis recibe {"type": "typing", "who": la IP:puerto de Ana}."""
    ana, luis = await entrar_dos(conectar, ws_base)
    await ana.write_message(json.dumps({"type": "typing"}))
    evento = await recibir_evento(luis, "typing")
    assert evento == {"type": "typing", "who": identidad_de(ana)}


@pytest.mark.gen_test
async def test_quien_escribe_no_recibe_su_propio_typing(conectar, ws_base) -> None:
    """Ana no recibe su propio «typing»."""
    ana, luis = await entrar_dos(conectar, ws_base)
    await ana.write_message(json.dumps({"type": "typing"}))
    await recibir_evento(luis, "typing")
    await nada_en(ana)


@pytest.mark.gen_test
async def test_solo_lo_ven_los_de_su_sala(conectar, ws_base) -> None:
    """Con Ana y Luis en «clase» y Pedro en «recreo», el «typing» de Ana no llega a Pedro."""
    ana, luis = await entrar_dos(conectar, ws_base, "clase")
    pedro = await conectar(f"{ws_base}/ws/recreo")
    await recibir_evento(pedro, "welcome")
    await ana.write_message(json.dumps({"type": "typing"}))
    await recibir_evento(luis, "typing")
    # Pedro recibe en orden: si lo primero que ve es su propio mensaje, el typing no llegó.
    await pedro.write_message(json.dumps({"type": "message", "text": "en el recreo"}))
    evento = await recibir_evento(pedro)
    assert evento["type"] == "message", f"Pedro, en otra sala, recibió {evento}"


@pytest.mark.gen_test
async def test_los_mensajes_y_los_errores_siguen_igual(conectar, ws_base) -> None:
    """Los mensajes y los errores del Stack 2 siguen funcionando igual."""
    ana, luis = await entrar_dos(conectar, ws_base)
    await ana.write_message("{roto")
    assert (await recibir_evento(ana, "error"))["code"] == "invalid_json"
    await ana.write_message(json.dumps({"type": "message", "text": "hola"}))
    assert (await recibir_evento(luis, "message"))["text"] == "hola"


@pytest.mark.gen_test
async def test_quien_inunda_con_typing_acaba_fuera_como_con_mensajes(conectar, ws_base) -> None:
    """Quien envía 300 «typing» seguidos recibe «too_fast» y acaba cerrado con 1008."""
    ana, _ = await entrar_dos(conectar, ws_base)
    for _ in range(300):
        await ana.write_message(json.dumps({"type": "typing"}))
    codigos = set()
    while (evento := await ana.read_message()) is not None:
        codigos.add(json.loads(evento).get("code"))
    assert "too_fast" in codigos, "Nadie avisó con «too_fast» a quien inunda"
    assert ana.close_code == 1008
