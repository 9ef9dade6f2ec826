"""SketchTool: the click-vertices gesture shared by the tools that draw a line or a polygon.

Each click snaps and adds a vertex (a second click on the last vertex adds nothing), the
mouse shows where the next one would land, and a double click, Enter or a right click finishes;
Backspace takes back a vertex and Escape drops the sketch. A subclass says what the sketch
becomes (``finish``), whether it is closed, and which grid levels it snaps to.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QPainter

from gisapp.layers.sketch import paint_sketch, paint_snap_marker
from gisapp.layers.view import MapView
from gisapp.ui.tools.base import CLICK_TOLERANCE_PX, MapEvent
from gisapp.ui.tools.edit_base import EditContext, EditTool, to_pixels
from gisapp.ui.tools.snapping import Snap


class SketchTool(EditTool):
    closed = False  # a polygon (True) or a line

    def __init__(self, context: EditContext, parent: QObject | None = None):
        super().__init__(context, parent)
        self.points: list[tuple[float, float]] = []  # lon/lat, snapped where they snapped
        self.hover: Snap | None = None  # where the mouse would click now

    def reset(self) -> None:
        self.points = []
        self.hover = None
        super().reset()

    def snap_levels(self) -> tuple[int, ...] | None:
        """The grid levels a click snaps to (None: every level)."""
        return None

    def finish(self) -> bool:
        raise NotImplementedError

    # ---- gesture ---------------------------------------------------------------------------
    def press(self, event: MapEvent) -> bool:
        if event.button == Qt.MouseButton.RightButton:
            self.finish()
            return True
        if event.button != Qt.MouseButton.LeftButton:
            return False
        self.hover = self._add_vertex(event)
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
        self._add_vertex(event)
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

    def _add_vertex(self, event: MapEvent) -> Snap:
        landed = self.snap(event, self.snap_levels())
        if not self._repeats_last(event, landed):
            self.points.append(landed.lonlat)
        return landed

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
        paint_sketch(painter, points, cursor, closed=self.closed)
        if self.hover is not None and self.hover.snapped:
            paint_snap_marker(painter, cursor[0], cursor[1], self.hover.kind)
