"""Coordinate arrays to QPainterPath / QPolygonF in one step, without a Python loop per vertex.

Qt can read both from a QDataStream, so the arrays are laid out in that binary form with numpy
and streamed in (the technique pyqtgraph's ``arrayToQPath`` uses).
"""

from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import QByteArray, QDataStream, QIODevice, Qt
from PySide6.QtGui import QPainterPath, QPolygonF

_MOVE_TO, _LINE_TO = 0, 1  # QPainterPath::ElementType


def path_from_arrays(x, y, starts, fill_rule=Qt.FillRule.OddEvenFill) -> QPainterPath:
    """One path whose subpaths begin at the indices ``starts`` (ascending, starting at 0).

    Rings and polylines alike: a ring repeats its first vertex at its end, as shapely's do.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    starts = np.asarray(starts, np.int64)
    n = len(x)
    if n == 0:
        return QPainterPath()
    elements = np.empty(n, dtype=[("type", ">i4"), ("x", ">f8"), ("y", ">f8")])
    elements["type"] = _LINE_TO
    elements["type"][starts] = _MOVE_TO
    elements["x"] = x
    elements["y"] = y
    last_start = int(starts[-1]) if len(starts) else 0
    fill = 1 if fill_rule == Qt.FillRule.WindingFill else 0
    data = (np.array([n], ">i4").tobytes() + elements.tobytes()
            + np.array([last_start, fill], ">i4").tobytes())
    path = QPainterPath()
    _read(data, path)
    return path


def polygon_from_arrays(x, y) -> QPolygonF:
    """The points (x[i], y[i]) as one QPolygonF, e.g. for QPainter.drawPoints."""
    points = np.empty((len(x), 2), ">f8")
    points[:, 0] = x
    points[:, 1] = y
    polygon = QPolygonF()
    if len(points):
        _read(np.array([len(points)], ">u4").tobytes() + points.tobytes(), polygon)
    return polygon


def _read(data: bytes, target) -> None:
    """Stream Qt's binary form of ``target`` into it."""
    buffer = QByteArray(data)  # named: the stream reads it in place, it must outlive the read
    stream = QDataStream(buffer, QIODevice.OpenModeFlag.ReadOnly)
    stream >> target
    if stream.status() != QDataStream.Status.Ok:
        raise ValueError(f"could not read a {type(target).__name__} from {len(data)} bytes")


def polygon_rings(geometries, return_index: bool = False):
    """All rings (exteriors and holes) of (multi)polygons, or of the polygons in collections:
    their vertices as an (n, 2) array and the index where each ring starts; with
    ``return_index`` also the index of the geometry each ring belongs to.

    >>> xy, starts = polygon_rings([shapely.box(0, 0, 1, 1)])
    >>> xy.shape, starts.tolist()
    ((5, 2), [0])
    >>> polygon_rings([shapely.box(0, 0, 1, 1), None, shapely.box(2, 2, 3, 3)], True)[2].tolist()
    [0, 2]
    """
    parts, owners = shapely.get_parts(np.asarray(geometries, dtype=object), return_index=True)
    polygons = shapely.get_type_id(parts) == 3  # polygons only: a collection may hold lines
    rings, ring_parts = shapely.get_rings(parts[polygons], return_index=True)
    counts = shapely.get_num_coordinates(rings)
    starts = (np.cumsum(counts) - counts).astype(np.int64)
    kept = counts > 0
    xy = shapely.get_coordinates(rings)
    if return_index:
        return xy, starts[kept], owners[polygons][ring_parts][kept]
    return xy, starts[kept]
