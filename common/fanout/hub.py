"""El hub: quién está conectado y cómo llega un mensaje a todos los de su sala (broadcast)."""

from __future__ import annotations

import logging
from asyncio import Future
from collections.abc import Awaitable
from typing import Any, Protocol

from tornado.websocket import WebSocketHandler

from common.fanout.fast import FastWriter
from common.fanout.simple import SimpleWriter
from common.spanish import plural

log = logging.getLogger("chat.hub")

# Cuántos bytes pueden esperar en cola hacia un cliente que no lee. Un chat
# normal no se acerca ni de lejos; pasar de aquí significa que ese cliente
# se ha quedado dormido, y no debe hacer crecer la memoria del servidor.
DEFAULT_MAX_PENDING_BYTES = 1024 * 1024
# La sala de quien entra sin decir otra. El Stack 1 no tiene salas: todos están aquí.
DEFAULT_ROOM = ""
# Hasta aquí, cada conexión que entra o sale es una línea en la terminal: lo que el
# profesor quiere ver en clase. Por encima, una línea cada LOG_EVERY (y cada conexión, en
# DEBUG): con miles, escribir una línea por conexión era un 10 % de la CPU de cada entrada.
LOG_EACH_UP_TO = 100
LOG_EVERY = 100


class Connection(Protocol):
    """Lo que el hub necesita de una conexión (un WebSocketHandler lo cumple)."""

    def write_message(self, message: str) -> Awaitable[None] | None: ...

    def close(self, code: int | None = None, reason: str | None = None) -> None: ...


class Writer(Protocol):
    """Lo que el hub pide al que escribe a las conexiones de una sala (simple o rápido)."""

    max_pending_bytes: int  # Lo que puede esperar en cola hacia una conexión que no lee.

    def __contains__(self, conn: object) -> bool: ...

    def __len__(self) -> int: ...

    def add(self, conn: Connection) -> bool:
        """Toma ``conn`` si sabe escribirle; devuelve si la tomó."""

    def discard(self, conn: Connection) -> None:
        """La suelta (al cerrarse), después de enviarle lo que tuviera en cola."""

    def broadcast(self, message: str, exclude: Connection | None = None) -> None:
        """Envía ``message`` a todas sus conexiones, menos a ``exclude``."""

    def send(self, conn: Connection, message: str) -> None:
        """Envía ``message`` a una sola conexión, detrás de lo que ya tenga en cola."""

    def flush(self) -> None:
        """Escribe ya todo lo que tenga en cola."""

    def flush_one(self, conn: Connection) -> None:
        """Escribe ya lo que tenga en cola para ``conn``."""


