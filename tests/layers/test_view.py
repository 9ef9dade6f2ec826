"""MapView and the display projection, without any widget or Qt at all."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Transformer

from gisapp.layers.view import (MAX_SCALE, MIN_SCALE, MapView, lonlat_to_map, map_to_lonlat,
                                union_extent)

VIEW = MapView(center_x=1000.0, center_y=2000.0, scale=10.0, width=200, height=100)


def test_extent_and_corners():
    assert VIEW.extent == (0.0, 1500.0, 2000.0, 2500.0)
    assert VIEW.to_pixel(0.0, 2500.0) == (0.0, 0.0)  # top-left
    assert VIEW.to_pixel(2000.0, 1500.0) == (200.0, 100.0)  # bottom-right
    assert VIEW.to_pixel(1000.0, 2000.0) == (100.0, 50.0)  # centre
    assert VIEW.to_map(0.0, 0.0) == (0.0, 2500.0)


def test_transforms_are_vectorised_inverses():
    x = np.array([0.0, 123.4, 1999.0])
    y = np.array([1500.0, 2222.2, 2400.0])
    px, py = VIEW.to_pixel(x, y)
    assert px.tolist() == [0.0, pytest.approx(12.34), pytest.approx(199.9)]
    assert py.tolist() == [100.0, pytest.approx(27.78), pytest.approx(10.0)]
    back_x, back_y = VIEW.to_map(px, py)
    np.testing.assert_allclose(back_x, x)
    np.testing.assert_allclose(back_y, y)


def test_affine_matches_to_pixel():
    a, c, e, f = VIEW.affine
    assert (a * 500.0 + c, e * 1800.0 + f) == VIEW.to_pixel(500.0, 1800.0)


def test_fit_centres_the_extent_and_leaves_the_margin_on_the_tighter_side():
    view = MapView.fit((0.0, 0.0, 1000.0, 1000.0), 200, 100, margin=0.05)
    assert (view.center_x, view.center_y) == (500.0, 500.0)
    assert view.scale == pytest.approx(1000.0 / 90)  # height is tighter: 90 of 100 px used
    assert view.to_pixel(500.0, 1000.0)[1] == pytest.approx(5.0)
    assert view.to_pixel(500.0, 0.0)[1] == pytest.approx(95.0)


def test_fit_a_single_point_gives_a_usable_view():
    view = MapView.fit((5.0, 5.0, 5.0, 5.0), 100, 100)
    assert view.scale == 1.0 and view.to_pixel(5.0, 5.0) == (50.0, 50.0)


def test_zoom_keeps_the_map_point_under_the_anchor_pixel():
    anchor = (37.0, 81.0)
    point = VIEW.to_map(*anchor)
    zoomed = VIEW.zoomed(1.25, *anchor)
    assert zoomed.scale == pytest.approx(8.0)
    assert zoomed.to_pixel(*point) == pytest.approx(anchor)
    out = zoomed.zoomed(1 / 1.25, *anchor)
    assert out.scale == pytest.approx(10.0) and out.to_pixel(*point) == pytest.approx(anchor)


def test_zoom_is_clamped():
    assert VIEW.zoomed(1e9, 0, 0).scale == MIN_SCALE
    assert VIEW.zoomed(1e-9, 0, 0).scale == MAX_SCALE


def test_pan_moves_the_content_with_the_drag():
    point = VIEW.to_map(50.0, 50.0)
    panned = VIEW.panned(30.0, -20.0)
    assert panned.to_pixel(*point) == pytest.approx((80.0, 30.0))
    assert panned.scale == VIEW.scale


def test_resize_keeps_centre_and_scale():
    resized = VIEW.resized(400, 300)
    assert (resized.center_x, resized.center_y, resized.scale) == (1000.0, 2000.0, 10.0)
    assert resized.extent == (-1000.0, 500.0, 3000.0, 3500.0)


def test_fitted_keeps_the_pixel_size():
    fitted = VIEW.fitted((0.0, 0.0, 90.0, 45.0), margin=0.05)
    assert (fitted.width, fitted.height) == (200, 100)
    assert fitted.scale == pytest.approx(0.5)


def test_web_mercator_projection_matches_pyproj_and_round_trips():
    lon = np.array([0.0, 116.30, 180.0])
    lat = np.array([0.0, 39.98, 0.0])
    x, y = lonlat_to_map(lon, lat)
    expected = Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    np.testing.assert_allclose(x, expected[0])
    np.testing.assert_allclose(y, expected[1])
    assert x[2] == pytest.approx(20037508.342789244)
    back = map_to_lonlat(x, y)
    np.testing.assert_allclose(back[0], lon, atol=1e-9)
    np.testing.assert_allclose(back[1], lat, atol=1e-9)


def test_union_extent():
    assert union_extent([None, (0, 1, 2, 3), (-1, 2, 1, 5)]) == (-1.0, 1.0, 2.0, 5.0)
    assert union_extent([None]) is None
