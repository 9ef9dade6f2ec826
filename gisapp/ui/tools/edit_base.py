"""What the edit tools share: EditContext (the project, the undo stack, the level drawn, the
category of new sources, a snapping index kept up to date) and EditTool (a MapTool that draws
a sketch over the map while its gesture is under way).

An edit tool turns MapEvents into lon/lat geometry, builds one core Edit and pushes it on the
undo stack; the stack applies it or reports the core's refusal, so a tool never writes a
table and never needs to know why an edit was refused.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPainter

from gisapp.layers.view import MapView, lonlat_to_map, map_to_lonlat
from gisapp.schema import SOURCE_CATEGORIES
from gisapp.ui.tools.base import MapEvent, MapTool
from gisapp.ui.tools.snapping import SNAP_TOLERANCE_PX, Snap, Snapper, free
from gisapp.ui.undo import UndoStack


class EditContext(QObject):
    """The edit tools' view of the edit session."""

    level_changed = Signal(int)

    def __init__(self, stack: UndoStack, parent: QObject | None = None):
        super().__init__(parent)
        self.stack = stack
        self.snap_px = SNAP_TOLERANCE_PX
        self.source_category = SOURCE_CATEGORIES[-1]
        self._level = 3
        self._snapper: Snapper | None = None
        self._snapped_grids = None
        stack.changes_applied.connect(self._changed)

    @property
    def project(self):
        return self.stack.project

    @property
    def level(self) -> int:
        """The level of the grids drawn and split (2 streets, 3 communities, 4 key sources)."""
        return self._level

    def set_level(self, level: int) -> None:
        if int(level) != self._level:
            self._level = int(level)
            self.level_changed.emit(self._level)

    @property
    def snapper(self) -> Snapper | None:
        project = self.project
        if project is None:
            return None
        if self._snapper is None or self._snapped_grids is not project.grids:
            self._snapper = Snapper(project.grids)
            self._snapped_grids = project.grids
        return self._snapper

    def push(self, edit, merge_key=None) -> bool:
        return self.stack.push(edit, merge_key)

    def push_all(self, edits, label: str) -> bool:
        return self.stack.push_all(edits, label)

    def _changed(self, changes) -> None:
        if changes.touches("grids"):
            self._snapper = None


class EditTool(MapTool):
    """A MapTool with a sketch: ``paint_sketch`` draws, in view pixels, what the gesture has
    so far; ``sketch_changed`` asks the overlay to draw it again."""

    sketch_changed = Signal()

    def __init__(self, context: EditContext, parent: QObject | None = None):
        super().__init__(parent)
        self.context = context

    def deactivate(self) -> None:
        self.reset()
        super().deactivate()

    def reset(self) -> None:
        """Drop the gesture under way."""
        self.sketch_changed.emit()

    def paint_sketch(self, painter: QPainter, view: MapView) -> None:
        """Draw the gesture under way (nothing by default)."""

    # ---- helpers ---------------------------------------------------------------------------
    def reach_m(self, event: MapEvent) -> float:
        """The snapping tolerance in map metres at the event's zoom."""
        return self.context.snap_px * event.view.scale

    def snap(self, event: MapEvent, levels=None, exclude=()) -> Snap:
        snapper = self.context.snapper
        if snapper is None:
            return free(event.x, event.y)
        return snapper.snap(event.x, event.y, self.reach_m(event), levels, exclude)


def ground_metres(event: MapEvent, pixels: float) -> float:
    """``pixels`` at the event's place in metres on the ground (Web Mercator metres shrink
    by the cosine of the latitude)."""
    _lon, lat = map_to_lonlat(event.x, event.y)
    return pixels * event.view.scale * math.cos(math.radians(float(lat)))


def to_pixels(view: MapView, lonlat) -> list[tuple[float, float]]:
    """Lon/lat points as view pixels."""
    if not len(lonlat):
        return []
    lon = [p[0] for p in lonlat]
    lat = [p[1] for p in lonlat]
    x, y = lonlat_to_map(lon, lat)
    px, py = view.to_pixel(x, y)
    try:
        return [(float(a), float(b)) for a, b in zip(px, py)]
    except TypeError:  # one point: scalars
        return [(float(px), float(py))]
