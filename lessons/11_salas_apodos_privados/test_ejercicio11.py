"""Comprobación de «Tu turno» (lección 11).

python -m pytest lessons/11_salas_apodos_privados/test_ejercicio11.py
"""

from __future__ import annotations

import json

import pytest
from ayudas import cargar, recibir_evento

from common.defences.limits import FloodLimits
from common.fanout.hub import Hub
from stack2_http.server import make_app

privados = cargar(__file__, "privados")


@pytest.fixture
def app():
    flood = FloodLimits(rate=1000, burst=1000)
    return make_app(Hub(), flood=flood, handler=privados.ChatConPrivados)


async def entrar(conectar, ws_base, sala: str = "clase"):
    """Entra en una sala y devuelve la conexión y su identidad (la del welcome)."""
    conn = await conectar(f"{ws_base}/ws/{sala}")
    return conn, (await recibir_evento(conn, "welcome"))["you"]


async def siguiente(conn, tipo: str) -> dict:
    """El siguiente evento de ese tipo, saltando los avisos de entrada."""
    while True:
        evento = await recibir_evento(conn)
        if evento["type"] == tipo:
            return evento
        assert evento["type"] == "join", f"Se esperaba {tipo!r} y llegó {evento}"


def privado(a: str, texto: str) -> str:
    return json.dumps({"type": "private", "to": a, "text": texto})


@pytest.mark.gen_test
async def test_llega_a_quien_va_y_una_copia_a_quien_lo_envia(conectar, ws_base) -> None:
    """Un privado de Ana llega a Luis, y Ana recibe la misma copia."""
    ana, yo = await entrar(conectar, ws_base)
    luis, el = await entrar(conectar, ws_base)
    await ana.write_message(privado(el, "¿me pasas los apuntes?"))
    recibido, copia = await siguiente(luis, "private"), await siguiente(ana, "private")
    assert recibido == copia, "Quien lo envía recibe la misma copia que quien lo recibe"
    assert (recibido["from"], recibido["to"]) == (yo, el)


@pytest.mark.gen_test
async def test_nadie_mas_de_la_sala_lo_recibe(conectar, ws_base) -> None:
    """Marta, en la misma sala, no ve el privado de Ana a Luis."""
    ana, _ = await entrar(conectar, ws_base)
    _, luis = await entrar(conectar, ws_base)
    marta, _ = await entrar(conectar, ws_base)
    await ana.write_message(privado(luis, "solo para Luis"))
    await ana.write_message(json.dumps({"type": "message", "text": "para todos"}))
    # Marta recibe en orden: si lo primero que ve es el mensaje para todos, el privado no llegó.
    evento = await siguiente(marta, "message")
    assert evento.get("text") == "para todos", f"Marta no debía ver el privado: {evento}"


@pytest.mark.gen_test
async def test_alguien_de_otra_sala_no_existe_desde_aqui(conectar, ws_base) -> None:
    """Un privado a alguien de otra sala recibe «not_found», y a esa persona no le llega."""
    ana, _ = await entrar(conectar, ws_base, "clase")
    pedro, el = await entrar(conectar, ws_base, "recreo")
    await ana.write_message(privado(el, "¿me oyes desde el recreo?"))
    error = await siguiente(ana, "error")
    assert error["code"] == "not_found", f"Otra sala debía ser «not_found» y llegó {error}"
    await pedro.write_message(json.dumps({"type": "message", "text": "en el recreo"}))
    evento = await siguiente(pedro, "message")
    assert evento.get("text") == "en el recreo", f"Pedro no debía ver el privado: {evento}"


@pytest.mark.gen_test
async def test_a_ti_mismo_no_puedes(conectar, ws_base) -> None:
    """Un privado a tu propia identidad recibe «invalid_recipient»."""
    ana, yo = await entrar(conectar, ws_base)
    await ana.write_message(privado(yo, "hola, yo"))
    assert (await siguiente(ana, "error"))["code"] == "invalid_recipient"
