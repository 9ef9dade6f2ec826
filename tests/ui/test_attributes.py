"""The attribute table: selecting rows selects on the map (highlight pixels) and the map's
selection selects rows; sorting and filtering; zoom to selection; the table model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from gisapp.layers.selection import SelectionStyle
from gisapp.ui.main_window import MainWindow
from gisapp.ui.selection import GRIDS, INSPECTORS, SOURCES
from gisapp.ui.table_model import SORT_ROLE, DataFrameModel, make_proxy, percent
from tests.layers.pixels import near
from tests.ui.conftest import SOURCES as TINY_SOURCES
from tests.ui.demo import pixel_of, shown_pixels

HIGHLIGHT = SelectionStyle().color


@pytest.fixture
def window(qtbot, settings, tiny_project):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitActive(window)
    assert window.open_project(tiny_project)
    window.attributes_dock.show()
    return window


def ring_pixels(window, lon, lat, radius=8):
    pixels = shown_pixels(window)
    x, y = pixel_of(window.canvas.view, lon, lat)
    return [pixels[y, x + radius], pixels[y, x - radius], pixels[y + radius, x],
            pixels[y - radius, x]]


def rows_shown(page, column=0) -> list[str]:
    return [page.proxy.index(r, column).data() for r in range(page.proxy.rowCount())]


def test_selecting_a_row_selects_the_source_on_the_map(window, qtbot):
    page = window.attributes_dock.pages[SOURCES]
    window.attributes_dock.set_current_kind(SOURCES)
    assert rows_shown(page) == ["S1", "S2", "S3"]
    s3 = TINY_SOURCES[2]
    assert not any(near(p, HIGHLIGHT, 40) for p in ring_pixels(window, *s3[3:]))
    page.view.selectRow(2)  # as a click on the row does
    assert window.selection.ids(SOURCES) == {"S3"}
    assert all(near(p, HIGHLIGHT, 40) for p in ring_pixels(window, *s3[3:]))
    assert not any(near(p, HIGHLIGHT, 40) for p in ring_pixels(window, *TINY_SOURCES[0][3:]))
    assert page.count_label.text() == "1 of 3 selected · 3 shown"


def test_selecting_on_the_map_selects_the_rows(window):
    window.selection.select(SOURCES, ["S1", "S2"])
    page = window.attributes_dock.pages[SOURCES]
    assert page.selected_ids() == ["S1", "S2"]
    window.selection.select(GRIDS, ["D-E"])
    assert window.attributes_dock.pages[GRIDS].selected_ids() == ["D-E"]
    assert page.selected_ids() == ["S1", "S2"]  # each table keeps its own selection


def test_a_selected_inspector_highlights_his_grids(window, qtbot):
    from gisapp import (
        schema,  # an assignment for the tiny project: 张三 (I1) in the west
    )
    from tests.ui.test_identify import ASSIGNMENTS
    window.project.set_table(schema.ASSIGNMENTS, ASSIGNMENTS)
    window.set_project(window.project)
    window.index.on_date = pd.Timestamp("2024-05-03").date()
    pixels_before = shown_pixels(window)
    window.attributes_dock.pages[INSPECTORS].view.selectRow(0)
    assert window.selection.ids(INSPECTORS) == {"I1"}
    assert window.selection_layer.grid_codes == ("D-W",)
    pixels = shown_pixels(window)
    x, y = pixel_of(window.canvas.view, 116.305, 40.01)  # inside the west street: tinted
    assert tuple(pixels[y, x]) != tuple(pixels_before[y, x])
    x, y = pixel_of(window.canvas.view, 116.335, 40.005)  # the east street: untouched
    assert tuple(pixels[y, x]) == tuple(pixels_before[y, x])


def test_filtering_keeps_hidden_rows_selected_and_sorting_is_by_value(window):
    page = window.attributes_dock.pages[SOURCES]
    window.selection.select(SOURCES, ["S1", "S3"])
    page.filter_edit.setText("工地")  # S2 only
    assert rows_shown(page) == ["S2"]
    assert window.selection.ids(SOURCES) == {"S1", "S3"}  # filtering is not deselecting
    page.view.selectRow(0)  # the user adds S2 among the rows shown
    assert window.selection.ids(SOURCES) == {"S1", "S2", "S3"}
    page.filter_edit.clear()
    assert page.selected_ids() == ["S1", "S2", "S3"]
    grids = window.attributes_dock.pages[GRIDS]
    level = grids.model.column_of("level")
    grids.view.sortByColumn(level, Qt.SortOrder.DescendingOrder)
    assert rows_shown(grids, level) == ["2", "2", "1"]
    assert grids.model.headerData(grids.model.column_of("name"), Qt.Orientation.Horizontal) \
        == "Grid name"


def test_zoom_to_selection_fits_the_selected_sources(window):
    window.selection.select(SOURCES, ["S2"])
    window.attributes_dock.set_current_kind(GRIDS)  # no grid selected: zooms to all selected
    window.attributes_dock.zoom_button.click()
    view = window.canvas.view
    x, y = pixel_of(view, *TINY_SOURCES[1][3:])
    assert (x, y) == (view.width // 2, view.height // 2)  # centred, 400 m around it
    assert view.width * view.scale == pytest.approx(400 / 0.9 * view.width / min(
        view.width, view.height), rel=0.02)
    for _id, _n, _c, lon, lat in (TINY_SOURCES[0], TINY_SOURCES[2]):  # 2-3 km away
        x, y = pixel_of(view, lon, lat)
        assert not (0 <= x < view.width and 0 <= y < view.height)
    window.selection.clear()
    window.zoom_selection_action.trigger()
    assert window.canvas.view == view  # nothing selected: the map stays


def test_the_table_model_formats_sorts_and_finds_rows(qtbot):
    frame = pd.DataFrame({"id": ["a", "b", "c"], "share": [0.5, None, 0.25],
                          "n": pd.array([2, None, 10], dtype="Int64"),
                          "key": [True, False, True]})
    model = DataFrameModel(frame, "id", headers={"share": "Share"},
                           formats={"share": percent})
    proxy = make_proxy(model)
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Share"
    assert [model.index(r, 1).data() for r in range(3)] == ["50.0 %", "", "25.0 %"]
    proxy.sort(2, Qt.SortOrder.DescendingOrder)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["c", "a", "b"]  # 10, 2, missing
    proxy.sort(1, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, 0).data() for r in range(3)] == ["b", "c", "a"]
    # the model holds its rows in the order shown, and its keys follow them
    assert model.index(0, 3).data(SORT_ROLE) == 0 and model.row_of("c") == 1
    assert model.key(0) == "b" and model.row_of("zzz") is None
    assert model.frame["id"].tolist() == ["b", "c", "a"]


def test_sorting_keeps_the_selection_and_survives_a_new_frame(qtbot):
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QTableView

    names = [f"第{i}社区" for i in range(5000)]
    frame = pd.DataFrame({"id": [f"G{i:05d}" for i in range(5000)], "name": names,
                          "area": np.arange(5000, 0, -1) * 1.5})
    model = DataFrameModel(frame, "id")
    proxy = make_proxy(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.selectionModel().select(proxy.index(10, 0), QItemSelectionModel.SelectionFlag.Select
                                 | QItemSelectionModel.SelectionFlag.Rows)
    view.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # the user clicks the area header
    assert proxy.index(0, 0).data() == "G04999"  # the smallest area first
    selected = [proxy.index(i.row(), 0).data() for i in view.selectionModel().selectedRows()]
    assert selected == ["G00010"]  # the same row stays selected where it moved to
    view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, 0).data() == "G04999" and proxy.index(4999, 0).data() == "G00000"
    model.set_frame(frame.iloc[::2])  # after an edit: new rows, the same order asked for
    assert proxy.index(0, 0).data() == "G04998"
    proxy.set_filter_text("第12")  # 第12, 第120..第129, 第1200..: the even ones are left
    shown = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    expected = sorted((f"G{i:05d}" for i in range(0, 5000, 2) if str(i).startswith("12")),
                      reverse=True)
    assert shown == expected
    proxy.set_filter_text("")
    assert proxy.rowCount() == 2500
