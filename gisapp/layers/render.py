"""render_map: draw layers, bottom first, then their labels, onto a painter, a QImage or a PDF;
MapRenderer: the same for a screen, reusing images of layers that have not changed."""

from __future__ import annotations

import math
from typing import Iterable, NamedTuple

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (QColor, QFont, QFontMetricsF, QImage, QPaintDevice, QPainter,
                           QPainterPath, QPen, QTransform)

from gisapp.layers.base import Label, MapLayer
from gisapp.layers.view import Extent, MapView

BACKGROUND = "#f7f6f2"  # paper, not white: white halos and fills still read on it
_LABEL_HALO = QColor(255, 255, 255, 230)
# Pixels a layer may draw beyond the map extent of what it draws: a damaged extent is grown by
# this much before it is redrawn. It covers the widest cosmetic pen (a 10 px grid outline
# reaches 5 px out), the biggest point symbol (a source dot of radius 20 px with its 1.5 px
# halo) and the selection's ring (8 px + 2.5 px), with room to spare.
DAMAGE_MARGIN_PX = 32


def map_transform(view: MapView) -> QTransform:
    """Map metres -> view pixels, for layers that keep their paths in map coordinates."""
    a, c, e, f = view.affine
    return QTransform(a, 0.0, 0.0, e, c, f)


def painted_extent(painter: QPainter, view: MapView, margin_px: float = 0.0) -> Extent | None:
    """The map extent a layer's ``paint`` has to cover: the view, narrowed to the painter's
    clip when it has one (a partial redraw), grown by ``margin_px`` pixels for what a feature
    just outside draws into it (half a pen, a symbol). None when nothing can be painted.

    Call it before setting a world transform: the clip is read in the view's pixels.
    """
    rect = QRectF(0, 0, view.width, view.height)
    if painter.hasClipping():
        rect = rect.intersected(painter.clipBoundingRect())
        if rect.isEmpty():
            return None
    rect = rect.adjusted(-margin_px, -margin_px, margin_px, margin_px)
    xmin, ymax = view.to_map(rect.left(), rect.top())
    xmax, ymin = view.to_map(rect.right(), rect.bottom())
    return xmin, ymin, xmax, ymax


def render_map(layers: Iterable[MapLayer], view: MapView, target: QPainter | QPaintDevice,
               background: str | None = BACKGROUND, labels: bool = True,
               opacities: bool = True, clip: QRectF | None = None) -> None:
    """Draw the visible ``layers`` (first = bottom) as ``view`` sees them onto ``target``.

    A QPaintDevice (QImage, QPdfWriter) gets its own painter; a QPainter is used as it is,
    with its state restored afterwards. ``opacities=False`` draws every layer opaque (the
    caller fades the result as a whole); ``labels=False`` leaves out the labels and the
    layers' overlays (the caller draws them over everything it composes). With ``clip`` (view
    pixels) only that rectangle is drawn, the rest of ``target`` is left as it is; layers see
    the clip (``painted_extent``) and skip what falls outside.
    """
    layers = [layer for layer in layers if layer.visible and layer.opacity > 0]
    painter = target if isinstance(target, QPainter) else QPainter(target)
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        area = QRectF(0, 0, view.width, view.height)
        if clip is not None:
            area = area.intersected(clip)
        if background:
            painter.fillRect(area, QColor(background))
        painter.setClipRect(area)
        for layer in layers:
            painter.save()
            if opacities:
                painter.setOpacity(layer.opacity)
            layer.paint(painter, view)
            painter.restore()
        if labels:  # without labels (MapRenderer's runs) the caller adds overlays too
            _paint_overlays(painter, view, layers, opacities)
            _draw_labels(painter, view,
                         [label for layer in layers for label in layer.labels(view)])
    finally:
        painter.restore()
        if painter is not target:
            painter.end()


