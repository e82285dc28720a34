"""El protocolo JSON del Stack 2: los eventos que viajan por el WebSocket.

Cada frame de texto es un objeto JSON con un campo ``"type"``. La referencia
completa, con ejemplos, está en lessons/06_protocolo_json/README.md.

El cliente envía:
    {"type": "message", "text": "Hola"}

El servidor envía:
    welcome  {"you": "IP:puerto", "online": [...]}      solo a quien acaba de entrar
    message  {"from": "IP:puerto", "text": ..., "time": ISO 8601 UTC}
    join     {"who": "IP:puerto", "count": 3}            a los demás
    leave    {"who": "IP:puerto", "count": 2}
    error    {"code": "...", "text": "explicación en español"}
"""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime, timezone
from typing import Any

# Un mensaje de chat largo cabe de sobra; un texto pegado sin querer, no.
MAX_TEXT_LENGTH = 2000


class ProtocolError(Exception):
    """Un mensaje del cliente que no cumple el protocolo."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


# Respuesta a quien envía más deprisa de lo que permite --rate / --burst.
TOO_FAST = ProtocolError("too_fast", "Vas demasiado rápido: espera un momento y vuelve a enviarlo.")


def parse_chat_text(raw: str | bytes) -> str:
    """Valida un frame del cliente y devuelve el texto limpio, o lanza ProtocolError."""
    if isinstance(raw, bytes):
        raise ProtocolError("binary", "Este chat solo acepta mensajes de texto (JSON).")
    try:
        event = json.loads(raw)
    except ValueError:
        raise ProtocolError("invalid_json", "El mensaje no es JSON válido.") from None
    if not isinstance(event, dict):
        raise ProtocolError("invalid_json", 'El mensaje debe ser un objeto JSON: {"type": ...}.')
    if "type" not in event:
        raise ProtocolError("invalid_field", 'Falta el campo "type".')
    if event["type"] != "message":
        shown = json.dumps(event["type"], ensure_ascii=False)[:40]
        raise ProtocolError(
            "unknown_type", f'Tipo desconocido: {shown}. El cliente solo puede enviar "message".'
        )
    text = event.get("text")
    if not isinstance(text, str):
        raise ProtocolError("invalid_field", 'El campo "text" debe ser una cadena de texto.')
    text = _clean(text)
    if not text:
        raise ProtocolError("empty", "El mensaje está vacío.")
    if len(text) > MAX_TEXT_LENGTH:
        raise ProtocolError(
            "too_long", f"El mensaje es demasiado largo (máximo {MAX_TEXT_LENGTH} caracteres)."
        )
    return text


def _clean(text: str) -> str:
    """Quita los caracteres de control (salvo saltos de línea y tabuladores) y los bordes."""
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


def welcome(you: str, online: list[str]) -> str:
    return _encode("welcome", you=you, online=online)


def message(sender: str, text: str) -> str:
    return _encode("message", **{"from": sender}, text=text, time=_now())


# join y leave llevan solo quién entra o sale y cuántos quedan, no la lista entera:
# cada cliente la mantiene desde su welcome. Con la lista, que entraran N personas
# movería N³ bytes; así, N². La lección 6 lo cuenta.
def join(who: str, count: int) -> str:
    return _encode("join", who=who, count=count)


def leave(who: str, count: int) -> str:
    return _encode("leave", who=who, count=count)


def error(problem: ProtocolError) -> str:
    return _encode("error", code=problem.code, text=problem.text)


def _encode(type_: str, **fields: Any) -> str:
    # Se codifica una sola vez por evento, aunque luego se envíe a cien clientes.
    return json.dumps({"type": type_, **fields}, ensure_ascii=False, separators=(",", ":"))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
