"""MapCanvas: shows layers through a MapView; drag pans, the wheel zooms about the cursor,
Shift + drag (or the zoom-box mode) zooms to a box; a scale bar and a north arrow sit on top.

Drawing goes through gisapp.layers.render.MapRenderer, as benchmarks/render.py does: the map
is rendered into an image only when the view or a layer changed, and only the layers that
changed are drawn again. While the mouse drags, the image is drawn shifted (no rendering),
and rendered anew on release. When a render takes long (a month of tracks), wheel zooming
shows the image scaled at once and renders once the wheel has rested for SETTLE_MS.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QResizeEvent,
                           QWheelEvent)
from PySide6.QtWidgets import QRubberBand, QWidget
from pyproj import Transformer

from gisapp.layers.base import MapLayer
from gisapp.layers.basemap import TileLayer
from gisapp.layers.decorations import paint_attribution, paint_north_arrow, paint_scale_bar
from gisapp.layers.render import MapRenderer, render_image
from gisapp.layers.view import Extent, MapView, map_to_lonlat, union_extent

WHEEL_ZOOM = 1.25  # per wheel notch (120 eighths of a degree)
SETTLE_MS = 180  # after the last wheel notch, render the new view
SLOW_RENDER_S = 0.05  # renders slower than this are deferred while the wheel turns
MIN_BOX_PX = 5  # a smaller box zoom is taken as a click


class MapCanvas(QWidget):
    cursor_moved = Signal(float, float)  # lon, lat (WGS-84 degrees) under the mouse
    cursor_left = Signal()
    view_changed = Signal(object)  # the new MapView
    map_rendered = Signal()  # a new image of the map was drawn (tests and screenshots wait on it)
    layers_changed = Signal(list)  # the layers, bottom first, after set_layers

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.WheelFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(200, 150)
        self._layers: list[MapLayer] = []
        self._view = MapView(0.0, 0.0, 1.0, max(self.width(), 1), max(self.height(), 1))
        self._fit_extent: Extent | None = None  # kept fitted on resize until the user moves
        self.renderer = MapRenderer()
        self._stale = True  # a layer changed since the last render
        self.last_render_s = 0.0
        self._drag_origin: QPointF | None = None
        self._drag_offset = QPointF()
        self._box_origin: QPoint | None = None
        self._box_band: QRubberBand | None = None
        self._box_armed = False  # the next left drag is a box zoom (the zoom-box action)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.update)
        self._scale_bar_visible = True
        self._north_arrow_visible = True
        self._metric_crs: str | None = None
        self._to_metric: Transformer | None = None

    # ---- layers and view -------------------------------------------------------------------
    @property
    def layers(self) -> list[MapLayer]:
        """Bottom first."""
        return list(self._layers)

    def set_layers(self, layers: list[MapLayer]) -> None:
        if list(layers) == self._layers:
            return
        for layer in self._layers:
            layer.remove_listener(self._layer_changed)
        self._layers = list(layers)
        for layer in self._layers:
            layer.add_listener(self._layer_changed)
        self.refresh()
        self.layers_changed.emit(list(self._layers))

    @property
    def view(self) -> MapView:
        return self._view

    def set_view(self, view: MapView) -> None:
        self._fit_extent = None
        self._set_view(view.resized(self.width(), self.height()))

    def zoom_to(self, extent: Extent | None) -> None:
        """Show all of ``extent`` (map metres); it stays fitted as the canvas is resized."""
        if extent is None:
            return
        self._fit_extent = extent
        self._set_view(MapView.fit(extent, self.width(), self.height()))

    def zoom_to_layer(self, layer: MapLayer) -> None:
        self.zoom_to(layer.extent())

    def zoom_to_box(self, rect: QRectF) -> None:
        """Show the map under the pixel rectangle ``rect``: its tighter side fills the canvas
        exactly, the other side shows more, centred."""
        rect = rect.normalized()
        xmin, ymax = self._view.to_map(rect.left(), rect.top())
        xmax, ymin = self._view.to_map(rect.right(), rect.bottom())
        self._fit_extent = None
        self._set_view(MapView.fit((xmin, ymin, xmax, ymax), self.width(), self.height(),
                                   margin=0.0))

    def arm_box_zoom(self) -> None:
        """Make the next left drag a box zoom (Shift + drag always is one)."""
        self._box_armed = True
        self.setCursor(Qt.CursorShape.CrossCursor)

    def full_extent(self) -> Extent | None:
        return union_extent(layer.extent() for layer in self._layers
                            if not isinstance(layer, TileLayer))

    def refresh(self) -> None:
        """Render anew at the next paint (after a layer or the view changed)."""
        self._stale = True
        self.update()

    def render_map_image(self) -> QImage:
        """The map as this canvas shows it now, rendered into a new image (no decorations)."""
        return render_image(self._layers, self._view, self.devicePixelRatioF())

    def _set_view(self, view: MapView) -> None:
        if view != self._view:
            self._view = view
            self.update()
            self.view_changed.emit(view)

    def _layer_changed(self, _layer: MapLayer) -> None:
        self.refresh()

    # ---- decorations and coordinates -------------------------------------------------------
    @property
    def scale_bar_visible(self) -> bool:
        return self._scale_bar_visible

    def set_scale_bar_visible(self, visible: bool) -> None:
        self._scale_bar_visible = bool(visible)
        self.update()

    @property
    def north_arrow_visible(self) -> bool:
        return self._north_arrow_visible

    def set_north_arrow_visible(self, visible: bool) -> None:
        self._north_arrow_visible = bool(visible)
        self.update()

    @property
    def metric_crs(self) -> str | None:
        """The project's metric CRS (e.g. EPSG:4547), in which the cursor is also reported."""
        return self._metric_crs

    def set_metric_crs(self, crs: str | None) -> None:
        self._metric_crs = crs
        self._to_metric = Transformer.from_crs("EPSG:4326", crs, always_xy=True) if crs else None

    def metric_position(self, lon: float, lat: float) -> tuple[float, float] | None:
        """(easting, northing) in metres in the metric CRS, or None without one."""
        if self._to_metric is None:
            return None
        x, y = self._to_metric.transform(lon, lat)
        return float(x), float(y)

    # ---- painting --------------------------------------------------------------------------
    def _interacting(self) -> bool:
        return self._drag_origin is not None or self._settle.isActive()

    def paintEvent(self, event: QPaintEvent) -> None:
        renderer = self.renderer
        rendered = False
        if (self._stale or renderer.image_view != self._view) and not self._interacting():
            start = time.perf_counter()
            renderer.render(self._layers, self._view, self.devicePixelRatioF())
            self.last_render_s = time.perf_counter() - start
            self._stale = False
            rendered = True
        painter = QPainter(self)
        if not renderer.frame(painter, self._view, self._drag_offset):
            painter.fillRect(self.rect(), Qt.GlobalColor.white)
        self.paint_decorations(painter, self._view)
        painter.end()
        if rendered:
            self.map_rendered.emit()

    def paint_decorations(self, painter: QPainter, view: MapView) -> None:
        """Scale bar, north arrow and the basemaps' credits over the map."""
        if self._scale_bar_visible and self._layers:
            paint_scale_bar(painter, view)
        if self._north_arrow_visible and self._layers:
            paint_north_arrow(painter, view)
        paint_attribution(painter, view, [layer.attribution for layer in self._layers
                                          if isinstance(layer, TileLayer) and layer.visible
                                          and layer.opacity > 0])

    def resizeEvent(self, event: QResizeEvent) -> None:
        size = event.size()
        if self._fit_extent is not None:
            self._set_view(MapView.fit(self._fit_extent, size.width(), size.height()))
        else:
            self._set_view(self._view.resized(size.width(), size.height()))
        super().resizeEvent(event)

    # ---- mouse -----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        if self._box_armed or event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._box_origin = event.position().toPoint()
            if self._box_band is None:
                self._box_band = QRubberBand(QRubberBand.Shape.Rectangle, self)
            self._box_band.setGeometry(QRect(self._box_origin, self._box_origin))
            self._box_band.show()
        else:
            self._drag_origin = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        if self._box_origin is not None and self._box_band is not None:
            self._box_band.setGeometry(QRect(self._box_origin, position.toPoint()).normalized())
        elif self._drag_origin is not None:
            self._drag_offset = position - self._drag_origin
            self.update()  # draw the cached image shifted; no rendering while dragging
        # during a drag the cursor stays on the same map point, so report the view's own
        x, y = self._view.to_map(position.x() - self._drag_offset.x(),
                                 position.y() - self._drag_offset.y())
        lon, lat = map_to_lonlat(x, y)
        self.cursor_moved.emit(float(lon), float(lat))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        if self._box_origin is not None:
            rect = QRectF(QPointF(self._box_origin), event.position()).normalized()
            self._end_box()
            if rect.width() >= MIN_BOX_PX and rect.height() >= MIN_BOX_PX:
                self.zoom_to_box(rect)
        elif self._drag_origin is not None:
            offset = event.position() - self._drag_origin
            self._drag_origin = None
            self._drag_offset = QPointF()
            self.unsetCursor()
            if not offset.isNull():
                self._fit_extent = None
                self._set_view(self._view.panned(offset.x(), offset.y()))
            else:
                self.update()
        event.accept()

    def _end_box(self) -> None:
        self._box_origin = None
        self._box_armed = False
        if self._box_band is not None:
            self._box_band.hide()
        self.unsetCursor()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and (self._box_origin is not None
                                                 or self._box_armed):
            self._end_box()
            event.accept()
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120
        if not notches or self._drag_origin is not None:
            event.ignore()
            return
        position = event.position()
        self._fit_extent = None
        if self.last_render_s > SLOW_RENDER_S:
            self._settle.start()  # show the image scaled now, render when the wheel rests
        self._set_view(self._view.zoomed(WHEEL_ZOOM ** notches, position.x(), position.y()))
        event.accept()

    def leaveEvent(self, event) -> None:
        self.cursor_left.emit()
        super().leaveEvent(event)
