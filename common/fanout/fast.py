"""El camino rápido del hub: cada mensaje se convierte en frame una sola vez, y los
frames de una misma vuelta del event loop salen juntos, en una escritura por cliente.

El camino simple (common/fanout/simple.py: ``conn.write_message(m)`` para cada
cliente) repite por cada conexión el mismo trabajo: pasar el texto a UTF-8, montar
la cabecera del frame, crear un Future y una tarea, y hacer una llamada al sistema.
Aquí ese trabajo se hace una vez por mensaje. Además, el primer mensaje de cada
vuelta del loop sale en el acto, y los que llegan detrás en esa misma vuelta (una
ráfaga) se juntan y salen en una sola llamada al sistema por cliente en cuanto el
loop termina lo que estaba haciendo (``call_soon``). Nunca se espera a un temporizador.

Lo que depende de detalles internos de Tornado (``tornado_stream()``,
``raw_target()`` y ``raw_writable()``) vive en common/tornado_internals.py;
lo demás usa la API pública de IOStream (``writing``, ``socket``, ``write``,
``set_nodelay``) y la misma comprobación que hace ``write_message`` (``is_open``).
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from typing import Any

from tornado.iostream import IOStream

from common.tornado_internals import RawTarget, raw_target, raw_writable, tornado_stream

# Primer byte de un frame de texto completo (RFC 6455, sección 5.2): FIN + opcode 1.
_TEXT_FIN = 0x81


def text_frame(message: str) -> bytes:
    """Los bytes de un frame de texto del servidor al cliente (sin máscara)."""
    payload = message.encode("utf-8")
    size = len(payload)
    # La longitud ocupa 1, 3 o 9 bytes según lo grande que sea el mensaje.
    if size < 126:
        header = bytes((_TEXT_FIN, size))
    elif size < 1 << 16:
        header = struct.pack("!BBH", _TEXT_FIN, 126, size)
    else:
        header = struct.pack("!BBQ", _TEXT_FIN, 127, size)
    return header + payload


def is_open(conn: Any) -> bool:
    """Lo mismo que comprueba ``write_message`` antes de escribir (API pública)."""
    protocol = conn.ws_connection
    return protocol is not None and not protocol.is_closing()


class FastWriter:
    """Las conexiones de una sala que van por el camino rápido, y sus frames en cola.

    Tiene los mismos métodos que SimpleWriter (common/fanout/simple.py). Lo que llega
    detrás del primer envío de una vuelta del loop espera al final de esa vuelta. Lo
    normal es que todos reciban lo mismo: esos frames se guardan UNA vez en ``_frames``
    y se juntan en un único ``bytes`` compartido por todos. Solo las conexiones que
    reciben algo distinto (las excluidas de un broadcast, las que reciben un ``send``
    propio o las que llegaron a mitad de vuelta) tienen su propia lista en ``_own``.
    """

    def __init__(self, max_pending_bytes: int, too_slow: Callable[[Any], None]) -> None:
        self.max_pending_bytes = max_pending_bytes
        self._too_slow = too_slow  # Cierra una conexión que no lee (lo decide el hub).
        self._streams: dict[Any, IOStream] = {}
        self._targets: dict[Any, RawTarget] = {}  # Ver raw_target().
        # Bytes que Tornado aún guarda para cada conexión porque su socket estaba lleno.
        self._pending: dict[Any, int] = {}
        self._frames: list[bytes] = []
        self._own: dict[Any, list[bytes]] = {}
        # True desde el primer envío de una vuelta del loop hasta el flush del final.
        self._batching = False

    def __contains__(self, conn: object) -> bool:
        return conn in self._streams

    def __len__(self) -> int:
        return len(self._streams)

    def add(self, conn: Any) -> bool:
        """Pasa ``conn`` al camino rápido si se puede; devuelve si se pudo."""
        stream = tornado_stream(conn)
        if stream is None:
            return False
        self._streams[conn] = stream
        self._targets[conn] = raw_target(conn, stream)
        self._pending[conn] = 0
        # Sin el algoritmo de Nagle: el kernel no retiene un frame pequeño esperando
        # el ACK del anterior (con el ACK retardado del cliente, hasta 40 ms). Ya
        # juntamos nosotros lo que se puede juntar, así que no nos hace falta.
        stream.set_nodelay(True)
        if self._frames:
            # Llega a mitad de vuelta: no debe recibir lo que se envió antes de entrar.
            self._own[conn] = []
        return True

    def discard(self, conn: Any) -> None:
        """Saca ``conn`` del camino rápido; lo que ya tenía en cola sale ahora."""
        if conn not in self._streams:
            return
        self.flush_one(conn)
        del self._streams[conn]
        del self._targets[conn]
        self._pending.pop(conn, None)
        self._own.pop(conn, None)

    def flush_one(self, conn: Any) -> None:
        """Escribe ya lo que ``conn`` tiene en cola, sin esperar al resto."""
        stream = self._streams.get(conn)
        own = self._own.get(conn)
        queued = self._frames if own is None else own
        if stream is None or not queued:
            return
        self._own[conn] = []  # Ya no le queda nada pendiente de esta vuelta.
        if is_open(conn):
            self._write(conn, stream, b"".join(queued))

    def broadcast(self, message: str, exclude: Any = None) -> None:
        """Envía el frame a todos (menos ``exclude``): se codifica una sola vez."""
        frame = text_frame(message)
        if not self._batching:
            # Lo primero de esta vuelta sale en el acto: aún no hay nada que juntar.
            self._start_batch()
            size = len(frame)
            # Una copia de la lista (alguien puede salir mientras enviamos), con
            # tuplas ya hechas: crear 1000 por mensaje despertaría al recolector de basura.
            for conn, stream, protocol, write_buffer, send in list(self._targets.values()):
                if conn is exclude:
                    continue
                if not raw_writable(protocol, write_buffer):
                    if not protocol.is_closing():
                        self._write(conn, stream, frame)  # Tornado tiene algo en cola.
                    continue
                try:
                    sent = send(frame)
                except BlockingIOError:  # Socket lleno: todo el frame, a la cola de Tornado.
                    sent = 0
                except OSError:
                    continue  # Socket ya cerrado: Tornado avisará y on_close lo dará de baja.
                if sent != size:
                    self._hand_over(conn, stream, memoryview(frame)[sent:])
            return
        # Lo que llega detrás, en la misma vuelta, espera junto al final de la vuelta.
        if exclude in self._streams and exclude not in self._own:
            self._own[exclude] = list(self._frames)  # Lo de antes sí; este, no.
        for conn, frames in self._own.items():
            if conn is not exclude:
                frames.append(frame)
        self._frames.append(frame)

    def send(self, conn: Any, message: str) -> None:
        """Envía un frame a una sola conexión, detrás de lo que ya tenga en cola."""
        frame = text_frame(message)
        if not self._batching:
            self._start_batch()
            if is_open(conn):
                self._write(conn, self._streams[conn], frame)
            return
        own = self._own.get(conn)
        if own is None:
            own = self._own[conn] = list(self._frames)
        own.append(frame)

    def _start_batch(self) -> None:
        """A partir de ahora y hasta el final de esta vuelta del loop, se agrupa."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # Sin loop (no pasa con conexiones reales): nada que agrupar.
            return
        self._batching = True
        # call_soon: en cuanto el loop acabe lo que tiene entre manos, sin temporizador.
        loop.call_soon(self.flush)

    def flush(self) -> None:
        """Escribe lo acumulado: un ``bytes`` y una escritura por conexión."""
        self._batching = False
        frames, own = self._frames, self._own
        if not frames and not own:
            return
        self._frames, self._own = [], {}
        shared, streams = b"".join(frames), self._streams
        for conn in list(streams):
            stream = streams.get(conn)
            data = b"".join(own[conn]) if conn in own else shared
            if data and stream is not None and is_open(conn):
                self._write(conn, stream, data)

    def _write(self, conn: Any, stream: IOStream, data: bytes) -> None:
        if not stream.writing():
            # Nada en cola: escribimos directamente en el socket, sin Future ni tarea.
            try:
                sent = stream.socket.send(data)
            except OSError:
                # Socket lleno (BlockingIOError) o cliente que se fue: se lo pasamos
                # todo a Tornado, que lo enviará o cerrará la conexión como siempre.
                sent = 0
            if sent != len(data):
                self._hand_over(conn, stream, memoryview(data)[sent:])
            return
        # Tornado aún guarda bytes de antes: los nuevos van detrás, para no
        # desordenar nada, y cuentan para el límite de cliente lento.
        if self._pending[conn] + len(data) > self.max_pending_bytes:
            self._own[conn] = []  # Lo que tuviera en cola ya no se le envía.
            self._too_slow(conn)
            return
        self._hand_over(conn, stream, memoryview(data))

    def _hand_over(self, conn: Any, stream: IOStream, rest: memoryview) -> None:
        """Lo que el socket no aceptó se lo damos a Tornado, que lo enviará cuando pueda."""
        size = len(rest)
        self._pending[conn] += size

        def written(future: asyncio.Future[None]) -> None:
            if conn in self._pending:
                self._pending[conn] -= size

        stream.write(rest).add_done_callback(written)
