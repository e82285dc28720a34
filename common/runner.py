"""Arranque común de los dos servidores: opciones, escucha, banner y apagado limpio."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import tornado.autoreload
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.log import enable_pretty_logging
from tornado.netutil import bind_sockets
from tornado.options import OptionParser

from common import qr, spanish
from common.hub import Hub
from common.network import server_urls
from common.options import parse_command_line, program_name

log = logging.getLogger("chat")

# Tiempo máximo que esperamos a que los clientes respondan al cierre al apagar.
SHUTDOWN_GRACE_SECONDS = 1.5
# Descriptores de archivo que reservamos para el proceso y no para clientes.
RESERVED_FILES = 32


def parse_options(
    default_port: int,
    argv: Sequence[str] | None = None,
    define: Callable[[OptionParser], None] | None = None,
) -> OptionParser:
    """Lee las opciones de la línea de órdenes (``--help`` las lista todas).

    ``define`` permite a un stack añadir opciones propias antes de leerlas.
    """
    # Un OptionParser propio por servidor (y no el global de tornado.options):
    # así los dos servidores pueden importarse en el mismo proceso de pruebas.
    options = OptionParser()
    options.define(
        "port", default=default_port, type=int, metavar="NÚMERO", help="puerto TCP (0 = uno libre)"
    )
    options.define(
        "address",
        default="",
        metavar="IP",
        help="interfaz en la que escuchar (sin ella, todas las interfaces)",
    )
    options.define("debug", default=False, type=bool, help="recarga el servidor al guardar")
    options.define(
        "max_message_size", default=16 * 1024, type=int, help="bytes máximos por mensaje"
    )
    options.define(
        "max_connections", default=10_000, type=int, help="conexiones simultáneas como máximo"
    )
    options.define(
        "ping_interval", default=20.0, type=float, help="segundos entre pings (0 = sin pings)"
    )
    options.define(
        "ping_timeout", default=20.0, type=float, help="segundos de espera a la respuesta al ping"
    )
    options.define("hub", default="fast", help="envío del hub: fast, o plain (el bucle simple)")
    if define is not None:
        define(options)
    # La lectura es nuestra (common/options.py): ayuda y errores en español, código 2.
    parse_command_line(options, sys.argv[1:] if argv is None else argv, program_name())
    enable_pretty_logging()  # Registro con hora y colores, como en las demos de Tornado.
    return options


def app_settings(options: OptionParser) -> dict[str, Any]:
    """Los ajustes de tornado.web.Application que salen de las opciones comunes."""
    return {
        "debug": options.debug,
        # La recarga al guardar la arranca run() ya dentro del event loop: si la
        # arrancara Application(), quedaría atada a un loop que nunca corre.
        "autoreload": False,
        # Un frame mayor se rechaza antes de leerlo entero: cierre con 1009.
        "websocket_max_message_size": options.max_message_size,
        # Pings periódicos: si un portátil se duerme o pierde la wifi, su conexión
        # no responde y se cierra, en lugar de quedarse «medio abierta» para siempre.
        "websocket_ping_interval": options.ping_interval,
        "websocket_ping_timeout": min(options.ping_timeout, options.ping_interval),
        # Las páginas de error y los rechazos del WebSocket, en español (common/spanish.py).
        **spanish.tornado_settings(),
    }


def hub_settings(options: OptionParser) -> dict[str, Any]:
    """Los argumentos de Hub() que salen de las opciones comunes."""
    if options.hub not in ("fast", "plain"):
        raise SystemExit(f"Error: --hub admite «fast» o «plain», no «{options.hub}».")
    return {"fast": options.hub == "fast", "max_connections": options.max_connections}


def raise_open_file_limit() -> int | None:
    """Sube el límite de archivos abiertos al máximo que permite el sistema.

    Cada conexión ocupa un descriptor de archivo; el límite habitual (1024)
    se queda corto para un aula grande o un benchmark. Devuelve el límite final,
    o None donde no se puede consultar (Windows).
    """
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # Donde el máximo es «infinito» (macOS), el sistema admite en realidad menos.
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65_536)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass  # Nos quedamos con el límite que había.
    return soft


def run(
    app: tornado.web.Application,
    hub: Hub,
    options: OptionParser,
    title: str,
    url: str,
    client_file: Path | None = None,
    notes: Sequence[str] = (),
    on_stop: Callable[[], None] | None = None,
) -> None:
    """Escucha, imprime el banner y atiende hasta recibir Ctrl+C o SIGTERM.

    ``url`` es la dirección que abrir, con ``{host}`` en lugar de «equipo:puerto».
    ``notes`` son líneas más para el banner; ``on_stop`` se llama al apagar, cuando
    ya se cerraron las conexiones (por ejemplo, para que el log termine de guardar).
    """
    try:
        # Escuchamos en todas las interfaces (address vacía) para que los demás
        # equipos de la red puedan entrar; --address=127.0.0.1 lo limita a este equipo.
        sockets = bind_sockets(options.port, options.address or None)
    except OSError as error:
        raise SystemExit(_bind_error(options.port, error)) from None
    port = sockets[0].getsockname()[1]
    # Cada conexión ocupa un descriptor de archivo: el tope real es el menor de los dos.
    hub.max_connections = connection_capacity(options.max_connections, raise_open_file_limit())
    urls = server_urls(url, port, options.address)
    extra = join_qr(app, urls, options)
    # El banner dice el camino que usa el hub de verdad, no el que se pidió.
    text = banner(title, urls, client_file, hub.max_connections, not hub.fast, extra, notes)
    asyncio.run(_serve(app, hub, sockets, text, on_stop))


async def _serve(
    app: tornado.web.Application,
    hub: Hub,
    sockets: list,
    text: str,
    on_stop: Callable[[], None] | None = None,
) -> None:
    server = HTTPServer(app)
    server.add_sockets(sockets)
    if app.settings.get("debug"):
        # --debug: vigila los archivos y reinicia el servidor al guardar. Se
        # arranca aquí, dentro del loop que corre (ver app_settings). Su aviso de
        # «archivo guardado, reinicio» sale en español gracias al filtro.
        spanish.install_log_filters()
        tornado.autoreload.start()
    stop = asyncio.Event()
    _on_shutdown_signal(stop.set)
    # El banner sale cuando ya atendemos conexiones y Ctrl+C: todo lo que dice es cierto.
    print(text, flush=True)
    await stop.wait()

    log.info(
        "Apagando el servidor: cerrando %s", spanish.plural(len(hub), "conexión", "conexiones")
    )
    server.stop()
    # 1001 = «going away»: el navegador sabe que el servidor se va, no que falló.
    hub.close_all(1001, "El servidor se está apagando")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SHUTDOWN_GRACE_SECONDS
    while len(hub) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    if on_stop is not None:
        on_stop()


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


def connection_capacity(max_connections: int, open_file_limit: int | None) -> int:
    """Cuántas conexiones caben: las pedidas, si el sistema deja abrir tantos sockets."""
    if open_file_limit is None:
        return max_connections
    # Unos pocos descriptores quedan para el propio proceso (archivos, registro...).
    return max(1, min(max_connections, open_file_limit - RESERVED_FILES))


# El banner lo dice cuando no se usa el hub de siempre (benchmarks/fanout.py lo comprueba).
PLAIN_HUB_NOTE = "Envío con el bucle simple (--hub=plain): el de las lecciones, más lento."


def join_qr(app: tornado.web.Application, urls: list[str], options: OptionParser) -> list[str]:
    """Las URL de la red, para la página (su QR), y las líneas del QR del banner.

    Solo el Stack 2 define --qr: su página se abre desde un móvil; la del Stack 1, no.
    """
    lan = qr.lan_urls(urls, options.address)
    app.settings["lan_urls"] = lan
    return qr.banner_lines(lan, options.address, options.qr) if "qr" in options else []


def banner(
    title: str,
    urls: list[str],
    client_file: Path | None = None,
    capacity: int | None = None,
    plain_hub: bool = False,
    extra: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> str:
    """El texto que el servidor imprime al arrancar: qué abrir y desde dónde.

    ``extra`` va justo debajo de las direcciones (el QR); ``notes``, al final.
    """
    local, *lan = urls
    lines = [title, "", f"  En este equipo:        {local}"]
    lines += [f"  Desde otro dispositivo: {url}" for url in lan]
    if not lan:
        lines.append("  (No se encontró ninguna IP de red local: solo funciona en este equipo.)")
    lines += extra
    if client_file is not None:
        lines += [
            "",
            "Abre el cliente con doble clic en el archivo, o pega esto en el navegador:",
            f"  {client_file.resolve().as_uri()}",
        ]
        if lan:
            lines.append("En otro equipo, escribe en «Servidor» una dirección de red de arriba.")
    if capacity is not None:
        admits = spanish.plural(capacity, "conexión", "conexiones")
        lines += ["", f"Admite hasta {admits} a la vez (--max-connections)."]
    if plain_hub:
        lines.append(PLAIN_HUB_NOTE)
    lines += notes
    lines += ["", "Pulsa Ctrl+C para detener el servidor."]
    return "\n".join(lines)