def render_image(layers: Iterable[MapLayer], view: MapView, device_pixel_ratio: float = 1.0,
                 background: str | None = BACKGROUND) -> QImage:
    """A new image of ``view`` (its size in logical pixels times ``device_pixel_ratio``)."""
    image = _new_image(view, device_pixel_ratio)
    render_map(layers, view, image, background)
    return image


class _RunImage(NamedTuple):
    revisions: tuple[int, ...]  # of the run's layers, when the image was last brought up to date
    image: QImage


class MapRenderer:
    """Renders layers into one image for a screen, and draws frames of it while the view moves.

    The layers are cut into runs: a layer that changes on its own (``cache_separately``:
    tiles arriving, a track replay) is a run by itself, the layers between such layers form
    one run. Each run is kept as an image with the view and the revisions it shows, so a new
    tile redraws only the basemap's image, and switching or fading a layer that has its own
    image only composes the images again. When the layers of a run changed only inside known
    map extents (``MapLayer.damage_since``: an edited grid), only that part of the run's image
    is drawn again. Labels of all layers are placed last, over all.

    ``frame`` draws the last image for another view (shifted while dragging, scaled while
    zooming) until the caller asks for a new ``render``: the canvas and benchmarks/render.py
    both draw through this class, so the benchmark measures what the screen does.
    """

    def __init__(self, background: str | None = BACKGROUND):
        self.background = background
        self.image: QImage | None = None  # the last render
        self.image_view: MapView | None = None
        # (view, ratio, ((layer, opacity baked in or None), ...)) -> the run's image
        self._runs: dict[tuple, _RunImage] = {}
        self._sprites = LabelSprites()

    def render(self, layers: Iterable[MapLayer], view: MapView,
               device_pixel_ratio: float = 1.0) -> QImage:
        """The image of ``view`` (reusing unchanged runs) and keep it for ``frame``."""
        layers = [layer for layer in layers if layer.visible and layer.opacity > 0]
        kept: dict[tuple, _RunImage] = {}
        image = _new_image(view, device_pixel_ratio)
        painter = QPainter(image)
        try:
            if self.background:
                painter.fillRect(QRectF(0, 0, view.width, view.height), QColor(self.background))
            for run in _runs(layers):
                alone = len(run) == 1 and run[0].cache_separately
                key = (view, device_pixel_ratio,
                       tuple((layer, None if alone else layer.opacity) for layer in run))
                kept[key] = self._run_image(run, view, device_pixel_ratio, alone,
                                            self._runs.get(key))
                # a shared image bakes its layers' opacities in; an own image is faded here
                painter.setOpacity(run[0].opacity if alone else 1.0)
                painter.drawImage(QPointF(0, 0), kept[key].image)
            painter.setOpacity(1.0)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            _paint_overlays(painter, view, layers)
            if self._sprites.device_pixel_ratio != device_pixel_ratio:
                self._sprites = LabelSprites(device_pixel_ratio)
            _draw_labels(painter, view, [label for layer in layers
                                         for label in layer.labels(view)], self._sprites)
        finally:
            painter.end()
        self._runs = kept  # images of runs no longer shown are dropped
        self.image, self.image_view = image, view
        return image

    @staticmethod
    def _run_image(run: list[MapLayer], view: MapView, device_pixel_ratio: float, alone: bool,
                   cached: _RunImage | None) -> _RunImage:
        """The run's image as its layers are now: ``cached`` as it is, ``cached`` redrawn
        where its layers changed, or a new image."""
        revisions = tuple(layer.revision for layer in run)
        if cached is not None and cached.revisions == revisions:
            return cached
        damage = (_damaged_rect(run, cached.revisions, view, device_pixel_ratio)
                  if cached is not None else None)
        if damage is None:
            run_image = _new_image(view, device_pixel_ratio)
            render_map(run, view, run_image, background=None, labels=False,
                       opacities=not alone)
            return _RunImage(revisions, run_image)
        if not damage.isEmpty():  # damage outside the view changes no pixel
            _clear(cached.image, damage)
            render_map(run, view, cached.image, background=None, labels=False,
                       opacities=not alone, clip=damage)
        return _RunImage(revisions, cached.image)

    def frame(self, painter: QPainter, view: MapView, offset: QPointF | None = None) -> bool:
        """Draw the last rendered image as ``view`` would show it, moved by ``offset`` pixels;
        parts it does not cover get the background. Returns False when nothing was rendered."""
        if self.image is None or self.image_view is None:
            return False
        shown = self.image_view
        dx, dy = (offset.x(), offset.y()) if offset is not None else (0.0, 0.0)
        if shown == view:
            target = QRectF(dx, dy, view.width, view.height)
        else:  # where the rendered extent falls in this view
            xmin, ymin, xmax, ymax = shown.extent
            left, top = view.to_pixel(xmin, ymax)
            right, bottom = view.to_pixel(xmax, ymin)
            target = QRectF(left + dx, top + dy, right - left, bottom - top)
        whole = QRectF(0, 0, view.width, view.height)
        if self.background and not target.contains(whole):
            painter.fillRect(whole, QColor(self.background))
        if target.size() == QRectF(0, 0, shown.width, shown.height).size():
            painter.drawImage(target.topLeft(), self.image)
        else:
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self.image)
            painter.restore()
        return True

    def clear(self) -> None:
        """Forget every image (the next render draws all layers)."""
        self.image = self.image_view = None
        self._runs.clear()


