"""Editing the division in the map window, driven like a user: mouse events through the real
canvas, the undo stack's shortcuts, the edit session (save, reopen, close, read-only)."""

from __future__ import annotations

import json
import socket

import numpy as np
import pandas as pd
import pytest
import shapely
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from gisapp.edits import ReshapeGrid
from gisapp.history import grid_history
from gisapp.layers.sketch import SNAP_VERTEX_COLOR
from gisapp.layers.view import lonlat_to_map
from gisapp.project import Project
from gisapp.topology import check_division
from gisapp.ui.docks.assignment_dock import inspector_mime
from tests.layers.pixels import count, rgb
from tests.ui.editing_project import E1, SHARED, W1, W2, W, make_editing_project

SPLIT_MESSAGE = "The split line must cross the grid from one edge to another."


@pytest.fixture
def project_path(tmp_path):
    return make_editing_project(tmp_path / "edit.gpkg").path


@pytest.fixture
def window(open_window, project_path):
    return open_window(project_path)


@pytest.fixture
def editing(window):
    assert window.editing.set_editing(True)
    window.editing.level_box.setCurrentIndex(window.editing.level_box.findData(3))
    return window


def pixel(window, lon, lat) -> QPoint:
    px, py = window.canvas.view.to_pixel(*(float(v) for v in lonlat_to_map(lon, lat)))
    return QPoint(round(px), round(py))


def grids_of(window) -> list[str]:
    return sorted(window.project.grids["grid_code"].astype(str))


def geometry(window, code):
    grids = window.project.grids
    return grids.geometry[grids["grid_code"] == code].iloc[0]


def snapshot(window) -> dict[str, pd.DataFrame]:
    return {name: frame.copy() for name, frame in window.project.tables.items()}


# ---- split, reshape, refusal ------------------------------------------------------------------
def test_a_split_line_drawn_on_the_canvas_makes_two_grids_and_ctrl_z_one(editing, qtbot):
    window = editing
    canvas = window.canvas
    window.tools.actions["split_grid"].trigger()
    assert window.tools.active is window.editing.split_tool
    start, end = pixel(window, 116.305, 39.975), pixel(window, 116.305, 40.005)
    qtbot.mouseMove(canvas, start)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=end)
    new = "410100001003"
    assert grids_of(window) == sorted(["410100", W, "410100002", W1, W2, E1, "410100002002",
                                       new])
    assert window.editing.stack.count() == 1
    assert window.windowTitle().startswith("编辑区*")
    # the two parts tile the old community (the crossings are computed in metres: cm off
    # the straight lon/lat edge), the new one numbered after its siblings
    assert shapely.union(geometry(window, W1), geometry(window, new)).area == pytest.approx(
        0.02 * 0.02, rel=1e-4)
    assert window.editing.topology_layer.count == 0
    assert check_division(window.project.grids).ok
    # Ctrl+Z through the window's shortcut
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert new not in grids_of(window) and len(grids_of(window)) == 7
    assert not window.windowTitle().startswith("编辑区*")
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert new in grids_of(window)


def shown_map(window) -> np.ndarray:
    """The map image the canvas shows now (rendered if stale)."""
    window.canvas.repaint()
    return rgb(window.canvas.renderer.image)


def freshly_rendered(window) -> np.ndarray:
    """The same map from layers built anew from the project's tables, rendered whole."""
    from gisapp.layers.grids import GridLayer
    from gisapp.layers.render import MapRenderer
    from gisapp.layers.sources import SourceLayer

    project, layers = window.project, []
    for layer in window.canvas.layers:
        if isinstance(layer, GridLayer):
            new = GridLayer(project.grids, layer.level, layer.name, layer.style, layer.key)
        elif isinstance(layer, SourceLayer):
            new = SourceLayer(project.sources, layer.name, style=layer.style, key=layer.key)
        else:
            layers.append(layer)
            continue
        new.apply_style_state(layer.style_state())
        layers.append(new)
    renderer = MapRenderer()
    # the label images the canvas made earlier: a glyph drawn again after other tests drew
    # text can differ by a few levels at its edges, which is not what is compared here
    renderer._sprites = window.canvas.renderer._sprites
    return rgb(renderer.render(layers, window.canvas.view, window.canvas.devicePixelRatioF()))


