"""DrawGridTool: click the vertices of a new grid, double-click (or Enter, or a right click)
to finish; each click snaps to the vertices and edges of the neighbouring grids and of the
parent grid, and a marker shows where it will land. The grid is added (AddGrid) at the level
chosen in the editing toolbar, under the grid of the level above that it lies in."""

from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import Qt

from gisapp.edits import AddGrid
from gisapp.i18n import N_, _
from gisapp.ui.tools.base import register_tool
from gisapp.ui.tools.sketch_base import SketchTool


@register_tool
class DrawGridTool(SketchTool):
    tool_id = "draw_grid"
    text = N_("Draw Grid")
    tooltip = N_("Draw a grid: click its vertices, double-click to finish (Backspace takes "
                 "back a vertex, Escape drops the drawing); clicks snap to the neighbouring "
                 "and parent grids")
    shortcut = "G"
    cursor = Qt.CursorShape.CrossCursor

    closed = True

    def snap_levels(self) -> tuple[int, ...]:
        """Neighbours (the level drawn) and the parent (the level above)."""
        level = self.context.level
        return (level, level - 1)

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
