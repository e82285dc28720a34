"""Ayudas para leer de clientes WebSocket con esperas acotadas y fallos claros."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from tornado.websocket import WebSocketClientConnection

# Ninguna prueba espera más que esto a un mensaje: si no llega, falla con un motivo claro.
RECEIVE_TIMEOUT = 3.0


async def receive(conn: WebSocketClientConnection) -> str:
    """El siguiente mensaje de texto, o un fallo claro si no llega o se cierra."""
    try:
        message = await asyncio.wait_for(conn.read_message(), RECEIVE_TIMEOUT)
    except asyncio.TimeoutError:
        raise AssertionError(f"No llegó ningún mensaje en {RECEIVE_TIMEOUT} s") from None
    if message is None:
        raise AssertionError(f"El servidor cerró la conexión (código {conn.close_code})")
    assert isinstance(message, str), f"Se esperaba texto y llegó {message!r}"
    return message


async def receive_event(conn: WebSocketClientConnection, type_: str | None = None) -> dict:
    """El siguiente evento JSON; si se indica ``type_``, comprueba que sea de ese tipo."""
    event = json.loads(await receive(conn))
    if type_ is not None:
        assert event["type"] == type_, f"Se esperaba un evento {type_!r} y llegó {event}"
    return event


async def next_of(
    conn: WebSocketClientConnection, type_: str, skip: tuple[str, ...] = ("join", "leave")
) -> dict:
    """El siguiente evento de un tipo, saltando los de ``skip`` (los avisos de entrada y
    salida, por defecto); cualquier otro evento antes que él hace fallar la prueba."""
    while True:
        event = await receive_event(conn)
        if event["type"] == type_:
            return event
        assert event["type"] in skip, f"Se esperaba {type_!r} y llegó {event}"


async def enter(
    connect: Any, base: str, path: str = "/ws"
) -> tuple[WebSocketClientConnection, dict]:
    """Conecta un cliente del Stack 2 a ``base + path`` y devuelve también su «welcome»."""
    conn = await connect(base + path)
    return conn, await receive_event(conn, "welcome")


async def wait_closed(conn: WebSocketClientConnection) -> tuple[int | None, str | None]:
    """Lee hasta que el servidor cierra y devuelve (código, motivo)."""

    async def drain() -> None:
        while await conn.read_message() is not None:
            pass

    try:
        await asyncio.wait_for(drain(), RECEIVE_TIMEOUT)
    except asyncio.TimeoutError:
        raise AssertionError("El servidor no cerró la conexión") from None
    return conn.close_code, conn.close_reason


def assert_no_tracebacks(records: list[logging.LogRecord]) -> None:
    """El mal comportamiento de un cliente nunca debe acabar en un error del servidor."""
    bad = [r for r in records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, "El servidor registró errores:\n" + "\n".join(r.getMessage() for r in bad)


class Answer:
    """Quien envía un mensaje al log en una prueba, como ``ChatSocket``: espera su respuesta.

    El log contesta con ``on_stored`` (el seq) o con ``on_not_stored`` (el error); ``get()``
    devuelve lo que llegue, o falla con un motivo claro si no llega nada.
    """

    def __init__(self) -> None:
        self.future: asyncio.Future[int | Exception] = asyncio.get_running_loop().create_future()

    def on_stored(self, cid: str | None, seq: int) -> None:
        self.future.set_result(seq)

    def on_not_stored(self, cid: str | None, error: Exception) -> None:
        self.future.set_result(error)

    async def get(self, timeout: float = RECEIVE_TIMEOUT) -> int | Exception:
        try:
            return await asyncio.wait_for(asyncio.shield(self.future), timeout)
        except asyncio.TimeoutError:
            problem = f"El log no contestó al mensaje en {timeout} s"
            raise AssertionError(problem) from None

    async def seq(self, timeout: float = RECEIVE_TIMEOUT) -> int:
        """El seq con el que se guardó; si el log contestó con un error, la prueba falla."""
        answer = await self.get(timeout)
        assert isinstance(answer, int), f"El log no guardó el mensaje: {answer!r}"
        return answer
