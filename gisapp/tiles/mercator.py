"""Web Mercator (EPSG:3857) and the XYZ tile grid: which tiles cover a map extent at a zoom.

Tile (x, y) at zoom z is the slippy-map tile: x grows east, y grows south, tile (0, 0) has the
north-west corner (-HALF_WORLD, HALF_WORLD). MBTiles files number rows the other way (TMS);
``flip_y`` converts between the two.

>>> tile_extent(1, 0, 0) == (-HALF_WORLD, 0.0, 0.0, HALF_WORLD)
True
>>> [int(v) for v in lonlat_to_tile(116.39, 39.9, 10)]
[843, 388]
>>> flip_y(10, 388)
635
"""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_M = 6378137.0  # the sphere Web Mercator projects
HALF_WORLD = math.pi * EARTH_RADIUS_M  # 20037508.34 m: map x and y run from -HALF to +HALF
MAX_LATITUDE = 85.0511287798066  # where Web Mercator's square world ends
TILE_SIZE = 256  # pixels a side

Extent = tuple[float, float, float, float]  # xmin, ymin, xmax, ymax in map metres


def lonlat_to_mercator(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 degrees to Web Mercator metres (the spherical formula EPSG:3857 defines).

    >>> [round(float(v), 2) for v in lonlat_to_mercator(180.0, 85.0511287798066)]
    [20037508.34, 20037508.34]
    """
    lon = np.asarray(lon, float)
    lat = np.clip(np.asarray(lat, float), -MAX_LATITUDE, MAX_LATITUDE)
    x = np.radians(lon) * EARTH_RADIUS_M
    y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * EARTH_RADIUS_M
    return x, y


def mercator_to_lonlat(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator metres to WGS-84 degrees.

    >>> [round(float(v), 6) for v in mercator_to_lonlat(*lonlat_to_mercator(116.39, 39.9))]
    [116.39, 39.9]
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    lon = np.degrees(x / EARTH_RADIUS_M)
    lat = np.degrees(2 * np.arctan(np.exp(y / EARTH_RADIUS_M)) - np.pi / 2)
    return lon, lat


def resolution(zoom: int, tile_size: int = TILE_SIZE) -> float:
    """Map metres per tile pixel at ``zoom``.

    >>> round(resolution(0), 4)
    156543.0339
    """
    return 2 * HALF_WORLD / (tile_size * 2 ** zoom)


def zoom_for_scale(scale: float, min_zoom: int = 0, max_zoom: int = 22,
                   tile_size: int = TILE_SIZE) -> int:
    """The tile zoom whose pixels are closest (in ratio) to ``scale`` map metres per screen pixel,
    so a tile is shown between 0.71 and 1.41 times its own size; clamped to [min, max].

    >>> zoom_for_scale(resolution(12)), zoom_for_scale(resolution(12) * 1.3)
    (12, 12)
    >>> zoom_for_scale(resolution(12) * 0.6), zoom_for_scale(1e-3, max_zoom=18)
    (13, 18)
    """
    zoom = math.floor(math.log2(resolution(0, tile_size) / max(scale, 1e-9)) + 0.5)
    return int(min(max(zoom, min_zoom), max_zoom))


def lonlat_to_tile(lon, lat, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Fractional tile coordinates of WGS-84 points (the integer part names the tile)."""
    return map_to_tile(*lonlat_to_mercator(lon, lat), zoom)


def map_to_tile(x, y, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Fractional tile coordinates of Web Mercator points at ``zoom``."""
    n = 2 ** zoom
    tx = (np.asarray(x, float) + HALF_WORLD) / (2 * HALF_WORLD) * n
    ty = (HALF_WORLD - np.asarray(y, float)) / (2 * HALF_WORLD) * n
    return tx, ty


def tile_extent(zoom: int, x: int, y: int) -> Extent:
    """The map extent (Web Mercator metres) of tile (x, y) at ``zoom``."""
    size = 2 * HALF_WORLD / 2 ** zoom
    xmin = -HALF_WORLD + x * size
    ymax = HALF_WORLD - y * size
    return (xmin, ymax - size, xmin + size, ymax)


def tile_range(extent: Extent, zoom: int) -> tuple[range, range]:
    """The tile columns and rows at ``zoom`` that meet ``extent`` (clipped to the world).

    >>> cols, rows = tile_range(tile_extent(3, 2, 5), 3)
    >>> list(cols), list(rows)
    ([2], [5])
    """
    xmin, ymin, xmax, ymax = extent
    n = 2 ** zoom
    (tx0, tx1), (ty0, ty1) = (map_to_tile(np.array([xmin, xmax]), np.array([ymax, ymin]), zoom))
    # a tile is met when the extent overlaps its inside, not just touches its edge
    col0, col1 = math.floor(tx0 + 1e-9), math.ceil(tx1 - 1e-9)
    row0, row1 = math.floor(ty0 + 1e-9), math.ceil(ty1 - 1e-9)
    return (range(max(col0, 0), min(col1, n)), range(max(row0, 0), min(row1, n)))


def flip_y(zoom: int, y: int) -> int:
    """XYZ row <-> TMS row (MBTiles numbers rows from the south)."""
    return 2 ** zoom - 1 - y


def parent_tile(zoom: int, x: int, y: int, levels: int = 1) -> tuple[int, int, int]:
    """The tile ``levels`` zooms up that contains tile (x, y).

    >>> parent_tile(5, 13, 7, 2)
    (3, 3, 1)
    """
    return zoom - levels, x >> levels, y >> levels


def ground_resolution(scale: float, lat: float) -> float:
    """Metres on the ground per pixel at latitude ``lat`` for a view of ``scale`` map metres
    per pixel: Web Mercator stretches the map by 1 / cos(latitude).

    >>> round(ground_resolution(10.0, 60.0), 6)
    5.0
    """
    return scale * math.cos(math.radians(lat))
