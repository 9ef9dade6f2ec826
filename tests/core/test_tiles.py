"""Tile math, the tile cache, MBTiles files and the GCJ-02 tile shift (no Qt, no network)."""

from __future__ import annotations

import doctest
import sqlite3

import numpy as np
import pytest
from pyproj import Transformer

from gisapp.crs import wgs84_to_gcj02
from gisapp.errors import InputError
from gisapp.tiles import catalogue, mercator, shift
from gisapp.tiles.cache import TileCache
from gisapp.tiles.catalogue import AMAP, BASEMAPS, OSM, TIANDITU_CVA, TIANDITU_VEC, basemap
from gisapp.tiles.mbtiles import MBTiles, write_mbtiles
from gisapp.tiles.mercator import (HALF_WORLD, lonlat_to_mercator, lonlat_to_tile,
                                   mercator_to_lonlat, resolution, tile_extent, tile_range,
                                   zoom_for_scale)

TO_3857 = Transformer.from_crs(4326, 3857, always_xy=True)


@pytest.mark.parametrize("module", [mercator, catalogue, shift])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


# ---- tile math ------------------------------------------------------------------------------
def test_mercator_matches_pyproj_both_ways():
    lon = np.array([-179.9, -45.0, 0.0, 113.6, 116.39, 135.0])
    lat = np.array([-80.0, -10.0, 0.0, 34.75, 39.9, 60.0])
    x, y = lonlat_to_mercator(lon, lat)
    ex, ey = TO_3857.transform(lon, lat)
    np.testing.assert_allclose(x, ex, atol=1e-6)
    np.testing.assert_allclose(y, ey, atol=1e-6)
    back = mercator_to_lonlat(x, y)
    np.testing.assert_allclose(back[0], lon, atol=1e-12)
    np.testing.assert_allclose(back[1], lat, atol=1e-12)


