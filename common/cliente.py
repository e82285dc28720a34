"""Un cliente de chat en la terminal, para los dos stacks: python -m common.cliente URL.

    python -m common.cliente ws://localhost:8765          # Stack 1: texto tal cual
    python -m common.cliente http://localhost:8000/       # Stack 2: la dirección de la página
    python -m common.cliente ws://localhost:8000/ws --raw # los frames tal cual, en los dos sentidos
    echo "Ana: hola" | python -m common.cliente ws://localhost:8765

Cada línea que escribes es un mensaje; lo que llega se imprime en cuanto llega. Al
terminar la entrada (Ctrl+D, o el final de un «echo … |»), cierra la conexión y sale.
Usa el cliente WebSocket de Tornado, que ya instala requirements.txt.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tornado.httpclient import HTTPClientError
from tornado.websocket import WebSocketClientConnection, WebSocketClosedError, websocket_connect

from common.options import SpanishArgumentParser, fail
from common.spanish import plural

CONNECT_TIMEOUT = 10  # Segundos para el handshake: luego, un error claro.
CLOSE_TIMEOUT = 5  # Segundos para que el servidor responda a nuestro cierre.
LINGER = 0.3  # Segundos de silencio del servidor que esperamos antes de cerrar.
last_frame_at = 0.0  # Cuándo llegó el último frame (hora del loop).
# Cierres que no son un fallo: 1000 «normal», 1001 «el servidor se va».
CLEAN_CLOSES = {None, 1000, 1001}
# Lo que significa cada código de cierre (RFC 6455), para quien aún no se los sabe.
CLOSE_CODES = {
    1000: "cierre normal",
    1001: "el servidor se va",
    1003: "tipo de datos no admitido",
    1006: "conexión cortada sin cierre",
    1008: "incumple una norma del servidor",
    1009: "mensaje demasiado grande",
    1011: "error del servidor",
    1013: "servidor lleno, prueba más tarde",
}


def websocket_url(url: str) -> str:
    """La dirección ws:// que corresponde a lo que imprime un banner (también el http://)."""
    if "://" not in url:
        url = "ws://" + url  # «localhost:8765» a secas.
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        # La página del Stack 2: su WebSocket vive en /ws del mismo servidor.
        scheme = "ws" if parts.scheme == "http" else "wss"
        return urlunsplit((scheme, parts.netloc, "/ws", "", ""))
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def speaks_json(url: str) -> bool:
    """¿Es el Stack 2? Su WebSocket está en /ws y habla el protocolo JSON."""
    return urlsplit(url).path.rstrip("/").endswith("/ws")


def outgoing(line: str, json_protocol: bool) -> str:
    """El frame que enviamos por cada línea escrita."""
    if json_protocol:
        return json.dumps({"type": "message", "text": line}, ensure_ascii=False)
    return line


def describe(frame: str) -> str:
    """Cómo se muestra un frame recibido: los eventos del Stack 2, en español."""
    try:
        event: Any = json.loads(frame)
    except ValueError:
        return frame  # Stack 1: el texto tal cual.
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return frame
    kind = event["type"]
    if kind == "message":
        return f"[{event.get('from')}] {event.get('text')}"
    if kind == "welcome":
        online = event.get("online") or []
        return f"Conectado como {event.get('you')}. {_connected(len(online)).capitalize()}."
    if kind == "join":
        return f"→ Entra {event.get('who')} ({_connected(event.get('count', 0))})."
    if kind == "leave":
        return f"← Sale {event.get('who')} ({_connected(event.get('count', 0))})."
    if kind == "error":
        return f"⚠ El servidor dice: {event.get('text')}"
    return frame


def _connected(count: int) -> str:
    return f"hay {plural(count, 'persona conectada', 'personas conectadas')}"