def _paint_overlays(painter: QPainter, view: MapView, layers: list[MapLayer],
                    opacities: bool = True) -> None:
    """Each layer's marks that go above all layers (see MapLayer.paint_overlay)."""
    for layer in layers:
        painter.save()
        if opacities:
            painter.setOpacity(layer.opacity)
        layer.paint_overlay(painter, view)
        painter.restore()


def _damaged_rect(run: list[MapLayer], revisions: tuple[int, ...], view: MapView,
                  device_pixel_ratio: float) -> QRectF | None:
    """The pixels of ``view`` to draw again for what the run's layers changed since
    ``revisions``: their damaged map extents, grown by DAMAGE_MARGIN_PX and widened to whole
    device pixels (so the clip cuts no pixel in two), within the view; empty when all the
    damage lies outside the view; None when some layer changed anywhere."""
    damages = []
    for layer, revision in zip(run, revisions):
        if layer.revision != revision:
            damage = layer.damage_since(revision)
            if damage is None:
                return None
            damages.append(damage)
    xmin = min(d[0] for d in damages)
    ymin = min(d[1] for d in damages)
    xmax = max(d[2] for d in damages)
    ymax = max(d[3] for d in damages)
    left, top = view.to_pixel(xmin, ymax)
    right, bottom = view.to_pixel(xmax, ymin)
    ratio = device_pixel_ratio
    left = max(math.floor((left - DAMAGE_MARGIN_PX) * ratio), 0) / ratio
    top = max(math.floor((top - DAMAGE_MARGIN_PX) * ratio), 0) / ratio
    right = min(math.ceil((right + DAMAGE_MARGIN_PX) * ratio),
                round(view.width * ratio)) / ratio
    bottom = min(math.ceil((bottom + DAMAGE_MARGIN_PX) * ratio),
                 round(view.height * ratio)) / ratio
    if right <= left or bottom <= top:
        return QRectF()
    return QRectF(left, top, right - left, bottom - top)


def _clear(image: QImage, rect: QRectF) -> None:
    """Make ``rect`` of ``image`` transparent again, as a new run image is."""
    painter = QPainter(image)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
    painter.fillRect(rect, Qt.GlobalColor.transparent)
    painter.end()


def _runs(layers: list[MapLayer]) -> list[list[MapLayer]]:
    """Consecutive layers grouped; a ``cache_separately`` layer is a group of its own."""
    runs: list[list[MapLayer]] = []
    for layer in layers:
        if layer.cache_separately or not runs or runs[-1][-1].cache_separately:
            runs.append([layer])
        else:
            runs[-1].append(layer)
    return runs


