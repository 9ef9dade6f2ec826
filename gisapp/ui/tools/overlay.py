"""SketchOverlay: a transparent widget over the canvas on which the active edit tool draws its
gesture (rubber band, dragged edges, snapping marker), so the map itself is not rendered
again at every mouse move. It lets every mouse event through to the canvas below."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget


class SketchOverlay(QWidget):
    def __init__(self, canvas: QWidget):
        super().__init__(canvas)
        self.canvas = canvas
        self.tool = None
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setGeometry(canvas.rect())
        canvas.installEventFilter(self)
        canvas.view_changed.connect(lambda _view: self.update())
        self.raise_()
        self.show()

    def set_tool(self, tool) -> None:
        """Draw the sketch of ``tool`` (None, or a tool without a sketch: nothing)."""
        if self.tool is not None and hasattr(self.tool, "sketch_changed"):
            self.tool.sketch_changed.disconnect(self.update)
        self.tool = tool if hasattr(tool, "paint_sketch") else None
        if self.tool is not None:
            self.tool.sketch_changed.connect(self.update)
        self.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.canvas and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.canvas.rect())
            self.raise_()
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.tool is None:
            return
        painter = QPainter(self)
        try:
            self.tool.paint_sketch(painter, self.canvas.view)
        finally:
            painter.end()
