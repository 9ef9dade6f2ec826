"""The time dock replays a day of tracks: slider, play with a timer, days with fixes only."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PySide6.QtCore import QDate
from pyproj import Transformer

from gisapp.fixes import Fixes
from gisapp.layers.tracks import TrackLayer
from gisapp.ui.main_window import MainWindow
from tests.layers.pixels import near, rgb
from tests.layers.test_layers import inked
from tests.ui.conftest import FIX_DAY, make_project

TO_MAP = Transformer.from_crs(4326, 3857, always_xy=True)
DAY = FIX_DAY.date()  # 2024-05-03; fixes from 09:00 to 09:03


def open_window(qtbot, settings, path) -> MainWindow:
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    assert window.open_project(path)
    qtbot.waitUntil(lambda: bool(window.time_dock.days), timeout=10_000)
    return window


@pytest.fixture
def window(qtbot, settings, tiny_project):
    return open_window(qtbot, settings, tiny_project)


def pixel_of(view, lon, lat):
    px, py = view.to_pixel(*TO_MAP.transform(lon, lat))
    return int(np.floor(px)), int(np.floor(py))


def tracks(window) -> TrackLayer:
    return next(l for l in window.canvas.layers if isinstance(l, TrackLayer))


def test_moving_the_slider_replays_the_day_up_to_that_time(window, qtbot):
    dock, layer = window.time_dock, tracks(window)
    assert dock.days == [DAY] and dock.shown_day() == DAY
    assert dock.play_button.isEnabled() and dock.time_ms is None
    at = FIX_DAY + dt.timedelta(minutes=1, seconds=30)  # 09:01:30
    dock.slider.setValue(int((at - FIX_DAY.replace(hour=0)).total_seconds()))
    assert layer.time_ms == int(at.timestamp() * 1000)
    assert dock.time_label.text() == "09:01:30"
    colors = layer.style.colors
    # I1 is half way from its 09:01 fix (116.310) to its 09:02 fix (116.318)
    assert layer.position_of("I1") == pytest.approx(TO_MAP.transform(116.314, 39.995), abs=0.01)
    assert layer.position_of("I2") == pytest.approx(TO_MAP.transform(116.334, 40.008), abs=0.01)
    view = window.canvas.view
    pixels = rgb(window.canvas.grab().toImage())
    x, y = pixel_of(view, 116.314, 39.995)
    assert near(pixels[y, x], colors[0], 0)  # I1's marker
    x, y = pixel_of(view, 116.334, 40.008)
    assert near(pixels[y, x], colors[1], 0)  # I2's marker
    # I1's line is drawn up to the marker and not beyond it
    assert inked(pixels, *pixel_of(view, 116.306, 39.995)) == colors[0]
    assert inked(pixels, *pixel_of(view, 116.3165, 39.995)) is None
    assert inked(pixels, *pixel_of(view, 116.318, 40.004)) is None  # its 09:03 leg: not yet


def test_play_advances_the_time_with_a_timer_and_stops_at_the_end(window, qtbot):
    dock, layer = window.time_dock, tracks(window)
    dock.set_speed(60)
    dock.play()
    assert dock.playing and dock.play_button.text() == "⏸"
    start = layer.time_span()[0]
    assert layer.time_ms >= start  # from the day's first fix
    qtbot.waitUntil(lambda: layer.time_ms > start + 20_000, timeout=5_000)  # 60x: 20 s in 1/3 s
    assert layer.position_of("I1") is not None
    dock.set_speed(600)
    qtbot.waitUntil(lambda: not dock.playing, timeout=5_000)
    assert layer.time_ms == layer.time_span()[1]  # 09:03, the last fix
    assert dock.time_label.text() == "09:03:00" and dock.play_button.text() == "▶"


def test_only_days_with_fixes_can_be_picked_and_all_days_can_be_shown(qtbot, settings,
                                                                       tmp_path):
    project = make_project(tmp_path / "two_days.gpkg")
    later = int((FIX_DAY + dt.timedelta(days=2)).timestamp() * 1000)  # 2024-05-05
    project.add_fixes(Fixes.from_ids(["I1"] * 3, later + np.array([0, 60, 120]) * 1000,
                                     [116.31, 116.32, 116.33], [40.0, 40.0, 40.0]))
    project.save()
    window = open_window(qtbot, settings, project.path)
    dock, layer = window.time_dock, tracks(window)
    assert dock.days == [DAY, dt.date(2024, 5, 5)]
    assert dock.shown_day() == dt.date(2024, 5, 5) and len(layer) == 3  # the latest day
    assert dock.day_edit.minimumDate() == QDate(DAY)
    assert dock.day_edit.maximumDate() == QDate(2024, 5, 5)
    dock.day_edit.setDate(QDate(2024, 5, 4))  # no fixes that day: the nearest day is taken
    assert dock.day_edit.date() == QDate(DAY)
    qtbot.waitUntil(lambda: dock.shown_day() == DAY, timeout=10_000)
    assert len(layer) == 7 and layer.name == "Patrol tracks 2024-05-03"
    assert window.layers_dock.item_for(layer).text() == "Patrol tracks 2024-05-03"
    dock.all_days.setChecked(True)
    qtbot.waitUntil(lambda: len(layer) == 10, timeout=10_000)
    assert layer.name == "Patrol tracks, all days" and dock.shown_day() is None
    assert not dock.play_button.isEnabled() and not dock.day_edit.isEnabled()
    dock.all_days.setChecked(False)
    qtbot.waitUntil(lambda: dock.shown_day() == DAY, timeout=10_000)
    assert dock.play_button.isEnabled()


def test_loading_tracks_shows_in_the_status_bar_with_cancel(window, qtbot):
    seen = []
    window.time_dock.task_started.connect(lambda task: seen.append(
        (task.label, window.progress_panel.isVisible(),
         window.progress_panel.cancel_button.isEnabled())))
    window.time_dock.all_days.setChecked(True)
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    label, visible, cancellable = seen[0]
    assert visible and cancellable and label
    qtbot.waitUntil(lambda: not window.progress_panel.isVisible(), timeout=20_000)
