"""El portero: acepta las conexiones TCP y decide, antes de leer nada, si caben.

Tornado acepta todo lo que llega. Aquí, cada conexión TCP (un WebSocket, una
petición de página o un socket que nunca dice nada) cuenta para el tope del
servidor y para el de su dirección IP. A quien no cabe se le contesta un 503
corto y se le cierra: el servidor nunca llega a quedarse sin descriptores de
archivo. Y si aun así se queda sin ellos (otro programa, un límite muy bajo),
rechaza con calma, lo dice una vez en el registro y se recupera solo.

Un proxy de confianza (nginx, con --xheaders) no es una persona: sus conexiones no
tienen tope por IP (el chat cuenta a cada estudiante que hay detrás), pero sí
cuentan para el tope del servidor.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import ssl
from collections.abc import Iterable

from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream, SSLIOStream

from common.defences.per_address import AddressLimits
from common.defences.proxies import TrustedProxies

log = logging.getLogger("chat.doorman")

# Errores de accept() que significan «no quedan descriptores» (o memoria del sistema).
OUT_OF_FILES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
# Cuánto dejamos de aceptar si ni siquiera podemos rechazar: así no se gira en vacío.
PAUSE_SECONDS = 0.5
# Conexiones que se aceptan de una vez antes de devolver el turno al loop.
ACCEPTS_PER_TURN = 128
SERVER_FULL = "El servidor está lleno: inténtalo dentro de un rato"


class _Counted:
    """Un stream que avisa al portero cuando se cierra su socket."""

    def __init__(
        self, sock: socket.socket, doorman: Doorman, ip: str | None, **kwargs: object
    ) -> None:
        super().__init__(sock, **kwargs)  # type: ignore[call-arg]
        self._doorman = doorman
        self._ip = ip  # None: no cuenta para ninguna IP (un proxy de confianza).

    def close_fd(self) -> None:
        # IOStream llama a close_fd() una sola vez, cierre quien cierre la conexión.
        super().close_fd()  # type: ignore[misc]
        self._doorman.release(self._ip)


class _CountedStream(_Counted, IOStream):
    """Una conexión sin cifrar."""


class _CountedSSLStream(_Counted, SSLIOStream):
    """Una conexión con TLS (--certfile y --keyfile): el handshake lo hace SSLIOStream."""


class Doorman:
    """Acepta conexiones para un HTTPServer sin pasar de ``capacity`` abiertas.

    ``per_address`` limita las de cada IP, salvo las de los proxies de ``trusted``.
    """

    def __init__(
        self,
        server: HTTPServer,
        capacity: int,
        per_address: AddressLimits | None = None,
        max_buffer_size: int | None = None,
        tls: ssl.SSLContext | None = None,
        trusted: TrustedProxies | None = None,
    ) -> None:
        self.server = server
        self.tls = tls  # Con TLS, cada socket aceptado se envuelve antes de leer nada.
        self.capacity = capacity
        self.per_address = per_address
        self.trusted = trusted if trusted is not None else TrustedProxies()
        self.open = 0  # Conexiones TCP abiertas ahora mismo, de cualquier tipo.
        self._max_buffer_size = max_buffer_size
        self._sockets: list[socket.socket] = []
        self._refusing: set[str] = set()  # Los motivos ya anotados en el registro.
        # Un descriptor de reserva: si se agotan, lo soltamos un momento para poder
        # aceptar y cerrar al que llega, en lugar de dejarlo esperando para siempre.
        self._spare: int | None = _open_spare()

    def listen(self, sockets: Iterable[socket.socket]) -> None:
        """Empieza a aceptar en estos sockets (ya abiertos con bind_sockets)."""
        for sock in sockets:
            self._sockets.append(sock)
            IOLoop.current().add_handler(sock, self._on_readable, IOLoop.READ)

    def stop(self) -> None:
        """Deja de aceptar y cierra los sockets de escucha (al apagar)."""
        for sock in self._sockets:
            IOLoop.current().remove_handler(sock)
            sock.close()
        self._sockets.clear()
        if self._spare is not None:
            os.close(self._spare)
            self._spare = None

    def release(self, ip: str | None) -> None:
        """Una conexión se cerró: deja su sitio libre (y el de su IP, si contaba)."""
        self.open -= 1
        if ip is not None and self.per_address is not None:
            self.per_address.release(ip)

    def _on_readable(self, sock: socket.socket, _events: int) -> None:
        for _ in range(ACCEPTS_PER_TURN):
            try:
                conn, address = sock.accept()
            except BlockingIOError:
                return  # No queda nadie esperando.
            except ConnectionAbortedError:
                continue  # Se fue antes de que lo atendiéramos.
            except OSError as error:
                if error.errno not in OUT_OF_FILES:
                    raise
                self._out_of_files(sock)
                return
            self._admit(conn, address)

    def _admit(self, conn: socket.socket, address: tuple) -> None:
        ip = str(address[0])
        # Detrás de nginx, todas las conexiones vienen de nginx: con el tope de una persona,
        # toda la clase tendría que caber en él. El chat cuenta a cada estudiante por la dirección
        # que nginx dice (stack2_http/server.py).
        limits = None if ip in self.trusted else self.per_address
        reason = SERVER_FULL if self.open >= self.capacity else None
        if reason is None and limits is not None:
            reason = limits.admit(ip)
        if reason is not None:
            self._refuse(conn, ip, reason)
            return
        self.open += 1
        counted = ip if limits is not None else None  # Lo que se descuenta al cerrar.
        if self._refusing:
            log.info("Vuelven a aceptarse conexiones (%d abiertas)", self.open)
            self._refusing.clear()
        if self.tls is None:
            stream: IOStream = _CountedStream(
                conn, self, counted, max_buffer_size=self._max_buffer_size
            )
        else:
            # Como hace TCPServer: el handshake TLS ocurre después, sin bloquear el loop.
            wrapped = self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
            stream = _CountedSSLStream(
                wrapped, self, counted, max_buffer_size=self._max_buffer_size
            )
        self.server.handle_stream(stream, address)

    def _refuse(self, conn: socket.socket, ip: str, reason: str) -> None:
        if reason not in self._refusing:
            # Una línea por episodio, no una por conexión: quien ataca no llena el registro.
            self._refusing.add(reason)
            log.warning("Rechazo conexiones nuevas (la primera, de %s): %s", ip, reason)
        _reply_503(conn, reason)

    def _out_of_files(self, sock: socket.socket) -> None:
        if "files" not in self._refusing:
            self._refusing.add("files")
            log.warning("Sin descriptores de archivo libres: rechazo conexiones nuevas")
        if self._spare is not None:
            os.close(self._spare)
            self._spare = None
            try:
                conn, _ = sock.accept()
                _reply_503(conn, SERVER_FULL)
                refused = True
            except OSError:
                refused = False
            self._spare = _open_spare()
            if refused and self._spare is not None:
                return
        # Sin reserva: dejamos de escuchar un momento. El socket seguiría «listo»
        # y, sin esta pausa, el loop giraría al 100 % de CPU sin hacer nada.
        loop = IOLoop.current()
        loop.remove_handler(sock)
        loop.call_later(PAUSE_SECONDS, self._resume, sock)

    def _resume(self, sock: socket.socket) -> None:
        if sock in self._sockets:
            IOLoop.current().add_handler(sock, self._on_readable, IOLoop.READ)


def _reply_503(conn: socket.socket, reason: str) -> None:
    """Contesta «503» con el motivo, sin esperar a nada, y cierra."""
    body = (reason + "\n").encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    try:
        conn.setblocking(False)
        conn.send(head.encode() + body)  # Cabe de sobra en el buffer de un socket nuevo.
    except OSError:
        pass  # Ya se había ido: da igual.
    finally:
        conn.close()


def _open_spare() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY)
    except OSError:
        return None
