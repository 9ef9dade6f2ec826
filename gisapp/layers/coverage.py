"""Coverage review on the map: what a review shows and the layers that draw it.

:func:`build_review` gathers, for one inspector or one grid over a period, everything the map
shows from a :class:`~gisapp.coverage.CoverageResult` (computed for every inspector of the
period, so the ranking can list them all): the required sources visited and missed, the
cleaned tracks (the same cleaning and metric projection as the engine) and the authenticity
flags. It does no drawing and runs in a worker.

Five layers draw a :class:`CoverageReview`, bottom first:

* :class:`FocusLayer`: a veil of the map's paper colour over everything outside the subject's
  grids, so the other grids' sources and tracks recede without being hidden;
* :class:`SweptAreaLayer`: the swept area, i.e. the cleaned track buffered by the engine's
  ``swept_radius_m`` and clipped to the subject's grids. The engine measures that area on a
  raster and returns only its share, so the layer draws the same buffer itself: the track
  stroked with a pen as wide as the buffer into an image of its own, so overlaps do not
  darken, then laid on the map with one opacity.
* :class:`ReviewTrackLayer`: the tracks coloured by time in the period or by speed.
* :class:`ReviewSourcesLayer`: visited sources green, missed sources red (larger, on top).
* :class:`FlagsLayer`: authenticity flags as amber triangles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)

from gisapp.coverage import CoverageParams, CoverageResult, compute_coverage
from gisapp.geodesy import LocalProjection
from gisapp.hierarchy import GridHierarchy
from gisapp.i18n import _
from gisapp.layers.base import MapLayer
from gisapp.layers.legend import LegendEntry, Symbol
from gisapp.layers.paths import path_from_arrays, polygon_from_arrays, polygon_rings
from gisapp.layers.render import map_transform
from gisapp.layers.tracks import visible_polyline
from gisapp.layers.view import Extent, MapView, lonlat_to_map, union_extent
from gisapp.progress import Progress, step
from gisapp.project import Project
from gisapp.tracks import clean_track

VISITED_COLOR = "#1a9850"
MISSED_COLOR = "#ff1a1a"
MISSED_OUTLINE = "#5c0000"
SWEPT_COLOR = "#3b8fd9"
SWEPT_OPACITY = 0.28
FOCUS_VEIL = "#f7f6f2"  # the map's paper (render.BACKGROUND)
FOCUS_OPACITY = 0.6
FLAG_COLOR = "#ffa000"
FLAG_OUTLINE = "#3d2600"
# time: early (dark blue) to late (yellow), cividis-like, free of the sources' red and green
TIME_COLORS = ("#00224e", "#123570", "#3b496c", "#575d6d", "#707173", "#8a8779", "#a69d75",
               "#c4b56c", "#e4cf5b", "#fee838")
# speed classes (km/h upper bounds): standing, walking, cycling, e-bike, vehicle, fast
SPEED_BREAKS_KMH = (3.0, 7.0, 15.0, 30.0, 60.0)
SPEED_COLORS = ("#313695", "#4575b4", "#74add1", "#fdae61", "#f46d43", "#a50026")
TRACK_MODES = ("time", "speed")


@dataclass(frozen=True)
class ReviewRequest:
    """Review ``inspector_id`` or ``grid_code`` (one of them) over [start, end) local dates."""

    start: dt.date
    end: dt.date
    inspector_id: str | None = None
    grid_code: str | None = None

    @classmethod
    def month(cls, month: str, inspector_id: str | None = None,
              grid_code: str | None = None) -> ReviewRequest:
        first = dt.date.fromisoformat(f"{month}-01")
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return cls(first, following, inspector_id, grid_code)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


@dataclass
class ReviewTrack:
    """One inspector's cleaned fixes in the period, with the speed of the step to each."""

    inspector_id: str
    time_ms: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    first: np.ndarray  # True where a session (a drawn line) starts
    speed_kmh: np.ndarray  # of the step from the previous fix (0 at a line's start)


