"""El relé en Redis: «está escribiendo…» y privados entre procesos, por pub/sub.

Aquí sí vale un canal pub/sub de Redis, que es *at-most-once*: lo que se publica
mientras un proceso no escucha (Redis caído, un instante de red) se pierde. Para
los mensajes del chat eso no sirve (van por un stream: common/processes/log.py); para
un aviso que caduca en tres segundos o un privado, que no se guardan en ningún
sitio (lección 11), es lo justo. Compáralo con el log en la lección 12.

Un solo canal, ``chat:relay``, para todos los procesos: cada uno entrega lo que
le toca (a su gente de esa sala, o al destinatario si lo atiende él) y se salta
lo que publicó él mismo.
"""

from __future__ import annotations

import asyncio
import json

from redis.exceptions import RedisError

from common.live.relay import Relay, Relayed
from common.processes.link import RedisLink

CHANNEL = "chat:relay"
LISTEN_TIMEOUT = 1.0  # Segundos que espera cada lectura del canal antes de mirar otra vez.


class RedisRelay(Relay):
    """Publica y escucha en ``chat:relay``; una sola tarea publica, en orden."""

    def __init__(self, link: RedisLink) -> None:
        super().__init__()
        self.link = link
        self._outbox: list[str] = []
        self._wake: asyncio.Event | None = None  # Se crea dentro del loop (Python 3.9).
        self._tasks: list[asyncio.Task] = []

    def publish(self, room: str, frame: str, to: str | None = None) -> bool:
        if not self.link.available:
            return False  # No se guarda para luego: lo que no se guarda, caduca.
        # Con el nombre de este proceso: al volver por el canal, se lo salta.
        self._outbox.append(json.dumps([self.link.name, room, to or "", frame]))
        if self._wake is not None:
            self._wake.set()
        return True

    async def start(self) -> None:
        await self.link.connect()
        self._wake = asyncio.Event()
        self._tasks = [
            asyncio.ensure_future(self._listen_forever()),
            asyncio.ensure_future(self._publish_forever()),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()

    async def _publish_forever(self) -> None:
        # Una sola tarea y un pipeline por tanda: los privados de una persona llegan en
        # el orden en que los escribió, y mil avisos seguidos son un solo viaje a Redis.
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._outbox = self._outbox, []
            if not batch or not self.link.available:
                continue
            try:
                async with self.link.redis.pipeline(transaction=False) as pipe:
                    for payload in batch:
                        pipe.publish(CHANNEL, payload)
                    await pipe.execute()
            except (RedisError, OSError) as error:
                self.link.lost(error)

    async def _listen_forever(self) -> None:
        while True:
            # Su propia conexión: quien se suscribe ya no puede enviar otras órdenes.
            client = self.link.client(None)  # Sin plazo: esperar en silencio es lo normal.
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CHANNEL)
                # Si otra parte del chat nota que Redis cayó, esta conexión puede parecer
                # viva sin estarlo: se deja y, al volver Redis, se suscribe con una nueva.
                while self.link.available:
                    message = await pubsub.get_message(timeout=LISTEN_TIMEOUT)
                    if message is not None:
                        self._arrived(message["data"])
            except (RedisError, OSError) as error:
                self.link.lost(error)
            finally:
                await pubsub.aclose()
                await client.aclose()
            await self.link.wait_available()

    def _arrived(self, data: str) -> None:
        proc, room, to, frame = json.loads(data)
        if proc == self.link.name:
            return
        relayed = Relayed(room, frame, to or None)
        for listener in self._listeners:
            listener(relayed)
