"""SourceLayer: pollution sources as dots coloured by category."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPen

from gisapp.i18n import _
from gisapp.layers.base import MapLayer
from gisapp.layers.legend import LegendEntry, Symbol
from gisapp.layers.paths import polygon_from_arrays
from gisapp.layers.styles import (SOURCE_CATEGORY_LABELS, SOURCE_COLORS, UNKNOWN_SOURCE_COLOR,
                                  SourceStyle)
from gisapp.layers.view import Extent, MapView, lonlat_to_map


class SourceLayer(MapLayer):
    """Sources (EPSG:4326 points) projected once; each paint draws one batch per category."""

    def __init__(self, sources: gpd.GeoDataFrame, name: str,
                 colors: dict[str, str] | None = None, style: SourceStyle | None = None,
                 key: str = "sources"):
        super().__init__(name, key)
        self.style = style or SourceStyle()
        colors = colors or SOURCE_COLORS
        geometries = np.asarray(sources.geometry.values, dtype=object)
        present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
        lonlat = shapely.get_coordinates(geometries[present])
        self._x, self._y = lonlat_to_map(lonlat[:, 0], lonlat[:, 1])
        categories = sources["category"].fillna("").astype(str).to_numpy()[present]
        self._palette = [*colors.values(), UNKNOWN_SOURCE_COLOR]
        codes = pd.Index(list(colors)).get_indexer(categories)  # -1: not a listed category
        self._color_index = np.where(codes < 0, len(colors), codes).astype(np.int32)
        self._categories = list(colors)
        self._present = np.unique(self._color_index)

    def style_state(self) -> dict:
        return {**super().style_state(), "radius": self.style.radius}

    def apply_style_state(self, state: dict) -> None:
        super().apply_style_state(state)
        radius = state.get("radius")
        if isinstance(radius, (int, float)) and 1 <= radius <= 20 and radius != self.style.radius:
            self.style = SourceStyle(**{**self.style.__dict__, "radius": float(radius)})
            self.changed()

    def legend(self) -> list[LegendEntry]:
        """The layer, then each category it has, in the palette's order."""
        diameter = 2 * self.style.radius
        entries = [LegendEntry(self.name, Symbol("dot", self._palette[0], diameter,
                                                 halo=self.style.halo_color))]
        for index in self._present:
            label = (_(SOURCE_CATEGORY_LABELS.get(self._categories[index], "Other sources"))
                     if index < len(self._categories) else _("Unknown category"))
            entries.append(LegendEntry(label, Symbol("dot", self._palette[index], diameter,
                                                     halo=self.style.halo_color), 1))
        return entries

    def __len__(self) -> int:
        return len(self._x)

    def extent(self) -> Extent | None:
        if not len(self._x):
            return None
        return (float(self._x.min()), float(self._y.min()),
                float(self._x.max()), float(self._y.max()))

    def paint(self, painter: QPainter, view: MapView) -> None:
        if not len(self._x):
            return
        px, py = view.to_pixel(self._x, self._y)
        margin = self.style.radius + self.style.halo_width
        shown = ((px > -margin) & (px < view.width + margin)
                 & (py > -margin) & (py < view.height + margin))
        px, py, color_index = px[shown], py[shown], self._color_index[shown]
        # a wide round-capped pen turns drawPoints into dots: one call per colour, no loop per dot
        diameter = 2 * self.style.radius
        painter.setPen(_dot_pen(self.style.halo_color, diameter + 2 * self.style.halo_width))
        painter.drawPoints(polygon_from_arrays(px, py))
        for index in np.unique(color_index):
            chosen = color_index == index
            painter.setPen(_dot_pen(self._palette[index], diameter))
            painter.drawPoints(polygon_from_arrays(px[chosen], py[chosen]))


def _dot_pen(color: str, width: float) -> QPen:
    return QPen(QColor(color), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
