"""gisapp.crs: GCJ-02/BD-09 against a scalar reference and published vectors, exact inverses, zones."""

from __future__ import annotations

import doctest
import json
import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gisapp import crs
from gisapp.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    detect_offset,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    metric_crs_for,
    offset_m,
    to_wgs84,
    to_wgs84_geometry,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = 72.004, 137.8347, 0.8293, 55.8271


# --- the published algorithm, one point at a time (coordTransform / eviltransform) -------------

def _ref_out_of_china(lng: float, lat: float) -> bool:
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _ref_transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _ref_transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _ref_wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if _ref_out_of_china(lng, lat):
        return lng, lat
    a, ee = 6378245.0, 0.00669342162296594323
    dlat = _ref_transform_lat(lng - 105.0, lat - 35.0)
    dlng = _ref_transform_lon(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (a / sqrtmagic * math.cos(radlat) * math.pi)
    return lng + dlng, lat + dlat


def _ref_gcj02_to_bd09(lng: float, lat: float) -> tuple[float, float]:
    x_pi = math.pi * 3000.0 / 180.0
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * x_pi)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def _china_points(n: int = 2000, seed: int = 20240601) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(LON_MIN, LON_MAX, n), rng.uniform(LAT_MIN, LAT_MAX, n)


# --- forward ------------------------------------------------------------------------------------

# eviltransform's own test vectors: (WGS lat, WGS lon, GCJ lat, GCJ lon).
@pytest.mark.parametrize("wlat, wlon, glat, glon", [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),     # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),     # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),     # Beijing
])
def test_forward_matches_published_vectors(wlat, wlon, glat, glon):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert abs(lon - glon) < 1e-9 and abs(lat - glat) < 1e-9


def test_forward_matches_scalar_reference_across_china():
    lon, lat = _china_points()
    # a few hundred points around the world too, so both branches are compared
    rng = np.random.default_rng(7)
    lon = np.concatenate([lon, rng.uniform(-180, 180, 300)])
    lat = np.concatenate([lat, rng.uniform(-80, 80, 300)])

    glon, glat = wgs84_to_gcj02(lon, lat)

    ref = np.array([_ref_wgs84_to_gcj02(x, y) for x, y in zip(lon.tolist(), lat.tolist())])
    assert np.max(np.abs(glon - ref[:, 0])) < 1e-9
    assert np.max(np.abs(glat - ref[:, 1])) < 1e-9


def test_bd09_matches_scalar_reference():
    lon, lat = _china_points(500)
    blon, blat = gcj02_to_bd09(lon, lat)
    ref = np.array([_ref_gcj02_to_bd09(x, y) for x, y in zip(lon.tolist(), lat.tolist())])
    assert np.max(np.abs(blon - ref[:, 0])) < 1e-9
    assert np.max(np.abs(blat - ref[:, 1])) < 1e-9


def test_beijing_offset_is_about_520_m_east_145_m_north():
    lon, lat = wgs84_to_gcj02(116.39, 39.9)
    assert lon - 116.39 == pytest.approx(0.0061, abs=3e-4)
    assert lat - 39.9 == pytest.approx(0.0013, abs=3e-4)
    assert offset_m(116.39, 39.9, lon, 39.9) == pytest.approx(520, abs=30)
    assert offset_m(116.39, 39.9, 116.39, lat) == pytest.approx(145, abs=20)


def test_outside_china_is_unchanged_both_ways():
    lon, lat = np.array([14.5, -73.99, 151.2]), np.array([46.05, 40.73, -33.87])
    for fn in (wgs84_to_gcj02, gcj02_to_wgs84):
        out_lon, out_lat = fn(lon, lat)
        assert out_lon.tolist() == lon.tolist() and out_lat.tolist() == lat.tolist()


def test_scalars_and_shapes_come_back_as_float64_arrays():
    functions = (wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02,
                 wgs84_to_bd09, bd09_to_wgs84)
    for fn in functions:
        for lon in (116, np.full((2, 3), 116.4)):
            for out in fn(lon, 39.9):
                assert isinstance(out, np.ndarray) and out.dtype == np.float64
                assert out.shape == np.shape(lon)


# --- exact inverses -----------------------------------------------------------------------------

def test_gcj02_round_trip_is_exact_across_china():
    lon, lat = _china_points()
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.max(offset_m(lon, lat, *back)) < 0.01
    # and the other way, away from the box edge: within ~0.01 deg inside it lie GCJ-02 points
    # that no WGS-84 point maps to (their preimage would be outside the box, hence unshifted)
    inner = ((lon > LON_MIN + 0.02) & (lon < LON_MAX - 0.02)
             & (lat > LAT_MIN + 0.02) & (lat < LAT_MAX - 0.02))
    again = wgs84_to_gcj02(*gcj02_to_wgs84(lon[inner], lat[inner]))
    assert np.max(offset_m(lon[inner], lat[inner], *again)) < 0.01


