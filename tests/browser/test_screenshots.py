"""Las capturas del README existen, son PNG pequeños y el script que las hace funciona."""

from __future__ import annotations

import importlib.util
import re
import struct
from pathlib import Path

import pytest

from tests.browser.harness import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
NAMES = ["stack1-escritorio", "stack1-movil", "stack2-escritorio", "stack2-movil"]
# Escritorio a 1100×680 y móvil a 390×844 con pantalla de doble densidad.
SIZES = {"escritorio": (1100, 680), "movil": (780, 1688)}
MAX_BYTES = 250 * 1024


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} no es un PNG"
    return struct.unpack(">II", header[16:24])


def load_screenshot_script():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts/screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_shows_all_four_screenshots_and_they_are_small_pngs() -> None:
    section = README.split("## 📸 Capturas", 1)[1].split("\n## ", 1)[0]
    shown = re.findall(r'src="(docs/img/[\w-]+\.png)"', section)
    assert shown == [f"docs/img/{name}.png" for name in NAMES]
    assert "python scripts/screenshots.py" in section
    for path in shown:
        image = ROOT / path
        assert image.exists(), f"El README muestra {path}, que no existe"
        assert image.stat().st_size < MAX_BYTES, f"{path} pesa demasiado para un README"
        assert png_size(image) == SIZES[path.rsplit("-", 1)[1][:-4]]


@pytest.mark.gen_test(timeout=30)
async def test_the_screenshot_script_captures_both_clients_on_desktop_and_phone(
    browser, tmp_path
) -> None:
    written = await load_screenshot_script().capture(browser, tmp_path)
    assert [path.name for path in written] == [f"{name}.png" for name in NAMES]
    for path in written:
        assert png_size(path) == SIZES[path.stem.rsplit("-", 1)[1]]
