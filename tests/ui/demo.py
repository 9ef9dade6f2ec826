"""The demo district (seed 7) written once per test session, and pixel helpers for map tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pyproj import Transformer

from gisapp.demo import build_demo
from gisapp.layers.view import MapView
from gisapp.project import Project
from tests.layers.pixels import rgb

SEED = 7
MONTH = "2026-10"
TO_MAP = Transformer.from_crs(4326, 3857, always_xy=True)
_built: dict[str, tuple[Path, dict]] = {}


def demo_project(folder: Path) -> tuple[Path, dict]:
    """The demo's project file (written into ``folder`` the first time) and its truth."""
    if "demo" not in _built:
        demo = build_demo(seed=SEED, scale="demo", month=MONTH)
        project = Project.create(folder / "demo.gpkg", name=demo.name)
        for name, table in demo.tables().items():
            project.set_table(name, table)
        project.add_fixes(demo.fixes())
        project.save()
        _built["demo"] = (project.path, demo.truth)
    return _built["demo"]


def pixel_of(view: MapView, lon: float, lat: float) -> tuple[int, int]:
    px, py = view.to_pixel(*TO_MAP.transform(lon, lat))
    return int(np.floor(px)), int(np.floor(py))


def shown_pixels(window) -> np.ndarray:
    """What the canvas shows, through its own paintEvent."""
    return rgb(window.canvas.grab().toImage())


def inside(view: MapView, x: int, y: int, margin: int = 0) -> bool:
    return margin <= x < view.width - margin and margin <= y < view.height - margin
