"""El filtro de palabras prohibidas y de apodos de profesora (stack2_http/words.py)."""

from __future__ import annotations

import pytest

from common.startup.settings import parse_options
from stack2_http import protocol
from stack2_http.options import chat_settings, define_stack2_options
from stack2_http.words import (
    DEFAULT_LIST,
    TEMPLATE,
    BannedWords,
    create_default,
    load,
    looks_like_teacher,
    normalize,
)

# Lo que escribe un estudiante → lo que compara el filtro.
NORMALIZED = {
    "PUTO": "puto",
    "Cabrón": "cabron",
    "PUT0": "puto",
    "m1erda": "mierda",
    "$ubn0rm4l": "subnormal",
    "id10t@": "idiota",
    "p.u.t.o": "p u t o",
    "¡¡Eres   un--capullo!!": "eres un capullo",
    "ｐｕｔｏ": "puto",  # Letras «de ancho completo».
    "𝐩𝐮𝐭𝐨": "puto",  # Letras matemáticas en negrita.
    "año": "año",  # La ñ es otra letra: «año» no es «ano».
    "AÑO": "año",
    "pingüino": "pinguino",
    "puuuto": "puuuto",  # Las letras repetidas se comparan en el patrón, no aquí.
}


@pytest.mark.parametrize(("text", "expected"), NORMALIZED.items())
def test_normalize_undoes_case_accents_leetspeak_and_punctuation(text, expected) -> None:
    assert normalize(text) == expected


BANNED = BannedWords(["puto", "perra x", "clas", "cabrón", "hijo de perra", "ano"])

# Cada texto lleva una palabra o frase de BANNED, disfrazada o no.
CAUGHT = [
    "puto",
    "Eres un PUTO.",
    "PUT0",
    "puuuuto",
    "PuUuT0!!",
    "p.u.t.o",
    "p u t o",
    "voy a p-u-t-o",  # Letra a letra, aunque vaya tras la «a».
    "p.u.u.t.o",
    "ｐｕｔｏ",
    "cabron",
    "CABRÓN",
    "cabrooon",
    "c.a.b.r.o.n",
    "Hijo de perra",
    "hijo   de...perrra",
    "clas",
]

# Ninguno lleva una palabra entera de BANNED: si alguno saltara, el filtro estorbaría.
NOT_CAUGHT = [
    "clase",  # «clas» es solo el principio.
    "computadora",  # Lleva «puta» dentro: se compara la palabra entera.
    "disputo",
    "putón",
    "año",  # La ñ no es una n: «año» no es «ano».
    "a no ser que",  # «a» y «no» son dos palabras, no letras sueltas.
    "hijo de pera",  # «perra» lleva dos erres; «pera», una.
    "hijo de",
    "perra",  # Solo está prohibida la frase entera.
    "pu to",  # Dos trozos de más de una letra: dos palabras.
    "",
]


@pytest.mark.parametrize("text", CAUGHT)
def test_a_banned_word_is_found_in_its_disguises(text) -> None:
    assert BANNED.found_in(text), f"«{text}» debería saltar"


@pytest.mark.parametrize("text", NOT_CAUGHT)
def test_a_banned_word_is_never_found_inside_another_word(text) -> None:
    assert not BANNED.found_in(text), f"«{text}» no lleva ninguna palabra prohibida"


def test_an_empty_list_bans_nothing() -> None:
    assert not BannedWords().found_in("puto")
    assert len(BannedWords(["", "  ", "¿?"])) == 0  # Sin letras no es una palabra.


def test_a_banned_message_raises_banned_word_with_its_cid_and_without_the_word() -> None:
    with pytest.raises(protocol.ProtocolError) as refused:
        BANNED.check(protocol.Message("Eres un PUT0", "c1"))
    assert (refused.value.code, refused.value.cid) == ("banned_word", "c1")
    assert "put" not in refused.value.text.lower()


def test_a_banned_private_raises_banned_word() -> None:
    with pytest.raises(protocol.ProtocolError) as refused:
        BANNED.check(protocol.Private("127.0.0.1:5000", "p.u.t.o"))
    assert (refused.value.code, refused.value.cid) == ("banned_word", None)


def test_clean_events_pass_the_check() -> None:
    for event in (protocol.Message("En clase", None), protocol.Nick("Puto"), protocol.Typing()):
        BANNED.check(event)  # Un apodo se mira en check_nick, no aquí.


TEACHER_LIKE = [
    "Profe",
    "PROFE",
    "Pr0fe",
    "Pr0f3",
    "Proooofe",
    "P.r.o.f.e",
    "la profe",
    "LaProfe",
    "laprofe",
    "PROFE_oficial",
    "ProfeAna",
    "Ana Profe Luis",
    "AnaProfeLuis",  # La mayúscula separa palabras.
    "Profesor",
    "profesora",
    "Profes",
    "Maestro",
    "Maestra Ana",
    "Docente",
    "Teacher",
    "Admin",
    "Admin2",
    "superadmin",
    "Administradora",
    "Moderador",
    "Tutora",
]

