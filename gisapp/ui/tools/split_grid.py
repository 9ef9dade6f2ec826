"""SplitGridTool: draw a line across grids (click its points, double-click or Enter to finish;
clicks snap like the draw tool's) and every grid of the level chosen in the editing toolbar
that the line crosses from edge to edge is split along it (SplitGrid; several at once are one
undo step). A line that crosses no grid, or that does not run from edge to edge, is refused
with the reason."""

from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import Qt

from gisapp.edits import SplitGrid
from gisapp.i18n import N_, _
from gisapp.ui.tools.base import register_tool
from gisapp.ui.tools.sketch_base import SketchTool


@register_tool
class SplitGridTool(SketchTool):
    tool_id = "split_grid"
    text = N_("Split Grid")
    tooltip = N_("Split grids: draw a line across them, double-click to finish")
    shortcut = "K"
    cursor = Qt.CursorShape.CrossCursor

    def finish(self) -> bool:
        """Split what the line crosses; the line is dropped either way (the message says
        why when nothing was split)."""
        if len(self.points) < 2:
            return False
        line = shapely.LineString(self.points)
        codes = crossed_grids(self.context.project.grids, line, self.context.level)
        self.reset()
        if not codes:
            self.message.emit(_("The split line does not cross any grid of level {level}.")
                              .format(level=self.context.level))
            return False
        edits = [SplitGrid(code, line) for code in codes]
        label = edits[0].label if len(edits) == 1 else _("Split {count} grids").format(
            count=len(edits))
        if not self.context.push_all(edits, label):
            return False
        self.message.emit(label)
        return True


def crossed_grids(grids, line, level: int) -> list[str]:
    """The grids of ``level`` the line crosses from edge to edge (neither end inside); if
    there are none, the one it meets most, so that SplitGrid can say what is wrong."""
    rows = np.flatnonzero(grids["level"].to_numpy() == level)
    if not len(rows):
        return []
    geometries = np.asarray(grids.geometry.values, dtype=object)[rows]
    meets = shapely.intersects(geometries, line)
    if not meets.any():
        return []
    rows, geometries = rows[meets], geometries[meets]
    start, end = shapely.points(line.coords[0]), shapely.points(line.coords[-1])
    through = ~shapely.contains_properly(geometries, start) \
        & ~shapely.contains_properly(geometries, end) \
        & shapely.crosses(line, geometries)
    codes = grids["grid_code"].astype(str).to_numpy(dtype=object)
    if through.any():
        return [str(c) for c in codes[rows[through]]]
    inside = shapely.length(shapely.intersection(geometries, line))
    return [str(codes[rows[int(np.argmax(inside))]])]