def read_lines(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """Lee la entrada estándar en un hilo aparte y pasa cada línea al loop.

    input() bloquea, y en Windows el loop no sabe esperar a la consola: un hilo
    «daemon» es lo más sencillo que funciona en todas partes, y no retiene el
    programa si el servidor cierra mientras esperamos a que escribas.
    """
    for line in sys.stdin:
        loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\r\n"))
    loop.call_soon_threadsafe(queue.put_nowait, None)  # Fin de la entrada.


async def receive(conn: WebSocketClientConnection, raw: bool) -> None:
    """Imprime cada frame que llega, hasta que la conexión se cierra."""
    global last_frame_at  # Lo mira quiet(): un programa, una conexión.
    while True:
        frame = await conn.read_message()
        if frame is None:
            return
        if isinstance(frame, bytes):
            frame = frame.decode("utf-8", "replace")
        last_frame_at = asyncio.get_running_loop().time()
        print(f"← {frame}" if raw else describe(frame), flush=True)


async def chat(url: str, raw: bool) -> int:
    """Conecta, envía cada línea de la entrada y muestra lo que llega. Devuelve el código."""
    try:
        conn = await asyncio.wait_for(websocket_connect(url), CONNECT_TIMEOUT)
    except HTTPClientError as error:
        fail_connect(url, _http_reason(error.code))
    except (OSError, asyncio.TimeoutError) as error:
        fail_connect(url, f"{_network_reason(error)}. ¿Está en marcha el servidor?")
    print(f"Conectado a {url}. Escribe y pulsa Enter; Ctrl+D (o Ctrl+C) para salir.", flush=True)
    json_protocol = speaks_json(url)
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=read_lines, args=(loop, lines), daemon=True).start()
    receiving = asyncio.ensure_future(receive(conn, raw))
    closed_by_us = False
    while not receiving.done():
        getting = asyncio.ensure_future(lines.get())
        await asyncio.wait({getting, receiving}, return_when=asyncio.FIRST_COMPLETED)
        if not getting.done():
            getting.cancel()
            break  # El servidor cerró.
        line = getting.result()
        if line is None:  # Fin de la entrada: nos despedimos con un cierre normal.
            await quiet(receiving)  # Antes, que lleguen las respuestas a lo enviado.
            conn.close(1000)
            closed_by_us = True
            break
        if not line.strip():
            continue
        # Con --raw, la línea viaja tal cual: así se puede enviar JSON roto a propósito.
        frame = line if raw else outgoing(line, json_protocol)
        if raw:
            print(f"→ {frame}", flush=True)
        try:
            conn.write_message(frame)
        except WebSocketClosedError:
            break  # El servidor ya cerró: abajo se cuenta por qué.
    # Lo que el servidor envió antes de su frame de cierre también se muestra.
    try:
        await asyncio.wait_for(receiving, CLOSE_TIMEOUT)
    except asyncio.TimeoutError:
        receiving.cancel()
    code, reason = conn.close_code, conn.close_reason
    if closed_by_us and code in (None, 1000):
        return 0  # Nos despedimos nosotros y el servidor respondió con normalidad.
    meaning = CLOSE_CODES.get(code or 0, "código sin nombre")
    said = f": «{reason}»" if reason else ""
    print(f"El servidor cerró la conexión con el código {code} ({meaning}){said}.", flush=True)
    return 0 if code in CLEAN_CLOSES else 1


async def quiet(receiving: asyncio.Future[None]) -> None:
    """Espera a que el servidor deje de enviar (LINGER s sin frames), como mucho CLOSE_TIMEOUT.

    En una tubería la entrada se acaba enseguida: sin esta espera, el cierre saldría
    antes de que el servidor devolviera lo que acabamos de enviarle.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CLOSE_TIMEOUT
    while not receiving.done() and loop.time() < deadline:
        idle = loop.time() - last_frame_at
        if idle >= LINGER:
            return
        await asyncio.sleep(LINGER - idle)


def fail_connect(url: str, reason: str) -> None:
    print(f"Error: no se puede conectar a {url}: {reason}", file=sys.stderr)
    raise SystemExit(1)


def _network_reason(error: Exception) -> str:
    if isinstance(error, asyncio.TimeoutError):
        return f"no respondió en {CONNECT_TIMEOUT} s"
    if isinstance(error, ConnectionRefusedError):
        return "nadie escucha en ese puerto"
    if isinstance(error, socket.gaierror):
        return "no se encuentra ese equipo (¿está bien escrita la dirección?)"
    return f"fallo de red ({error.__class__.__name__})"


def _http_reason(code: int) -> str:
    if code == 403:
        return "el servidor no acepta este origen (403)."
    if code == 404:
        return "no hay un WebSocket en esa ruta (404). Copia la dirección del banner."
    if code == 400:
        return "esa dirección no es un WebSocket (400)."
    return f"el servidor respondió {code}."


def parse_args(argv: list[str] | None = None) -> Any:
    parser = SpanishArgumentParser(
        prog="python -m common.cliente",
        description="Un cliente de chat en la terminal, para el Stack 1 y el Stack 2.",
        epilog=(
            "Ejemplos:\n"
            "  python -m common.cliente ws://localhost:8765\n"
            "  python -m common.cliente http://localhost:8000/\n"
            '  echo "Ana: hola" | python -m common.cliente ws://localhost:8765'
        ),
    )
    parser.add_argument(
        "url",
        metavar="URL",
        help="la dirección del banner: ws://…:8765 (Stack 1), ws://…:8000/ws o http://…:8000/",
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help="envía cada línea tal cual y muestra los frames sin traducir (→ sale, ← llega)",
    )
    args = parser.parse_args(argv)
    try:
        args.url = websocket_url(args.url)
    except ValueError:
        fail(f"«{args.url}» no es una dirección ws://, wss://, http:// ni https://.")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        code = asyncio.run(chat(args.url, args.raw))
    except KeyboardInterrupt:
        code = 0  # Ctrl+C es una forma normal de salir.
    raise SystemExit(code)


if __name__ == "__main__":
    main()
