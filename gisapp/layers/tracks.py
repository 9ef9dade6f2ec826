"""TrackLayer: patrol tracks as thin lines, one colour per inspector, fast at every zoom,
and a replay of one day up to a chosen time.

Level of detail, decided per paint from how many fixes the view holds:

* vector: the fixes in view are found through a chunk index (the bounding box of every 64
  consecutive fixes), thinned to one vertex per pixel (``visible_polyline``) and drawn as one
  path per inspector;
* raster pyramid: when the view holds more than ``VECTOR_BUDGET`` fixes (a month of a city
  at district zoom: 12.5 million), the tracks are drawn from images made once per zoom band
  (``TrackRasters``): the finest drawn with QPainter, each coarser one a 2 x 2 "any colour"
  reduction of the one below, so lines stay a pixel wide. A paint cuts the view out of the
  band nearest in scale and draws it scaled by at most 1.41.

The replay (``set_time``) draws each inspector's track up to the time and a marker where the
inspector is then: between two fixes less than ``max_gap_s`` apart the position is
interpolated, otherwise it is the last fix. Each inspector's cut is one ``searchsorted``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from gisapp.fixes import Fixes
from gisapp.i18n import _
from gisapp.layers.base import MapLayer
from gisapp.layers.legend import LegendEntry, Symbol
from gisapp.layers.paths import path_from_arrays, polygon_from_arrays
from gisapp.layers.styles import TrackStyle
from gisapp.layers.view import Extent, MapView, lonlat_to_map
from gisapp.schema import TRACK_TIMEZONE

CHUNK = 64  # fixes per chunk of the spatial index
VECTOR_BUDGET = 800_000  # fixes in view above which the raster pyramid is drawn instead
_REFINE_LIMIT = 4  # chunk estimates up to this many budgets are counted fix by fix
RASTER_MIN_CELL = 4.0  # metres per pixel of the finest raster band
RASTER_MAX_PIXELS = 40_000_000  # the finest band is coarsened until it fits (1 byte each)
RASTER_MIN_SIZE = 256  # pixels: no coarser bands once a band is this small
_TIME_SPAN = np.int64(1) << 42  # ms, > 139 years: key = group * span + time


class TrackData:
    """Fixes projected once into map metres, with the indexes the drawing needs. Immutable
    once built, so it can be built (``prepare``) in a worker thread and handed to a layer."""

    def __init__(self, fixes: Fixes, style: TrackStyle):
        fixes = fixes if _is_sorted(fixes) else fixes.sorted()
        self.count = len(fixes)
        self.inspector_ids = fixes.inspector_ids
        self.x, self.y = lonlat_to_map(fixes.lon, fixes.lat)
        self.time_ms = fixes.time_ms
        self.inspector = fixes.inspector
        self.first = line_starts(fixes.inspector, fixes.time_ms, style.max_gap_s)
        self.color = (fixes.inspector % len(style.colors)).astype(np.uint8)
        self.colors = style.colors
        self.max_gap_ms = style.max_gap_s * 1000
        self.chunks = ChunkIndex(self.x, self.y)
        # one group per inspector, in array order: time-sorted inside
        new_group = np.ones(self.count, bool)
        new_group[1:] = fixes.inspector[1:] != fixes.inspector[:-1]
        self.group_start = np.flatnonzero(new_group)
        self.group_end = np.append(self.group_start[1:], self.count)
        self.group_inspector = fixes.inspector[self.group_start]
        self.time_min = int(fixes.time_ms.min()) if self.count else 0
        group = np.cumsum(new_group) - 1
        self._key = group.astype(np.int64) * _TIME_SPAN + (self.time_ms - self.time_min)
        self.rasters: TrackRasters | None = None

    @property
    def extent(self) -> Extent | None:
        if not self.count:
            return None
        return (float(self.x.min()), float(self.y.min()), float(self.x.max()),
                float(self.y.max()))

    def prepare(self) -> "TrackData":
        """Build the raster pyramid now if the data may need it (else on first need)."""
        if self.count > VECTOR_BUDGET and self.rasters is None:
            self.rasters = TrackRasters.build(self)
        return self

    def cut(self, time_ms: int) -> np.ndarray:
        """Per inspector group: the index one past its last fix at or before ``time_ms``."""
        groups = np.arange(len(self.group_start), dtype=np.int64)
        query = groups * _TIME_SPAN + (np.int64(time_ms) - self.time_min)
        return np.searchsorted(self._key, query, side="right")

    def positions_at(self, time_ms: int):
        """Where each inspector is at ``time_ms``: (group index, x, y, last fix, recording).

        Only inspectors with a fix at or before the time are returned. ``recording`` is False
        once the inspector's last fix is past or the next fix is more than max_gap_s away.
        """
        cut = self.cut(time_ms)
        has = cut > self.group_start
        groups = np.flatnonzero(has)
        last = cut[groups] - 1
        nxt = np.minimum(cut[groups], self.count - 1)
        t_last, t_next = self.time_ms[last], self.time_ms[nxt]
        recording = ((cut[groups] < self.group_end[groups])
                     & (t_next - t_last <= self.max_gap_ms))
        span = np.where(recording, t_next - t_last, 1).astype(float)
        f = np.where(recording, (time_ms - t_last) / span, 0.0)
        x = self.x[last] + f * (self.x[nxt] - self.x[last])
        y = self.y[last] + f * (self.y[nxt] - self.y[last])
        return groups, x, y, last, recording


class ChunkIndex:
    """Bounding boxes of every CHUNK consecutive fixes (each including the first fix of the
    next chunk, so the segment between chunks is found too)."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        n = len(x)
        self.n = n
        starts = np.arange(0, n, CHUNK)
        self.bounds = np.empty((len(starts), 4))
        if not n:
            return
        for column, (values, reduce) in enumerate(((x, np.minimum), (y, np.minimum),
                                                   (x, np.maximum), (y, np.maximum))):
            reduced = reduce.reduceat(values, starts)
            reduced[:-1] = reduce(reduced[:-1], values[starts[1:]])
            self.bounds[:, column] = reduced

    def query(self, extent: Extent) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the fixes in chunks meeting ``extent`` (ascending) and the positions in
        that array where a run of consecutive chunks begins (the lines break there)."""
        xmin, ymin, xmax, ymax = extent
        b = self.bounds
        hit = np.flatnonzero((b[:, 2] >= xmin) & (b[:, 0] <= xmax)
                             & (b[:, 3] >= ymin) & (b[:, 1] <= ymax))
        if not len(hit):
            return np.empty(0, np.int64), np.empty(0, np.int64)
        new_run = np.ones(len(hit), bool)
        new_run[1:] = np.diff(hit) > 1
        ends = np.append(new_run[1:], True)
        lo = hit[new_run] * CHUNK
        hi = np.minimum((hit[ends] + 1) * CHUNK + 1, self.n)
        lengths = hi - lo
        run_pos = np.cumsum(lengths) - lengths
        index = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(lo - run_pos, lengths)
        return index, run_pos

    def count(self, extent: Extent) -> int:
        """How many fixes ``query`` would return (without building the index array)."""
        xmin, ymin, xmax, ymax = extent
        b = self.bounds
        hit = ((b[:, 2] >= xmin) & (b[:, 0] <= xmax) & (b[:, 3] >= ymin) & (b[:, 1] <= ymax))
        return int(hit.sum()) * CHUNK


@dataclass
class RasterBand:
    cell: float  # map metres per band pixel
    left: float  # map x of the band's left edge
    top: float  # map y of its top edge
    indices: np.ndarray  # (rows, cols) uint8: 0 nothing, k + 1 the colour k


class TrackRasters:
    """The raster pyramid of all tracks: bands of colour indices, finest first."""

    def __init__(self, bands: list[RasterBand], palette: np.ndarray):
        self.bands = bands
        self.palette = palette  # uint32 premultiplied ARGB per index (0: transparent)

    @classmethod
    def build(cls, data: TrackData) -> "TrackRasters":
        xmin, ymin, xmax, ymax = data.extent
        cell = RASTER_MIN_CELL
        while ((xmax - xmin) / cell + 2) * ((ymax - ymin) / cell + 2) > RASTER_MAX_PIXELS:
            cell *= 2
        left, top = np.floor(xmin / cell) * cell, np.ceil(ymax / cell) * cell
        cols = int(np.ceil((xmax - left) / cell)) + 1
        rows = int(np.ceil((top - ymin) / cell)) + 1
        palette = np.zeros(len(data.colors) + 1, np.uint32)
        palette[1:] = [QColor(c).rgba() for c in data.colors]
        finest = _draw_band(data, cell, left, top, cols, rows, palette)
        bands = [RasterBand(cell, left, top, finest)]
        while min(bands[-1].indices.shape) > RASTER_MIN_SIZE:
            below = bands[-1]
            bands.append(RasterBand(below.cell * 2, below.left, below.top,
                                    _reduce(below.indices)))
        return cls(bands, palette)

    def band_for(self, scale: float) -> RasterBand:
        """The band whose cell is nearest ``scale`` in ratio."""
        ratios = [abs(np.log2(band.cell / scale)) for band in self.bands]
        return self.bands[int(np.argmin(ratios))]

    def paint(self, painter: QPainter, view: MapView) -> None:
        band = self.band_for(view.scale)
        rows, cols = band.indices.shape
        xmin, ymin, xmax, ymax = view.extent
        c0 = int(np.clip(np.floor((xmin - band.left) / band.cell), 0, cols))
        c1 = int(np.clip(np.ceil((xmax - band.left) / band.cell), 0, cols))
        r0 = int(np.clip(np.floor((band.top - ymax) / band.cell), 0, rows))
        r1 = int(np.clip(np.ceil((band.top - ymin) / band.cell), 0, rows))
        if c1 <= c0 or r1 <= r0:
            return
        argb = np.ascontiguousarray(self.palette[band.indices[r0:r1, c0:c1]])
        image = QImage(argb.data, c1 - c0, r1 - r0, (c1 - c0) * 4,
                       QImage.Format.Format_ARGB32_Premultiplied)
        px0, py0 = view.to_pixel(band.left + c0 * band.cell, band.top - r0 * band.cell)
        px1, py1 = view.to_pixel(band.left + c1 * band.cell, band.top - r1 * band.cell)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(QRectF(px0, py0, px1 - px0, py1 - py0), image)
        painter.restore()
        del argb  # the image borrowed its pixels; it is no longer used


def _draw_band(data: TrackData, cell: float, left: float, top: float, cols: int, rows: int,
               palette: np.ndarray) -> np.ndarray:
    """All tracks drawn once with QPainter (no antialiasing, so every pixel is exactly one
    palette colour) into a cols x rows image, returned as palette indices."""
    image = QImage(cols, rows, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    px, py = (data.x - left) / cell, (top - data.y) / cell
    painter = QPainter(image)
    _draw_lines(painter, data, px, py, np.arange(data.count), data.first, cols, rows)
    painter.end()
    argb = np.frombuffer(image.constBits(), np.uint32, count=image.sizeInBytes() // 4)
    argb = argb.reshape(rows, image.bytesPerLine() // 4)[:, :cols]
    order = np.argsort(palette)
    sorted_palette = palette[order]
    indices = np.empty((rows, cols), np.uint8)
    for r in range(0, rows, 512):  # in blocks: the lookup's temporaries stay small
        block = argb[r:r + 512]
        found = np.clip(np.searchsorted(sorted_palette, block), 0, len(palette) - 1)
        indices[r:r + 512] = np.where(sorted_palette[found] == block, order[found], 0)
    return indices


def _reduce(indices: np.ndarray) -> np.ndarray:
    """Half the size: a pixel takes the commonest colour of the four below it, so a line
    stays a pixel wide and no colour wins just by its place in the palette.

    >>> _reduce(np.array([[0, 3, 1, 0], [3, 2, 0, 0]], np.uint8)).tolist()
    [[3, 1]]
    """
    rows, cols = indices.shape
    padded = np.zeros((rows + rows % 2, cols + cols % 2), np.uint8)
    padded[:rows, :cols] = indices
    quarters = [padded[i::2, j::2] for i in (0, 1) for j in (0, 1)]

    def votes(candidate):  # how many of the four have its colour; nothing gets no vote
        same = sum((candidate == quarter).view(np.uint8) for quarter in quarters)
        return np.where(candidate != 0, same, 0)

    best, best_votes = quarters[0].copy(), votes(quarters[0])
    for candidate in quarters[1:]:
        count = votes(candidate)
        better = count > best_votes
        best[better] = candidate[better]
        best_votes[better] = count[better]
    return best


def _draw_lines(painter: QPainter, data: TrackData, px: np.ndarray, py: np.ndarray,
                index: np.ndarray, first: np.ndarray, width: int, height: int,
                line_width: float = 1.0) -> None:
    """The fixes ``index`` (pixel coordinates px[index], py[index]; lines begin where ``first``
    is True) thinned to the view and drawn as one path per inspector, in the data's order (as
    features are drawn one after another: no colour is always on top)."""
    keep, starts = visible_polyline(px, py, first, width, height)
    if not len(keep):
        return
    is_start = np.zeros(len(keep), bool)
    is_start[starts] = True
    inspector = data.inspector[index[keep]]
    # index ascends and the data is sorted by inspector: each inspector's vertices are a run
    bounds = np.flatnonzero(np.diff(inspector)) + 1
    run_starts = np.concatenate([[0], bounds])
    run_ends = np.append(bounds, len(keep))
    pens: dict[int, QPen] = {}
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for a, b in zip(run_starts.tolist(), run_ends.tolist()):
        color = int(data.color[index[keep[a]]])
        if color not in pens:
            pens[color] = QPen(QColor(data.colors[color]), line_width)
            pens[color].setCosmetic(True)
        # a run starts a line: it is another inspector's first kept vertex
        path = path_from_arrays(px[keep[a:b]], py[keep[a:b]],
                                np.flatnonzero(is_start[a:b] | (np.arange(b - a) == 0)))
        painter.setPen(pens[color])
        painter.drawPath(path)


class TrackLayer(MapLayer):
    """The fixes of any span (a day, or a month with the raster pyramid), optionally replayed
    up to a time (``set_time``)."""

    cache_separately = True  # the replay redraws it alone

    def __init__(self, fixes: Fixes | TrackData, name: str, style: TrackStyle | None = None,
                 key: str = "tracks"):
        super().__init__(name, key)
        self.style = style or TrackStyle()
        self._data = fixes if isinstance(fixes, TrackData) else TrackData(fixes, self.style)
        self._time_ms: int | None = None
        self._last_query = None

    # ---- data and time ---------------------------------------------------------------------
    @property
    def data(self) -> TrackData:
        return self._data

    @property
    def fix_count(self) -> int:
        return self._data.count

    def __len__(self) -> int:
        return self._data.count

    def set_data(self, data: Fixes | TrackData, name: str | None = None) -> None:
        """Show other fixes (e.g. another day); the replay time is cleared."""
        self._data = data if isinstance(data, TrackData) else TrackData(data, self.style)
        self._time_ms = None
        if name:
            self._name = name
        self.changed()

    @property
    def time_ms(self) -> int | None:
        return self._time_ms

    def set_time(self, time_ms: int | None) -> None:
        """Replay: draw the tracks up to ``time_ms`` (UTC ms) with markers; None: all."""
        time_ms = None if time_ms is None else int(time_ms)
        if time_ms != self._time_ms:
            self._time_ms = time_ms
            self.changed()

    def time_span(self) -> tuple[int, int] | None:
        if not self._data.count:
            return None
        return int(self._data.time_ms.min()), int(self._data.time_ms.max())

    def days(self) -> list[dt.date]:
        """The calendar days (Asia/Shanghai) that have fixes."""
        return days_of(self._data.time_ms)

    def extent(self) -> Extent | None:
        return self._data.extent

    # ---- styles ----------------------------------------------------------------------------
    def style_state(self) -> dict:
        return {**super().style_state(), "line_width": self.style.line_width}

    def apply_style_state(self, state: dict) -> None:
        super().apply_style_state(state)
        width = state.get("line_width")
        if isinstance(width, (int, float)) and 0.5 <= width <= 5 and \
                width != self.style.line_width:
            self.style = TrackStyle(**{**self.style.__dict__, "line_width": float(width)})
            self.changed()

    def legend(self) -> list[LegendEntry]:
        entries = [LegendEntry(self.name, Symbol("line", self.style.colors[0],
                                                 self.style.line_width))]
        entries.append(LegendEntry(_("Inspectors (one colour each)"),
                                   Symbol("line", self.style.colors[1], 2.0), 1))
        if self._time_ms is not None:
            entries.append(LegendEntry(_("Position at the replay time"),
                                       Symbol("marker", self.style.colors[0], 9.0), 1))
        return entries

    # ---- drawing ---------------------------------------------------------------------------
    def uses_raster(self, view: MapView) -> bool:
        """Whether ``view`` is drawn from the raster pyramid (too many fixes in view)."""
        if self._time_ms is not None or self._data.count <= VECTOR_BUDGET:
            return False
        return self._fixes_in_view(view) > VECTOR_BUDGET

    def _fixes_in_view(self, view: MapView) -> int:
        """How many fixes lie in ``view``: from the chunk boxes when that settles it (chunks
        overlap the view's edges, so they overcount up to a few times), else counted."""
        data, extent = self._data, view.extent
        estimate = data.chunks.count(extent)
        if estimate <= VECTOR_BUDGET or estimate > _REFINE_LIMIT * VECTOR_BUDGET:
            return estimate
        index, _runs = self._query(view)
        xmin, ymin, xmax, ymax = extent
        x, y = data.x[index], data.y[index]
        return int(((x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)).sum())

    def _query(self, view: MapView):
        """The chunk index's answer for ``view`` grown by two pixels (kept for one view: the
        paint after ``uses_raster`` asks again)."""
        margin = 2 * view.scale
        xmin, ymin, xmax, ymax = view.extent
        extent = (xmin - margin, ymin - margin, xmax + margin, ymax + margin)
        cached = self._last_query
        if cached is None or cached[0] != (extent, id(self._data)):
            cached = ((extent, id(self._data)), self._data.chunks.query(extent))
            self._last_query = cached
        return cached[1]

    def paint(self, painter: QPainter, view: MapView) -> None:
        data = self._data
        if not data.count:
            return
        if self.uses_raster(view):
            data.prepare().rasters.paint(painter, view)
            return
        index, runs = self._query(view)
        self._last_query = None  # the arrays are big; keep them only between the two calls
        first = data.first[index]
        first[runs] = True
        if self._time_ms is not None:
            shown = data.time_ms[index] <= self._time_ms
            index, first = index[shown], first[shown]
        px, py = view.to_pixel(data.x[index], data.y[index])
        # with a line width over 1 px Qt leaves its fast rasteriser: ~100 x slower on millions
        _draw_lines(painter, data, px, py, index, first, view.width, view.height,
                    self.style.line_width)
        if self._time_ms is not None:
            self._paint_tails(painter, view)

    def _paint_tails(self, painter: QPainter, view: MapView) -> None:
        """The line from each inspector's last fix to where it is now."""
        data = self._data
        groups, x, y, last, recording = data.positions_at(self._time_ms)
        if not len(groups):
            return
        px, py = view.to_pixel(x, y)
        lx, ly = view.to_pixel(data.x[last], data.y[last])
        colors = data.color[last]
        for color in np.unique(colors):
            chosen = np.flatnonzero((colors == color) & recording)
            if len(chosen):
                tails = np.empty((2 * len(chosen), 2))
                tails[0::2] = np.column_stack([lx[chosen], ly[chosen]])
                tails[1::2] = np.column_stack([px[chosen], py[chosen]])
                pen = QPen(QColor(data.colors[color]), self.style.line_width)
                pen.setCosmetic(True)
                painter.setPen(pen)
                painter.drawPath(path_from_arrays(tails[:, 0], tails[:, 1],
                                                  np.arange(0, len(tails), 2)))

    def paint_overlay(self, painter: QPainter, view: MapView) -> None:
        """In a replay, a marker where each inspector is, above all layers (sources would
        hide it): a square of the inspector's colour in a dark frame, white once it stopped
        recording."""
        if self._time_ms is None or not self._data.count:
            return
        data = self._data
        groups, x, y, last, recording = data.positions_at(self._time_ms)
        if not len(groups):
            return
        px, py = view.to_pixel(x, y)
        colors = data.color[last]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        radius = self.style.marker_radius
        for color in np.unique(colors):
            for active in (True, False):
                chosen = np.flatnonzero((colors == color) & (recording == active))
                if not len(chosen):
                    continue
                points = polygon_from_arrays(px[chosen], py[chosen])
                # squares, so they read apart from the round source dots: a dark frame, then
                # the inspector's colour (white once it stopped recording)
                painter.setPen(QPen(QColor("#1b1b1b"), 2 * radius + 3, Qt.PenStyle.SolidLine,
                                    Qt.PenCapStyle.SquareCap))
                painter.drawPoints(points)
                fill = data.colors[color] if active else "#ffffff"
                painter.setPen(QPen(QColor(fill), 2 * radius, Qt.PenStyle.SolidLine,
                                    Qt.PenCapStyle.SquareCap))
                painter.drawPoints(points)
        painter.restore()

    def position_of(self, inspector_id: str) -> tuple[float, float] | None:
        """Map position of an inspector at the replay time (None: no fix before it)."""
        if self._time_ms is None:
            return None
        data = self._data
        groups, x, y, _last, _recording = data.positions_at(self._time_ms)
        ids = data.inspector_ids[data.group_inspector[groups]]
        found = np.flatnonzero(ids == inspector_id)
        return (float(x[found[0]]), float(y[found[0]])) if len(found) else None


def _is_sorted(fixes: Fixes) -> bool:
    """Sorted by inspector id, then time (as partitions are stored)? O(n), sorting is not."""
    if len(fixes) < 2:
        return True
    rank = np.argsort(np.argsort(fixes.inspector_ids.astype(str)))[fixes.inspector]
    same = rank[1:] == rank[:-1]
    return bool(np.all((rank[1:] > rank[:-1]) | (same & (fixes.time_ms[1:] >= fixes.time_ms[:-1]))))


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


def days_of(time_ms: np.ndarray) -> list[dt.date]:
    """The distinct calendar days (Asia/Shanghai, no daylight saving) of UTC ms timestamps.

    >>> days_of(np.array([0, 3_600_000 * 17, 3_600_000 * 15]))
    [datetime.date(1970, 1, 1), datetime.date(1970, 1, 2)]
    """
    if not len(time_ms):
        return []
    local_days = np.unique((np.asarray(time_ms) + 8 * 3_600_000) // 86_400_000)
    return [dt.date(1970, 1, 1) + dt.timedelta(days=int(d)) for d in local_days]


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar day in the tracks' time zone (Asia/Shanghai)."""
    start = dt.datetime.combine(day, dt.time(), ZoneInfo(TRACK_TIMEZONE))
    return start, start + dt.timedelta(days=1)


def local_day(time_ms: int) -> dt.date:
    """The calendar day (Asia/Shanghai) of a UTC millisecond timestamp."""
    return dt.datetime.fromtimestamp(time_ms / 1000, ZoneInfo(TRACK_TIMEZONE)).date()

