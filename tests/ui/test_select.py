"""Select: clicks and boxes as plain events on a hand-drawn project; Shift adds; one real
drag on the canvas that selects and highlights."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from gisapp import schema
from gisapp.layers.selection import SelectionStyle
from gisapp.layers.view import MapView, lonlat_to_map
from gisapp.ui.main_window import MainWindow
from gisapp.ui.selection import GRIDS, INSPECTORS, SOURCES, FeatureIndex, Selection
from gisapp.ui.tools.base import MapEvent
from gisapp.ui.tools.select import SelectTool
from tests.layers.pixels import count, near
from tests.ui.conftest import DISTRICT, make_project
from tests.ui.conftest import SOURCES as TINY_SOURCES
from tests.ui.demo import pixel_of, shown_pixels
from tests.ui.test_identify import ASSIGNMENTS, MAY

SHIFT = Qt.KeyboardModifier.ShiftModifier
HIGHLIGHT = SelectionStyle().color


@pytest.fixture
def tool(tmp_path) -> SelectTool:
    project = make_project(tmp_path / "tiny.gpkg")
    project.set_table(schema.ASSIGNMENTS, ASSIGNMENTS)
    tool = SelectTool(Selection())
    tool.index = FeatureIndex(project)
    tool.index.on_date = MAY
    return tool


@pytest.fixture
def view() -> MapView:
    xmin, ymin = lonlat_to_map(DISTRICT[0], DISTRICT[1])
    xmax, ymax = lonlat_to_map(DISTRICT[2], DISTRICT[3])
    return MapView.fit((float(xmin), float(ymin), float(xmax), float(ymax)), 400, 400)


def event(view, lon, lat, modifiers=Qt.KeyboardModifier.NoModifier):
    px, py = view.to_pixel(*lonlat_to_map(lon, lat))
    return MapEvent.at_pixel(view, px, py, Qt.MouseButton.LeftButton, modifiers)


def gesture(tool, view, start, end=None, modifiers=Qt.KeyboardModifier.NoModifier):
    first = event(view, *start, modifiers)
    last = event(view, *(end or start), modifiers)
    assert tool.press(first)
    tool.move(last)
    assert tool.release(last)
    return sorted(tool.selection.ids(tool.kind))


def test_click_selects_the_source_shift_adds_and_an_empty_click_clears(tool, view):
    s1, s2, s3 = ((lon, lat) for _id, _n, _c, lon, lat in TINY_SOURCES)
    messages = []
    tool.message.connect(messages.append)
    assert gesture(tool, view, s1) == ["S1"]
    assert gesture(tool, view, s3, modifiers=SHIFT) == ["S1", "S3"]
    assert gesture(tool, view, s2) == ["S2"]
    assert gesture(tool, view, (116.31, 40.01), modifiers=SHIFT) == ["S2"]  # Shift keeps
    assert gesture(tool, view, (116.31, 40.01)) == []
    assert messages == ["1 selected", "2 selected", "1 selected", "1 selected", "0 selected"]


def test_a_box_selects_the_sources_inside_it(tool, view):
    # the east half holds S2 and S3
    assert gesture(tool, view, (116.321, 39.981), (116.339, 40.019)) == ["S2", "S3"]
    assert gesture(tool, view, (116.301, 39.981), (116.31, 39.99), SHIFT) == ["S1", "S2", "S3"]


def test_grids_finest_under_a_click_and_wholly_inside_a_box(tool, view):
    tool.kind = GRIDS
    assert gesture(tool, view, (116.31, 40.0)) == ["D-W"]
    assert gesture(tool, view, (116.2995, 39.9795), (116.3205, 40.0205)) == ["D-W"]
    assert gesture(tool, view, (116.2995, 39.9795), (116.3405, 40.0205)) == ["D", "D-E", "D-W"]


def test_inspectors_of_the_grid_under_a_click_on_the_day(tool, view):
    tool.kind = INSPECTORS
    assert gesture(tool, view, (116.31, 40.0)) == ["I1"]
    assert gesture(tool, view, (116.33, 40.0)) == []  # 李四 starts in June
    assert tool.selection.ids(SOURCES) == frozenset()


def test_escape_drops_a_box_in_progress(tool, view):
    assert tool.press(event(view, 116.301, 39.981))
    assert tool.key(Qt.Key.Key_Escape)
    assert not tool.release(event(view, 116.339, 40.019))  # nothing left to finish
    assert tool.selection.ids(SOURCES) == frozenset()


def test_a_box_dragged_on_the_canvas_selects_and_highlights(qtbot, settings, tiny_project):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitActive(window)
    assert window.open_project(tiny_project)
    window.tools.actions["select"].trigger()
    assert window.attributes_dock.isVisible()  # the select tool shows what it selects in
    window.attributes_dock.set_current_kind(SOURCES)
    view = window.canvas.view
    before = count(shown_pixels(window), HIGHLIGHT)
    start = QPoint(*pixel_of(view, 116.321, 39.981))
    end = QPoint(*pixel_of(view, 116.339, 40.019))
    qtbot.mousePress(window.canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(window.canvas, QPoint((start.x() + end.x()) // 2, start.y() - 20))
    qtbot.mouseMove(window.canvas, end)
    qtbot.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, pos=end)
    assert window.selection.ids(SOURCES) == {"S2", "S3"}
    assert window.canvas.view == view  # the drag selected, it did not pan
    pixels = shown_pixels(window)
    assert before == 0 and count(pixels, HIGHLIGHT) > 40
    for _id, _n, _c, lon, lat in TINY_SOURCES[1:]:
        x, y = pixel_of(view, lon, lat)
        ring = [pixels[y, x + 8], pixels[y, x - 8], pixels[y + 8, x], pixels[y - 8, x]]
        assert all(near(p, HIGHLIGHT, 40) for p in ring), ring
    x, y = pixel_of(view, *TINY_SOURCES[0][3:])
    assert not near(pixels[y, x + 8], HIGHLIGHT, 40)
    assert window.attributes_dock.pages[SOURCES].selected_ids() == ["S2", "S3"]


# ---- the pan tool and the controller ---------------------------------------------------------
def test_the_pan_tool_leaves_every_event_to_the_canvas(view):
    from gisapp.ui.tools.pan import PanTool
    tool = PanTool()
    press = MapEvent.at_pixel(view, 10, 10)
    assert (tool.press(press), tool.move(MapEvent.at_pixel(view, 50, 10)),
            tool.release(MapEvent.at_pixel(view, 50, 10))) == (False, False, False)


def test_the_same_drag_pans_with_the_pan_tool_and_selects_with_the_select_tool(
        qtbot, settings, tiny_project):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitActive(window)
    assert window.open_project(tiny_project)
    window.tools.actions["select"].trigger()  # shows the table: the canvas narrows once
    window.attributes_dock.set_current_kind(SOURCES)
    window.tools.actions["pan"].trigger()
    assert window.tools.actions["pan"].isChecked() and not window.tools.actions[
        "select"].isChecked()
    canvas = window.canvas
    start, end = QPoint(200, 200), QPoint(260, 230)

    def drag():
        qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(canvas, end)
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)

    before = canvas.view
    drag()
    assert canvas.view == before.panned(60, 30) and window.selection.ids(SOURCES) == set()
    window.tools.activate("select")
    panned = canvas.view
    drag()
    assert canvas.view == panned  # the select tool took the drag as a box
    assert canvas.cursor().shape() == Qt.CursorShape.CrossCursor
