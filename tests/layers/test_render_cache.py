"""MapRenderer: runs of layers kept as images, redrawn only when they change; frames of the
last image for a moved or zoomed view; style states and their JSON in the project."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage, QPainter

from gisapp.layers import decorations, project_layers
from gisapp.layers.base import MapLayer
from gisapp.layers.project_layers import apply_layer_styles, layer_styles
from gisapp.layers.render import BACKGROUND, MapRenderer
from gisapp.layers.view import MapView
from tests.layers.pixels import count, near, rgb

VIEW = MapView(0.0, 0.0, 1.0, 100, 80)


class Square(MapLayer):
    """Fills the map square [x0, x1] x [y0, y1] (map metres) and counts its paints."""

    def __init__(self, name, color, box=(-20, -20, 20, 20), alone=False):
        super().__init__(name)
        self.color, self.box, self.paints = color, box, 0
        self.cache_separately = alone

    def paint(self, painter, view):
        self.paints += 1
        x0, y0, x1, y1 = self.box
        left, top = view.to_pixel(x0, y1)
        right, bottom = view.to_pixel(x1, y0)
        painter.fillRect(int(left), int(top), int(right - left), int(bottom - top),
                         QColor(self.color))


def frame(renderer: MapRenderer, view: MapView, offset=None) -> np.ndarray:
    image = QImage(view.width, view.height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.frame(painter, view, offset)
    painter.end()
    return rgb(image)


def test_only_changed_runs_are_drawn_again(qapp):
    base, tiles, top = (Square("base", "#ff0000"), Square("tiles", "#00ff00", alone=True),
                        Square("top", "#0000ff", (-5, -5, 5, 5)))
    renderer = MapRenderer()
    layers = [tiles, base, top]  # tiles alone, then one run of base + top
    pixels = rgb(renderer.render(layers, VIEW))
    assert near(pixels[40, 50], "#0000ff") and near(pixels[40, 35], "#ff0000")
    assert [l.paints for l in layers] == [1, 1, 1]
    renderer.render(layers, VIEW)  # nothing changed: nothing drawn
    assert [l.paints for l in layers] == [1, 1, 1]
    tiles.changed()  # e.g. a tile arrived: only the tile layer is drawn again
    renderer.render(layers, VIEW)
    assert [l.paints for l in layers] == [2, 1, 1]
    top.opacity = 0.5  # inside a shared run: that run is drawn again
    renderer.render(layers, VIEW)
    assert [l.paints for l in layers] == [2, 2, 2]
    tiles.opacity = 0.0  # an invisible layer is not drawn at all
    pixels = rgb(renderer.render(layers, VIEW))
    assert [l.paints for l in layers] == [2, 2, 2]
    assert near(pixels[5, 5], BACKGROUND)
    renderer.render(layers, VIEW.panned(3, 0))  # a new view draws everything shown
    assert [l.paints for l in layers] == [2, 3, 3]


def test_a_frame_shifts_or_scales_the_last_image(qapp):
    renderer = MapRenderer()
    renderer.render([Square("s", "#ff0000", (-10, -10, 10, 10))], VIEW)
    # shifted by an offset: the square's left edge moves from pixel 40 to 60
    pixels = frame(renderer, VIEW, QPointF(20, 0))
    assert near(pixels[40, 61], "#ff0000") and near(pixels[40, 58], BACKGROUND)
    assert near(pixels[40, 5], BACKGROUND)  # uncovered: background, not stale pixels
    # a view zoomed in 2x about the centre: the 20 px square appears 40 px wide
    pixels = frame(renderer, VIEW.zoomed(2.0, 50, 40))
    assert count(pixels, "#ff0000", 8) == pytest.approx(40 * 40, rel=0.1)
    # without a render, nothing to draw
    empty = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(empty)
    assert MapRenderer().frame(painter, VIEW) is False
    painter.end()


def test_styles_json_round_trip():
    a, b, c = MapLayer("A", key="a"), MapLayer("B", key="b"), MapLayer("C", key="c")
    basemap = MapLayer("OSM", key="basemap:osm")
    b.visible, c.opacity = False, 0.25
    text = layer_styles([basemap, a, b, c])
    assert "basemap:osm" not in text  # basemaps belong to the workstation, not the project
    fresh = [MapLayer("A", key="a"), MapLayer("B", key="b"), MapLayer("C", key="c"),
             MapLayer("D", key="d")]
    reordered = apply_layer_styles([fresh[2], fresh[3], fresh[0], fresh[1]], text)
    assert [l.key for l in reordered] == ["a", "d", "b", "c"]
    assert (fresh[1].visible, fresh[2].opacity) == (False, 0.25)
    assert apply_layer_styles(fresh, "{not json") == fresh
    assert apply_layer_styles(fresh, '{"layers": {"a": {"opacity": "x"}}}') == fresh
    assert fresh[0].opacity == 1.0


@pytest.mark.parametrize("module", [decorations, project_layers])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0
