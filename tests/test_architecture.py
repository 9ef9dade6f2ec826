"""The tiers hold: the core imports without Qt, and import-linter's contracts are kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

_IMPORT_CORE_WITHOUT_QT = r"""
import pkgutil, sys, importlib
sys.modules["PySide6"] = None          # any "import PySide6..." now raises ImportError
import gisapp
skipped = ("gisapp.ui", "gisapp.layers")
names = [m.name for m in pkgutil.walk_packages(gisapp.__path__, "gisapp.")
         if not m.name.startswith(skipped)]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


def test_core_imports_without_qt():
    result = subprocess.run([sys.executable, "-c", _IMPORT_CORE_WITHOUT_QT], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 10  # the walk really found the core modules


def test_import_contracts():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    lint = subprocess.run([str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True,
                          text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