def test_bd09_round_trip_is_exact_across_china():
    lon, lat = _china_points()
    assert np.max(offset_m(lon, lat, *bd09_to_wgs84(*wgs84_to_bd09(lon, lat)))) < 0.01
    assert np.max(offset_m(lon, lat, *bd09_to_gcj02(*gcj02_to_bd09(lon, lat)))) < 0.01


def test_round_trip_holds_on_the_box_edges():
    lon = np.array([LON_MIN, LON_MAX, LON_MIN, LON_MAX, 105.0, 105.0, LON_MIN, LON_MAX])
    lat = np.array([LAT_MIN, LAT_MIN, LAT_MAX, LAT_MAX, LAT_MIN, LAT_MAX, 30.0, 30.0])
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.max(offset_m(lon, lat, *back)) < 0.01


def test_one_step_inverse_would_not_pass():
    """The round-trip tests above can fail: the naive q - delta(q) is off by far more than 1 cm."""
    lon, lat = _china_points(200)
    glon, glat = wgs84_to_gcj02(lon, lat)
    slon, slat = wgs84_to_gcj02(glon, glat)
    naive = (2 * glon - slon, 2 * glat - slat)
    assert np.max(offset_m(lon, lat, *naive)) > 0.1


@settings(max_examples=300, deadline=None)
@given(lon=st.floats(LON_MIN, LON_MAX), lat=st.floats(LAT_MIN, LAT_MAX))
def test_gcj02_round_trip_property(lon, lat):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert offset_m(lon, lat, *back) < 0.01


# --- CRS names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["wgs84", "WGS84", "cgcs2000", "EPSG:4326", "epsg:4490"])
def test_wgs84_and_cgcs2000_are_identity(name):
    assert [v.tolist() for v in to_wgs84([116.39, 113.6], [39.9, 34.75], name)] == \
        [[116.39, 113.6], [39.9, 34.75]]


def test_to_wgs84_dispatches_gcj02_and_bd09():
    lon, lat = _china_points(50)
    assert np.array_equal(to_wgs84(lon, lat, "GCJ02")[0], gcj02_to_wgs84(lon, lat)[0])
    assert np.array_equal(to_wgs84(lon, lat, "bd09")[1], bd09_to_wgs84(lon, lat)[1])


def test_unknown_crs_names_the_allowed_values():
    with pytest.raises(ValueError, match="wgs84, cgcs2000, gcj02, bd09"):
        to_wgs84(116.0, 40.0, "EPSG:3857")


def test_to_wgs84_geometry_moves_every_vertex():
    poly_with_hole = shapely.Polygon([(116.0, 40.0), (116.1, 40.0), (116.1, 40.1), (116.0, 40.0)],
                                     [[(116.05, 40.01), (116.09, 40.01), (116.09, 40.05),
                                       (116.05, 40.01)]])
    geoms = [shapely.Point(116.39, 39.9),
             shapely.LineString([(113.6, 34.75), (113.7, 34.8)]),
             poly_with_hole,
             shapely.MultiPolygon([poly_with_hole, shapely.box(117, 39, 117.1, 39.1)])]
    for given_geoms in (np.array(geoms, dtype=object), gpd.GeoSeries(geoms, crs="EPSG:4326")):
        out = to_wgs84_geometry(given_geoms, "gcj02")
        assert isinstance(out, np.ndarray)
        assert shapely.get_type_id(out).tolist() == shapely.get_type_id(geoms).tolist()
        xy = shapely.get_coordinates(geoms)
        expected = np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1]))
        assert np.array_equal(shapely.get_coordinates(out), expected)
    same = to_wgs84_geometry(geoms, "cgcs2000")
    assert all(a.equals_exact(b, 0) for a, b in zip(same, geoms))


# --- metric zones -------------------------------------------------------------------------------

@pytest.mark.parametrize("lon, lat, code, central_meridian", [
    (113.6, 34.75, "EPSG:4547", 114),   # Zhengzhou
    (116.4, 39.9, "EPSG:4548", 117),    # Beijing
    (117.4, 40.0, "EPSG:4548", 117),    # Jizhou, Tianjin
    (73.5, 39.5, "EPSG:4534", 75),      # westernmost zone
    (134.9, 48.0, "EPSG:4554", 135),    # easternmost zone
])
def test_metric_crs_for_picks_the_3_degree_zone(lon, lat, code, central_meridian):
    assert metric_crs_for(lon, lat) == code
    projection = pyproj.CRS(code).coordinate_operation
    params = {p.name: p.value for p in projection.params}
    assert params["Longitude of natural origin"] == central_meridian


