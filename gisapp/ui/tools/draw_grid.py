"""DrawGridTool: click the vertices of a new grid, double-click (or Enter, or a right click)
to finish; each click snaps to the vertices and edges of the neighbouring grids and of the
parent grid, and a marker shows where it will land. The grid is added (AddGrid) at the level
chosen in the editing toolbar, under the grid of the level above that it lies in."""

from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QPainter

from gisapp.edits import AddGrid
from gisapp.i18n import N_, _
from gisapp.layers.sketch import paint_sketch, paint_snap_marker
from gisapp.layers.view import MapView
from gisapp.ui.tools.base import CLICK_TOLERANCE_PX, MapEvent, register_tool
from gisapp.ui.tools.edit_base import EditContext, EditTool, to_pixels
from gisapp.ui.tools.snapping import Snap


@register_tool
class DrawGridTool(EditTool):
    tool_id = "draw_grid"
    text = N_("Draw Grid")
    tooltip = N_("Draw a grid: click its vertices, double-click to finish (Backspace takes "
                 "back a vertex, Escape drops the drawing); clicks snap to the neighbouring "
                 "and parent grids")
    shortcut = "G"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, context: EditContext, parent: QObject | None = None):
        super().__init__(context, parent)
        self.points: list[tuple[float, float]] = []  # lon/lat, snapped where they snapped
        self.hover: Snap | None = None  # where the mouse would click now

    def reset(self) -> None:
        self.points = []
        self.hover = None
        super().reset()

    def snap_levels(self) -> tuple[int, ...]:
        """Neighbours (the level drawn) and the parent (the level above)."""
        level = self.context.level
        return (level, level - 1)

    # ---- gesture ---------------------------------------------------------------------------
    def press(self, event: MapEvent) -> bool:
        if event.button == Qt.MouseButton.RightButton:
            self.finish()
            return True
        if event.button != Qt.MouseButton.LeftButton:
            return False
        landed = self.snap(event, self.snap_levels())
        if not self._repeats_last(event, landed):
            self.points.append(landed.lonlat)
        self.hover = landed
        self.sketch_changed.emit()
        return True

    def move(self, event: MapEvent) -> bool:
        self.hover = self.snap(event, self.snap_levels())
        self.sketch_changed.emit()
        return False

    def release(self, event: MapEvent) -> bool:
        return event.button in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton)

    def double_click(self, event: MapEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton:
            return False
        landed = self.snap(event, self.snap_levels())
        if not self._repeats_last(event, landed):
            self.points.append(landed.lonlat)
        self.finish()
        return True

    def key(self, key: int) -> bool:
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
            return True
        if key == Qt.Key.Key_Backspace and self.points:
            self.points.pop()
            self.sketch_changed.emit()
            return True
        if key == Qt.Key.Key_Escape and self.points:
            self.reset()
            return True
        return False

    def finish(self) -> bool:
        """Add the drawn grid; the drawing stays when the edit is refused (fix it, or Escape)."""
        if len(self.points) < 3:
            if self.points:
                self.message.emit(_("A grid needs at least three vertices."))
            return False
        polygon = shapely.Polygon(self.points)
        level = self.context.level
        parent = None
        if level > 1:
            parent = parent_at(self.context.project.grids, polygon, level - 1)
            if parent is None:
                self.message.emit(_("Draw the grid inside a grid of level {level}.").format(
                    level=level - 1))
                return False
        edit = AddGrid(_("New grid"), level, parent, polygon)
        if not self.context.push(edit):
            return False
        self.message.emit(edit.label)
        self.reset()
        return True

    def _repeats_last(self, event: MapEvent, landed: Snap) -> bool:
        """A click on the vertex placed last (the second click of a double click)."""
        if not self.points:
            return False
        (px, py), = to_pixels(event.view, [self.points[-1]])
        (qx, qy), = to_pixels(event.view, [landed.lonlat])
        return max(abs(px - qx), abs(py - qy)) <= CLICK_TOLERANCE_PX

    # ---- drawing ---------------------------------------------------------------------------
    def paint_sketch(self, painter: QPainter, view: MapView) -> None:
        points = to_pixels(view, self.points)
        cursor = to_pixels(view, [self.hover.lonlat])[0] if self.hover is not None else None
        paint_sketch(painter, points, cursor, closed=True)
        if self.hover is not None and self.hover.snapped:
            paint_snap_marker(painter, cursor[0], cursor[1], self.hover.kind)


def parent_at(grids, polygon, level: int) -> str | None:
    """The grid of ``level`` that holds most of ``polygon`` (None when none meets it)."""
    rows = np.flatnonzero(grids["level"].to_numpy() == level)
    if not len(rows) or not polygon.is_valid:
        point = shapely.point_on_surface(polygon) if not polygon.is_empty else None
        if point is None or not len(rows):
            return None
        inside = shapely.covers(np.asarray(grids.geometry.values)[rows], point)
        return str(grids["grid_code"].iloc[rows[np.argmax(inside)]]) if inside.any() else None
    shares = shapely.area(shapely.intersection(np.asarray(grids.geometry.values)[rows],
                                               polygon))
    if not (shares > 0).any():
        return None
    return str(grids["grid_code"].iloc[rows[int(np.argmax(shares))]])
