"""Un cliente WebSocket escrito a mano, para atacar al servidor como no lo haría un navegador.

Envía frames arbitrarios (opcodes raros, sin máscara, troceados, enormes), puede no
leer nunca lo que recibe o cortar el socket de golpe. Solo se conecta a loopback.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
import struct

OPCODE_TEXT = 0x1
OPCODE_BINARY = 0x2
OPCODE_CLOSE = 0x8
OPCODE_PING = 0x9
OPCODE_PONG = 0xA


def encode_frame(opcode: int, payload: bytes, *, fin: bool = True, mask: bool = True) -> bytes:
    """Un frame tal como lo define el RFC 6455 (los clientes deben enmascarar)."""
    header = bytes([(0x80 if fin else 0) | opcode])
    mask_bit = 0x80 if mask else 0
    length = len(payload)
    if length < 126:
        header += bytes([mask_bit | length])
    elif length <= 0xFFFF:
        header += bytes([mask_bit | 126]) + struct.pack("!H", length)
    else:
        header += bytes([mask_bit | 127]) + struct.pack("!Q", length)
    if not mask:
        return header + payload
    key = os.urandom(4)
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return header + key + masked


class RawClient:
    """Una conexión WebSocket sobre un socket TCP, sin ninguna ayuda de librerías."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int, path: str = "/") -> RawClient:
        """Conecta y completa el handshake; lo que llegue después se lee con read_frame()."""
        return await (await SleepingClient.connect(port, path)).wake()

    def send(self, opcode: int, payload: bytes, *, fin: bool = True, mask: bool = True) -> None:
        self.writer.write(encode_frame(opcode, payload, fin=fin, mask=mask))

    def send_raw(self, data: bytes) -> None:
        self.writer.write(data)

    async def read_frame(self, timeout: float = 5) -> tuple[int, bytes]:
        """El siguiente frame del servidor: (opcode, datos). Lanza EOFError si cerró."""

        async def read() -> tuple[int, bytes]:
            first, second = await self.reader.readexactly(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
            return first & 0x0F, await self.reader.readexactly(length)

        try:
            return await asyncio.wait_for(read(), timeout)
        except asyncio.IncompleteReadError:
            raise EOFError("El servidor cerró el socket") from None

    async def read_close(self, timeout: float = 5) -> tuple[int, str]:
        """Lee frames hasta el de cierre y devuelve (código, motivo)."""
        while True:
            opcode, payload = await self.read_frame(timeout)
            if opcode == OPCODE_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                return code, payload[2:].decode()

    def abort(self) -> None:
        """Corta la conexión de golpe (RST), como un portátil que se queda sin batería."""
        sock = self.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    async def close(self) -> None:
        self.writer.close()
        # Si al otro lado ya lo habían cerrado, mejor: es lo que buscábamos.
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


class SleepingClient:
    """Completa el handshake y después no lee nada: ni un byte, nunca.

    Es un portátil con la pestaña abierta y la tapa cerrada. Su buffer de
    recepción es mínimo, para que el servidor note enseguida que no lee.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    @classmethod
    async def connect(cls, port: int, path: str = "/") -> SleepingClient:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        )
        await loop.sock_sendall(sock, request.encode())
        response = b""
        while not response.endswith(b"\r\n\r\n"):
            # Byte a byte: no queremos leer ni uno de los frames que vengan detrás.
            byte = await asyncio.wait_for(loop.sock_recv(sock, 1), 5)
            if not byte:
                break
            response += byte
        assert response.startswith(b"HTTP/1.1 101"), f"El handshake falló: {response!r}"
        return cls(sock)

    async def wake(self) -> RawClient:
        """Se despierta: a partir de ahora lee como un cliente normal."""
        reader, writer = await asyncio.open_connection(sock=self.sock, limit=2**24)
        return RawClient(reader, writer)
