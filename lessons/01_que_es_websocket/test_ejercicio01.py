"""Comprobación de la lección 1: python -m pytest lessons/01_que_es_websocket"""

from __future__ import annotations

import asyncio

import pytest
from ayudas import ESPERA, cargar, nada_en, recibir

eco = cargar(__file__, "eco")


@pytest.fixture
def app():
    return eco.make_app()


@pytest.mark.gen_test
async def test_el_eco_devuelve_el_mismo_texto(conectar, ws_base) -> None:
    """En EcoSocket.on_message, llama a self.write_message(message): vuelve a quien lo envió."""
    cliente = await conectar(f"{ws_base}/eco")
    await cliente.write_message("hola")
    assert await recibir(cliente) == "hola", "El eco debe devolver exactamente el mismo texto."


@pytest.mark.gen_test
async def test_el_eco_respeta_tildes_emojis_y_varias_lineas(conectar, ws_base) -> None:
    """No transformes el texto (ni strip(), ni upper()): devuelve «message» tal cual."""
    cliente = await conectar(f"{ws_base}/eco")
    texto = "  ¿Qué tal, ñandú? 🎉\nsegunda línea  "
    await cliente.write_message(texto)
    assert await recibir(cliente) == texto


@pytest.mark.gen_test
async def test_el_eco_solo_responde_a_quien_envia(conectar, ws_base) -> None:
    """Un eco no es un broadcast: usa self.write_message (este cliente), no un bucle sobre todos."""
    ana, luis = await conectar(f"{ws_base}/eco"), await conectar(f"{ws_base}/eco")
    await ana.write_message("solo para Ana")
    assert await recibir(ana) == "solo para Ana"
    await nada_en(luis)


@pytest.mark.gen_test
async def test_un_frame_binario_vuelve_en_binario(conectar, ws_base) -> None:
    """Reto: si message es bytes, llama a self.write_message(message, binary=True)."""
    cliente = await conectar(f"{ws_base}/eco")
    await cliente.write_message(b"\x00\x01\x02", binary=True)
    recibido = await asyncio.wait_for(cliente.read_message(), ESPERA)
    assert recibido == b"\x00\x01\x02", f"Llegó {recibido!r}: debía volver en binario."
