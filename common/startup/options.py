"""La línea de órdenes en español: ``--help`` y un error claro por cada fallo.

Los servidores definen sus opciones con tornado.options (las comunes, en
common/startup/settings.py); aquí solo las leemos nosotros, para que quien se equivoque
vea una línea en español y salga con el código 2 (el de los errores de uso, como en
argparse), en lugar de una traza de Python o un «Usage:» en inglés. El cliente de la
terminal y los benchmarks usan argparse: ``SpanishArgumentParser``, al final, lo traduce.
"""

from __future__ import annotations

import argparse
import difflib
import errno
import os
import re
import socket
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from tornado.options import Error, OptionParser

from common.tornado_internals import option_definitions

# El código de salida de un error de uso (el mismo que usa argparse).
USAGE_ERROR = 2

# Lo que un estudiante escribe a veces en español, y la opción que quería.
SPANISH_NAMES = {
    "puerto": "port",
    "direccion": "address",
    "dirección": "address",
    "ip": "address",
    "depurar": "debug",
    "ayuda": "help",
    "conexiones": "max-connections",
}

# Lo que tornado entiende como sí o no en una opción como --debug.
BOOLEANS = {"true", "false", "1", "0", "t", "f", "yes", "no", "y", "n"}

# Los valores que admite cada opción que no es un simple número o texto.
CHOICES = {"hub": ("fast", "plain")}


class OptionMistake(Exception):
    """Un error al escribir las opciones; su texto es la línea que verá el estudiante."""


def parse_command_line(options: OptionParser, argv: Sequence[str], prog: str) -> None:
    """Lee ``argv`` en ``options``; ante un error, una línea en stderr y código 2."""
    try:
        _parse(options, list(argv), prog)
    except OptionMistake as mistake:
        fail(str(mistake))


def fail(message: str) -> NoReturn:
    """Termina con una sola línea de error en español y el código de un error de uso."""
    print(f"Error: {message}", file=sys.stderr)
    raise SystemExit(USAGE_ERROR)


def _parse(options: OptionParser, args: list[str], prog: str) -> None:
    known = _known(options)
    for i, arg in enumerate(args):
        if arg in ("-h", "--help", "-help"):
            print(help_text(options, prog))
            raise SystemExit(0)
        if not arg.startswith("-"):
            raise OptionMistake(f"no esperaba «{arg}»: las opciones empiezan por -- (--help).")
        written, equals, value = arg.lstrip("-").partition("=")
        name = written.replace("_", "-")  # --max_connections y --max-connections valen igual.
        option = known.get(name)
        if option is None and name.startswith("no-") and not equals:
            option = known.get(name[3:])  # --no-qr es --qr=false, si --qr es de sí o no.
            if option is not None and option.type is bool:
                name, equals, value = name[3:], "=", "false"
            else:
                option = None
        if option is None:
            raise OptionMistake(f"no existe la opción --{written}.{_suggestion(name, known)}")
        if not equals:
            following = args[i + 1] if i + 1 < len(args) else ""
            if option.type is not bool and following and not following.startswith("-"):
                raise OptionMistake(
                    f"falta el «=»: escribe --{name}={following}, sin espacio en medio."
                )
            if option.type is not bool:
                raise OptionMistake(f"--{name} necesita un valor: --{name}={_metavar(option)}.")
            value = "true"  # «--debug» a secas es «--debug=true».
        if option.type is bool and value.lower() not in BOOLEANS:
            raise OptionMistake(f"--{name} se escribe sola, o con =true o =false; no «{value}».")
        try:
            option.parse(value)
        except (Error, ValueError):
            raise OptionMistake(_bad_value(name, option, value)) from None
        _check(name, option.value())


def _known(options: OptionParser) -> dict[str, Any]:
    # Tornado no ofrece otra forma de leer la ayuda y el tipo de cada opción que su
    # diccionario interno (common/tornado_internals.py); su propio print_help() lo usa igual.
    return option_definitions(options)


def _suggestion(name: str, known: dict[str, Any]) -> str:
    wanted = SPANISH_NAMES.get(name.lower())
    if wanted is None:
        close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
        wanted = close[0] if close else None
    if wanted is None:
        return " Mira las que hay con --help."
    return f" ¿Querías decir --{wanted}?"


def _bad_value(name: str, option: Any, value: str) -> str:
    kind = {int: "un número entero", float: "un número"}.get(option.type, "otro valor")
    return f"--{name} necesita {kind}, no «{value}»."


def _check(name: str, value: Any) -> None:
    """Lo que el tipo no basta para comprobar: rangos, valores admitidos, direcciones."""
    if name == "port" and not 0 <= value <= 65535:
        raise OptionMistake(f"--port admite de 0 a 65535, no {value} (0 = uno libre).")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        raise OptionMistake(f"--{name} no puede ser negativo ({value}).")
    if name in CHOICES and value not in CHOICES[name]:
        allowed = " o ".join(f"«{choice}»" for choice in CHOICES[name])
        raise OptionMistake(f"--{name} admite {allowed}, no «{value}».")
    if name == "address" and value:
        _check_address(value)


