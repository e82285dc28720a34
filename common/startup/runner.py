"""Arranque común de los dos servidores: opciones, escucha, banner y apagado limpio."""

from __future__ import annotations

import asyncio
import errno
import inspect
import logging
import signal
import ssl
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import tornado.autoreload
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.log import enable_pretty_logging
from tornado.netutil import bind_sockets
from tornado.options import OptionParser

from common import spanish
from common.defences.doorman import Doorman
from common.defences.headers import SecurityHeaders
from common.defences.hosts import HostGuard, normalize_hosts
from common.defences.per_address import (
    AddressLimits,
    define_address_options,
    door_rules,
    rules_from_options,
)
from common.fanout.hub import Hub
from common.startup import qr
from common.startup.network import is_loopback, server_urls
from common.startup.options import parse_command_line, program_name

log = logging.getLogger("chat")

# Tiempo máximo que esperamos a que los clientes respondan al cierre al apagar.
SHUTDOWN_GRACE_SECONDS = 1.5
# Descriptores de archivo que reservamos para el proceso y no para clientes.
RESERVED_FILES = 32
# Segundos para completar una petición HTTP o el handshake: un navegador tarda
# milisegundos; un socket que no dice nada solo ocupa un descriptor (Tornado espera una hora).
HANDSHAKE_TIMEOUT = 10.0
# Nadie envía un cuerpo (POST) a este chat: con esto basta para rechazar uno gigante
# con un 400 en cuanto anuncia su tamaño, sin guardar ni un byte.
MAX_BODY_SIZE = 4 * 1024


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
        # Los límites de cada estudiante (WebSockets y mensajes), compartidos por todas sus
        # conexiones. Los usa el Stack 2; el portero tiene los suyos (ver run()).
        "address_limits": AddressLimits(rules_from_options(options)),
        # Cada respuesta pasa por dos transformaciones, en este orden: los textos de
        # Tornado, en español (common/spanish.py), y nosniff y CSP también en las
        # páginas de error (common/defences/headers.py). Con transforms, Tornado no comprime.
        "transforms": [spanish.SpanishPages, SecurityHeaders],
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
    on_stop: Callable[[], Awaitable[None] | None] | None = None,
    on_start: Callable[[], Awaitable[None]] | None = None,
    pages: bool = False,
) -> None:
    """Escucha, imprime el banner y atiende hasta recibir Ctrl+C o SIGTERM.

    ``url`` es la dirección que abrir, con ``{host}`` en lugar de «equipo:puerto».
    ``notes`` son líneas más para el banner; ``on_stop`` se llama al apagar, cuando
    ya se cerraron las conexiones (por ejemplo, para que el log termine de guardar).
    ``on_start`` se espera dentro del loop antes de atender a nadie (conectar con Redis).
    ``pages``: el servidor sirve también su página (Stack 2) y cuenta él mismo los
    WebSockets de cada estudiante; el portero admite entonces por IP las conexiones HTTP
    de sus pestañas (``door_rules()`` en common/defences/per_address.py).
    Si las opciones tienen ``processes`` (Stack 2), con más de uno el puerto se
    reparte entre varios procesos hijos (common/processes.py).
    """
    try:
        # Escuchamos en todas las interfaces (address vacía) para que los demás
        # equipos de la red puedan entrar; --address=127.0.0.1 lo limita a este equipo.
        sockets = bind_sockets(options.port, options.address or None)
    except OSError as error:
        raise SystemExit(_bind_error(options.port, error)) from None
    port = sockets[0].getsockname()[1]
    # Cada conexión ocupa un descriptor de archivo: el tope real es el menor de los dos.
    files = raise_open_file_limit()
    hub.max_connections = connection_capacity(options.max_connections, files)
    urls = server_urls(url, port, options.address)
    extra = join_qr(app, urls, options)
    # El banner dice el camino que usa el hub de verdad, no el que se pidió.
    text = banner(
        title, urls, client_file, hub.max_connections, not hub.fast, extra, notes, options.address
    )
    tls = tls_context(options)  # Antes de crear procesos: un error se dice una sola vez.
    # El guardián del Host (common/defences/hosts.py) ve cada petición antes que la aplicación.
    guard = HostGuard(app, normalize_hosts(options.allowed_hosts))
    server = HTTPServer(guard, **http_server_settings(options))
    # El portero (common/defences/doorman.py) cuenta todas las conexiones TCP, no solo los
    # WebSockets; las de un proxy de confianza (--xheaders) no cuentan para ninguna IP.
    doorman = Doorman(
        server,
        tcp_capacity(hub.max_connections, files),
        AddressLimits(door_rules(rules_from_options(options), pages)),
        max_buffer_size(options.max_message_size),
        tls,
        app.settings.get("trusted_proxies"),
    )
    processes = options.processes if "processes" in options else 1
    if processes > 1:
        from common.processes import fork_workers

        # Desde aquí, cada hijo sigue solo con su copia del socket; el padre vigila.
        if fork_workers(processes) > 0:
            text = ""  # El banner lo imprime solo el primero.
    asyncio.run(_serve(app, hub, doorman, sockets, text, on_stop, on_start))


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


