"""Respuestas HTTP seguras en los dos stacks: cabeceras en todas, también en las de error."""

from __future__ import annotations

import tornado.web
from tornado.httputil import HTTPHeaders

# Una página de error no necesita cargar nada: ni scripts, ni estilos, ni marcos.
ERROR_PAGE_POLICY = (
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class SecurityHeaders(tornado.web.OutputTransform):
    """Añade a cada respuesta las cabeceras de seguridad, la sirva quien la sirva.

    Un transform de Tornado ve todas las respuestas de la aplicación: las de
    nuestros handlers y también los 404 de rutas que no existen, el 400 de un
    «GET /ws» sin upgrade o el 403 de un origen rechazado, que escribe Tornado.
    """

    def transform_first_chunk(
        self, status_code: int, headers: HTTPHeaders, chunk: bytes, finishing: bool
    ) -> tuple[int, HTTPHeaders, bytes]:
        # nosniff: el navegador usa el tipo que decimos y no «adivina» que un
        # texto de error es HTML o JavaScript.
        headers["X-Content-Type-Options"] = "nosniff"
        headers.setdefault("Referrer-Policy", "no-referrer")
        if status_code >= 400 and "Content-Security-Policy" not in headers:
            headers["Content-Security-Policy"] = ERROR_PAGE_POLICY
        return status_code, headers, chunk


class SafeStaticFileHandler(tornado.web.StaticFileHandler):
    """El StaticFileHandler de Tornado, con un 400 limpio para rutas imposibles."""

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        # Un «%00» en la URL llega aquí como un carácter nulo, que ningún nombre de
        # archivo puede tener: el sistema lanzaría ValueError y saldría un 500 con traza.
        if "\x00" in absolute_path:
            raise tornado.web.HTTPError(400, "Ruta no válida")
        return super().validate_absolute_path(root, absolute_path)
