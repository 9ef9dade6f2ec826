"""MapTool: one gesture on the map; MapEvent: a mouse event in map and pixel coordinates;
ToolController: hands the canvas's mouse events to the active tool.

A tool's metadata (id, text, tooltip, shortcut, cursor) is class data, and ``@register_tool``
lists the class in TOOLS, so the toolbar is built from the table (glue's tool registry).
A tool turns MapEvents into a point or a box, asks one question of the project's
FeatureIndex, and reports the outcome through a signal; it never writes tables.

The controller watches the canvas through an event filter, so the canvas needs no knowledge
of tools: a press a tool takes is not seen by the canvas (no pan starts), and everything a
tool leaves alone (drag with the pan tool, the wheel, the cursor position) reaches the canvas
as before. Tests drive tools with plain MapEvents, and the controller with real mouse events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QHelpEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from gisapp.i18n import _
from gisapp.layers.view import MapView

CLICK_TOLERANCE_PX = 4  # a press and release closer than this is a click, not a drag
PICK_TOLERANCE_PX = 7  # how near a click must be to a point feature to hit it


@dataclass(frozen=True)
class MapEvent:
    """A mouse event on the map: map metres (x, y), pixels (px, py) in ``view``."""

    x: float
    y: float
    px: float
    py: float
    view: MapView
    button: Qt.MouseButton = Qt.MouseButton.LeftButton
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier

    @classmethod
    def at_pixel(cls, view: MapView, px: float, py: float,
                 button: Qt.MouseButton = Qt.MouseButton.LeftButton,
                 modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> MapEvent:
        x, y = view.to_map(px, py)
        return cls(float(x), float(y), float(px), float(py), view, button, modifiers)

    @property
    def shift(self) -> bool:
        return bool(self.modifiers & Qt.KeyboardModifier.ShiftModifier)

    def pixel_distance(self, other: MapEvent) -> float:
        return max(abs(self.px - other.px), abs(self.py - other.py))


TOOLS: dict[str, type[MapTool]] = {}


def register_tool(cls: type[MapTool]) -> type[MapTool]:
    """List a tool class in TOOLS under its ``tool_id``."""
    if not cls.tool_id or cls.tool_id in TOOLS:
        raise ValueError(f"tool id {cls.tool_id!r} missing or taken")
    TOOLS[cls.tool_id] = cls
    return cls


class MapTool(QObject):
    """Base of map tools. ``press``/``move``/``release`` return True when the tool took the
    event (the canvas then does not see it)."""

    tool_id: ClassVar[str] = ""
    text: ClassVar[str] = ""  # marked with N_(), translated when the action is made
    tooltip: ClassVar[str] = ""
    shortcut: ClassVar[str] = ""
    cursor: ClassVar[Qt.CursorShape] = Qt.CursorShape.ArrowCursor

    message = Signal(str)  # what the gesture did, for the status bar

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.widget: QWidget | None = None

    def activate(self, widget: QWidget | None) -> None:
        self.widget = widget

    def deactivate(self) -> None:
        self.widget = None

    def press(self, event: MapEvent) -> bool:
        return False

    def move(self, event: MapEvent) -> bool:
        return False

    def release(self, event: MapEvent) -> bool:
        return False

    def double_click(self, event: MapEvent) -> bool:
        """A double click (it comes instead of the second press); False leaves it to the
        canvas."""
        return False

    def key(self, key: int) -> bool:
        return False

    def tooltip_at(self, event: MapEvent) -> str | None:
        """A text to show when the mouse rests at the event's place."""
        return None


class ToolController(QObject):
    """The active tool of one canvas, and the exclusive, checkable actions that choose it."""

    tool_changed = Signal(object)  # the new MapTool

    def __init__(self, canvas: QWidget, parent: QObject | None = None):
        super().__init__(parent)
        self.canvas = canvas
        self.tools: dict[str, MapTool] = {}
        self.actions: dict[str, QAction] = {}
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.active: MapTool | None = None
        self.tooltip_source = None  # callable(MapEvent) -> str | None, asked after the tool
        canvas.installEventFilter(self)

    def add(self, tool: MapTool) -> QAction:
        """Add a tool and make its action (text, tooltip and shortcut from the class)."""
        self.tools[tool.tool_id] = tool
        action = QAction(_(tool.text), self)
        action.setObjectName(f"tool_{tool.tool_id}")
        action.setCheckable(True)
        tip = _(tool.tooltip) if tool.tooltip else _(tool.text)
        if tool.shortcut:
            action.setShortcut(QKeySequence(tool.shortcut))
            tip = f"{tip} ({tool.shortcut})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False, t=tool.tool_id: self.activate(t))
        self.group.addAction(action)
        self.actions[tool.tool_id] = action
        return action

    def activate(self, tool_id: str) -> None:
        tool = self.tools[tool_id]
        if tool is self.active:
            return
        if self.active is not None:
            self.active.deactivate()
        self.active = tool
        tool.activate(self.canvas)
        self.canvas.setCursor(tool.cursor)
        self.actions[tool_id].setChecked(True)
        self.tool_changed.emit(tool)

    # ---- events ----------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.canvas or self.active is None:
            return False
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                    QEvent.Type.MouseButtonRelease):
            return self._mouse(kind, event)
        if kind == QEvent.Type.MouseButtonDblClick and isinstance(event, QMouseEvent):
            position = event.position()
            return self.active.double_click(MapEvent.at_pixel(
                self.canvas.view, position.x(), position.y(), event.button(),
                event.modifiers()))
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            return self.active.key(event.key())
        if kind == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            return self._tooltip(event)
        return False

    def _mouse(self, kind: QEvent.Type, event: QMouseEvent) -> bool:
        position = event.position()
        map_event = MapEvent.at_pixel(self.canvas.view, position.x(), position.y(),
                                      event.button(), event.modifiers())
        tool = self.active
        if kind == QEvent.Type.MouseButtonPress:
            return tool.press(map_event)
        if kind == QEvent.Type.MouseButtonRelease:
            taken = tool.release(map_event)
            if not taken:  # the canvas resets the cursor after its own drag: restore ours
                QTimer.singleShot(0, lambda t=tool: self.active is t and
                                  self.canvas.setCursor(t.cursor))
            return taken
        tool.move(map_event)
        return False  # the canvas still reports the cursor position

    def _tooltip(self, event: QHelpEvent) -> bool:
        position = QPointF(event.pos())
        map_event = MapEvent.at_pixel(self.canvas.view, position.x(), position.y())
        text = self.active.tooltip_at(map_event)
        if text is None and self.tooltip_source is not None:
            text = self.tooltip_source(map_event)
        if text:
            QToolTip.showText(event.globalPos(), text, self.canvas)
        else:
            QToolTip.hideText()
            event.ignore()
        return True
