"""Comprobación de «Tu turno» (lección 10).

python -m pytest lessons/10_historial_y_reconexion/test_ejercicio10.py
"""

from __future__ import annotations

import json

import pytest
from ayudas import cargar, recibir_evento

from common.defences.limits import FloodLimits
from common.fanout.hub import Hub
from stack2_http.server import make_app

retomar = cargar(__file__, "retomar")
GUARDADOS = 10  # --history de estas comprobaciones.


@pytest.fixture
def log():
    return retomar.LogDeLaLeccion(GUARDADOS)


@pytest.fixture
def app(log):
    return make_app(Hub(), flood=FloodLimits(rate=1000, burst=1000), log=log)


async def ack_de(conn, texto: str, cid: str) -> int:
    """Envía un mensaje con ese cid y devuelve el seq de su ack."""
    await conn.write_message(json.dumps({"type": "message", "text": texto, "cid": cid}))
    while (evento := await recibir_evento(conn))["type"] != "ack":
        pass  # Avisos de entrada o mensajes de otros: aquí no importan.
    return evento["seq"]


async def decir(conectar, ws_base, cuantos: int) -> str:
    """Alguien dice «m1», «m2»… y espera el ack de cada uno; devuelve el epoch."""
    ana = await conectar(f"{ws_base}/ws")
    epoch = (await recibir_evento(ana, "welcome"))["epoch"]
    for i in range(1, cuantos + 1):
        await ana.write_message(json.dumps({"type": "message", "text": f"m{i}", "cid": f"c{i}"}))
        while (await recibir_evento(ana))["type"] != "ack":
            pass
    return epoch


async def volver(conectar, ws_base, since: int, epoch: str) -> dict:
    luis = await conectar(f"{ws_base}/ws?since={since}&epoch={epoch}")
    return await recibir_evento(luis, "welcome")


def textos(welcome: dict) -> list[str]:
    return [evento["text"] for evento in welcome["history"]]


@pytest.mark.gen_test
async def test_quien_vuelve_recibe_solo_lo_que_no_vio(conectar, ws_base) -> None:
    """Quien vio hasta el 4 de seis mensajes recibe el 5 y el 6, y recovered: true."""
    epoch = await decir(conectar, ws_base, 6)
    welcome = await volver(conectar, ws_base, 4, epoch)
    assert welcome["recovered"] is True
    assert textos(welcome) == ["m5", "m6"], "Quien vio hasta el 4 debe recibir el 5 y el 6"


@pytest.mark.gen_test
async def test_quien_lo_vio_todo_no_recibe_nada(conectar, ws_base) -> None:
    """Quien lo vio todo recibe una lista vacía y recovered: true."""
    epoch = await decir(conectar, ws_base, 3)
    welcome = await volver(conectar, ws_base, 3, epoch)
    assert (welcome["recovered"], textos(welcome)) == (True, [])


@pytest.mark.gen_test
async def test_si_falta_algo_que_ya_no_esta_no_hay_media_entrega(conectar, ws_base) -> None:
    """Si falta algo que ya no está guardado: los últimos, recovered: false y "too_far_behind"."""
    epoch = await decir(conectar, ws_base, 15)  # Solo se guardan los 10 últimos: 6…15.
    welcome = await volver(conectar, ws_base, 2, epoch)
    assert welcome["recovered"] is False, "Faltan el 3, el 4 y el 5: no se puede retomar"
    assert welcome["reason"] == "too_far_behind"
    assert textos(welcome) == [f"m{i}" for i in range(6, 16)]


@pytest.mark.gen_test
async def test_justo_en_el_borde_aun_se_puede_retomar(conectar, ws_base) -> None:
    """Si el primero que falta es justo el más antiguo guardado, se puede retomar entero."""
    epoch = await decir(conectar, ws_base, 15)
    welcome = await volver(conectar, ws_base, 5, epoch)
    assert welcome["recovered"] is True
    assert textos(welcome) == [f"m{i}" for i in range(6, 16)]


@pytest.mark.gen_test
async def test_otra_historia_no_se_mezcla(conectar, ws_base) -> None:
    """Con un epoch de otra historia: recovered: false y "epoch_changed"."""
    await decir(conectar, ws_base, 2)
    welcome = await volver(conectar, ws_base, 1, "deotrodia")
    assert (welcome["recovered"], welcome["reason"]) == (False, "epoch_changed")


@pytest.mark.gen_test
async def test_el_mismo_cid_de_dos_personas_son_dos_mensajes(conectar, ws_base) -> None:
    """El paso 2: un reintento es el mismo cid *de la misma clave* (?client=), nunca de otra.

    No depende de tus TODO: si falla, tu LogDeLaLeccion ha cambiado algo más que replay().
    """
    ana = await conectar(f"{ws_base}/ws?client=clave-de-ana-1234")
    luis = await conectar(f"{ws_base}/ws?client=clave-de-luis-123")
    for conn in (ana, luis):
        await recibir_evento(conn, "welcome")
    assert await ack_de(ana, "soy Ana", "clase-1") == 1
    assert await ack_de(luis, "soy Luis", "clase-1") == 2, "El mensaje de Luis se perdió"
    otra_vez = await conectar(f"{ws_base}/ws?client=clave-de-ana-1234")  # Ana, tras un corte.
    await recibir_evento(otra_vez, "welcome")
    assert await ack_de(otra_vez, "soy Ana", "clase-1") == 1, "Su reintento debía reconocerse"
