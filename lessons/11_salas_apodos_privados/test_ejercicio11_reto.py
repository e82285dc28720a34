"""Comprobación del «Reto» (lección 11): el tema de cada sala.

python -m pytest lessons/11_salas_apodos_privados/test_ejercicio11_reto.py
"""

from __future__ import annotations

import json

import pytest
from ayudas import cargar, identidad_de, recibir_evento

from common.fanout.hub import Hub

temas = cargar(__file__, "temas")


@pytest.fixture
def app():
    return temas.make_app(Hub())


async def entrar(conectar, ws_base, sala: str = "clase", apodo: str | None = None):
    conn = await conectar(f"{ws_base}/ws/{sala}" + (f"?nick={apodo}" if apodo else ""))
    await recibir_evento(conn, "welcome")
    return conn


async def siguiente(conn, tipo: str) -> dict:
    """El siguiente evento que no sea un aviso de entrada; debe ser de ese tipo."""
    while (evento := await recibir_evento(conn))["type"] == "join":
        pass
    assert evento["type"] == tipo, f"Se esperaba un evento {tipo!r} y llegó {evento}"
    return evento


def tema(texto) -> str:
    return json.dumps({"type": "topic", "text": texto}, ensure_ascii=False)


@pytest.mark.gen_test
async def test_el_tema_llega_a_toda_la_sala(conectar, ws_base) -> None:
    """Ana (apodo «Ana») pone tema: Ana y Luis reciben el evento topic con quién y el texto."""
    ana = await entrar(conectar, ws_base, apodo="Ana")
    luis = await entrar(conectar, ws_base)
    await ana.write_message(tema("Repaso del examen"))
    esperado = {
        "type": "topic",
        "who": identidad_de(ana),
        "nick": "Ana",
        "text": "Repaso del examen",
    }
    assert await siguiente(ana, "topic") == esperado, "Quien pone el tema también lo recibe"
    assert await siguiente(luis, "topic") == esperado


@pytest.mark.gen_test
async def test_quien_llega_despues_lo_recibe_tras_su_welcome(conectar, ws_base) -> None:
    """Eva entra después: lo siguiente a su welcome es el topic que puso Ana."""
    ana = await entrar(conectar, ws_base)
    await ana.write_message(tema("Repaso del examen"))
    await siguiente(ana, "topic")
    eva = await conectar(f"{ws_base}/ws/clase")
    await recibir_evento(eva, "welcome")
    evento = await recibir_evento(eva)
    assert evento.get("type") == "topic", f"Tras el welcome se esperaba el tema y llegó {evento}"
    assert evento["text"] == "Repaso del examen"


@pytest.mark.gen_test
async def test_un_tema_nuevo_sustituye_al_anterior(conectar, ws_base) -> None:
    """Con dos temas seguidos, quien llega después recibe solo el último."""
    ana = await entrar(conectar, ws_base)
    for texto in ("Primero", "Segundo"):
        await ana.write_message(tema(texto))
        await siguiente(ana, "topic")
    eva = await conectar(f"{ws_base}/ws/clase")
    await recibir_evento(eva, "welcome")
    assert (await recibir_evento(eva, "topic"))["text"] == "Segundo"
    await eva.write_message(json.dumps({"type": "message", "text": "hola"}))
    assert (await siguiente(eva, "message"))["text"] == "hola", "Solo un topic, el último"


@pytest.mark.gen_test
async def test_otra_sala_ni_lo_ve_ni_lo_hereda(conectar, ws_base) -> None:
    """Pedro, en «recreo», no recibe el tema de «clase», ni al ponerlo ni al entrar."""
    ana = await entrar(conectar, ws_base, "clase")
    pedro = await entrar(conectar, ws_base, "recreo")
    await ana.write_message(tema("Solo en clase"))
    await siguiente(ana, "topic")
    for conn in (pedro, await entrar(conectar, ws_base, "recreo")):
        await conn.write_message(json.dumps({"type": "message", "text": "en el recreo"}))
        evento = await siguiente(conn, "message")
        assert evento["text"] == "en el recreo"


@pytest.mark.gen_test
@pytest.mark.parametrize(
    ("texto", "codigo"),
    [("", "empty"), ("   ", "empty"), (42, "invalid_field"), ("x" * 101, "too_long")],
)
async def test_un_tema_vacio_o_largo_es_un_error(conectar, ws_base, texto, codigo) -> None:
    """Un tema vacío, que no es texto o de más de MAX_TEMA caracteres: su error, y nada más."""
    ana = await entrar(conectar, ws_base)
    await ana.write_message(tema(texto))
    error = await siguiente(ana, "error")
    assert error["code"] == codigo, f"Con {texto!r} se esperaba «{codigo}»: {error}"
    eva = await conectar(f"{ws_base}/ws/clase")
    await recibir_evento(eva, "welcome")
    await eva.write_message(json.dumps({"type": "message", "text": "hola"}))
    assert (await siguiente(eva, "message"))["text"] == "hola", "Un tema erróneo no se guarda"


@pytest.mark.gen_test
async def test_el_texto_se_limpia_como_el_de_un_mensaje(conectar, ws_base) -> None:
    """Los espacios de los bordes y los caracteres que dan la vuelta al texto se quitan."""
    ana = await entrar(conectar, ws_base)
    await ana.write_message(tema("  Repaso\u202e  "))
    assert (await siguiente(ana, "topic"))["text"] == "Repaso"


@pytest.mark.gen_test
async def test_una_sala_sin_tema_no_envia_nada_al_entrar(conectar, ws_base) -> None:
    """En un servidor nuevo, «clase» no tiene tema (aunque otro servidor del proceso lo tuviera)."""
    eva = await conectar(f"{ws_base}/ws/clase")
    await recibir_evento(eva, "welcome")
    await eva.write_message(json.dumps({"type": "message", "text": "hola"}))
    evento = await recibir_evento(eva)
    assert evento.get("type") == "message", f"Una sala sin tema no envía nada: llegó {evento}"
