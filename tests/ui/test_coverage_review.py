"""Coverage review on the demo, through the worker: missed sources red exactly where the
coverage result (and the demo's plan) says, visited green, swept area, track colouring,
flags, the ranking dock, a grid review, and Cancel."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from gisapp.layers.coverage import (
    FLAG_COLOR,
    MISSED_COLOR,
    SPEED_COLORS,
    SWEPT_COLOR,
    TIME_COLORS,
    VISITED_COLOR,
    FlagsLayer,
    ReviewSourcesLayer,
    ReviewTrackLayer,
    SweptAreaLayer,
)
from gisapp.layers.render import render_image
from gisapp.layers.view import lonlat_to_map
from gisapp.ui.docks.coverage_dock import GRID, INSPECTOR
from gisapp.ui.docks.ranking_dock import MISSED_SOURCES_COLOR
from gisapp.ui.main_window import MainWindow
from gisapp.ui.selection import GRIDS
from tests.layers.pixels import color, count, near, rgb
from tests.ui.demo import MONTH, demo_project, inside, pixel_of, shown_pixels

MISSED_REACH = ReviewSourcesLayer.MISSED_RADIUS + 2.5  # dot and its ring, in pixels


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return demo_project(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def window(qtbot, settings, demo):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1500, 950)
    window.show()
    qtbot.waitActive(window)
    assert window.open_project(demo[0])
    return window


def review(window, qtbot, kind: str, key: str):
    dock = window.coverage_dock
    dock.set_month(MONTH)
    assert dock.set_subject(kind, key)
    qtbot.mouseClick(dock.review_button, Qt.MouseButton.LeftButton)
    assert window.task is not None and window.progress_panel.isVisible()
    qtbot.waitUntil(lambda: window.task.state != "running", timeout=120_000)
    assert window.task.state == "succeeded", window.task.traceback
    return window.review


def source_pixels(window, ids) -> dict[str, tuple[int, int]]:
    sources = window.project.sources.set_index("source_id")
    return {i: pixel_of(window.canvas.view, sources.loc[i].geometry.x,
                        sources.loc[i].geometry.y) for i in ids}


def test_an_inspector_review_draws_his_missed_sources_red_exactly(window, qtbot, demo):
    _path, truth = demo
    result = review(window, qtbot, INSPECTOR, "W007")
    planned = sorted(truth["missed_sources"]["W007"])
    engine = sorted(result.result.missed.loc[result.result.missed["inspector_id"] == "W007",
                                             "source_id"])
    assert engine == planned == sorted(result.missed["source_id"])
    assert len(result.visited) == 30 and not set(result.visited["source_id"]) & set(planned)
    view = window.canvas.view
    pixels = shown_pixels(window)
    missed_at = source_pixels(window, planned)
    assert all(inside(view, x, y, 10) for x, y in missed_at.values())  # zoomed to his grids
    for x, y in missed_at.values():
        assert near(pixels[y, x], MISSED_COLOR, 0)
    # every red pixel belongs to a missed source
    red_y, red_x = np.nonzero(np.all(pixels == color(MISSED_COLOR), axis=2))
    assert len(red_x) > 40 * len(planned)
    distance = np.min([np.hypot(red_x - x, red_y - y) for x, y in missed_at.values()], axis=0)
    assert distance.max() <= MISSED_REACH
    # visited sources are green where no missed one covers them
    visited_at = source_pixels(window, result.visited["source_id"])
    shown = [(x, y) for x, y in visited_at.values() if inside(view, x, y, 10) and min(
        np.hypot(x - mx, y - my) for mx, my in missed_at.values()) > 2 * MISSED_REACH]
    assert len(shown) >= 25
    green = np.all(pixels == color(VISITED_COLOR), axis=2)
    # (grid names are drawn over everything and may hide a dot: one in 30 here)
    assert np.mean([green[y - 4:y + 5, x - 4:x + 5].sum() >= 20 for x, y in shown]) > 0.9
    assert np.mean([green[y, x] for x, y in shown]) > 0.9
    # the docks: summary, missed list, ranking of every inspector with grids
    summary = window.coverage_dock.summary.text()
    assert "林秀鸿 (W007)" in summary and "Visited 30 of 32 required sources; missed 2" in summary
    assert sorted(window.coverage_dock.missed_list.item(i).text().split()[0]
                  for i in range(window.coverage_dock.missed_list.count())) == planned
    assert window.ranking_dock.model.rowCount() == 60
    assert window.statusBar().currentMessage() == \
        "Coverage review done: 2 missed sources, 0 flags"


def test_switching_the_review_layer_off_removes_the_red(window, qtbot):
    review(window, qtbot, INSPECTOR, "W007")
    layer = next(l for l in window.canvas.layers if isinstance(l, ReviewSourcesLayer))
    item = window.layers_dock.item_for(layer)
    assert item.text() == "Visited and missed sources"
    before = count(shown_pixels(window), MISSED_COLOR)
    item.setCheckState(Qt.CheckState.Unchecked)
    assert layer.visible is False and count(shown_pixels(window), MISSED_COLOR) == 0
    item.setCheckState(Qt.CheckState.Checked)
    assert count(shown_pixels(window), MISSED_COLOR) == before > 0


def test_swept_area_track_colours_and_flags(window, qtbot, demo):
    _path, truth = demo
    faked = truth["faked"][0]["inspector_id"]  # the inspector who faked days: flagged
    result = review(window, qtbot, INSPECTOR, faked)
    assert sorted(result.flags["kind"]) == ["copied_day", "stationary_day", "stationary_day"]
    layers = {type(l): l for l in window.canvas.layers}
    view = window.canvas.view
    # the swept area: the track buffered, inside his grids only
    swept = rgb(render_image([layers[SweptAreaLayer]], view, background="#ffffff"))
    track = result.tracks[0]
    on_track = [pixel_of(view, lon, lat) for lon, lat in zip(track.lon[::500], track.lat[::500])]
    shade = np.round(255 * (1 - 0.28) + color(SWEPT_COLOR) * 0.28)
    hits = [np.abs(swept[y, x].astype(int) - shade).max() <= 3 for x, y in on_track
            if inside(view, x, y)]
    assert np.mean(hits) > 0.9  # the few others lie just outside his grids (clipped)
    assert tuple(swept[2, 2]) == (255, 255, 255)  # a corner, outside every grid of his
    # the track by time, then by speed: the classes' colours (unfaded, to compare them)
    assert layers[ReviewTrackLayer].opacity == 0.8
    layers[ReviewTrackLayer].opacity = 1.0
    by_time = rgb(render_image([layers[ReviewTrackLayer]], view, background="#ffffff"))
    assert sum(count(by_time, c) > 0 for c in TIME_COLORS) >= 6  # his days spread over the month
    window.coverage_dock.colouring.setCurrentIndex(1)
    assert layers[ReviewTrackLayer].mode == "speed"
    by_speed = rgb(render_image([layers[ReviewTrackLayer]], view, background="#ffffff"))
    assert sum(count(by_speed, c) for c in SPEED_COLORS) > 1000
    assert sum(count(by_speed, c) for c in TIME_COLORS[1:-1]) == 0
    assert "km/h" in window.coverage_dock.legend.text()
    # the flags: amber triangles where they are, and their reason through identify
    pixels = shown_pixels(window)
    for flag in result.flags.itertuples():
        x, y = pixel_of(view, flag.lon, flag.lat)
        assert near(pixels[y + 3, x], FLAG_COLOR, 0)
    flag = result.flags.iloc[0]
    x, y = (float(v) for v in lonlat_to_map(flag["lon"], flag["lat"]))
    window.identify_tool.identify_at(x, y, 20 * view.scale)
    texts = window.identify_dock.texts()
    assert any(t.startswith("Flag: ") for t in texts)
    assert f"Reason: {flag['reason']}" in texts
    assert len(layers[FlagsLayer]) == 3


def test_the_ranking_lists_everyone_and_a_row_zooms_to_the_inspectors_grids(window, qtbot, demo):
    _path, truth = demo
    review(window, qtbot, INSPECTOR, "W007")
    ranking = window.ranking_dock
    frame = ranking.frame
    assert list(frame["rank"]) == list(range(1, 61))
    assert frame["swept_share"].is_monotonic_decreasing
    missed = frame.loc[frame["missed"] > 0, "inspector_id"]
    assert sorted(missed) == sorted(truth["missed_sources"])
    colours = dict(zip(frame["inspector_id"], ranking.bar_colors()))
    assert colours["W014"] == MISSED_SOURCES_COLOR and colours["W007"] != colours["W014"]
    # click the row of W014
    row = ranking.proxy.mapFromSource(ranking.model.index(ranking.model.row_of("W014"), 0))
    rect = ranking.table.visualRect(row)
    qtbot.mouseClick(ranking.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert ranking.chosen == "W014"
    mine = window.index.inspector_grids("W014", dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert window.selection.ids(GRIDS) == set(mine) and mine
    assert window.canvas.view == window.canvas.view.fitted(window.index.extent(GRIDS, mine))
    days = window.review.result.daily
    bars = [i for i in ranking.distance_plot.getPlotItem().items]
    assert len(bars) == 1 and len(bars[0].opts["height"]) == (days["inspector_id"] == "W014").sum()


def test_a_grid_review_shows_the_sources_of_the_grid(window, qtbot, demo):
    _path, truth = demo
    street = window.project.grids.set_index("grid_code").loc["410199002"]
    result = review(window, qtbot, GRID, "410199002")
    assert result.inspector_ids == ["W005", "W006", "W007"]
    assert sorted(result.missed["source_id"]) == sorted(truth["missed_sources"]["W007"])
    assert len(result.visited) + len(result.missed) == len(
        window.index.hierarchy.sources_in(window.project.sources, "410199002"))
    assert street["name"] in window.coverage_dock.summary.text()
    assert len(result.tracks) == 3


def test_cancelling_a_review_draws_nothing(window, qtbot):
    dock = window.coverage_dock
    dock.set_month(MONTH)
    dock.set_subject(INSPECTOR, "W020")
    dock.review_button.click()
    task = window.task
    assert task.running and not dock.review_button.isEnabled()
    qtbot.mouseClick(window.progress_panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: task.state != "running", timeout=60_000)
    assert task.state == "cancelled"
    assert window.statusBar().currentMessage() == "Coverage review cancelled"
    assert window.review is None and not window._review_layers
    assert not any(isinstance(l, (ReviewSourcesLayer, SweptAreaLayer)) for l in
                   window.canvas.layers)
    assert count(shown_pixels(window), MISSED_COLOR) == 0
    assert window.progress_panel.isHidden() and dock.review_button.isEnabled()
    assert window.ranking_dock.model.rowCount() == 0


def test_the_review_period_can_be_two_dates(window, qtbot):
    dock = window.coverage_dock
    dock.set_dates(dt.date(2026, 10, 1), dt.date(2026, 10, 10))
    dock.set_subject(INSPECTOR, "W007")
    request = dock.request()
    assert (request.start, request.end, request.inspector_id) == (
        dt.date(2026, 10, 1), dt.date(2026, 10, 11), "W007")
    dock.set_dates(dt.date(2026, 10, 10), dt.date(2026, 10, 1))
    assert dock.request() is None
    dock.review_button.click()
    assert window.task is None and "end is not before its start" in dock.summary.text()


def test_the_screenshot_script_shows_a_review(demo, tmp_path):
    import os
    import subprocess
    import sys

    from PySide6.QtGui import QImage

    from tests.ui.test_screenshot import SCRIPT
    out = tmp_path / "review.png"
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GISAPP_LANG": "zh_CN"}
    result = subprocess.run([sys.executable, str(SCRIPT), str(demo[0]), str(out), "--size",
                             "1200x800", "--review", "W007", "--month", MONTH],
                            capture_output=True, text=True, env=environment, timeout=180)
    assert result.returncode == 0, result.stderr
    pixels = rgb(QImage(str(out)))
    assert pixels.shape == (800, 1200, 3)
    assert count(pixels, MISSED_COLOR) > 80  # the two missed sources are on it
    bad = subprocess.run([sys.executable, str(SCRIPT), str(demo[0]), str(tmp_path / "x.png"),
                          "--review", "NOBODY"], capture_output=True, text=True,
                         env=environment, timeout=180)
    assert bad.returncode == 1 and "NOBODY" in bad.stderr


def test_hovering_a_flag_shows_its_reason(window, qtbot, demo):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    faked = demo[1]["faked"][0]["inspector_id"]
    result = review(window, qtbot, INSPECTOR, faked)
    flag = result.flags.sort_values("start").iloc[0]
    window.tools.actions["select"].trigger()  # whatever the tool (it shows the table dock)
    x, y = pixel_of(window.canvas.view, flag["lon"], flag["lat"])
    event = QHelpEvent(QEvent.Type.ToolTip, QPoint(x, y), window.canvas.mapToGlobal(QPoint(x, y)))
    QApplication.sendEvent(window.canvas, event)
    assert f"{'Copied day' if flag['kind'] == 'copied_day' else 'Stationary all day'}: " \
           f"{flag['reason']}" in QToolTip.text()
    QToolTip.hideText()
    far = QHelpEvent(QEvent.Type.ToolTip, QPoint(5, 5), window.canvas.mapToGlobal(QPoint(5, 5)))
    QApplication.sendEvent(window.canvas, far)
    assert not far.isAccepted()  # nothing there: no tip
