"""Un cliente de chat en la terminal, para los dos stacks: python -m common.cliente URL.

    python -m common.cliente ws://localhost:8765          # Stack 1: texto tal cual
    python -m common.cliente http://localhost:8000/       # Stack 2: la dirección de la página
    python -m common.cliente ws://localhost:8000/ws --raw # los frames tal cual, en los dos sentidos
    echo "Ana: hola" | python -m common.cliente ws://localhost:8765
    python -m common.cliente --ca=cert.pem https://localhost:8000/   # TLS con un certificado propio

Cada línea que escribes es un mensaje; lo que llega se imprime en cuanto llega. Al
terminar la entrada (Ctrl+D, o el final de un «echo … |»), espera la respuesta a cada
línea enviada, cierra la conexión y sale. La respuesta, en el Stack 2, es el ``ack`` o
el ``error`` con el ``cid`` que el cliente puso a la línea; en el Stack 1, la propia
línea de vuelta (el servidor la reenvía a todos, también a quien la envió). Con
``--raw`` en el Stack 2 solo se espera a los mensajes que lleven su ``cid``.
Con ``wss://`` (o ``https://``) el certificado del servidor debe ser de confianza; uno
autofirmado, como el de la lección 13, se acepta nombrándolo con ``--ca=RUTA``.
Usa el cliente WebSocket de Tornado, que ya instala requirements.txt.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import socket
import ssl
import sys
import threading
from collections import Counter
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, WebSocketClosedError, websocket_connect

from common.spanish import plural
from common.startup.options import SpanishArgumentParser, fail

CONNECT_TIMEOUT = 10  # Segundos para el handshake: luego, un error claro.
CLOSE_TIMEOUT = 5  # Segundos para que el servidor responda a nuestro cierre.
ANSWER_TIMEOUT = 10.0  # Segundos que se esperan, al final, las respuestas que falten.
# Los cid de este cliente: un prefijo al azar y un número por línea. Al azar, para no
# coincidir con el de otro cliente de la misma sala.
CID_PREFIX = secrets.token_hex(4)
# El aviso en inglés que Tornado escribe al fallar TLS; el cliente ya lo explica en español.
TORNADO_TLS_WARNING = "SSL Error on %s %s: %s"
# Códigos de OpenSSL de un certificado que no es para la dirección a la que conectamos.
NAME_MISMATCH = {62, 64}  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
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


def outgoing(line: str, json_protocol: bool, cid: str) -> str:
    """El frame que enviamos por cada línea escrita (en el Stack 2, con su ``cid``)."""
    if json_protocol:
        return json.dumps({"type": "message", "text": line, "cid": cid}, ensure_ascii=False)
    return line


def sent_key(frame: str, json_protocol: bool) -> str | None:
    """Qué respuesta espera un frame enviado: su cid (Stack 2) o el mismo texto (Stack 1)."""
    if not json_protocol:
        return frame
    event = _json_object(frame)
    cid = event.get("cid") if event.get("type") == "message" else None
    return cid if isinstance(cid, str) else None  # Sin cid, no hay respuesta que esperar.


def answer_key(frame: str, json_protocol: bool) -> str | None:
    """A qué frame enviado responde uno recibido, con la misma clave que ``sent_key``."""
    if not json_protocol:
        return frame
    event = _json_object(frame)
    cid = event.get("cid") if event.get("type") in ("ack", "error") else None
    return cid if isinstance(cid, str) else None


def _json_object(frame: str) -> dict[str, Any]:
    """El frame como objeto JSON, o {} si no lo es."""
    try:
        event = json.loads(frame)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


class Unanswered:
    """Lo enviado que aún espera su respuesta, para no salir antes de que llegue."""

    def __init__(self) -> None:
        self.keys: Counter[str] = Counter()  # Clave → cuántos envíos la esperan.
        self.none_left = asyncio.Event()
        self.none_left.set()

    def __len__(self) -> int:
        return sum(self.keys.values())

    def sent(self, key: str | None) -> None:
        if key is not None:
            self.keys[key] += 1
            self.none_left.clear()

    def answered(self, key: str | None) -> None:
        if key is not None and self.keys[key] > 0:
            self.keys[key] -= 1
            if not len(self):
                self.none_left.set()


def describe(frame: str) -> str | None:
    """Cómo se muestra un frame recibido: los eventos del Stack 2, en español (None: nada)."""
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
        # count: todos los de la sala (online trae como mucho 100: stack2_http/roster.py).
        count = event.get("count", len(event.get("online") or []))
        return f"Conectado como {event.get('you')}. {_connected(count).capitalize()}."
    if kind in ("count", "people"):  # Una sala de más de 100: cuántos, no quién entra.
        return f"{_connected(event.get('count', 0)).capitalize()}."
    if kind == "join":
        return f"→ Entra {event.get('who')} ({_connected(event.get('count', 0))})."
    if kind == "leave":
        return f"← Sale {event.get('who')} ({_connected(event.get('count', 0))})."
    if kind == "error":
        return f"⚠ El servidor dice: {event.get('text')}"
    if kind == "status":
        return f"{'⚠ ' if event.get('degraded') else ''}{event.get('text')}"
    if kind == "ack":
        return None  # Guardado: lo dice el propio mensaje, que llega justo detrás.
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


async def receive(
    conn: WebSocketClientConnection, raw: bool, json_protocol: bool, unanswered: Unanswered
) -> None:
    """Imprime cada frame que llega, hasta que la conexión se cierra, y apunta las respuestas."""
    while True:
        frame = await conn.read_message()
        if frame is None:
            return
        if isinstance(frame, bytes):
            frame = frame.decode("utf-8", "replace")
        shown = f"← {frame}" if raw else describe(frame)
        if shown is not None:
            print(shown, flush=True)
        unanswered.answered(answer_key(frame, json_protocol))


async def wait_for_answers(
    unanswered: Unanswered, receiving: asyncio.Future[None], timeout: float
) -> bool:
    """Espera las respuestas que falten (o a que el servidor cierre); False si no llegan."""
    waiting = asyncio.ensure_future(unanswered.none_left.wait())
    await asyncio.wait({waiting, receiving}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    missing = len(unanswered)
    if missing and not receiving.done():
        lines = plural(missing, "línea enviada", "líneas enviadas")
        seconds = f"{timeout:g}".replace(".", ",")  # 0,5 s: la coma decimal del español.
        print(
            f"Aviso: el servidor no respondió a {lines} en {seconds} s; "
            "cierro la conexión igualmente.",
            flush=True,
        )
        return False
    return True


async def chat(url: str, raw: bool, timeout: float = ANSWER_TIMEOUT, ca: str | None = None) -> int:
    """Conecta, envía cada línea de la entrada y muestra lo que llega. Devuelve el código."""
    request = HTTPRequest(url, ssl_options=tls_context(ca))
    try:
        conn = await asyncio.wait_for(websocket_connect(request), CONNECT_TIMEOUT)
    except HTTPClientError as error:
        fail_connect(url, _http_reason(error.code))
    except ssl.SSLCertVerificationError as error:  # Antes que OSError: es uno de ellos.
        fail_connect(url, _certificate_reason(error, urlsplit(url).hostname or "", ca))
    except ssl.SSLError as error:
        fail_connect(url, _tls_reason(error))
    except (OSError, asyncio.TimeoutError) as error:
        fail_connect(url, f"{_network_reason(error)}. ¿Está en marcha el servidor?")
    print(f"Conectado a {url}. Escribe y pulsa Enter; Ctrl+D (o Ctrl+C) para salir.", flush=True)
    json_protocol = speaks_json(url)
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=read_lines, args=(loop, lines), daemon=True).start()
    unanswered = Unanswered()
    receiving = asyncio.ensure_future(receive(conn, raw, json_protocol, unanswered))
    closed_by_us, all_answered, sent = False, True, 0
    while not receiving.done():
        getting = asyncio.ensure_future(lines.get())
        await asyncio.wait({getting, receiving}, return_when=asyncio.FIRST_COMPLETED)
        if not getting.done():
            getting.cancel()
            break  # El servidor cerró.
        line = getting.result()
        if line is None:  # Fin de la entrada: nos despedimos con un cierre normal.
            # Antes, que llegue la respuesta a todo lo enviado: en una tubería la entrada
            # se acaba enseguida, y sin esperar cerraríamos antes de que el servidor conteste.
            all_answered = await wait_for_answers(unanswered, receiving, timeout)
            conn.close(1000)
            closed_by_us = True
            break
        if not line.strip():
            continue
        # Con --raw, la línea viaja tal cual: así se puede enviar JSON roto a propósito.
        sent += 1
        frame = line if raw else outgoing(line, json_protocol, f"{CID_PREFIX}-{sent}")
        if raw:
            print(f"→ {frame}", flush=True)
        try:
            conn.write_message(frame)
        except WebSocketClosedError:
            break  # El servidor ya cerró: abajo se cuenta por qué.
        unanswered.sent(sent_key(frame, json_protocol))
    # Lo que el servidor envió antes de su frame de cierre también se muestra.
    try:
        await asyncio.wait_for(receiving, CLOSE_TIMEOUT)
    except asyncio.TimeoutError:
        receiving.cancel()
    code, reason = conn.close_code, conn.close_reason
    if closed_by_us and code in (None, 1000):
        # Nos despedimos nosotros y el servidor respondió con normalidad.
        return 0 if all_answered else 1
    meaning = CLOSE_CODES.get(code or 0, "código sin nombre")
    said = f": «{reason}»" if reason else ""
    print(f"El servidor cerró la conexión con el código {code} ({meaning}){said}.", flush=True)
    return 0 if code in CLEAN_CLOSES else 1


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


def tls_context(ca: str | None) -> ssl.SSLContext | None:
    """Los certificados de confianza: los del sistema y, con ``--ca``, también ese."""
    if ca is None:
        return None  # Los del sistema: lo que hace Tornado si no le decimos nada.
    context = ssl.create_default_context()
    try:
        context.load_verify_locations(cafile=ca)
    except FileNotFoundError:
        fail(f"--ca: no existe el archivo «{ca}».")
    except OSError:  # También ssl.SSLError: el archivo no es un certificado.
        fail(f"--ca: «{ca}» no es un certificado PEM que se pueda leer (como cert.pem).")
    return context


def _certificate_reason(error: ssl.SSLCertVerificationError, host: str, ca: str | None) -> str:
    """Por qué no nos fiamos del certificado del servidor, y qué hacer."""
    if error.verify_code in NAME_MISMATCH:
        return (
            f"el certificado del servidor no es para «{host}». Conéctate con el nombre que "
            "lleva el certificado (el de la lección 13 es para localhost)."
        )
    if error.verify_code == 10:  # X509_V_ERR_CERT_HAS_EXPIRED
        return "el certificado del servidor ha caducado: hay que crear otro (lección 13)."
    if ca is not None:
        return f"el certificado del servidor no es de confianza: no es el de --ca={ca}."
    return (
        "el certificado del servidor no es de confianza (lo firmó él mismo, o alguien que "
        "este equipo no conoce). Si es el tuyo, como el de la lección 13, confía en él con "
        "--ca=RUTA_DEL_CERTIFICADO (por ejemplo, --ca=cert.pem)."
    )


def _tls_reason(error: ssl.SSLError) -> str:
    if error.reason == "WRONG_VERSION_NUMBER":
        return "ese servidor no usa TLS: prueba con ws:// (o http://) en vez de wss://."
    return f"falló la conexión cifrada (TLS: {error.reason or error})."


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
            '  echo "Ana: hola" | python -m common.cliente ws://localhost:8765\n'
            "  python -m common.cliente --ca=cert.pem https://localhost:8000/"
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
    parser.add_argument(
        "--ca",
        metavar="RUTA",
        help="confía también en este certificado (PEM) para wss:// y https://; "
        "por ejemplo, el autofirmado de la lección 13: --ca=cert.pem",
    )
    parser.add_argument(
        "--timeout",
        metavar="SEGUNDOS",
        type=float,
        default=ANSWER_TIMEOUT,
        help="al acabar la entrada, cuánto se espera la respuesta a lo enviado "
        f"(por defecto, {ANSWER_TIMEOUT:g})",
    )
    args = parser.parse_args(argv)
    try:
        args.url = websocket_url(args.url)
    except ValueError:
        fail(f"«{args.url}» no es una dirección ws://, wss://, http:// ni https://.")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.getLogger("tornado.general").addFilter(lambda r: r.msg != TORNADO_TLS_WARNING)
    try:
        code = asyncio.run(chat(args.url, args.raw, args.timeout, args.ca))
    except KeyboardInterrupt:
        code = 0  # Ctrl+C es una forma normal de salir.
    raise SystemExit(code)


if __name__ == "__main__":
    main()
