"""SelectionLayer: the selected grids and sources, highlighted above every other layer."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen

from gisapp.layers.base import MapLayer
from gisapp.layers.legend import LegendEntry, Symbol
from gisapp.layers.paths import path_from_arrays, polygon_rings
from gisapp.layers.render import map_transform
from gisapp.layers.view import Extent, MapView, lonlat_to_map, union_extent


@dataclass(frozen=True)
class SelectionStyle:
    color: str = "#00c8ff"  # no category, track or grid colour is near it
    line_width: float = 3.0  # pixels
    fill_opacity: float = 0.18
    ring_radius: float = 8.0  # pixels around a selected source
    ring_width: float = 3.0


class SelectionLayer(MapLayer):
    """Selected grids outlined and tinted, selected sources ringed. Only what is selected is
    looked up in the tables and projected, when the selection or the tables change."""

    cache_separately = True  # a new selection redraws the highlight alone

    def __init__(self, grids: gpd.GeoDataFrame, sources: gpd.GeoDataFrame, name: str,
                 style: SelectionStyle | None = None):
        super().__init__(name, "selection")
        self.style = style or SelectionStyle()
        self._grids, self._sources = grids, sources
        self.grid_codes: tuple[str, ...] = ()
        self.source_ids: tuple[str, ...] = ()
        self._shapes: dict[str, object] = {}  # grid code -> geometry (lon/lat), highlighted
        self._points: dict[str, tuple[float, float]] = {}  # source id -> map position
        self._grid_path = QPainterPath()
        self._sx = self._sy = np.empty(0)

    def set_selected(self, grid_codes=(), source_ids=()) -> None:
        """Highlight these grids and sources (those not in the tables are left out)."""
        self._show(*_chosen(self._grids, "grid_code", grid_codes),
                   *_chosen(self._sources, "source_id", source_ids))

    def set_tables(self, grids: gpd.GeoDataFrame, sources: gpd.GeoDataFrame) -> None:
        """Take the tables after an edit: the selection keeps its grids and sources as they
        are now (dropping those deleted), and is redrawn only if that changed the highlight."""
        self._grids, self._sources = grids, sources
        self._show(*_chosen(grids, "grid_code", self.grid_codes),
                   *_chosen(sources, "source_id", self.source_ids))

    def _show(self, codes: tuple[str, ...], shapes: np.ndarray, ids: tuple[str, ...],
              points: np.ndarray) -> None:
        self.grid_codes, self.source_ids = codes, ids
        shapes = dict(zip(codes, shapes))
        x, y = lonlat_to_map(shapely.get_x(points), shapely.get_y(points))
        points = {i: (float(px), float(py)) for i, px, py in
                  zip(ids, np.atleast_1d(x), np.atleast_1d(y))
                  if not (np.isnan(px) or np.isnan(py))}  # a source with no position: no ring
        damage = _changed_extent(self._shapes, shapes, self._points, points)
        if damage is None:
            return
        self._shapes, self._points = shapes, points
        xy, starts = polygon_rings(list(shapes.values()))
        if len(xy):
            gx, gy = lonlat_to_map(xy[:, 0], xy[:, 1])
            self._grid_path = path_from_arrays(gx, gy, starts, Qt.FillRule.WindingFill)
        else:
            self._grid_path = QPainterPath()
        self._sx = np.array([p[0] for p in points.values()], float)
        self._sy = np.array([p[1] for p in points.values()], float)
        # only around what came, went or moved: the rest of the highlight stays as it is
        self.changed(damage)

    def __len__(self) -> int:
        return len(self.grid_codes) + len(self.source_ids)

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry(self.name, Symbol("fill", self.style.color, self.style.line_width,
                                              self.style.color, self.style.fill_opacity))]

    def extent(self) -> Extent | None:
        rect = self._grid_path.boundingRect()
        xs = [*self._sx, *([rect.left(), rect.right()] if not self._grid_path.isEmpty() else [])]
        ys = [*self._sy, *([rect.top(), rect.bottom()] if not self._grid_path.isEmpty() else [])]
        if not xs:
            return None
        return float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys))

    def paint(self, painter: QPainter, view: MapView) -> None:
        color = QColor(self.style.color)
        if not self._grid_path.isEmpty():
            painter.save()
            fill = QColor(color)
            fill.setAlphaF(self.style.fill_opacity)
            pen = QPen(color, self.style.line_width)
            pen.setCosmetic(True)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.setBrush(QBrush(fill))
            painter.setWorldTransform(map_transform(view), True)
            painter.drawPath(self._grid_path)
            painter.restore()
        if len(self._sx):
            px, py = view.to_pixel(self._sx, self._sy)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("#ffffff"), self.style.ring_width + 2))
            r = self.style.ring_radius
            for x, y in zip(np.atleast_1d(px), np.atleast_1d(py)):
                painter.drawEllipse(QPointF(float(x), float(y)), r, r)
            painter.setPen(QPen(color, self.style.ring_width))
            for x, y in zip(np.atleast_1d(px), np.atleast_1d(py)):
                painter.drawEllipse(QPointF(float(x), float(y)), r, r)


def _chosen(table: gpd.GeoDataFrame, column: str, ids) -> tuple[tuple[str, ...], np.ndarray]:
    """The ``ids`` found in ``column`` of ``table``, sorted, and the geometry of each (the
    last of a repeated id)."""
    ids = {str(i) for i in ids}
    if not ids or column not in table.columns:
        return (), np.empty(0, dtype=object)
    keys = table[column].astype(str)
    rows = np.flatnonzero(keys.isin(ids).to_numpy())
    found = dict(zip(keys.iloc[rows].tolist(), rows.tolist()))
    codes = tuple(sorted(found))
    geometry = np.asarray(table.geometry.values, dtype=object)
    return codes, geometry[[found[c] for c in codes]] if codes else geometry[:0]


def _changed_extent(old_shapes: dict, new_shapes: dict, old_points: dict,
                    new_points: dict) -> Extent | None:
    """The map extent of the grids and sources that came, went or moved; None if none did."""
    shapes = [shape for code in old_shapes.keys() | new_shapes.keys()
              for shape in (old_shapes.get(code), new_shapes.get(code))
              if not _same(old_shapes.get(code), new_shapes.get(code)) and shape is not None]
    points = [point for i in old_points.keys() | new_points.keys()
              for point in (old_points.get(i), new_points.get(i))
              if old_points.get(i) != new_points.get(i) and point is not None]
    extents = [(x, y, x, y) for x, y in points]
    for shape in shapes:
        lon0, lat0, lon1, lat1 = shapely.bounds(shape)
        (x0, x1), (y0, y1) = lonlat_to_map([lon0, lon1], [lat0, lat1])
        extents.append((float(x0), float(y0), float(x1), float(y1)))
    return union_extent(extents) if shapes or points else None


def _same(a, b) -> bool:
    return a is b or (a is not None and b is not None and shapely.equals_exact(a, b, 0.0))
