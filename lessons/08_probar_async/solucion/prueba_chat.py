"""Lección 8 · Tu propia prueba con clientes reales: ¿llega un mensaje a los demás?

La comprobación ejecuta tu función contra un Stack 1 que funciona (no debe fallar) y
contra tres servidores estropeados a propósito (debe fallar con cada uno).
"""

from __future__ import annotations

import asyncio

from tornado.websocket import websocket_connect

ESPERA = 1.0  # En loopback un mensaje tarda milisegundos: un segundo sobra.


async def comprobar_difusion(url: str) -> None:
    """Lanza AssertionError (o TimeoutError) si el servidor de «url» no difunde bien."""
    ana = await websocket_connect(url)
    luis = await websocket_connect(url)
    try:
        await ana.write_message("Ana: hola")
        # Nunca esperes sin límite: si el mensaje no llega, la prueba debe fallar, no colgarse.
        recibido = await asyncio.wait_for(luis.read_message(), ESPERA)
        assert recibido == "Ana: hola", f"Luis recibió {recibido!r} en vez de 'Ana: hola'"
    finally:
        # Se cierra siempre, también si la prueba falla: no dejamos sockets abiertos.
        ana.close()
        luis.close()


if __name__ == "__main__":
    # Contra un servidor de verdad: arranca antes «python stack1_pure/server.py».
    asyncio.run(comprobar_difusion("ws://127.0.0.1:8765"))
    print("La difusión funciona.")