def test_after_an_edit_the_map_redraws_in_place_and_shows_what_a_fresh_render_shows(
        editing, qtbot):
    # the window updates its layers from the edit's Changes and redraws only where the
    # edited grids were and are; what the planner sees must still be the whole truth
    window = editing
    window.selection.clear()
    grid_layers = [layer for layer in window._project_layers if hasattr(layer, "level")]
    before = shown_map(window)
    start, end = pixel(window, 116.305, 39.975), pixel(window, 116.305, 40.005)
    window.tools.actions["split_grid"].trigger()
    qtbot.mouseMove(window.canvas, start)
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(window.canvas, end)
    qtbot.mouseDClick(window.canvas, Qt.MouseButton.LeftButton, pos=end)
    assert window.editing.stack.count() == 1
    after = shown_map(window)
    assert [layer for layer in window._project_layers if hasattr(layer, "level")] \
        == grid_layers  # the same layer objects, updated
    assert (after != before).any(axis=2).sum() > 50  # the new boundary is drawn
    assert np.array_equal(after, freshly_rendered(window))
    window.editing.undo_action.trigger()
    assert np.array_equal(shown_map(window), before)


def test_dragging_a_shared_vertex_moves_both_neighbours_in_one_undo_step(editing, qtbot):
    window = editing
    canvas = window.canvas
    window.tools.actions["reshape"].trigger()
    before = {code: geometry(window, code) for code in (W1, W2, E1)}
    grab = pixel(window, *SHARED)
    target = pixel(window, 116.31, 40.006)
    qtbot.mouseMove(canvas, grab + QPoint(2, 1))
    assert window.editing.reshape_tool.hover.lonlat == SHARED  # the vertex under the mouse
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=grab + QPoint(2, 1))
    for step in np.linspace(0, 1, 6)[1:]:
        qtbot.mouseMove(canvas, QPoint(round(grab.x() + (target.x() - grab.x()) * step),
                                       round(grab.y() + (target.y() - grab.y()) * step)))
    assert window.editing.reshape_tool.dragged is not None
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=target)
    stack = window.editing.stack
    assert stack.count() == 1 and "Move a vertex" in stack.text(0)
    moved = [tuple(c) for c in shapely.get_coordinates(geometry(window, W1))]
    new_vertex = next(c for c in moved if c[0] == pytest.approx(116.31, abs=1e-4)
                      and c[1] > 40.0)
    assert new_vertex in [tuple(c) for c in shapely.get_coordinates(geometry(window, W2))]
    assert SHARED not in moved
    assert geometry(window, E1).equals_exact(before[E1], 0)  # not a holder: untouched
    assert geometry(window, W1).area > before[W1].area
    assert geometry(window, W1).area + geometry(window, W2).area == pytest.approx(
        before[W1].area + before[W2].area, rel=1e-12)
    report = check_division(window.project.grids, window.project.sources)
    assert report.ok, report.messages()
    window.editing.undo_action.trigger()  # one step undoes the whole drag
    assert stack.index() == 0
    assert geometry(window, W1).equals_exact(before[W1], 0)
    assert geometry(window, W2).equals_exact(before[W2], 0)


def test_a_refused_split_changes_no_table_and_says_why(editing, qtbot):
    window = editing
    canvas = window.canvas
    window.tools.actions["split_grid"].trigger()
    tables = snapshot(window)
    start, end = pixel(window, 116.305, 39.985), pixel(window, 116.315, 39.995)  # inside W1
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=end)
    assert window.statusBar().currentMessage() == f"Refused: {SPLIT_MESSAGE}"
    assert window.editing.stack.count() == 0
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(window.project.tables[name], frame)
    assert not window.windowTitle().startswith("编辑区*")


def test_the_snapping_marker_shows_where_a_click_near_a_vertex_lands(editing, qtbot):
    window = editing
    canvas = window.canvas
    window.tools.actions["draw_grid"].trigger()
    vertex = pixel(window, *SHARED)
    qtbot.mouseMove(canvas, vertex + QPoint(6, -5))  # within the 12 px tolerance
    tool = window.editing.draw_tool
    assert tool.hover.kind == "vertex" and tool.hover.lonlat == SHARED
    image = rgb(canvas.grab().toImage())
    around = image[vertex.y() - 10:vertex.y() + 11, vertex.x() - 10:vertex.x() + 11]
    assert count(around, SNAP_VERTEX_COLOR, tolerance=40) >= 12  # the marker, on the vertex
    far = image[vertex.y() + 40:vertex.y() + 80, vertex.x() + 40:vertex.x() + 80]
    assert count(far, SNAP_VERTEX_COLOR, tolerance=40) == 0
    # a click there lands exactly on the stored vertex
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=vertex + QPoint(6, -5))
    assert tool.points == [SHARED]
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert tool.points == []


