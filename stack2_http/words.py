"""Lo que no se puede escribir en el chat: palabras prohibidas y apodos de profesora.

Una clase de menores necesita un filtro sencillo: una lista de palabras y frases que
edita la profesora (``--banned-words``, por defecto datos/palabras_prohibidas.txt) y
que se compara con cada mensaje, privado y apodo. Antes de comparar, ``normalize()``
deshace los disfraces de siempre: mayúsculas, tildes, cifras por letras («PUT0»),
letras repetidas («puuuto») y letras sueltas separadas por signos («p.u.t.o»).

Se compara la palabra entera, nunca un trozo: «computadora» no lleva «puta» dentro, y
un filtro que la prohibiera sería peor que ninguno. Ningún filtro es perfecto (quien
quiera insultar inventará otra forma); este para lo más común, y el resto es cosa de
la profesora: la lección 14 lo cuenta.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tornado.options import OptionParser

from common.startup.files import write_once
from common.startup.options import fail
from stack2_http import protocol

# La lista con la que empieza cada equipo: se copia la primera vez a datos/, que está en
# .gitignore, y la profesora edita esa copia (la plantilla sigue igual en el repositorio).
TEMPLATE = Path(__file__).with_name("palabras_prohibidas.txt")
DEFAULT_LIST = Path(__file__).resolve().parent.parent / "datos" / "palabras_prohibidas.txt"

# Cifras y símbolos que se escriben en lugar de una letra: «PUT0», «m1erda», «$ubnormal».
LEET = str.maketrans("013457@$", "oieastas")
# Después de normalizar solo quedan letras sin tilde (y la ñ); lo demás separa palabras.
NOT_A_LETTER = re.compile(r"[^a-zñ]+")

# Los apodos que solo puede llevar quien da la clase, ya normalizados y sin letras dobles.
TEACHER_WORDS = (
    "profe",
    "profes",
    "profesor",
    "profesora",
    "profesores",
    "profesoras",
    "maestro",
    "maestra",
    "maestros",
    "maestras",
    "docente",
    "docentes",
    "tutor",
    "tutora",
    "teacher",
    "admin",
    "administrador",
    "administradora",
    "moderador",
    "moderadora",
)


def normalize(text: str) -> str:
    """El texto como lo compara el filtro: «¡¡PUT0 de m1érda!!» → «puto de mierda»."""
    # NFKD separa cada letra de su tilde («é» → «e» + «´») y convierte las letras de
    # adorno (𝐩𝐮𝐭𝐨, ｐｕｔｏ) en las de siempre; luego las tildes se quitan.
    text = unicodedata.normalize("NFKD", text.casefold())
    text = text.replace("n\u0303", "ñ")  # Pero la ñ es otra letra: «año» no es «ano».
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return NOT_A_LETTER.sub(" ", text.translate(LEET)).strip()


def _word_pattern(word: str) -> str:
    """El patrón de una palabra normalizada: entera, o letra a letra («p u t o»).

    Cada letra puede repetirse más veces, nunca menos: «puuuto» es «puto», pero «pera»
    no es «perra» (que lleva dos erres). Letra a letra, como mucho tres veces más: sin
    tope, «p p p p…» con mil letras costaría un millón de pasos y pararía el servidor.
    """
    runs = [(letter, len(list(same))) for letter, same in itertools.groupby(word)]
    whole = "".join(letter * count + "+" for letter, count in runs)
    spelled = " ".join(" ".join(letter * count) + f"(?: {letter}){{0,3}}" for letter, count in runs)
    return f"(?:{whole}|{spelled})"


class BannedWords:
    """Una lista de palabras y frases prohibidas, lista para comparar con cualquier texto."""

    def __init__(self, entries: Iterable[str] = (), source: str = "") -> None:
        self.entries = sorted({normalize(entry) for entry in entries} - {""})
        self.source = source  # De qué archivo salió, para el banner.
        # Todas en una sola expresión regular, compilada una vez al arrancar: una pasada
        # por el texto, en C (menos de 1 ms para un mensaje de 2000 caracteres).
        # (?<!\S) y (?!\S): delante y detrás, un espacio o nada (la palabra entera).
        phrases = "|".join(" ".join(map(_word_pattern, e.split())) for e in self.entries)
        self.pattern = re.compile(rf"(?<!\S)(?:{phrases})(?!\S)") if phrases else None

    def __len__(self) -> int:
        return len(self.entries)

    def found_in(self, text: str) -> bool:
        """True si el texto lleva alguna palabra o frase de la lista."""
        return self.pattern is not None and self.pattern.search(normalize(text)) is not None

    def check(self, event: Any) -> None:
        """Lanza ProtocolError("banned_word") si el texto de un message o private lleva alguna."""
        if isinstance(event, (protocol.Message, protocol.Private)) and self.found_in(event.text):
            raise protocol.banned_word(getattr(event, "cid", None))  # Un privado no lleva cid.

    def check_nick(self, nick: str, teacher: bool) -> str:
        """Devuelve el apodo si se puede usar; si no, lanza ProtocolError con el motivo.

        Las palabras prohibidas valen para todos, también para quien da la clase (el chat
        lo leen menores); un apodo de profesora, solo para ella (``teacher``).
        """
        if self.found_in(nick):
            raise protocol.banned_nick()
        if not teacher and looks_like_teacher(nick):
            raise protocol.teacher_nick()
        return nick

    @property
    def note(self) -> str:
        """La línea del banner: cuántas hay y dónde se editan."""
        return f"Palabras prohibidas: {len(self)}, en {self.source} (edítalo y reinicia)."


# La lista de make_app() cuando no le dan otra (en las pruebas): nada está prohibido.
NOTHING_BANNED = BannedWords()


def looks_like_teacher(nick: str) -> bool:
    """True si el apodo parece el de quien da la clase: «Pr0fe», «la_profe», «ProfeAna»…

    Se rechaza si alguna de sus palabras, o el apodo entero sin espacios ni signos, empieza
    o acaba por una de ``TEACHER_WORDS``. Así caen «LaProfe», «laprofe», «PROFE_oficial» y
    «P.r.o.f.e», y no «Badminton» (que lleva «admin» en medio). El precio: «Profeta» o
    «Tutorial» tampoco valen, y el error dice por qué.
    """
    # «ProfeAna» son dos palabras aunque no lleven espacio: se separan en la mayúscula.
    words = normalize(re.sub(r"(?<=[a-záéíóúñ])(?=[A-ZÁÉÍÓÚÑ])", " ", nick)).split()
    pieces = [*words, "".join(words)]
    # Sin letras repetidas: «Proooofe» es «profe».
    plain = [re.sub(r"(.)\1+", r"\1", piece) for piece in pieces]
    return any(piece.startswith(TEACHER_WORDS) or piece.endswith(TEACHER_WORDS) for piece in plain)


def define_options(options: OptionParser) -> None:
    """--banned-words: el archivo con las palabras y frases prohibidas."""
    options.define(
        "banned_words",
        default="",  # Vacío: DEFAULT_LIST. Así --help no enseña la ruta de este equipo.
        metavar="RUTA",
        help="archivo con las palabras y frases prohibidas, una por línea; por defecto, "
        "datos/palabras_prohibidas.txt en la carpeta del proyecto (se crea la primera vez)",
    )


def from_options(options: OptionParser) -> BannedWords:
    """La lista de --banned-words, o la de siempre (creada desde la plantilla si falta)."""
    if options.banned_words:
        return load(Path(options.banned_words))
    return load(create_default(DEFAULT_LIST))


def create_default(path: Path) -> Path:
    """Copia la plantilla a ``path`` si aún no existe (la primera vez que arranca)."""
    write_once(path, TEMPLATE.read_bytes())  # Si la profesora ya la editó, no se toca.
    return path


def load(path: Path) -> BannedWords:
    """Lee la lista: una palabra o frase por línea; lo que sigue a «#», un comentario."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        fail(f"--banned-words: no existe el archivo {path}.")
    except IsADirectoryError:
        fail(f"--banned-words: {path} es una carpeta; dale un archivo de texto.")
    except UnicodeDecodeError:
        fail(f"--banned-words: {path} no es texto UTF-8; guárdalo como UTF-8.")
    except OSError as error:
        fail(f"--banned-words: no se puede leer {path} ({error.strerror}).")
    return BannedWords((line.partition("#")[0] for line in lines), str(path))