def _new_image(view: MapView, device_pixel_ratio: float) -> QImage:
    image = QImage(round(view.width * device_pixel_ratio), round(view.height * device_pixel_ratio),
                   QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(device_pixel_ratio)
    image.fill(Qt.GlobalColor.transparent)
    return image


def _draw_labels(painter: QPainter, view: MapView, labels: list[Label],
                 sprites: "LabelSprites | None" = None) -> None:
    """Greedy placement, as map labelling engines begin: highest priority first, no overlaps.

    With ``sprites`` each label is drawn as a cached image of its text and halo (a screen
    render: stroking glyph outlines for the halo costs ~1 ms a label); without, as paths
    (a PDF keeps vector text)."""
    placed = _Occupied()
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
        if not bounds.contains(rect) or placed.overlaps(rect):
            continue
        placed.add(rect)
        left, top = label.x - width / 2, label.y - metrics.height() / 2
        if sprites is not None:
            sprite = sprites.get(label, font, metrics, width)
            painter.drawImage(QPointF(round(left) - _HALO_MARGIN, round(top) - _HALO_MARGIN),
                              sprite)
            continue
        path = QPainterPath()
        path.addText(QPointF(left, top + metrics.ascent()), font, label.text)
        _paint_label_path(painter, path, label.color)


_HALO_MARGIN = 3  # pixels around a label's text for its halo


class _Occupied:
    """The rectangles of the labels placed so far, filed by the cells of a coarse pixel grid
    they cover: a new label is checked against its neighbours only, not against all of them
    (hundreds at a street zoom)."""

    def __init__(self, cell: float = 64.0):
        self.cell = cell
        self._cells: dict[tuple[int, int], list[QRectF]] = {}

    def _keys(self, rect: QRectF):
        c = self.cell
        for i in range(math.floor(rect.left() / c), math.floor(rect.right() / c) + 1):
            for j in range(math.floor(rect.top() / c), math.floor(rect.bottom() / c) + 1):
                yield i, j

    def overlaps(self, rect: QRectF) -> bool:
        return any(rect.intersects(other) for key in self._keys(rect)
                   for other in self._cells.get(key, ()))

    def add(self, rect: QRectF) -> None:
        for key in self._keys(rect):
            self._cells.setdefault(key, []).append(rect)


def _paint_label_path(painter: QPainter, path: QPainterPath, color: str) -> None:
    painter.strokePath(path, QPen(_LABEL_HALO, 3.0, Qt.PenStyle.SolidLine,
                                  Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    painter.fillPath(path, QColor(color))


class LabelSprites:
    """Images of label texts with their halos, made once per text, font, colour and pixel
    ratio (as Qt caches glyphs); a map shows the same few hundred names again and again."""

    def __init__(self, device_pixel_ratio: float = 1.0, capacity: int = 4000):
        self.device_pixel_ratio = device_pixel_ratio
        self.capacity = capacity
        self._images: dict[tuple, QImage] = {}

    def get(self, label: Label, font: QFont, metrics: QFontMetricsF, width: float) -> QImage:
        key = (label.text, font.key(), label.color)
        image = self._images.get(key)
        if image is None:
            if len(self._images) >= self.capacity:
                self._images.clear()
            ratio = self.device_pixel_ratio
            size_w = width + 2 * _HALO_MARGIN + 1
            size_h = metrics.height() + 2 * _HALO_MARGIN + 1
            image = QImage(round(size_w * ratio), round(size_h * ratio),
                           QImage.Format.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(ratio)
            image.fill(Qt.GlobalColor.transparent)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            path = QPainterPath()
            path.addText(QPointF(_HALO_MARGIN, _HALO_MARGIN + metrics.ascent()), font,
                         label.text)
            _paint_label_path(painter, path, label.color)
            painter.end()
            self._images[key] = image
        return image
