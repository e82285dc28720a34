"""Los archivos que el servidor crea en datos/ la primera vez que arranca."""

from __future__ import annotations

import os
from pathlib import Path


def write_once(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Crea ``path`` con ``data`` si aún no existe; si ya existe, no lo toca.

    Dos servidores que arrancan a la vez (dos terminales, o varios procesos) nunca leen
    un archivo a medio escribir: se escribe aparte y aparece de un solo paso con
    ``os.link``, que falla si otro se adelantó (y entonces vale el suyo). Una memoria USB
    (FAT, exFAT) no tiene enlaces: allí se renombra con ``os.replace``, que también es
    de un paso. ``mode``: 0o600 para un secreto, que solo lea su dueño.
    """
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    try:
        os.link(partial, path)
    except FileExistsError:
        pass  # Otro se adelantó: su archivo vale igual.
    except OSError:  # Un sistema de archivos sin enlaces.
        if not path.exists():
            os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
