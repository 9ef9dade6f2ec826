"""What an edit tool draws while a gesture is under way, in view pixels: the line or polygon
being drawn, the edges a dragged vertex pulls along, the vertices under the mouse, and the
snapping marker that shows where a click will land (QGIS' snapping indicator)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF

SKETCH_COLOR = "#e8175d"  # no grid, source or selection colour is near it
SNAP_VERTEX_COLOR = "#ff00ff"  # magenta square: on a vertex
SNAP_EDGE_COLOR = "#00a2ff"  # blue diamond: on an edge
MARKER_PX = 7.0  # half the snapping marker's side


def paint_sketch(painter: QPainter, points: Sequence[tuple[float, float]],
                 cursor: tuple[float, float] | None = None, closed: bool = False,
                 color: str = SKETCH_COLOR) -> None:
    """The vertices placed so far joined by a line, a dashed rubber band to the cursor (and
    back to the first vertex when ``closed``), and each vertex as a small square."""
    if not points and cursor is None:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    shown = [QPointF(x, y) for x, y in points]
    if closed and len(shown) >= 2:
        fill = QColor(color)
        fill.setAlphaF(0.15)
        painter.setBrush(QBrush(fill))
        painter.setPen(Qt.PenStyle.NoPen)
        outline = shown + ([QPointF(*cursor)] if cursor is not None else [])
        painter.drawPolygon(QPolygonF(outline))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    _halo_line(painter, shown, QPen(QColor(color), 2.0))
    if cursor is not None and shown:
        band = [shown[-1], QPointF(*cursor)] + ([shown[0]] if closed and len(shown) > 1
                                                else [])
        pen = QPen(QColor(color), 1.5, Qt.PenStyle.DashLine)
        _halo_line(painter, band, pen)
    painter.setPen(QPen(QColor("#ffffff"), 1.0))
    painter.setBrush(QColor(color))
    for point in shown:
        painter.drawRect(QRectF(point.x() - 3, point.y() - 3, 6, 6))
    painter.restore()


def paint_segments(painter: QPainter, segments: Sequence[tuple[tuple[float, float],
                                                               tuple[float, float]]],
                   color: str = SKETCH_COLOR) -> None:
    """Dashed segments (the edges a dragged vertex pulls along)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for a, b in segments:
        _halo_line(painter, [QPointF(*a), QPointF(*b)],
                   QPen(QColor(color), 2.0, Qt.PenStyle.DashLine))
    painter.restore()


def paint_vertex(painter: QPainter, x: float, y: float, color: str = SKETCH_COLOR,
                 radius: float = 5.0) -> None:
    """A vertex under the mouse (the one a drag would take, a click would delete)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#ffffff"), 2.0))
    painter.setBrush(QColor(color))
    painter.drawEllipse(QPointF(x, y), radius, radius)
    painter.restore()


def paint_snap_marker(painter: QPainter, x: float, y: float, kind: str) -> None:
    """Where the next click lands: a magenta square on a vertex, a blue diamond on an edge."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = MARKER_PX
    if kind == "vertex":
        shape = QPolygonF([QPointF(x - s, y - s), QPointF(x + s, y - s), QPointF(x + s, y + s),
                           QPointF(x - s, y + s)])
        color = SNAP_VERTEX_COLOR
    else:
        shape = QPolygonF([QPointF(x, y - s), QPointF(x + s, y), QPointF(x, y + s),
                           QPointF(x - s, y)])
        color = SNAP_EDGE_COLOR
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor("#ffffff"), 5.0))
    painter.drawPolygon(shape)
    painter.setPen(QPen(QColor(color), 2.5))
    painter.drawPolygon(shape)
    painter.setPen(QPen(QColor(color), 1.5))
    painter.drawLine(QPointF(x - 2, y), QPointF(x + 2, y))
    painter.drawLine(QPointF(x, y - 2), QPointF(x, y + 2))
    painter.restore()


def _halo_line(painter: QPainter, points: list[QPointF], pen: QPen) -> None:
    if len(points) < 2:
        return
    halo = QPen(QColor(255, 255, 255, 200), pen.widthF() + 2.5)
    halo.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(halo)
    painter.drawPolyline(QPolygonF(points))
    painter.setPen(pen)
    painter.drawPolyline(QPolygonF(points))
