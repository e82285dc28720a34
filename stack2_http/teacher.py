"""Quién es la profesora: una clave que solo sale en su terminal y una cookie firmada.

Al arrancar, el banner imprime un enlace con una clave al azar (``--teacher-key`` la
fija): ``/profe?clave=…``. Quien lo abre con la clave buena recibe una cookie *firmada*
por el servidor (``profe``), y desde entonces cada WebSocket que abre su navegador es el
de la profesora. Lo que conviene saber para leer este archivo (lo cuenta la lección 14):

* **Firmada, no secreta.** La cookie dice «profe» y lleva una firma hecha con un secreto
  que solo tiene el servidor (``--cookie-secret``, o ``datos/cookie_secret``). Quien
  cambie un solo carácter rompe la firma, y sin el secreto no se puede fabricar otra.
  Su valor es un resumen de la clave: si cambia la clave, las cookies de antes ya no valen.
* **HttpOnly y SameSite=Strict.** El JavaScript de la página no puede leerla (un script
  colado no se la lleva) y el navegador no la envía desde otra web. Con https, ``Secure``.
* **La comprobación está en el servidor.** La página solo se entera por ``welcome.role``;
  esconder un botón no protege nada. El servidor decide en el handshake y lo apunta en
  la sesión (``Session.teacher``).
* **Adivinar no sale a cuenta.** La clave se compara en tiempo constante
  (``hmac.compare_digest``) y cada dirección tiene pocos intentos: 5 seguidos y uno más
  cada 10 segundos. Adivinar 16 caracteres al azar así llevaría más que el universo.
* **La clave no sale en ningún sitio más.** Ni en la página, ni en el registro (el de
  peticiones tapa ``clave=`` como tapa ``client=``), ni en un frame.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

import tornado.web
from tornado.options import OptionParser
from tornado.web import create_signed_value, decode_signed_value

from common.defences.limits import TokenBucket
from common.defences.proxies import TrustedProxies
from common.startup import qr
from common.startup.files import write_once
from common.startup.network import lan_urls
from stack2_http import identity, rooms

# El nombre de la cookie y cuánto vale como mucho: una clase dura horas, no semanas.
COOKIE = "profe"
COOKIE_DAYS = 1
# Una clave nueva en cada arranque: 16 caracteres al azar (96 bits).
KEY_BYTES = 12
# Intentos de clave por dirección: 5 seguidos, y después uno cada 10 segundos.
GUESSES_BURST = 5
GUESSES_PER_SECOND = 0.1
# Direcciones que se recuerdan como mucho: quien prueba desde miles no llena la memoria.
MAX_GUESSERS = 10_000
# Con --redis, la clave que comparten todos los procesos (y todas las terminales).
REDIS_KEY = "chat:teacher-key"
# El secreto que firma las cookies, si no se da --cookie-secret.
SECRET_FILE = Path(__file__).resolve().parent.parent / "datos" / "cookie_secret"

PAGE = """<!DOCTYPE html>
<html lang="es">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Chat</title></head>
<body>
<main>
<h1>{title}</h1>
<p>{text}</p>
<p><a href="/">Ir al chat</a></p>
</main>
</body>
</html>
"""
DENIED = (
    "No se puede entrar como profesora",
    "Este enlace no sirve. El enlace de la profesora sale en la terminal del servidor.",
)
TOO_MANY = (
    "Demasiados intentos",
    "Has probado demasiadas veces desde este equipo. Espera un minuto y vuelve a intentarlo.",
)


def define_options(options: OptionParser) -> None:
    """--teacher-key, --cookie-secret y --qr-profe: quién es la profesora."""
    options.define(
        "teacher_key",
        default="",
        metavar="CLAVE",
        help="la clave del enlace de la profesora (/profe?clave=…); sin ella, una al azar "
        "en cada arranque (con --redis, la misma en todos los procesos)",
    )
    options.define(
        "cookie_secret",
        default="",
        metavar="SECRETO",
        help="el secreto que firma la cookie de la profesora; sin él, el de "
        "datos/cookie_secret (se crea solo)",
    )
    options.define(
        "qr_profe", default=False, help="dibuja en el banner el QR del enlace de la profesora"
    )


class Teachers:
    """La clave de la profesora y lo que se hace con ella: dar la cookie y reconocerla."""

    def __init__(self, key: str, secret: str, qr_code: bool = False) -> None:
        self.key = key
        # El secreto que firma la cookie. Solo lo usa este objeto (con las funciones de
        # Tornado que firman y comprueban), no toda la aplicación (``cookie_secret``).
        self.secret = secret
        self.qr_code = qr_code  # --qr-profe
        # Lo que guarda la cookie: un resumen de la clave, que no sirve para saberla.
        self.badge = hashlib.sha256(b"profe\n" + key.encode()).hexdigest()[:32]
        self._guesses: dict[str, TokenBucket] = {}

    @classmethod
    def at_random(cls) -> Teachers:
        """Una clave y un secreto al azar: lo que usa ``make_app()`` si nadie le da otros."""
        return cls(secrets.token_urlsafe(KEY_BYTES), secrets.token_hex(32))

    def recognizes(self, handler: tornado.web.RequestHandler) -> bool:
        """¿Trae esta petición (o este handshake) la cookie firmada de la profesora de ahora?"""
        signed = handler.get_cookie(COOKIE)
        if not signed:
            return False
        value = decode_signed_value(self.secret, COOKIE, signed, max_age_days=COOKIE_DAYS)
        return value is not None and hmac.compare_digest(value, self.badge.encode())

    def signed_badge(self) -> str:
        """El valor de la cookie: el resumen de la clave, con la firma del servidor."""
        return create_signed_value(self.secret, COOKIE, self.badge).decode("ascii")

    def may_guess(self, address: str) -> bool:
        """Gasta un intento de ``address``; False si ya no le quedan."""
        bucket = self._guesses.get(address)
        if bucket is None:
            if len(self._guesses) >= MAX_GUESSERS:
                self._guesses.clear()  # Mejor olvidar a todos que crecer sin fin.
            bucket = self._guesses[address] = TokenBucket(GUESSES_PER_SECOND, GUESSES_BURST)
        return bucket.take()

    def is_key(self, given: str) -> bool:
        """¿Es ``given`` la clave? En tiempo constante: el tiempo no dice cuánto acertó."""
        return hmac.compare_digest(given.encode(), self.key.encode())

    def banner_lines(self, urls: list[str], address: str = "") -> list[str]:
        """Las líneas del banner con el enlace de la profesora (solo en la terminal)."""
        lan = lan_urls(urls, address)
        link = f"{(lan or urls)[0]}profe?clave={self.key}"
        lines = ["", f"Profesor: {link}", "  (Solo para ti: quien tenga el enlace modera el chat.)"]
        if self.qr_code:
            lines += ["Escanea este código con tu móvil para entrar como profesora:"]
            lines.append(qr.terminal(link))
        return lines


class TeacherLogin(tornado.web.RequestHandler):
    """``GET /profe?clave=…``: con la clave buena, la cookie y al chat; si no, un 403."""

    def initialize(self, teachers: Teachers, proxies: TrustedProxies) -> None:
        self.teachers = teachers
        self.proxies = proxies  # Detrás de nginx, los intentos se cuentan por estudiante.

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")  # La clave no viaja a otra web.
        self.set_header("Cache-Control", "no-store")

    def get(self) -> None:
        via_proxy = self.request.remote_ip in self.proxies
        address = identity.client_ip(self.request, via_proxy)
        if not self.teachers.may_guess(address):
            self.refuse(429, *TOO_MANY)
            return
        given = self.get_query_argument("clave", "", strip=False)
        if not self.teachers.is_key(given):
            self.refuse(403, *DENIED)
            return
        https = self.request.protocol == "https" or (
            via_proxy and self.request.headers.get("X-Forwarded-Proto") == "https"
        )
        self.set_cookie(
            COOKIE,
            self.teachers.signed_badge(),
            expires_days=None,  # Hasta cerrar el navegador; la firma caduca en un día.
            httponly=True,
            samesite="Strict",
            secure=https,
            path="/",
        )
        room = rooms.room_name(self.get_query_argument("sala", None))
        self.redirect(rooms.room_path(room or rooms.DEFAULT_ROOM))

    def refuse(self, status: int, title: str, text: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(PAGE.format(title=title, text=text))


def choose_key(options: OptionParser) -> str:
    """La clave de este arranque: la de --teacher-key, la que ya hay en Redis o una nueva.

    Se llama antes de crear procesos (--processes): todos heredan la misma. Con --redis,
    además, la comparten los servidores de otras terminales: el primero la guarda en
    Redis (SET NX) y los demás la leen. Esperar aquí a Redis no para a nadie: el
    servidor aún no atiende.
    """
    key = options.teacher_key or secrets.token_urlsafe(KEY_BYTES)
    if not options.redis:
        return key
    import redis  # Solo con --redis: el cliente de siempre, sin loop (aún no lo hay).

    try:
        with redis.Redis.from_url(options.redis, socket_timeout=2, decode_responses=True) as db:
            db.set(REDIS_KEY, key, nx=not options.teacher_key)
            return db.get(REDIS_KEY) or key
    except (redis.RedisError, OSError) as problem:
        raise SystemExit(
            f"Error: no se puede conectar con Redis ({problem}). ¿Está arrancado "
            "redis-server? Comprueba la dirección de --redis."
        ) from None


def cookie_secret(options: OptionParser, path: Path = SECRET_FILE) -> str:
    """El secreto que firma las cookies: --cookie-secret, o el de ``path`` (se crea 0600).

    Guardado en un archivo, lo comparten los procesos de este equipo y sobrevive a un
    reinicio. Solo su dueño puede leerlo: con él, cualquiera firmaría su propia cookie.
    """
    if options.cookie_secret:
        return options.cookie_secret
    write_once(path, secrets.token_hex(32).encode("ascii"), mode=0o600)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        raise SystemExit(f"Error: {path} no tiene un secreto válido: bórralo y se creará otro.")
    return secret


def from_options(options: OptionParser) -> Teachers:
    """La profesora de este arranque, según las opciones."""
    return Teachers(choose_key(options), cookie_secret(options), options.qr_profe)
