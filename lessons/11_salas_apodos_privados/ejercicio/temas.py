"""Lección 11 · Reto: el tema de cada sala.

Cada sala puede tener un tema («Repaso del examen»), que ve toda la sala, también quien
llega después. No hay TODO línea a línea: tú decides cómo. Las reglas:

El cliente envía            {"type": "topic", "text": "Repaso del examen"}
Toda su sala recibe,        {"type": "topic", "who": "IP:puerto", "nick": apodo o null,
también quien lo puso:       "text": "Repaso del examen"}

* El texto se limpia y se valida como el de un mensaje (protocol.parse_text: quita
  caracteres de control y espacios de los bordes, y da los errores "invalid_field",
  "invalid_text" y "empty"), y además tiene como mucho MAX_TEMA caracteres: si no,
  "too_long". Cada error, solo para quien lo envió.
* Un tema nuevo sustituye al anterior.
* Quien entra en una sala con tema recibe, justo después de su welcome, el último
  evento «topic» de esa sala. En una sala sin tema, nada.
* Cada sala tiene el suyo: lo que se pone en «clase» no se ve ni se hereda en «recreo».
* Los temas son de este servidor (de la aplicación que crea make_app), no de la clase
  ChatConTemas: dos servidores en el mismo proceso (las pruebas crean uno por prueba)
  no deben compartirlos.

Con un solo proceso basta; con --redis, el tema no cruzaría a los demás (pregunta 6).

Arráncalo con «python lessons/11_salas_apodos_privados/ejercicio/temas.py» y prueba con dos
«python -m common.cliente --raw ws://127.0.0.1:8000/ws/clase». Comprueba tu trabajo con
«python -m pytest lessons/11_salas_apodos_privados/test_ejercicio11_reto.py».
"""

from __future__ import annotations

from typing import Any

import tornado.web

from common.fanout.hub import Hub
from stack2_http import protocol  # noqa: F401 (parse_text, ProtocolError y error())
from stack2_http.server import ChatSocket, main
from stack2_http.server import make_app as make_stack_app

MAX_TEMA = 100  # Caracteres: un tema es una línea, no un mensaje.


class ChatConTemas(ChatSocket):
    """El ChatSocket del Stack 2, que además entiende «topic»."""

    # TODO: el reto entero. Empieza por la tabla de despacho (EVENTS).


def make_app(hub: Hub, **settings: Any) -> tornado.web.Application:
    """La aplicación del Stack 2, con ChatConTemas en lugar de ChatSocket."""
    return make_stack_app(hub, handler=ChatConTemas, **settings)


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatConTemas, "Lección 11 · Reto: el tema de cada sala")
