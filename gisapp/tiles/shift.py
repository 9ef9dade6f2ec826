"""Line up GCJ-02 tiles (Amap, Tencent) with WGS-84 data by moving each tile onto WGS-84.

GCJ-02 moves every point by an offset of a few hundred metres that varies with position: a
server drawing on GCJ-02 shows a feature whose true (WGS-84) position is W at the map position
gcj(W). One shift for the whole view (the offset at its centre) is off by 5-9 m at 5 km from
the centre and 10-50 m at 10-15 km, because the offset has terms with a period of a third of
a degree. So each tile is moved by the offsets at its own corners instead
(``shifted_tile_extents``): the residual is then under half a tile pixel at every zoom and
under 5 m from zoom 14 up (tests/core/test_tiles.py measures it), without resampling pixels.
"""

from __future__ import annotations

import numpy as np

from gisapp.crs import gcj02_to_wgs84
from gisapp.tiles.mercator import HALF_WORLD, lonlat_to_mercator, mercator_to_lonlat


def shifted_tile_extents(zoom: int, cols: range, rows: range) -> np.ndarray:
    """Where to draw each tile of a GCJ-02 layer so its features land on WGS-84.

    Returns an array (len(rows), len(cols), 4) of map extents (xmin, ymin, xmax, ymax). Each
    tile corner is moved back by the GCJ-02 offset at that corner, and each tile is drawn in
    the rectangle between its corners' mean edges: neighbours share their corners, so they meet
    without gaps, and inside a tile the offset is interpolated linearly between its edges.
    """
    n_cols, n_rows = len(cols), len(rows)
    if not n_cols or not n_rows:
        return np.empty((n_rows, n_cols, 4))
    size = 2 * HALF_WORLD / 2 ** zoom
    corner_x = -HALF_WORLD + np.arange(cols.start, cols.start + n_cols + 1) * size
    corner_y = HALF_WORLD - np.arange(rows.start, rows.start + n_rows + 1) * size
    grid_x, grid_y = np.meshgrid(corner_x, corner_y)  # (rows + 1, cols + 1)
    dx, dy = gcj_offsets_m(grid_x, grid_y)
    sx, sy = grid_x - dx, grid_y - dy  # where each GCJ-02 corner's content really is
    extents = np.empty((n_rows, n_cols, 4))
    extents[..., 0] = (sx[:-1, :-1] + sx[1:, :-1]) / 2  # left: the two left corners
    extents[..., 2] = (sx[:-1, 1:] + sx[1:, 1:]) / 2
    extents[..., 3] = (sy[:-1, :-1] + sy[:-1, 1:]) / 2  # top: the two top corners
    extents[..., 1] = (sy[1:, :-1] + sy[1:, 1:]) / 2
    return extents


def gcj_offsets_m(gx, gy) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset (Web Mercator metres) of the WGS-84 points that GCJ-02 puts at the map
    positions (gx, gy): subtract it from a GCJ-02 position to get the WGS-84 one."""
    glon, glat = mercator_to_lonlat(gx, gy)
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    wx, wy = lonlat_to_mercator(wlon, wlat)
    return np.asarray(gx) - wx, np.asarray(gy) - wy
