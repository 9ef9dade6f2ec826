"""GridLayer: the grids of one level, outlined (level 4 also filled), with names for labels."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from PySide6.QtGui import QBrush, QColor, QPainter, QPen
from PySide6.QtCore import Qt

from gisapp.layers.base import Label, MapLayer
from gisapp.layers.legend import LegendEntry, Symbol
from gisapp.layers.paths import path_from_arrays, polygon_rings
from gisapp.layers.render import map_transform
from gisapp.layers.styles import GRID_STYLES, GridStyle
from gisapp.layers.view import Extent, MapView, lonlat_to_map


class GridLayer(MapLayer):
    """All grids of ``level`` from a grids table (EPSG:4326) as one path in map metres.

    The path is built once; each paint only sets the view's transform, and the pen is
    cosmetic so line widths stay in pixels at every zoom.
    """

    def __init__(self, grids: gpd.GeoDataFrame, level: int, name: str,
                 style: GridStyle | None = None, key: str | None = None):
        super().__init__(name, key or f"grids:{level}")
        self.level = level
        self.style = style or GRID_STYLES[level]
        frame = grids[grids["level"] == level]
        geometries = np.asarray(frame.geometry.values, dtype=object)
        present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
        geometries = geometries[present]
        self._path, self._extent = _projected_path(geometries)
        self._names = frame["name"].fillna("").astype(str).to_numpy()[present]
        self._label_x, self._label_y, self._width = _label_anchors(geometries)
        self._labels_shown = True

    def __len__(self) -> int:
        return len(self._names)

    def extent(self) -> Extent | None:
        return self._extent

    # ---- styles ----------------------------------------------------------------------------
    def style_state(self) -> dict:
        return {**super().style_state(), "line_color": self.style.line_color,
                "line_width": self.style.line_width, "labels": self.labels_shown}

    def apply_style_state(self, state: dict) -> None:
        super().apply_style_state(state)
        changes = {}
        color = state.get("line_color")
        if isinstance(color, str) and QColor.isValidColorName(color):
            changes["line_color"] = QColor(color).name()
        width = state.get("line_width")
        if isinstance(width, (int, float)) and 0.5 <= width <= 10:
            changes["line_width"] = float(width)
        self.set_style(**changes)
        if isinstance(state.get("labels"), bool):
            self.labels_shown = state["labels"]

    def set_style(self, **changes) -> None:
        """Change fields of the GridStyle (line_color, line_width ...) and redraw."""
        style = GridStyle(**{**self.style.__dict__, **changes})
        if style != self.style:
            self.style = style
            self.changed()

    @property
    def labels_shown(self) -> bool:
        return self._labels_shown

    @labels_shown.setter
    def labels_shown(self, value: bool) -> None:
        if bool(value) != self._labels_shown:
            self._labels_shown = bool(value)
            self.changed()

    def legend(self) -> list[LegendEntry]:
        style = self.style
        if style.fill_color:
            symbol = Symbol("fill", style.line_color, style.line_width, style.fill_color,
                            style.fill_opacity)
        else:
            symbol = Symbol("line", style.line_color, style.line_width)
        return [LegendEntry(self.name, symbol)]

    def paint(self, painter: QPainter, view: MapView) -> None:
        if self._path.isEmpty():
            return
        pen = QPen(QColor(self.style.line_color), self.style.line_width)
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if self.style.fill_color:
            fill = QColor(self.style.fill_color)
            fill.setAlphaF(self.style.fill_opacity)
            painter.setBrush(QBrush(fill))
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setWorldTransform(map_transform(view), True)
        painter.drawPath(self._path)

    def labels(self, view: MapView) -> list[Label]:
        """Names of the grids wide enough on screen to hold them, anchored inside each grid."""
        style = self.style
        if not style.label_pixel_size or not len(self._names) or not self._labels_shown:
            return []
        px, py = view.to_pixel(self._label_x, self._label_y)
        width = self._width / view.scale
        shown = ((width >= style.label_min_width) & (px >= 0) & (px < view.width)
                 & (py >= 0) & (py < view.height) & (self._names != ""))
        # coarser levels first; within a level, bigger grids first
        priority = (10 - self.level) * 1_000_000 + np.minimum(width, 999_999).astype(int)
        return [Label(float(px[i]), float(py[i]), str(self._names[i]), int(priority[i]),
                      style.label_pixel_size, style.label_color, style.label_bold,
                      float(width[i]))
                for i in np.flatnonzero(shown)]


def _projected_path(geometries: np.ndarray):
    xy, starts = polygon_rings(geometries)
    if not len(xy):
        return path_from_arrays([], [], []), None
    x, y = lonlat_to_map(xy[:, 0], xy[:, 1])
    extent = (float(x.min()), float(y.min()), float(x.max()), float(y.max()))
    return path_from_arrays(x, y, starts), extent


def _label_anchors(geometries: np.ndarray):
    """A point inside each grid (not the centroid, which can fall outside) and its map width."""
    if not len(geometries):
        return np.empty(0), np.empty(0), np.empty(0)
    anchors = shapely.get_coordinates(shapely.point_on_surface(geometries))
    x, y = lonlat_to_map(anchors[:, 0], anchors[:, 1])
    bounds = shapely.bounds(geometries)
    # Mercator keeps lon -> x monotonic, so the projected bounds are the bounds' projections
    xmin, _ = lonlat_to_map(bounds[:, 0], bounds[:, 1])
    xmax, _ = lonlat_to_map(bounds[:, 2], bounds[:, 3])
    return x, y, xmax - xmin
