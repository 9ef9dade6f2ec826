"""The edit tools driven with plain MapEvents (no window, no canvas), the undo stack and the
edit session on their own."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import shapely
from PySide6.QtCore import Qt

from gisapp.edits import DeleteGrid, MoveVertex
from gisapp.layers.view import MapView, lonlat_to_map
from gisapp.project import Project
from gisapp.topology import check_division
from gisapp.ui.edit_session import EditSession
from gisapp.ui.tools.base import MapEvent
from gisapp.ui.tools.draw_grid import DrawGridTool
from gisapp.ui.tools.edit_base import EditContext
from gisapp.ui.tools.reshape import ReshapeTool
from gisapp.ui.tools.snapping import Snapper
from gisapp.ui.tools.sources import SourceTool, next_source_id
from gisapp.ui.tools.split_grid import SplitGridTool
from gisapp.ui.undo import UndoStack
from tests.ui.editing_project import E1, SHARED, W1, W2, E, W, make_editing_project

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def project(tmp_path) -> Project:
    return make_editing_project(tmp_path / "tools.gpkg")


@pytest.fixture
def stack(project, qtbot):
    stack = UndoStack(project, "测试员")
    stack.messages = []
    stack.refused.connect(stack.messages.append)
    return stack


@pytest.fixture
def context(stack) -> EditContext:
    return EditContext(stack)


VIEW = MapView.fit((*lonlat_to_map(116.30, 39.98), *lonlat_to_map(116.34, 40.02)), 800, 800)


def at(lon, lat, dx=0.0, dy=0.0, button=LEFT, modifiers=Qt.KeyboardModifier.NoModifier):
    """The event of a mouse ``dx, dy`` pixels off the map point (lon, lat)."""
    px, py = VIEW.to_pixel(*(float(v) for v in lonlat_to_map(lon, lat)))
    return MapEvent.at_pixel(VIEW, px + dx, py + dy, button, modifiers)


def shape(project, code):
    return project.grids.geometry[project.grids["grid_code"] == code].iloc[0]


def vertices(geometry) -> list[tuple[float, float]]:
    return [tuple(c) for c in shapely.get_coordinates(geometry)]


# ---- snapping -----------------------------------------------------------------------------------
def test_snapping_lands_on_stored_vertices_exactly_then_on_edges(project):
    snapper = Snapper(project.grids)
    reach = 12 * VIEW.scale
    landed = snapper.snap(*lonlat_to_map(116.31 + 3e-5, 40.0 - 2e-5), reach)
    assert landed.kind == "vertex" and landed.lonlat == SHARED
    on_edge = snapper.snap(*lonlat_to_map(116.315, 40.0 + 4e-5), reach)
    assert on_edge.kind == "edge" and on_edge.lat == pytest.approx(40.0, abs=1e-9)
    assert snapper.snap(*lonlat_to_map(116.315, 40.01), reach).kind is None
    assert sorted(snapper.holders(*SHARED)) == [W1, W2]
    assert sorted(snapper.star(*SHARED)) == [(116.3, 40.0), (116.32, 40.0)]
    assert snapper.vertex(*lonlat_to_map(116.32, 40.0), reach).grid_code in (W1, W2, E1,
                                                                              "410100002002")


# ---- draw ---------------------------------------------------------------------------------------
def test_drawing_a_grid_in_a_hole_snaps_every_click_and_fills_it(context, stack, project):
    assert stack.push(DeleteGrid(W2))
    tool = DrawGridTool(context)
    hole = [(116.30, 40.00), SHARED, (116.32, 40.00), (116.32, 40.02), (116.30, 40.02)]
    for k, (lon, lat) in enumerate(hole[:-1]):
        tool.move(at(lon, lat, 5, -4))
        assert tool.hover.kind == "vertex"
        assert tool.press(at(lon, lat, 5, -4))
        tool.release(at(lon, lat, 5, -4))
    tool.press(at(*hole[3], 1, 1))  # the last vertex again (a double click's press): ignored
    assert tool.points == hole[:-1]
    assert tool.double_click(at(*hole[-1], -3, 2))
    assert stack.count() == 2 and tool.points == []
    new = project.grids.iloc[-1]
    assert (new["grid_code"], new["level"], new["parent_code"]) == (W2, 3, W)
    assert vertices(new.geometry)[:-1] == hole
    assert check_division(project.grids).ok


def test_backspace_escape_and_too_few_vertices(context, stack):
    tool = DrawGridTool(context)
    messages = []
    tool.message.connect(messages.append)
    tool.press(at(116.305, 39.985))
    tool.press(at(116.315, 39.985))
    assert tool.key(Qt.Key.Key_Backspace) and len(tool.points) == 1
    assert not tool.finish() and messages == ["A grid needs at least three vertices."]
    assert tool.key(Qt.Key.Key_Escape) and tool.points == []
    assert stack.count() == 0


def test_a_grid_drawn_over_its_neighbours_is_added_and_overlaps_are_found(context, stack,
                                                                          project):
    tool = DrawGridTool(context)
    for lon, lat in [(116.305, 39.985), (116.315, 39.985), (116.315, 39.995)]:
        tool.press(at(lon, lat))
    assert tool.press(at(0, 0, button=RIGHT)) and stack.count() == 1  # a right click ends it
    assert project.grids.iloc[-1]["parent_code"] == W
    assert not check_division(project.grids).ok  # the overlap is there, for the dock to show


# ---- split --------------------------------------------------------------------------------------
def test_a_split_line_splits_every_grid_it_crosses_in_one_step(context, stack, project):
    tool = SplitGridTool(context)
    tool.press(at(116.295, 39.99))
    tool.move(at(116.345, 39.99))
    assert tool.hover.kind is None
    assert tool.double_click(at(116.345, 39.99))
    assert stack.count() == 1 and stack.text(0) == "Split 2 grids"
    assert len(project.grids) == 9
    assert check_division(project.grids).ok
    stack.undo()
    assert len(project.grids) == 7


def test_a_split_line_crossing_no_grid_is_refused_and_drawn_no_more(context, stack, project):
    tool = SplitGridTool(context)
    messages = []
    tool.message.connect(messages.append)
    tool.press(at(116.20, 39.90))
    tool.key(Qt.Key.Key_Return)  # too short: one point, nothing happens
    tool.press(at(116.21, 39.91))
    tool.key(Qt.Key.Key_Return)
    assert messages == ["The split line does not cross any grid of level 3."]
    assert tool.points == [] and stack.count() == 0


# ---- reshape ------------------------------------------------------------------------------------
def test_a_vertex_drag_is_one_move_in_every_grid_holding_it(context, stack, project):
    tool = ReshapeTool(context)
    tool.move(at(*SHARED, 3, 3))
    assert tool.hover.lonlat == SHARED
    assert tool.press(at(*SHARED, 3, 3))
    for dy in (-10, -20, -30):
        tool.move(at(*SHARED, 0, dy))
    assert tool.target.kind is None and len(tool._star) == 2
    assert tool.release(at(*SHARED, 0, -30))
    assert stack.count() == 1
    assert SHARED not in vertices(shape(project, W1)) + vertices(shape(project, W2))
    assert check_division(project.grids).ok


def test_a_click_on_a_vertex_moves_nothing_and_a_press_off_vertices_is_left_to_panning(
        context, stack):
    tool = ReshapeTool(context)
    assert tool.press(at(*SHARED, 1, 0))
    assert tool.release(at(*SHARED, 2, 1))
    assert stack.count() == 0
    assert not tool.press(at(116.315, 39.99))  # nothing here: the canvas pans


def test_ctrl_click_adds_a_vertex_to_every_grid_holding_the_edge(context, stack, project):
    tool = ReshapeTool(context)
    assert tool.press(at(116.32, 39.99, 4, 0, modifiers=CTRL))
    assert stack.count() == 1, stack.messages
    for code in (W1, E1, W, E):
        assert any(lon == pytest.approx(116.32, abs=1e-6)  # a foot found in metres
                   and lat == pytest.approx(39.99, abs=1e-4)
                   for lon, lat in vertices(shape(project, code))), code
    assert check_division(project.grids).ok


def test_shift_click_deletes_a_vertex_but_not_a_corner_where_grids_meet(context, stack,
                                                                        project):
    tool = ReshapeTool(context)
    tool.press(at(116.32, 40.00, modifiers=SHIFT))
    assert stack.count() == 0
    assert stack.messages == [("This vertex is a corner where grids meet; it cannot be "
                               "deleted without opening a gap or an overlap.")]
    tool.move(at(*SHARED, 2, 2))
    assert tool.key(Qt.Key.Key_Delete)
    assert stack.count() == 1
    assert SHARED not in vertices(shape(project, W1))


def test_arrow_keys_nudge_the_vertex_under_the_mouse_in_one_undo_step(context, stack,
                                                                      project):
    before = project.grids.copy()
    tool = ReshapeTool(context)
    tool.move(at(*SHARED, 2, 2))
    for _ in range(3):
        assert tool.key(Qt.Key.Key_Up)
    assert stack.count() == 1  # three nudges, one step
    moved = next(c for c in vertices(shape(project, W1)) if c[1] > 40.0)
    assert moved in vertices(shape(project, W2))
    assert moved[1] - 40.0 == pytest.approx(3 * VIEW.scale / 111_319.49 * 0.766, rel=0.02)
    assert check_division(project.grids).ok
    stack.undo()
    pd.testing.assert_frame_equal(project.grids, before)


# ---- sources ------------------------------------------------------------------------------------
def test_sources_are_added_moved_and_deleted(context, stack, project):
    context.source_category = "livestock"
    tool = SourceTool(context)
    tool.press(at(116.315, 40.01))
    tool.release(at(116.315, 40.01, 1, 1))
    added = project.sources.set_index("source_id").loc["S4"]
    assert (added["category"], added["grid_code"]) == ("livestock", W2)
    tool.press(at(116.305, 39.985, 2, 0))  # on S1
    tool.move(at(116.33, 39.99))
    tool.release(at(116.33, 39.99))
    assert project.sources.set_index("source_id").loc["S1", "grid_code"] == E1
    tool.press(at(116.335, 40.015, modifiers=SHIFT))
    tool.release(at(116.335, 40.015, modifiers=SHIFT))
    assert sorted(project.sources["source_id"]) == ["S1", "S3", "S4"]
    assert stack.count() == 3


def test_new_source_ids_follow_the_existing_pattern():
    assert next_source_id(["S00001", "S00009"]) == "S00010"
    assert next_source_id(["S1", "S2"]) == "S3"
    assert next_source_id([]) == "S00001"


# ---- the undo stack ---------------------------------------------------------------------------
def test_edits_with_the_same_merge_key_are_one_undo_step(stack, project):
    before = project.grids.copy()
    assert stack.push(MoveVertex(W1, SHARED, (116.31, 40.002)), merge_key="drag")
    assert stack.push(MoveVertex(W1, (116.31, 40.002), (116.311, 40.004)), merge_key="drag")
    assert stack.count() == 1
    stack.undo()
    pd.testing.assert_frame_equal(project.grids, before)
    stack.redo()
    assert (116.311, 40.004) in vertices(shape(project, W2))


def test_several_edits_are_one_macro_or_nothing(stack, project):
    tables = {n: f.copy() for n, f in project.tables.items() if n != "history"}
    assert not stack.push_all([DeleteGrid(W1), DeleteGrid(W)], "two")  # W has children left
    assert stack.count() == 0
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(project.tables[name], frame)
    assert stack.push_all([DeleteGrid(W1), DeleteGrid(W2)], "both")
    assert stack.count() == 1 and stack.text(0) == "both"
    stack.undo()
    assert len(project.grids) == 7


def test_the_clean_state_follows_save_and_undo(stack):
    assert stack.is_clean()
    stack.push(DeleteGrid(W1))
    assert not stack.is_clean()
    stack.set_clean()
    stack.undo()
    assert not stack.is_clean()
    stack.redo()
    assert stack.is_clean()


# ---- the edit session ----------------------------------------------------------------------------
def test_the_session_takes_the_lock_and_a_second_one_is_read_only(project, qtbot):
    first, second = EditSession(user="甲"), EditSession(user="乙")
    assert first.open(project) is None and project.lock_path.exists()
    holder = second.open(Project.open(project.path))
    assert second.read_only and holder["user"] == "甲"
    assert not second.set_editing(True) and first.set_editing(True)
    second.close()
    assert project.lock_path.exists()
    first.close()
    assert not project.lock_path.exists()


def test_a_lock_from_another_machine_is_respected(project, qtbot):
    project.lock_path.write_text(json.dumps({"user": "李工", "host": "elsewhere", "pid": 1,
                                             "since": "2026-03-15T09:00:00+08:00"}))
    session = EditSession()
    assert session.open(project)["user"] == "李工" and session.read_only
    session.close()
    assert project.lock_path.exists()
