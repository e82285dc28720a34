"""Comprobación de la lección 8: python -m pytest lessons/08_probar_async

Aquí la prueba eres tú: ejecutamos tu comprobar_difusion contra un servidor bueno y
contra servidores con fallos sembrados a propósito. Una buena prueba distingue unos de otros.
"""

from __future__ import annotations

import asyncio

import pytest
from ayudas import cargar

from common.fanout.hub import Hub
from stack1_pure.server import ChatSocket, make_app

prueba = cargar(__file__, "prueba_chat")

LIMITE = 3.0  # Más que la espera de la prueba del estudiante.


class Mudo(ChatSocket):
    """Fallo sembrado: recibe los mensajes y no los reenvía a nadie."""

    def on_message(self, message: str | bytes) -> None:
        pass


class SoloEco(ChatSocket):
    """Fallo sembrado: devuelve el mensaje solo a quien lo envió."""

    def on_message(self, message: str | bytes) -> None:
        self.hub.send(self, message)


class Griton(ChatSocket):
    """Fallo sembrado: difunde el mensaje, pero cambiado (en mayúsculas)."""

    def on_message(self, message: str | bytes) -> None:
        self.hub.broadcast(str(message).upper())


@pytest.fixture
def hub() -> Hub:
    return Hub()


@pytest.fixture
def app(request, hub):
    return make_app(hub, handler=getattr(request, "param", ChatSocket))


async def ejecutar(url: str, hub: Hub) -> BaseException | None:
    """Ejecuta la prueba del estudiante y devuelve la excepción que lanzó (o None)."""
    tarea = asyncio.ensure_future(prueba.comprobar_difusion(url))
    hechas, _ = await asyncio.wait({tarea}, timeout=LIMITE)
    if not hechas:
        tarea.cancel()
        raise AssertionError(
            f"Tu prueba sigue esperando tras {LIMITE} s: alguna espera no tiene límite."
        )
    limite = asyncio.get_running_loop().time() + 1
    while len(hub) and asyncio.get_running_loop().time() < limite:
        await asyncio.sleep(0.01)
    assert len(hub) == 0, f"Tu prueba dejó {len(hub)} conexiones abiertas: ciérralas todas."
    return tarea.exception()


@pytest.mark.gen_test(timeout=10)
async def test_pasa_con_el_stack_1_de_verdad(ws_base, hub) -> None:
    """Contra el Stack 1 de verdad, tu prueba termina sin lanzar nada y cierra sus clientes."""
    error = await ejecutar(ws_base, hub)
    assert error is None, f"Tu prueba falló contra un servidor correcto: {error!r}"


@pytest.mark.gen_test(timeout=10)
@pytest.mark.parametrize("app", [Mudo, SoloEco, Griton], indirect=True)
async def test_falla_con_un_servidor_estropeado(ws_base, hub, app, request) -> None:
    """Contra un servidor estropeado (mudo, solo eco o que cambia el texto), tu prueba falla."""
    error = await ejecutar(ws_base, hub)
    fallo = request.node.callspec.params["app"].__doc__  # La clase estropeada de esta vuelta.
    assert isinstance(error, (AssertionError, asyncio.TimeoutError, TimeoutError)), (
        f"Tu prueba no detectó este fallo: {fallo}"
    )
