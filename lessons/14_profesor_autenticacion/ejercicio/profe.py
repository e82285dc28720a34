"""Lección 14 · ¿Es la profesora? La cookie firmada, comprobada en cada handshake.

/profe?clave=… da a la profesora una cookie «profe» firmada por el servidor. En cada
handshake, el Stack 2 pregunta a Teachers.recognizes() si la conexión la trae: si dice
que sí, esa conexión puede borrar, silenciar, expulsar… ("role": "teacher").

Este recognizes() se fía de cualquier cookie que se llame «profe», y cualquiera puede
escribirse una en F12 (Application → Cookies). Arréglalo con sus tres TODO y comprueba
tu trabajo con «python -m pytest lessons/14_profesor_autenticacion».
"""

from __future__ import annotations

from tornado.web import RequestHandler

from stack2_http.teacher import COOKIE, Teachers


class ProfesoraDeLaClase(Teachers):
    """El Teachers del Stack 2, con un recognizes() que escribes tú."""

    def recognizes(self, handler: RequestHandler) -> bool:
        signed = handler.get_cookie(COOKIE)  # La cookie tal como llega: puede ser inventada.
        if not signed:
            return False
        # TODO 1: así se acepta lo que venga. Comprueba la firma con decode_signed_value(
        # self.secret, COOKIE, signed) (impórtala de tornado.web): devuelve el valor, en
        # bytes, si la firmó este servidor, y None si no.
        # TODO 2: esa firma vale por defecto 31 días; esta cookie, solo COOKIE_DAYS (de
        # stack2_http.teacher): pásale también max_age_days=COOKIE_DAYS.
        value = signed.encode()
        # TODO 3: una cookie firmada aquí, pero con la clave de ayer, tampoco vale: value
        # debe ser self.badge.encode(). Compáralos con hmac.compare_digest() (import hmac),
        # que tarda lo mismo acierte lo que acierte.
        return value is not None
