"""Layers rendered into QImages, with tiny hand-drawn data and exact pixel assertions."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainterPath
from pyproj import Transformer

from gisapp.fixes import Fixes
from gisapp.layers.base import MapLayer
from gisapp.layers.grids import GridLayer
from gisapp.layers.paths import path_from_arrays, polygon_from_arrays, polygon_rings
from gisapp.layers.render import BACKGROUND, render_image
from gisapp.layers.sources import SourceLayer
from gisapp.layers.styles import GRID_STYLES, SOURCE_COLORS, UNKNOWN_SOURCE_COLOR, TrackStyle
from gisapp.layers.tracks import TrackLayer, visible_polyline
from gisapp.layers.view import MapView
from tests.layers.pixels import color, count, near, rgb

TO_MAP = Transformer.from_crs(4326, 3857, always_xy=True)
BOX = (116.30, 39.98, 116.34, 40.02)


def pixel_of(view: MapView, lon: float, lat: float) -> tuple[int, int]:
    x, y = TO_MAP.transform(lon, lat)
    px, py = view.to_pixel(x, y)
    return int(np.floor(px)), int(np.floor(py))


def view_of(box=BOX, width=400, height=400) -> MapView:
    xmin, ymin = TO_MAP.transform(box[0], box[1])
    xmax, ymax = TO_MAP.transform(box[2], box[3])
    return MapView.fit((xmin, ymin, xmax, ymax), width, height)


def grids(*rows) -> gpd.GeoDataFrame:
    """rows: (level, name, (lon0, lat0, lon1, lat1))"""
    return gpd.GeoDataFrame({"level": [r[0] for r in rows], "name": [r[1] for r in rows]},
                            geometry=[shapely.box(*r[2]) for r in rows], crs=4326)


# ---- paths ----------------------------------------------------------------------------------
def test_path_from_arrays_makes_one_subpath_per_start():
    path = path_from_arrays([0, 10, 10, 0, 0, 20, 30, 30], [0, 0, 10, 10, 0, 20, 20, 30], [0, 5])
    elements = [path.elementAt(i) for i in range(path.elementCount())]
    assert [e.type for e in elements] == [QPainterPath.ElementType.MoveToElement] + \
        [QPainterPath.ElementType.LineToElement] * 4 + [QPainterPath.ElementType.MoveToElement] + \
        [QPainterPath.ElementType.LineToElement] * 2
    assert [(e.x, e.y) for e in elements][4:6] == [(0.0, 0.0), (20.0, 20.0)]
    assert path.fillRule() == Qt.FillRule.OddEvenFill
    assert path_from_arrays([], [], []).isEmpty()


def test_polygon_rings_include_holes_and_every_part():
    square_with_hole = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)],
                                       [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    multi = shapely.MultiPolygon([shapely.box(10, 10, 11, 11), shapely.box(12, 12, 13, 13)])
    mixed = shapely.GeometryCollection([shapely.box(20, 20, 21, 21),
                                        shapely.LineString([(0, 0), (5, 5)])])
    xy, starts = polygon_rings([square_with_hole, multi, None, mixed])
    assert starts.tolist() == [0, 5, 10, 15, 20]
    assert xy.shape == (25, 2)
    assert xy[5].tolist() == [1.0, 1.0]


def test_polygon_from_arrays():
    polygon = polygon_from_arrays(np.array([1.5, 2.0]), np.array([3.0, 4.25]))
    assert [(p.x(), p.y()) for p in polygon] == [(1.5, 3.0), (2.0, 4.25)]
    assert polygon_from_arrays(np.empty(0), np.empty(0)).isEmpty()


# ---- base -----------------------------------------------------------------------------------
def test_layer_tells_its_listeners_only_about_real_changes():
    layer = MapLayer("x")
    heard = []
    layer.add_listener(heard.append)
    layer.visible = True  # unchanged
    layer.visible = False
    layer.opacity = 0.5
    layer.opacity = 0.5
    layer.remove_listener(heard.append)
    layer.visible = True
    assert heard == [layer, layer]


# ---- grids ----------------------------------------------------------------------------------
def test_grid_outline_is_drawn_in_its_colour_and_the_inside_stays_empty(qapp):
    layer = GridLayer(grids((1, "区", BOX), (2, "街道", BOX)), 1, "level 1")
    assert len(layer) == 1
    view = view_of()
    pixels = rgb(render_image([layer], view))
    left, middle = pixel_of(view, BOX[0], 40.0)
    assert near(pixels[middle, left], GRID_STYLES[1].line_color)
    inside = pixel_of(view, 116.31, 39.99)
    assert near(pixels[inside[1], inside[0]], BACKGROUND, 0)
    outside = pixel_of(view, 116.299, 40.0)  # about 8 pixels left of the outline
    assert near(pixels[outside[1], outside[0]], BACKGROUND, 0)


def test_key_source_grids_are_filled(qapp):
    layer = GridLayer(grids((4, "企业", (116.31, 39.99, 116.33, 40.01))), 4, "level 4")
    view = view_of()
    pixels = rgb(render_image([layer], view))
    x, y = pixel_of(view, 116.32, 40.0)
    red, green, blue = pixels[y, x].astype(int)
    assert red > 200 and green < 180 and blue < 180  # fill blended over the paper colour


def test_grid_labels_show_only_when_the_grid_is_wide_enough():
    layer = GridLayer(grids((2, "西街道", (116.30, 39.98, 116.32, 40.02)),
                            (2, "", (116.32, 39.98, 116.34, 40.02))), 2, "level 2")
    close = view_of(width=400, height=400)
    labels = layer.labels(close)
    assert [label.text for label in labels] == ["西街道"]  # the nameless grid has no label
    label = labels[0]
    assert label.pixel_size == GRID_STYLES[2].label_pixel_size and label.bold
    x, y = close.to_pixel(*TO_MAP.transform(116.31, 40.0))
    assert (label.x, label.y) == pytest.approx((x, y), abs=0.01)
    far = close.zoomed(1 / 8, 200, 200)  # the street is now about 20 px wide
    assert layer.labels(far) == []
    assert GridLayer(grids((1, "区", BOX)), 1, "level 1").labels(close) == []  # no level-1 labels


# ---- sources --------------------------------------------------------------------------------
def sources() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"category": ["industrial", "water_outfall", "not-a-category", None]},
        geometry=[shapely.Point(116.31, 39.99), shapely.Point(116.33, 40.01),
                  shapely.Point(116.32, 40.00), None], crs=4326)


def test_sources_are_dots_in_their_category_colour(qapp):
    layer = SourceLayer(sources(), "sources")
    assert len(layer) == 3  # the one without a geometry is left out
    view = view_of()
    pixels = rgb(render_image([layer], view))
    for lon, lat, expected in [(116.31, 39.99, SOURCE_COLORS["industrial"]),
                               (116.33, 40.01, SOURCE_COLORS["water_outfall"]),
                               (116.32, 40.00, UNKNOWN_SOURCE_COLOR)]:
        x, y = pixel_of(view, lon, lat)
        assert near(pixels[y, x], expected, 0), (lon, lat)
    # a dot of radius 4.5 px: about 64 pixels of pure colour, nothing like a line or a blob
    assert 40 <= count(pixels, SOURCE_COLORS["industrial"]) <= 80


def test_a_hidden_layer_is_not_drawn(qapp):
    layer = SourceLayer(sources(), "sources")
    layer.visible = False
    pixels = rgb(render_image([layer], view_of()))
    assert count(pixels, BACKGROUND) == 400 * 400


# ---- tracks ---------------------------------------------------------------------------------
def test_visible_polyline_keeps_one_vertex_per_pixel_and_breaks_lines():
    px = np.array([1.1, 1.9, 3.5, 3.6, 8.0, 2.0, 5.0])
    py = np.array([1.0, 1.2, 1.0, 1.1, 8.0, 2.0, 2.0])
    first = np.array([True, False, False, False, False, True, False])
    index, starts = visible_polyline(px, py, first, 10, 10)
    assert index.tolist() == [0, 2, 4, 5, 6]  # 1 and 3 share the pixel of the vertex before
    assert starts.tolist() == [0, 3]  # the second line starts at vertex 5


def test_visible_polyline_drops_what_is_far_outside_but_keeps_crossing_segments():
    px = np.array([-500.0, -400.0, -300.0, 50.0, 60.0, 300.0, 400.0, 500.0])
    py = np.full(8, 5.0)
    first = np.zeros(8, bool)
    first[0] = True
    index, starts = visible_polyline(px, py, first, 100, 10)
    assert index.tolist() == [2, 3, 4, 5]
    assert starts.tolist() == [0]
    # a segment jumping right across the view with both ends outside is still drawn
    index, _ = visible_polyline(np.array([-50.0, 150.0]), np.array([5.0, 5.0]),
                                np.array([True, False]), 100, 10)
    assert index.tolist() == [0, 1]


def inked(pixels: np.ndarray, x: int, y: int, colours=TrackStyle().colors) -> str | None:
    """The track colour whose blend over the background best explains the most inked pixel
    of column x around row y, or None when that column is bare."""
    background = color(BACKGROUND).astype(float)
    column = pixels[y - 2:y + 3, x].astype(float) - background
    ink = np.abs(column).sum(axis=1)
    if ink.max() < 60:
        return None
    darkest = column[ink.argmax()]

    def residual(c: str) -> float:
        direction = color(c).astype(float) - background
        alpha = darkest @ direction / (direction @ direction)
        return float(np.linalg.norm(darkest - alpha * direction))
    return min(colours, key=residual)


MINUTE = 60_000
# a walks east along 39.99, is silent for an hour, walks east along 40.01; b then starts at once
# where a's first walk ended, 116.325: joined lines would cross (116.310, 40.00) and
# (116.320, 40.00).
WALKS = Fixes.from_ids(["a", "a", "a", "a", "b", "b"],
                       [0, MINUTE, 60 * MINUTE, 61 * MINUTE, 62 * MINUTE, 63 * MINUTE],
                       [116.305, 116.315, 116.305, 116.315, 116.325, 116.335],
                       [39.99, 39.99, 40.01, 40.01, 39.99, 39.99])


def test_tracks_are_never_joined_across_inspectors_or_silences(qapp):
    one_colour = TrackStyle(colors=("#1b9e77",))
    layer = TrackLayer(WALKS, "tracks", one_colour)
    view = view_of()
    pixels = rgb(render_image([layer], view))
    for lon, lat in [(116.310, 39.99), (116.310, 40.01), (116.330, 39.99)]:
        assert inked(pixels, *pixel_of(view, lon, lat), one_colour.colors) == "#1b9e77"
    assert inked(pixels, *pixel_of(view, 116.310, 40.00)) is None  # the silence
    assert inked(pixels, *pixel_of(view, 116.320, 40.00)) is None  # a's end to b's start
    assert inked(pixels, *pixel_of(view, 116.320, 39.99)) is None
    assert layer.extent() is not None and len(layer) == 6


def test_each_inspector_has_a_colour(qapp):
    style = TrackStyle()
    view = view_of()
    pixels = rgb(render_image([TrackLayer(WALKS, "tracks", style)], view))
    assert inked(pixels, *pixel_of(view, 116.310, 39.99)) == style.colors[0]
    assert inked(pixels, *pixel_of(view, 116.330, 39.99)) == style.colors[1]


def test_empty_layers_draw_nothing(qapp):
    empty = [GridLayer(grids((1, "区", BOX)), 3, "none"), TrackLayer(Fixes.empty(), "none"),
             SourceLayer(sources().iloc[:0], "none")]
    assert all(layer.extent() is None for layer in empty)
    assert count(rgb(render_image(empty, view_of())), BACKGROUND) == 400 * 400


# ---- tiers ----------------------------------------------------------------------------------
def test_map_view_needs_no_qt():
    code = ("import sys; sys.modules['PySide6'] = None\n"
            "from gisapp.layers.view import MapView\n"
            "print(MapView(0, 0, 1, 10, 10).to_map(0, 0))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(-5.0, 5.0)"
