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
