"""MapView: which part of the map is shown in how many pixels, and the map <-> pixel transform.

Map coordinates are Web Mercator metres (EPSG:3857), the display CRS, so XYZ basemaps line up
later. Pixel (0, 0) is the top-left corner of the view and y grows downwards; pixel (i, j)
covers [i, i + 1) x [j, j + 1). Layers project their lon/lat once, with ``lonlat_to_map``.

>>> view = MapView(center_x=1000.0, center_y=2000.0, scale=10.0, width=200, height=100)
>>> view.extent
(0.0, 1500.0, 2000.0, 2500.0)
>>> view.to_pixel(0.0, 2500.0)
(0.0, 0.0)
>>> view.zoomed(2.0, 0.0, 0.0).to_pixel(0.0, 2500.0)
(0.0, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from pyproj import Transformer

DISPLAY_CRS = "EPSG:3857"
MIN_SCALE = 0.01  # metres per pixel: closer than this nothing more is learnt
MAX_SCALE = 100_000.0  # about the whole of China in one pixel


@lru_cache(maxsize=None)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def lonlat_to_map(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 degrees to Web Mercator metres, vectorised.

    >>> [round(float(v), 2) for v in lonlat_to_map(180.0, 0.0)]
    [20037508.34, 0.0]
    """
    return _transformer("EPSG:4326", DISPLAY_CRS).transform(np.asarray(lon, float),
                                                            np.asarray(lat, float))


def map_to_lonlat(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator metres to WGS-84 degrees, vectorised."""
    return _transformer(DISPLAY_CRS, "EPSG:4326").transform(np.asarray(x, float),
                                                            np.asarray(y, float))


Extent = tuple[float, float, float, float]  # xmin, ymin, xmax, ymax in map units


@dataclass(frozen=True)
class MapView:
    """A map centre and scale shown in ``width`` x ``height`` pixels. Immutable: every change
    returns a new view, so a rendered image can remember exactly which view it shows."""

    center_x: float
    center_y: float
    scale: float  # map units (metres) per pixel
    width: int
    height: int

    @classmethod
    def fit(cls, extent: Extent, width: int, height: int, margin: float = 0.05) -> "MapView":
        """The view of ``width`` x ``height`` pixels showing all of ``extent`` centred, with
        ``margin`` (a fraction of the size) left free on the tighter side."""
        xmin, ymin, xmax, ymax = extent
        width, height = max(int(width), 1), max(int(height), 1)
        span_x, span_y = max(xmax - xmin, 0.0), max(ymax - ymin, 0.0)
        usable = max(1.0 - 2 * margin, 0.1)
        scale = max(span_x / (width * usable), span_y / (height * usable))
        if scale <= 0:  # a single point (or nothing): 1 m per pixel around it
            scale = 1.0
        return cls((xmin + xmax) / 2, (ymin + ymax) / 2, _clamp(scale), width, height)

    @property
    def extent(self) -> Extent:
        half_w, half_h = self.width * self.scale / 2, self.height * self.scale / 2
        return (self.center_x - half_w, self.center_y - half_h,
                self.center_x + half_w, self.center_y + half_h)

    @property
    def affine(self) -> tuple[float, float, float, float]:
        """(a, c, e, f) with px = a * x + c and py = e * y + f (e < 0: y grows up on the map)."""
        a = 1.0 / self.scale
        return a, self.width / 2 - self.center_x * a, -a, self.height / 2 + self.center_y * a

    def to_pixel(self, x, y):
        """Map coordinates to pixel coordinates (floats; scalars or arrays)."""
        a, c, e, f = self.affine
        px, py = np.multiply(x, a) + c, np.multiply(y, e) + f
        return (float(px), float(py)) if np.ndim(px) == 0 else (px, py)

    def to_map(self, px, py):
        """Pixel coordinates to map coordinates (floats; scalars or arrays)."""
        x = self.center_x + (np.subtract(px, self.width / 2)) * self.scale
        y = self.center_y - (np.subtract(py, self.height / 2)) * self.scale
        return (float(x), float(y)) if np.ndim(x) == 0 else (x, y)

    def zoomed(self, factor: float, px: float, py: float) -> "MapView":
        """Zoom in by ``factor`` (> 1 enlarges) keeping the map point under pixel (px, py) there."""
        x, y = self.to_map(px, py)
        scale = _clamp(self.scale / factor)
        return replace(self, scale=scale,
                       center_x=x - (px - self.width / 2) * scale,
                       center_y=y + (py - self.height / 2) * scale)

    def panned(self, dx: float, dy: float) -> "MapView":
        """Move the map content by (dx, dy) pixels, as a drag from p to p + (dx, dy) does."""
        return replace(self, center_x=self.center_x - dx * self.scale,
                       center_y=self.center_y + dy * self.scale)

    def resized(self, width: int, height: int) -> "MapView":
        """The same centre and scale in a new pixel size."""
        return replace(self, width=max(int(width), 1), height=max(int(height), 1))

    def fitted(self, extent: Extent, margin: float = 0.05) -> "MapView":
        """This view's pixel size showing ``extent``."""
        return MapView.fit(extent, self.width, self.height, margin)


def union_extent(extents) -> Extent | None:
    """The smallest extent holding all given extents (None ones are skipped)."""
    extents = [e for e in extents if e is not None]
    if not extents:
        return None
    array = np.asarray(extents, float)
    return (float(array[:, 0].min()), float(array[:, 1].min()),
            float(array[:, 2].max()), float(array[:, 3].max()))


def _clamp(scale: float) -> float:
    return float(min(max(scale, MIN_SCALE), MAX_SCALE))
