"""Comprobación de la lección 3: python -m pytest lessons/03_cliente_file"""

from __future__ import annotations

import pytest
from ayudas import cargar, recibir
from tornado.httpclient import HTTPClientError

from common.fanout.hub import Hub

origen = cargar(__file__, "origen")


@pytest.fixture
def app():
    return origen.make_app(Hub())


@pytest.mark.parametrize(
    "origin",
    ["null", "http://localhost:8001", "http://127.0.0.1:8001", "http://localhost"],
)
def test_acepta_file_y_las_paginas_de_este_equipo(origin) -> None:
    """Se aceptan «null» y las páginas http de este equipo, con o sin puerto."""
    assert origen.origen_aceptado(origin), f"{origin} debería poder conectarse."


@pytest.mark.parametrize(
    "origin",
    [
        "http://otro-sitio.example",
        "http://localhost.otro-sitio.example",  # empieza por «localhost»…
        "http://otro-sitio.example/localhost",  # …o lo lleva en la ruta
        "http://localhost@otro-sitio.example",  # …o como «usuario@»
        "http://127.0.0.1.nip.io:8001",  # un dominio que resuelve a 127.0.0.1
        "https://otro-sitio.example",
        "ftp://localhost",
        "",
    ],
)
def test_rechaza_cualquier_otra_web(origin) -> None:
    """Cualquier otro origen se rechaza, también los que se disfrazan de «localhost»."""
    assert not origen.origen_aceptado(origin), f"{origin!r} NO debería poder conectarse."


@pytest.mark.gen_test
async def test_una_pagina_de_localhost_chatea_de_verdad(conectar, ws_base) -> None:
    """Una página servida en http://localhost:8001 abre el WebSocket y chatea."""
    cliente = await conectar(ws_base, cabeceras={"Origin": "http://localhost:8001"})
    await cliente.write_message("Ana: hola desde http://localhost:8001")
    assert await recibir(cliente) == "Ana: hola desde http://localhost:8001"


@pytest.mark.gen_test
async def test_una_web_ajena_recibe_403(conectar, ws_base) -> None:
    """Una web ajena recibe un 403 en el handshake."""
    with pytest.raises(HTTPClientError) as error:
        await conectar(ws_base, cabeceras={"Origin": "http://localhost.otro-sitio.example"})
    assert error.value.code == 403
