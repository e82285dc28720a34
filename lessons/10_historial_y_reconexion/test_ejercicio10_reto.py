"""Comprobación del «Reto» (lección 10): cargar mensajes anteriores.

python -m pytest lessons/10_historial_y_reconexion/test_ejercicio10_reto.py
"""

from __future__ import annotations

import json

import pytest
from ayudas import cargar, recibir_evento

from common.defences.limits import FloodLimits
from common.fanout.hub import Hub
from common.history.log import MemoryLog
from stack2_http.server import make_app

anteriores = cargar(__file__, "anteriores")
GUARDADOS = 10  # --history de estas comprobaciones.


@pytest.fixture
def app():
    log = MemoryLog(GUARDADOS)
    return make_app(
        Hub(),
        flood=FloodLimits(rate=1000, burst=1000),
        handler=anteriores.ChatConAnteriores,
        log=log,
    )


async def entrar(conectar, ws_base, sala: str = "general"):
    conn = await conectar(f"{ws_base}/ws/{sala}")
    await recibir_evento(conn, "welcome")
    return conn


async def decir(conn, cuantos: int, prefijo: str = "m") -> None:
    """Envía «m1», «m2»… y espera a que vuelva cada uno."""
    for i in range(1, cuantos + 1):
        await conn.write_message(json.dumps({"type": "message", "text": f"{prefijo}{i}"}))
        while (await recibir_evento(conn))["type"] != "message":
            pass


async def pedir(conn, **campos) -> dict:
    """Pide mensajes anteriores y devuelve la respuesta (el siguiente evento)."""
    await conn.write_message(json.dumps({"type": "older", **campos}))
    return await recibir_evento(conn)


def numeros(respuesta: dict) -> list[int]:
    assert respuesta["type"] == "older", f"Se esperaba un evento «older» y llegó {respuesta}"
    return [mensaje["seq"] for mensaje in respuesta["messages"]]


@pytest.mark.gen_test
async def test_recibe_los_anteriores_en_orden(conectar, ws_base) -> None:
    """Con 10 mensajes, before=9 y limit=5: los mensajes 4 a 8, en orden, y complete: true."""
    ana = await entrar(conectar, ws_base)
    await decir(ana, 10)
    respuesta = await pedir(ana, before=9, limit=5)
    assert numeros(respuesta) == [4, 5, 6, 7, 8]
    assert [m["text"] for m in respuesta["messages"]] == ["m4", "m5", "m6", "m7", "m8"]
    assert (respuesta["before"], respuesta["complete"]) == (9, True)
    assert respuesta["messages"][0]["type"] == "message", "Cada uno, el evento «message» entero"


@pytest.mark.gen_test
async def test_sin_limit_son_veinte_como_mucho(conectar, ws_base) -> None:
    """Sin «limit», el tramo es de 20: con 10 mensajes y before=11, los diez."""
    ana = await entrar(conectar, ws_base)
    await decir(ana, 10)
    respuesta = await pedir(ana, before=11)
    assert numeros(respuesta) == list(range(1, 11))
    assert respuesta["complete"] is True


@pytest.mark.gen_test
async def test_si_parte_ya_no_esta_guardada_lo_dice(conectar, ws_base) -> None:
    """Con 15 mensajes y solo 10 guardados (6…15), before=8 y limit=5 da el 6 y el 7, y
    complete: false, porque del 3 al 5 ya no están."""
    ana = await entrar(conectar, ws_base)
    await decir(ana, 15)
    respuesta = await pedir(ana, before=8, limit=5)
    assert numeros(respuesta) == [6, 7]
    assert respuesta["complete"] is False, "Faltan el 3, el 4 y el 5: no está completo"


@pytest.mark.gen_test
async def test_desde_el_principio_esta_completo(conectar, ws_base) -> None:
    """Pedir antes del 3 con limit=20 da el 1 y el 2, y complete: true (antes no hay nada)."""
    ana = await entrar(conectar, ws_base)
    await decir(ana, 5)
    respuesta = await pedir(ana, before=3, limit=20)
    assert (numeros(respuesta), respuesta["complete"]) == ([1, 2], True)
    respuesta = await pedir(ana, before=1)
    assert (numeros(respuesta), respuesta["complete"]) == ([], True)


@pytest.mark.gen_test
async def test_solo_lo_recibe_quien_pregunta(conectar, ws_base) -> None:
    """Luis no recibe la respuesta que pidió Ana."""
    ana = await entrar(conectar, ws_base)
    luis = await entrar(conectar, ws_base)
    await recibir_evento(ana, "join")
    await decir(ana, 3)
    for _ in range(3):
        await recibir_evento(luis, "message")
    await pedir(ana, before=3)
    await decir(ana, 1, prefijo="después")
    evento = await recibir_evento(luis)
    assert evento.get("text") == "después1", f"Luis no debía recibir nada antes: {evento}"


@pytest.mark.gen_test
async def test_cada_sala_tiene_su_historial(conectar, ws_base) -> None:
    """En «recreo», before=3 da los mensajes de «recreo», no los de «clase»."""
    ana = await entrar(conectar, ws_base, "clase")
    pedro = await entrar(conectar, ws_base, "recreo")
    await decir(ana, 5, prefijo="clase")
    await decir(pedro, 2, prefijo="recreo")
    respuesta = await pedir(pedro, before=3)
    assert [m["text"] for m in respuesta["messages"]] == ["recreo1", "recreo2"]


@pytest.mark.gen_test
@pytest.mark.parametrize(
    "campos",
    [
        {"before": "5"},
        {"before": True},
        {"before": 0},
        {"before": -1},
        {},
        {"before": 99},
        {"before": 3, "limit": 0},
        {"before": 3, "limit": 51},
        {"before": 3, "limit": "5"},
    ],
)
async def test_una_peticion_mal_formada_es_invalid_field(conectar, ws_base, campos) -> None:
    """«before» que no es un número de 1 al último más uno, o «limit» fuera de 1…50: error."""
    ana = await entrar(conectar, ws_base)
    await decir(ana, 5)
    respuesta = await pedir(ana, **campos)
    assert respuesta["type"] == "error", f"Con {campos} se esperaba un error: {respuesta}"
    assert respuesta["code"] == "invalid_field", f"Con {campos}: {respuesta}"
    assert numeros(await pedir(ana, before=2)) == [1], "La conexión debe seguir sirviendo"
