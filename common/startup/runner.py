"""Escuchar, atender y apagar: lo que hace un servidor desde que abre el puerto hasta Ctrl+C."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import tornado.autoreload
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.options import OptionParser

from common import spanish
from common.defences.doorman import Doorman
from common.defences.hosts import HostGuard, normalize_hosts
from common.defences.per_address import AddressLimits, door_rules, rules_from_options
from common.defences.proxies import TrustedProxies
from common.fanout.hub import Hub
from common.startup.banner import banner, qr_lines
from common.startup.network import LanAccess, server_urls
from common.startup.settings import (
    connection_capacity,
    http_server_settings,
    max_buffer_size,
    raise_open_file_limit,
    tcp_capacity,
    tls_context,
)

log = logging.getLogger("chat")

# Tiempo máximo que esperamos a que los clientes respondan al cierre al apagar.
SHUTDOWN_GRACE_SECONDS = 1.5
# Y el apagado entero, desde Ctrl+C: si algo se queda esperando (una conexión con Redis
# que no contesta, por ejemplo), el servidor sale igual. Como el «graceful timeout» de
# gunicorn o uvicorn: Ctrl+C nunca deja la terminal colgada.
SHUTDOWN_DEADLINE_SECONDS = 5.0


class Backends(Protocol):
    """Lo que un servidor arranca antes de atender y cierra al apagar (el log del Stack 2…)."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


def run(
    app: tornado.web.Application,
    hub: Hub,
    options: OptionParser,
    title: str,
    url: str,
    notes: Sequence[str | Callable[[list[str], str], list[str]]] = (),
    backends: Backends | None = None,
    client_file: Path | None = None,
    pages: bool = False,
    proxies: TrustedProxies | None = None,
    lan: LanAccess | None = None,
) -> None:
    """Escucha, imprime el banner y atiende hasta recibir Ctrl+C o SIGTERM.

    ``url`` es la dirección que abrir, con ``{host}`` en lugar de «equipo:puerto».
    ``notes`` son líneas más para el banner. ``backends.start()`` se espera dentro del
    loop antes de atender a nadie (conectar con Redis), y ``backends.close()`` al apagar,
    cuando ya se cerraron las conexiones (para que el log termine de guardar).
    ``pages``: el servidor sirve también su página (Stack 2) y cuenta él mismo los
    WebSockets de cada estudiante; el portero admite entonces por IP las conexiones HTTP
    de sus pestañas (``door_rules()`` en common/defences/per_address.py). ``proxies``: los
    proxies de confianza (--xheaders), cuyas conexiones no cuentan para ninguna IP.
    ``lan``: donde apuntar las URL de la red al abrir el puerto, para la página (su QR).
    Una nota puede ser también una función ``nota(urls, address)`` que devuelve sus
    líneas: las que necesitan las URL de verdad, que solo se saben al abrir el puerto (el
    enlace de la profesora del Stack 2).
    Si las opciones tienen ``processes`` (Stack 2), con más de uno el puerto se
    reparte entre varios procesos hijos (common/processes/fork.py).
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
    if lan is not None:
        lan.learn(urls, options.address)  # Las mismas URL que el banner, para la página.
    extra = qr_lines(urls, options)
    lines = [
        line
        for note in notes
        for line in ([note] if isinstance(note, str) else note(urls, options.address))
    ]
    # El banner dice el camino que usa el hub de verdad, no el que se pidió.
    text = banner(
        title, urls, client_file, hub.max_connections, not hub.fast, extra, lines, options.address
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
        proxies,
    )
    processes = options.processes if "processes" in options else 1
    if processes > 1:
        from common.processes.fork import fork_workers

        # Desde aquí, cada hijo sigue solo con su copia del socket; el padre vigila.
        if fork_workers(processes) > 0:
            text = ""  # El banner lo imprime solo el primero.
    asyncio.run(_serve(app, hub, doorman, sockets, text, backends))


async def _serve(
    app: tornado.web.Application,
    hub: Hub,
    doorman: Doorman,
    sockets: list,
    text: str,
    backends: Backends | None = None,
) -> None:
    if backends is not None:
        await backends.start()  # Los sockets ya escuchan: quien llegue espera en la cola.
    doorman.listen(sockets)
    if app.settings.get("debug"):
        # --debug: vigila los archivos y reinicia el servidor al guardar. Se
        # arranca aquí, dentro del loop que corre (ver settings.app_settings). Su aviso de
        # «archivo guardado, reinicio» sale en español gracias al filtro.
        spanish.install_log_filters()
        tornado.autoreload.start()
    stop = asyncio.Event()
    _on_shutdown_signal(stop.set)
    # El banner sale cuando ya atendemos conexiones y Ctrl+C: todo lo que dice es cierto.
    if text:
        print(text, flush=True)
    await stop.wait()
    # El plazo cuenta también lo que hace asyncio.run() al salir (cancelar tareas).
    asyncio.get_running_loop().call_later(SHUTDOWN_DEADLINE_SECONDS, _exit_now)

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
    if backends is not None:
        await backends.close()


def _exit_now() -> None:
    """El apagado se pasó de plazo: dice qué seguía esperando y sale sin esperar más."""
    pending = [task for task in asyncio.all_tasks() if not task.done()]
    log.error(
        "El apagado tarda más de %g s: salgo sin esperar a %s.",
        SHUTDOWN_DEADLINE_SECONDS,
        spanish.plural(len(pending), "tarea", "tareas"),
    )
    for task in pending:
        log.error("  Esperaba: %s", _waiting_in(task))
    os._exit(1)  # Sin esperar a nada más: lo que esperaba es justo lo que no termina.


def _waiting_in(task: asyncio.Task) -> str:
    """Dónde espera ``task``: cada corrutina que hace ``await`` de la siguiente, con su línea."""
    steps, coro = [], task.get_coro()
    while coro is not None and getattr(coro, "cr_frame", None) is not None:
        frame = coro.cr_frame
        steps.append(
            f"{coro.__qualname__} ({Path(frame.f_code.co_filename).name}:{frame.f_lineno})"
        )
        coro = coro.cr_await
    return " → ".join(steps) or repr(task)


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
