"""Lo que el servidor crea en datos/ al arrancar: una vez, entero y con sus permisos."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from common.startup.files import write_once


def test_the_file_is_created_with_its_data_and_nothing_is_left_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "datos" / "lista.txt"
    write_once(path, b"hola\n")
    assert path.read_bytes() == b"hola\n"
    assert [p.name for p in path.parent.iterdir()] == ["lista.txt"], "Quedó un temporal"


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "lista.txt"
    path.write_text("la que editó la profesora\n")
    write_once(path, b"la plantilla\n")
    assert path.read_text() == "la que editó la profesora\n"


def test_a_secret_is_readable_only_by_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "cookie_secret"
    write_once(path, b"secreto", mode=0o600)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_on_a_usb_stick_without_hard_links_the_file_is_still_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # FAT y exFAT no tienen enlaces duros: os.link falla con EPERM, como aquí.
    def no_links(source: object, target: object) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "lista.txt"
    write_once(path, b"hola\n")
    assert path.read_bytes() == b"hola\n"
    assert [p.name for p in tmp_path.iterdir()] == ["lista.txt"]
