"""The toolbar search: pinyin initials, full pinyin, names and codes find grids, sources and
inspectors on the demo; choosing one zooms the map to it and selects it."""

from __future__ import annotations

import pytest
import shapely
from PySide6.QtCore import Qt

from gisapp.layers.view import MapView, lonlat_to_map
from gisapp.ui.main_window import MainWindow
from gisapp.ui.selection import GRIDS, INSPECTORS, SOURCES
from tests.ui.demo import demo_project


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return demo_project(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def window(qtbot, settings, demo):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitActive(window)
    assert window.open_project(demo[0])
    return window


def fitted(window, lonlat_bounds) -> MapView:
    xmin, ymin = lonlat_to_map(lonlat_bounds[0], lonlat_bounds[1])
    xmax, ymax = lonlat_to_map(lonlat_bounds[2], lonlat_bounds[3])
    return MapView.fit((float(xmin), float(ymin), float(xmax), float(ymax)),
                       window.canvas.width(), window.canvas.height())


def test_pinyin_initials_find_the_street_and_zoom_to_it(window, qtbot):
    grids = window.project.grids
    street = grids[grids["name"] == "昌泉路街道"].iloc[0]
    box = window.search_box
    box.setFocus()
    qtbot.keyClicks(box, "cqljd")
    assert [box.model.item(r).text() for r in range(box.model.rowCount())] == [
        f"昌泉路街道 · Grid {street['grid_code']}"]
    assert box._completer.popup().isVisible()
    qtbot.keyClick(box._completer.popup(), Qt.Key.Key_Down)
    qtbot.keyClick(box._completer.popup(), Qt.Key.Key_Return)
    assert window.canvas.view == fitted(window, street.geometry.bounds)
    assert window.selection.ids(GRIDS) == {street["grid_code"]}
    assert window.attributes_dock.current_kind() == GRIDS
    assert window.attributes_dock.pages[GRIDS].selected_ids() == [street["grid_code"]]


def test_enter_takes_the_best_hit_full_pinyin_finds_a_source(window, qtbot):
    sources = window.project.sources
    source = sources[sources["source_id"] == "S00183"].iloc[0]  # 姚记牛肉汤馆
    window.search_box.setFocus()
    qtbot.keyClicks(window.search_box, "yaojiniurou")
    qtbot.keyClick(window.search_box, Qt.Key.Key_Return)
    assert window.selection.ids(SOURCES) == {"S00183"}
    x, y = (float(v) for v in lonlat_to_map(source.geometry.x, source.geometry.y))
    view = window.canvas.view
    assert (view.center_x, view.center_y) == pytest.approx((x, y))
    assert view.scale * min(view.width, view.height) == pytest.approx(400 / 0.9, rel=0.01)


def test_an_inspector_is_found_by_initials_and_shown_with_his_grids(window, qtbot):
    grids = window.project.grids
    a = window.project.assignments
    mine = a[(a["inspector_id"] == "W007") & (a["role"] == "inspector")]["grid_code"]
    hits = window.search_box.search("lxh")
    assert (hits[0].kind, hits[0].key, hits[0].name) == ("inspector", "W007", "林秀鸿")
    window.search_box.choose(hits[0])
    assert window.selection.ids(INSPECTORS) == {"W007"}
    assert window.selection_layer.grid_codes == tuple(sorted(mine))
    bounds = shapely.union_all(grids[grids["grid_code"].isin(mine)].geometry.values).bounds
    assert window.canvas.view == fitted(window, bounds)
