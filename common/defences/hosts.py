"""Solo se atiende a quien llama a este equipo por su nombre: contra el DNS rebinding.

Con el DNS rebinding, una web ajena (``evil.example``) hace que su nombre apunte a
la IP de tu servidor. Para el navegador, su página y tu chat tienen entonces «el
mismo origen», y la comprobación de Origin no basta: Tornado deja pasar un
handshake cuyo Origin coincide con su Host. Pero el navegador sigue enviando
``Host: evil.example``, un nombre que no es de este equipo. Así que, antes de
que ningún handler vea la petición, miramos el Host y cerramos la puerta a los
nombres ajenos: en las páginas, en el WebSocket, en todo.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Awaitable, Collection

from tornado import httputil

from common.defences.headers import ERROR_PAGE_POLICY

log = logging.getLogger("chat.hosts")

WRONG_HOST = "Este servidor no atiende a ese nombre (Host). Usa la dirección del banner."
# Nombres ajenos que anotamos en el registro, uno por línea; después, silencio.
MAX_LOGGED_HOSTS = 20


def host_is_this_machine(host_header: str | None, extra: Collection[str] = ()) -> bool:
    """True si ``Host`` nombra a este equipo: localhost, una IP o su nombre.

    ``extra`` son los nombres de --allowed-hosts.
    """
    if not host_header:
        return True  # Sin Host (HTTP/1.0): no viene de un navegador.
    host = httputil.split_host_and_port(host_header.strip().lower())[0]
    host = host.strip("[]").rstrip(".")
    if host in extra or host == "localhost" or host.endswith(".localhost"):
        return True
    if host in _machine_names():
        return True  # El nombre del equipo («aula-07», «aula-07.local»).
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False  # Un nombre que no conocemos: puede ser el de una web ajena.
    # Una IP escrita tal cual no se puede «reapuntar»: el navegador se conectó a esa IP
    # y su página es de ella. Es la de este equipo, o la de nginx delante de él (lección
    # 13: el estudiante escribe la IP de nginx, y el proceso la recibe desde 127.0.0.1).
    return True


def normalize_hosts(names: Collection[str]) -> frozenset[str]:
    """Los nombres de --allowed-hosts en minúsculas y sin puerto, para compararlos."""
    return frozenset(
        httputil.split_host_and_port(name.strip().lower())[0] for name in names if name.strip()
    )


class HostGuard(httputil.HTTPServerConnectionDelegate):
    """Se pone delante de la aplicación: responde 403 si el Host no es este equipo."""

    def __init__(
        self, app: httputil.HTTPServerConnectionDelegate, allowed: Collection[str] = ()
    ) -> None:
        self.app = app
        self.allowed = allowed
        self._logged: set[str] = set()

    def start_request(
        self, server_conn: object, request_conn: httputil.HTTPConnection
    ) -> httputil.HTTPMessageDelegate:
        inner = self.app.start_request(server_conn, request_conn)
        return _CheckedRequest(self, inner, request_conn)

    def on_close(self, server_conn: object) -> None:
        self.app.on_close(server_conn)

    def refused(self, host: str) -> None:
        if host not in self._logged and len(self._logged) < MAX_LOGGED_HOSTS:
            self._logged.add(host)
            log.warning("Rechazo peticiones con un Host ajeno (¿DNS rebinding?): %r", host)


class _CheckedRequest(httputil.HTTPMessageDelegate):
    """Una petición: si su Host es ajeno, se contesta 403 y la aplicación no la ve."""

    def __init__(
        self,
        guard: HostGuard,
        inner: httputil.HTTPMessageDelegate,
        conn: httputil.HTTPConnection,
    ) -> None:
        self.guard, self.inner, self.conn = guard, inner, conn
        self.blocked = False

    def headers_received(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
    ) -> Awaitable[None] | None:
        host = headers.get("Host")
        if host_is_this_machine(host, self.guard.allowed):
            return self.inner.headers_received(start_line, headers)
        self.blocked = True
        self.guard.refused(str(host))
        body = (WRONG_HOST + "\n").encode()
        reply = httputil.HTTPHeaders(
            {
                "Content-Type": "text/plain; charset=utf-8",
                "Content-Length": str(len(body)),
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": ERROR_PAGE_POLICY,
                "Connection": "close",
            }
        )
        self.conn.write_headers(httputil.ResponseStartLine("HTTP/1.1", 403, "Forbidden"), reply)
        self.conn.write(body)
        self.conn.finish()
        return None

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        return None if self.blocked else self.inner.data_received(chunk)

    def finish(self) -> None:
        if not self.blocked:
            self.inner.finish()

    def on_connection_close(self) -> None:
        if not self.blocked:
            self.inner.on_connection_close()


def _machine_names() -> set[str]:
    name = socket.gethostname().lower()
    return {name, f"{name}.local"} if name else set()
