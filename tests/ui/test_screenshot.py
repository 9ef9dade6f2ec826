"""scripts/screenshot.py writes a PNG of the whole window at the size asked for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshot.py"


def run(*args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GISAPP_LANG": "zh_CN"}
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          env=environment, timeout=120)


def test_screenshot_of_a_project(tiny_project, tmp_path):
    out = tmp_path / "shots" / "window.png"
    result = run(str(tiny_project), str(out), "--size", "800x500")
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (800, 500)


def test_screenshot_of_a_broken_project_exits_2(tmp_path):
    broken = tmp_path / "broken.gpkg"
    broken.write_text("no")
    result = run(str(broken), str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert "broken.gpkg" in result.stderr and not (tmp_path / "x.png").exists()