@pytest.mark.parametrize("lon, lat", [(73.4, 39.0), (136.5, 48.0), (14.5, 46.05), (116.4, -30.0)])
def test_metric_crs_for_refuses_points_outside_the_zones(lon, lat):
    with pytest.raises(ValueError, match="3-degree zone"):
        metric_crs_for(lon, lat)


# --- detecting an unstated offset on real data ---------------------------------------------------

def _iou(a, b) -> float:
    return float(shapely.area(shapely.intersection(a, b)) / shapely.area(shapely.union(a, b)))


def _iou_scorer(geoms: np.ndarray, reference):
    """An inside_fn: rebuild ``geoms`` from the vertex coordinates it is given, IoU with reference.

    Areas in square degrees are fine for a ratio over one district.
    """
    def score(lon, lat) -> float:
        moved = shapely.set_coordinates(geoms.copy(), np.column_stack([lon, lat]))
        return _iou(shapely.union_all(shapely.make_valid(moved)), reference)
    return score


@pytest.fixture
def haidian(shared_data):
    streets = gpd.read_file(shared_data / "boundaries" / "haidian_streets_wgs84.geojson")
    with open(shared_data / "boundaries" / "haidian_datav_gcj02.json", encoding="utf-8") as f:
        datav = json.load(f)
    outline = np.array([shapely.geometry.shape(feat["geometry"]) for feat in datav["features"]],
                       dtype=object)
    street_geoms = np.asarray(streets.geometry.values, dtype=object)
    return street_geoms, outline


def test_detect_offset_finds_gcj02_in_datav_outline(haidian):
    streets, outline = haidian
    reference = shapely.union_all(shapely.make_valid(streets))
    score = _iou_scorer(outline, reference)
    xy = shapely.get_coordinates(outline)

    assert detect_offset(xy[:, 0], xy[:, 1], score) == "gcj02"
    assert score(xy[:, 0], xy[:, 1]) < 0.92                        # raw: 0.907
    assert score(*gcj02_to_wgs84(xy[:, 0], xy[:, 1])) > 0.99       # converted: 0.995


def test_detect_offset_leaves_wgs84_streets_alone(haidian):
    streets, _ = haidian
    reference = shapely.union_all(shapely.make_valid(streets))
    xy = shapely.get_coordinates(streets)
    assert detect_offset(xy[:, 0], xy[:, 1], _iou_scorer(streets, reference)) is None


def test_detect_offset_finds_bd09_in_streets_moved_to_baidu(haidian):
    streets, _ = haidian
    reference = shapely.union_all(shapely.make_valid(streets))
    xy = shapely.get_coordinates(streets)
    blon, blat = wgs84_to_bd09(xy[:, 0], xy[:, 1])
    assert detect_offset(blon, blat, _iou_scorer(streets, reference)) == "bd09"


@pytest.mark.parametrize("as_is, gcj02, bd09, expected", [
    (0.90, 0.91, 0.85, None),       # a gain of 0.01 is not clear enough
    (0.90, 0.92, 0.85, "gcj02"),
    (0.90, 0.93, 0.95, "bd09"),     # the better of the two conversions wins
    (0.50, 0.40, 0.30, None),
])
def test_detect_offset_needs_a_clear_gain(as_is, gcj02, bd09, expected):
    lon, lat = np.array([116.39]), np.array([39.9])
    readings = [((lon, lat), as_is), (gcj02_to_wgs84(lon, lat), gcj02),
                (bd09_to_wgs84(lon, lat), bd09)]

    def score(x, y):
        return next(s for (rx, ry), s in readings if np.array_equal(x, rx) and np.array_equal(y, ry))

    assert detect_offset(lon, lat, score) == expected


# --- distance and docs --------------------------------------------------------------------------

def test_offset_m_one_degree_of_latitude():
    assert offset_m(116.0, 39.5, 116.0, 40.5) == pytest.approx(111195, abs=1)
    assert offset_m([116.0, 14.5], [40.0, 46.0], [116.0, 14.5], [40.0, 46.0]).tolist() == [0, 0]


def test_docstring_examples_hold():
    result = doctest.testmod(crs, raise_on_error=False)
    assert result.attempted > 0 and result.failed == 0
