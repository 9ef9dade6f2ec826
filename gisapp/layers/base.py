"""MapLayer: a named, switchable thing drawn on the map, telling its listeners when it changed."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable

from PySide6.QtGui import QPainter

from gisapp.layers.legend import LegendEntry
from gisapp.layers.view import Extent, MapView, union_extent

# how many changes a layer remembers the damage of: enough for every edit between two frames,
# few enough that the union over them is cheap
DAMAGE_LOG = 64


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
    ``paint``; setting ``visible`` or ``opacity`` calls every listener with the layer.

    ``key`` names the layer in saved styles (``name`` is translated, so it cannot).
    ``revision`` grows by one with every ``changed()``, so a renderer may reuse an image of the
    layer while the revision and the view are the same: a subclass calls ``changed()`` whenever
    what ``paint`` draws changes, with the map extent where it changed when it knows it (an
    edited grid), so that a renderer may redraw only there (``damage_since``).
    A layer with ``cache_separately`` is kept in an image of its own because it changes on its
    own (tiles arriving, a track replay) and the layers around it should not be redrawn then.
    """

    cache_separately = False

    def __init__(self, name: str, key: str | None = None):
        self._name = name
        self.key = key or name
        self.revision = 0
        self._damages: deque[tuple[int, Extent | None]] = deque(maxlen=DAMAGE_LOG)
        self._visible = True
        self._opacity = 1.0
        self._listeners: list[Callable[[MapLayer], None]] = []

    # ---- state -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    def rename(self, name: str) -> None:
        if name != self._name:
            self._name = name
            self.changed()

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

    def changed(self, damage: Extent | None = None) -> None:
        """Tell the listeners that what this layer draws (or its name) has changed: only
        inside the map extent ``damage`` (EPSG:3857, as ``extent()``), or anywhere (None)."""
        self.revision += 1
        self._damages.append((self.revision, None if damage is None
                              else tuple(float(v) for v in damage)))
        for callback in list(self._listeners):
            callback(self)

    def damage_since(self, revision: int) -> Extent | None:
        """The map extent holding every change after ``revision`` (an older revision of this
        layer); None when one of them was anywhere, or was too long ago to be remembered.

        An Extent cannot say "nowhere", so nothing after ``revision`` answers None too: a
        caller asks only when the revision moved.

        >>> layer = MapLayer("x")
        >>> layer.changed((0, 0, 10, 10)); layer.changed((20, 5, 30, 40))
        >>> layer.damage_since(0), layer.damage_since(1)
        ((0.0, 0.0, 30.0, 40.0), (20.0, 5.0, 30.0, 40.0))
        >>> layer.visible = False  # visibility, opacity, style: the whole layer
        >>> layer.damage_since(0) is None, layer.damage_since(layer.revision - 1) is None
        (True, True)
        """
        count = self.revision - revision
        if count <= 0 or count > len(self._damages):
            return None
        damages = [damage for _rev, damage in list(self._damages)[-count:]]
        if any(damage is None for damage in damages):
            return None
        return union_extent(damages)

    # ---- styles saved in the project ---------------------------------------------------------
    def style_state(self) -> dict:
        """The user's choices for this layer as JSON-able data (see ``apply_style_state``)."""
        return {"visible": self.visible, "opacity": round(self.opacity, 3)}

    def apply_style_state(self, state: dict) -> None:
        """Take back choices from ``style_state``; unknown or malformed entries are ignored,
        so a project saved by another version still opens."""
        if isinstance(state.get("visible"), bool):
            self.visible = state["visible"]
        if isinstance(state.get("opacity"), (int, float)):
            self.opacity = state["opacity"]

    # ---- drawing ---------------------------------------------------------------------------
    def extent(self) -> Extent | None:
        """The map extent of the layer's data (EPSG:3857), or None when it has none."""
        return None

    def paint(self, painter: QPainter, view: MapView) -> None:
        """Draw onto ``painter``, whose coordinates are ``view``'s pixels."""
        raise NotImplementedError

    def paint_overlay(self, painter: QPainter, view: MapView) -> None:
        """Draw what must stay above every layer (a replay's current positions), after all
        layers have painted and before the labels; nothing unless a subclass has such marks."""

    def labels(self, view: MapView) -> list[Label]:
        """The texts to show in ``view``; none unless a subclass has names to show."""
        return []

    def legend(self) -> list[LegendEntry]:
        """What the layer's symbols mean: its own symbol first, then one entry per class."""
        return []
