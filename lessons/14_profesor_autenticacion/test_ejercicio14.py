"""Comprobación de la lección 14: un estudiante no puede moderar, ni con una cookie falsa.

python -m pytest lessons/14_profesor_autenticacion
"""

from __future__ import annotations

import json
import time

import pytest
from ayudas import cargar, recibir_evento
from tornado.web import create_signed_value

from common.defences.limits import FloodLimits
from common.fanout.hub import Hub
from stack2_http.server import make_app
from stack2_http.teacher import COOKIE, Teachers

profe = cargar(__file__, "profe")

# La clave del enlace de la profesora y el secreto que firma las cookies de este servidor.
CLAVE = "pizarra-verde-42"
SECRETO = "secreto-de-este-servidor-" + "x" * 32
DOS_DIAS = 2 * 24 * 3600


@pytest.fixture
def app():
    profesora = profe.ProfesoraDeLaClase(CLAVE, SECRETO)
    return make_app(Hub(), flood=FloodLimits(rate=1000, burst=1000), teachers=profesora)


def firmada(secreto: str, valor: str, hace: float = 0) -> str:
    """Una cookie «profe» firmada con ``secreto`` (hace ``hace`` segundos), como Tornado."""
    firma = create_signed_value(secreto, COOKIE, valor, clock=lambda: time.time() - hace)
    return f"{COOKIE}={firma.decode()}"


def resumen(clave: str) -> str:
    """Lo que guarda la cookie de la profesora con esa clave (Teachers.badge)."""
    return Teachers(clave, SECRETO).badge


async def entrar(conectar, ws_base, cookie: str | None = None):
    """Entra en la sala «clase» (con esa cookie) y devuelve la conexión y su welcome."""
    cabeceras = {"Cookie": cookie} if cookie else None
    conn = await conectar(f"{ws_base}/ws/clase", cabeceras)
    return conn, await recibir_evento(conn, "welcome")


async def siguiente(conn, tipo: str) -> dict:
    """El siguiente evento de ese tipo, saltando los avisos de entrada y los mensajes."""
    while True:
        evento = await recibir_evento(conn)
        if evento["type"] == tipo:
            return evento
        assert evento["type"] in ("join", "message"), f"Se esperaba {tipo!r} y llegó {evento}"


async def un_mensaje(conn) -> int:
    """Escribe un mensaje en la sala y devuelve su número (seq)."""
    await conn.write_message(json.dumps({"type": "message", "text": "un insulto", "cid": "m1"}))
    return (await siguiente(conn, "ack"))["seq"]


async def no_puede_borrar(conectar, ws_base, cookie: str | None) -> None:
    """Quien entra con ``cookie`` es estudiante: su «delete» recibe «forbidden»."""
    __tracebackhide__ = True
    ana, _ = await entrar(conectar, ws_base)
    seq = await un_mensaje(ana)
    intruso, welcome = await entrar(conectar, ws_base, cookie)
    assert welcome["role"] == "student", (
        f"Con la cookie {cookie!r}, el servidor te tomó por la profesora (role: "
        f"{welcome['role']!r})"
    )
    await intruso.write_message(json.dumps({"type": "delete", "seq": seq}))
    error = await siguiente(intruso, "error")
    assert error["code"] == "forbidden", (
        f"Un estudiante que borra debía recibir «forbidden»: {error}"
    )


@pytest.mark.gen_test
async def test_sin_cookie_eres_estudiante_y_no_puedes_borrar(conectar, ws_base) -> None:
    """Sin cookie, el welcome dice «student» y un «delete» recibe «forbidden»."""
    await no_puede_borrar(conectar, ws_base, None)


@pytest.mark.gen_test
async def test_una_cookie_escrita_a_mano_no_te_hace_profesora(conectar, ws_base) -> None:
    """Una cookie «profe» sin firma (la que cualquiera escribe en F12) no vale."""
    await no_puede_borrar(conectar, ws_base, f"{COOKIE}={resumen(CLAVE)}")


@pytest.mark.gen_test
async def test_una_cookie_firmada_por_otro_servidor_no_vale(conectar, ws_base) -> None:
    """Una cookie firmada con otro secreto (la de otro servidor) no vale."""
    otro = firmada("el-secreto-de-otro-servidor-" + "y" * 32, resumen(CLAVE))
    await no_puede_borrar(conectar, ws_base, otro)


@pytest.mark.gen_test
async def test_una_cookie_de_hace_dos_dias_ha_caducado(conectar, ws_base) -> None:
    """Una cookie bien firmada, pero de hace dos días, ya no vale (COOKIE_DAYS es 1)."""
    await no_puede_borrar(conectar, ws_base, firmada(SECRETO, resumen(CLAVE), DOS_DIAS))


@pytest.mark.gen_test
async def test_la_cookie_de_una_clave_anterior_ya_no_vale(conectar, ws_base) -> None:
    """Firmada por este servidor, pero con la clave de ayer: ya no es la profesora."""
    await no_puede_borrar(conectar, ws_base, firmada(SECRETO, resumen("la-clave-de-ayer")))


@pytest.mark.gen_test
async def test_la_profesora_de_verdad_puede_borrar(conectar, ws_base, http_client) -> None:
    """Con la cookie que da /profe, el welcome dice «teacher» y su «delete» llega a la sala."""
    url = ws_base.replace("ws://", "http://") + f"/profe?clave={CLAVE}"
    respuesta = await http_client.fetch(url, follow_redirects=False, raise_error=False)
    assert respuesta.code == 302, f"/profe con la clave buena debía redirigir: {respuesta.code}"
    cookie = respuesta.headers["Set-Cookie"].split(";")[0]
    ana, _ = await entrar(conectar, ws_base)
    seq = await un_mensaje(ana)
    profesora, welcome = await entrar(conectar, ws_base, cookie)
    assert welcome["role"] == "teacher", (
        f"Con la cookie de /profe debías ser la profesora: {welcome}"
    )
    await profesora.write_message(json.dumps({"type": "delete", "seq": seq}))
    borrado = await siguiente(ana, "deleted")
    assert borrado["seq"] == seq, f"Ana debía ver borrado el mensaje {seq}: {borrado}"
