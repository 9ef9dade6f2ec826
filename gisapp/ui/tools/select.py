"""SelectTool: click a feature or drag a box to select features of the attribute table's
current layer (grids, sources or inspectors); Shift adds to the selection, Escape drops a box."""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QRect, Qt
from PySide6.QtWidgets import QRubberBand

from gisapp.i18n import N_, _
from gisapp.ui.selection import SOURCES, FeatureIndex, Selection
from gisapp.ui.tools.base import (
    CLICK_TOLERANCE_PX,
    PICK_TOLERANCE_PX,
    MapEvent,
    MapTool,
    register_tool,
)


@register_tool
class SelectTool(MapTool):
    tool_id = "select"
    text = N_("Select")
    tooltip = N_("Select: click a feature or drag a box; Shift adds to the selection")
    shortcut = "S"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, selection: Selection, parent: QObject | None = None):
        super().__init__(parent)
        self.selection = selection
        self.index: FeatureIndex | None = None
        self.kind = SOURCES  # which layer a gesture selects in
        self._pressed: MapEvent | None = None
        self._band: QRubberBand | None = None

    def deactivate(self) -> None:
        self._drop_box()
        super().deactivate()

    def press(self, event: MapEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton:
            return False
        self._pressed = event
        return True

    def move(self, event: MapEvent) -> bool:
        if self._pressed is None:
            return False
        if self.widget is not None and self._pressed.pixel_distance(event) > CLICK_TOLERANCE_PX:
            if self._band is None:
                self._band = QRubberBand(QRubberBand.Shape.Rectangle, self.widget)
            start = QPoint(round(self._pressed.px), round(self._pressed.py))
            end = QPoint(round(event.px), round(event.py))
            self._band.setGeometry(QRect(start, end).normalized())
            self._band.show()
        return True

    def release(self, event: MapEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton or self._pressed is None:
            return False
        pressed = self._pressed
        self._drop_box()
        if self.index is None:
            return True
        if pressed.pixel_distance(event) <= CLICK_TOLERANCE_PX:
            ids = self.index.pick(self.kind, event.x, event.y,
                                  PICK_TOLERANCE_PX * event.view.scale)
        else:
            extent = (min(pressed.x, event.x), min(pressed.y, event.y),
                      max(pressed.x, event.x), max(pressed.y, event.y))
            ids = self.index.pick_box(self.kind, extent)
        add = event.shift or pressed.shift
        self.selection.select(self.kind, ids, add=add)
        self.message.emit(_("{count:,} selected").format(
            count=len(self.selection.ids(self.kind))))
        return True

    def key(self, key: int) -> bool:
        if key == Qt.Key.Key_Escape and self._pressed is not None:
            self._drop_box()
            return True
        return False

    def _drop_box(self) -> None:
        self._pressed = None
        if self._band is not None:
            self._band.hide()
            self._band.deleteLater()
            self._band = None
