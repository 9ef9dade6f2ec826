"""Map decorations drawn over the map, not with it: a scale bar, a north arrow, attributions.

They are painted in view pixels with QPainter so the canvas and a printed page draw the same.
Web Mercator is not true to scale: a map metre is ``cos(latitude)`` ground metres (on the
WGS-84 ellipsoid, ``cos φ / sqrt(1 - e² sin² φ)``), so the scale bar is measured at the
latitude of the bar, and its length is a round number of ground metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from gisapp.i18n import _
from gisapp.layers.view import MapView, map_to_lonlat

_E2 = 0.00669437999014  # WGS-84 first eccentricity squared
_NICE = (1, 2, 5)
INK = "#1b1b1b"
PANEL = QColor(255, 255, 255, 215)


def ground_metres_per_pixel(view: MapView, py: float | None = None) -> float:
    """Ground metres east-west per view pixel at pixel row ``py`` (default: the centre).

    >>> view = MapView(0.0, 0.0, 10.0, 100, 100)  # on the equator a map metre is a metre
    >>> round(ground_metres_per_pixel(view), 6)
    10.0
    """
    _x, y = view.to_map(view.width / 2, view.height / 2 if py is None else py)
    _lon, lat = map_to_lonlat(0.0, y)
    phi = math.radians(float(lat))
    return view.scale * math.cos(phi) / math.sqrt(1 - _E2 * math.sin(phi) ** 2)


def nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``metres``.

    >>> [nice_length(v) for v in (0.9, 7.0, 180.0, 2600.0)]
    [0.5, 5.0, 100.0, 2000.0]
    """
    if metres <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(metres))
    return float(max(step * power for step in _NICE if step * power <= metres))


def length_text(metres: float) -> str:
    """'500 m', '2 km', '1.5 km' (in English; '500 米', '2 公里' in Chinese)."""
    if metres >= 1000:
        return _("{value} km").format(value=f"{metres / 1000:g}")
    return _("{value} m").format(value=f"{metres:g}")


@dataclass(frozen=True)
class ScaleBar:
    metres: float  # ground length the bar stands for
    pixels: float  # its length on screen
    left: float  # view pixels of the bar's left end and its baseline
    bottom: float

    @property
    def label(self) -> str:
        return length_text(self.metres)


def scale_bar(view: MapView, max_pixels: float = 160.0, margin: float = 14.0) -> ScaleBar:
    """The bar for ``view``: a round length at most ``max_pixels`` long, at the bottom left."""
    bottom = view.height - margin - 6
    per_pixel = ground_metres_per_pixel(view, bottom)
    metres = nice_length(per_pixel * min(max_pixels, view.width * 0.4))
    return ScaleBar(metres, metres / per_pixel, margin + 8, bottom)


def paint_scale_bar(painter: QPainter, view: MapView, max_pixels: float = 160.0) -> ScaleBar:
    """A bar of two alternating halves with '0', the half and the whole length above it,
    on a light panel so it reads over any basemap. Returns what was drawn."""
    bar = scale_bar(view, max_pixels)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    font = QFont(painter.font())
    font.setPixelSize(11)
    painter.setFont(font)
    metrics = QFontMetricsF(font)
    texts = ["0", length_text(bar.metres / 2), bar.label]
    last_width = metrics.horizontalAdvance(texts[-1])
    height = 7.0
    top = bar.bottom - height
    text_base = top - 4
    panel = QRectF(bar.left - 8, text_base - metrics.ascent() - 4,
                   bar.pixels + 16 + last_width / 2, bar.bottom - text_base + metrics.ascent() + 10)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(PANEL)
    painter.drawRoundedRect(panel, 3, 3)
    half = bar.pixels / 2
    painter.setPen(QPen(QColor(INK), 1.0))
    painter.setBrush(QColor(INK))
    painter.drawRect(QRectF(bar.left, top, half, height))
    painter.setBrush(QColor("#ffffff"))
    painter.drawRect(QRectF(bar.left + half, top, half, height))
    painter.setPen(QColor(INK))
    for text, x in zip(texts, (bar.left, bar.left + half, bar.left + bar.pixels)):
        width = metrics.horizontalAdvance(text)
        painter.drawText(QPointF(x - width / 2, text_base), text)
    painter.restore()
    return bar


def north_arrow_rect(view: MapView, size: float = 44.0, margin: float = 14.0) -> QRectF:
    """Where the north arrow goes: the top right corner."""
    return QRectF(view.width - margin - size * 0.7, margin, size * 0.7, size)


def paint_north_arrow(painter: QPainter, view: MapView, size: float = 44.0) -> QRectF:
    """An arrow pointing up with an 'N' (in Web Mercator north is up everywhere on the map)."""
    rect = north_arrow_rect(view, size)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(PANEL)
    painter.drawRoundedRect(rect.adjusted(-4, -4, 4, 4), 4, 4)
    font = QFont(painter.font())
    font.setPixelSize(int(size * 0.3))
    font.setBold(True)
    metrics = QFontMetricsF(font)
    cx = rect.center().x()
    letter_bottom = rect.top() + metrics.ascent()
    tip = QPointF(cx, letter_bottom + 3)
    base_y = rect.bottom()
    notch = QPointF(cx, base_y - (base_y - tip.y()) * 0.3)
    half_width = rect.width() * 0.32
    left = QPolygonF([tip, QPointF(cx - half_width, base_y), notch])
    right = QPolygonF([tip, QPointF(cx + half_width, base_y), notch])
    painter.setPen(QPen(QColor(INK), 1.0))
    painter.setBrush(QColor(INK))
    painter.drawPolygon(left)
    painter.setBrush(QColor("#ffffff"))
    painter.drawPolygon(right)
    path = QPainterPath()
    letter = "N"
    path.addText(QPointF(cx - metrics.horizontalAdvance(letter) / 2, letter_bottom), font, letter)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(INK))
    painter.drawPath(path)
    painter.restore()
    return rect


def paint_attribution(painter: QPainter, view: MapView, texts: list[str]) -> None:
    """The basemaps' required credits, small, at the bottom right."""
    texts = [t for t in dict.fromkeys(texts) if t]
    if not texts:
        return
    painter.save()
    font = QFont(painter.font())
    font.setPixelSize(10)
    painter.setFont(font)
    metrics = QFontMetricsF(font)
    text = " · ".join(texts)
    width = metrics.horizontalAdvance(text)
    rect = QRectF(view.width - width - 8, view.height - metrics.height() - 3, width + 8,
                  metrics.height() + 3)
    painter.fillRect(rect, QColor(255, 255, 255, 190))
    painter.setPen(QColor("#333333"))
    painter.drawText(rect.adjusted(4, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter, text)
    painter.restore()
