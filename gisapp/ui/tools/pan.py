"""PanTool: drag the map to move it.

The canvas itself pans on a left drag, drawing its cached image shifted while the mouse moves
and rendering once on release; this tool therefore takes no events and leaves them to it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from gisapp.i18n import N_
from gisapp.ui.tools.base import MapEvent, MapTool, register_tool


@register_tool
class PanTool(MapTool):
    tool_id = "pan"
    text = N_("Pan")
    tooltip = N_("Pan: drag the map to move it; the wheel zooms")
    shortcut = "P"
    cursor = Qt.CursorShape.OpenHandCursor

    def press(self, event: MapEvent) -> bool:
        return False  # the canvas's own drag

    def release(self, event: MapEvent) -> bool:
        return False
