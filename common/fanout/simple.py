"""El camino simple del hub: un ``write_message()`` por conexión y mensaje.

Es el broadcast que se lee en las lecciones (la 2 y la 9), y el único posible con las
conexiones que el camino rápido no puede tomar: las de prueba, las comprimidas y las
cifradas. Cumple las mismas reglas que el rápido (common/fanout/fast.py) y tiene sus
mismos métodos, así el hub usa uno u otro sin preguntar cuál es.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tornado.websocket import WebSocketClosedError


class SimpleWriter:
    """Las conexiones de una sala que van por el camino simple, y lo que cada una tiene en cola.

    Tornado escribe en el acto lo que quepa en el socket y guarda el resto; aquí se cuentan
    esos bytes pendientes, para cerrar a quien deja de leer (``too_slow``, lo decide el hub)
    antes de que haga crecer la memoria del servidor.
    """

    def __init__(self, max_pending_bytes: int, too_slow: Callable[[Any], None]) -> None:
        self.max_pending_bytes = max_pending_bytes
        self._too_slow = too_slow
        # Cada conexión, con los bytes enviados que aún no han salido por su socket.
        self._pending: dict[Any, int] = {}

    def __contains__(self, conn: object) -> bool:
        return conn in self._pending

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, conn: Any) -> bool:
        """Toma ``conn``: el camino simple sirve para cualquier conexión."""
        self._pending[conn] = 0
        return True

    def discard(self, conn: Any) -> None:
        """Suelta ``conn``; lo que ya le dimos a Tornado sigue saliendo por su cuenta."""
        self._pending.pop(conn, None)

    def broadcast(self, message: str, exclude: Any = None) -> None:
        """Envía el texto a todas (menos ``exclude``), una por una."""
        # Una copia de la lista y un write_message por conexión.
        for conn in list(self._pending):
            if conn is not exclude:
                self.send(conn, message)

    def send(self, conn: Any, message: str) -> None:
        """Envía un texto a una conexión; si falla, la cierra sin molestar a nadie más."""
        if conn not in self._pending:
            return
        if self._pending[conn] + len(message) > self.max_pending_bytes:
            self._too_slow(conn)
            return
        try:
            written = conn.write_message(message)
        except WebSocketClosedError:
            # Ya se estaba cerrando: Tornado llamará a on_close y ahí se dará de baja.
            return
        if written is not None:
            self._track(conn, len(message), written)

    def flush(self) -> None:
        """Nada que hacer: aquí cada mensaje sale en el acto (el rápido sí espera)."""

    def flush_one(self, conn: Any) -> None:
        """Nada que hacer: ``conn`` no tiene nada esperando en esta vuelta del loop."""

    def _track(self, conn: Any, size: int, written: Awaitable[None]) -> None:
        """Cuenta los bytes en cola hasta que el socket los acepta."""
        self._pending[conn] += size

        def done(future: Awaitable[None]) -> None:
            if conn in self._pending:
                self._pending[conn] -= size
            # Leer la excepción evita el aviso «exception was never retrieved»:
            # que un cliente se haya ido mientras le escribíamos es normal.
            if not future.cancelled() and future.exception() is not None:  # type: ignore[attr-defined]
                conn.close(1011, "Error al enviar")

        written.add_done_callback(done)  # type: ignore[attr-defined]
