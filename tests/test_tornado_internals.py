"""Lo que usamos de Tornado que no es API pública (common/tornado_internals.py), vigilado.

Si una versión nueva de Tornado cambia alguno de estos detalles, el chat sigue
funcionando (el hub vuelve al camino simple, los cierres salen en inglés), pero
estas pruebas fallan y dicen qué revisar.
"""

from __future__ import annotations

import inspect
import socket
import ssl

import pytest
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream
from tornado.options import OptionParser
from tornado.tcpclient import TCPClient
from tornado.testing import bind_unused_port
from tornado.websocket import WebSocketHandler, WebSocketProtocol13, _WebSocketParams

from common.tornado_internals import (
    option_definitions,
    peer_port,
    raw_target,
    raw_writable,
    tornado_stream,
)
from tests import test_hub_fast
from tests.test_hub_fast import handlers_on_fast_path

# El servidor de prueba del camino rápido y sus fixtures, los mismos de test_hub_fast.py.
app, hubs, opened, left = (
    test_hub_fast.app,
    test_hub_fast.hubs,
    test_hub_fast.opened,
    test_hub_fast.left,
)


@pytest.mark.gen_test
async def test_tornado_still_exposes_what_the_fast_path_needs(connect, ws_base, opened) -> None:
    await connect(f"{ws_base}/fast")
    handler = opened[0]
    assert tornado_stream(handler) is not None, (
        "tornado_stream() ya no encuentra el IOStream de un WebSocketHandler: la versión de "
        "Tornado ha cambiado algo que common/tornado_internals.py usa, y el hub ha vuelto "
        "en silencio al camino simple. Revisa tornado_stream() contra tornado/websocket.py."
    )
    assert handler in handlers_on_fast_path(handler.hub)


@pytest.mark.gen_test
async def test_a_connection_already_closed_when_it_opens_takes_the_plain_path(
    connect, ws_base, opened
) -> None:
    await connect(f"{ws_base}/plain")
    handler = opened[0]
    handler.ws_connection.stream.close()  # El cliente se fue durante el handshake.
    assert tornado_stream(handler) is None


@pytest.mark.gen_test
async def test_raw_writable_says_the_same_as_tornados_public_checks(
    connect, ws_base, opened
) -> None:
    await connect(f"{ws_base}/plain")  # Camino simple: el hub no toca este stream.
    handler = opened[0]
    protocol, stream = handler.ws_connection, handler.ws_connection.stream
    # Lo que el broadcast prepara al dar de alta la conexión, antes de todo lo demás.
    _, _, _, write_buffer, _ = raw_target(handler, stream)

    def public() -> bool:
        return not protocol.is_closing() and not stream.writing()

    states = []
    for step in ("abierta", "con datos en cola", "cerrándose", "cerrada"):
        if step == "con datos en cola":
            stream.write(b"\x82\x7f" + (8 << 20).to_bytes(8, "big") + b"x" * (8 << 20))
        elif step == "cerrándose":
            handler.close()
        elif step == "cerrada":
            stream.close()
        assert raw_writable(protocol, write_buffer) == public(), (
            f"raw_writable() ya no coincide con is_closing()/writing() con la conexión {step}: "
            "revisa los atributos internos de IOStream que usa common/tornado_internals.py."
        )
        states.append(public())
    assert states == [True, False, False, False]


class CustomCloseProtocol(WebSocketProtocol13):
    """Como _LocalizedProtocol: cambia el cierre, no cómo se escriben los frames."""

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        super().close(code, reason)


class CustomFrameProtocol(WebSocketProtocol13):
    """Escribe los frames a su manera: el hub debe respetarlo."""

    def write_message(self, message, binary=False):  # type: ignore[no-untyped-def]
        return super().write_message(message, binary)


def test_tornado_still_uses_the_close_texts_we_translate() -> None:
    # common/tornado_internals.py traduce estos textos internos de Tornado. Si una versión
    # nueva los cambia, esta prueba avisa antes de que los cierres salgan en inglés.
    source = inspect.getsource(WebSocketProtocol13)
    assert 'self.close(1009, "message too big")' in source
    assert 'self.close(reason="ping timed out")' in source
    # Y el cierre por ping sin respuesta sigue pudiendo cortar ya la conexión (_abort).
    assert list(inspect.signature(WebSocketProtocol13._abort).parameters) == ["self"], (
        "WebSocketProtocol13._abort() ha cambiado: revisa _LocalizedProtocol en "
        "common/tornado_internals.py contra tornado/websocket.py."
    )


def test_tornado_still_keeps_each_option_definition_where_the_spanish_help_reads_it() -> None:
    # La ayuda y los errores en español (common/startup/options.py) leen el tipo, la ayuda,
    # el valor por defecto y el metavar de cada opción, y la leen con parse() y value().
    options = OptionParser()
    options.define("max_connections", default=5, type=int, metavar="N", help="cuántas")
    explanation = (
        "El diccionario interno de OptionParser (_options) ha cambiado: revisa "
        "option_definitions() en common/tornado_internals.py contra tornado/options.py."
    )
    definitions = option_definitions(options)
    assert set(definitions) == {"help", "max-connections"}, explanation
    option = definitions["max-connections"]
    assert (option.type, option.default, option.help, option.metavar) == (int, 5, "cuántas", "N")
    assert option.multiple is False, explanation
    option.parse("7")
    assert option.value() == 7 == options.max_connections, explanation