@dataclass
class CoverageReview:
    request: ReviewRequest
    result: CoverageResult
    inspector_ids: list[str]
    grid_codes: list[str]  # the subject's grids: the inspector's in the period, or the grid
    visited: pd.DataFrame  # source_id, name, lon, lat
    missed: pd.DataFrame  # source_id, name, lon, lat
    tracks: list[ReviewTrack] = field(default_factory=list)
    flags: pd.DataFrame = field(default_factory=pd.DataFrame)
    grid_geometry: list = field(default_factory=list)  # shapely, EPSG:4326
    grid_rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # result.grids of the subject
    grid_names: list[str] = field(default_factory=list)  # of grid_codes

    @property
    def swept_radius_m(self) -> float:
        return self.result.params.swept_radius_m


def build_review(project: Project, request: ReviewRequest,
                 params: CoverageParams = CoverageParams(), progress: Progress | None = None,
                 result: CoverageResult | None = None) -> CoverageReview:
    """Coverage of every inspector over the request's period (unless ``result`` already is),
    and what the map shows for its inspector or grid."""
    if result is None:
        result = compute_coverage(project, request.start, request.end, params, progress)
    hierarchy = GridHierarchy(project.grids, project.assignments)
    inspectors, grid_codes = _subject(hierarchy, request)
    visited, missed = _source_states(project.sources, hierarchy, result, request, inspectors)
    step(progress, 0, 1, "tracks")
    tracks = _tracks(project, request, inspectors, result.params, progress)
    flags = result.flags[result.flags["inspector_id"].isin(inspectors)].reset_index(drop=True)
    geometry = [hierarchy.geometry(g) for g in grid_codes]
    codes = set(hierarchy.subtree(request.grid_code)) if request.grid_code else set(grid_codes)
    rows = result.grids[result.grids["grid_code"].isin(codes)].reset_index(drop=True)
    return CoverageReview(request, result, inspectors, grid_codes, visited, missed, tracks,
                          flags, geometry, rows, [hierarchy.name(g) for g in grid_codes])


def _subject(hierarchy: GridHierarchy, request: ReviewRequest) -> tuple[list[str], list[str]]:
    if request.inspector_id:
        grids = hierarchy.inspector_grids(request.inspector_id, request.start, request.last_day)
        return [request.inspector_id], grids
    if request.grid_code and request.grid_code in hierarchy:
        return (hierarchy.grid_inspectors(request.grid_code, request.start, request.last_day),
                [request.grid_code])
    raise ValueError("a review needs an inspector or a known grid")


def _source_states(sources: pd.DataFrame, hierarchy: GridHierarchy, result: CoverageResult,
                   request: ReviewRequest, inspectors: list[str]):
    """(visited, missed) required sources of the subject."""
    if request.inspector_id:
        missed_ids = set(result.missed.loc[result.missed["inspector_id"] == request.inspector_id,
                                           "source_id"].astype(str))
        visited_ids = set(result.visits.loc[result.visits["inspector_id"]
                                            == request.inspector_id, "source_id"].astype(str))
    else:
        subtree = set(hierarchy.subtree(request.grid_code))
        rows = result.grids[result.grids["grid_code"].isin(subtree)]
        required: set[str] = set()
        ids = sources["source_id"].astype(str).to_numpy()
        for code in rows["grid_code"]:
            required |= set(ids[hierarchy.sources_in(sources, code)])
        missed_ids = {s for text in rows["missed_source_ids"].fillna("")
                      for s in str(text).split("; ") if s}
        visited_ids = required - missed_ids
    return _located(sources, visited_ids - missed_ids), _located(sources, missed_ids)


