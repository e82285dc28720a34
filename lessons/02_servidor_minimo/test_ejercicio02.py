"""Comprobación de «Tu turno» (lección 2).

python -m pytest lessons/02_servidor_minimo/test_ejercicio02.py
"""

from __future__ import annotations

import pytest
from ayudas import cargar, nada_en, recibir

from common.fanout.hub import Hub

sin_eco = cargar(__file__, "sin_eco")


@pytest.fixture
def app():
    return sin_eco.make_app(Hub())


@pytest.mark.gen_test
async def test_los_demas_reciben_el_mensaje(conectar, ws_base) -> None:
    """Un mensaje de Ana llega a Luis y a Eva, los demás conectados."""
    ana, luis, eva = [await conectar(ws_base) for _ in range(3)]
    await ana.write_message("Ana: hola")
    assert await recibir(luis) == "Ana: hola"
    assert await recibir(eva) == "Ana: hola"


@pytest.mark.gen_test
async def test_quien_envia_no_recibe_su_propio_mensaje(conectar, ws_base) -> None:
    """Quien envía un mensaje no lo recibe de vuelta."""
    ana, luis = await conectar(ws_base), await conectar(ws_base)
    await ana.write_message("Ana: hola")
    assert await recibir(luis) == "Ana: hola"
    await nada_en(ana)


@pytest.mark.gen_test
async def test_cuantos_responde_solo_a_quien_pregunta(conectar, ws_base) -> None:
    """«/cuantos» recibe «Conectados: 3» solo quien lo pregunta; los demás, nada."""
    ana, luis, eva = [await conectar(ws_base) for _ in range(3)]
    await ana.write_message("/cuantos")
    assert await recibir(ana) == "Conectados: 3"
    await nada_en(luis)
    await nada_en(eva, espera=0.0)


@pytest.mark.gen_test
async def test_cuantos_cuenta_tambien_a_quien_se_va(conectar, ws_base) -> None:
    """Tras irse Luis, «/cuantos» cuenta solo a los que quedan."""
    ana, luis = await conectar(ws_base), await conectar(ws_base)
    luis.close()
    while await luis.read_message() is not None:
        pass
    await ana.write_message("/cuantos")
    assert await recibir(ana) == "Conectados: 1"
