"""The report's figures on tiny hand-drawn data: coverage per street, missed sources, the
persons of a grid, simplified tracks, the swept area polygon, encoded polylines."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gisapp.fixes import Fixes
from gisapp.reports.html import coverage_class, encode_polylines, safe_json
from gisapp.reports.report_tables import (TrackLines, grid_coverage, grid_persons,
                                          missed_sources, present, simplify_fixes,
                                          street_coverage, swept_geometry)

GRIDS = gpd.GeoDataFrame({
    "grid_code": ["D", "S1", "S2", "S1-A", "S1-B", "S2-A"],
    "name": ["区", "东街道", "西街道", "甲社区", "乙社区", "丙社区"],
    "level": [1, 2, 2, 3, 3, 3],
    "parent_code": [None, "D", "D", "S1", "S1", "S2"],
}, geometry=[shapely.box(0, 0, 0.02, 0.01), shapely.box(0, 0, 0.01, 0.01),
             shapely.box(0.01, 0, 0.02, 0.01), shapely.box(0, 0, 0.005, 0.01),
             shapely.box(0.005, 0, 0.01, 0.01), shapely.box(0.01, 0, 0.02, 0.01)],
    crs="EPSG:4326")


def coverage_rows() -> pd.DataFrame:
    """CoverageResult.grids of three community grids."""
    return pd.DataFrame({
        "grid_code": ["S1-B", "S1-A", "S2-A"], "name": ["乙社区", "甲社区", "丙社区"],
        "level": [3, 3, 3], "inspectors": ["W2", "W1", "W1; W3"],
        "distance_inside_km": [10.04, 20.0, 5.0], "patrol_hours_inside": [3.0, 4.0, 1.25],
        "sources_required": [4, 6, 0], "sources_visited": [3, 6, 0],
        "full_sweep": pd.array([False, True, pd.NA], "boolean"),
        "missed_source_ids": ["P9", "", ""], "missed_source_names": ["<张记>", "", ""],
        "grid_area_km2": [1.0, 3.0, 2.0], "swept_share": [0.5, 0.9, 0.0],
        "swept_area_km2": [0.5, 2.7, 0.0]})


def test_grid_coverage_adds_the_street_and_percentages_by_code():
    table = grid_coverage(coverage_rows(), GRIDS)
    assert table["grid_code"].tolist() == ["S1-A", "S1-B", "S2-A"]
    assert table["street"].tolist() == ["东街道", "东街道", "西街道"]
    assert table["swept_percent"].tolist() == [90.0, 50.0, 0.0]
    assert table["visited_percent"].tolist()[:2] == [100.0, 75.0]
    assert pd.isna(table["visited_percent"].iloc[2])  # nothing to visit: no share


def test_street_coverage_weights_the_swept_share_by_area():
    streets = street_coverage(grid_coverage(coverage_rows(), GRIDS))
    assert streets[["street", "grids", "sources_required", "sources_visited", "full_sweeps",
                    "missed"]].values.tolist() == [["东街道", 2, 10, 9, 1, 1],
                                                   ["西街道", 1, 0, 0, 0, 0]]
    assert streets["swept_percent"].tolist() == [80.0, 0.0]  # (0.5 + 2.7) / (1 + 3)
    assert streets["visited_percent"].iloc[0] == 90.0
    assert pd.isna(streets["visited_percent"].iloc[1])


def test_present_translates_headers_and_yes_no():
    table = grid_coverage(coverage_rows(), GRIDS)
    shown = present(table, "zh_CN", ["grid", "swept_percent", "full_sweep"])
    assert list(shown.columns) == ["网格", "网格面积覆盖率（%）", "全覆盖巡查"]
    assert shown["全覆盖巡查"].tolist()[:2] == ["是", "否"]
    english = present(table, "en", ["grid", "full_sweep"])
    assert list(english.columns) == ["Grid", "Full sweep"]


def test_missed_sources_names_street_grid_inspector_and_category():
    missed = pd.DataFrame({"inspector_id": ["W2"], "source_id": ["P9"],
                           "source_name": ["<张记>"], "grid_code": ["S1-B"],
                           "required_days": [31]})
    sources = pd.DataFrame({"source_id": ["P9"], "category": ["catering_fumes"],
                            "address": ["东街 1 号"]})
    inspectors = pd.DataFrame({"inspector_id": ["W2"], "name": ["李四"]})
    table = missed_sources(missed, sources, inspectors, GRIDS, "zh_CN")
    assert table[["street", "grid", "inspector", "source", "category", "address",
                  "required_days"]].values.tolist() == [
        ["东街道", "乙社区", "李四", "<张记>", "餐饮油烟", "东街 1 号", 31]]


def test_grid_persons_lists_everyone_valid_in_the_month_in_role_order():
    assignments = pd.DataFrame({
        "grid_code": ["S1-A"] * 4, "role": ["inspector", "first_responsible",
                                            "responsible_a", "responsible_a"],
        "inspector_id": ["W1", None, None, None], "person_name": [None, "王五", "赵六", "钱七"],
        "phone": ["1", "2", "3", "4"],
        "valid_from": ["2026-01-01", "2026-01-01", "2026-01-01", "2026-11-01"],
        "valid_to": [None, None, None, None]})
    persons = grid_persons(assignments, ["S1-A"], dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert persons[["role", "name"]].values.tolist() == [
        ["first_responsible", "王五"], ["responsible_a", "赵六"], ["inspector", "W1"]]


def test_tracks_are_cut_per_day_and_simplified_within_the_tolerance():
    # a straight walk east with 1 m of jitter, over two days: two lines, two vertices each
    start = int(dt.datetime(2026, 10, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
                .timestamp() * 1000)
    n = 200
    t = np.r_[start + np.arange(n) * 5000, start + 86_400_000 + np.arange(n) * 5000]
    lon = 113.6 + np.r_[np.arange(n), np.arange(n)] * 0.00005
    lat = 34.75 + np.r_[np.tile([0.0, 0.000009], n // 2), np.tile([0.0, 0.000009], n // 2)]
    tracks = simplify_fixes(Fixes.from_ids(["W1"] * (2 * n), t, lon, lat), tolerance_m=5.0)
    assert tracks.lines["date"].tolist() == ["2026-10-08", "2026-10-09"]
    assert (tracks.lines["stop"] - tracks.lines["start"]).tolist() == [2, 2]
    assert tracks.lines["fixes"].tolist() == [n, n]
    # the cleaned walk with its jitter (4.58 m east, 1 m north a step), not the simplified line
    assert tracks.lines["length_km"].round(2).tolist() == [0.93, 0.93]
    first = tracks.select(np.array([1]))
    assert first.lon.tolist() == pytest.approx([113.6, 113.6 + (n - 1) * 0.00005])
    assert len(tracks.within((113.0, 34.0, 113.59, 34.8))) == 0


def test_swept_geometry_is_the_track_buffered_and_clipped_to_the_grids():
    # a 1 km line across a 2 km x 2 km grid: 1 km x 100 m plus two half discs (r = 50 m)
    lon0, lat0 = 113.6, 34.75
    dx, dy = 1 / 91_500.0, 1 / 110_574.0  # degrees per metre near there (as the plane uses)
    grid = shapely.box(lon0, lat0, lon0 + 2000 * dx, lat0 + 2000 * dy)
    line_lon = lon0 + np.array([500.0, 1500.0]) * dx
    line_lat = lat0 + np.array([1000.0, 1000.0]) * dy
    tracks = TrackLines(pd.DataFrame({"inspector_id": ["W1"], "date": ["2026-10-08"],
                                      "start": [0], "stop": [2], "fixes": [2],
                                      "length_km": [1.0]}), line_lon, line_lat)
    cell = 5.0
    swept = swept_geometry(tracks, [grid], radius_m=50.0, cell_m=cell)
    # drawn from a raster: the edge is right to within half a cell
    perimeter = 2 * 1000 + 2 * np.pi * 50
    assert abs(swept.area / (dx * dy) - (1000 * 100 + np.pi * 50 ** 2)) <= perimeter * cell / 2
    assert swept.within(grid.buffer(1e-9))
    half = shapely.box(lon0, lat0, lon0 + 1000 * dx, lat0 + 2000 * dy)
    clipped = swept_geometry(tracks, [half], 50.0, cell)
    assert abs(clipped.area / (dx * dy) - (500 * 100 + np.pi * 50 ** 2 / 2)) <= \
        (perimeter / 2 + 100) * cell / 2
    assert clipped.within(half.buffer(1e-9))


def test_encoded_polylines_decode_to_the_vertices():
    lat = np.array([34.75, 34.75001, 34.76, 40.0, 40.00002])
    lon = np.array([113.6, 113.60002, 113.5, 116.3, 116.29999])
    texts = encode_polylines(lat, lon, np.array([0, 3]), np.array([3, 5]))
    assert [_decode(t) for t in texts] == [
        [(34.75, 113.6), (34.75001, 113.60002), (34.76, 113.5)],
        [(40.0, 116.3), (40.00002, 116.29999)]]


def _decode(text: str) -> list[tuple[float, float]]:
    """Google's algorithm, as the page's script does it."""
    values, index = [], 0
    while index < len(text):
        shift = result = 0
        while True:
            b = ord(text[index]) - 63
            index += 1
            result |= (b & 31) << shift
            shift += 5
            if b < 32:
                break
        values.append(~(result >> 1) if result & 1 else result >> 1)
    coords = np.cumsum(np.asarray(values).reshape(-1, 2), axis=0) / 1e5
    return [(round(a, 5), round(b, 5)) for a, b in coords]


def test_safe_json_leaves_no_tag_and_no_template():
    text = safe_json({"t": "</script><img src=x onerror=alert(1)>{{7*7}}{%x%}{#c#}"})
    assert "<" not in text and ">" not in text
    assert "{{" not in text and "{%" not in text and "{#" not in text
    import json
    assert json.loads(text)["t"] == "</script><img src=x onerror=alert(1)>{{7*7}}{%x%}{#c#}"


def test_coverage_classes():
    assert coverage_class([0.0, 0.59, 0.6, 0.8, 0.95, 1.0]).tolist() == [0, 0, 1, 2, 4, 4]