def test_a_drawn_grid_snaps_to_its_neighbours_and_goes_under_its_street(editing, qtbot):
    window = editing
    canvas = window.canvas
    window.selection.select("grids", [W2])
    window.editing.delete_grids_action.trigger()  # a hole in the west street
    assert any("Gap of" in m for m in window.editing.topology_dock.messages())
    window.tools.actions["draw_grid"].trigger()
    hole = [(116.30, 40.00), SHARED, (116.32, 40.00), (116.32, 40.02), (116.30, 40.02)]
    for k, (lon, lat) in enumerate(hole):  # each click a few pixels off the vertex
        position = pixel(window, lon, lat) + QPoint(4 - 2 * k, 3 - k)
        qtbot.mouseMove(canvas, position)
        if k < len(hole) - 1:
            qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=position)
        else:
            qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=position)
    assert window.editing.stack.count() == 2
    new = window.project.grids.iloc[-1]
    assert new["parent_code"] == W and new["level"] == 3 and new["grid_code"] == W2
    assert [tuple(c) for c in shapely.get_coordinates(new.geometry)][:-1] == hole
    assert window.editing.topology_layer.count == 0  # the hole is filled exactly
    assert check_division(window.project.grids).ok


# ---- topology ---------------------------------------------------------------------------------
def test_a_gap_is_drawn_hatched_listed_with_zoom_and_fixed_in_one_step(editing, qtbot):
    window = editing
    shrunk = shapely.Polygon([(116.30, 39.98), (116.32, 39.98), (116.32, 39.99999),
                              (116.31, 39.99999), (116.30, 39.99999)])
    assert window.editing.push(ReshapeGrid(W1, shrunk))
    dock = window.editing.topology_dock
    assert dock.isVisible()
    assert window.editing.topology_layer.count >= 1
    assert any("Gap of" in m and W in m for m in dock.messages())
    assert "problems found" in dock.status.text()
    before = window.canvas.view
    dock.tree.setCurrentItem(dock.tree.topLevelItem(0))
    assert window.canvas.view.scale < before.scale  # zoomed to the problem
    image = rgb(window.canvas.grab().toImage())
    assert count(image, "#d7191c", tolerance=40) > 50  # the gap's red hatching
    dock.sliver_area.setValue(5000)
    dock.fix_button.click()
    assert window.editing.stack.count() == 2
    assert window.editing.topology_layer.count == 0
    assert dock.status.text().startswith("The division is valid")
    assert check_division(window.project.grids).ok


# ---- assignments -------------------------------------------------------------------------------
def drop(window, inspector_id, lon, lat) -> bool:
    """Drop an inspector dragged from the roster at (lon, lat); True if the map took it."""
    mime = inspector_mime(inspector_id)  # the events do not own it: keep it alive
    at = QPointF(pixel(window, lon, lat))
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(at.toPoint(), *args)
    QApplication.sendEvent(window.canvas, enter)  # an accepted enter makes it the target
    if not enter.isAccepted():
        return False
    QApplication.sendEvent(window.canvas, QDragMoveEvent(at.toPoint(), *args))
    event = QDropEvent(at, *args)
    QApplication.sendEvent(window.canvas, event)
    return event.isAccepted()


def test_dropping_an_inspector_on_a_grid_assigns_him_as_its_inspector(editing, qtbot):
    window = editing
    dock = window.editing.planning.assignment_dock
    dock.show()
    dock.raise_()
    roster = [dock.roster.item(i).data(Qt.ItemDataRole.UserRole)
              for i in range(dock.roster.count())]
    assert roster == ["I1", "I2"]
    mime = dock.roster.mimeData([dock.roster.item(1)])  # what dragging 李四 carries
    assert bytes(mime.data("application/x-gisapp-inspector")) == b"I2"
    assert drop(window, "I2", 116.325, 40.01)  # in E2
    rows = window.project.assignments
    assert list(rows["grid_code"]) == ["410100002002"]
    assert list(rows["role"]) == ["inspector"] and list(rows["inspector_id"]) == ["I2"]
    assert list(rows["valid_from"]) == [dock.valid_from.isoformat()]
    assert window.selection.ids("grids") == {"410100002002"}
    assert [dock.inspector_list.item(i).text() for i in range(dock.inspector_list.count())] \
        == ["I2 李四"]
    assert window.editing.stack.count() == 1
    window.editing.undo_action.trigger()
    assert len(window.project.assignments) == 0


