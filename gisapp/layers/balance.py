"""BalanceLayer: a workload balance suggestion on the map before it is applied: the street's
level-3 grids tinted by the inspector who would patrol them, the grids that would move
hatched and outlined in the taker's colour, and an arrow from each moved grid into the
taker's patch, labelled "giver → taker"."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF

from gisapp.layers.base import Label, MapLayer
from gisapp.layers.legend import LegendEntry, Symbol
from gisapp.layers.paths import path_from_arrays, polygon_rings
from gisapp.layers.render import map_transform
from gisapp.layers.styles import TrackStyle
from gisapp.layers.view import Extent, MapView, lonlat_to_map

PALETTE = TrackStyle().colors
MOVE_COLOR = "#111111"


def inspector_colors(inspector_ids) -> dict[str, str]:
    """One colour per inspector, in the order given (the balance table's order)."""
    return {str(i): PALETTE[k % len(PALETTE)] for k, i in enumerate(inspector_ids)}


class BalanceLayer(MapLayer):
    """``units``: grid_code, inspector_id (after the moves), lon/lat geometry; ``moves``:
    grid_code, from_inspector, to_inspector, geometry; ``colors`` by inspector id."""

    cache_separately = True

    def __init__(self, name: str, units: gpd.GeoDataFrame, moves: gpd.GeoDataFrame,
                 colors: dict[str, str]):
        super().__init__(name, "balance")
        self.colors = dict(colors)
        self._patches = {}
        self._grid_count = len(units)
        inspectors = units["inspector_id"].astype("string").fillna("").to_numpy(dtype=object)
        geometries = np.asarray(units.geometry.values, dtype=object)
        for inspector in dict.fromkeys(inspectors):
            xy, starts = polygon_rings(geometries[inspectors == inspector])
            if len(xy):
                x, y = lonlat_to_map(xy[:, 0], xy[:, 1])
                self._patches[inspector] = path_from_arrays(x, y, starts,
                                                            Qt.FillRule.WindingFill)
        moved = np.asarray(moves.geometry.values, dtype=object)
        xy, starts = polygon_rings(moved) if len(moved) else (np.zeros((0, 2)), [])
        if len(xy):
            x, y = lonlat_to_map(xy[:, 0], xy[:, 1])
            self._moved = path_from_arrays(x, y, starts, Qt.FillRule.WindingFill)
        else:
            self._moved = None
        self._move_takers = [str(t) for t in moves["to_inspector"]] if len(moves) else []
        self._move_texts = [f"{f} → {t}" for f, t in zip(moves["from_inspector"],
                                                          moves["to_inspector"])] \
            if len(moves) else []
        self._move_paths = [self._one_path(g) for g in moved]
        # arrows: from the moved grid to the centre of the rest of the taker's patch
        self._arrows = []
        for geometry, taker in zip(moved, self._move_takers):
            rest = geometries[(inspectors == taker)
                              & ~shapely.equals(geometries, geometry)]
            start = shapely.point_on_surface(geometry)
            end = shapely.point_on_surface(shapely.union_all(rest)) if len(rest) else start
            (sx, ex), (sy, ey) = lonlat_to_map([start.x, end.x], [start.y, end.y])
            self._arrows.append(((float(sx), float(sy)), (float(ex), float(ey)), taker))
        bounds = shapely.total_bounds(geometries) if len(geometries) else None
        if bounds is not None and np.isfinite(bounds).all():
            (xmin, xmax), (ymin, ymax) = lonlat_to_map(bounds[[0, 2]], bounds[[1, 3]])
            self._extent: Extent | None = (float(xmin), float(ymin), float(xmax), float(ymax))
        else:
            self._extent = None

    @staticmethod
    def _one_path(geometry):
        xy, starts = polygon_rings([geometry])
        x, y = lonlat_to_map(xy[:, 0], xy[:, 1])
        return path_from_arrays(x, y, starts, Qt.FillRule.WindingFill)

    def extent(self) -> Extent | None:
        return self._extent

    def __len__(self) -> int:
        return self._grid_count

    @property
    def move_count(self) -> int:
        return len(self._arrows)

    def legend(self) -> list[LegendEntry]:
        entries = [LegendEntry(self.name, Symbol("fill", MOVE_COLOR, 2.0, MOVE_COLOR, 0.3))]
        for inspector, color in self.colors.items():
            entries.append(LegendEntry(inspector, Symbol("fill", color, 1.0, color, 0.35), 1))
        return entries

    def paint(self, painter: QPainter, view: MapView) -> None:
        painter.save()
        painter.setWorldTransform(map_transform(view), True)
        for inspector, path in self._patches.items():
            color = QColor(self.colors.get(inspector, "#999999"))
            fill = QColor(color)
            fill.setAlphaF(0.30)
            pen = QPen(color, 1.2)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(QBrush(fill))
            painter.drawPath(path)
        for path, taker in zip(self._move_paths, self._move_takers):
            color = QColor(self.colors.get(taker, MOVE_COLOR))
            brush = QBrush(color, Qt.BrushStyle.BDiagPattern)
            brush.setTransform(painter.worldTransform().inverted()[0])
            painter.setBrush(brush)
            pen = QPen(QColor(MOVE_COLOR), 3.0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawPath(path)
        painter.restore()

    def paint_overlay(self, painter: QPainter, view: MapView) -> None:
        for (sx, sy), (ex, ey), taker in self._arrows:
            a = QPointF(*view.to_pixel(sx, sy))
            b = QPointF(*view.to_pixel(ex, ey))
            b = a + (b - a) * 0.8  # the head stops short of the taker's label
            _arrow(painter, a, b, QColor(self.colors.get(taker, MOVE_COLOR)))

    def labels(self, view: MapView) -> list[Label]:
        out = []
        for ((sx, sy), _end, _taker), text in zip(self._arrows, self._move_texts):
            px, py = view.to_pixel(sx, sy)
            out.append(Label(px, py - 14, text, priority=50_000_000, pixel_size=13,
                             color="#111111", bold=True))
        return out


def _arrow(painter: QPainter, a: QPointF, b: QPointF, color: QColor) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    length = math.hypot(b.x() - a.x(), b.y() - a.y())
    if length < 8:  # the taker has no other grid to point at: a dot
        painter.setPen(QPen(QColor("#ffffff"), 2))
        painter.setBrush(color)
        painter.drawEllipse(a, 6, 6)
        painter.restore()
        return
    for pen in (QPen(QColor("#ffffff"), 7.0), QPen(color.darker(150), 4.0)):
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawLine(a, b)
    ux, uy = (b.x() - a.x()) / length, (b.y() - a.y()) / length
    head = 18.0
    left = QPointF(b.x() - head * ux + head * 0.5 * uy, b.y() - head * uy - head * 0.5 * ux)
    right = QPointF(b.x() - head * ux - head * 0.5 * uy, b.y() - head * uy + head * 0.5 * ux)
    painter.setPen(QPen(QColor("#ffffff"), 1.5))
    painter.setBrush(color.darker(150))
    painter.drawPolygon(QPolygonF([b, left, right]))
    painter.restore()
