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
from gisapp.layers.view import Extent, MapView, lonlat_to_map


@dataclass(frozen=True)
class SelectionStyle:
    color: str = "#00c8ff"  # no category, track or grid colour is near it
    line_width: float = 3.0  # pixels
    fill_opacity: float = 0.18
    ring_radius: float = 8.0  # pixels around a selected source
    ring_width: float = 3.0


class SelectionLayer(MapLayer):
    """Selected grids outlined and tinted, selected sources ringed. Grid paths are built only
    for what is selected, when the selection changes."""

    cache_separately = True  # a new selection redraws the highlight alone

    def __init__(self, grids: gpd.GeoDataFrame, sources: gpd.GeoDataFrame, name: str,
                 style: SelectionStyle | None = None):
        super().__init__(name, "selection")
        self.style = style or SelectionStyle()
        self._grid_geometry = dict(zip(grids["grid_code"].astype(str),
                                       np.asarray(grids.geometry.values, dtype=object)))
        geometry = sources.geometry.values
        x, y = lonlat_to_map(shapely.get_x(geometry), shapely.get_y(geometry))
        self._source_xy = dict(zip(sources["source_id"].astype(str),
                                   zip(np.asarray(x, float), np.asarray(y, float))))
        self.grid_codes: tuple[str, ...] = ()
        self.source_ids: tuple[str, ...] = ()
        self._grid_path = QPainterPath()
        self._sx = self._sy = np.empty(0)

    def set_selected(self, grid_codes=(), source_ids=()) -> None:
        grid_codes = tuple(sorted(c for c in map(str, grid_codes) if c in self._grid_geometry))
        source_ids = tuple(sorted(s for s in map(str, source_ids) if s in self._source_xy))
        if (grid_codes, source_ids) == (self.grid_codes, self.source_ids):
            return
        self.grid_codes, self.source_ids = grid_codes, source_ids
        geometries = [self._grid_geometry[c] for c in grid_codes]
        xy, starts = polygon_rings(geometries) if geometries else (np.zeros((0, 2)), [])
        if len(xy):
            gx, gy = lonlat_to_map(xy[:, 0], xy[:, 1])
            self._grid_path = path_from_arrays(gx, gy, starts, Qt.FillRule.WindingFill)
        else:
            self._grid_path = QPainterPath()
        points = np.array([self._source_xy[s] for s in source_ids], float).reshape(-1, 2)
        self._sx, self._sy = points[:, 0], points[:, 1]
        self.changed()

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