def _check_address(address: str) -> None:
    """¿Es ``address`` una dirección de este equipo? Se prueba escuchando en un puerto libre."""
    try:
        infos = socket.getaddrinfo(address, 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        raise OptionMistake(
            f"--address={address} no es una dirección IP (prueba con 127.0.0.1 o quítala)."
        ) from None
    for family, kind, proto, _, sockaddr in infos:
        with socket.socket(family, kind, proto) as probe:
            try:
                probe.bind(sockaddr)
                return
            except OSError as error:
                if error.errno != errno.EADDRNOTAVAIL:
                    return  # Otro problema: que lo cuente el arranque, con su puerto.
    raise OptionMistake(
        f"--address={address} no es una dirección de este equipo: usa una de las que "
        "imprime el banner, o quita --address para escuchar en todas."
    )


def _metavar(option: Any) -> str:
    if option.metavar:
        return option.metavar
    return {int: "NÚMERO", float: "NÚMERO"}.get(option.type, "TEXTO")


def help_text(options: OptionParser, prog: str) -> str:
    """La ayuda de ``--help``, entera en español."""
    rows = []
    for name, option in _known(options).items():
        if name == "help":
            continue
        text = option.help or ""
        if option.type is bool:
            # Una opción de sí o no se muestra en la forma que cambia algo: --debug enciende
            # lo que está apagado; --no-qr apaga lo que está encendido (y su ayuda dice
            # qué hace esa forma). Así ninguna ayuda dice «True» ni «False».
            usage = f"--no-{name}" if option.default else f"--{name}"
        else:
            usage = f"--{name}={_metavar(option)}"
            if option.default not in (None, "", [], False):
                text += f"; por defecto, {_spanish(option.default)}"
        rows.append((usage, text))
    rows.append(("--help", "muestra esta ayuda y termina"))
    width = max(len(usage) for usage, _ in rows)
    lines = [f"Uso: python {prog} [--opción=valor ...]", "", "Opciones:"]
    lines += [f"  {usage.ljust(width)}  {text}" for usage, text in rows]
    lines += ["", "Escribe cada valor pegado a su opción con «=»: --port=8001."]
    return "\n".join(lines)


def _spanish(value: Any) -> str:
    """Un valor por defecto como lo escribiría una persona: 20 y no 20.0, 0,5 y no 0.5."""
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)


def program_name(argv0: str | None = None) -> str:
    """Cómo se llamó al servidor, en relativo si se puede (p. ej. «stack2_http/server.py»)."""
    path = argv0 if argv0 is not None else sys.argv[0]
    try:
        relative = os.path.relpath(path)
    except ValueError:  # Windows: otra unidad de disco.
        return path
    return path if relative.startswith("..") else relative.replace(os.sep, "/")


class SpanishHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """La ayuda de argparse con «Uso:» en lugar de «usage:»."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "Uso: " if prefix is None else prefix)

    def _get_default_metavar_for_optional(self, action: argparse.Action) -> str:
        # Sin esto, argparse escribe el nombre en inglés y en mayúsculas: --clients CLIENTS.
        return "N" if action.type in (int, float) else "VALOR"


class SpanishArgumentParser(argparse.ArgumentParser):
    """Un argparse cuya ayuda y cuyos errores están en español (argparse los trae en inglés)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", SpanishHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "Argumentos"
        self._optionals.title = "Opciones"
        self.add_argument("-h", "--help", action="help", help="muestra esta ayuda y termina")

    def error(self, message: str) -> NoReturn:
        fail(_spanish_argparse(message, self.prog))


def _spanish_argparse(message: str, prog: str) -> str:
    """Los errores más comunes de argparse, traducidos; los demás, tal cual."""
    if message.startswith("the following arguments are required:"):
        names = message.split(":", 1)[1].strip()
        return f"falta {names}. Mira cómo se usa con: {prog} --help"
    if message.startswith("unrecognized arguments:"):
        extra = message.split(":", 1)[1].strip()
        return f"no conozco {extra}. Mira las opciones con: {prog} --help"
    found = re.match(r"argument (\S+): invalid (\w+) value: '(.*)'", message)
    if found:
        option, kind, value = found.groups()
        what = {"int": "un número entero", "float": "un número"}.get(kind, "otro valor")
        return f"{option.split('/')[-1]} necesita {what}, no «{value}»."
    found = re.match(r"argument (\S+): invalid choice: '?(.*?)'? \(choose from (.*)\)", message)
    if found:
        option, value, choices = found.groups()
        return f"{option.split('/')[-1]} admite {choices.replace(chr(39), '')}, no «{value}»."
    found = re.match(r"argument (\S+): expected one argument", message)
    if found:
        return f"{found.group(1).split('/')[-1]} necesita un valor."
    return message
