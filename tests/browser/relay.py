"""Un relé TCP en loopback para cortar la red de una página de verdad.

La página se carga a través del relé (``relay.http_url``); como su WebSocket sale
de ``location.host``, también pasa por él. ``go_offline()`` cierra cada conexión
y deja de aceptar otras (el navegador ve «conexión rechazada»), y ``go_online()``
vuelve a aceptar en el mismo puerto, como una Wi-Fi que parpadea.

Hace falta porque ``set_offline()`` de Playwright no cierra un WebSocket ya
abierto en Chromium (microsoft/playwright#4910): la página ni se enteraría.
"""

from __future__ import annotations

import asyncio
import contextlib


class Relay:
    """Reenvía los bytes de 127.0.0.1:``port`` a 127.0.0.1:``target_port``, tal cual."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0  # Lo elige el sistema en el primer go_online() y se conserva.
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def go_online(self) -> None:
        """Acepta conexiones (la primera vez, en un puerto libre; después, en el mismo)."""
        assert self._server is None, "El relé ya estaba aceptando conexiones"
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def go_offline(self) -> None:
        """Deja de aceptar conexiones y corta las que hay, en los dos sentidos."""
        if self._server is not None:
            server, self._server = self._server, None
            server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        # Se espera a que cada reenvío termine de verdad: nada queda a medias.
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._writers.clear()

    async def close(self) -> None:
        await self.go_offline()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()  # El servidor no está: para el navegador, conexión cortada.
            return
        pair = (writer, up_writer)
        self._writers.update(pair)
        for source, target in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.ensure_future(self._pipe(source, target, pair))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    ) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break  # Un lado cerró: se cierra también el otro.
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            for side in pair:
                with contextlib.suppress(Exception):
                    side.close()
                self._writers.discard(side)
