"""Legend entries and their symbols, painted with QPainter so the layers panel and a printed
page draw the same swatches."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen


@dataclass(frozen=True)
class Symbol:
    """How a class of features is drawn, reduced to what a swatch needs.

    kind: "line" (a stroke), "fill" (an outlined area), "dot" (a point with a halo),
    "marker" (a current position: a square in a dark frame) or "image" (a basemap).
    """

    kind: str
    color: str
    width: float = 1.0  # line width or dot diameter, pixels
    fill: str | None = None
    fill_opacity: float = 1.0
    halo: str | None = None


@dataclass(frozen=True)
class LegendEntry:
    label: str
    symbol: Symbol
    level: int = 0  # 0: the layer itself, 1: a class within it


def paint_symbol(painter: QPainter, rect: QRectF, symbol: Symbol) -> None:
    """Draw ``symbol`` as a swatch filling ``rect``."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    centre = rect.center()
    if symbol.kind == "line":
        pen = QPen(QColor(symbol.color), max(symbol.width, 1.0))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        y = centre.y()
        painter.drawPolyline([QPointF(rect.left() + 1, y + rect.height() * 0.2),
                              QPointF(rect.left() + rect.width() * 0.4, y - rect.height() * 0.2),
                              QPointF(rect.right() - rect.width() * 0.35, y + rect.height() * 0.1),
                              QPointF(rect.right() - 1, y - rect.height() * 0.2)])
    elif symbol.kind == "fill":
        fill = QColor(symbol.fill or symbol.color)
        fill.setAlphaF(symbol.fill_opacity if symbol.fill else 0.0)
        painter.setBrush(QBrush(fill))
        painter.setPen(QPen(QColor(symbol.color), max(min(symbol.width, 3.0), 1.0)))
        painter.drawRect(rect.adjusted(2, 2, -2, -2))
    elif symbol.kind == "marker":  # a replay position: a square in a dark frame
        side = min(symbol.width, rect.height() - 2)
        painter.setPen(QPen(QColor("#1b1b1b"), 1.5))
        painter.setBrush(QColor(symbol.color))
        painter.drawRect(QRectF(centre.x() - side / 2, centre.y() - side / 2, side, side))
    elif symbol.kind == "dot":
        diameter = min(symbol.width, rect.height() - 2)
        if symbol.halo:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(symbol.halo))
            painter.drawEllipse(centre, diameter / 2 + 1.5, diameter / 2 + 1.5)
        painter.setBrush(QColor(symbol.color))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(centre, diameter / 2, diameter / 2)
    elif symbol.kind == "image":  # a basemap: a small map-like checker of its colour
        painter.fillRect(rect.adjusted(1, 1, -1, -1), QColor(symbol.color))
        painter.setPen(QPen(QColor("#ffffff"), 1.5))
        painter.drawLine(QPointF(rect.left() + 2, rect.bottom() - 4),
                         QPointF(rect.right() - 2, rect.top() + 4))
    painter.restore()


def symbol_image(symbol: Symbol, width: int = 20, height: int = 14,
                 device_pixel_ratio: float = 1.0) -> QImage:
    """A transparent image of the swatch (for list icons)."""
    image = QImage(round(width * device_pixel_ratio), round(height * device_pixel_ratio),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(device_pixel_ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    paint_symbol(painter, QRectF(0, 0, width, height), symbol)
    painter.end()
    return image
