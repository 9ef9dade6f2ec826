"""ReshapeTool: edit grid boundaries vertex by vertex, topologically (as QGIS' vertex tool):

* drag a vertex: it moves in every grid that holds it, neighbours and parents alike, so no
  gap or overlap opens between them (MoveVertex: the whole drag is one edit, one undo step);
  the target snaps to the vertices and edges of the other grids;
* Ctrl + click on an edge: a new vertex there, in every grid holding the edge (AddVertex);
* Shift + click on a vertex, or Delete with the mouse over it: the vertex goes from every
  grid holding it (DeleteVertex; a corner where grids meet cannot go);
* the arrow keys nudge the vertex under the mouse by a pixel; the nudges of one vertex in a
  row are one undo step (the stack merges them).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QPainter

from gisapp.edits import AddVertex, DeleteVertex, MoveVertex
from gisapp.i18n import N_, _
from gisapp.layers.sketch import paint_segments, paint_snap_marker, paint_vertex
from gisapp.layers.view import MapView, map_to_lonlat
from gisapp.ui.tools.base import CLICK_TOLERANCE_PX, MapEvent, register_tool
from gisapp.ui.tools.edit_base import EditContext, EditTool, ground_metres, to_pixels
from gisapp.ui.tools.snapping import Snap

EDGE_COLOR = "#00a2ff"
NUDGES = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, 1),
          Qt.Key.Key_Down: (0, -1)}  # map directions: up is north


@register_tool
class ReshapeTool(EditTool):
    tool_id = "reshape"
    text = N_("Reshape Grids")
    tooltip = N_("Reshape grids: drag a vertex (shared vertices move in every grid); "
                 "Ctrl + click an edge adds a vertex, Shift + click (or Delete) removes one")
    shortcut = "V"
    cursor = Qt.CursorShape.PointingHandCursor

    def __init__(self, context: EditContext, parent: QObject | None = None):
        super().__init__(context, parent)
        self.hover: Snap | None = None  # the vertex (or, with Ctrl, edge point) under the mouse
        self.dragged: Snap | None = None  # the vertex being dragged
        self.target: Snap | None = None  # where it would land now
        self._pressed: MapEvent | None = None
        self._star: list[tuple[float, float]] = []
        self._holders: list[str] = []
        self._scale = 1.0  # map metres per pixel at the last mouse event
        self._nudged: tuple | None = None  # (where the nudges began, where the vertex is now)

    def reset(self) -> None:
        self.hover = self.dragged = self.target = None
        self._pressed = None
        self._star, self._holders = [], []
        super().reset()

    # ---- gesture ---------------------------------------------------------------------------
    def press(self, event: MapEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton or self.context.snapper is None:
            return False
        reach = self.reach_m(event)
        if event.modifiers & Qt.KeyboardModifier.ControlModifier:
            edge = self.context.snapper.edge(event.x, event.y, reach)
            if edge is None:
                self.message.emit(_("Ctrl + click on a grid's edge to add a vertex there."))
                return True
            self._push(AddVertex(edge.grid_code, edge.lonlat,
                                 tolerance_m=max(ground_metres(event, 2.0), 1.0)))
            return True
        vertex = self.context.snapper.vertex(event.x, event.y, reach)
        if vertex is None:
            return False  # not on a vertex: the canvas pans
        if event.shift:
            self._push(DeleteVertex(vertex.grid_code, vertex.lonlat))
            return True
        self.dragged, self.target, self._pressed = vertex, vertex, event
        self._holders = self.context.snapper.holders(vertex.lon, vertex.lat)
        self._star = self.context.snapper.star(vertex.lon, vertex.lat)
        self.sketch_changed.emit()
        return True

    def move(self, event: MapEvent) -> bool:
        snapper = self.context.snapper
        self._scale = event.view.scale
        if snapper is None:
            return False
        if self.dragged is not None:
            self.target = self.snap(event, exclude=self._holders)
        elif event.modifiers & Qt.KeyboardModifier.ControlModifier:
            self.hover = snapper.edge(event.x, event.y, self.reach_m(event))
        else:
            self.hover = snapper.vertex(event.x, event.y, self.reach_m(event))
        self.sketch_changed.emit()
        return False

    def release(self, event: MapEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton or self.dragged is None:
            return False
        vertex, pressed = self.dragged, self._pressed
        target = self.snap(event, exclude=self._holders)
        self.dragged = self.target = self._pressed = None
        self._star, self._holders = [], []
        self.sketch_changed.emit()
        if pressed is not None and pressed.pixel_distance(event) <= CLICK_TOLERANCE_PX:
            return True  # a click on a vertex, not a drag
        self._push(MoveVertex(vertex.grid_code, vertex.lonlat, target.lonlat))
        return True

    def key(self, key: int) -> bool:
        if key in NUDGES and self.hover is not None and self.hover.kind == "vertex" \
                and self.dragged is None:
            return self._nudge(*NUDGES[key])
        if key == Qt.Key.Key_Delete and self.hover is not None and self.hover.kind == "vertex":
            self._push(DeleteVertex(self.hover.grid_code, self.hover.lonlat))
            return True
        if key == Qt.Key.Key_Escape and self.dragged is not None:
            self.reset()
            return True
        return False

    def _nudge(self, dx: int, dy: int) -> bool:
        """Move the vertex under the mouse a pixel; a run of nudges is one undo step."""
        vertex = self.hover
        x, y = vertex.x + dx * self._scale, vertex.y + dy * self._scale
        lon, lat = (float(v) for v in map_to_lonlat(x, y))
        start = self._nudged[0] if self._nudged and self._nudged[1] == vertex.lonlat \
            else vertex.lonlat
        if not self.context.push(MoveVertex(vertex.grid_code, vertex.lonlat, (lon, lat)),
                                 merge_key=("nudge", start)):
            return True
        moved = self.context.snapper.vertex(x, y, self._scale)  # the vertex as now stored
        self.hover = moved
        self._nudged = (start, moved.lonlat) if moved is not None else None
        self.sketch_changed.emit()
        return True

    def _push(self, edit) -> bool:
        self.hover = None
        if self.context.push(edit):
            self.message.emit(edit.label)
            self.sketch_changed.emit()
            return True
        self.sketch_changed.emit()
        return False

    # ---- drawing ---------------------------------------------------------------------------
    def paint_sketch(self, painter: QPainter, view: MapView) -> None:
        if self.dragged is not None and self.target is not None:
            (tx, ty), = to_pixels(view, [self.target.lonlat])
            ends = to_pixels(view, self._star)
            paint_segments(painter, [(end, (tx, ty)) for end in ends])
            paint_vertex(painter, tx, ty)
            if self.target.snapped:
                paint_snap_marker(painter, tx, ty, self.target.kind)
        elif self.hover is not None:
            (hx, hy), = to_pixels(view, [self.hover.lonlat])
            if self.hover.kind == "vertex":
                paint_vertex(painter, hx, hy)
            else:
                paint_snap_marker(painter, hx, hy, "edge")
