"""TrackLayer: patrol tracks as thin polylines, one colour per inspector, thinned to the pixel."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPen

from gisapp.fixes import Fixes
from gisapp.layers.base import MapLayer
from gisapp.layers.paths import path_from_arrays
from gisapp.layers.styles import TrackStyle
from gisapp.layers.view import Extent, MapView, lonlat_to_map
from gisapp.schema import TRACK_TIMEZONE


class TrackLayer(MapLayer):
    """Fixes (any span: one day or all) projected once; each paint keeps, per line, only the
    vertices that change pixel and lie on a segment that may cross the view."""

    def __init__(self, fixes: Fixes, name: str, style: TrackStyle | None = None):
        super().__init__(name)
        self.style = style or TrackStyle()
        fixes = fixes.sorted()
        self.fix_count = len(fixes)
        self._x, self._y = lonlat_to_map(fixes.lon, fixes.lat)
        self._first = line_starts(fixes.inspector, fixes.time_ms, self.style.max_gap_s)
        self._color_index = fixes.inspector % len(self.style.colors)

    def __len__(self) -> int:
        return self.fix_count

    def extent(self) -> Extent | None:
        if not len(self._x):
            return None
        return (float(self._x.min()), float(self._y.min()),
                float(self._x.max()), float(self._y.max()))

    def paint(self, painter: QPainter, view: MapView) -> None:
        if not len(self._x):
            return
        px, py = view.to_pixel(self._x, self._y)
        index, starts = visible_polyline(px, py, self._first, view.width, view.height)
        if not len(index):
            return
        is_start = np.zeros(len(index), bool)
        is_start[starts] = True
        colors = self._color_index[index]
        for color in np.unique(colors):
            chosen = np.flatnonzero(colors == color)
            # lines never mix inspectors, so each colour's subset still starts its lines
            path = path_from_arrays(px[index[chosen]], py[index[chosen]],
                                    np.flatnonzero(is_start[chosen]))
            pen = QPen(QColor(self.style.colors[color]), self.style.line_width)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)


def line_starts(inspector: np.ndarray, time_ms: np.ndarray, max_gap_s: float) -> np.ndarray:
    """True where a line begins: the first fix, a new inspector, or a silence over max_gap_s.

    >>> line_starts(np.array([0, 0, 0, 1]), np.array([0, 1000, 900_000, 901_000]), 600).tolist()
    [True, False, True, True]
    """
    first = np.ones(len(inspector), bool)
    if len(inspector) > 1:
        first[1:] = ((inspector[1:] != inspector[:-1])
                     | (np.diff(time_ms) > max_gap_s * 1000))
    return first


def visible_polyline(px, py, first, width, height, margin: float = 2.0):
    """Which vertices to draw and where their lines start, for a view of width x height pixels.

    A vertex is kept when a segment that touches it may cross the view (its bounding box meets
    the view grown by ``margin``), unless it is in the same pixel as the vertex before it on
    the same line: so at most one vertex per pixel, and nothing far outside is drawn.
    Returns (indices of the kept vertices, positions in that index array where lines start).

    >>> px = np.array([0.2, 0.7, 5.5, 9.0, 500.0, 600.0])
    >>> py = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    >>> first = np.array([True, False, False, False, False, False])
    >>> index, starts = visible_polyline(px, py, first, 10, 10)
    >>> index.tolist(), starts.tolist()
    ([0, 2, 3, 4], [0])
    """
    px = np.asarray(px, float)
    py = np.asarray(py, float)
    n = len(px)
    segment = np.zeros(n, bool)  # segment[i]: the segment from i - 1 to i is drawn
    if n > 1:
        segment[1:] = (~first[1:]
                       & (np.minimum(px[1:], px[:-1]) < width + margin)
                       & (np.maximum(px[1:], px[:-1]) > -margin)
                       & (np.minimum(py[1:], py[:-1]) < height + margin)
                       & (np.maximum(py[1:], py[:-1]) > -margin))
    segment_after = np.zeros(n, bool)
    segment_after[:-1] = segment[1:]
    cell_x, cell_y = np.floor(px), np.floor(py)
    same_pixel = np.zeros(n, bool)
    same_pixel[1:] = (cell_x[1:] == cell_x[:-1]) & (cell_y[1:] == cell_y[:-1])
    keep = (segment | segment_after) & ~(same_pixel & segment)
    index = np.flatnonzero(keep)
    return index, np.flatnonzero(~segment[index])


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar day in the tracks' time zone (Asia/Shanghai)."""
    start = dt.datetime.combine(day, dt.time(), ZoneInfo(TRACK_TIMEZONE))
    return start, start + dt.timedelta(days=1)


def local_day(time_ms: int) -> dt.date:
    """The calendar day (Asia/Shanghai) of a UTC millisecond timestamp."""
    return dt.datetime.fromtimestamp(time_ms / 1000, ZoneInfo(TRACK_TIMEZONE)).date()
