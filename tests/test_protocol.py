"""El protocolo JSON del Stack 2, sin red: validación y forma de los eventos."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stack2_http import protocol
from stack2_http import text as text_hygiene
from stack2_http.server import ChatSocket


def parse_chat_text(raw: str | bytes) -> str:
    """Lo que hace ChatSocket.on_message con un frame: decodificar, buscar el tipo y validar."""
    event = protocol.decode(raw)
    if event["type"] not in ChatSocket.EVENTS:
        raise protocol.unknown_type(event["type"], ChatSocket.EVENTS)
    validate, _ = ChatSocket.EVENTS[event["type"]]
    return validate(event).text


def test_a_valid_message_returns_its_text() -> None:
    assert parse_chat_text('{"type": "message", "text": "Hola"}') == "Hola"


def test_surrounding_spaces_and_control_characters_are_removed() -> None:
    raw = json.dumps({"type": "message", "text": "  Ho\x00la\x1b[31m\n  mundo\t "})
    assert parse_chat_text(raw) == "Hola[31m\n  mundo"


def test_accents_and_emoji_survive() -> None:
    raw = json.dumps({"type": "message", "text": "¿Qué tal, ñandú? 🎉"})
    assert parse_chat_text(raw) == "¿Qué tal, ñandú? 🎉"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\x00\x01", "binary"),
        ("no es json", "invalid_json"),
        ('"solo una cadena"', "invalid_json"),
        ("null", "invalid_json"),
        ("{}", "invalid_field"),
        ('{"type": 7}', "unknown_type"),
        ('{"type": "welcome"}', "unknown_type"),
        ('{"type": "message"}', "invalid_field"),
        ('{"type": "message", "text": ["a"]}', "invalid_field"),
        ('{"type": "message", "text": "\\u0000\\u0007 "}', "empty"),
        (json.dumps({"type": "message", "text": "x" * (protocol.MAX_TEXT_LENGTH + 1)}), "too_long"),
    ],
)
def test_invalid_frames_raise_a_protocol_error_with_a_code(raw, code) -> None:
    with pytest.raises(protocol.ProtocolError) as error:
        parse_chat_text(raw)
    assert error.value.code == code


@pytest.mark.parametrize("key", ["k" * 8, "k" * 64, "Az09_-Az", "x3Jq8_VbN-4mKp1sZ0aW7Q"])
def test_a_client_key_of_8_to_64_letters_digits_dashes_or_underscores_is_accepted(key) -> None:
    assert protocol.parse_client(key) == key


@pytest.mark.parametrize(
    "key", ["", "k" * 7, "k" * 65, "con espacios", "clave\n123", "ñandú-ñandú", "clave.con.puntos"]
)
def test_any_other_client_key_is_refused_in_spanish_as_invalid_client(key) -> None:
    with pytest.raises(protocol.ProtocolError) as refused:
        protocol.parse_client(key)
    assert refused.value.code == "invalid_client" and "clave" in refused.value.text


def test_no_client_key_is_no_key() -> None:
    assert protocol.parse_client(None) is None


def test_the_longest_allowed_message_is_accepted() -> None:
    text = "x" * protocol.MAX_TEXT_LENGTH
    assert parse_chat_text(json.dumps({"type": "message", "text": text})) == text


def test_every_server_event_is_a_json_object_with_a_type() -> None:
    events = [
        protocol.welcome("127.0.0.1:5000", "general", ["127.0.0.1:5000"], "e1", 0, []),
        protocol.message(1, "e1", "general", "127.0.0.1:5000", "Hola", None),
        protocol.ack("c1", 1),
        protocol.join("127.0.0.1:5000", 1),
        protocol.leave("127.0.0.1:5000", 0),
        protocol.error(protocol.ProtocolError("empty", "El mensaje está vacío.")),
    ]
    types = [json.loads(event)["type"] for event in events]
    assert types == ["welcome", "message", "ack", "join", "leave", "error"]


def test_the_message_event_names_its_sender_in_from() -> None:
    event = json.loads(protocol.message(7, "e1", "general", "10.0.0.7:51234", "<b>hola</b>", None))
    assert event["from"] == "10.0.0.7:51234"
    assert event["text"] == "<b>hola</b>"  # El servidor no toca el HTML: lo escapa el cliente.


def test_events_keep_non_ascii_text_readable() -> None:
    assert "ñandú" in protocol.message(1, "e1", "general", "a:1", "ñandú", None)


# --- Propiedades: cualquier entrada da un texto válido o un error claro, nunca una excepción.


@given(st.one_of(st.text(), st.binary()))
@settings(max_examples=300, deadline=None)
def test_any_frame_yields_clean_text_or_a_protocol_error(raw) -> None:
    try:
        text = parse_chat_text(raw)
    except protocol.ProtocolError as problem:
        assert problem.code and problem.text.endswith(".")
    else:
        assert text and text == text.strip()
        assert len(text) <= protocol.MAX_TEXT_LENGTH


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=10,
)


@given(st.dictionaries(st.sampled_from(["type", "text", "extra"]), json_values))
@settings(max_examples=300, deadline=None)
def test_any_json_object_yields_clean_text_or_a_protocol_error(event) -> None:
    try:
        text = parse_chat_text(json.dumps(event))
    except protocol.ProtocolError:
        return
    assert event["type"] == "message"
    assert all(ch in "\n\t" or unicodedata.category(ch) != "Cc" for ch in text)


@given(st.text(min_size=1, max_size=protocol.MAX_TEXT_LENGTH))
@settings(max_examples=200, deadline=None)
def test_any_printable_text_survives_the_round_trip(text) -> None:
    raw = json.dumps({"type": "message", "text": text})
    cleaned = text_hygiene.clean(text)
    if text_hygiene.visible(cleaned):
        assert parse_chat_text(raw) == cleaned
