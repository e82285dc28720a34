"""Las opciones que comparten los dos servidores, y los ajustes que salen de ellas.

``parse_options()`` define y lee las opciones comunes (--port, --max-connections…);
las demás funciones traducen esas opciones a los argumentos de Tornado y del hub:
``app_settings()`` para la aplicación, ``http_server_settings()`` para el HTTPServer y
``hub_settings()`` para el hub. Quien lee la línea de órdenes, en español, es
common/startup/options.py.
"""

from __future__ import annotations

import ssl
import sys
from collections.abc import Callable, Sequence
from typing import Any

import tornado.web
from tornado.log import enable_pretty_logging
from tornado.options import OptionParser

from common.defences.headers import SecurityHeaders
from common.defences.per_address import define_address_options
from common.spanish import SpanishPages
from common.startup.access_log import log_request
from common.startup.options import parse_command_line, program_name

# Segundos para completar una petición HTTP o el handshake: un navegador tarda
# milisegundos; un socket que no dice nada solo ocupa un descriptor (Tornado espera una hora).
HANDSHAKE_TIMEOUT = 10.0
# Nadie envía un cuerpo (POST) a este chat: con esto basta para rechazar uno gigante
# con un 400 en cuanto anuncia su tamaño, sin guardar ni un byte.
MAX_BODY_SIZE = 4 * 1024
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
    options.define(
        "handshake_timeout",
        default=HANDSHAKE_TIMEOUT,
        type=float,
        help="segundos para enviar la petición o el handshake; después se cierra la conexión",
    )
    options.define(
        "allowed_hosts",
        default=[],
        type=str,
        multiple=True,
        help="otros nombres de este servidor (p. ej. detrás de un proxy), separados por comas",
    )
    define_address_options(options)
    if define is not None:
        define(options)
    # La lectura es nuestra (common/startup/options.py): ayuda y errores en español, código 2.
    parse_command_line(options, sys.argv[1:] if argv is None else argv, program_name())
    enable_pretty_logging()  # Registro con hora y colores, como en las demos de Tornado.
    return options


def response_transforms() -> list[type[tornado.web.OutputTransform]]:
    """Lo que pasa por cada respuesta antes de salir: el ``transforms`` de los make_app().

    Primero, los textos de Tornado en español (common/spanish.py); después, nosniff y CSP
    también en las páginas de error (common/defences/headers.py). Cada make_app() las pone
    en su aplicación: así las pruebas usan la misma que se sirve. Con ``transforms``,
    Tornado ya no comprime las respuestas por su cuenta (no lo necesitamos).
    """
    return [SpanishPages, SecurityHeaders]


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
        # Una línea por petición en la terminal, sin la clave privada de ?client=
        # (common/startup/access_log.py): el profesor proyecta esta terminal en clase.
        "log_function": log_request,
    }


def http_server_settings(options: OptionParser) -> dict[str, Any]:
    """Los argumentos de HTTPServer(): cuánto y durante cuánto se lee una petición."""
    return {
        # Tornado espera una hora a que llegue una petición: aquí, unos segundos.
        "idle_connection_timeout": options.handshake_timeout,
        "body_timeout": options.handshake_timeout,
        "max_body_size": MAX_BODY_SIZE,
        # Lo que un socket puede tener leído y sin procesar: un frame entero y algo más.
        "max_buffer_size": max_buffer_size(options.max_message_size),
    }


def max_buffer_size(max_message_size: int) -> int:
    """Bytes que Tornado puede guardar de un socket antes de procesarlos."""
    return 2 * max_message_size + 256 * 1024


def hub_settings(options: OptionParser) -> dict[str, Any]:
    """Los argumentos de Hub() que salen de las opciones comunes."""
    if options.hub not in ("fast", "plain"):
        raise SystemExit(f"Error: --hub admite «fast» o «plain», no «{options.hub}».")
    return {"fast": options.hub == "fast", "max_connections": options.max_connections}


def tls_context(options: OptionParser) -> ssl.SSLContext | None:
    """El contexto TLS de --certfile y --keyfile (None sin ellos); un error claro si fallan."""
    certfile = options.certfile if "certfile" in options else ""
    keyfile = options.keyfile if "keyfile" in options else ""
    if not certfile and not keyfile:
        return None
    if not certfile or not keyfile:
        raise SystemExit("Error: TLS necesita las dos opciones, --certfile y --keyfile.")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as error:
        raise SystemExit(
            f"Error: no se pueden usar {certfile} y {keyfile} (--certfile, --keyfile): {error}."
        ) from None
    return context


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


def connection_capacity(max_connections: int, open_file_limit: int | None) -> int:
    """Cuántas conexiones caben: las pedidas, si el sistema deja abrir tantos sockets."""
    if open_file_limit is None:
        return max_connections
    # Unos pocos descriptores quedan para el propio proceso (archivos, registro...).
    return max(1, min(max_connections, open_file_limit - RESERVED_FILES))


def tcp_capacity(websockets: int, open_file_limit: int | None) -> int:
    """Cuántas conexiones TCP caben: los WebSockets más un margen para las que llegan.

    El margen es para quien aún está pidiendo la página o haciendo el handshake:
    así, con el chat lleno, el que llega recibe el cierre 1013 y su motivo.
    """
    wanted = websockets + max(16, websockets // 10)
    if open_file_limit is None:
        return wanted
    return max(1, min(wanted, open_file_limit - RESERVED_FILES // 2))
