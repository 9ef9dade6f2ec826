"""SourceTool: add, move and delete pollution sources on the map: a click on an empty spot
adds a source there (of the category chosen in the editing toolbar; name it in the source
table), dragging a source moves it, Shift + click deletes it. The source's grids follow
the map (AddSource, MoveSource, DeleteSource)."""

from __future__ import annotations

import re

import numpy as np
import shapely
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QPainter

from gisapp.edits import AddSource, DeleteSource, MoveSource
from gisapp.i18n import N_, _
from gisapp.layers.sketch import paint_segments, paint_vertex
from gisapp.layers.view import MapView, lonlat_to_map, map_to_lonlat
from gisapp.ui.tools.base import (
    CLICK_TOLERANCE_PX,
    PICK_TOLERANCE_PX,
    MapEvent,
    register_tool,
)
from gisapp.ui.tools.edit_base import EditContext, EditTool, to_pixels


@register_tool
class SourceTool(EditTool):
    tool_id = "sources"
    text = N_("Edit Sources")
    tooltip = N_("Edit sources: click to add one, drag one to move it, Shift + click to "
                 "delete it")
    shortcut = "O"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, context: EditContext, parent: QObject | None = None):
        super().__init__(context, parent)
        self._pressed: MapEvent | None = None
        self._source: str | None = None  # the source pressed on
        self._start: tuple[float, float] | None = None  # its lon/lat
        self._now: tuple[float, float] | None = None

    def reset(self) -> None:
        self._pressed = self._source = self._start = self._now = None
        super().reset()

    def press(self, event: MapEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton or self.context.project is None:
            return False
        self._pressed = event
        self._source, self._start = source_near(self.context.project.sources, event.x,
                                                event.y, PICK_TOLERANCE_PX * event.view.scale)
        return True

    def move(self, event: MapEvent) -> bool:
        if self._source is not None and self._pressed is not None:
            self._now = _lonlat(event)
            self.sketch_changed.emit()
        return False

    def release(self, event: MapEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton or self._pressed is None:
            return False
        pressed, source = self._pressed, self._source
        click = pressed.pixel_distance(event) <= CLICK_TOLERANCE_PX
        self.reset()
        project = self.context.project
        if source is not None and click and (event.shift or pressed.shift):
            edit = DeleteSource(source)
        elif source is not None and not click:
            edit = MoveSource(source, shapely.Point(_lonlat(event)))
        elif source is None and click:
            edit = AddSource(next_source_id(project.sources["source_id"]), _("New source"),
                             self.context.source_category, shapely.Point(_lonlat(event)))
        else:
            return True
        if self.context.push(edit):
            self.message.emit(edit.label)
        return True

    def paint_sketch(self, painter: QPainter, view: MapView) -> None:
        if self._start is None or self._now is None:
            return
        (sx, sy), (nx, ny) = to_pixels(view, [self._start, self._now])
        paint_segments(painter, [((sx, sy), (nx, ny))])
        paint_vertex(painter, nx, ny, radius=6.0)


def source_near(sources, x: float, y: float, radius_m: float
                ) -> tuple[str | None, tuple[float, float] | None]:
    """The source nearest the map point within ``radius_m``, and its lon/lat."""
    if not len(sources):
        return None, None
    geometries = np.asarray(sources.geometry.values, dtype=object)
    lon, lat = shapely.get_x(geometries), shapely.get_y(geometries)
    mx, my = lonlat_to_map(lon, lat)
    distance = np.hypot(np.asarray(mx) - x, np.asarray(my) - y)
    if not np.isfinite(distance).any():
        return None, None
    k = int(np.nanargmin(distance))
    if distance[k] > radius_m:
        return None, None
    return str(sources["source_id"].iloc[k]), (float(lon[k]), float(lat[k]))


def next_source_id(ids) -> str:
    """The next id in the pattern of the existing ones (S00001 ... -> S02000 -> S02001).

    >>> next_source_id(["S00001", "S00007"]), next_source_id([])
    ('S00008', 'S00001')
    """
    pattern = re.compile(r"(\D*)(\d+)")
    found = [pattern.fullmatch(str(i)) for i in ids]
    found = [m for m in found if m]
    if not found:
        return "S00001"
    prefix = max((m.group(1) for m in found), key=lambda p: sum(m.group(1) == p
                                                                for m in found))
    numbers = [m for m in found if m.group(1) == prefix]
    width = max(len(m.group(2)) for m in numbers)
    taken = {str(i) for i in ids}
    number = max(int(m.group(2)) for m in numbers) + 1
    while f"{prefix}{number:0{width}d}" in taken:
        number += 1
    return f"{prefix}{number:0{width}d}"


def _lonlat(event: MapEvent) -> tuple[float, float]:
    lon, lat = map_to_lonlat(event.x, event.y)
    return float(lon), float(lat)
