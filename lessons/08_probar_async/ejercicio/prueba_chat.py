"""Lección 8 · Tu propia prueba con clientes reales: ¿llega un mensaje a los demás?

La comprobación ejecuta tu función contra un Stack 1 que funciona (no debe fallar) y
contra tres servidores estropeados a propósito (debe fallar con cada uno).
Compruébalo con «python -m pytest lessons/08_probar_async».
"""

from __future__ import annotations

import asyncio

from tornado.websocket import websocket_connect

ESPERA = 1.0  # En loopback un mensaje tarda milisegundos: un segundo sobra.


async def comprobar_difusion(url: str) -> None:
    """Lanza AssertionError (o TimeoutError) si el servidor de «url» no difunde bien."""
    ana = await websocket_connect(url)
    # TODO 1: conecta un segundo cliente, «luis», a la misma url.
    try:
        await ana.write_message("Ana: hola")
        # TODO 2: lee el siguiente mensaje de luis con asyncio.wait_for(luis.read_message(),
        #         ESPERA): nunca esperes sin límite.
        # TODO 3: comprueba con assert que luis recibió exactamente "Ana: hola".
        raise NotImplementedError("Escribe aquí tu prueba (mira los TODO)")
    finally:
        # TODO 4: cierra también a luis.
        ana.close()


if __name__ == "__main__":
    # Contra un servidor de verdad: arranca antes «python stack1_pure/server.py».
    asyncio.run(comprobar_difusion("ws://127.0.0.1:8765"))
    print("La difusión funciona.")
