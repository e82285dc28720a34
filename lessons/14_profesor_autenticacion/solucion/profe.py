"""Lección 14 · ¿Es la profesora? La cookie firmada, comprobada en cada handshake.

/profe?clave=… da a la profesora una cookie «profe» firmada por el servidor. En cada
handshake, el Stack 2 pregunta a Teachers.recognizes() si la conexión la trae: si dice
que sí, esa conexión puede borrar, silenciar, expulsar… ("role": "teacher").

Comprueba la solución con «EJERCICIO=solucion python -m pytest lessons/14_profesor_autenticacion».
"""

from __future__ import annotations

import hmac

from tornado.web import RequestHandler, decode_signed_value

from stack2_http.teacher import COOKIE, COOKIE_DAYS, Teachers


class ProfesoraDeLaClase(Teachers):
    """El Teachers del Stack 2, con un recognizes() que escribes tú."""

    def recognizes(self, handler: RequestHandler) -> bool:
        signed = handler.get_cookie(COOKIE)  # La cookie tal como llega: puede ser inventada.
        if not signed:
            return False
        # Solo si la firmó este servidor (con self.secret) hace menos de COOKIE_DAYS días.
        value = decode_signed_value(self.secret, COOKIE, signed, max_age_days=COOKIE_DAYS)
        # Y si es de la clave de ahora, comparada en tiempo constante.
        return value is not None and hmac.compare_digest(value, self.badge.encode())
