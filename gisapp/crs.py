"""Convert coordinates between WGS-84/CGCS2000, GCJ-02 and BD-09, and pick metric CRSs for China."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import shapely

from gisapp.i18n import _

SUPPORTED_CRS = ("wgs84", "cgcs2000", "gcj02", "bd09")

_ALIASES = {"wgs84": "wgs84", "epsg:4326": "wgs84", "cgcs2000": "wgs84", "epsg:4490": "wgs84",
            "gcj02": "gcj02", "bd09": "bd09"}

# The published GCJ-02 algorithm ("eviltransform", "coordTransform"): Krasovsky 1940 ellipsoid.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
_CHINA_BOX = (72.004, 137.8347, 0.8293, 55.8271)  # lon min, lon max, lat min, lat max
_NEAR_BOX_DEG = 0.1  # GCJ-02 shifts are < 0.01 deg: inverse candidates lie within this margin

_TOL_DEG = 1e-9
_MAX_ITER = 10
_EARTH_RADIUS_M = 6371008.8
_MIN_GAIN = 0.02


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Shift WGS-84 degrees to GCJ-02 (Amap, Tencent); points outside China are unchanged.

    >>> lon, lat = wgs84_to_gcj02(116.39, 39.9)
    >>> print(f"{lon:.5f} {lat:.5f}")
    116.39624 39.90140
    """
    lon, lat = _floats(lon, lat)
    glon, glat = _gcj_shift(lon, lat)
    out = _out_of_china(lon, lat)
    return np.where(out, lon, glon), np.where(out, lat, glat)


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Exact inverse of :func:`wgs84_to_gcj02` (fixed-point iteration to 1e-9 deg).

    A point is left as it is only when both it and its solution lie outside China's box; within
    ~0.01 deg of the box edge, where the forward map is not one-to-one, it is taken as shifted.

    >>> lon, lat = gcj02_to_wgs84(116.39624, 39.90140)
    >>> print(f"{lon:.5f} {lat:.5f}")
    116.39000 39.90000
    """
    lon, lat = _floats(lon, lat)
    wlon, wlat = lon.copy(), lat.copy()
    near = ~_out_of_china(lon, lat, margin=_NEAR_BOX_DEG)
    if near.any():
        qlon, qlat = lon[near], lat[near]
        slon, slat = _gcj_shift(qlon, qlat)
        start = (2 * qlon - slon, 2 * qlat - slat)  # one step: q - delta(q)
        ilon, ilat = _invert(_gcj_shift, qlon, qlat, start)
        shifted = ~_out_of_china(qlon, qlat) | ~_out_of_china(ilon, ilat, margin=_TOL_DEG)
        wlon[near] = np.where(shifted, ilon, qlon)
        wlat[near] = np.where(shifted, ilat, qlat)
    return wlon, wlat


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 degrees to BD-09 (Baidu) with the standard x_pi formula.

    >>> lon, lat = gcj02_to_bd09(116.39624, 39.90140)
    >>> print(f"{lon:.5f} {lat:.5f}")
    116.40262 39.90774
    """
    x, y = _floats(lon, lat)
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return np.asarray(z * np.cos(theta) + 0.0065), np.asarray(z * np.sin(theta) + 0.006)


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Exact inverse of :func:`gcj02_to_bd09`: the standard formula, refined by iteration.

    >>> lon, lat = bd09_to_gcj02(116.40262, 39.90774)
    >>> print(f"{lon:.5f} {lat:.5f}")
    116.39624 39.90140
    """
    lon, lat = _floats(lon, lat)
    x, y = lon - 0.0065, lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _invert(gcj02_to_bd09, lon, lat, (z * np.cos(theta), z * np.sin(theta)))


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS-84 degrees to BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Convert BD-09 degrees to WGS-84 (via GCJ-02), exact inverse of :func:`wgs84_to_bd09`."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon, lat, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert degrees in ``crs`` (one of SUPPORTED_CRS, or EPSG:4326/4490) to WGS-84.

    >>> lon, lat = to_wgs84(116.39624, 39.90140, "GCJ02")
    >>> print(f"{lon:.5f} {lat:.5f}")
    116.39000 39.90000
    """
    kind = _canonical(crs)
    if kind == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if kind == "bd09":
        return bd09_to_wgs84(lon, lat)
    return _floats(lon, lat)