NOT_TEACHER_LIKE = ["Ana", "Luis", "Badminton", "Profundo", "Maestría", "Doce", "Pro", "Moda"]


@pytest.mark.parametrize("nick", TEACHER_LIKE)
def test_a_nick_that_looks_like_the_teacher_is_spotted(nick) -> None:
    assert looks_like_teacher(nick), f"«{nick}» parece el apodo de la profesora"


@pytest.mark.parametrize("nick", NOT_TEACHER_LIKE)
def test_an_ordinary_nick_is_not_mistaken_for_the_teacher(nick) -> None:
    assert not looks_like_teacher(nick), f"«{nick}» no parece el apodo de la profesora"


def test_a_student_cannot_take_a_teacher_nick_and_the_teacher_can() -> None:
    with pytest.raises(protocol.ProtocolError) as refused:
        BANNED.check_nick("Pr0fe", teacher=False)
    assert refused.value.code == "invalid_nick"
    assert "reservado" in refused.value.text
    assert BANNED.check_nick("Pr0fe", teacher=True) == "Pr0fe"
    assert BANNED.check_nick("Ana", teacher=False) == "Ana"


@pytest.mark.parametrize("teacher", [False, True])
def test_a_nick_with_a_banned_word_is_refused_to_everyone(teacher) -> None:
    with pytest.raises(protocol.ProtocolError) as refused:
        BANNED.check_nick("El Cabrón", teacher=teacher)
    assert refused.value.code == "banned_word"
    assert "cabr" not in refused.value.text.lower()


def test_the_list_file_has_one_entry_per_line_with_comments_and_blank_lines(tmp_path) -> None:
    path = tmp_path / "lista.txt"
    path.write_text("# Mi lista\n\ncaca   # a veces\n  Culo\nhijo de perra\n", encoding="utf-8")
    banned = load(path)
    assert banned.entries == ["caca", "culo", "hijo de perra"]
    assert not banned.found_in("a veces mi lista")  # Los comentarios no cuentan.
    assert str(path) in banned.note


def test_the_default_list_is_created_from_the_template_the_first_time(tmp_path) -> None:
    path = tmp_path / "datos" / "palabras_prohibidas.txt"
    assert create_default(path) == path
    assert path.read_bytes() == TEMPLATE.read_bytes()
    assert [p.name for p in path.parent.iterdir()] == [path.name], "Sin temporales"


def test_the_default_list_once_edited_is_never_overwritten(tmp_path) -> None:
    path = tmp_path / "palabras_prohibidas.txt"
    path.write_text("caca\n", encoding="utf-8")
    create_default(path)
    assert path.read_text(encoding="utf-8") == "caca\n"


def test_without_the_option_the_server_reads_the_default_list() -> None:
    options = parse_options(8000, [], define=define_stack2_options)
    assert chat_settings(options)["banned"].source == str(DEFAULT_LIST)
    assert DEFAULT_LIST.exists()


def test_the_option_reads_the_list_it_names(tmp_path) -> None:
    path = tmp_path / "mi_lista.txt"
    path.write_text("caca\n", encoding="utf-8")
    options = parse_options(8000, [f"--banned-words={path}"], define=define_stack2_options)
    banned = chat_settings(options)["banned"]
    assert banned.entries == ["caca"] and banned.found_in("CACA")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda path: None, "no existe el archivo"),
        (lambda path: path.mkdir(), "es una carpeta"),
        (lambda path: path.write_bytes(b"caca\n\xff\xfe\n"), "no es texto UTF-8"),
    ],
    ids=["falta", "carpeta", "no-utf8"],
)
def test_a_list_that_cannot_be_read_stops_the_server_with_one_spanish_line(
    tmp_path, capsys, make, reason
) -> None:
    path = tmp_path / "lista.txt"
    make(path)
    options = parse_options(8000, [f"--banned-words={path}"], define=define_stack2_options)
    with pytest.raises(SystemExit) as exited:
        chat_settings(options)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: --banned-words: ") and reason in err and err.count("\n") == 1


def test_the_template_loads_and_does_what_its_header_promises() -> None:
    banned = load(TEMPLATE)
    assert len(banned) >= 20
    for text in ("Cabrón", "cabron", "CABR0N", "c.a.b.r.o.n", "cabrooon", "hijo de perra"):
        assert banned.found_in(text), f"La cabecera de la plantilla promete que «{text}» salta"
    for text in ("computadora", "disputa", "una perra y un zorro", "la clase"):
        assert not banned.found_in(text), f"La cabecera promete que «{text}» no salta"