def test_tile_of_a_point_follows_the_slippy_map_formula():
    # the OpenStreetMap wiki's formula, written out independently of gisapp.tiles
    lon, lat = 116.3975, 39.9087
    for zoom in (0, 10, 15, 18):
        n = 2 ** zoom
        x = (lon + 180) / 360 * n
        y = (1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n
        assert [float(v) for v in lonlat_to_tile(lon, lat, zoom)] == pytest.approx([x, y])
    assert [int(v) for v in lonlat_to_tile(lon, lat, 15)] == [26978, 12416]
    # the north-west corner of the world is tile (0, 0) at every zoom
    for zoom in (0, 5, 18):
        assert [float(v) for v in lonlat_to_tile(-180.0, mercator.MAX_LATITUDE, zoom)] \
            == pytest.approx([0.0, 0.0], abs=1e-9)


def test_tile_extent_and_range_are_inverse():
    zoom, x, y = 14, 13_300, 6_450
    extent = tile_extent(zoom, x, y)
    assert extent[2] - extent[0] == pytest.approx(2 * HALF_WORLD / 2 ** zoom)
    assert extent[2] - extent[0] == pytest.approx(256 * resolution(zoom))
    cols, rows = tile_range(extent, zoom)
    assert (list(cols), list(rows)) == ([x], [y])
    # an extent a little bigger than a tile meets its 8 neighbours too
    grown = (extent[0] - 1, extent[1] - 1, extent[2] + 1, extent[3] + 1)
    cols, rows = tile_range(grown, zoom)
    assert (list(cols), list(rows)) == ([x - 1, x, x + 1], [y - 1, y, y + 1])
    # and the world's edge clips the range
    cols, rows = tile_range((-3 * HALF_WORLD, -3 * HALF_WORLD, 3 * HALF_WORLD, 3 * HALF_WORLD), 2)
    assert (list(cols), list(rows)) == ([0, 1, 2, 3], [0, 1, 2, 3])


def test_zoom_for_scale_keeps_tiles_near_their_own_size():
    for zoom in range(3, 19):
        assert zoom_for_scale(resolution(zoom)) == zoom
        assert zoom_for_scale(resolution(zoom) * 1.4) == zoom
        assert zoom_for_scale(resolution(zoom) * 0.72) == zoom
    assert zoom_for_scale(0.001, max_zoom=18) == 18
    assert zoom_for_scale(1e9, min_zoom=3) == 3


# ---- catalogue ------------------------------------------------------------------------------
def test_catalogue_urls():
    assert OSM.tile_url(15, 26979, 12416) == "https://tile.openstreetmap.org/15/26979/12416.png"
    url = TIANDITU_VEC.tile_url(15, 26979, 12416, "KEY")
    assert url.startswith("https://t")
    assert "LAYER=vec" in url and "TILEMATRIX=15&TILEROW=12416&TILECOL=26979&tk=KEY" in url
    assert "LAYER=cva" in TIANDITU_CVA.tile_url(1, 0, 0, "KEY")
    with pytest.raises(ValueError, match="key"):
        TIANDITU_VEC.tile_url(1, 0, 0, "")
    assert AMAP.datum == "gcj02" and "x=5&y=6&z=7" in AMAP.tile_url(7, 5, 6)
    assert basemap("tianditu_vector").sources == (TIANDITU_VEC, TIANDITU_CVA)
    assert basemap("tianditu_vector").needs_key and not basemap("osm").needs_key
    assert {b.id for b in BASEMAPS} >= {"tianditu_vector", "osm", "amap"}
    assert basemap("nope") is None


# ---- cache ----------------------------------------------------------------------------------
def test_tile_cache_round_trip(tmp_path):
    cache = TileCache(tmp_path / "tiles")
    assert cache.get("osm", 3, 1, 2) is None
    path = cache.put("osm", 3, 1, 2, b"png bytes")
    assert path == tmp_path / "tiles" / "osm" / "3" / "1" / "2.png"
    assert cache.get("osm", 3, 1, 2) == b"png bytes"
    cache.put("osm", 3, 1, 2, b"newer")
    assert cache.get("osm", 3, 1, 2) == b"newer"
    assert not list(path.parent.glob("*.tmp"))  # nothing half written is left behind
    store = cache.store_for("amap")
    store.put(4, 5, 6, b"a")
    assert store.get(4, 5, 6) == b"a" and cache.get("osm", 4, 5, 6) is None


# ---- MBTiles --------------------------------------------------------------------------------
def test_mbtiles_flips_rows_to_tms(tmp_path):
    path = write_mbtiles(tmp_path / "offline.mbtiles", {(2, 1, 0): b"north", (2, 1, 3): b"south"},
                         {"name": "离线底图"})
    with sqlite3.connect(path) as db:  # the file itself numbers rows from the south
        rows = dict(db.execute("SELECT tile_row, tile_data FROM tiles"))
    assert rows == {3: b"north", 0: b"south"}
    tiles = MBTiles(path)
    assert tiles.get(2, 1, 0) == b"north" and tiles.get(2, 1, 3) == b"south"
    assert tiles.get(2, 0, 0) is None
    source = tiles.source()
    assert (source.name, source.min_zoom, source.max_zoom, source.url) == ("离线底图", 2, 2, "")
    tiles.close()


def test_mbtiles_refuses_vector_tiles_and_other_files(tmp_path):
    path = write_mbtiles(tmp_path / "vector.mbtiles", {(0, 0, 0): b"x"}, {"format": "pbf"})
    with pytest.raises(InputError, match="pbf"):
        MBTiles(path)
    (tmp_path / "notes.mbtiles").write_text("not sqlite")
    with pytest.raises(InputError, match="not an MBTiles"):
        MBTiles(tmp_path / "notes.mbtiles")
    with pytest.raises(InputError, match="no such"):
        MBTiles(tmp_path / "missing.mbtiles")


# ---- GCJ-02 shift ---------------------------------------------------------------------------
def drawn_position(zoom: int, lon: float, lat: float) -> tuple[float, float]:
    """Where the shifted GCJ-02 layer draws the feature whose WGS-84 position is (lon, lat):
    the tile shows it at its GCJ-02 position; the tile is drawn in its shifted extent."""
    gx, gy = lonlat_to_mercator(*wgs84_to_gcj02(lon, lat))
    tx, ty = mercator.map_to_tile(gx, gy, zoom)
    col, row = int(tx), int(ty)
    xmin, ymin, xmax, ymax = shift.shifted_tile_extents(zoom, range(col, col + 1),
                                                        range(row, row + 1))[0, 0]
    return xmin + (tx - col) * (xmax - xmin), ymax - (ty - row) * (ymax - ymin)


def test_a_gcj02_tile_feature_lands_on_its_wgs84_position():
    rng = np.random.default_rng(4)
    lon = 113.45 + rng.random(200) * 0.35  # a district-sized area around Zhengzhou
    lat = 34.60 + rng.random(200) * 0.30
    for zoom in range(11, 19):
        errors = []
        for point in zip(lon, lat):
            x, y = drawn_position(zoom, *point)
            true_x, true_y = lonlat_to_mercator(*point)
            errors.append(np.hypot(x - true_x, y - true_y) * np.cos(np.radians(point[1])))
        tile_pixel_m = resolution(zoom) * np.cos(np.radians(34.75))
        assert max(errors) < 0.5 * tile_pixel_m, zoom
        if zoom >= 14:
            assert max(errors) < 5.0, zoom
    # unshifted, the same tiles would be hundreds of metres off
    gx, _gy = lonlat_to_mercator(*wgs84_to_gcj02(113.6, 34.75))
    assert abs(gx - lonlat_to_mercator(113.6, 34.75)[0]) > 300


def test_shifted_tiles_meet_without_gaps():
    extents = shift.shifted_tile_extents(13, range(6680, 6684), range(3250, 3253))
    assert extents.shape == (3, 4, 4)
    np.testing.assert_array_equal(extents[:, :-1, 2], extents[:, 1:, 0])  # right == next left
    np.testing.assert_array_equal(extents[:-1, :, 1], extents[1:, :, 3])  # bottom == next top
    outside = shift.shifted_tile_extents(13, range(0, 1), range(0, 1))[0, 0]
    assert tuple(outside) == pytest.approx(tile_extent(13, 0, 0))  # no shift outside China