class Hub:
    """Las conexiones vivas de un servidor y el envío de mensajes a todas ellas.

    Reglas que los dos stacks comparten:

    * Una conexión entra con ``add()`` (en ``open``) y sale con ``remove()``
      (en ``on_close``). El hub nunca la borra por su cuenta: si falla, la
      cierra, y Tornado llamará a ``on_close``. Así la baja pasa por un único sitio.
    * ``broadcast()`` recorre una copia de la lista: que alguien entre o salga
      durante un envío no rompe el recorrido.
    * Una conexión que falla o no lee se descarta sola; las demás siguen
      recibiendo y el error nunca sube hasta el handler.

    El hub guarda quién está y en qué sala; escribir es cosa del «escritor» de cada
    sala, y hay dos, con los mismos métodos y las mismas reglas:

    * El simple (common/fanout/simple.py): ``conn.write_message(m)`` para cada
      conexión. Es el que se lee en las lecciones, y el único posible con conexiones
      de prueba, comprimidas o cifradas.
    * El rápido (``fast=True``, por defecto; ver common/fanout/fast.py): cada
      mensaje se convierte en frame una sola vez, y los de una misma vuelta del
      event loop salen juntos, en una sola escritura por cliente.

    Con ``Hub(fast=False)`` todas las conexiones usan el camino simple, para
    medir la diferencia con benchmarks/fanout.py. Con ``fast=True``, una conexión
    que el rápido no puede tomar va al simple de su sala.

    Cada conexión está en una sala (``add(conn, room=…)``) y un broadcast con
    ``room`` solo recorre las de esa sala: una sala de 1000 no paga por las otras
    nueve. Cada sala tiene sus propios escritores, así que lo que se junta en una vuelta
    del loop sigue saliendo en una sola escritura por conexión. Sin ``room``, el
    broadcast llega a todas (el Stack 1, que tiene una sola sala, no cambia).

    El hub solo reparte. Qué número lleva cada mensaje y qué se dijo antes es
    cosa del log (common/history/log.py); quién está en cada sala, de la presencia
    (common/live/presence.py).
    """

    def __init__(
        self,
        max_pending_bytes: int = DEFAULT_MAX_PENDING_BYTES,
        fast: bool = True,
        max_connections: int | None = None,
    ) -> None:
        # Cuántas conexiones caben a la vez (None = sin tope). runner.run() lo
        # ajusta a lo que permite el sistema antes de abrir el puerto.
        self.max_connections = max_connections
        # Un dict conserva el orden de llegada: la lista «en línea» sale ordenada.
        # El valor es el nombre visible de la conexión (None si el stack no usa nombres).
        self._names: dict[Connection, str | None] = {}
        self._by_name: dict[str, Connection] = {}  # Al revés: para un mensaje privado.
        self._room_of: dict[Connection, str] = {}
        # Los escritores de cada sala: el rápido y el simple, cada uno con sus conexiones.
        # Nacen con la primera conexión que los necesita y se van con la última.
        self.fast = fast  # Lo dice el banner, para que quien mide sepa qué mide.
        self._fast: dict[str, FastWriter] = {}
        self._simple: dict[str, SimpleWriter] = {}
        self.max_pending_bytes = max_pending_bytes

    @property
    def max_pending_bytes(self) -> int:
        """Bytes que pueden esperar en cola hacia un cliente antes de cerrarlo."""
        return self._max_pending_bytes

    @max_pending_bytes.setter
    def max_pending_bytes(self, value: int) -> None:
        self._max_pending_bytes = value
        for writer in self._writers():
            writer.max_pending_bytes = value

    def add(self, conn: Connection, name: str | None = None, room: str = DEFAULT_ROOM) -> bool:
        """Da de alta una conexión recién abierta; si el chat está lleno, la cierra.

        Devuelve False si no cabía: entonces el handler no debe anunciarla.
        """
        if self.max_connections is not None and len(self._names) >= self.max_connections:
            log.warning(
                "Chat lleno (%s): rechazo una nueva",
                plural(len(self._names), "conexión", "conexiones"),
            )
            # 1013 = «try again later»: el navegador sabe que puede volver a intentarlo.
            conn.close(1013, "El chat está lleno: inténtalo dentro de un rato")
            return False
        self._names[conn] = name
        self._room_of[conn] = room
        if name is not None:
            self._by_name[name] = conn
        if not self.fast or not self._add_to(self._fast, FastWriter, conn, room):
            self._add_to(self._simple, SimpleWriter, conn, room)
        self._log_count("abierta", name)
        return True

    def remove(self, conn: Connection) -> bool:
        """Da de baja una conexión; devuelve False si ya no estaba."""
        if conn not in self._names:
            return False
        name = self._names.pop(conn)
        room = self._room_of.pop(conn)
        if name is not None and self._by_name.get(name) is conn:
            del self._by_name[name]
        for writers in (self._fast, self._simple):
            writer = writers.get(room)
            if writer is not None and conn in writer:
                writer.discard(conn)  # Lo que tenía en cola sale ahora.
                if not len(writer):
                    del writers[room]  # Una sala vacía no ocupa memoria.
        self._log_count("cerrada", name)
        return True

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, conn: object) -> bool:
        return conn in self._names

    @property
    def names(self) -> list[str]:
        """Los nombres de quienes están conectados, por orden de llegada."""
        return [name for name in self._names.values() if name is not None]

    def find(self, name: str) -> Connection | None:
        """La conexión que se llama ``name`` en este proceso, o None."""
        return self._by_name.get(name)

    def room_of(self, conn: Connection) -> str | None:
        """La sala de una conexión (None si no está en el hub)."""
        return self._room_of.get(conn)

    def deliver(self, room: str, frame: str) -> None:
        """Reparte a su sala un mensaje que el log ya guardó: ``log.subscribe(hub.deliver)``."""
        self.broadcast(frame, room=room)

    def broadcast(
        self, message: str, exclude: Connection | None = None, room: str | None = None
    ) -> None:
        """Envía el mismo texto a todas las conexiones de ``room`` (sin sala: a todas)."""
        for writer in self._writers(room):
            writer.broadcast(message, exclude)

    def send(self, conn: Connection, message: str) -> None:
        """Envía un texto a una conexión; si falla, la cierra sin molestar a nadie más."""
        writer = self._writer_of(conn)
        if writer is not None:
            writer.send(conn, message)

    def close(self, conn: Connection, code: int, reason: str) -> None:
        """Cierra una conexión después de enviarle lo que ya tenía en cola.

        Con el camino rápido, un ``conn.close()`` directo podría adelantarse a
        un mensaje que aún espera al final de esta vuelta del loop (por ejemplo,
        el último aviso de error antes de echar a quien inunda el chat).
        """
        self.flush(conn)
        conn.close(code, reason)

    def flush(self, conn: Connection) -> None:
        """Escribe ya lo que el camino rápido tenga en cola para ``conn``."""
        writer = self._writer_of(conn)
        if writer is not None:
            writer.flush_one(conn)

    def close_all(self, code: int, reason: str) -> None:
        """Cierra todas las conexiones, por ejemplo al apagar el servidor."""
        for writer in self._writers():
            writer.flush()  # Lo que ya estaba en cola sale antes que el cierre.
        for conn in list(self._names):
            conn.close(code, reason)

    def _add_to(
        self, writers: dict[str, Any], kind: type[Writer], conn: Connection, room: str
    ) -> bool:
        """Da ``conn`` al escritor ``kind`` de su sala, que nace con la primera que entra."""
        writer = writers.get(room)
        if writer is None:
            writer = kind(self.max_pending_bytes, self._close_slow)
        if not writer.add(conn):
            return False  # El rápido no puede con ella (una conexión de prueba, o con TLS).
        writers[room] = writer
        return True

    def _writers(self, room: str | None = None) -> list[Writer]:
        """Los escritores de ``room`` (sin sala: los de todas), los rápidos primero."""
        if room is None:
            return [*self._fast.values(), *self._simple.values()]
        found = (self._fast.get(room), self._simple.get(room))
        return [writer for writer in found if writer is not None]

    def _writer_of(self, conn: Connection) -> Writer | None:
        """El escritor que tiene a ``conn``: el rápido o el simple de su sala."""
        room = self._room_of.get(conn)
        if room is None:
            return None  # Ya no está en el hub.
        for writer in self._writers(room):
            if conn in writer:
                return writer
        return None

    def _log_count(self, what: str, name: str | None) -> None:
        """«Conexión abierta de … (N en total)»: cada una con pocas; con muchas, de 100 en 100."""
        count = len(self._names)
        if count <= LOG_EACH_UP_TO:
            log.info("Conexión %s%s (%d en total)", what, _label(name), count)
            return
        log.debug("Conexión %s%s (%d en total)", what, _label(name), count)
        if count % LOG_EVERY == 0:
            log.info("%s abiertas", plural(count, "conexión", "conexiones"))

    def _close_slow(self, conn: Connection) -> None:
        """Cierra una conexión que no lee lo que le enviamos."""
        log.warning("Cerrando%s: no lee sus mensajes a tiempo", _label(self._names.get(conn)))
        # 1008 = «policy violation»: el cliente no cumple con leer lo que recibe.
        conn.close(1008, "Tu conexión no lee los mensajes a tiempo")


class HubSocket(WebSocketHandler):
    """Un WebSocketHandler cuyos ``write_message()`` y ``close()`` propios nunca se
    adelantan a lo que el hub ya tiene en cola para él.

    Con el camino rápido, un broadcast espera al final de la vuelta del loop. Si el
    handler escribiera directamente en esa misma vuelta, su frame saldría antes:
    ``broadcast("1"); broadcast("2"); write_message("3")`` llegaría como 1, 3, 2.
    Por eso, antes de escribir o cerrar, se vacía la cola de esta conexión.
    La subclase guarda el hub en ``self.hub`` (en ``initialize``).
    """

    hub: Hub

    def write_message(
        self, message: bytes | str | dict[str, Any], binary: bool = False
    ) -> Future[None]:
        self.hub.flush(self)
        return super().write_message(message, binary)

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        self.hub.flush(self)
        super().close(code, reason)


def _label(name: str | None) -> str:
    return f" de {name}" if name else ""