def test_the_assignment_panel_sets_roles_and_lists_the_warnings(editing, qtbot):
    window = editing
    dock = window.editing.planning.assignment_dock
    dock.show()
    dock.raise_()
    window.selection.select("grids", [W1])
    assert "410100001001" in dock.grid_label.text()
    warnings = [dock.warnings.item(i).text() for i in range(dock.warnings.count())]
    assert any("no responsible person" in w and W1 in w for w in warnings)
    dock.role_boxes["first_responsible"].setEditText("王主任")
    dock.role_buttons["first_responsible"].click()
    dock.role_boxes["responsible_a"].setCurrentIndex(0)  # I1 张三
    dock.role_buttons["responsible_a"].click()
    dock.role_boxes["responsible_b"].setCurrentIndex(0)  # the same person as B
    dock.role_buttons["responsible_b"].click()
    rows = window.project.assignments.set_index("role")
    assert rows.loc["first_responsible", "person_name"] == "王主任"
    assert rows.loc["responsible_a", "inspector_id"] == "I1"
    warnings = [dock.warnings.item(i).text() for i in range(dock.warnings.count())]
    assert any("A and B backup are the same person" in w for w in warnings)
    assert window.editing.stack.count() == 3


def test_assignments_need_an_edit_session(window, qtbot):
    assert not drop(window, "I1", 116.305, 39.985)
    assert len(window.project.assignments) == 0
    assert "Start editing" in window.statusBar().currentMessage()


# ---- the session: save, reopen, close, read-only -------------------------------------------------
def test_saved_edits_and_their_history_are_there_after_reopening(editing, open_window,
                                                                 project_path):
    window = editing
    drop(window, "I1", 116.305, 39.985)
    line = shapely.LineString([(116.305, 39.975), (116.305, 40.005)])
    from gisapp.edits import SplitGrid
    assert window.editing.push(SplitGrid(W1, line))
    assert window.windowTitle().startswith("编辑区*")
    assert not Project.open(project_path).history["action"].isin(["split_grid"]).any()
    assert window.save_project()
    assert not window.windowTitle().startswith("编辑区*")
    window.close()
    assert not Project.open(project_path).lock_path.exists()  # closing released the lock
    again = open_window(project_path)
    history = grid_history(again.project, W1, assignments=True)
    assert list(history["action"]) == ["assign", "split_grid"]
    assert history["user"].notna().all()
    again.selection.select("grids", [W1])
    dialog = again.editing.planning.show_grid_history()
    assert dialog.model.rowCount() == 2
    assert len(again.project.grids) == 8


def test_restoring_an_old_version_is_a_new_undoable_edit(editing, qtbot):
    window = editing
    original = geometry(window, W1)
    from gisapp.edits import SplitGrid
    window.editing.push(SplitGrid(W1, shapely.LineString([(116.305, 39.975),
                                                          (116.305, 40.005)])))
    window.selection.select("grids", [W1])
    dialog = window.editing.planning.show_grid_history()
    dialog.select_row(0)
    assert dialog.restore_before.isEnabled()
    dialog.restore_before.click()
    assert geometry(window, W1).equals(original)
    assert window.editing.stack.count() == 2
    # the restored grid overlaps the part split off: the topology check says so
    assert any("Overlap" in m for m in window.editing.topology_dock.messages())
    window.editing.undo_action.trigger()
    assert not geometry(window, W1).equals(original)


