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
    """Lo que envía un cliente vuelve a ese mismo cliente."""
    cliente = await conectar(f"{ws_base}/eco")
    await cliente.write_message("hola")
    assert await recibir(cliente) == "hola", "El eco debe devolver exactamente el mismo texto."


@pytest.mark.gen_test
async def test_el_eco_respeta_tildes_emojis_y_varias_lineas(conectar, ws_base) -> None:
    """El texto vuelve exactamente igual: espacios, tildes, emojis y saltos de línea."""
    cliente = await conectar(f"{ws_base}/eco")
    texto = "  ¿Qué tal, ñandú? 🎉\nsegunda línea  "
    await cliente.write_message(texto)
    assert await recibir(cliente) == texto


@pytest.mark.gen_test
async def test_el_eco_solo_responde_a_quien_envia(conectar, ws_base) -> None:
    """El eco solo responde a quien envía: otro cliente conectado no recibe nada."""
    ana, luis = await conectar(f"{ws_base}/eco"), await conectar(f"{ws_base}/eco")
    await ana.write_message("solo para Ana")
    assert await recibir(ana) == "solo para Ana"
    await nada_en(luis)


@pytest.mark.gen_test
async def test_un_frame_binario_vuelve_en_binario(conectar, ws_base) -> None:
    """Reto: un frame binario vuelve como frame binario, con los mismos bytes."""
    cliente = await conectar(f"{ws_base}/eco")
    await cliente.write_message(b"\x00\x01\x02", binary=True)
    recibido = await asyncio.wait_for(cliente.read_message(), ESPERA)
    assert recibido == b"\x00\x01\x02", f"Llegó {recibido!r}: debía volver en binario."
