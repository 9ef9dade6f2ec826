"""Coordinate helpers for the demo: the metric CRS, projection of arrays and geometries."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer

# CGCS2000 3-degree Gauss-Krüger, central meridian 114E: the demo district lies at 113.62E.
METRIC_CRS = "EPSG:4547"
STORAGE_CRS = "EPSG:4326"
# Coordinates written to the committed file are rounded to 1e-9 degrees (about 0.1 mm); the
# generator rounds the same way so a loaded and a freshly generated district are identical.
DEGREE_DECIMALS = 9


@lru_cache(maxsize=None)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def to_metric_xy(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    x, y = _transformer(STORAGE_CRS, METRIC_CRS).transform(np.asarray(lon, float),
                                                           np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def to_lonlat(x, y) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _transformer(METRIC_CRS, STORAGE_CRS).transform(np.asarray(x, float),
                                                               np.asarray(y, float))
    return np.asarray(lon), np.asarray(lat)


def geoms_to_metric(geoms):
    """Project geometries from lon/lat to the metric CRS, vertex by vertex."""
    return shapely.transform(geoms, lambda xy: np.column_stack(to_metric_xy(xy[:, 0], xy[:, 1])))


def geoms_to_lonlat(geoms, decimals: int | None = DEGREE_DECIMALS):
    """Project metric geometries to lon/lat; equal vertices stay equal, so tilings survive."""
    def project(xy):
        lonlat = np.column_stack(to_lonlat(xy[:, 0], xy[:, 1]))
        return np.round(lonlat, decimals) if decimals is not None else lonlat
    return shapely.transform(geoms, project)
