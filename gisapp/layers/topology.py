"""TopologyLayer: the problems of a topology check on the map: gaps and overlaps hatched,
grids outside their parent hatched the other way, invalid grids outlined, sources outside
their grid crossed, and a ring around every problem so a sliver of a few m² is seen at any
zoom."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen

from gisapp.i18n import N_, _
from gisapp.layers.base import MapLayer
from gisapp.layers.legend import LegendEntry, Symbol
from gisapp.layers.paths import path_from_arrays, polygon_rings
from gisapp.layers.render import map_transform
from gisapp.layers.view import Extent, MapView, lonlat_to_map


@dataclass(frozen=True)
class ProblemStyle:
    color: str
    pattern: Qt.BrushStyle
    label: str  # marked with N_()


STYLES = {
    "gap": ProblemStyle("#d7191c", Qt.BrushStyle.BDiagPattern, N_("Gaps")),
    "overlap": ProblemStyle("#7b3294", Qt.BrushStyle.DiagCrossPattern, N_("Overlaps")),
    "outside_parent": ProblemStyle("#e66101", Qt.BrushStyle.FDiagPattern,
                                   N_("Outside the parent grid")),
    "key_source_outside": ProblemStyle("#e66101", Qt.BrushStyle.FDiagPattern,
                                       N_("Key-source grid outside its grid")),
    "invalid": ProblemStyle("#b2182b", Qt.BrushStyle.Dense6Pattern, N_("Invalid boundaries")),
}
OTHER = ProblemStyle("#b2182b", Qt.BrushStyle.NoBrush, N_("Other problems"))
RING_PX = 11.0  # radius of the ring marking each problem


class TopologyLayer(MapLayer):
    """The problems (a TopologyReport's ``problems``: kind + lon/lat geometry) to draw."""

    cache_separately = True  # rechecked after every edit: redraw it alone

    def __init__(self, name: str, problems: gpd.GeoDataFrame | None = None):
        super().__init__(name, "topology")
        self._paths: dict[str, QPainterPath] = {}
        self._marks = np.zeros((0, 2))
        self._mark_kinds = np.zeros(0, object)
        self._extent: Extent | None = None
        self.count = 0
        self.set_problems(problems)

    def set_problems(self, problems: gpd.GeoDataFrame | None) -> None:
        self._paths = {}
        if problems is None or not len(problems):
            self._marks, self._mark_kinds, self._extent, self.count = (np.zeros((0, 2)),
                                                                      np.zeros(0, object),
                                                                      None, 0)
            self.changed()
            return
        kinds = problems["kind"].astype(str).to_numpy(dtype=object)
        geometries = np.asarray(problems.geometry.values, dtype=object)
        present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
        for kind in np.unique(kinds[present]):
            xy, starts = polygon_rings(geometries[present & (kinds == kind)])
            if len(xy):
                x, y = lonlat_to_map(xy[:, 0], xy[:, 1])
                self._paths[kind] = path_from_arrays(x, y, starts, Qt.FillRule.WindingFill)
        centres = shapely.get_coordinates(shapely.point_on_surface(geometries[present]))
        x, y = lonlat_to_map(centres[:, 0], centres[:, 1])
        self._marks = np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])
        self._mark_kinds = kinds[present]
        bounds = shapely.total_bounds(geometries[present]) if present.any() else None
        if bounds is not None and np.isfinite(bounds).all():
            (xmin, xmax), (ymin, ymax) = lonlat_to_map(bounds[[0, 2]], bounds[[1, 3]])
            self._extent = (float(xmin), float(ymin), float(xmax), float(ymax))
        else:
            self._extent = None
        self.count = int(present.sum())
        self.changed()

    def __len__(self) -> int:
        return self.count

    def extent(self) -> Extent | None:
        return self._extent

    def legend(self) -> list[LegendEntry]:
        entries = [LegendEntry(self.name, Symbol("fill", STYLES["gap"].color, 2.0,
                                                 STYLES["gap"].color, 0.4))]
        for kind in self._paths:
            style = STYLES.get(kind, OTHER)
            entries.append(LegendEntry(_(style.label), Symbol("fill", style.color, 2.0,
                                                              style.color, 0.4), 1))
        return entries

    def paint(self, painter: QPainter, view: MapView) -> None:
        for kind, path in self._paths.items():
            style = STYLES.get(kind, OTHER)
            painter.save()
            painter.setWorldTransform(map_transform(view), True)
            pen = QPen(QColor(style.color), 2.0)
            pen.setCosmetic(True)
            painter.setPen(pen)
            tint = QColor(style.color)
            tint.setAlphaF(0.18)
            painter.setBrush(QBrush(tint))
            painter.drawPath(path)
            brush = QBrush(QColor(style.color), style.pattern)
            brush.setTransform(painter.worldTransform().inverted()[0])  # hatch in pixels
            painter.setBrush(brush)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawPath(path)
            painter.restore()

    def paint_overlay(self, painter: QPainter, view: MapView) -> None:
        """A ring around each problem (and a cross on a stray source), whatever the zoom."""
        if not len(self._marks):
            return
        px, py = view.to_pixel(self._marks[:, 0], self._marks[:, 1])
        px, py = np.atleast_1d(px), np.atleast_1d(py)
        for x, y, kind in zip(px, py, self._mark_kinds):
            if not (-RING_PX <= x <= view.width + RING_PX
                    and -RING_PX <= y <= view.height + RING_PX):
                continue
            color = QColor(STYLES.get(kind, OTHER).color)
            centre = QPointF(float(x), float(y))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("#ffffff"), 4.5))
            painter.drawEllipse(centre, RING_PX, RING_PX)
            painter.setPen(QPen(color, 2.5))
            painter.drawEllipse(centre, RING_PX, RING_PX)
            if kind == "source_outside":
                d = RING_PX * 0.6
                painter.drawLine(QPointF(x - d, y - d), QPointF(x + d, y + d))
                painter.drawLine(QPointF(x - d, y + d), QPointF(x + d, y - d))
