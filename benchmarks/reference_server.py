"""Servidor de referencia para benchmarks/fanout.py: el protocolo del Stack 2 con la
librería websockets y su ``websockets.broadcast()``, que codifica cada mensaje una vez.

    python benchmarks/reference_server.py --port=0

No es parte del chat: solo sirve para comparar, en la misma máquina y en la misma
ejecución, nuestro hub con una librería WebSocket muy optimizada. Escucha solo en
127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections import deque

from websockets.asyncio.server import ServerConnection, broadcast, serve

from stack2_http import protocol


async def main(port: int) -> None:
    # Igual que el hub: por orden de llegada, con el nombre «IP:puerto» de cada uno.
    clients: dict[ServerConnection, str] = {}
    # Los números y el historial en memoria, como MemoryLog (--db=:memory:).
    epoch, history = "referencia", deque(maxlen=1000)

    async def chat(conn: ServerConnection) -> None:
        host, client_port = conn.remote_address[:2]
        me = f"{host}:{client_port}"
        clients[conn] = me
        online, latest = list(clients.values()), len(history) and history[-1][0]
        recent = [frame for _, frame in list(history)[-50:]]
        await conn.send(protocol.welcome(me, "general", online, epoch, latest, recent))
        broadcast([c for c in clients if c is not conn], protocol.join(me, len(clients)))
        try:
            async for raw in conn:
                try:
                    event = protocol.parse_message(protocol.decode(raw))
                except protocol.ProtocolError as problem:
                    await conn.send(protocol.error(problem))
                    continue
                seq = (history[-1][0] if history else 0) + 1
                frame = protocol.message(seq, epoch, "general", me, event.text, event.cid)
                history.append((seq, frame))
                if event.cid is not None:
                    await conn.send(protocol.ack(event.cid, seq))
                broadcast(clients, frame)
        finally:
            del clients[conn]
            broadcast(clients, protocol.leave(me, len(clients)))

    # Sin pings ni compresión, como los servidores Tornado en el benchmark.
    async with serve(
        chat, "127.0.0.1", port, ping_interval=None, compression=None, max_size=16 * 1024
    ) as server:
        real_port = server.sockets[0].getsockname()[1]
        print(
            f"Referencia · websockets.broadcast\n\n  En este equipo: ws://127.0.0.1:{real_port}/ws"
        )
        print(flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001, help="puerto TCP (0 = uno libre)")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args().port))