def _located(sources: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    chosen = sources[sources["source_id"].astype(str).isin(ids)]
    return pd.DataFrame({"source_id": chosen["source_id"].astype(str).to_numpy(),
                         "name": chosen["name"].astype("string").fillna("").to_numpy(),
                         "lon": shapely.get_x(chosen.geometry.values),
                         "lat": shapely.get_y(chosen.geometry.values)})


def _tracks(project: Project, request: ReviewRequest, inspectors: list[str],
            params: CoverageParams, progress: Progress | None) -> list[ReviewTrack]:
    """Cleaned as the engine cleans them (same parameters and metric projection)."""
    if not inspectors:
        return []
    start, end = (dt.datetime.combine(d, dt.time(), _SHANGHAI) for d in (request.start,
                                                                          request.end))
    fixes = project.fixes(inspectors=inspectors, start=start, end=end, progress=progress)
    projection = (LocalProjection.for_bounds(*project.grids.total_bounds) if len(project.grids)
                  else None)
    out = []
    for k, inspector_id in enumerate(inspectors):
        code = np.flatnonzero(fixes.inspector_ids.astype(str) == inspector_id)
        if not len(code):
            continue
        own = fixes.take(np.flatnonzero(fixes.inspector == code[0]))
        track = clean_track(own, params.cleaning, projection)
        if not len(track):
            continue
        dt_s, length, within = track.segments()
        speed = np.zeros(len(track))
        with np.errstate(divide="ignore", invalid="ignore"):
            speed[1:] = np.where(within & (dt_s > 0), length / dt_s * 3.6, 0.0)
        first = np.ones(len(track), bool)
        first[1:] = ~within
        out.append(ReviewTrack(inspector_id, track.time_ms, track.lon, track.lat, first, speed))
        step(progress, k + 1, len(inspectors), inspector_id)
    return out


_SHANGHAI = dt.timezone(dt.timedelta(hours=8))


# ---- layers --------------------------------------------------------------------------------
class _ReviewLayer(MapLayer):
    """Shared: the review, and its tracks projected once into map metres."""

    def __init__(self, review: CoverageReview, name: str, key: str):
        super().__init__(name, key)
        self.review = review
        tracks = review.tracks
        lon = np.concatenate([t.lon for t in tracks]) if tracks else np.empty(0)
        lat = np.concatenate([t.lat for t in tracks]) if tracks else np.empty(0)
        self._x, self._y = (np.asarray(v, float) for v in lonlat_to_map(lon, lat))
        self._first = (np.concatenate([t.first for t in tracks]) if tracks
                       else np.empty(0, bool))
        self._lat = lat

    def extent(self) -> Extent | None:
        return union_extent([_bounds(self._x, self._y)])


class FocusLayer(MapLayer):
    """Veils what lies outside the subject's grids."""

    def __init__(self, review: CoverageReview, name: str, color: str = FOCUS_VEIL,
                 opacity: float = FOCUS_OPACITY):
        super().__init__(name, "coverage:focus")
        self.review, self.color, self.veil_opacity = review, color, opacity
        self._grids = _grid_path(review)

    def extent(self) -> Extent | None:
        rect = self._grids.boundingRect()
        return None if self._grids.isEmpty() else (rect.left(), rect.top(), rect.right(),
                                                   rect.bottom())

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry(self.name, Symbol("fill", "#bdbdbd", 1.0, self.color,
                                              self.veil_opacity))]

    def paint(self, painter: QPainter, view: MapView) -> None:
        if self._grids.isEmpty():
            return
        outside = QPainterPath()
        outside.addRect(QRectF(-1, -1, view.width + 2, view.height + 2))
        outside = outside.subtracted(map_transform(view).map(self._grids))
        veil = QColor(self.color)
        veil.setAlphaF(self.veil_opacity)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(veil)
        painter.drawPath(outside)


