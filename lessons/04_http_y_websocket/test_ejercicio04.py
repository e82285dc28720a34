"""Comprobación de «Tu turno» (lección 4).

python -m pytest lessons/04_http_y_websocket/test_ejercicio04.py
"""

from __future__ import annotations

import asyncio
import json

import pytest
from ayudas import ESPERA, cargar, recibir_evento
from tornado.httpclient import HTTPClientError

from common.fanout.hub import Hub

rutas = cargar(__file__, "rutas")


@pytest.fixture
def app():
    rutas.ESPERA_SEGUNDOS = 0.5  # Más corto, para que la comprobación vaya rápida.
    return rutas.make_app(Hub())


async def salud(http_client, base_url) -> dict:
    try:
        respuesta = await http_client.fetch(base_url + "/salud")
    except HTTPClientError as error:
        raise AssertionError(f"GET /salud respondió {error.code}.") from None
    tipo = respuesta.headers["Content-Type"]
    assert "application/json" in tipo, f"/salud debe responder JSON, y su tipo es {tipo}."
    return json.loads(respuesta.body)


@pytest.mark.gen_test
async def test_salud_responde_json_sin_nadie_conectado(http_client, base_url) -> None:
    """GET /salud responde el JSON {"estado": "ok", "conectados": 0} con nadie conectado."""
    assert await salud(http_client, base_url) == {"estado": "ok", "conectados": 0}


@pytest.mark.gen_test
async def test_salud_cuenta_las_conexiones_del_chat(http_client, base_url, conectar, ws_base):
    """Con dos WebSocket abiertos en el chat, /salud dice «conectados»: 2."""
    await conectar(f"{ws_base}/ws")
    await conectar(f"{ws_base}/ws")
    assert (await salud(http_client, base_url))["conectados"] == 2


@pytest.mark.gen_test
async def test_la_pagina_del_chat_sigue_funcionando(http_client, base_url) -> None:
    """La página del chat sigue en «/», en la misma aplicación que las rutas nuevas."""
    respuesta = await http_client.fetch(base_url + "/")
    assert b"/static/chat/main.js" in respuesta.body


@pytest.mark.gen_test
async def test_espera_no_bloquea_el_chat(http_client, base_url, conectar, ws_base, monkeypatch):
    """Mientras /espera tarda su segundo, un cliente nuevo del chat recibe su welcome al momento."""
    empezada: list[bool] = []
    monkeypatch.setattr(rutas.EsperaHandler, "prepare", lambda handler: empezada.append(True))
    loop = asyncio.get_running_loop()
    inicio = loop.time()
    lenta = asyncio.ensure_future(http_client.fetch(base_url + "/espera"))
    while not empezada:  # Hasta que el servidor empieza a atender /espera.
        await asyncio.sleep(0.01)
    cliente = await conectar(f"{ws_base}/ws")
    await recibir_evento(cliente, "welcome")
    tardanza = loop.time() - inicio
    await asyncio.wait_for(lenta, ESPERA)
    assert tardanza < 0.3, f"El chat tardó {tardanza:.1f} s en responder mientras /espera esperaba."
