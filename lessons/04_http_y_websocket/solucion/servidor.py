"""Lección 4 · El núcleo del Stack 2 desde un archivo vacío: página y chat en un puerto.

Cada cliente se identifica por su IP:puerto y todo viaja como eventos JSON con un
«type»: welcome, message, join, leave y error. Arráncalo con
«python lessons/04_http_y_websocket/solucion/servidor.py» y abre http://127.0.0.1:8000/.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import tornado.web
import tornado.websocket

PUERTO = 8000
PAGINA = Path(__file__).resolve().parent.parent / "pagina"  # index.html, chat.js, chat.css


class Error(Exception):
    """Un frame que no cumple el protocolo: su «code» es para programas; su texto, para ti."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code, self.text = code, text


def evento(tipo: str, **campos: Any) -> str:
    """Un evento del protocolo en JSON: el campo «type» dice qué es."""
    return json.dumps({"type": tipo, **campos}, ensure_ascii=False)


def leer_mensaje(frame: str | bytes) -> str:
    """El texto de un evento «message» válido; si el frame no lo es, lanza Error."""
    if isinstance(frame, bytes):
        raise Error("binary", "Este chat solo acepta texto.")
    try:
        datos = json.loads(frame)
    except ValueError:
        raise Error("invalid_json", "El mensaje no es JSON.") from None
    if not isinstance(datos, dict):
        raise Error("invalid_json", "El mensaje debe ser un objeto JSON.")
    if "type" not in datos:
        raise Error("invalid_field", "Falta el campo «type».")
    if datos["type"] != "message":
        raise Error("unknown_type", "Este chat solo entiende eventos «message».")
    if not isinstance(datos.get("text"), str):
        raise Error("invalid_field", "El campo «text» debe ser un texto.")
    if not datos["text"].strip():
        raise Error("empty", "El mensaje está vacío.")
    return datos["text"].strip()


class PaginaHandler(tornado.web.RequestHandler):
    """GET /: la página del chat, desde el mismo puerto que el WebSocket."""

    def get(self) -> None:
        self.render("index.html")


class ChatSocket(tornado.websocket.WebSocketHandler):
    """Una conexión: se identifica por IP:puerto y habla JSON."""

    def initialize(self, clientes: dict[ChatSocket, str]) -> None:
        # El mismo diccionario para todas (conexión → IP:puerto, por orden de llegada).
        self.clientes = clientes

    # check_origin no se toca: el de Tornado solo acepta páginas de este servidor.

    def open(self) -> None:
        ip = self.request.remote_ip
        puerto = self.request.connection.context.address[1]  # Lo eligió el cliente.
        self.yo = f"[{ip}]:{puerto}" if ":" in ip else f"{ip}:{puerto}"
        self.clientes[self] = self.yo
        online = [{"who": quien} for quien in self.clientes.values()]
        self.write_message(evento("welcome", you=self.yo, online=online))
        llegada = evento("join", who=self.yo, count=len(self.clientes))
        difundir(self.clientes, llegada, excepto=self)

    def on_message(self, message: str | bytes) -> None:
        try:
            texto = leer_mensaje(message)
        except Error as error:  # Solo se entera quien se equivocó; la conexión sigue.
            self.write_message(evento("error", code=error.code, text=error.text))
            return
        # Quién y cuándo los pone el servidor: el cliente solo decide el texto.
        hora = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        campos = {"from": self.yo, "text": texto, "time": hora.replace("+00:00", "Z")}
        difundir(self.clientes, evento("message", **campos))

    def on_close(self) -> None:
        if self.clientes.pop(self, None) is not None:
            difundir(self.clientes, evento("leave", who=self.yo, count=len(self.clientes)))


def difundir(clientes: dict[ChatSocket, str], frame: str, excepto: Any = None) -> None:
    """Envía el frame a cada cliente; quien se está yendo no interrumpe a los demás."""
    for cliente in list(clientes):  # Una copia: alguien puede irse a mitad del bucle.
        if cliente is excepto:
            continue
        try:
            cliente.write_message(frame)
        except tornado.websocket.WebSocketClosedError:
            continue  # Se estaba cerrando: su on_close lo quitará del diccionario.


def make_app() -> tornado.web.Application:
    """La aplicación: la página en «/», sus archivos en /static/ y el WebSocket en /ws."""
    return tornado.web.Application(
        [(r"/", PaginaHandler), (r"/ws", ChatSocket, {"clientes": {}})],
        template_path=str(PAGINA),
        static_path=str(PAGINA),
    )


async def main() -> None:
    make_app().listen(PUERTO)  # En todas las interfaces: los móviles de la clase pueden entrar.
    print(f"Núcleo del Stack 2 en http://127.0.0.1:{PUERTO}/ · Ctrl+C para salir")
    await asyncio.Event().wait()  # El loop atiende páginas y frames hasta Ctrl+C.


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print("Adiós")
