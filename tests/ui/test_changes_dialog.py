"""Edit → Changes Between Dates, used like a planner: edits made on known days and saved, the
dialog opened on a period, its rows, the table filter, the map following the chosen row (a
deleted grid too), a grid's history from a row, and the CSV and XLSX export; once in Chinese."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from unittest import mock

import pytest
import shapely
from openpyxl import load_workbook
from PySide6.QtCore import QPoint, Qt

from gisapp import i18n
from gisapp import project as project_module
from gisapp.assignment_edits import AssignRole
from gisapp.edits import DeleteGrid, EditAttributes, MoveSource, SplitGrid
from gisapp.layers.view import lonlat_to_map, map_to_lonlat
from tests.ui.editing_project import E2, W1, W2, D, W, make_editing_project

SPLIT_OFF = W1[:-1] + "3"  # the grid SplitGrid makes of W1's west part
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
EDITS = [  # (time recorded, who, edit); the deletion is refused while it has children
    ("2026-02-27T16:00:00+08:00", "王五",
     EditAttributes("sources", "S1", "name", "钢铁厂", "老钢铁厂")),
    ("2026-03-02T09:15:00+08:00", "张三",
     SplitGrid(W1, shapely.LineString([(116.305, 39.975), (116.305, 40.005)]))),
    ("2026-03-05T11:00:00+08:00", "张三", AssignRole(SPLIT_OFF, "inspector", "I2",
                                                    "2026-03-05")),
    ("2026-03-10T14:00:00+08:00", "张三", EditAttributes("grids", E2, "name", "东二社区",
                                                       "东二新社区")),
    ("2026-03-20T08:30:00+08:00", "李四", MoveSource("S2", shapely.Point(116.336, 40.012))),
    ("2026-03-31T15:30:00+00:00", "李四", DeleteGrid(SPLIT_OFF)),  # 23:30 in Beijing
    ("2026-04-02T10:00:00+08:00", "李四", AssignRole(W1, "inspector", "I1", "2026-04-02")),
]
# what the dialog lists for March, oldest first
SPLIT = ["2026-03-02 09:15", "张三", "Split grid", "Grid"]
DELETE = ["2026-03-31 23:30", "李四", "Delete grid"]
MARCH_ROWS = [
    [*SPLIT, D, "编辑区", "Modified", "Boundary"],
    [*SPLIT, W, "西街道", "Modified", "Boundary"],
    [*SPLIT, W1, "西一社区", "Modified", "Boundary"],
    [*SPLIT, W2, "西二社区", "Modified", "Boundary"],
    [*SPLIT, SPLIT_OFF, "西一社区 (split)", "Added", ""],
    ["2026-03-02 09:15", "张三", "Split grid", "Source", "S1", "老钢铁厂", "Modified",
     "Grid code"],
    ["2026-03-05 11:00", "张三", "Assign", "Assignment", f"{SPLIT_OFF}/inspector/李四",
     "Inspector 李四", "Added", ""],
    ["2026-03-10 14:00", "张三", "Edit attributes", "Grid", E2, "东二新社区", "Modified",
     "Grid name"],
    ["2026-03-20 08:30", "李四", "Move source", "Source", "S2", "工地", "Modified", "Location"],
    [*DELETE, "Grid", SPLIT_OFF, "西一社区 (split)", "Removed", ""],
    [*DELETE, "Source", "S1", "老钢铁厂", "Modified", "Grid code"],
]
HEADERS = ["When", "Who", "Action", "Table", "Feature ID", "Feature name", "Change", "Fields"]


@contextlib.contextmanager
def clock(at: str):
    """History rows written inside are stamped ``at`` (an ISO time with its offset)."""
    with mock.patch.object(project_module, "_now", lambda: at):
        yield


@pytest.fixture
def window(open_window, tmp_path):
    """The editing district after the EDITS by three planners, saved."""
    window = open_window(make_editing_project(tmp_path / "edit.gpkg").path)
    assert window.editing.set_editing(True)
    for at, user, edit in EDITS:
        window.editing.stack.user = user
        with clock(at):
            assert window.editing.push(edit), window.statusBar().currentMessage()
    assert window.save_project()
    return window


@pytest.fixture
def chinese():
    i18n.set_language("zh_CN")  # the autouse fixture puts the language back


def open_march(window):
    dialog = window.editing.planning.show_changes_between(*MARCH)
    assert dialog is not None and dialog.isVisible()
    return dialog


def row_of(dialog, feature_id: str, action: str) -> int:
    return next(i for i, row in enumerate(dialog.shown_rows())
                if row[4] == feature_id and row[2] == action)


def shown_box(window) -> shapely.Polygon:
    """What the map shows, as a lon/lat box."""
    view, canvas = window.canvas.view, window.canvas
    x0, y0 = view.to_map(0, canvas.height())
    x1, y1 = view.to_map(canvas.width(), 0)
    lon, lat = map_to_lonlat([x0, x1], [y0, y1])
    return shapely.box(float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1]))


def lonlat_to_map_box(lon0, lat0, lon1, lat1) -> tuple[float, float, float, float]:
    (x0, x1), (y0, y1) = lonlat_to_map([lon0, lon1], [lat0, lat1])
    return float(x0), float(y0), float(x1), float(y1)


def grid_shape(window, code):
    grids = window.project.grids
    return grids.geometry[grids["grid_code"] == code].iloc[0]


def test_the_menu_lists_the_changes_of_a_period_and_no_others(window):
    planning = window.editing.planning
    texts = [a.text() for a in window.editing.edit_menu.actions()]
    assert texts.index("&Changes Between Dates…") == texts.index("Grid &History…") + 1
    assert planning.changes_action in planning.history_bar.actions()
    planning.changes_action.trigger()
    default = planning.changes_dialog
    today = dt.date.today()
    assert default.last == today and default.first.day == 1
    assert (today.replace(day=1) - default.first).days in range(28, 32)  # last month's first
    dialog = open_march(window)
    assert dialog is default  # one dialog, now on March
    assert dialog.shown_headers() == HEADERS
    assert dialog.shown_rows() == MARCH_ROWS
    assert dialog.note.text() == \
        "11 changes from 2026-03-01 to 2026-03-31 (both days included)"
    dialog.set_dates(dt.date(2026, 3, 3), dt.date(2026, 3, 30))
    assert [r[0] for r in dialog.shown_rows()] == ["2026-03-05 11:00", "2026-03-10 14:00",
                                                   "2026-03-20 08:30"]
    dialog.set_dates(dt.date(2026, 2, 27), dt.date(2026, 2, 27))  # one day, both ends
    assert dialog.shown_rows() == [["2026-02-27 16:00", "王五", "Edit attributes", "Source",
                                    "S1", "老钢铁厂", "Modified", "Source name"]]
    dialog.set_dates(dt.date(2026, 4, 1), dt.date(2026, 3, 1))
    assert dialog.shown_rows() == [] and not dialog.export_button.isEnabled()
    assert dialog.note.text() == "The start date 2026-04-01 is after the end date 2026-03-01."


def test_the_table_filter_and_the_sort(window, qtbot):
    dialog = open_march(window)
    dialog.set_table("sources")
    assert dialog.table_box.currentText() == "Source"
    assert [(r[4], r[0]) for r in dialog.shown_rows()] == [
        ("S1", "2026-03-02 09:15"), ("S2", "2026-03-20 08:30"), ("S1", "2026-03-31 23:30")]
    dialog.set_table("assignments")
    dialog.set_dates(MARCH[0], dt.date(2026, 4, 30))
    assert [r[4] for r in dialog.shown_rows()] == [f"{SPLIT_OFF}/inspector/李四",
                                                   f"{W1}/inspector/张三"]
    dialog.set_table("grids")
    assert {r[3] for r in dialog.shown_rows()} == {"Grid"} and len(dialog.shown_rows()) == 7
    dialog.set_table(None)
    assert len(dialog.shown_rows()) == 12
    who = dialog.model.column_of("user")
    header = dialog.table.horizontalHeader()
    click = QPoint(header.sectionViewportPosition(who) + header.sectionSize(who) // 2,
                   header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=click)
    users = [r[1] for r in dialog.shown_rows()]
    assert users == sorted(users) and users != [r[1] for r in MARCH_ROWS]


def test_choosing_a_row_shows_its_grid_or_source_on_the_map(window):
    dialog = open_march(window)
    window.zoom_to_district()
    dialog.select_row(row_of(dialog, E2, "Edit attributes"))
    assert window.selection.ids("grids") == {E2}
    shown = shown_box(window)
    assert shown.contains(grid_shape(window, E2))
    assert shown.area < 4 * grid_shape(window, E2).envelope.area  # zoomed in, not the district
    dialog.select_row(row_of(dialog, "S2", "Move source"))
    assert window.selection.ids("sources") == {"S2"}
    assert shown_box(window).contains(shapely.Point(116.336, 40.012))
    assert dialog.zoom_button.isEnabled() and not dialog.history_button.isEnabled()


def test_a_deleted_grid_is_shown_where_its_history_puts_it(window):
    dialog = open_march(window)
    assert SPLIT_OFF not in set(window.project.grids["grid_code"])
    window.zoom_to_district()
    dialog.select_row(row_of(dialog, SPLIT_OFF, "Delete grid"))
    west_part = shapely.box(116.30, 39.98, 116.305, 40.00)
    shown = shown_box(window)
    assert shown.contains(west_part) and not shown.contains(grid_shape(window, E2).centroid)
    assert window.selection.ids("grids") == frozenset()
    assert "no longer in the project" in window.statusBar().currentMessage()
    outline = window.editing.planning.removed_layer  # dashed, as the history record keeps it
    assert outline in window.canvas.layers and outline.name == f"Grid {SPLIT_OFF} (removed)"
    assert shapely.box(*outline.extent()).equals_exact(shapely.box(*lonlat_to_map_box(
        116.30, 39.98, 116.305, 40.00)), 0.1)  # metres: the split point is within 2 cm
    # the deleted grid's assignment row: no geometry in the record, no grid to select
    window.zoom_to_district()
    before = window.canvas.view
    dialog.select_row(row_of(dialog, f"{SPLIT_OFF}/inspector/李四", "Assign"))
    assert not dialog.zoom_button.isEnabled() and dialog.zoom_button.toolTip()
    assert window.canvas.view == before
    assert dialog.history_button.isEnabled()  # its grid's history is still there
    dialog.select_row(row_of(dialog, E2, "Edit attributes"))  # a grid that is there: selected
    assert window.editing.planning.removed_layer is None
    assert outline not in window.canvas.layers
    dialog.select_row(row_of(dialog, SPLIT_OFF, "Delete grid"))
    assert window.editing.planning.removed_layer is not None
    dialog.close()  # the outline goes with the list
    assert window.editing.planning.removed_layer is None


def test_a_grid_row_opens_that_grids_history(window):
    dialog = open_march(window)
    dialog.select_row(row_of(dialog, SPLIT_OFF, "Delete grid"))
    dialog.history_button.click()
    history = window.editing.planning.history_dialog
    assert history.isVisible() and history.grid_code == SPLIT_OFF
    assert [history.model.frame.iloc[i]["action"] for i in range(history.model.rowCount())] \
        == ["split_grid", "assign", "delete_grid"]


def test_export_writes_the_listed_rows_as_csv_and_xlsx(window, tmp_path):
    dialog = open_march(window)
    dialog.set_table("grids")
    written = dialog.export(tmp_path / "变更.csv")
    assert written == tmp_path / "变更.csv"
    assert written.read_bytes().startswith("\ufeff".encode("utf-8"))  # Excel reads it as UTF-8
    with open(written, encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    grid_rows = [r for r in MARCH_ROWS if r[3] == "Grid"]
    assert rows == [HEADERS, *grid_rows]
    book = load_workbook(dialog.export(tmp_path / "变更.xlsx"))
    sheet = book.active
    values = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(
        values_only=True)]
    assert values[0][0] == "Changes from 2026-03-01 to 2026-03-31"
    assert values[1] == HEADERS and values[2:] == grid_rows


def test_in_chinese(chinese, window, tmp_path):
    texts = [a.text() for a in window.editing.edit_menu.actions()]
    assert "两个日期之间的变更(&C)…" in texts
    dialog = open_march(window)
    assert dialog.windowTitle() == "两个日期之间的变更"
    assert dialog.shown_headers() == ["时间", "修改人", "操作", "数据表", "编号", "名称",
                                      "变化", "字段"]
    assert dialog.shown_rows()[0] == ["2026-03-02 09:15", "张三", "拆分网格", "网格", D,
                                      "编辑区", "修改", "边界"]
    assert dialog.note.text() == "2026-03-01 至 2026-03-31 共 11 条变更（含首尾两天）"
    with open(dialog.export(tmp_path / "变更.csv"), encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == dialog.shown_headers() and rows[1] == dialog.shown_rows()[0]
