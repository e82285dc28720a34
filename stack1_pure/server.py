"""Stack 1 · WebSocket puro: reenvía cada texto que llega a todos los clientes."""

from __future__ import annotations

from pathlib import Path

import tornado.web
import tornado.websocket

from common.fanout.hub import Hub
from common.startup.runner import run
from common.startup.settings import app_settings, hub_settings, parse_options, response_transforms
from common.tornado_internals import strict_close_protocol


class ChatSocket(tornado.websocket.WebSocketHandler):
    """Una conexión: lo que envía el navegador se reenvía a todos, tal cual."""

    # Defensas de common/: tamaño, pings, topes de conexiones, clientes lentos y apagado
    # limpio. Fuera a propósito: límite de frecuencia y validación (lección 7, Stack 2).
    get_websocket_protocol = strict_close_protocol  # Un código de cierre inválido recibe 1002.

    def initialize(self, hub: Hub) -> None:
        self.hub = hub

    def check_origin(self, origin: str) -> bool:
        # cliente.html se abre desde el disco (file://) y el navegador envía
        # «Origin: null», que Tornado rechaza por defecto. Aceptamos eso y nada más.
        # Riesgo: cualquier página sin origen (otro archivo local o un iframe
        # «sandbox» de una web ajena) también puede conectarse. El Stack 2 no lo permite.
        return origin == "null"

    def open(self) -> None:
        self.hub.add(self)

    def on_message(self, message: str | bytes) -> None:
        if isinstance(message, bytes):  # 1003 = «no acepto este tipo de datos»
            self.close(1003, "Este chat solo acepta texto")
        else:
            self.hub.broadcast(message)  # El cliente ya compuso «Nombre: texto».

    def on_close(self) -> None:
        self.hub.remove(self)


def make_app(hub: Hub, handler: type = ChatSocket, **settings: object) -> tornado.web.Application:
    """Crea la aplicación: un único WebSocket en «/», atendido por ``handler``."""
    routes = [(r"/", handler, {"hub": hub})]
    return tornado.web.Application(routes, transforms=response_transforms(), **settings)


def main(handler: type = ChatSocket, title: str = "Stack 1 · WebSocket puro") -> None:
    options = parse_options(default_port=8765)
    hub = Hub(**hub_settings(options))
    app = make_app(hub, handler, **app_settings(options))
    run(app, hub, options, title, "ws://{host}", client_file=Path(__file__).parent / "cliente.html")


if __name__ == "__main__":
    main()
