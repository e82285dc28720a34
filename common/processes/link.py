"""La conexión con Redis que comparten el log y la presencia: caer, avisar y volver.

Con ``--redis`` varios procesos del chat comparten un mismo Redis. Si Redis se para
(un reinicio, la red), el servidor no se cae ni cierra las conexiones de nadie:

* registra **un** aviso en español (no uno por mensaje),
* contesta a cada envío con un error ``unavailable`` (la página lo reintenta),
* prueba a reconectar con esperas cada vez más largas y un poco al azar
  (*jitter*: así cien procesos no llaman a Redis todos en el mismo milisegundo),
* y avisa a quien quiera saberlo (los clientes reciben un evento ``status``).

redis-py reintenta por su cuenta algunos errores; aquí se lo quitamos
(``Retry(NoBackoff(), 0)``): preferimos enterarnos al momento y decidir nosotros.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger("chat.redis")

# Lo que dura como mucho una orden normal a Redis (no las que esperan a propósito).
COMMAND_TIMEOUT = 2.0
# Esperas entre intentos de reconexión: empieza corta y se dobla hasta el tope.
BACKOFF_FIRST = 0.1
BACKOFF_MAX = 3.0

# Quien quiera saber si Redis funciona: listener(degradado, texto para el cliente).
StatusListener = Callable[[bool, str], None]
# Lo que hay que hacer justo al volver Redis, antes de darlo por disponible.
Restore = Callable[[], Awaitable[None]]

DEGRADED_TEXT = "Se perdió la conexión con Redis: tus mensajes esperan y se reintentan."
RESTORED_TEXT = "Conexión con Redis recuperada."


# Los scripts Lua viven junto a este archivo, cada uno con su explicación.
HERE = Path(__file__).resolve().parent


def lua(*names: str) -> str:
    """El texto de los scripts Lua ``names`` de esta carpeta, uno detrás de otro."""
    return "".join((HERE / name).read_text(encoding="utf-8") for name in names)


class RedisUnavailable(Exception):
    """Redis no contesta: el mensaje no se guardó (y el cliente lo reintentará)."""


class RedisLink:
    """Un cliente de Redis con estado: disponible o no, y la vuelta cuando cae."""

    def __init__(self, url: str) -> None:
        self.url = url
        # El nombre de este proceso en Redis, el mismo para el log, la presencia y el relé:
        # así cada uno reconoce lo que escribió este proceso. Se elige en connect(),
        # después de fork() (--processes): si los hijos heredaran el del padre, cada uno
        # tomaría por suyo lo que escriben los demás.
        self.name = ""
        self.available = False
        self._listeners: list[StatusListener] = []
        self._restores: list[Restore] = []
        self._reconnecting: asyncio.Task | None = None
        self._back: asyncio.Event | None = None  # Se crea dentro del loop (Python 3.9).
        self._closed = False
        # Las tareas en marcha: asyncio solo guarda una referencia débil a cada una.
        self._tasks: set[asyncio.Task] = set()
        # Los clientes se crean dentro del loop (en connect()) y después de fork():
        # así cada proceso tiene sus propias conexiones, y Python 3.9 no los ata a otro loop.
        self.redis: aioredis.Redis = None  # type: ignore[assignment]

    def client(self, timeout: float | None) -> aioredis.Redis:
        """Un cliente nuevo con su propio grupo de conexiones y el plazo ``timeout``."""
        return aioredis.from_url(
            self.url,
            decode_responses=True,
            socket_timeout=timeout,
            socket_connect_timeout=COMMAND_TIMEOUT,
            retry=Retry(NoBackoff(), 0),  # Sin reintentos escondidos: ver arriba.
            retry_on_error=[],
        )

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Ejecuta ``coroutine`` en segundo plano, sin que el recolector se la lleve."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def on_status(self, listener: StatusListener) -> None:
        """``listener(degradado, texto)`` se llama cada vez que Redis cae o vuelve."""
        self._listeners.append(listener)

    def on_restore(self, restore: Restore) -> None:
        """``await restore()`` se ejecuta al volver Redis, antes de avisar a nadie."""
        self._restores.append(restore)

    async def connect(self) -> None:
        """La primera conexión, al arrancar: si falla, lanza RedisUnavailable."""
        if self._back is not None:
            return  # Ya conectado (el log y la presencia comparten el enlace).
        self._back = asyncio.Event()
        self.name = secrets.token_hex(6)
        self.redis = self.client(COMMAND_TIMEOUT)
        try:
            await self.redis.ping()
        except (RedisError, OSError) as error:
            raise RedisUnavailable(str(error)) from None
        self.available = True
        self._back.set()

    async def wait_available(self) -> None:
        """Espera a que Redis vuelva (o vuelve al momento si ya está)."""
        assert self._back is not None
        await self._back.wait()

    def lost(self, error: BaseException) -> None:
        """Algo falló al hablar con Redis: se avisa una vez y se empieza a reconectar."""
        if not self.available or self._closed:
            return  # Ya lo sabíamos: un solo aviso por caída.
        self.available = False
        assert self._back is not None
        self._back.clear()
        log.warning(
            "Redis no responde (%s): los mensajes nuevos esperan; reintentando la conexión.",
            error or type(error).__name__,
        )
        for listener in self._listeners:
            listener(True, DEGRADED_TEXT)
        self._reconnecting = asyncio.ensure_future(self._reconnect())

    async def _reconnect(self) -> None:
        delay = BACKOFF_FIRST
        while not self._closed:
            # «Full jitter»: una espera al azar entre la mitad y el total.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, BACKOFF_MAX)
            try:
                await self.redis.ping()
                for restore in self._restores:
                    await restore()
            except (RedisError, OSError):
                continue
            break
        if self._closed:
            return
        log.warning("Redis vuelve a responder: el chat funciona otra vez con normalidad.")
        self.available = True
        assert self._back is not None
        self._back.set()
        for listener in self._listeners:
            listener(False, RESTORED_TEXT)

    async def close(self) -> None:
        self._closed = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
        if self.redis is not None:
            await self.redis.aclose()
