"""IdentifyTool: click the map to see what is there: the nearest source's attributes, the
grid chain at every level with its responsible persons, and coverage flags nearby."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal

from gisapp.i18n import N_
from gisapp.ui.selection import FeatureIndex
from gisapp.ui.tools.base import (
    CLICK_TOLERANCE_PX,
    PICK_TOLERANCE_PX,
    MapEvent,
    MapTool,
    register_tool,
)


@register_tool
class IdentifyTool(MapTool):
    tool_id = "identify"
    text = N_("Identify")
    tooltip = N_("Identify: click a feature to see its attributes and its grid chain with the "
                 "responsible persons")
    shortcut = "I"
    cursor = Qt.CursorShape.WhatsThisCursor

    identified = Signal(object)  # an IdentifyResult

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.index: FeatureIndex | None = None
        self._pressed: MapEvent | None = None
        self._last: tuple[float, float, float] | None = None  # x, y, tolerance in map metres

    def press(self, event: MapEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton:
            return False
        self._pressed = event
        return True

    def release(self, event: MapEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton or self._pressed is None:
            return False
        pressed, self._pressed = self._pressed, None
        if pressed.pixel_distance(event) <= CLICK_TOLERANCE_PX:
            self.identify_at(event.x, event.y, PICK_TOLERANCE_PX * event.view.scale)
        return True

    def identify_at(self, x: float, y: float, tolerance_m: float) -> None:
        if self.index is None:
            return
        self._last = (x, y, tolerance_m)
        self.identified.emit(self.index.identify(x, y, tolerance_m))

    def repeat(self) -> None:
        """Identify the last point again (after the date of the responsible persons changed)."""
        if self._last is not None:
            self.identify_at(*self._last)