def test_closing_with_unsaved_edits_asks_and_cancel_keeps_the_window(editing, qtbot):
    window = editing
    drop(window, "I1", 116.305, 39.985)
    answers = []

    def answer(button):
        def click():
            boxes = [w for w in QApplication.topLevelWidgets()
                     if isinstance(w, QMessageBox) and w.isVisible()]
            answers.append(boxes[0].objectName() if boxes else None)
            boxes[0].button(button).click()
        QTimer.singleShot(100, click)

    answer(QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert window.isVisible() and answers == ["unsaved_edits_box"]
    answer(QMessageBox.StandardButton.Discard)
    assert window.close()
    assert answers == ["unsaved_edits_box"] * 2
    assert not window.project.lock_path.exists()


def test_a_project_locked_by_another_planner_opens_read_only(open_window, project_path):
    lock = project_path.with_name(project_path.name + ".lock")
    lock.write_text(json.dumps({"user": "李工", "host": "planning-pc-2", "pid": 4242,
                                "since": "2026-03-15T09:00:00+08:00"}), encoding="utf-8")
    window = open_window(project_path)
    assert window.editing.read_only
    assert "[read-only]" in window.windowTitle()
    assert "李工" in window.editing.lock_warning.text()
    assert "planning-pc-2" in window.editing.lock_warning.text()
    assert not window.editing.start_action.isEnabled()
    assert not window.editing.set_editing(True)
    assert not window.save_project()
    window.editing.lock_warning.close()
    window.close()
    assert lock.exists()  # not ours to remove


def test_a_second_window_on_the_same_project_is_read_only(window, open_window, project_path):
    assert not window.editing.read_only
    second = open_window(project_path)
    assert second.editing.read_only
    assert socket.gethostname() in second.editing.lock_warning.text()
    second.editing.lock_warning.close()
    second.close()
    assert window.project.lock_path.exists()  # still the first window's


# ---- attributes, sources ----------------------------------------------------------------------------
def test_editing_cells_of_the_attribute_table_are_undoable_edits(editing, qtbot):
    window = editing
    dock = window.attributes_dock
    dock.show()
    page = dock.pages["grids"]

    def cell(column):
        return page.proxy.mapFromSource(page.model.index(page.model.row_of(W1),
                                                         page.model.column_of(column)))

    def stored(column):
        return window.project.grids.set_index("grid_code").loc[W1, column]

    assert page.proxy.flags(cell("name")) & Qt.ItemFlag.ItemIsEditable
    assert not page.proxy.flags(cell("grid_code")) & Qt.ItemFlag.ItemIsEditable
    assert not page.proxy.flags(cell("level")) & Qt.ItemFlag.ItemIsEditable
    page.proxy.setData(cell("name"), "西一新社区")
    qtbot.waitUntil(lambda: stored("name") == "西一新社区")
    assert page.model.frame.set_index("grid_code").loc[W1, "name"] == "西一新社区"
    # a coded column offers its allowed values, and stores the code
    assert ("village", "Village") in cell("kind").data(Qt.ItemDataRole.UserRole + 2)
    page.proxy.setData(cell("kind"), "village")
    qtbot.waitUntil(lambda: stored("kind") == "village")
    assert cell("kind").data() == "Village"
    page.proxy.setData(cell("kind"), "castle")  # not an allowed kind: refused, nothing changes
    qtbot.waitUntil(lambda: "Refused" in window.statusBar().currentMessage())
    assert stored("kind") == "village" and window.editing.stack.count() == 2
    window.editing.undo_action.trigger()
    window.editing.undo_action.trigger()
    assert stored("name") == "西一社区" and stored("kind") == "community"
    assert page.model.frame.set_index("grid_code").loc[W1, "name"] == "西一社区"


def test_sources_are_added_moved_and_deleted_on_the_map(editing, qtbot):
    window = editing
    canvas = window.canvas
    window.editing.category_box.setCurrentIndex(window.editing.category_box.findData(
        "open_burning"))
    window.tools.actions["sources"].trigger()
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=pixel(window, 116.315, 40.01))
    sources = window.project.sources.set_index("source_id")
    assert sources.loc["S4", "category"] == "open_burning"
    assert sources.loc["S4", "grid_code"] == W2
    start, end = pixel(window, 116.305, 39.985), pixel(window, 116.325, 40.012)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, (start + end) / 2)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    assert window.project.sources.set_index("source_id").loc["S1", "grid_code"] == \
        "410100002002"
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     pixel(window, 116.325, 39.990))
    assert "S3" not in set(window.project.sources["source_id"])
    assert window.editing.stack.count() == 3
    layer = next(l for l in window.canvas.layers if l.key == "sources")
    assert len(layer) == 3


def test_merging_the_selected_grids(editing):
    window = editing
    window.selection.select("grids", [W1, W2])
    assert window.editing.merge_action.isEnabled()
    window.editing.merge_action.trigger()
    assert W2 not in grids_of(window) and W1 in grids_of(window)
    assert window.selection.ids("grids") == {W1}
    window.selection.select("grids", [W1, E1])  # different streets: refused
    window.editing.merge_action.trigger()
    assert "same parent" in window.statusBar().currentMessage()


def test_moving_a_grid_to_the_street_next_door_reshapes_both_streets(editing):
    window = editing
    window.selection.select("grids", [W1])
    dialog = window.editing.move_selected_to_parent()
    assert dialog.parent_code == "410100002"  # the neighbouring street is offered first
    dialog.accept()
    grids = window.project.grids.set_index("grid_code")
    assert grids.loc[W1, "parent_code"] == "410100002"
    assert grids.loc[W, "geometry"].equals(grids.loc[W2, "geometry"])  # W keeps W2 only
    assert check_division(window.project.grids).ok
    assert window.editing.stack.count() == 1
