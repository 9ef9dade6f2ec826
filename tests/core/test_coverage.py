"""The coverage engine on hand-built worlds with known answers, a real GeoLife track and the
demo month."""

from __future__ import annotations

import datetime as dt
import doctest
import functools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gisapp import coverage
from gisapp.coverage import (
    CoverageInputs,
    CoverageParams,
    Period,
    compute_coverage,
    near_pairs,
    rasterize,
)
from gisapp.fixes import Fixes
from gisapp.geodesy import LocalProjection
from gisapp.tracks import CleaningParams, clean_track, stops

P = LocalProjection.around(113.62, 34.75)
OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 11, 1))


def local_ms(day: int, hh: int = 9, mm: int = 0, ss: int = 0) -> int:
    """UTC ms of 2026-10-<day> hh:mm:ss Asia/Shanghai."""
    moment = dt.datetime(2026, 10, day, hh, mm, ss, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return int(moment.timestamp() * 1000)


def lonlat(geometry):
    """A metric shapely geometry (about P's centre) in lon/lat."""
    return shapely.transform(geometry, lambda xy: np.column_stack(P.inverse(xy[:, 0], xy[:, 1])))


def fixes(inspector, x, y, start_ms, every_s=10.0) -> Fixes:
    x, y = np.asarray(x, float), np.asarray(y, float)
    lon, lat = P.inverse(x, y)
    t = start_ms + np.round(np.arange(len(x)) * every_s * 1000).astype(np.int64)
    return Fixes.from_ids([inspector] * len(x), t, lon, lat)


# ---- a small world: street S1 with communities G1 and G2; G1 holds a key enterprise G1K01 ----
def world(tracks: list[Fixes], assignments: list[tuple]) -> CoverageInputs:
    grids = gpd.GeoDataFrame({
        "grid_code": ["S1", "G1", "G2", "G1K01"],
        "name": ["一街道", "一社区", "二社区", "一号企业"],
        "level": [2, 3, 3, 4],
        "parent_code": [None, "S1", "S1", "G1"],
    }, geometry=[lonlat(shapely.box(0, 0, 2000, 1000)), lonlat(shapely.box(0, 0, 1000, 1000)),
                 lonlat(shapely.box(1000, 0, 2000, 1000)),
                 lonlat(shapely.box(100, 100, 250, 250))],
        crs="EPSG:4326")
    sources = gpd.GeoDataFrame({
        "source_id": ["A1", "B1", "K1", "K2"],
        "name": ["甲餐馆", "乙工地", "丙化工", "丙化工仓库"],
        "grid_code": ["G1", "G2", "G1", "G1K01"],
        "key_grid_code": [None, None, "G1K01", None],
    }, geometry=[lonlat(shapely.Point(500, 500)), lonlat(shapely.Point(1500, 500)),
                 lonlat(shapely.Point(150, 150)), lonlat(shapely.Point(200, 200))],
        crs="EPSG:4326")
    frame = pd.DataFrame(assignments, columns=["inspector_id", "grid_code", "valid_from",
                                               "valid_to"])
    frame["role"] = "inspector"
    people = pd.DataFrame({"inspector_id": sorted(set(frame["inspector_id"])),
                           "name": "张三", "kind": "full_time"})
    return CoverageInputs(Fixes.concat(tracks), grids, sources, frame, people)


def visit_at(inspector, sx, sy, distance, day, stay_s=120, hh=9):
    """Ride down from the north to ``distance`` m north of (sx, sy), stay ``stay_s``, ride
    back. Arrives at hh:10:00; steps of 45 m every 10 s (an e-bike), so for a distance of 5 m
    or more the fixes before and after the stay are beyond 50 m."""
    approach = sy + distance + np.arange(30, 0, -1) * 45.0
    stay = np.full(int(stay_s // 10) + 1, sy + distance)
    leave = sy + distance + np.arange(1, 31) * 45.0
    y = np.r_[approach, stay, leave]
    return fixes(inspector, np.full(len(y), sx), y, local_ms(day, hh, 10) - 30 * 10_000)


def result_for(track, **kw):
    inputs = world([track], [("W1", "G1", "2026-01-01", None)])
    return compute_coverage(inputs, *OCTOBER, **kw)


# ---- visits ---------------------------------------------------------------------------------
def test_a_two_minute_stop_at_a_source_counts():
    result = result_for(visit_at("W1", 500, 500, 10, day=13))
    visits = result.visits.set_index("source_id")
    assert list(visits.index) == ["A1"]
    assert visits.loc["A1", "dwell_s"] == 120.0
    assert visits.loc["A1", "first_visit"] == pd.Timestamp("2026-10-13 09:10", tz="Asia/Shanghai")
    assert visits.loc["A1", "last_visit"] == pd.Timestamp("2026-10-13 09:12", tz="Asia/Shanghai")
    row = result.inspectors.iloc[0]
    assert (row.sources_required, row.sources_visited) == (3, 1)  # A1, K1, K2


def test_driving_past_at_60_kmh_does_not_count():
    x = np.arange(0, 1000, 16.67)  # 60 km/h, a fix every second, straight through the source
    result = result_for(fixes("W1", x, np.full(len(x), 500.0), local_ms(13), every_s=1.0))
    assert result.visits.empty
    assert result.inspectors.iloc[0].sources_visited == 0


def test_a_two_minute_stop_at_51_m_does_not_count_and_at_49_m_does():
    assert result_for(visit_at("W1", 500, 500, 51, day=13)).visits.empty
    assert result_for(visit_at("W1", 500, 500, 49, day=13)).visits["source_id"].tolist() == ["A1"]


def test_a_stop_one_second_short_of_the_minimum_does_not_count():
    track = visit_at("W1", 500, 500, 10, day=13, stay_s=50)  # 50 s standing
    assert result_for(track).visits.empty
    params = CoverageParams(min_dwell_s=50)
    assert not result_for(track, params=params).visits.empty


def test_a_silence_longer_than_max_gap_splits_a_dwell():
    track = visit_at("W1", 500, 500, 10, day=13, stay_s=100)
    keep = np.ones(len(track), bool)
    keep[33:39] = False  # 70 s of silence in the middle of the stay
    track = track.take(np.flatnonzero(keep))
    assert not result_for(track).visits.empty  # 70 s <= 120 s: one dwell of 100 s
    assert result_for(track, params=CoverageParams(max_gap_s=60)).visits.empty


def test_sources_of_child_grids_are_required():
    result = result_for(visit_at("W1", 150, 150, 0, day=13))
    missed = result.missed
    assert sorted(missed["source_id"]) == ["A1", "K2"]  # K1 (key source of G1K01) visited
    assert result.inspectors.iloc[0].missed_source_names == "甲餐馆; 丙化工仓库"
    assert not result.inspectors.iloc[0].full_sweep


def test_full_sweep_when_every_source_is_visited():
    track = Fixes.concat([visit_at("W1", 500, 500, 0, 13), visit_at("W1", 150, 150, 0, 14),
                          visit_at("W1", 200, 200, 0, 15)])
    row = result_for(track).inspectors.iloc[0]
    assert row.full_sweep and row.sources_visited == 3 and row.missed_source_ids == ""


def test_a_mid_month_reassignment_splits_the_requirement():
    assignments = [("W1", "G1", "2026-10-01", "2026-10-15"), ("W1", "G2", "2026-10-16", None),
                   ("W2", "G2", "2026-01-01", "2026-10-15"), ("W2", "G1", "2026-10-16", None)]
    tracks = [visit_at("W1", 500, 500, 0, day=10),   # A1 while G1 is his: counts
              visit_at("W1", 1500, 500, 0, day=5),   # B1 before G2 is his: does not
              visit_at("W2", 1500, 500, 0, day=12),  # B1 while G2 is his: counts
              visit_at("W2", 500, 500, 0, day=20)]   # A1 after G1 became his: counts
    result = compute_coverage(world(tracks, assignments), *OCTOBER)
    people = result.inspectors.set_index("inspector_id")
    assert people.loc["W1", "sources_required"] == 4  # A1, K1, K2 and B1
    assert people.loc["W1", "missed_source_ids"] == "B1; K1; K2"
    assert people.loc["W2", "missed_source_ids"] == "K1; K2"
    assert result.visits.query("inspector_id == 'W1'")["source_id"].tolist() == ["A1"]
    grids = result.grids.set_index("grid_code")
    assert grids.loc["G1", "inspectors"] == "W1; W2"
    assert grids.loc["G1", "missed_source_ids"] == "K1; K2"
    assert grids.loc["G2", "sources_visited"] == 1 and grids.loc["G2", "full_sweep"]
    missed = result.missed.query("inspector_id == 'W1' and source_id == 'B1'")
    assert missed["required_days"].tolist() == [16]  # 16-31 October


def test_no_assignment_means_no_requirement():
    inputs = world([visit_at("W9", 500, 500, 0, 13)], [("W1", "G1", "2026-01-01", None)])
    result = compute_coverage(inputs, *OCTOBER)
    row = result.inspectors.set_index("inspector_id").loc["W9"]
    assert row.sources_required == 0 and pd.isna(row.full_sweep)
    assert result.inspectors.set_index("inspector_id").loc["W1", "fixes_kept"] == 0


# ---- distance, time, outside ---------------------------------------------------------------
def test_distance_hours_and_active_days():
    walk = fixes("W1", np.linspace(0, 1000, 61) + 0.0, np.full(61, 500.0), local_ms(13))
    walk2 = fixes("W1", np.linspace(0, 1000, 61), np.full(61, 600.0), local_ms(14))
    row = result_for(Fixes.concat([walk, walk2])).inspectors.iloc[0]
    assert row.distance_km == pytest.approx(2.0, abs=1e-5)
    assert row.patrol_hours == pytest.approx(2 * 600 / 3600)
    assert row.active_days == 2 and row.fixes_kept == 122


def test_time_outside_the_assigned_grids():
    x = np.r_[np.full(10, -200.0), np.full(10, 100.0), np.full(7, -20.0)]
    y = np.full(len(x), 500.0)
    row = result_for(fixes("W1", x, y, local_ms(13))).inspectors.iloc[0]
    # 9 steps among the fixes 200 m out, and the step that leaves them: 100 s; 20 m out is
    # within the 50 m margin (GPS noise on a boundary road)
    assert row.outside_s == 100.0


def test_daily_table():
    result = result_for(visit_at("W1", 500, 500, 0, day=13))
    daily = result.daily
    assert daily["date"].tolist() == ["2026-10-13"]
    assert daily["fixes_kept"].tolist() == [73]
    assert daily["first_fix"].iloc[0] == pd.Timestamp("2026-10-13 09:05", tz="Asia/Shanghai")


# ---- swept area ----------------------------------------------------------------------------
def test_swept_share_agrees_with_shapely_within_one_percent_of_the_grid():
    rng = np.random.default_rng(11)
    phase = np.linspace(0, 2 * np.pi, 1500)  # a Lissajous patrol that also leaves the grid
    x = 500 + 560 * np.sin(3 * phase) + rng.normal(0, 5, 1500)
    y = 500 + 430 * np.sin(4 * phase + 0.7) + rng.normal(0, 5, 1500)
    every = np.full(1500, 10.0)
    every[[400, 900]] = 1200  # two 20-minute silences: three sessions
    t = local_ms(13) + np.cumsum(every * 1000).astype(np.int64)
    lon, lat = P.inverse(x, y)
    lone = Fixes.from_ids(["W1"], [local_ms(14)], *P.inverse(np.array([900.0]),
                                                             np.array([100.0])))
    track = Fixes.concat([Fixes.from_ids(["W1"] * 1500, t, lon, lat), lone])
    result = result_for(track)
    engine = LocalProjection.for_bounds(*world([], []).grids.total_bounds)  # the engine's
    cleaned = clean_track(track, CleaningParams(), engine)
    parts = [shapely.LineString(np.column_stack([cleaned.x, cleaned.y])[cleaned.session == s])
             if (cleaned.session == s).sum() > 1 else
             shapely.Point(cleaned.x[cleaned.session == s][0], cleaned.y[cleaned.session == s][0])
             for s in np.unique(cleaned.session)]
    assert len(parts) == 4
    swept = shapely.union_all(shapely.buffer(np.array(parts), 50, quad_segs=32))
    grid = engine.geometries(lonlat(shapely.box(0, 0, 1000, 1000)))
    exact = shapely.intersection(swept, grid).area / grid.area
    share = result.inspectors.iloc[0].swept_share
    assert 0.2 < exact < 0.95  # a real test: neither empty nor everything
    assert abs(share - exact) < 0.01
    assert result.inspectors.iloc[0].swept_area_km2 == pytest.approx(share * grid.area / 1e6)


def test_swept_share_counts_only_days_the_grid_was_assigned():
    walk = fixes("W1", np.linspace(0, 1000, 100), np.full(100, 500.0), local_ms(13))
    before = compute_coverage(world([walk], [("W1", "G1", "2026-10-14", None)]), *OCTOBER)
    after = compute_coverage(world([walk], [("W1", "G1", "2026-10-13", None)]), *OCTOBER)
    assert before.inspectors.iloc[0].swept_share == 0
    assert after.inspectors.iloc[0].swept_share == pytest.approx(0.1, abs=0.005)


def test_rasterize_marks_exactly_the_cell_centres_inside():
    polygon = shapely.Polygon([(3, 4), (97, 12), (61, 88), (40, 50), (8, 70)],
                              holes=[[(50, 30), (60, 30), (55, 40)]])
    mask = rasterize(polygon, 5.0, -2, -3, 25, 26)
    rows, cols = np.mgrid[0:25, 0:26]
    centres_x, centres_y = (cols - 3 + 0.5) * 5.0, (rows - 2 + 0.5) * 5.0
    np.testing.assert_array_equal(mask, shapely.contains_xy(polygon, centres_x, centres_y))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.floats(5, 80))
def test_near_pairs_finds_every_pair_within_the_radius(seed, n_points, radius):
    rng = np.random.default_rng(seed)
    points = rng.uniform(-300, 300, (n_points, 2))
    x, y = rng.uniform(-400, 400, 500), rng.uniform(-400, 400, 500)
    fix, point = near_pairs(x, y, points, radius)
    d = np.hypot(x[:, None] - points[None, :, 0], y[:, None] - points[None, :, 1])
    expected = np.argwhere(d <= radius)
    assert sorted(zip(fix.tolist(), point.tolist())) == sorted(map(tuple, expected.tolist()))


def test_periods():
    period = Period.month("2026-02")
    assert len(period.days) == 28 and str(period.dates[0]) == "2026-02-01"
    with pytest.raises(ValueError):
        Period.between(dt.datetime(2026, 10, 1), dt.datetime(2026, 11, 1))


def test_progress_is_reported_per_inspector():
    calls = []
    inputs = world([visit_at("W1", 500, 500, 0, 13), visit_at("W2", 1500, 500, 0, 13)],
                   [("W1", "G1", None, None), ("W2", "G2", None, None)])
    compute_coverage(inputs, *OCTOBER, progress=lambda done, total, text: calls.append(
        (done, total, text)))
    assert calls == [(1, 2, "W1"), (2, 2, "W2")]


def test_doctests():
    assert doctest.testmod(coverage).failed == 0


# ---- a real-world track --------------------------------------------------------------------
def test_geolife_track_with_sources_on_its_path(shared_data):
    path = shared_data / "tracks" / "geolife_small.gpkg"
    if not path.exists():
        pytest.skip(f"{path} not present")
    frame = gpd.read_file(path, layer="testdata_geolife2")
    t = pd.to_datetime(frame["t"], utc=True).dt.as_unit("ms").astype("int64").to_numpy()
    ids = "T" + frame["trajectory_id"].astype(str)
    raw = Fixes.from_ids(ids, t, frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy())
    projection = LocalProjection.for_bounds(*frame.total_bounds)
    grids, sources, assignments, expected, exact = [], [], [], {}, {}
    for code, inspector in enumerate(raw.inspector_ids):
        track = clean_track(raw.take(np.flatnonzero(raw.inspector == code)), CleaningParams(),
                            projection)
        xy = np.column_stack([track.x, track.y])
        hull = shapely.MultiPoint(xy).convex_hull.buffer(300)
        grids.append((f"G{code}", hull))
        lines = [shapely.LineString(xy[track.session == s]) if (track.session == s).sum() > 1
                 else shapely.Point(xy[track.session == s][0]) for s in np.unique(track.session)]
        swept = shapely.union_all(shapely.buffer(np.array(lines), 50, quad_segs=32))
        exact[inspector] = shapely.intersection(swept, hull).area / hull.area
        assignments.append((inspector, f"G{code}"))
        mine = []
        # a source where the track stops two minutes within 40 m: visited
        stopped = stops(Fixes.from_ids([inspector] * len(track), track.time_ms, track.lon,
                                       track.lat), 120, 40, projection=projection)
        for k, stop in enumerate(stopped.itertuples()):
            inside = ((track.time_ms >= stop.start.value // 10**6)
                      & (track.time_ms <= stop.end.value // 10**6))
            if np.diff(track.time_ms[inside]).max() <= 60_000:  # no silence ends the dwell
                mine.append((f"{inspector}-stop{k}", *projection.forward(stop.lon, stop.lat),
                             True))
        # a source beside a fast stretch, where the track spends under a minute in 50 m
        speed = np.hypot(np.diff(track.x), np.diff(track.y)) / np.maximum(
            np.diff(track.time_ms) / 1000, 1)
        for i in np.flatnonzero(speed > 8)[::25]:
            near = np.hypot(track.x - track.x[i], track.y - track.y[i]) <= 50
            if np.ptp(track.time_ms[near]) < 60_000:
                mine.append((f"{inspector}-fast{i}", track.x[i] + 20, track.y[i], False))
                break
        # a source inside the grid 150 m or more from every fix: missed
        corner = np.array(hull.exterior.coords[0])
        inward = np.array(hull.centroid.coords[0]) - corner
        spot = corner + 120 * inward / np.linalg.norm(inward)
        if np.min(np.hypot(*(xy - spot).T)) > 150:
            mine.append((f"{inspector}-far", *spot, False))
        sources += [(s, g, x, y) for s, x, y, _ in mine for g in [f"G{code}"]]
        expected[inspector] = {s for s, *_, visited in mine if visited}
    to_lonlat = functools.partial(shapely.transform, transformation=lambda xy: np.column_stack(
        projection.inverse(xy[:, 0], xy[:, 1])))
    inputs = CoverageInputs(
        raw,
        gpd.GeoDataFrame({"grid_code": [g for g, _ in grids], "name": [g for g, _ in grids],
                          "level": 3, "parent_code": None},
                         geometry=[to_lonlat(h) for _, h in grids], crs="EPSG:4326"),
        gpd.GeoDataFrame({"source_id": [s[0] for s in sources], "name": [s[0] for s in sources],
                          "grid_code": [s[1] for s in sources], "key_grid_code": None},
                         geometry=[to_lonlat(shapely.Point(s[2], s[3])) for s in sources],
                         crs="EPSG:4326"),
        pd.DataFrame([{"inspector_id": i, "grid_code": g, "role": "inspector",
                       "valid_from": None, "valid_to": None} for i, g in assignments]))
    result = compute_coverage(inputs, dt.date(2008, 12, 1), dt.date(2009, 7, 1))
    assert sum(len(v) for v in expected.values()) >= 3
    assert any(s.endswith("-far") for s, *_ in sources)
    assert any("-fast" in s for s, *_ in sources)
    visited = result.visits.groupby("inspector_id")["source_id"].apply(set).to_dict()
    for inspector in raw.inspector_ids:
        assert visited.get(inspector, set()) == expected[inspector], inspector
    rows = result.inspectors.set_index("inspector_id")
    assert (rows["fixes_kept"] + rows["fixes_dropped"]).sum() == len(raw)
    for inspector, share in exact.items():  # the real track sweeps as shapely says
        assert abs(rows.loc[inspector, "swept_share"] - share) < 0.01, inspector


# ---- the demo month ------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def demo_month():
    """The demo district's month at scale "demo" and its coverage (shared with the
    authenticity tests)."""
    demo = pytest.importorskip("gisapp.demo")
    district = demo.build_demo(scale="demo")
    inputs = CoverageInputs(district.fixes(), district.grids, district.sources,
                            district.assignments, district.inspectors)
    month = Period.month(district.truth["month"])
    start = dt.date.fromisoformat(district.truth["month"] + "-01")
    result = compute_coverage(inputs, start, start + dt.timedelta(
        days=len(month.days)))
    return district, result


@pytest.mark.slow
def test_demo_inspectors_planned_to_miss_sources_miss_exactly_those():
    district, result = demo_month()
    planned = {k: sorted(v) for k, v in district.truth["missed_sources"].items()}
    assert planned, "the demo plans some missed sources"
    found = result.missed.groupby("inspector_id")["source_id"].apply(sorted).to_dict()
    assert found == planned
    rows = result.inspectors.set_index("inspector_id")
    everyone_else = rows.drop(index=list(planned))
    assert everyone_else["full_sweep"].all()
    assert (rows["sources_required"] > 0).all()
    assert rows["swept_share"].between(0.3, 1.0).all()


def test_a_project_with_an_inspector_split_over_partitions_gives_the_same_result(tmp_path):
    from gisapp.project import Project
    tracks = [visit_at("W1", 500, 500, 0, 13), visit_at("W1", 150, 150, 0, 14),
              visit_at("W2", 1500, 500, 0, 13)]
    september = fixes("W1", [500.0] * 13, [500.0] * 13, local_ms(13) - 30 * 86_400_000)
    inputs = world(tracks, [("W1", "G1", None, None), ("W2", "G2", None, None)])
    project = Project.create(tmp_path / "p.gpkg")
    for name, frame in (("grids", inputs.grids), ("sources", inputs.sources),
                        ("inspectors", inputs.inspectors), ("assignments", inputs.assignments)):
        project.set_table(name, frame)
    project.add_fixes(Fixes.concat([tracks[0], tracks[2], september]))  # W1 in two files,
    project.add_fixes(tracks[1])                                        # and in September
    project.save()
    from_project = compute_coverage(Project.open(tmp_path / "p.gpkg"), *OCTOBER)
    in_memory = compute_coverage(inputs, *OCTOBER)
    columns = ["inspector_id", "fixes_kept", "sources_visited", "missed_source_ids",
               "distance_km", "swept_share"]
    pd.testing.assert_frame_equal(from_project.inspectors[columns], in_memory.inspectors[columns])
    assert from_project.inspectors.set_index("inspector_id").loc["W1", "fixes_kept"] == 146
    one_day = compute_coverage(Project.open(tmp_path / "p.gpkg"), dt.date(2026, 10, 14),
                               dt.date(2026, 10, 15))
    assert one_day.inspectors.set_index("inspector_id").loc["W1", "fixes_kept"] == 73


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-90, 90), st.floats(-90, 90), st.integers(1, 200)),
                min_size=1, max_size=40))
def test_visits_follow_the_definition(steps):
    """Against a plain loop over the definition: consecutive fixes within 50 m of A1, none more
    than 120 s apart (nor across a session gap), lasting at least 60 s."""
    x = 500 + np.array([s[0] for s in steps])
    y = 500 + np.array([s[1] for s in steps])
    t = local_ms(13) + np.cumsum([s[2] for s in steps]) * 1000
    lon, lat = P.inverse(x, y)
    track = Fixes.from_ids(["W1"] * len(x), t, lon, lat)
    no_jumps = CoverageParams(cleaning=CleaningParams(max_speed_mps=1e9))
    result = result_for(track, params=no_jumps)
    engine = LocalProjection.for_bounds(*world([], []).grids.total_bounds)
    fx, fy = engine.forward(lon, lat)
    sx, sy = engine.forward(*P.inverse(np.array([500.0]), np.array([500.0])))
    near = np.hypot(fx - sx[0], fy - sy[0]) <= 50
    expected, run_start = False, None
    for i in range(len(t)):
        linked = i > 0 and near[i - 1] and t[i] - t[i - 1] <= 120_000
        if near[i]:
            run_start = run_start if linked else t[i]
            expected |= t[i] - run_start >= 60_000
        else:
            run_start = None
    assert ("A1" in set(result.visits["source_id"])) == expected


def test_seventy_small_grids_sweep_like_the_one_grid_they_tile():
    # more than 64 grids per inspector: the bit sets span two words
    cells = [shapely.box(i * 100, j * 100, (i + 1) * 100, (j + 1) * 100)
             for i in range(7) for j in range(10)]
    codes = [f"C{k:02d}" for k in range(70)]
    phase = np.linspace(0, 2 * np.pi, 400)
    x, y = 350 + 500 * np.sin(2 * phase), 500 + 450 * np.sin(3 * phase)  # leaves them too
    track = fixes("W1", x, y, local_ms(13))

    def run(geometries, names):
        grids = gpd.GeoDataFrame({"grid_code": names, "name": names, "level": 3,
                                  "parent_code": None},
                                 geometry=[lonlat(g) for g in geometries], crs="EPSG:4326")
        sources = gpd.GeoDataFrame({"source_id": ["X"], "name": ["X"], "grid_code": [names[0]],
                                    "key_grid_code": [None]},
                                   geometry=[lonlat(shapely.Point(50, 50))], crs="EPSG:4326")
        assignments = pd.DataFrame({"inspector_id": "W1", "grid_code": names,
                                    "role": "inspector", "valid_from": None, "valid_to": None})
        return compute_coverage(CoverageInputs(track, grids, sources, assignments),
                                *OCTOBER).inspectors.iloc[0]

    many = run(cells, codes)
    one = run([shapely.box(0, 0, 700, 1000)], ["ALL"])
    assert 0.2 < one.swept_share < 0.9
    assert many.swept_share == pytest.approx(one.swept_share, abs=0.002)
    assert many.outside_s == one.outside_s > 0
    assert many.grid_area_km2 == pytest.approx(0.7, rel=1e-6)
