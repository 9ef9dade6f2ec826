"""SplitGridTool: draw a line across grids (click its points, double-click or Enter to finish;
clicks snap like the draw tool's) and every grid of the level chosen in the editing toolbar
that the line crosses from edge to edge is split along it (SplitGrid; several at once are one
undo step). A line that crosses no grid, or that does not run from edge to edge, is refused
with the reason."""

from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QPainter

from gisapp.edits import SplitGrid
from gisapp.i18n import N_, _
from gisapp.layers.sketch import paint_sketch, paint_snap_marker
from gisapp.layers.view import MapView
from gisapp.ui.tools.base import CLICK_TOLERANCE_PX, MapEvent, register_tool
from gisapp.ui.tools.edit_base import EditContext, EditTool, to_pixels
from gisapp.ui.tools.snapping import Snap


@register_tool
class SplitGridTool(EditTool):
    tool_id = "split_grid"
    text = N_("Split Grid")
    tooltip = N_("Split grids: draw a line across them, double-click to finish")
    shortcut = "K"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, context: EditContext, parent: QObject | None = None):
        super().__init__(context, parent)
        self.points: list[tuple[float, float]] = []
        self.hover: Snap | None = None

    def reset(self) -> None:
        self.points = []
        self.hover = None
        super().reset()

    def press(self, event: MapEvent) -> bool:
        if event.button == Qt.MouseButton.RightButton:
            self.finish()
            return True
        if event.button != Qt.MouseButton.LeftButton:
            return False
        landed = self.snap(event)
        if not self._repeats_last(event, landed):
            self.points.append(landed.lonlat)
        self.hover = landed
        self.sketch_changed.emit()
        return True

    def move(self, event: MapEvent) -> bool:
        self.hover = self.snap(event)
        self.sketch_changed.emit()
        return False

    def release(self, event: MapEvent) -> bool:
        return event.button in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton)

    def double_click(self, event: MapEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton:
            return False
        landed = self.snap(event)
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

    def _repeats_last(self, event: MapEvent, landed: Snap) -> bool:
        if not self.points:
            return False
        (px, py), = to_pixels(event.view, [self.points[-1]])
        (qx, qy), = to_pixels(event.view, [landed.lonlat])
        return max(abs(px - qx), abs(py - qy)) <= CLICK_TOLERANCE_PX

    def paint_sketch(self, painter: QPainter, view: MapView) -> None:
        points = to_pixels(view, self.points)
        cursor = to_pixels(view, [self.hover.lonlat])[0] if self.hover is not None else None
        paint_sketch(painter, points, cursor, closed=False)
        if self.hover is not None and self.hover.snapped:
            paint_snap_marker(painter, cursor[0], cursor[1], self.hover.kind)


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