class SweptAreaLayer(_ReviewLayer):
    def __init__(self, review: CoverageReview, name: str, color: str = SWEPT_COLOR,
                 opacity: float = SWEPT_OPACITY):
        super().__init__(review, name, "coverage:swept")
        self.color, self.fill_opacity = color, opacity
        # a ground metre is 1/cos(lat) Web Mercator metres
        self._mercator_m = 1.0 / np.cos(np.radians(np.mean(self._lat))) if len(self._lat) else 1
        # the buffer hides detail finer than a tenth of its radius: drawn from a simplified line
        self._x, self._y, self._first = _simplified(
            self._x, self._y, self._first, review.swept_radius_m * self._mercator_m / 10)
        self._clip = _grid_path(review)

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry(self.name, Symbol("fill", self.color, 1.0, self.color,
                                              self.fill_opacity))]

    def paint(self, painter: QPainter, view: MapView) -> None:
        if not len(self._x):
            return
        width_px = 2 * self.review.swept_radius_m * self._mercator_m / view.scale
        px, py = view.to_pixel(self._x, self._y)
        index, starts = visible_polyline(px, py, self._first, view.width, view.height,
                                         margin=width_px)
        if not len(index):
            return
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        image = QImage(max(1, round(view.width * ratio)), max(1, round(view.height * ratio)),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(Qt.GlobalColor.transparent)
        # no antialiasing: a wide antialiased stroke of a long self-crossing path takes
        # seconds, an aliased one milliseconds, and a faint shade's edge shows no steps
        buffer = QPainter(image)
        pen = QPen(QColor(self.color), max(width_px, 1.0), Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        buffer.setPen(pen)
        buffer.setBrush(Qt.BrushStyle.NoBrush)
        buffer.drawPath(path_from_arrays(px[index], py[index], starts))
        if not self._clip.isEmpty():  # keep what lies in the subject's grids
            buffer.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
            buffer.setPen(Qt.PenStyle.NoPen)
            buffer.setBrush(QColor(0, 0, 0))
            buffer.setWorldTransform(map_transform(view))
            buffer.drawPath(self._clip)
        buffer.end()
        painter.save()
        painter.setOpacity(painter.opacity() * self.fill_opacity)
        painter.drawImage(QPointF(0, 0), image)
        painter.restore()


class ReviewTrackLayer(_ReviewLayer):
    """Thin lines, one colour class per step: by time in the period or by speed."""

    cache_separately = True  # switching time/speed redraws the track alone

    def __init__(self, review: CoverageReview, name: str, mode: str = "time",
                 line_width: float = 1.0):  # wider lines leave Qt's fast cosmetic rasteriser
        super().__init__(review, name, "coverage:track")
        tracks = review.tracks
        self.line_width = line_width
        self._time = (np.concatenate([t.time_ms for t in tracks]) if tracks
                      else np.empty(0, np.int64))
        self._speed = np.concatenate([t.speed_kmh for t in tracks]) if tracks else np.empty(0)
        start = dt.datetime.combine(review.request.start, dt.time(), _SHANGHAI)
        end = dt.datetime.combine(review.request.end, dt.time(), _SHANGHAI)
        self._start_ms, self._end_ms = (int(t.timestamp() * 1000) for t in (start, end))
        self._mode = mode if mode in TRACK_MODES else "time"

    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in TRACK_MODES:
            raise ValueError(f"track colouring {mode!r}: one of {TRACK_MODES}")
        if mode != self._mode:
            self._mode = mode
            self.changed()

    def classes(self) -> np.ndarray:
        """The colour class of every vertex (of the step that ends there)."""
        if self._mode == "speed":
            return np.searchsorted(np.asarray(SPEED_BREAKS_KMH), self._speed, side="right")
        span = max(self._end_ms - self._start_ms, 1)
        share = (self._time - self._start_ms) / span
        return np.clip((share * len(TIME_COLORS)).astype(int), 0, len(TIME_COLORS) - 1)

    def colors(self) -> tuple[str, ...]:
        return SPEED_COLORS if self._mode == "speed" else TIME_COLORS

    def legend(self) -> list[LegendEntry]:
        entries = [LegendEntry(self.name, Symbol("line", self.colors()[-1], 2.0))]
        return entries + [LegendEntry(text, Symbol("line", color, 2.0), 1)
                          for color, text in self.class_labels()]

    def class_labels(self) -> list[tuple[str, str]]:
        """(colour, label) per class: speed bounds in km/h, or the first day of each tenth."""
        if self._mode == "speed":
            bounds = (0.0, *SPEED_BREAKS_KMH)
            labels = [f"{a:g}–{b:g} km/h" for a, b in zip(bounds, bounds[1:])]
            labels.append(f"> {SPEED_BREAKS_KMH[-1]:g} km/h")
            return list(zip(SPEED_COLORS, labels))
        span = self._end_ms - self._start_ms
        days = [dt.datetime.fromtimestamp((self._start_ms + span * k / len(TIME_COLORS)) / 1000,
                                          _SHANGHAI).strftime("%m-%d")
                for k in range(len(TIME_COLORS))]
        return list(zip(TIME_COLORS, days))

    def paint(self, painter: QPainter, view: MapView) -> None:
        if not len(self._x):
            return
        px, py = view.to_pixel(self._x, self._y)
        index, starts = visible_polyline(px, py, self._first, view.width, view.height)
        if len(index) < 2:
            return
        is_start = np.zeros(len(index), bool)
        is_start[starts] = True
        ends = np.flatnonzero(~is_start)  # positions in index that end a drawn step
        classes = self.classes()[index[ends]]
        colors = self.colors()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for c in np.unique(classes):
            chosen = ends[classes == c]
            # each step as its own two-point line: start = the vertex before
            sx = np.column_stack([px[index[chosen - 1]], px[index[chosen]]]).ravel()
            sy = np.column_stack([py[index[chosen - 1]], py[index[chosen]]]).ravel()
            pen = QPen(QColor(colors[int(c)]), self.line_width)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawPath(path_from_arrays(sx, sy, np.arange(0, len(sx), 2)))


class ReviewSourcesLayer(MapLayer):
    """The subject's required sources: visited green, missed red with a dark ring, on top."""

    VISITED_RADIUS = 5.0
    MISSED_RADIUS = 7.0

    def __init__(self, review: CoverageReview, name: str):
        super().__init__(name, "coverage:sources")
        self.review = review
        self._visited = lonlat_to_map(review.visited["lon"].to_numpy(float),
                                      review.visited["lat"].to_numpy(float))
        self._missed = lonlat_to_map(review.missed["lon"].to_numpy(float),
                                     review.missed["lat"].to_numpy(float))

    def extent(self) -> Extent | None:
        return union_extent([_bounds(*self._visited), _bounds(*self._missed)])

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry(self.name, Symbol("dot", VISITED_COLOR, 2 * self.VISITED_RADIUS,
                                              halo="#ffffff")),
                LegendEntry(_("Visited"), Symbol("dot", VISITED_COLOR, 2 * self.VISITED_RADIUS,
                                                 halo="#ffffff"), 1),
                LegendEntry(_("Missed"), Symbol("marker", MISSED_COLOR,
                                                2 * self.MISSED_RADIUS), 1)]

    def paint(self, painter: QPainter, view: MapView) -> None:
        _dots(painter, view, *self._visited, VISITED_COLOR, self.VISITED_RADIUS, "#ffffff", 1.5)
        _dots(painter, view, *self._missed, MISSED_COLOR, self.MISSED_RADIUS, MISSED_OUTLINE,
              2.0)


class FlagsLayer(MapLayer):
    """Authenticity flags as amber warning triangles; their reasons come through identify."""

    SIZE = 9.0  # pixels from the centre to a corner

    def __init__(self, review: CoverageReview, name: str):
        super().__init__(name, "coverage:flags")
        self.review = review
        flags = review.flags
        self._x, self._y = lonlat_to_map(flags["lon"].to_numpy(float) if len(flags) else [],
                                         flags["lat"].to_numpy(float) if len(flags) else [])

    def __len__(self) -> int:
        return len(np.atleast_1d(self._x))

    def extent(self) -> Extent | None:
        return _bounds(self._x, self._y)

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry(self.name, Symbol("marker", FLAG_COLOR, 12.0))]

    def paint(self, painter: QPainter, view: MapView) -> None:
        if not len(self):
            return
        px, py = view.to_pixel(np.atleast_1d(self._x), np.atleast_1d(self._y))
        s = self.SIZE
        pen = QPen(QColor(FLAG_OUTLINE), 1.5)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        painter.setBrush(QBrush(QColor(FLAG_COLOR)))
        for x, y in zip(px, py):
            painter.drawPolygon(QPolygonF([QPointF(x, y - s), QPointF(x + s * 0.9, y + s * 0.6),
                                           QPointF(x - s * 0.9, y + s * 0.6)]))


