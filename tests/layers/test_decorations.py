"""Scale bar (true ground length at the bar's latitude, not Web Mercator's) and north arrow."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter
from pyproj import Geod, Transformer

from gisapp import i18n
from gisapp.layers.decorations import (length_text, nice_length, north_arrow_rect,
                                       paint_north_arrow, paint_scale_bar, scale_bar)
from gisapp.layers.view import MapView
from tests.layers.pixels import rgb

GEOD = Geod(ellps="WGS84")
TO_MAP = Transformer.from_crs(4326, 3857, always_xy=True)
TO_LONLAT = Transformer.from_crs(3857, 4326, always_xy=True)


@pytest.fixture(autouse=True)
def english():
    previous = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(previous)


def view_at(lon, lat, scale, width=1200, height=800):
    x, y = TO_MAP.transform(lon, lat)
    return MapView(x, y, scale, width, height)


@pytest.mark.parametrize("lat", [0.0, 22.5, 34.75, 45.8, 53.0])
@pytest.mark.parametrize("scale", [0.6, 2.4, 23.0, 300.0])
def test_the_bar_is_as_long_on_the_ground_as_its_label_says(lat, scale):
    view = view_at(113.6, lat, scale)
    bar = scale_bar(view)
    # the ground distance between the bar's two ends, measured on the ellipsoid
    lon0, lat0 = TO_LONLAT.transform(*view.to_map(bar.left, bar.bottom))
    lon1, lat1 = TO_LONLAT.transform(*view.to_map(bar.left + bar.pixels, bar.bottom))
    _az, _back, metres = GEOD.inv(lon0, lat0, lon1, lat1)
    assert metres == pytest.approx(bar.metres, rel=0.02)
    assert str(bar.metres).rstrip("0").rstrip(".").lstrip("0.")[0] in "125"  # a round length
    assert 40 <= bar.pixels <= 160


def test_web_mercator_alone_would_be_far_off_in_the_north():
    view = view_at(126.6, 45.8, 10.0)  # Harbin
    bar = scale_bar(view)
    mercator_metres = bar.pixels * view.scale  # what an uncorrected bar would claim
    assert mercator_metres > 1.4 * bar.metres


def test_nice_lengths_and_their_text():
    assert [nice_length(v) for v in (0.9, 7.0, 180.0, 2600.0, 9999.0)] == \
        [0.5, 5.0, 100.0, 2000.0, 5000.0]
    assert [length_text(v) for v in (0.5, 500.0, 1000.0, 2000.0, 1500.0)] == \
        ["0.5 m", "500 m", "1 km", "2 km", "1.5 km"]
    i18n.set_language("zh_CN")
    assert length_text(500.0) == "500 米" and length_text(2000.0) == "2 公里"


def test_scale_bar_and_north_arrow_are_drawn(qapp):
    view = view_at(113.6, 34.75, 2.4, 600, 400)
    image = QImage(600, 400, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0xFFF0F0F0)
    painter = QPainter(image)
    bar = paint_scale_bar(painter, view)
    arrow = paint_north_arrow(painter, view)
    painter.end()
    pixels = rgb(image).astype(int)
    # the bar's left half is dark, its right half white, along its middle row
    row = int(bar.bottom - 3)
    left_half = pixels[row, int(bar.left + 2):int(bar.left + bar.pixels / 2 - 2)]
    right_half = pixels[row, int(bar.left + bar.pixels / 2 + 2):int(bar.left + bar.pixels - 2)]
    assert left_half.max() < 60 and right_half.min() > 240
    # the arrow: dark ink in its box, at the top right
    assert arrow == north_arrow_rect(view)
    box = pixels[int(arrow.top()):int(arrow.bottom()), int(arrow.left()):int(arrow.right())]
    assert (box.sum(axis=2) < 150).sum() > 100
    assert arrow.left() > 500 and arrow.top() < 40
    # the left (dark) half of the arrow is left of the right (white) half
    mid = int(arrow.top() + arrow.height() * 0.8)
    dark = np.flatnonzero(pixels[mid, :, 0] < 60)
    white = np.flatnonzero((pixels[mid].min(axis=1) > 250) & (np.arange(600) > arrow.left()))
    assert dark.mean() < white.mean()
