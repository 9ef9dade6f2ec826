"""TileLayer: tiles from an MBTiles file drawn at the right pixels, coarser tiles standing in,
missing tiles asked for and drawn when they arrive, GCJ-02 tiles moved onto WGS-84."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage, QPainter

from gisapp.crs import wgs84_to_gcj02
from gisapp.layers.basemap import TileLayer
from gisapp.layers.render import render_image
from gisapp.layers.view import MapView
from gisapp.tiles.catalogue import TileSource
from gisapp.tiles.mbtiles import MBTiles, write_mbtiles
from gisapp.tiles.mercator import (lonlat_to_mercator, lonlat_to_tile, resolution,
                                   tile_extent)
from tests.layers.pixels import near, rgb

Z, X, Y = 14, 13_360, 6_470  # a tile near Zhengzhou


def png(fill: str, quadrants: tuple[str, str, str, str] | None = None,
        mark: tuple[float, float] | None = None) -> bytes:
    """A 256 px tile of one colour (or four quadrants: NW, NE, SW, SE), optionally with a
    black 3 x 3 mark centred at tile pixel ``mark``."""
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(fill))
    painter = QPainter(image)
    if quadrants:
        for (col, row), colour in zip([(0, 0), (1, 0), (0, 1), (1, 1)], quadrants):
            painter.fillRect(col * 128, row * 128, 128, 128, QColor(colour))
    if mark:
        painter.fillRect(int(mark[0]) - 1, int(mark[1]) - 1, 3, 3, QColor("black"))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def corner_view(zoom=Z, x=X, y=Y, scale_factor=1.0, size=512) -> MapView:
    """A view centred on the corner shared by tiles (x, y) .. (x + 1, y + 1)."""
    xmin, _ymin, _xmax, ymax = tile_extent(zoom, x + 1, y + 1)
    return MapView(xmin, ymax, resolution(zoom) * scale_factor, size, size)


@pytest.fixture
def four_tiles(tmp_path) -> MBTiles:
    tiles = {(Z, X, Y): png("#ff0000"), (Z, X + 1, Y): png("#00ff00"),
             (Z, X, Y + 1): png("#0000ff"), (Z, X + 1, Y + 1): png("#ffff00")}
    mbtiles = MBTiles(write_mbtiles(tmp_path / "four.mbtiles", tiles, {"name": "四块"}))
    yield mbtiles
    mbtiles.close()


def test_mbtiles_tiles_land_on_their_pixels(qapp, four_tiles):
    layer = TileLayer(four_tiles.source(), "四块", [four_tiles])
    pixels = rgb(render_image([layer], corner_view()))
    # at the tiles' own resolution each tile is exactly a 256 px quadrant
    assert near(pixels[0, 0], "#ff0000", 0) and near(pixels[255, 255], "#ff0000", 0)
    assert near(pixels[0, 256], "#00ff00", 0) and near(pixels[255, 511], "#00ff00", 0)
    assert near(pixels[256, 0], "#0000ff", 0) and near(pixels[511, 255], "#0000ff", 0)
    assert near(pixels[256, 256], "#ffff00", 0) and near(pixels[511, 511], "#ffff00", 0)
    # zoomed out a little the same tiles are drawn smaller, still meeting at the centre
    pixels = rgb(render_image([layer], corner_view(scale_factor=1.3)))
    assert near(pixels[250, 250], "#ff0000", 0) and near(pixels[262, 262], "#ffff00", 0)
    assert near(pixels[250, 262], "#00ff00", 0) and near(pixels[262, 250], "#0000ff", 0)


def test_a_coarser_tile_stands_in_for_a_missing_one(qapp, tmp_path):
    parent = png("#000000", quadrants=("#ff0000", "#00ff00", "#0000ff", "#ffff00"))
    mbtiles = MBTiles(write_mbtiles(tmp_path / "parent.mbtiles", {(Z - 1, X // 2, Y // 2): parent}))
    source = TileSource("p", "p", min_zoom=Z - 1, max_zoom=Z)
    layer = TileLayer(source, "p", [mbtiles])
    # the view needs zoom Z; tile (X + 1, Y + 1) is the parent's south-east quarter
    view = corner_view()
    assert layer.zoom_for(view) == Z
    pixels = rgb(render_image([layer], view))
    assert near(pixels[300, 300], "#ffff00", 2) and near(pixels[100, 100], "#ff0000", 2)
    mbtiles.close()


def test_missing_tiles_are_asked_for_once_and_drawn_when_they_arrive(qapp):
    asked = []
    source = TileSource("net", "net", "http://tiles.invalid/{z}/{x}/{y}.png")
    layer = TileLayer(source, "net", [], lambda src, z, x, y, deliver: asked.append(
        ((z, x, y), deliver)))
    heard = []
    layer.add_listener(heard.append)
    view = corner_view()
    render_image([layer], view)
    render_image([layer], view)  # still missing: not asked again
    assert sorted(key for key, _deliver in asked) == [(Z, X, Y), (Z, X, Y + 1), (Z, X + 1, Y),
                                                     (Z, X + 1, Y + 1)]
    deliver = dict(asked)[(Z, X + 1, Y + 1)]
    revision = layer.revision
    deliver(png("#00ffff"))
    assert heard == [layer] and layer.revision > revision
    pixels = rgb(render_image([layer], view))
    assert near(pixels[400, 400], "#00ffff", 0)
    dict(asked)[(Z, X, Y)](None)  # a failed fetch: asked again at the next paint
    render_image([layer], view)
    assert [key for key, _deliver in asked].count((Z, X, Y)) == 2


def test_gcj02_tiles_are_moved_onto_wgs84(qapp, tmp_path):
    lon, lat = 113.6123, 34.7456  # a feature's true position
    zoom = 17
    gx, gy = (float(v) for v in lonlat_to_tile(*wgs84_to_gcj02(lon, lat), zoom))
    col, row = int(gx), int(gy)  # the GCJ-02 tile that draws the feature ...
    mark = ((gx - col) * 256, (gy - row) * 256)  # ... at this pixel of the tile
    tiles = {(zoom, c, r): png("#ffffff", mark=mark if (c, r) == (col, row) else None)
             for c in range(col - 2, col + 3) for r in range(row - 2, row + 3)}
    mbtiles = MBTiles(write_mbtiles(tmp_path / "gcj.mbtiles", tiles,
                                    {"gisapp:datum": "gcj02"}))
    layer = TileLayer(mbtiles.source(), "gcj", [mbtiles])
    assert layer.source.datum == "gcj02"
    x, y = (float(v) for v in lonlat_to_mercator(lon, lat))
    view = MapView(x, y, resolution(zoom), 400, 400)
    pixels = rgb(render_image([layer], view)).astype(int)
    dark = np.argwhere(pixels.sum(axis=2) < 200)
    assert len(dark) >= 4
    found_y, found_x = dark.mean(axis=0) + 0.5
    ground_m_per_px = resolution(zoom) * np.cos(np.radians(lat))
    offset_m = np.hypot(found_x - 200, found_y - 200) * ground_m_per_px
    assert offset_m < 5.0  # unshifted it would be hundreds of metres away
    mbtiles.close()
