"""Una línea en la terminal por cada petición, como la de Tornado, sin ?client= ni ?clave=.

Tornado escribe cada petición con su URL entera: «101 GET /ws?client=… (192.168.1.23)».
La clave de ``?client=`` es privada de cada estudiante (lección 10: con ella, otro podría
hacerse pasar por él al reintentar un mensaje), y la terminal del servidor es la que el
profesor proyecta en clase. Aquí se escribe la misma línea, con esa clave tapada.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import tornado.web
from tornado.log import access_log

# Los parámetros de la URL que nunca salen en el registro, y lo que se escribe en su lugar.
# «clave» es la del enlace de la profesora (/profe?clave=…, stack2_http/teacher.py).
PRIVATE_PARAMETERS = frozenset({"client", "clave"})
HIDDEN = "***"


def log_request(handler: tornado.web.RequestHandler) -> None:
    """El ``log_function`` de las aplicaciones: estado, método, ruta, dirección y tiempo."""
    status = handler.get_status()
    if status < 400:
        write = access_log.info
    elif status < 500:
        write = access_log.warning
    else:
        write = access_log.error
    request = handler.request
    milliseconds = 1000.0 * request.request_time()
    uri = without_secrets(request.uri or "")
    write("%d %s %s (%s) %.2fms", status, request.method, uri, request.remote_ip, milliseconds)


def without_secrets(uri: str) -> str:
    """``uri`` con el valor de cada parámetro privado tapado: /ws?client=*** y los demás igual."""
    path, mark, query = uri.partition("?")
    if not mark:
        return path
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(name in PRIVATE_PARAMETERS for name, _ in pairs):
        return uri  # Nada que tapar: la URL tal cual llegó.
    shown = [(name, HIDDEN if name in PRIVATE_PARAMETERS else value) for name, value in pairs]
    return f"{path}?{urlencode(shown, safe='*')}"
