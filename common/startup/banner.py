"""El banner de arranque: qué abrir y desde dónde, cuántas conexiones caben y cómo parar."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tornado.options import OptionParser

from common.spanish import plural
from common.startup import qr
from common.startup.network import is_loopback, lan_urls

# El banner lo dice cuando no se usa el hub de siempre (benchmarks/fanout.py lo comprueba).
PLAIN_HUB_NOTE = "Envío con el bucle simple (--hub=plain): el de las lecciones, más lento."


def banner(
    title: str,
    urls: list[str],
    client_file: Path | None = None,
    capacity: int | None = None,
    plain_hub: bool = False,
    extra: Sequence[str] = (),
    notes: Sequence[str] = (),
    address: str = "",
) -> str:
    """El texto que el servidor imprime al arrancar: qué abrir y desde dónde.

    ``extra`` va justo debajo de las direcciones (el QR); ``notes``, al final;
    ``address``, la de --address (vacía: todas las interfaces).
    """
    local, *lan = urls
    lines = [title, "", f"  En este equipo:        {local}"]
    lines += [f"  Desde otro dispositivo: {url}" for url in lan]
    if address and is_loopback(address):  # Lo ha pedido así: no es ningún problema.
        lines += [
            f"  Solo se entra desde este equipo (--address={address}). Para que entren",
            "  los móviles y los demás equipos de la red, arranca el servidor sin --address.",
        ]
    elif not lan and not address:
        lines.append("  (No se encontró ninguna IP de red local: solo funciona en este equipo.)")
    lines += extra
    if client_file is not None:
        lines += [
            "",
            "Abre el cliente con doble clic en el archivo, o pega esto en el navegador:",
            f"  {client_file.resolve().as_uri()}",
        ]
        if lan:
            lines.append("En otro equipo, escribe en «Servidor» una dirección de red de arriba.")
    if capacity is not None:
        admits = plural(capacity, "conexión", "conexiones")
        lines += ["", f"Admite hasta {admits} a la vez (--max-connections)."]
    if plain_hub:
        lines.append(PLAIN_HUB_NOTE)
    lines += notes
    lines += ["", "Pulsa Ctrl+C para detener el servidor."]
    return "\n".join(lines)


def qr_lines(urls: list[str], options: OptionParser) -> list[str]:
    """Las líneas del QR del banner, con la primera URL de la red (``extra`` de banner()).

    Solo el Stack 2 define --qr: su página se abre desde un móvil; la del Stack 1, no.
    """
    if "qr" not in options:
        return []
    return qr.banner_lines(lan_urls(urls, options.address), options.address, options.qr)
