"""Lección 1 · Un servidor de eco: devuelve a cada cliente lo mismo que envía.

Arráncalo con «python lessons/01_que_es_websocket/ejercicio/eco.py» y conéctate con
«python -m common.cliente ws://127.0.0.1:8766/eco». Comprueba tu trabajo con
«python -m pytest lessons/01_que_es_websocket».
"""

from __future__ import annotations

import asyncio

import tornado.web
import tornado.websocket

PUERTO = 8766


class EcoSocket(tornado.websocket.WebSocketHandler):
    """Una conexión WebSocket: cada frame de texto vuelve tal cual a quien lo envió."""

    def open(self) -> None:
        print("Se ha conectado alguien")

    def on_message(self, message: str | bytes) -> None:
        # TODO: devuelve «message» a este mismo cliente con self.write_message(...).
        # Reto: si llega en binario (bytes), devuélvelo también en binario (binary=True).
        print("Ha llegado:", message)

    def on_close(self) -> None:
        print("Se ha ido")


def make_app() -> tornado.web.Application:
    """El WebSocket de eco, en la ruta /eco."""
    return tornado.web.Application([(r"/eco", EcoSocket)])


async def main() -> None:
    make_app().listen(PUERTO)  # Todas las interfaces: tus compañeros también pueden probarlo.
    print(f"Eco en ws://127.0.0.1:{PUERTO}/eco · Ctrl+C para salir")
    await asyncio.Event().wait()  # Espera para siempre: el loop atiende las conexiones.


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print("Adiós")