def coverage_layers(review: CoverageReview, names: dict[str, str],
                    mode: str = "time") -> list[MapLayer]:
    """The review's layers, bottom first; ``names`` holds the (translated) layer names under
    the keys focus, swept, track, sources and flags."""
    track = ReviewTrackLayer(review, names["track"], mode)
    track.opacity = 0.8  # a month of lines would bury the swept shade
    return [FocusLayer(review, names["focus"]), SweptAreaLayer(review, names["swept"]), track,
            ReviewSourcesLayer(review, names["sources"]), FlagsLayer(review, names["flags"])]


def _grid_path(review: CoverageReview):
    """The subject's grids as one path in map metres (winding: overlaps fill once)."""
    if not review.grid_geometry:
        return path_from_arrays([], [], [])
    xy, starts = polygon_rings(review.grid_geometry)
    gx, gy = lonlat_to_map(xy[:, 0], xy[:, 1])
    return path_from_arrays(gx, gy, starts, Qt.FillRule.WindingFill)


def _dots(painter: QPainter, view: MapView, x, y, color: str, radius: float, ring: str,
          ring_width: float) -> None:
    x, y = np.atleast_1d(x), np.atleast_1d(y)
    if not len(x):
        return
    px, py = view.to_pixel(x, y)
    margin = radius + ring_width
    shown = (px > -margin) & (px < view.width + margin) & (py > -margin) & (py < view.height
                                                                           + margin)
    points = polygon_from_arrays(px[shown], py[shown])
    painter.setPen(QPen(QColor(ring), 2 * (radius + ring_width), Qt.PenStyle.SolidLine,
                        Qt.PenCapStyle.RoundCap))
    painter.drawPoints(points)
    painter.setPen(QPen(QColor(color), 2 * radius, Qt.PenStyle.SolidLine,
                        Qt.PenCapStyle.RoundCap))
    painter.drawPoints(points)


def _simplified(x: np.ndarray, y: np.ndarray, first: np.ndarray, tolerance: float):
    """The polylines (each starting where ``first``) simplified (Douglas-Peucker)."""
    if len(x) < 3:
        return x, y, first
    starts = np.flatnonzero(first)
    counts = np.diff(np.r_[starts, len(x)])
    line_of = np.repeat(np.arange(len(starts)), counts)
    keep = counts[line_of] >= 2  # a line of one fix has no length to buffer
    if not keep.any():
        return x[:0], y[:0], first[:0]
    renumbered = np.unique(line_of[keep], return_inverse=True)[1]  # indices must be 0..n-1
    lines = shapely.linestrings(np.column_stack([x[keep], y[keep]]), indices=renumbered)
    lines = shapely.simplify(lines, tolerance, preserve_topology=False)
    xy, line = shapely.get_coordinates(lines, return_index=True)
    new_first = np.ones(len(line), bool)
    new_first[1:] = line[1:] != line[:-1]
    return xy[:, 0], xy[:, 1], new_first


def _bounds(x, y) -> Extent | None:
    x, y = np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(y, float))
    if not len(x):
        return None
    return float(x.min()), float(y.min()), float(x.max()), float(y.max())
