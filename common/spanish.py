"""Los textos en inglés que Tornado enseña a los alumnos, en español, y los plurales.

Tornado escribe en inglés algunas respuestas y líneas del registro que un alumno ve en
clase: la página de un 404 o de un 405, ``Can "Upgrade" only to "WebSocket".`` si pides
con ``curl`` la dirección de un WebSocket, y ``… modified; restarting server`` con
``--debug``. Aquí se traducen, en un solo sitio, sin tocar los handlers de los stacks:

* ``SpanishPages`` es un «transform» de Tornado: el mismo gancho que usa Tornado para
  comprimir las respuestas con gzip. Cada respuesta pasa por él justo antes de salir, y
  si es una de esas páginas en inglés (la reconoce por su texto exacto), sale la misma
  en español. Así vale para todos los handlers, también los que se añadan después.
  Los ``make_app()`` de los dos stacks lo ponen en su aplicación (``response_transforms()``
  en common/startup/settings.py).
* ``SpanishAutoreload`` es un filtro del registro que cambia la línea de
  ``tornado.autoreload`` por la suya en español.

tests/test_spanish.py comprueba cada texto: si una versión nueva de Tornado cambia los
originales, falla y lo dice.
"""

from __future__ import annotations

import logging
import re
from html import escape

from tornado.httputil import HTTPHeaders
from tornado.web import OutputTransform

# Lo que dice cada código de error, para la página y su título.
REASONS = {
    400: "Petición incorrecta",
    403: "Prohibido",
    404: "No encontrado",
    405: "Método no permitido",
    413: "Demasiado grande",
    426: "Hace falta un WebSocket",
    500: "Error interno del servidor",
    503: "Servicio no disponible",
}

# Una línea más en la página, para que el alumno sepa qué hacer.
HINTS = {
    404: "En esta dirección no hay nada. Revisa la ruta: la buena es la que da el banner.",
    405: "Esta dirección existe, pero no admite ese método (por ejemplo, un POST donde "
    "solo se atiende GET).",
}

# Lo que WebSocketHandler.get() responde, tal cual, cuando no puede abrir el WebSocket
# (tornado/websocket.py). La lección 1 y la 3 enseñan los dos primeros con curl.
WEBSOCKET_REFUSALS = {
    'Can "Upgrade" only to "WebSocket".': "Aquí solo hay un WebSocket: la petición debe "
    "pedir el cambio con «Upgrade: websocket» (lo hace el navegador con new WebSocket(), "
    "no al abrir la dirección como una página).",
    "Cross origin websockets not allowed": "Este WebSocket no acepta conexiones desde "
    "páginas de otro origen (la cabecera Origin no es una de las permitidas).",
    '"Connection" must be "Upgrade".': "La cabecera «Connection» debe incluir «Upgrade».",
    "Missing/Invalid WebSocket headers": "Faltan las cabeceras del handshake WebSocket "
    "(Sec-WebSocket-Key y Sec-WebSocket-Version) o no son válidas.",
}

# La página de error que escribe RequestHandler.write_error() (tornado/web.py), y el
# final del traceback que enseña en su lugar con --debug (serve_traceback) si el
# error fue un HTTPError: un 404 no es un fallo del programa, no necesita traceback.
_TORNADO_PAGE = re.compile(rb"<html><title>(\d{3}): [^<]*</title><body>\1: [^<]*</body></html>")
_HTTP_ERROR_TRACEBACK = re.compile(rb"\ntornado\.web\.HTTPError: HTTP (\d{3}): [^\n]*\n\Z")


def plural(count: int, one: str, many: str) -> str:
    """«1 conexión», «2 conexiones»: el número con la palabra que le toca."""
    return f"{count} {one if count == 1 else many}"


def error_page(status_code: int) -> str:
    """La página en español de un código de error HTTP."""
    reason = REASONS.get(status_code, "Error")
    hint = HINTS.get(status_code, "")
    return (
        '<!doctype html>\n<html lang="es">\n<meta charset="utf-8">\n'
        f"<title>{status_code}: {escape(reason)}</title>\n"
        f"<h1>{status_code}: {escape(reason)}</h1>\n" + (f"<p>{escape(hint)}</p>\n" if hint else "")
    )


def set_error_headers(headers: HTTPHeaders, body: bytes, content_type: str) -> None:
    """Las cabeceras de una respuesta de error que traducimos: todas pasan por aquí."""
    headers["Content-Type"] = content_type
    headers["Content-Length"] = str(len(body))


class SpanishPages(OutputTransform):
    """Cambia las respuestas de error en inglés de Tornado por las mismas en español.

    Solo mira respuestas de error (4xx y 5xx) que salen de una vez, y solo cambia las
    que reconoce por su texto exacto: lo que escribe un handler propio sale tal cual.
    """

    def transform_first_chunk(
        self, status_code: int, headers: HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, HTTPHeaders, bytes]:
        if status_code >= 400 and finishing:
            translated = _translate(status_code, chunk)
            if translated is not None:
                body, content_type = translated
                set_error_headers(headers, body, content_type)
                return status_code, headers, body
        return status_code, headers, chunk


def _translate(status_code: int, chunk: bytes) -> tuple[bytes, str] | None:
    """El cuerpo en español y su tipo, o None si ``chunk`` no es un texto de Tornado."""
    refusal = WEBSOCKET_REFUSALS.get(chunk.decode("utf-8", "replace"))
    if refusal is not None:
        return (refusal + "\n").encode(), "text/plain; charset=utf-8"
    page = _TORNADO_PAGE.fullmatch(chunk)
    traceback = _HTTP_ERROR_TRACEBACK.search(chunk) if page is None else None
    if page is not None or (traceback is not None and status_code < 500):
        return error_page(status_code).encode(), "text/html; charset=utf-8"
    return None


# Las líneas de tornado.autoreload (su texto sin rellenar) y cómo se dicen en español.
AUTORELOAD_LINES = {
    "%s modified; restarting server": "%s ha cambiado: reinicio el servidor",
    "tornado.autoreload started more than once in the same process": (
        "tornado.autoreload se arrancó dos veces en el mismo proceso"
    ),
}


class SpanishAutoreload(logging.Filter):
    """Cambia las líneas de tornado.autoreload por las mismas en español.

    tornado.autoreload escribe en el registro «tornado.general» al ver un archivo
    guardado, justo antes de reiniciar. Un filtro puede cambiar la línea antes de que
    se escriba: ``msg`` es el texto sin rellenar (``%s``), ``args``, la ruta.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        spanish = AUTORELOAD_LINES.get(record.msg) if isinstance(record.msg, str) else None
        if spanish is not None:
            record.msg = spanish
        return True


def install_log_filters() -> None:
    """Pone el filtro en el registro de Tornado (una vez, aunque se llame más)."""
    general = logging.getLogger("tornado.general")
    if not any(isinstance(f, SpanishAutoreload) for f in general.filters):
        general.addFilter(SpanishAutoreload())
