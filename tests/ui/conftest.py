"""A tiny hand-drawn project and isolated settings for the UI tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from PySide6.QtCore import QSettings

from gisapp import i18n, schema
from gisapp.fixes import Fixes
from gisapp.project import Project
from gisapp.ui.main_window import MainWindow

# A 4 km x 4.4 km district split into a west and an east street; three sources, two inspectors.
DISTRICT = (116.30, 39.98, 116.34, 40.02)
WEST = (116.30, 39.98, 116.32, 40.02)
EAST = (116.32, 39.98, 116.34, 40.02)
SOURCES = [  # source_id, name, category, lon, lat
    ("S1", "钢铁厂", "industrial", 116.305, 39.985),
    ("S2", "工地", "construction_dust", 116.335, 40.015),
    ("S3", "饭店", "catering_fumes", 116.325, 39.990),
]
FIX_DAY = dt.datetime(2024, 5, 3, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def make_project(path: Path, name: str = "测试区") -> Project:
    project = Project.create(path, name=name)
    project.set_table(schema.GRIDS, gpd.GeoDataFrame({
        "grid_code": ["D", "D-W", "D-E"], "name": ["测试区", "西街道", "东街道"],
        "level": [1, 2, 2], "parent_code": [None, "D", "D"],
        "kind": ["district", "street", "street"],
    }, geometry=[shapely.box(*DISTRICT), shapely.box(*WEST), shapely.box(*EAST)],
        crs=schema.STORAGE_CRS))
    project.set_table(schema.SOURCES, gpd.GeoDataFrame({
        "source_id": [s[0] for s in SOURCES], "name": [s[1] for s in SOURCES],
        "category": [s[2] for s in SOURCES], "grid_code": ["D-W", "D-E", "D-E"],
        "is_key": [False] * 3,
    }, geometry=shapely.points([(s[3], s[4]) for s in SOURCES]), crs=schema.STORAGE_CRS))
    project.set_table(schema.INSPECTORS, pd.DataFrame({
        "inspector_id": ["I1", "I2"], "name": ["张三", "李四"], "kind": ["full_time"] * 2}))
    start_ms = int(FIX_DAY.timestamp() * 1000)
    project.add_fixes(Fixes.from_ids(
        ["I1"] * 4 + ["I2"] * 3,
        start_ms + np.array([0, 60, 120, 180, 0, 60, 120]) * 1000,
        [116.302, 116.310, 116.318, 116.318, 116.330, 116.330, 116.338],
        [39.995, 39.995, 39.995, 40.010, 40.000, 40.008, 40.008]))
    project.save()
    return project


@pytest.fixture
def tiny_project(tmp_path) -> Path:
    return make_project(tmp_path / "tiny.gpkg").path


@pytest.fixture
def settings(tmp_path) -> QSettings:
    """Settings in a file of their own, never the user's."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture(autouse=True)
def english():
    """UI tests read English unless they switch language themselves; the system's is restored."""
    previous = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(previous)


@pytest.fixture
def open_window(qtbot, settings):
    """Opens a window on a project; at the end each window drops its unsaved edits and closes
    (before pytest-qt would close it and be asked about them)."""
    made = []

    def make(path) -> MainWindow:
        window = MainWindow(settings)
        made.append(window)
        window.resize(1200, 800)
        window.show()
        window.activateWindow()
        qtbot.waitActive(window)
        assert window.open_project(path)
        return window

    yield make
    for window in made:
        window.editing.session.drop_unsaved()
        if window.editing.lock_warning is not None:
            window.editing.lock_warning.close()
        window.close()
        window.deleteLater()
