"""Comprobación de la lección 7: python -m pytest lessons/07_seguridad"""

from __future__ import annotations

import pytest
from ayudas import cargar, nada_en, recibir

from common.fanout.hub import Hub

protegido = cargar(__file__, "protegido")


@pytest.fixture
def app():
    return protegido.make_app(Hub())


@pytest.mark.gen_test
async def test_un_mensaje_normal_llega_a_todos(conectar, ws_base) -> None:
    """Un mensaje normal sigue llegando a todos, también a quien lo envió."""
    ana, luis = await conectar(ws_base), await conectar(ws_base)
    await ana.write_message("Ana: hola")
    assert await recibir(luis) == "Ana: hola"
    assert await recibir(ana) == "Ana: hola"


@pytest.mark.gen_test
async def test_un_mensaje_demasiado_largo_solo_recibe_un_aviso(conectar, ws_base) -> None:
    """Un mensaje de más de MAX_CARACTERES: Ana recibe AVISO_LARGO y Luis no recibe nada."""
    ana, luis = await conectar(ws_base), await conectar(ws_base)
    await ana.write_message("Ana: " + "x" * protegido.MAX_CARACTERES)
    assert await recibir(ana) == protegido.AVISO_LARGO
    await nada_en(luis)


@pytest.mark.gen_test
async def test_el_maximo_exacto_si_se_envia(conectar, ws_base) -> None:
    """Un mensaje de justo MAX_CARACTERES caracteres sí se envía."""
    ana, luis = await conectar(ws_base), await conectar(ws_base)
    texto = "x" * protegido.MAX_CARACTERES
    await ana.write_message(texto)
    assert await recibir(luis) == texto


@pytest.mark.gen_test
async def test_una_rafaga_pasa_hasta_el_limite_y_el_resto_recibe_avisos(conectar, ws_base):
    """Con RAFAGA + 3 mensajes de golpe, los últimos reciben AVISO_RAPIDO, solo quien envía."""
    ana, luis = await conectar(ws_base), await conectar(ws_base)
    total = protegido.RAFAGA + 3
    for i in range(total):
        ana.write_message(f"Ana: spam {i}")  # Todos de golpe, sin esperar.
    recibidos_ana = [await recibir(ana) for _ in range(total)]
    avisos = recibidos_ana.count(protegido.AVISO_RAPIDO)
    assert avisos >= 2, f"Con {total} mensajes de golpe, Ana debía recibir avisos: {avisos}"
    difundidos = total - avisos
    recibidos_luis = [await recibir(luis) for _ in range(difundidos)]
    assert protegido.AVISO_RAPIDO not in recibidos_luis, "Los avisos son solo para quien envía"
    await nada_en(luis)


@pytest.mark.gen_test
async def test_el_limite_de_ritmo_es_de_cada_conexion(conectar, ws_base) -> None:
    """Después de la ráfaga de Ana, Luis puede seguir hablando: el límite es de cada conexión."""
    ana, luis = await conectar(ws_base), await conectar(ws_base)
    total = protegido.RAFAGA + 3
    for i in range(total):
        ana.write_message(f"Ana: spam {i}")
    avisos = [await recibir(ana) for _ in range(total)].count(protegido.AVISO_RAPIDO)
    for _ in range(total - avisos):  # Lo que sí se difundió de Ana.
        await recibir(luis)
    await luis.write_message("Luis: ¿y yo puedo hablar?")
    assert await recibir(luis) == "Luis: ¿y yo puedo hablar?"
