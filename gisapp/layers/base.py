"""MapLayer: a named, switchable thing drawn on the map, telling its listeners when it changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtGui import QPainter

from gisapp.layers.view import Extent, MapView


@dataclass(frozen=True)
class Label:
    """A text a layer wants shown at a pixel; render_map places the labels of all layers last,
    highest ``priority`` first, and drops those that would overlap one already placed."""

    x: float  # pixel centre
    y: float
    text: str
    priority: int = 0
    pixel_size: int = 12
    color: str = "#202020"
    bold: bool = False
    max_width: float = float("inf")  # pixels: a label wider than its feature is not shown


class MapLayer:
    """Base of all layers. Subclasses project their data once (in ``__init__``) and draw it in
    ``paint``; setting ``visible`` or ``opacity`` calls every listener with the layer."""

    def __init__(self, name: str):
        self._name = name
        self._visible = True
        self._opacity = 1.0
        self._listeners: list[Callable[[MapLayer], None]] = []

    # ---- state -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def visible(self) -> bool:
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        if bool(value) != self._visible:
            self._visible = bool(value)
            self.changed()

    @property
    def opacity(self) -> float:
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        value = min(max(float(value), 0.0), 1.0)
        if value != self._opacity:
            self._opacity = value
            self.changed()

    # ---- listeners -------------------------------------------------------------------------
    def add_listener(self, callback: Callable[["MapLayer"], None]) -> None:
        if callback not in self._listeners:
            self._listeners.append(callback)

    def remove_listener(self, callback: Callable[["MapLayer"], None]) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def changed(self) -> None:
        """Tell the listeners that what this layer draws has changed."""
        for callback in list(self._listeners):
            callback(self)

    # ---- drawing ---------------------------------------------------------------------------
    def extent(self) -> Extent | None:
        """The map extent of the layer's data (EPSG:3857), or None when it has none."""
        return None

    def paint(self, painter: QPainter, view: MapView) -> None:
        """Draw onto ``painter``, whose coordinates are ``view``'s pixels."""
        raise NotImplementedError

    def labels(self, view: MapView) -> list[Label]:
        """The texts to show in ``view``; none unless a subclass has names to show."""
        return []
