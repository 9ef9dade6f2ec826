"""The planner's panels: the workload balance (chart, suggestion on the map, one undoable
apply), incidents (import, overdue on the map and in the dock), the division on a date, and
the division table export."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import shapely
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from gisapp.edits import SplitGrid
from gisapp.layers.balance import BalanceLayer
from gisapp.layers.history import DivisionOnDateLayer
from gisapp.layers.incidents import IncidentLayer
from tests.ui.demo import demo_project
from tests.ui.editing_project import W1, make_editing_project

STREET = "410199001"
DAY = dt.date(2026, 10, 15)


@pytest.fixture
def editing_window(open_window, tmp_path):
    window = open_window(make_editing_project(tmp_path / "plan.gpkg").path)
    assert window.editing.set_editing(True)
    return window


def test_the_balance_view_suggests_moves_shows_them_and_applies_them_as_one_step(
        open_window, tmp_path):
    path, _truth = demo_project(tmp_path)
    window = open_window(path)
    assert window.editing.set_editing(True)
    dock = window.editing.planning.balance_dock
    dock.show()
    dock.raise_()
    dock.date_edit.setDate(DAY)
    assert dock.set_street(STREET)
    before, after = dock.bar_heights()
    assert after is None and len(before) == len(dock.loads) >= 3
    assert dock.model.rowCount() == len(dock.loads)
    assert not dock.apply_button.isEnabled()
    assignments = window.project.assignments.copy()
    suggestion = dock.suggest()
    assert len(suggestion.moves) >= 1 and suggestion.ratio_after < suggestion.ratio_before
    before, after = dock.bar_heights()
    assert np.nanmax(after) < np.nanmax(before)  # the largest load comes down
    layer = window.editing.planning.balance_layer
    assert isinstance(layer, BalanceLayer) and layer in window.canvas.layers
    assert layer.move_count == len(suggestion.moves)
    assert dock.moves_model.rowCount() == len(suggestion.moves)
    assert dock.apply_button.isEnabled()
    dock.apply_button.click()
    stack = window.editing.stack
    assert stack.count() == 1 and "Balance" in stack.text(0)
    assert window.editing.planning.balance_layer is None
    move = suggestion.moves.iloc[0]
    rows = window.project.assignments
    taker = rows[(rows["grid_code"] == move["grid_code"]) & (rows["role"] == "inspector")
                 & (rows["inspector_id"] == move["to_inspector"])]
    assert list(taker["valid_from"]) == [DAY.isoformat()]
    stack.undo()
    pd.testing.assert_frame_equal(window.project.assignments, assignments)


def test_imported_incidents_are_routed_drawn_and_the_overdue_ones_listed(editing_window,
                                                                         tmp_path):
    window = editing_window
    csv = tmp_path / "incidents.csv"
    csv.write_text("时间,经度,纬度,类别,描述,发现人\n"
                   "2026-09-01 09:00,116.305,39.985,扬尘,工地扬尘,I1\n"
                   "2026-11-20 10:00,116.335,40.015,餐饮油烟,油烟扰民,李四\n",
                   encoding="utf-8")
    planning = window.editing.planning
    planning.incidents_dock.set_today(dt.date(2026, 11, 25))
    assert planning.import_incidents_file(csv)
    assert window.windowTitle().startswith("编辑区*")  # in memory until saved
    incidents = window.project.incidents
    assert list(incidents["grid_code"]) == [W1, "410100002002"]
    dock = planning.incidents_dock
    assert dock.model.rowCount() == 2
    assert dock.overdue_ids == [incidents["incident_id"].iloc[0]]
    layer = planning.incident_layer
    assert isinstance(layer, IncidentLayer) and layer in window.canvas.layers
    assert len(layer) == 2 and layer.overdue_count == 1
    dock.overdue_only.setChecked(True)
    assert dock.model.rowCount() == 1
    assert window.save_project()
    assert not window.windowTitle().startswith("编辑区*")


def test_the_division_on_an_earlier_date_is_shown_read_only(editing_window):
    window = editing_window
    line = shapely.LineString([(116.305, 39.975), (116.305, 40.005)])
    assert window.editing.push(SplitGrid(W1, line))
    planning = window.editing.planning
    planning.division_date.setDate(dt.date.today() - dt.timedelta(days=1))
    planning.division_date_action.setChecked(True)
    layer = planning.division_layer
    assert isinstance(layer, DivisionOnDateLayer) and layer in window.canvas.layers
    assert len(layer._names) == 4  # the four communities before the split
    assert planning.history_bar.isVisible()
    planning.division_date.setDate(dt.date.today())
    assert len(planning.division_layer._names) == 5
    planning.division_date_action.setChecked(False)
    assert planning.division_layer is None
    assert len(window.project.grids) == 8  # showing the past changed nothing


def test_the_division_table_is_exported(editing_window, tmp_path):
    window = editing_window
    written = window.editing.planning.export_division_table(tmp_path / "汇总表.xlsx")
    sheet = load_workbook(written).active
    names = [sheet.cell(row, 2).value for row in range(4, 8)]
    assert "西一社区环境保护监管片区" in names


def test_the_balance_view_adds_last_months_coverage(open_window, tmp_path, qtbot):
    path, truth = demo_project(tmp_path)
    window = open_window(path)
    dock = window.editing.planning.balance_dock
    dock.show()
    dock.date_edit.setDate(dt.date(2026, 11, 10))
    assert dock.set_street(STREET)
    assert dock.last_month() == (dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    assert "swept_share" not in dock.loads
    dock.coverage_button.click()
    assert window.progress_panel.isVisible()  # in the worker, with Cancel
    qtbot.waitUntil(lambda: "swept_share" in dock.loads, timeout=60_000)
    shares = dock.loads.set_index("inspector_id")["visited_share"]
    missed = {i for i in truth["missed_sources"] if i in shares.index}
    for inspector_id, share in shares.items():
        assert (share < 1.0) == (inspector_id in missed)
    headers = [dock.model.headerData(c, Qt.Orientation.Horizontal)
               for c in range(dock.model.columnCount())]
    assert any("上月" in str(h) or "last month" in str(h) for h in headers)
