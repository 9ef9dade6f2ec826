"""IncidentLayer: reported incidents as triangles, the overdue ones (reply deadline passed,
not closed) red and ringed; closed ones grey."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from gisapp.i18n import _
from gisapp.incidents import CLOSED_STATUSES
from gisapp.layers.base import MapLayer
from gisapp.layers.legend import LegendEntry, Symbol
from gisapp.layers.view import Extent, MapView, lonlat_to_map

OPEN_COLOR = "#2b59c3"
OVERDUE_COLOR = "#d7191c"
CLOSED_COLOR = "#9e9e9e"
SIZE_PX = 7.0


class IncidentLayer(MapLayer):
    def __init__(self, incidents: gpd.GeoDataFrame, name: str, overdue_ids=()):
        super().__init__(name, "incidents")
        geometries = np.asarray(incidents.geometry.values, dtype=object)
        present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
        lonlat = shapely.get_coordinates(geometries[present])
        self._x, self._y = (np.atleast_1d(v) for v in lonlat_to_map(lonlat[:, 0],
                                                                    lonlat[:, 1]))
        self.ids = incidents["incident_id"].astype(str).to_numpy(dtype=object)[present]
        status = incidents["status"].astype("string").fillna("").to_numpy(dtype=object)
        self._closed = np.isin(status[present], CLOSED_STATUSES)
        self._overdue = np.zeros(len(self.ids), bool)
        self.set_overdue(overdue_ids)

    def set_overdue(self, overdue_ids) -> None:
        self._overdue = np.isin(self.ids, [str(i) for i in overdue_ids])
        self.changed()

    @property
    def overdue_count(self) -> int:
        return int(self._overdue.sum())

    def __len__(self) -> int:
        return len(self.ids)

    def extent(self) -> Extent | None:
        if not len(self._x):
            return None
        return (float(self._x.min()), float(self._y.min()), float(self._x.max()),
                float(self._y.max()))

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry(self.name, Symbol("dot", OPEN_COLOR, 9, halo="#ffffff")),
                LegendEntry(_("Overdue incidents"), Symbol("dot", OVERDUE_COLOR, 9,
                                                           halo="#ffffff"), 1),
                LegendEntry(_("Closed incidents"), Symbol("dot", CLOSED_COLOR, 9,
                                                          halo="#ffffff"), 1)]

    def paint(self, painter: QPainter, view: MapView) -> None:
        if not len(self._x):
            return
        px, py = view.to_pixel(self._x, self._y)
        px, py = np.atleast_1d(px), np.atleast_1d(py)
        shown = (px > -20) & (px < view.width + 20) & (py > -20) & (py < view.height + 20)
        for mask, color in ((self._closed & ~self._overdue, CLOSED_COLOR),
                            (~self._closed & ~self._overdue, OPEN_COLOR),
                            (self._overdue, OVERDUE_COLOR)):
            chosen = shown & mask
            if not chosen.any():
                continue
            painter.setPen(QPen(QColor("#ffffff"), 1.5))
            painter.setBrush(QColor(color))
            for x, y in zip(px[chosen], py[chosen]):
                painter.drawPolygon(_triangle(float(x), float(y)))
            if color == OVERDUE_COLOR:
                painter.setBrush(QColor(0, 0, 0, 0))
                painter.setPen(QPen(QColor(OVERDUE_COLOR), 2.0))
                for x, y in zip(px[chosen], py[chosen]):
                    painter.drawEllipse(QPointF(float(x), float(y)), SIZE_PX + 4, SIZE_PX + 4)


def _triangle(x: float, y: float) -> QPolygonF:
    s = SIZE_PX
    return QPolygonF([QPointF(x, y - s), QPointF(x + s * 0.9, y + s * 0.6),
                      QPointF(x - s * 0.9, y + s * 0.6)])
