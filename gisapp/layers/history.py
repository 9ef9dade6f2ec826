"""DivisionOnDateLayer: the grid division as it stood on a past date (gisapp.history
.division_on), drawn over the map in dashed purple, read-only, with the level-3 names."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPen

from gisapp.layers.base import Label, MapLayer
from gisapp.layers.legend import LegendEntry, Symbol
from gisapp.layers.paths import path_from_arrays, polygon_rings
from gisapp.layers.render import map_transform
from gisapp.layers.view import Extent, MapView, lonlat_to_map

COLOR = "#6a1b9a"
WIDTHS = {1: 3.5, 2: 2.5, 3: 1.6, 4: 1.2}


class DivisionOnDateLayer(MapLayer):
    def __init__(self, grids: gpd.GeoDataFrame, day: dt.date, name: str):
        super().__init__(name, "division_on_date")
        self.day = day
        self._paths = {}
        self._count = len(grids)
        levels = grids["level"].to_numpy(np.int64)
        geometries = np.asarray(grids.geometry.values, dtype=object)
        for level in sorted(set(levels.tolist())):
            xy, starts = polygon_rings(geometries[levels == level])
            if len(xy):
                x, y = lonlat_to_map(xy[:, 0], xy[:, 1])
                self._paths[level] = path_from_arrays(x, y, starts)
        units = (levels == 3) & ~shapely.is_empty(geometries)
        anchors = shapely.get_coordinates(shapely.point_on_surface(geometries[units]))
        self._label_x, self._label_y = lonlat_to_map(anchors[:, 0], anchors[:, 1])
        self._names = grids["name"].astype("string").fillna("").to_numpy(dtype=object)[units]
        bounds = shapely.total_bounds(geometries) if len(geometries) else None
        self._extent: Extent | None = None
        if bounds is not None and np.isfinite(bounds).all():
            (xmin, xmax), (ymin, ymax) = lonlat_to_map(bounds[[0, 2]], bounds[[1, 3]])
            self._extent = (float(xmin), float(ymin), float(xmax), float(ymax))

    def __len__(self) -> int:
        return self._count

    def extent(self) -> Extent | None:
        return self._extent

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry(self.name, Symbol("line", COLOR, 2.0))]

    def paint(self, painter: QPainter, view: MapView) -> None:
        painter.setWorldTransform(map_transform(view), True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for level, path in self._paths.items():
            pen = QPen(QColor(COLOR), WIDTHS.get(level, 1.0), Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawPath(path)

    def labels(self, view: MapView) -> list[Label]:
        if not len(self._names):
            return []
        px, py = view.to_pixel(self._label_x, self._label_y)
        px, py = np.atleast_1d(px), np.atleast_1d(py)
        return [Label(float(x), float(y), str(n), 900_000, 12, COLOR)
                for x, y, n in zip(px, py, self._names)
                if n and 0 <= x < view.width and 0 <= y < view.height]
