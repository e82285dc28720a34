"""Lección 2 · El Stack 1 desde un archivo vacío: reenvía cada texto a todos, tal cual.

Arráncalo con «python lessons/02_servidor_minimo/solucion/servidor.py» y abre
stack1_pure/cliente.html en dos pestañas.
"""

from __future__ import annotations

import asyncio

import tornado.web
import tornado.websocket

PUERTO = 8765


class ChatSocket(tornado.websocket.WebSocketHandler):
    """Una conexión: lo que envía el navegador se reenvía a todos, tal cual."""

    def initialize(self, clientes: set[ChatSocket]) -> None:
        # El mismo conjunto para todas las conexiones: lo crea make_app(), una vez.
        self.clientes = clientes

    def check_origin(self, origin: str) -> bool:
        # cliente.html se abre desde el disco y el navegador envía «Origin: null».
        # Aceptamos eso y nada más. Riesgo: cualquier página sin origen también entra.
        return origin == "null"

    def open(self) -> None:
        self.clientes.add(self)

    def on_message(self, message: str | bytes) -> None:
        if isinstance(message, bytes):  # 1003 = «no acepto este tipo de datos»
            self.close(1003, "Este chat solo acepta texto")
            return
        difundir(self.clientes, message)  # El cliente ya compuso «Nombre: texto».

    def on_close(self) -> None:
        self.clientes.discard(self)


def difundir(clientes: set[ChatSocket], frame: str) -> None:
    """Envía el frame a cada cliente; quien se está yendo no interrumpe a los demás."""
    for cliente in list(clientes):  # Una copia: alguien puede irse a mitad del bucle.
        try:
            cliente.write_message(frame)
        except tornado.websocket.WebSocketClosedError:
            continue  # Se estaba cerrando: su on_close lo quitará del conjunto.


def make_app() -> tornado.web.Application:
    """La aplicación: un único WebSocket en «/», con su conjunto de clientes."""
    return tornado.web.Application([(r"/", ChatSocket, {"clientes": set()})])


async def main() -> None:
    make_app().listen(PUERTO)  # En todas las interfaces: los demás equipos pueden entrar.
    print(f"Stack 1 en ws://127.0.0.1:{PUERTO} · Ctrl+C para salir")
    await asyncio.Event().wait()  # El loop atiende las conexiones hasta Ctrl+C.


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print("Adiós")
