"""Los estudiantes de la suite: cada uno es un dispositivo con su propia dirección 127.x.y.z.

Una clase son muchos equipos, no uno: cada ``Student`` se conecta desde una dirección de
loopback distinta (Linux enruta toda la red 127.0.0.0/8 a este mismo equipo), envía el
``Origin`` que enviaría su navegador y, como la página, una clave propia en ``?client=``.

Lo que le llega se guarda en orden en ``received``; ``next_of()`` saca el siguiente evento
de un tipo (y, si se pide, con ciertos campos) sin perder los demás, que siguen ahí para
la siguiente pregunta. Nada se espera con ``sleep``: cada espera es a un evento, con un
plazo que, si se pasa, falla diciendo qué faltaba.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest, HTTPResponse
from tornado.websocket import WebSocketClientConnection, websocket_connect

from tests.conformance.deployments import TEACHER_KEY, Deployment

# Ninguna prueba espera más que esto a un evento (con Redis, cruzar procesos tarda algo).
TIMEOUT = 5.0

# Cada estudiante de la sesión de pruebas, una dirección: 127.1.0.1, 127.1.0.2…
# Nunca se repite, así los límites por dirección de una prueba no afectan a la siguiente.
_numbers = itertools.count(1)


def new_address() -> str:
    """Una dirección de loopback que ningún otro estudiante de esta sesión ha usado."""
    n = next(_numbers)
    return f"127.{1 + n // 65_024}.{n // 254 % 256}.{1 + n % 254}"


def client_key() -> str:
    """Una clave como la que guarda la página en localStorage (22 caracteres de base64url)."""
    return secrets.token_urlsafe(16)


class Student:
    """Un dispositivo de la clase, conectado (o no) al WebSocket de una sala."""

    def __init__(
        self,
        deployment: Deployment,
        n: int,
        *,
        address: str | None = None,
        key: str | None = "auto",
    ) -> None:
        self.deployment = deployment
        self.n = n  # Con dos procesos sin nginx, decide a cuál entra (ver Deployment.base).
        self.address = address or new_address()
        self.key = client_key() if key == "auto" else key
        self.conn: WebSocketClientConnection | None = None
        self.cookie = ""  # La de la profesora, si abrió su enlace (become_teacher).
        self.welcome: dict[str, Any] = {}
        self.received: list[dict[str, Any]] = []  # Todo lo que llegó, en orden.
        self._unread: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._reader: asyncio.Task | None = None

    # --- Entrar y salir ---------------------------------------------------------------

    def url(self, room: str | None = None, **query: Any) -> str:
        """La dirección del WebSocket de ``room`` con los parámetros que pone la página."""
        base = self.deployment.base(self.n).replace("http://", "ws://", 1)
        path = "/ws" if room is None else f"/ws/{room}"
        params = {"client": self.key} if self.key is not None else {}
        params.update({name: value for name, value in query.items() if value is not None})
        return f"{base}{path}" + (f"?{urlencode(params)}" if params else "")

    async def connect(self, room: str | None = None, **query: Any) -> WebSocketClientConnection:
        """Abre el WebSocket desde la dirección de este estudiante, como un navegador."""
        # La conexión de antes (que quizá cerró el servidor) se suelta también de este
        # lado: si no, Tornado avisa al recolectarla, en medio de otra prueba.
        self.leave()
        base = self.deployment.base(self.n)
        headers = {"Origin": base}  # La página se cargó de esta misma dirección.
        if self.cookie:
            headers["Cookie"] = self.cookie  # El navegador la envía con el WebSocket.
        request = HTTPRequest(
            self.url(room, **query),
            headers=headers,
            network_interface=self.address,
            connect_timeout=TIMEOUT,
            request_timeout=TIMEOUT,
        )
        self.conn = await websocket_connect(request)
        self.received, self._unread = [], []
        self._reader = asyncio.ensure_future(self._read_forever(self.conn))
        return self.conn

    async def enter(self, room: str | None = None, **query: Any) -> dict[str, Any]:
        """Entra en ``room`` y devuelve su ``welcome`` (que debe ser lo primero que llega)."""
        await self.connect(room, **query)
        self.welcome = await self.next_event()
        assert self.welcome.get("type") == "welcome", f"Se esperaba welcome: {self.welcome}"
        return self.welcome

    @property
    def me(self) -> str:
        """Su identidad «IP:puerto», la que le dio el servidor."""
        return self.welcome["you"]

    def leave(self) -> None:
        """Cierra su WebSocket (la pestaña que se cierra)."""
        if self.conn is not None:
            self.conn.close()

    async def closed(self, timeout: float = TIMEOUT) -> tuple[int | None, str | None]:
        """Espera a que el servidor cierre y devuelve (código, motivo)."""
        assert self._reader is not None and self.conn is not None
        try:
            await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"{self.address}: el servidor no cerró en {timeout} s") from None
        return self.conn.close_code, self.conn.close_reason

    async def _read_forever(self, conn: WebSocketClientConnection) -> None:
        while True:
            frame = await conn.read_message()
            if conn is not self.conn:
                # Un evento que aún traía la conexión de antes (por ejemplo, el «join» de
                # alguien) no es de la nueva: mezclarlo le pondría algo delante al welcome.
                return
            if frame is None:
                self._arrived.set()
                return
            event = json.loads(frame)
            self.received.append(event)
            self._unread.append(event)
            self._arrived.set()

    # --- Enviar ------------------------------------------------------------------------

    async def send(self, type_: str, **fields: Any) -> None:
        assert self.conn is not None, "Este estudiante no está conectado"
        await self.conn.write_message(json.dumps({"type": type_, **fields}))

    async def say(self, text: str, cid: str | None = None) -> None:
        """Envía un mensaje de chat (con ``cid``, como la página, si se da)."""
        fields: dict[str, Any] = {"text": text}
        if cid is not None:
            fields["cid"] = cid
        await self.send("message", **fields)

    async def say_acked(self, text: str, cid: str) -> int:
        """Envía un mensaje y espera su ack: devuelve su seq."""
        await self.say(text, cid)
        return (await self.next_of("ack", cid=cid))["seq"]

    # --- Recibir -----------------------------------------------------------------------

    async def next_event(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """El siguiente evento que llegó, sea cual sea."""
        return await self._take(lambda event: True, "ningún evento", timeout)

    async def next_of(self, type_: str, timeout: float = TIMEOUT, **fields: Any) -> dict[str, Any]:
        """El primer evento de tipo ``type_`` (con esos ``fields``) que aún no se leyó."""

        def wanted(event: dict[str, Any]) -> bool:
            return event.get("type") == type_ and all(event.get(k) == v for k, v in fields.items())

        described = type_ + (f" con {fields}" if fields else "")
        return await self._take(wanted, described, timeout)

    async def messages(self, count: int, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """Los siguientes ``count`` mensajes de chat, en el orden en que llegaron."""
        return [await self.next_of("message", timeout) for _ in range(count)]

    def unread_of(self, type_: str) -> list[dict[str, Any]]:
        """Los eventos de ``type_`` que llegaron y nadie ha leído todavía."""
        return [event for event in self._unread if event.get("type") == type_]

    async def _take(
        self, wanted: Callable[[dict[str, Any]], bool], described: str, timeout: float
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for event in self._unread:
                if wanted(event):
                    self._unread.remove(event)
                    return event
            if self._reader is not None and self._reader.done():
                code = self.conn.close_code if self.conn is not None else None
                raise AssertionError(
                    f"{self.address}: la conexión se cerró (código {code}) esperando "
                    f"{described}; llegó {self.received}"
                )
            self._arrived.clear()
            remaining = deadline - loop.time()
            try:
                await asyncio.wait_for(self._arrived.wait(), max(remaining, 0))
            except asyncio.TimeoutError:
                raise AssertionError(
                    f"{self.address}: no llegó {described} en {timeout} s; llegó {self.received}"
                ) from None

    # --- HTTP, desde el mismo dispositivo ------------------------------------------------

    async def fetch(self, path: str, **kwargs: Any) -> HTTPResponse:
        """Una petición HTTP desde la dirección de este estudiante (sin lanzar en 4xx/5xx)."""
        request = HTTPRequest(
            self.deployment.base(self.n) + path,
            network_interface=self.address,
            connect_timeout=TIMEOUT,
            request_timeout=TIMEOUT,
            **kwargs,
        )
        try:
            return await AsyncHTTPClient().fetch(request)
        except HTTPClientError as error:
            if error.response is None:
                raise
            return error.response

    async def become_teacher(self, key: str = TEACHER_KEY) -> None:
        """Abre el enlace de la profesora, /profe?clave=…, y guarda la cookie que le dan."""
        response = await self.fetch(f"/profe?clave={key}", follow_redirects=False)
        assert response.code == 302, f"/profe respondió {response.code}: {response.body[:200]}"
        self.cookie = response.headers["Set-Cookie"].split(";", 1)[0]

    async def rooms(self) -> dict[str, int]:
        """``/salas.json`` tal como lo ve este estudiante: sala → cuántos hay."""
        response = await self.fetch("/salas.json")
        assert response.code == 200, f"/salas.json respondió {response.code}"
        return {room["name"]: room["count"] for room in json.loads(response.body)["rooms"]}

    async def close(self) -> None:
        """Cierra y espera a que el cierre termine: ningún socket queda abierto."""
        self.leave()
        if self._reader is not None and not self._reader.done():
            try:
                await asyncio.wait_for(asyncio.shield(self._reader), 2)
            except asyncio.TimeoutError:
                self._reader.cancel()


async def until_present(watcher: Student, person: Student) -> None:
    """Espera a que el proceso de ``watcher`` sepa que ``person`` está (welcome o join)."""
    online = {entry["who"] for entry in watcher.welcome["online"]}
    while person.me not in online:
        online.add((await watcher.next_of("join"))["who"])
