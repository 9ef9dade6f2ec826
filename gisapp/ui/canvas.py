"""MapCanvas: shows layers through a MapView; drag pans, the wheel zooms about the cursor.

The map is rendered into a cached image only when the view or a layer changes; during a drag
the cached image is just drawn shifted, and rendered anew once the button is released.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import (QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QResizeEvent,
                           QWheelEvent)
from PySide6.QtWidgets import QWidget

from gisapp.layers.base import MapLayer
from gisapp.layers.render import BACKGROUND, render_image
from gisapp.layers.view import Extent, MapView, map_to_lonlat, union_extent

WHEEL_ZOOM = 1.25  # per wheel notch (120 eighths of a degree)


class MapCanvas(QWidget):
    cursor_moved = Signal(float, float)  # lon, lat (WGS-84 degrees) under the mouse
    cursor_left = Signal()
    view_changed = Signal(object)  # the new MapView
    map_rendered = Signal()  # a new image of the map was drawn (tests and screenshots wait on it)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.WheelFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(200, 150)
        self._layers: list[MapLayer] = []
        self._view = MapView(0.0, 0.0, 1.0, max(self.width(), 1), max(self.height(), 1))
        self._fit_extent: Extent | None = None  # kept fitted on resize until the user moves
        self._image: QImage | None = None
        self._image_view: MapView | None = None
        self._drag_origin: QPointF | None = None
        self._drag_offset = QPointF()

    # ---- layers and view -------------------------------------------------------------------
    @property
    def layers(self) -> list[MapLayer]:
        """Bottom first."""
        return list(self._layers)

    def set_layers(self, layers: list[MapLayer]) -> None:
        for layer in self._layers:
            layer.remove_listener(self._layer_changed)
        self._layers = list(layers)
        for layer in self._layers:
            layer.add_listener(self._layer_changed)
        self.refresh()

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

    def full_extent(self) -> Extent | None:
        return union_extent(layer.extent() for layer in self._layers)

    def refresh(self) -> None:
        """Render anew at the next paint (after a layer or the view changed)."""
        self._image = None
        self.update()

    def render_map_image(self) -> QImage:
        """The map as this canvas shows it now, rendered into a new image."""
        return render_image(self._layers, self._view, self.devicePixelRatioF())

    def _set_view(self, view: MapView) -> None:
        if view != self._view:
            self._view = view
            self.refresh()
            self.view_changed.emit(view)

    def _layer_changed(self, _layer: MapLayer) -> None:
        self.refresh()

    # ---- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        if self._image is None or self._image_view != self._view:
            self._image = self.render_map_image()
            self._image_view = self._view
            rendered = True
        else:
            rendered = False
        painter = QPainter(self)
        if not self._drag_offset.isNull():
            painter.fillRect(self.rect(), QColor(BACKGROUND))
        painter.drawImage(self._drag_offset, self._image)
        painter.end()
        if rendered:
            self.map_rendered.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        size = event.size()
        if self._fit_extent is not None:
            self._set_view(MapView.fit(self._fit_extent, size.width(), size.height()))
        else:
            self._set_view(self._view.resized(size.width(), size.height()))
        super().resizeEvent(event)

    # ---- mouse -----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_origin = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        if self._drag_origin is not None:
            self._drag_offset = position - self._drag_origin
            self.update()  # blit the cached image shifted; no rendering while dragging
        # during a drag the cursor stays on the same map point, so report the view's own
        x, y = self._view.to_map(position.x() - self._drag_offset.x(),
                                 position.y() - self._drag_offset.y())
        lon, lat = map_to_lonlat(x, y)
        self.cursor_moved.emit(float(lon), float(lat))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drag_origin is not None:
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
        else:
            super().mouseReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120
        if not notches or self._drag_origin is not None:
            event.ignore()
            return
        position = event.position()
        self._fit_extent = None
        self._set_view(self._view.zoomed(WHEEL_ZOOM ** notches, position.x(), position.y()))
        event.accept()

    def leaveEvent(self, event) -> None:
        self.cursor_left.emit()
        super().leaveEvent(event)
