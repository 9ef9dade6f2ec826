"""scripts/screenshot_editing.py drives the editing through the real window and writes one
PNG per scene, leaving the project as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

from tests.ui.editing_project import make_editing_project

EDITING_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshot_editing.py"


def test_screenshots_of_editing(tmp_path):
    project = make_editing_project(tmp_path / "edit.gpkg").path
    saved = project.read_bytes()
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GISAPP_LANG": "zh_CN"}
    result = subprocess.run([sys.executable, str(EDITING_SCRIPT), str(project),
                             str(tmp_path / "shots"), "--size", "900x600", "--scene", "draw",
                             "--scene", "topology"], check=False, capture_output=True, text=True,
                            env=environment, timeout=180)
    assert result.returncode == 0, result.stderr
    for scene in ("draw", "topology"):
        image = QImage(str(tmp_path / "shots" / f"editing-{scene}.png"))
        assert (image.width(), image.height()) == (900, 600)
    assert project.read_bytes() == saved  # the edits were never saved
    assert not project.with_name(project.name + ".lock").exists()  # nor the lock left behind
