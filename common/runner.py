"""Arranque común de los dos servidores: opciones, escucha, banner y apagado limpio."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
from collections.abc import Callable, Sequence
from pathlib import Path

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.log import enable_pretty_logging
from tornado.netutil import bind_sockets
from tornado.options import OptionParser

from common.hub import Hub
from common.network import server_urls

log = logging.getLogger("chat")

# Tiempo máximo que esperamos a que los clientes respondan al cierre al apagar.
SHUTDOWN_GRACE_SECONDS = 1.5


def parse_options(default_port: int, argv: Sequence[str] | None = None) -> OptionParser:
    """Lee las opciones de la línea de órdenes (``--help`` las lista todas)."""
    # Un OptionParser propio por servidor (y no el global de tornado.options):
    # así los dos servidores pueden importarse en el mismo proceso de pruebas.
    options = OptionParser()
    options.define("port", default=default_port, type=int, help="puerto TCP (0 = uno libre)")
    options.define(
        "address", default="", help="interfaz en la que escuchar (vacío = todas las interfaces)"
    )
    options.define("debug", default=False, type=bool, help="recarga el servidor al guardar")
    options.parse_command_line(None if argv is None else ["server.py", *argv])
    enable_pretty_logging()  # Registro con hora y colores, como en las demos de Tornado.
    return options


def run(
    app: tornado.web.Application,
    hub: Hub,
    options: OptionParser,
    title: str,
    url: str,
    client_file: Path | None = None,
) -> None:
    """Escucha, imprime el banner y atiende hasta recibir Ctrl+C o SIGTERM.

    ``url`` es la dirección que abrir, con ``{host}`` en lugar de «equipo:puerto».
    """
    try:
        # Escuchamos en todas las interfaces (address vacía) para que los demás
        # equipos de la red puedan entrar; --address=127.0.0.1 lo limita a este equipo.
        sockets = bind_sockets(options.port, options.address or None)
    except OSError as error:
        raise SystemExit(_bind_error(options.port, error)) from None
    port = sockets[0].getsockname()[1]
    print(banner(title, server_urls(url, port, options.address), client_file), flush=True)
    asyncio.run(_serve(app, hub, sockets))


async def _serve(app: tornado.web.Application, hub: Hub, sockets: list) -> None:
    server = HTTPServer(app)
    server.add_sockets(sockets)
    stop = asyncio.Event()
    _on_shutdown_signal(stop.set)
    await stop.wait()

    log.info("Apagando el servidor: cerrando %d conexiones", len(hub))
    server.stop()
    # 1001 = «going away»: el navegador sabe que el servidor se va, no que falló.
    hub.close_all(1001, "El servidor se está apagando")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SHUTDOWN_GRACE_SECONDS
    while len(hub) and loop.time() < deadline:
        await asyncio.sleep(0.05)


def _on_shutdown_signal(callback: Callable[[], None]) -> None:
    """Llama a ``callback`` con Ctrl+C (SIGINT) o SIGTERM."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, callback)
        except NotImplementedError:
            # Windows no tiene add_signal_handler: usamos signal.signal, que
            # corre fuera del loop, y le pasamos el aviso de forma segura.
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(callback))


def _bind_error(port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"Error: el puerto {port} ya está en uso (¿otro servidor abierto?). "
            f"Ciérralo o elige otro puerto con --port=NÚMERO."
        )
    return f"Error: no se puede escuchar en el puerto {port}: {error.strerror or error}."


def banner(title: str, urls: list[str], client_file: Path | None = None) -> str:
    """El texto que el servidor imprime al arrancar: qué abrir y desde dónde."""
    local, *lan = urls
    lines = [title, "", f"  En este equipo:        {local}"]
    lines += [f"  Desde otro dispositivo: {url}" for url in lan]
    if not lan:
        lines.append("  (No se encontró ninguna IP de red local: solo funciona en este equipo.)")
    if client_file is not None:
        lines += [
            "",
            "Abre el cliente con doble clic en el archivo, o pega esto en el navegador:",
            f"  {client_file.resolve().as_uri()}",
        ]
        if lan:
            lines.append("En otro equipo, escribe en «Servidor» una dirección de red de arriba.")
    lines += ["", "Pulsa Ctrl+C para detener el servidor."]
    return "\n".join(lines)
