"""Comprobación del «Reto» (lección 6): reacciones a un mensaje.

python -m pytest lessons/06_protocolo_json/test_ejercicio06_reto.py
"""

from __future__ import annotations

import json

import pytest
from ayudas import cargar, identidad_de, recibir_evento

from common.fanout.hub import Hub

reacciones = cargar(__file__, "reacciones")


@pytest.fixture
def app():
    return reacciones.make_app(Hub())


async def entrar(conectar, ws_base, sala: str = "clase"):
    conn = await conectar(f"{ws_base}/ws/{sala}")
    await recibir_evento(conn, "welcome")
    return conn


async def siguiente(conn, tipo: str) -> dict:
    """El siguiente evento que no sea un aviso de entrada; debe ser de ese tipo."""
    while (evento := await recibir_evento(conn))["type"] == "join":
        pass
    assert evento["type"] == tipo, f"Se esperaba un evento {tipo!r} y llegó {evento}"
    return evento


async def decir(conn, texto: str) -> int:
    """Envía un mensaje y devuelve su seq (el del mensaje que vuelve)."""
    await conn.write_message(json.dumps({"type": "message", "text": texto}))
    return (await siguiente(conn, "message"))["seq"]


def reaccion(seq, emoji="👍") -> str:
    return json.dumps({"type": "react", "seq": seq, "emoji": emoji}, ensure_ascii=False)


@pytest.mark.gen_test
async def test_una_reaccion_llega_a_toda_la_sala(conectar, ws_base) -> None:
    """Luis reacciona con 👍 al mensaje de Ana: Ana y Luis reciben el mismo evento react."""
    ana = await entrar(conectar, ws_base)
    luis = await entrar(conectar, ws_base)
    seq = await decir(ana, "¿Empezamos?")
    await siguiente(luis, "message")
    await luis.write_message(reaccion(seq))
    esperado = {"type": "react", "who": identidad_de(luis), "seq": seq, "emoji": "👍"}
    assert await siguiente(luis, "react") == esperado, "Quien reacciona también lo recibe"
    assert await siguiente(ana, "react") == esperado


@pytest.mark.gen_test
async def test_otra_sala_no_ve_la_reaccion(conectar, ws_base) -> None:
    """Pedro, en «recreo», no recibe la reacción de alguien de «clase»."""
    ana = await entrar(conectar, ws_base, "clase")
    pedro = await entrar(conectar, ws_base, "recreo")
    seq = await decir(ana, "hola")
    await ana.write_message(reaccion(seq, "🎉"))
    await siguiente(ana, "react")
    # Pedro recibe en orden: si lo primero que ve es su mensaje, la reacción no llegó.
    await pedro.write_message(json.dumps({"type": "message", "text": "en el recreo"}))
    evento = await recibir_evento(pedro)
    assert evento["type"] == "message", f"Pedro, en otra sala, recibió {evento}"


@pytest.mark.gen_test
@pytest.mark.parametrize("seq", [2, 0, -1, 99])
async def test_un_mensaje_que_no_existe_en_tu_sala_es_not_found(conectar, ws_base, seq):
    """Con un solo mensaje en la sala, reaccionar al número 2, 0, -1 o 99 es «not_found»."""
    ana = await entrar(conectar, ws_base)
    await decir(ana, "el único")
    await ana.write_message(reaccion(seq))
    error = await siguiente(ana, "error")
    assert error["code"] == "not_found", f"Con seq={seq} se esperaba «not_found»: {error}"
    assert error["text"].endswith("."), "El error debe ser una frase en español"


@pytest.mark.gen_test
async def test_los_numeros_son_de_cada_sala(conectar, ws_base) -> None:
    """El mensaje 1 de «clase» no existe en «recreo»: allí es «not_found»."""
    ana = await entrar(conectar, ws_base, "clase")
    pedro = await entrar(conectar, ws_base, "recreo")
    await decir(ana, "en clase")
    await pedro.write_message(reaccion(1))
    assert (await siguiente(pedro, "error"))["code"] == "not_found"


@pytest.mark.gen_test
@pytest.mark.parametrize(
    "evento",
    [
        {"seq": "1", "emoji": "👍"},
        {"seq": 1.5, "emoji": "👍"},
        {"seq": True, "emoji": "👍"},
        {"emoji": "👍"},
        {"seq": 1, "emoji": "💩"},
        {"seq": 1, "emoji": "👍👍"},
        {"seq": 1},
    ],
)
async def test_un_react_mal_formado_es_invalid_field(conectar, ws_base, evento) -> None:
    """Un seq que no es un entero, o un emoji fuera de REACCIONES: «invalid_field»."""
    ana = await entrar(conectar, ws_base)
    await decir(ana, "uno")
    await ana.write_message(json.dumps({"type": "react", **evento}, ensure_ascii=False))
    error = await siguiente(ana, "error")
    assert error["code"] == "invalid_field", f"Con {evento} se esperaba «invalid_field»: {error}"
    assert await decir(ana, "sigo aquí") == 2, "La conexión debe seguir abierta tras el error"


@pytest.mark.gen_test
async def test_un_error_solo_lo_recibe_quien_se_equivoco(conectar, ws_base) -> None:
    """Luis no ve el error de Ana: lo primero que recibe después es el mensaje siguiente."""
    ana = await entrar(conectar, ws_base)
    luis = await entrar(conectar, ws_base)
    await ana.write_message(reaccion(99))
    await siguiente(ana, "error")
    await decir(ana, "después del error")
    assert (await siguiente(luis, "message"))["text"] == "después del error"


@pytest.mark.gen_test
async def test_quien_inunda_con_reacciones_acaba_fuera(conectar, ws_base) -> None:
    """300 «react» seguidos reciben «too_fast» y acaban en un cierre 1008, como los mensajes."""
    ana = await entrar(conectar, ws_base)
    seq = await decir(ana, "uno")
    for _ in range(300):
        await ana.write_message(reaccion(seq))
    codigos = set()
    while (evento := await ana.read_message()) is not None:
        codigos.add(json.loads(evento).get("code"))
    assert "too_fast" in codigos, "Nadie avisó con «too_fast» a quien inunda"
    assert ana.close_code == 1008
