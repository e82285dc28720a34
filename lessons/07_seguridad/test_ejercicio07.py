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
    """Lo que cumple las normas sigue por super().on_message(message), sin cambios."""
    ana, luis = await conectar(ws_base), await conectar(ws_base)
    await ana.write_message("Ana: hola")
    assert await recibir(luis) == "Ana: hola"
    assert await recibir(ana) == "Ana: hola"


@pytest.mark.gen_test
async def test_un_mensaje_demasiado_largo_solo_recibe_un_aviso(conectar, ws_base) -> None:
    """Si len(message) > MAX_CARACTERES: self.hub.send(self, AVISO_LARGO) y return."""
    ana, luis = await conectar(ws_base), await conectar(ws_base)
    await ana.write_message("Ana: " + "x" * protegido.MAX_CARACTERES)
    assert await recibir(ana) == protegido.AVISO_LARGO
    await nada_en(luis)


@pytest.mark.gen_test
async def test_el_maximo_exacto_si_se_envia(conectar, ws_base) -> None:
    """El límite es «más de MAX_CARACTERES»: un mensaje de justo MAX_CARACTERES pasa (usa >)."""
    ana, luis = await conectar(ws_base), await conectar(ws_base)
    texto = "x" * protegido.MAX_CARACTERES
    await ana.write_message(texto)
    assert await recibir(luis) == texto


@pytest.mark.gen_test
async def test_una_rafaga_pasa_hasta_el_limite_y_el_resto_recibe_avisos(conectar, ws_base):
    """Gasta una ficha por mensaje con self.cubo.take(); si no quedan, AVISO_RAPIDO y return."""
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
    """self.cubo se crea en open(): cada conexión tiene el suyo. No lo compartas entre todas."""
    ana, luis = await conectar(ws_base), await conectar(ws_base)
    total = protegido.RAFAGA + 3
    for i in range(total):
        ana.write_message(f"Ana: spam {i}")
    avisos = [await recibir(ana) for _ in range(total)].count(protegido.AVISO_RAPIDO)
    for _ in range(total - avisos):  # Lo que sí se difundió de Ana.
        await recibir(luis)
    await luis.write_message("Luis: ¿y yo puedo hablar?")
    assert await recibir(luis) == "Luis: ¿y yo puedo hablar?"