async def _serve(
    app: tornado.web.Application,
    hub: Hub,
    doorman: Doorman,
    sockets: list,
    text: str,
    on_stop: Callable[[], Awaitable[None] | None] | None = None,
    on_start: Callable[[], Awaitable[None]] | None = None,
) -> None:
    if on_start is not None:
        await on_start()  # Los sockets ya escuchan: quien llegue espera en la cola.
    doorman.listen(sockets)
    if app.settings.get("debug"):
        # --debug: vigila los archivos y reinicia el servidor al guardar. Se
        # arranca aquí, dentro del loop que corre (ver app_settings). Su aviso de
        # «archivo guardado, reinicio» sale en español gracias al filtro.
        spanish.install_log_filters()
        tornado.autoreload.start()
    stop = asyncio.Event()
    _on_shutdown_signal(stop.set)
    # El banner sale cuando ya atendemos conexiones y Ctrl+C: todo lo que dice es cierto.
    if text:
        print(text, flush=True)
    await stop.wait()

    log.info(
        "Apagando el servidor: cerrando %s", spanish.plural(len(hub), "conexión", "conexiones")
    )
    doorman.stop()
    # 1001 = «going away»: el navegador sabe que el servidor se va, no que falló.
    hub.close_all(1001, "El servidor se está apagando")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SHUTDOWN_GRACE_SECONDS
    while len(hub) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    if on_stop is not None:
        result = on_stop()
        if inspect.isawaitable(result):
            await result


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


def tcp_capacity(websockets: int, open_file_limit: int | None) -> int:
    """Cuántas conexiones TCP caben: los WebSockets más un margen para las que llegan.

    El margen es para quien aún está pidiendo la página o haciendo el handshake:
    así, con el chat lleno, el que llega recibe el cierre 1013 y su motivo.
    """
    wanted = websockets + max(16, websockets // 10)
    if open_file_limit is None:
        return wanted
    return max(1, min(wanted, open_file_limit - RESERVED_FILES // 2))


# El banner lo dice cuando no se usa el hub de siempre (benchmarks/fanout.py lo comprueba).
PLAIN_HUB_NOTE = "Envío con el bucle simple (--hub=plain): el de las lecciones, más lento."


def join_qr(app: tornado.web.Application, urls: list[str], options: OptionParser) -> list[str]:
    """Las URL de la red, para la página (su QR), y las líneas del QR del banner.

    Solo el Stack 2 define --qr: su página se abre desde un móvil; la del Stack 1, no.
    """
    lan = qr.lan_urls(urls, options.address)
    app.settings["lan_urls"] = lan
    # Con --address=127.0.0.1 ningún móvil puede entrar: la página lo dice en vez del QR.
    app.settings["only_here"] = options.address if is_loopback(options.address) else ""
    return qr.banner_lines(lan, options.address, options.qr) if "qr" in options else []


def banner(
    title: str,
    urls: list[str],
    client_file: Path | None = None,
    capacity: int | None = None,
    plain_hub: bool = False,
    extra: Sequence[str] = (),
    notes: Sequence[str] = (),
    address: str = "",
) -> str:
    """El texto que el servidor imprime al arrancar: qué abrir y desde dónde.

    ``extra`` va justo debajo de las direcciones (el QR); ``notes``, al final;
    ``address``, la de --address (vacía: todas las interfaces).
    """
    local, *lan = urls
    lines = [title, "", f"  En este equipo:        {local}"]
    lines += [f"  Desde otro dispositivo: {url}" for url in lan]
    if address and is_loopback(address):  # Lo ha pedido así: no es ningún problema.
        lines += [
            f"  Solo se entra desde este equipo (--address={address}). Para que entren",
            "  los móviles y los demás equipos de la red, arranca el servidor sin --address.",
        ]
    elif not lan and not address:
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
