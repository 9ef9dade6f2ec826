"""render_map: draw layers, bottom first, then their labels, onto a painter, a QImage or a PDF."""

from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QColor, QFont, QFontMetricsF, QImage, QPaintDevice, QPainter,
                           QPainterPath, QPen, QTransform)

from gisapp.layers.base import Label, MapLayer
from gisapp.layers.view import MapView

BACKGROUND = "#f7f6f2"  # paper, not white: white halos and fills still read on it
_LABEL_HALO = QColor(255, 255, 255, 230)


def map_transform(view: MapView) -> QTransform:
    """Map metres -> view pixels, for layers that keep their paths in map coordinates."""
    a, c, e, f = view.affine
    return QTransform(a, 0.0, 0.0, e, c, f)


def render_map(layers: Iterable[MapLayer], view: MapView, target: QPainter | QPaintDevice,
               background: str | None = BACKGROUND) -> None:
    """Draw the visible ``layers`` (first = bottom) as ``view`` sees them onto ``target``.

    A QPaintDevice (QImage, QPdfWriter) gets its own painter; a QPainter is used as it is,
    with its state restored afterwards.
    """
    layers = [layer for layer in layers if layer.visible and layer.opacity > 0]
    painter = target if isinstance(target, QPainter) else QPainter(target)
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        if background:
            painter.fillRect(QRectF(0, 0, view.width, view.height), QColor(background))
        painter.setClipRect(QRectF(0, 0, view.width, view.height))
        for layer in layers:
            painter.save()
            painter.setOpacity(layer.opacity)
            layer.paint(painter, view)
            painter.restore()
        _draw_labels(painter, view, [label for layer in layers for label in layer.labels(view)])
    finally:
        painter.restore()
        if painter is not target:
            painter.end()


def render_image(layers: Iterable[MapLayer], view: MapView, device_pixel_ratio: float = 1.0,
                 background: str | None = BACKGROUND) -> QImage:
    """A new image of ``view`` (its size in logical pixels times ``device_pixel_ratio``)."""
    image = QImage(round(view.width * device_pixel_ratio), round(view.height * device_pixel_ratio),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(device_pixel_ratio)
    image.fill(Qt.GlobalColor.transparent)
    render_map(layers, view, image, background)
    return image


def _draw_labels(painter: QPainter, view: MapView, labels: list[Label]) -> None:
    """Greedy placement, as map labelling engines begin: highest priority first, no overlaps."""
    placed: list[QRectF] = []
    bounds = QRectF(0, 0, view.width, view.height)
    fonts: dict[tuple[int, bool], tuple[QFont, QFontMetricsF]] = {}
    for label in sorted(labels, key=lambda lab: -lab.priority):
        key = (label.pixel_size, label.bold)
        if key not in fonts:
            font = QFont(painter.font())
            font.setPixelSize(label.pixel_size)
            font.setBold(label.bold)
            fonts[key] = font, QFontMetricsF(font)
        font, metrics = fonts[key]
        width = metrics.horizontalAdvance(label.text)
        if width > label.max_width:
            continue
        rect = QRectF(label.x - width / 2, label.y - metrics.height() / 2, width,
                      metrics.height()).adjusted(-2, -1, 2, 1)
        if not bounds.contains(rect) or any(rect.intersects(other) for other in placed):
            continue
        placed.append(rect)
        path = QPainterPath()
        path.addText(QPointF(label.x - width / 2, label.y - metrics.height() / 2
                             + metrics.ascent()), font, label.text)
        painter.strokePath(path, QPen(_LABEL_HALO, 3.0, Qt.PenStyle.SolidLine,
                                      Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        painter.fillPath(path, QColor(label.color))
