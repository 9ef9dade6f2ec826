"""The layers a printed report draws: polygons with a fill per feature (the coverage
choropleth, grid outlines), a swept-area polygon, sources by their state and simplified tracks,
plus text labels drawn as real text.

Unlike the screen's layers they keep nothing outside the view: a paint takes only the features
whose box meets the view (an STRtree), clips polygons to the view grown by a margin and thins
lines to a vertex per pixel, so a PDF page holds only what it shows (the atlas draws the same
district a hundred times, zoomed to each grid). Everything stays vector: paths, dots drawn as
round-capped points, and labels through ``drawText``, so a PDF reader finds and copies them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen

from gisapp.layers.base import Label, MapLayer
from gisapp.layers.legend import LegendEntry, Symbol
from gisapp.layers.paths import path_from_arrays, polygon_from_arrays, polygon_rings
from gisapp.layers.tracks import visible_polyline
from gisapp.layers.view import Extent, MapView, lonlat_to_map

CLIP_MARGIN_PX = 8.0  # polygons are cut this far outside the view: no edge shows inside it


def project_geometries(geometries) -> np.ndarray:
    """Shapely lon/lat geometries to Web Mercator metres (the display CRS)."""
    geometries = np.asarray(geometries, dtype=object)
    return shapely.transform(geometries, lambda xy: np.column_stack(
        lonlat_to_map(xy[:, 0], xy[:, 1])))


@dataclass(frozen=True)
class PolygonStyle:
    line_color: str | None = "#555555"
    line_width: float = 0.8  # pixels (cosmetic)
    fill_opacity: float = 0.0
    dash: bool = False


class PolygonLayer(MapLayer):
    """Polygons (lon/lat) with one fill colour each (None: no fill) and one outline style."""

    def __init__(self, geometries, name: str, key: str, fills=None,
                 style: PolygonStyle = PolygonStyle(), labels=None, label_size: int = 0,
                 label_bold: bool = False, label_color: str = "#202020",
                 legend: list[LegendEntry] | None = None):
        super().__init__(name, key)
        geometries = np.asarray(geometries, dtype=object)
        present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
        self._geometries = project_geometries(geometries[present])
        self._tree = shapely.STRtree(self._geometries)
        count = len(geometries)
        fills = np.asarray(fills if fills is not None else [None] * count, dtype=object)
        self._fills = fills[present]
        self.style = style
        names = np.asarray(labels if labels is not None else [""] * count, dtype=object)
        self._names = names[present]
        self.label_size, self.label_bold, self.label_color = label_size, label_bold, label_color
        self._legend = legend or []
        self._anchors = None

    def __len__(self) -> int:
        return len(self._geometries)

    def extent(self) -> Extent | None:
        if not len(self._geometries):
            return None
        return tuple(float(v) for v in shapely.total_bounds(self._geometries))

    def legend(self) -> list[LegendEntry]:
        return list(self._legend)

    def _in_view(self, view: MapView) -> tuple[np.ndarray, np.ndarray]:
        """(rows, the polygons clipped to the view grown by CLIP_MARGIN_PX, in map metres)."""
        margin = CLIP_MARGIN_PX * view.scale
        xmin, ymin, xmax, ymax = view.extent
        box = (xmin - margin, ymin - margin, xmax + margin, ymax + margin)
        rows = np.sort(self._tree.query(shapely.box(*box)))
        clipped = shapely.clip_by_rect(self._geometries[rows], *box)
        keep = ~shapely.is_empty(clipped)
        return rows[keep], clipped[keep]

    def paint(self, painter: QPainter, view: MapView) -> None:
        rows, clipped = self._in_view(view)
        if not len(rows):
            return
        fills = self._fills[rows]
        painter.setPen(Qt.PenStyle.NoPen)
        for colour in dict.fromkeys(f for f in fills if f):  # one path per fill colour
            chosen = np.asarray([f == colour for f in fills])
            fill = QColor(colour)
            fill.setAlphaF(self.style.fill_opacity)
            painter.setBrush(fill)
            painter.drawPath(_pixel_path(clipped[chosen], view))
        if self.style.line_color:
            pen = QPen(QColor(self.style.line_color), self.style.line_width)
            # not cosmetic: Qt's PDF engine writes a cosmetic stroke as a filled outline
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            if self.style.dash:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            # the cut runs CLIP_MARGIN_PX outside the view: the frame's clip hides its edges
            painter.drawPath(_pixel_path(clipped, view))

    def labels(self, view: MapView) -> list[Label]:
        if not self.label_size:
            return []
        if self._anchors is None:
            anchors = shapely.point_on_surface(self._geometries)
            bounds = shapely.bounds(self._geometries)
            self._anchors = (shapely.get_x(anchors), shapely.get_y(anchors),
                             bounds[:, 2] - bounds[:, 0])
        x, y, width = self._anchors
        px, py = view.to_pixel(x, y)
        width_px = width / view.scale
        shown = ((px >= 0) & (px < view.width) & (py >= 0) & (py < view.height)
                 & (self._names != "") & (width_px > 40))
        return [Label(float(px[i]), float(py[i]), str(self._names[i]),
                      int(min(width_px[i], 99_999)), self.label_size, self.label_color,
                      self.label_bold, float(width_px[i]))
                for i in np.flatnonzero(shown)]


class PointLayer(MapLayer):
    """Points (lon/lat) as dots of one colour with a ring, and optional name labels."""

    def __init__(self, lon, lat, name: str, key: str, color: str, radius: float = 4.0,
                 ring: str = "#ffffff", ring_width: float = 1.2, names=None,
                 label_size: int = 0, label_color: str = "#202020", label_priority: int = 0,
                 legend_label: str | None = None, symbol_kind: str = "dot"):
        super().__init__(name, key)
        self._x, self._y = (np.atleast_1d(np.asarray(v, float)) for v in lonlat_to_map(lon, lat))
        self.color, self.radius, self.ring, self.ring_width = color, radius, ring, ring_width
        self._names = np.asarray(names if names is not None else [""] * len(self._x),
                                 dtype=object)
        self.label_size, self.label_color = label_size, label_color
        self.label_priority = label_priority
        self._legend_label = legend_label or name
        self._symbol_kind = symbol_kind

    def __len__(self) -> int:
        return len(self._x)

    def extent(self) -> Extent | None:
        if not len(self._x):
            return None
        return (float(self._x.min()), float(self._y.min()), float(self._x.max()),
                float(self._y.max()))

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry(self._legend_label, Symbol("dot", self.color, 2 * self.radius,
                                                       halo=self.ring))]

    def _shown(self, view: MapView):
        px, py = view.to_pixel(self._x, self._y)
        m = self.radius + self.ring_width
        shown = (px > -m) & (px < view.width + m) & (py > -m) & (py < view.height + m)
        return px, py, shown

    def paint(self, painter: QPainter, view: MapView) -> None:
        if not len(self._x):
            return
        px, py, shown = self._shown(view)
        if not shown.any():
            return
        points = polygon_from_arrays(px[shown], py[shown])
        if self.ring_width > 0:
            painter.setPen(QPen(QColor(self.ring), 2 * (self.radius + self.ring_width),
                                Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawPoints(points)
        painter.setPen(QPen(QColor(self.color), 2 * self.radius, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap))
        painter.drawPoints(points)

    def labels(self, view: MapView) -> list[Label]:
        if not self.label_size or not len(self._x):
            return []
        px, py, shown = self._shown(view)
        offset = self.radius + self.label_size * 0.75
        return [Label(float(px[i]), float(py[i] - offset), str(self._names[i]),
                      self.label_priority, self.label_size, self.label_color)
                for i in np.flatnonzero(shown & (self._names != ""))]


class LineLayer(MapLayer):
    """Simplified tracks (gisapp.reports.report_tables.TrackLines): thin lines, one colour
    per inspector, thinned to a vertex per pixel of the view."""

    def __init__(self, tracks, name: str, key: str, colors: tuple[str, ...],
                 line_width: float = 0.9, opacity: float = 0.85,
                 inspector_colors: dict[str, int] | None = None, tolerance_px: float = 0.0,
                 quantum_px: float = 0.0):
        super().__init__(name, key)
        self.tolerance_px, self.quantum_px = tolerance_px, quantum_px
        self._x, self._y = (np.asarray(v, float) for v in lonlat_to_map(tracks.lon, tracks.lat))
        lines = tracks.lines
        counts = (lines["stop"] - lines["start"]).to_numpy(np.int64)
        self._first = np.zeros(len(self._x), bool)
        self._first[lines["start"].to_numpy(np.int64)[counts > 0]] = True
        ids = lines["inspector_id"].astype(str).to_numpy()
        order = inspector_colors or {i: k for k, i in enumerate(dict.fromkeys(ids))}
        self._color = np.repeat(np.asarray([order.get(i, 0) for i in ids], np.int64)
                                % len(colors), counts)
        self.colors, self.line_width = colors, line_width
        # lightened towards white instead of translucent: Qt's PDF engine turns every stroke
        # that is not opaque (pen colour or painter opacity) or cosmetic into a filled
        # outline, ten times the bytes of a plain stroke
        self.line_alpha = opacity

    def extent(self) -> Extent | None:
        if not len(self._x):
            return None
        return (float(self._x.min()), float(self._y.min()), float(self._x.max()),
                float(self._y.max()))

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry(self.name, Symbol("line", self.colors[0], 1.5))]

    def paint(self, painter: QPainter, view: MapView) -> None:
        if len(self._x) < 2:
            return
        px, py = view.to_pixel(self._x, self._y)
        # a new colour starts a new line too
        first = self._first.copy()
        first[1:] |= self._color[1:] != self._color[:-1]
        index, starts = visible_polyline(px, py, first, view.width, view.height)
        if len(index) < 2:
            return
        run = np.zeros(len(index), np.int64)
        run[starts] = 1
        run = np.cumsum(run) - 1
        colour_of_run = self._color[index[starts]]
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for c in np.unique(colour_of_run):
            chosen = np.isin(run, np.flatnonzero(colour_of_run == c))
            sub = index[chosen]
            sub_starts = np.flatnonzero(np.r_[True, run[chosen][1:] != run[chosen][:-1]])
            pen = QPen(_lightened(self.colors[int(c)], self.line_alpha),
                       self.line_width)  # opaque and not cosmetic: see __init__
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            x, y, line_starts = self._reduced(px[sub], py[sub], sub_starts)
            painter.drawPath(path_from_arrays(x, y, line_starts))

    def _reduced(self, x, y, starts):
        """Douglas-Peucker at ``tolerance_px`` and coordinates snapped to ``quantum_px`` (a
        PDF writes each vertex as text: 1/72 inch steps print as whole numbers)."""
        if self.tolerance_px > 0 and len(x) > 2:
            counts = np.diff(np.r_[starts, len(x)])
            keep = counts >= 2
            line = np.repeat(np.arange(len(counts)), counts)
            mask = keep[line]
            renumbered = np.unique(line[mask], return_inverse=True)[1]
            lines = shapely.linestrings(np.column_stack([x[mask], y[mask]]), indices=renumbered)
            lines = shapely.simplify(lines, self.tolerance_px, preserve_topology=False)
            xy, index = shapely.get_coordinates(lines, return_index=True)
            x, y = xy[:, 0], xy[:, 1]
            starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
        if self.quantum_px > 0:
            q = self.quantum_px
            x, y = np.round(x / q) * q, np.round(y / q) * q
        return x, y, starts


class FocusVeil(MapLayer):
    """Paper-coloured veil over everything outside one polygon (lon/lat)."""

    def __init__(self, geometry, name: str, color: str = "#ffffff", opacity: float = 0.55):
        super().__init__(name, "report:veil")
        self._geometry = project_geometries([geometry])
        self.color, self.veil_opacity = color, opacity

    def paint(self, painter: QPainter, view: MapView) -> None:
        outside = QPainterPath()
        outside.addRect(QRectF(-2, -2, view.width + 4, view.height + 4))
        outside = outside.subtracted(_pixel_path(self._geometry, view))
        veil = QColor(self.color)
        veil.setAlphaF(self.veil_opacity)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(veil)
        painter.drawPath(outside)


# ---- labels as text -------------------------------------------------------------------------
_LABEL_BOX = QColor(255, 255, 255, 200)


def draw_text_labels(painter: QPainter, view: MapView, labels: list[Label],
                     family: list[str] | None = None, avoid: list[QRectF] | None = None) -> int:
    """Place labels as map labelling engines begin (highest priority first, none overlapping
    another or ``avoid``) and draw each as real text on a light box; returns how many were
    drawn. A box, not a halo: a halo is the glyphs' outline stroked, hundreds of curves a
    name in a PDF, where the box is one rectangle and the name stays text."""
    placed: list[QRectF] = list(avoid or [])
    bounds = QRectF(0, 0, view.width, view.height)
    fonts: dict[tuple[int, bool], tuple[QFont, QFontMetricsF]] = {}
    drawn = 0
    painter.save()
    for label in sorted(labels, key=lambda lab: -lab.priority):
        key = (label.pixel_size, label.bold)
        if key not in fonts:
            font = QFont(painter.font())
            if family:
                font.setFamilies(family)
            font.setPixelSize(max(1, round(label.pixel_size)))
            font.setBold(label.bold)
            fonts[key] = font, QFontMetricsF(font)
        font, metrics = fonts[key]
        width = metrics.horizontalAdvance(label.text)
        if width > label.max_width:
            continue
        left, top = label.x - width / 2, label.y - metrics.height() / 2
        rect = QRectF(left, top, width, metrics.height()).adjusted(-2, -0.5, 2, 0.5)
        if not bounds.contains(rect) or any(rect.intersects(other) for other in placed):
            continue
        placed.append(rect)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_LABEL_BOX)
        painter.drawRoundedRect(rect, 2, 2)
        painter.setFont(font)
        painter.setPen(QColor(label.color))
        painter.drawText(QPointF(left, top + metrics.ascent()), label.text)
        drawn += 1
    painter.restore()
    return drawn


def _lightened(colour: str, strength: float) -> QColor:
    """``colour`` mixed with white, as it would look at opacity ``strength`` on paper."""
    c = QColor(colour)
    mix = lambda v: round(255 - (255 - v) * strength)  # noqa: E731
    return QColor(mix(c.red()), mix(c.green()), mix(c.blue()))


def _pixel_path(geometries, view: MapView) -> QPainterPath:
    """Polygons in map metres as one path in the view's pixels (odd-even fill: holes stay
    open)."""
    xy, starts = polygon_rings(geometries)
    if not len(xy):
        return QPainterPath()
    a, c, e, f = view.affine
    return path_from_arrays(xy[:, 0] * a + c, xy[:, 1] * e + f, starts)
