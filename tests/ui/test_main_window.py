"""The main window on a tiny hand-drawn project: title, status bar, map pixels, gestures."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from pyproj import Transformer

from gisapp.layers.sources import SourceLayer
from gisapp.layers.styles import GRID_STYLES, SOURCE_COLORS
from gisapp.layers.view import MapView
from gisapp.ui.main_window import MainWindow
from gisapp.ui.settings import RECENT_PROJECTS, WINDOW_GEOMETRY
from tests.layers.pixels import count, near, rgb
from tests.ui.conftest import DISTRICT, SOURCES

TO_MAP = Transformer.from_crs(4326, 3857, always_xy=True)
TO_LONLAT = Transformer.from_crs(3857, 4326, always_xy=True)
INDUSTRIAL = SOURCE_COLORS["industrial"]


@pytest.fixture
def window(qtbot, settings, tiny_project):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)  # mouse events go to the active window on top
    assert window.open_project(tiny_project)
    return window


@pytest.fixture
def errors(monkeypatch):
    """The (title, text) of every error box instead of showing it."""
    shown = []
    monkeypatch.setattr(QMessageBox, "critical",
                        lambda parent, title, text, *rest: shown.append((title, text)))
    return shown


def pixel_of(view: MapView, lon: float, lat: float) -> tuple[int, int]:
    px, py = view.to_pixel(*TO_MAP.transform(lon, lat))
    return int(np.floor(px)), int(np.floor(py))


def shown_pixels(window) -> np.ndarray:
    """What the canvas shows, through its own paintEvent."""
    return rgb(window.canvas.grab().toImage())


def wheel(widget, position: QPointF, notches: float) -> None:
    event = QWheelEvent(position, widget.mapToGlobal(position), QPoint(0, 0),
                        QPoint(0, int(120 * notches)), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_title_and_summary(window):
    assert window.windowTitle() == "测试区 — gisapp"
    assert window.summary_label.text() == "Grids 3 · Sources 3 · Inspectors 2 · Fixes 7"


def test_the_map_shows_the_district_with_its_sources_and_outline(window):
    view = window.canvas.view
    assert (view.width, view.height) == (window.canvas.width(), window.canvas.height())
    pixels = shown_pixels(window)
    for _id, _name, category, lon, lat in SOURCES:
        x, y = pixel_of(view, lon, lat)
        assert near(pixels[y, x], SOURCE_COLORS[category], 0), category
    # the district's west edge, halfway up, is the thick dark level-1 line
    x, y = pixel_of(view, DISTRICT[0], (DISTRICT[1] + DISTRICT[3]) / 2)
    assert near(pixels[y, x], GRID_STYLES[1].line_color)
    assert pixels[y, x].astype(int).sum() < 3 * 80
    # the whole district is in view (zoomed to it)
    for lon, lat in [(DISTRICT[0], DISTRICT[1]), (DISTRICT[2], DISTRICT[3])]:
        x, y = pixel_of(view, lon, lat)
        assert 0 <= x < view.width and 0 <= y < view.height


def test_unchecking_sources_in_the_dock_removes_their_colour(window):
    before = count(shown_pixels(window), INDUSTRIAL)
    assert before > 30
    sources = next(l for l in window.canvas.layers if isinstance(l, SourceLayer))
    item = window.layers_dock.item_for(sources)
    assert item.text() == "Pollution sources"
    item.setCheckState(Qt.CheckState.Unchecked)
    assert sources.visible is False
    pixels = shown_pixels(window)
    assert count(pixels, INDUSTRIAL) == 0
    x, y = pixel_of(window.canvas.view, DISTRICT[0], (DISTRICT[1] + DISTRICT[3]) / 2)
    assert near(pixels[y, x], GRID_STYLES[1].line_color)  # the grids are still there
    item.setCheckState(Qt.CheckState.Checked)
    assert count(shown_pixels(window), INDUSTRIAL) == before


def test_the_dock_lists_every_layer_top_first(window):
    names = [window.layers_dock.list.item(i).text()
             for i in range(window.layers_dock.list.count())]
    assert names == ["Pollution sources", "Patrol tracks 2024-05-03",
                     "Key-source grids (level 4)", "District grids (level 1)",
                     "Street grids (level 2)", "Community grids (level 3)"]


def test_wheel_zooms_about_the_cursor(window):
    canvas = window.canvas
    _id, _name, category, lon, lat = SOURCES[0]
    x, y = pixel_of(canvas.view, lon, lat)
    cursor = QPointF(x + 0.5, y + 0.5)
    before = canvas.view
    under_cursor = before.to_map(cursor.x(), cursor.y())
    wheel(canvas, cursor, 2)
    after = canvas.view
    assert after.scale == pytest.approx(before.scale / 1.25 ** 2)
    assert after.to_pixel(*under_cursor) == pytest.approx((cursor.x(), cursor.y()), abs=1.0)
    pixels = shown_pixels(window)
    assert near(pixels[y, x], SOURCE_COLORS[category], 0)  # the source stayed under the cursor
    # the other sources moved away from the cursor, as zooming in does
    _id, _name, _category, lon2, lat2 = SOURCES[1]
    old = np.array(pixel_of(before, lon2, lat2)) - (x, y)
    new = np.array(pixel_of(after, lon2, lat2)) - (x, y)
    assert new == pytest.approx(old * 1.25 ** 2, abs=1.5)
    wheel(canvas, cursor, -2)
    assert canvas.view.scale == pytest.approx(before.scale)


def test_drag_pans_the_map(window, qtbot):
    canvas = window.canvas
    _id, _name, category, lon, lat = SOURCES[0]
    start = QPoint(*pixel_of(canvas.view, lon, lat))
    end = start + QPoint(120, -80)
    before = canvas.view
    rendered = []
    canvas.map_rendered.connect(lambda: rendered.append(True))
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, end)
    # while dragging, the cached image is shown shifted, not rendered again
    pixels = shown_pixels(window)
    assert near(pixels[end.y(), end.x()], SOURCE_COLORS[category], 0)
    assert canvas.view == before and not rendered
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    after = canvas.view
    assert after.scale == before.scale
    assert (after.center_x, after.center_y) == pytest.approx(
        (before.center_x - 120 * before.scale, before.center_y - 80 * before.scale))
    pixels = shown_pixels(window)
    assert near(pixels[end.y(), end.x()], SOURCE_COLORS[category], 0)
    assert rendered


def test_the_status_bar_shows_the_lon_lat_under_the_cursor(window, qtbot):
    canvas = window.canvas
    _id, _name, _category, lon, lat = SOURCES[2]
    x, y = pixel_of(canvas.view, lon, lat)
    # a move to where the cursor already is (left there by another test) sends no event
    qtbot.mouseMove(canvas, QPoint(x + 7, y + 7))
    qtbot.mouseMove(canvas, QPoint(x, y))
    expected_lon, expected_lat = TO_LONLAT.transform(*canvas.view.to_map(x, y))
    assert window.cursor_label.text() == f"Lon {expected_lon:.6f}°  Lat {expected_lat:.6f}°"
    degrees_per_pixel = canvas.view.scale / 111_000 * 1.5
    assert abs(expected_lon - lon) < degrees_per_pixel
    assert abs(expected_lat - lat) < degrees_per_pixel


def test_zoom_to_district_after_panning(window, qtbot):
    canvas = window.canvas
    fitted = canvas.view
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    qtbot.mouseMove(canvas, QPoint(300, 200))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(300, 200))
    assert canvas.view != fitted
    window.zoom_district_action.trigger()
    assert canvas.view == fitted


def test_a_file_that_is_not_a_project_shows_an_error_naming_it(qtbot, settings, tmp_path,
                                                               errors):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    text_file = tmp_path / "notes.gpkg"
    text_file.write_text("not a database at all")
    plain = tmp_path / "roads.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs=4326).to_file(plain)
    assert not window.open_project(text_file)
    assert not window.open_project(plain)
    assert not window.open_project(tmp_path / "missing.gpkg")
    assert [title for title, _text in errors] == ["Cannot open the project"] * 3
    assert "notes.gpkg" in errors[0][1]
    assert "roads.gpkg" in errors[1][1] and "not a gisapp project" in errors[1][1]
    assert "missing.gpkg" in errors[2][1]
    assert window.project is None and window.windowTitle() == "gisapp"
    assert RECENT_PROJECTS.read(settings) == []


def test_dropping_a_project_opens_it(qtbot, settings, tiny_project, tmp_path):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "readme.txt")),
                  QUrl.fromLocalFile(str(tiny_project))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    assert window.project is not None and window.project.path == tiny_project
    other = QMimeData()
    other.setUrls([QUrl.fromLocalFile(str(tmp_path / "readme.txt"))])
    refused = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, other,
                              Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, refused)
    assert not refused.isAccepted()


def test_recent_projects_are_remembered_and_reopened(window, qtbot, settings, tiny_project):
    assert RECENT_PROJECTS.read(settings) == [str(tiny_project.resolve())]
    window.close()
    assert not WINDOW_GEOMETRY.read(settings).isEmpty()
    second = MainWindow(settings)
    qtbot.addWidget(second)
    actions = [a for a in second.recent_menu.actions() if a.data()]
    assert [a.data() for a in actions] == [str(tiny_project.resolve())]
    assert actions[0].text() == "&1 tiny.gpkg"
    actions[0].trigger()
    assert second.project is not None and second.windowTitle() == "测试区 — gisapp"
