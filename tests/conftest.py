"""Shared fixtures: the real-world samples in ../shared/data, skipped cleanly when absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """Folder of real-world samples no one here made; never copied into the repo."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real-world samples not present at {SHARED_DATA}")
    return SHARED_DATA