def to_wgs84_geometry(geoms, crs: str) -> np.ndarray:
    """Convert an array or GeoSeries of shapely geometries in ``crs`` to WGS-84 (object array).

    >>> line = shapely.LineString([(116.39624, 39.90140), (116.40262, 39.90774)])
    >>> shapely.get_coordinates(to_wgs84_geometry([line], "gcj02")).round(5).tolist()
    [[116.39, 39.9], [116.39638, 39.90634]]
    """
    kind = _canonical(crs)
    geoms = np.asarray(geoms, dtype=object)
    if kind == "wgs84":
        return geoms.copy()
    return shapely.transform(geoms, lambda x, y: to_wgs84(x, y, kind), interleaved=False)


def metric_crs_for(lon: float, lat: float) -> str:
    """CGCS2000 3-degree Gauss-Krüger CRS (no zone prefix) whose central meridian is nearest ``lon``.

    >>> metric_crs_for(113.6, 34.75)
    'EPSG:4547'
    """
    lon, lat = float(lon), float(lat)
    if not (73.5 <= lon < 136.5) or not (_CHINA_BOX[2] <= lat <= _CHINA_BOX[3]):
        raise ValueError(_("no CGCS2000 3-degree zone for lon {lon}, lat {lat}: lon must be "
                           "in [73.5, 136.5) E and lat within China").format(lon=lon, lat=lat))
    central_meridian = 3 * math.floor(lon / 3 + 0.5)
    return f"EPSG:{4534 + (central_meridian - 75) // 3}"


def detect_offset(lon, lat, inside_fn: Callable[[np.ndarray, np.ndarray], float]) -> str | None:
    """Guess the unstated datum of coordinates: "gcj02", "bd09" or None (take them as WGS-84).

    ``inside_fn(lon, lat)`` scores how well WGS-84 coordinates fit the project (higher is better,
    e.g. the share of points inside the district, or an IoU). The coordinates are scored as they
    are and after conversion from GCJ-02 and from BD-09; a conversion is suggested only when its
    score beats the as-is score by at least 0.02.

    >>> score = lambda x, y: float(np.mean(np.abs(x - 116.39) < 1e-4))
    >>> detect_offset([116.39624], [39.90140], score)
    'gcj02'
    """
    lon, lat = _floats(lon, lat)
    as_is = inside_fn(lon, lat)
    scores = {"gcj02": inside_fn(*gcj02_to_wgs84(lon, lat)),
              "bd09": inside_fn(*bd09_to_wgs84(lon, lat))}
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] >= as_is + _MIN_GAIN else None


def offset_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle (haversine) distance in metres between two sets of WGS-84 points.

    >>> print(f"{offset_m(116.39, 39.9, 116.39, 39.91):.0f}")
    1112
    """
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(*(np.radians(np.asarray(v, dtype=np.float64))
                                                   for v in (lon1, lat1, lon2, lat2)))
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return np.asarray(2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def _floats(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = np.broadcast_arrays(np.asarray(lon, dtype=np.float64),
                                   np.asarray(lat, dtype=np.float64))
    return lon.copy(), lat.copy()


def _canonical(crs: str) -> str:
    kind = _ALIASES.get(str(crs).strip().lower())
    if kind is None:
        raise ValueError(_("unknown CRS {crs!r}: use one of {supported} (or EPSG:4326, "
                           "EPSG:4490)").format(crs=crs, supported=", ".join(SUPPORTED_CRS)))
    return kind


def _out_of_china(lon: np.ndarray, lat: np.ndarray, margin: float = 0.0) -> np.ndarray:
    lon_min, lon_max, lat_min, lat_max = _CHINA_BOX
    return ((lon < lon_min - margin) | (lon > lon_max + margin)
            | (lat < lat_min - margin) | (lat > lat_max + margin))


def _gcj_shift(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The published GCJ-02 forward shift, applied everywhere (no China test)."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + common
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + common
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad_lat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return lon + dlon, lat + dlat


def _invert(forward, lon: np.ndarray, lat: np.ndarray,
            start: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Solve forward(x, y) == (lon, lat) by fixed-point iteration from ``start``."""
    x, y = start
    for _step in range(_MAX_ITER):
        fx, fy = forward(x, y)
        dx, dy = lon - fx, lat - fy
        x, y = x + dx, y + dy
        if max(np.max(np.abs(dx), initial=0.0), np.max(np.abs(dy), initial=0.0)) < _TOL_DEG:
            break
    return np.asarray(x), np.asarray(y)