class _PeerPort(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write(str(peer_port(self.request)))


@pytest.mark.gen_test
async def test_peer_port_is_the_port_the_client_connected_from() -> None:
    # La identidad del Stack 2 («IP:puerto») lleva este puerto: debe ser el del cliente.
    listener, port = bind_unused_port()  # En 127.0.0.1.
    server = HTTPServer(tornado.web.Application([(r"/", _PeerPort)]))
    server.add_sockets([listener])
    stream = await TCPClient().connect("127.0.0.1", port)
    own_port = stream.socket.getsockname()[1]
    try:
        await stream.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        reply = await stream.read_until_close()
    finally:
        stream.close()
        server.stop()
        await server.close_all_connections()
    assert reply.endswith(str(own_port).encode()), (
        "peer_port() ya no da el puerto del cliente: la versión de Tornado ha cambiado "
        "request.connection.context.address; revisa common/tornado_internals.py. "
        f"Respuesta: {reply[-200:]!r}"
    )


def test_tornado_still_echoes_close_frames_where_the_strict_protocol_steps_in() -> None:
    # _StrictCloseProtocol (common/tornado_internals.py) se adelanta a _handle_message con
    # los frames de cierre (opcode 0x8): vacía la cola del hub de su handler y hace lo
    # mismo que Tornado salvo el código que devuelve. Si Tornado renombra el método, cambia
    # sus argumentos o ya no devuelve el código tal cual (quizá porque ya contesta 1002 él
    # solo), hay que revisar esa clase.
    method = WebSocketProtocol13._handle_message
    explanation = (
        "WebSocketProtocol13._handle_message ha cambiado: revisa _StrictCloseProtocol en "
        "common/tornado_internals.py contra tornado/websocket.py (y, si Tornado ya contesta "
        "1002 a un código de cierre inválido, bórrala)."
    )
    assert list(inspect.signature(method).parameters) == ["self", "opcode", "data"], explanation
    source = inspect.getsource(method)
    for line in (
        "if self.client_terminated:",
        "elif opcode == 0x8:",
        "self.client_terminated = True",
        'self.close_code = struct.unpack(">H", data[:2])[0]',
        "self.close(self.close_code)",
    ):
        assert line in source, f"{explanation} Falta: {line}"
    # Y el protocolo sigue sabiendo de qué handler es (para vaciar su cola del hub).
    handler = object()
    protocol = WebSocketProtocol13(handler, False, _WebSocketParams())  # type: ignore[arg-type]
    assert protocol.handler is handler, explanation


@pytest.mark.parametrize(
    ("protocol_class", "fast"), [(CustomCloseProtocol, True), (CustomFrameProtocol, False)]
)
def test_protocol_subclasses_keep_the_fast_path_only_if_they_write_frames_as_tornado(
    protocol_class, fast
) -> None:
    class Handler(WebSocketHandler):
        def __init__(self) -> None:  # Sin petición HTTP: solo nos interesa el protocolo.
            stream = IOStream(socket.socket())
            self.ws_connection = protocol_class(self, False, _WebSocketParams())
            self.ws_connection.stream = stream

    handler = Handler()
    try:
        assert (tornado_stream(handler) is not None) == fast
    finally:
        handler.ws_connection.stream.close()


class _Doorman:
    """Lo único que un stream del portero necesita de él: que le avisen al cerrarse."""

    def release(self, ip: str) -> None:
        pass


@pytest.mark.parametrize(("kind", "fast"), [("portero", True), ("tls", False)])
def test_the_doormans_streams_keep_the_fast_path_and_tls_ones_do_not(kind, fast) -> None:
    # Un server.py de verdad acepta con el portero (common/defences/doorman.py), que crea sus
    # propios IOStream: si el camino rápido los rechazara, ningún cliente lo usaría.
    from common.defences.doorman import _CountedSSLStream, _CountedStream

    class Handler(WebSocketHandler):
        def __init__(self) -> None:
            if kind == "portero":
                stream = _CountedStream(socket.socket(), _Doorman(), "127.0.0.1")
            else:
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                raw = context.wrap_socket(
                    socket.socket(), server_side=True, do_handshake_on_connect=False
                )
                stream = _CountedSSLStream(raw, _Doorman(), "127.0.0.1")
            self.ws_connection = WebSocketProtocol13(self, False, _WebSocketParams())
            self.ws_connection.stream = stream

    handler = Handler()
    try:
        assert (tornado_stream(handler) is not None) == fast, (
            "El camino rápido debe aceptar los streams del portero y rechazar los cifrados"
        )
    finally:
        handler.ws_connection.stream.close()
