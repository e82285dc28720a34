"""Higiene Unicode de lo que escriben los clientes: lo que no se ve, o engaña, se quita.

Un texto puede traer caracteres que la pantalla no enseña (espacios de ancho cero,
letras «vacías») o que le dan la vuelta (los de dirección, de derecha a izquierda).
Sirven para mandar mensajes que parecen vacíos o para disfrazar uno: protocol.py limpia
con estas funciones cada texto y cada apodo antes de aceptarlo (lección 6).
"""

from __future__ import annotations

import unicodedata

# Caracteres de control de dirección (U+202A-U+202E, U+2066-U+2069): dan la vuelta
# al texto en pantalla y sirven para disfrazar un mensaje. Se quitan.
_BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# Letras que no se ven (rellenos coreanos, el braille vacío): un mensaje hecho solo
# de ellas llegaría como una línea en blanco.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Categorías Unicode que no se ven: controles, formato (U+200B, U+2060, U+FEFF...),
# sustitutos y separadores (espacios).
_INVISIBLE = frozenset(("Cc", "Cf", "Cs", "Zs", "Zl", "Zp"))


def encodable(text: str) -> bool:
    """False si el texto trae sustitutos sueltos («\\ud800»), que no existen en UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean(text: str) -> str:
    """Quita los caracteres de control (salvo saltos de línea y tabuladores) y los bordes."""
    text = text.translate(_BIDI_CONTROLS)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


def visible(text: str) -> bool:
    """True si al menos un carácter se ve en pantalla."""
    return any(
        unicodedata.category(ch) not in _INVISIBLE and ch not in _BLANK_LETTERS for ch in text
    )


def has_controls(text: str) -> bool:
    """True si lleva algún carácter de control o de formato (saltos de línea, U+200B…)."""
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)
