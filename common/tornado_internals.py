"""Lo que usamos de Tornado que no es API pública, todo en un solo sitio.

El camino rápido del hub (common/fanout/fast.py) escribe frames ya hechos en el
socket, y los cierres en español y la respuesta a un código de cierre inválido
cambian detalles del protocolo WebSocket de Tornado. La ayuda de ``--help`` en español
lee cómo se definió cada opción, y la identidad del Stack 2 lleva el puerto del cliente.
Para eso hacen falta atributos internos que Tornado no promete mantener.
Viven aquí, y solo aquí, para que se vean de un vistazo: tests/test_tornado_internals.py
comprueba cada uno y falla, con una explicación, si una versión nueva de Tornado
los cambia. El resto del proyecto los usa a través de estas funciones.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from tornado.httputil import HTTPServerRequest
from tornado.iostream import IOStream
from tornado.options import OptionParser
from tornado.websocket import WebSocketHandler, WebSocketProtocol13

from common.defences.limits import PING_TIMEOUT_REASON, TOO_BIG_REASON


def tornado_stream(conn: object) -> IOStream | None:
    """El IOStream de un WebSocket de Tornado en el que podemos escribir frames ya hechos.

    Devuelve None (y el hub usa el camino simple) si ``conn`` no es un
    WebSocketHandler de Tornado, si la conexión negoció compresión (cada frame
    saldría distinto por cliente), si va cifrada (TLS necesita su propio flujo) o si ya
    se cerró.

    Usa ``handler.ws_connection``, la clase ``WebSocketProtocol13`` y sus atributos
    ``stream``, ``mask_outgoing``, ``_compressor`` y ``_write_frame``. Si una versión
    nueva de Tornado los cambia, devuelve None (el chat sigue funcionando, más
    despacio) y tests/test_tornado_internals.py falla para avisar.
    """
    if not isinstance(conn, WebSocketHandler):
        return None
    protocol = conn.ws_connection
    if not isinstance(protocol, WebSocketProtocol13):
        return None
    # Una subclase puede cambiar el cierre (como _LocalizedProtocol, abajo), pero no la
    # forma de escribir frames: si la cambia, respetamos su camino.
    if any(
        getattr(type(protocol), name, None) is not getattr(WebSocketProtocol13, name, None)
        for name in ("write_message", "_write_frame")
    ):
        return None
    # Si falta el atributo, suponemos lo prudente: que hay compresión.
    if protocol.mask_outgoing or getattr(protocol, "_compressor", True) is not None:
        return None
    stream = getattr(protocol, "stream", None)
    if not isinstance(stream, IOStream) or stream.closed():
        return None  # Ya cerrada: el camino simple sabe qué hacer.
    # Un stream que escribe a su manera (SSLIOStream, que cifra) necesita su camino; uno
    # que solo añade algo al cerrarse (el del portero, common/defences/doorman.py) sirve igual.
    if any(
        getattr(type(stream), name, None) is not getattr(IOStream, name, None)
        for name in ("write", "write_to_fd", "_handle_write")
    ):
        return None
    return stream


# Lo que el bucle del broadcast guarda de cada conexión, preparado al darla de alta.
RawTarget = tuple[Any, IOStream, WebSocketProtocol13, Any, Callable[[bytes], int]]


def raw_target(conn: Any, stream: IOStream) -> RawTarget:
    """``(conn, stream, protocolo, búfer de escritura, socket.send)`` de una conexión.

    El bucle del broadcast repite su trabajo una vez por cliente y mensaje, y entre
    un ``send()`` y el siguiente el kernel ha vaciado las cachés de la CPU: cada
    objeto que tocamos cuesta. Por eso se prepara aquí, una sola vez, lo justo para
    decidir y escribir. ``_write_buffer`` es interno de IOStream (el mismo objeto
    hasta que el stream se cierra); tests/test_tornado_internals.py vigila
    que siga así.
    """
    protocol = conn.ws_connection
    return (conn, stream, protocol, stream._write_buffer, stream.socket.send)


def raw_writable(protocol: Any, write_buffer: Any) -> bool:
    """True si podemos escribir ya en el socket: no hemos enviado ni recibido el
    cierre, y Tornado no guarda nada pendiente de enviar en esa conexión.

    Es ``not protocol.is_closing() and not stream.writing()`` sin llamar a ningún
    método, salvo por una cosa: un socket que ya se cerró (y del que Tornado aún no
    ha avisado) da True. Escribir en él falla con OSError, y el bucle lo salta.
    tests/test_tornado_internals.py la compara con la API pública.
    """
    return not (protocol.client_terminated or protocol.server_terminated or write_buffer._size)


def valid_close_code(code: int) -> bool:
    """True si un cliente puede enviar ``code`` en su frame de cierre (RFC 6455, 7.4).

    1004, 1005 y 1006 están reservados y nunca viajan en un frame (1005 y 1006 los
    usa quien cierra para decir «sin código» o «se cortó»), 1015 es el fallo de TLS,
    1016-2999 aún no tienen dueño y 3000-4999 son de las librerías y las aplicaciones.
    """
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


class _StrictCloseProtocol(WebSocketProtocol13):
    """El protocolo WebSocket de Tornado, con dos arreglos al cierre que pide el cliente.

    * Tornado devuelve el código que le llega, sea cual sea (``_handle_message``, opcode
      0x8). El RFC pide cerrar con 1002 («error de protocolo»): es lo que comprueban los
      casos 7.9.x de Autobahn, la batería de pruebas de WebSocket que nadie de aquí escribió.
    * Antes de devolver el cierre, sale lo que el hub aún tenga en cola para esta
      conexión: el camino rápido junta frames hasta el final de la vuelta del loop, y el
      cierre de Tornado se escribe en el acto (HubSocket.close() hace lo mismo).
    """

    def _handle_message(self, opcode: int, data: bytes) -> Any:
        if opcode != 0x8 or self.client_terminated:
            return super()._handle_message(opcode, data)
        hub = getattr(self.handler, "hub", None)  # Los handlers de los dos stacks lo tienen.
        if hub is not None:
            hub.flush(self.handler)
        code = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else None
        if code is not None and not valid_close_code(code):
            # Lo mismo que hace Tornado con un cierre válido, salvo el código que devuelve.
            self.client_terminated = True
            self.close_code = code
            self.close(1002, "Código de cierre no válido")
            return None
        return super()._handle_message(opcode, data)


def strict_close_protocol(handler: WebSocketHandler) -> WebSocketProtocol13 | None:
    """Sustituto de ``WebSocketHandler.get_websocket_protocol``: cierres inválidos, 1002.

    Se apoya en ``WebSocketProtocol13._handle_message`` y en sus atributos ``handler``,
    ``client_terminated`` y ``close_code``, que tests/test_tornado_internals.py vigila.
    """
    protocol = WebSocketHandler.get_websocket_protocol(handler)
    if protocol is None:
        return None
    return _StrictCloseProtocol(handler, False, protocol.params)


class _LocalizedProtocol(_StrictCloseProtocol):
    """El protocolo WebSocket de Tornado, con motivos de cierre en español (y estricto)."""

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        if code == 1009:  # Tornado: "message too big"
            reason = TOO_BIG_REASON
        elif reason == "ping timed out":
            # El cliente no contesta: no esperamos 5 s una respuesta al cierre
            # que nunca llegará. Cerramos ya, y on_close avisa a los demás.
            super().close(1001, PING_TIMEOUT_REASON)
            self._abort()
            return
        super().close(code, reason)


def localized_protocol(handler: WebSocketHandler) -> WebSocketProtocol13 | None:
    """Sustituto de ``WebSocketHandler.get_websocket_protocol`` con cierres en español.

    Se apoya en la clase WebSocketProtocol13, en su ``_abort()`` y en los textos
    en inglés de sus cierres, que tests/test_tornado_internals.py vigila. Como
    ``strict_close_protocol``, contesta 1002 a un código de cierre inválido.
    """
    protocol = WebSocketHandler.get_websocket_protocol(handler)
    if protocol is None:
        return None
    return _LocalizedProtocol(handler, False, protocol.params)


def peer_port(request: HTTPServerRequest) -> int:
    """El puerto de origen del cliente: el que eligió su sistema para esta conexión TCP.

    ``request.remote_ip`` es público; el puerto, no: está en ``request.connection.context``,
    un objeto interno de HTTPServer (``_HTTPRequestContext``) cuyo ``address`` es lo que
    devolvió ``accept()``. tests/test_tornado_internals.py lo compara con el puerto del
    socket del cliente.
    """
    return int(request.connection.context.address[1])  # type: ignore[union-attr]


def option_definitions(options: OptionParser) -> dict[str, Any]:
    """Cada opción definida en ``options``, por su nombre con guiones (``max-connections``).

    Los valores son los ``_Option`` de Tornado, con su ``type``, ``default``, ``help``,
    ``metavar``, ``parse()`` y ``value()``. Tornado no los enseña de otra forma: su
    propio ``print_help()`` lee igual el diccionario interno ``_options``, y
    tests/test_tornado_internals.py vigila que siga así.
    """
    return dict(options._options)  # type: ignore[attr-defined]
