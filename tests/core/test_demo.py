"""gisapp.demo: the demo district against its own plan (truth) and the issue's ranges."""

from __future__ import annotations

import datetime as dt
import doctest
import hashlib
import itertools
import re
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from gisapp import schema
from gisapp.demo import build_demo, names, population
from gisapp.demo.boundaries import (DEFAULT_SEED, committed_path, load_boundaries,
                                    read_geojson)
from gisapp.demo.patrols import _insert_detours, _route, month_days

from tests.conftest import REPO

METRIC = "EPSG:4547"
CJK = re.compile(r"[\u4e00-\u9fff]")
_TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)


# ---- fixtures: the demo is built once per module -------------------------------------------
@pytest.fixture(scope="module")
def demo():
    return build_demo(seed=DEFAULT_SEED, scale="demo", month="2026-10")


@pytest.fixture(scope="module")
def fixes(demo):
    return demo.fixes()


@pytest.fixture(scope="module")
def tracks(fixes):
    """Per inspector id: (time_ms, x, y, accuracy) in metres, time order."""
    x, y = _TO_METRIC.transform(fixes.lon, fixes.lat)
    ids = fixes.inspector_ids
    order = np.argsort(fixes.inspector, kind="stable")
    bounds = np.searchsorted(fixes.inspector[order], np.arange(len(ids) + 1))
    out = {}
    for k, inspector_id in enumerate(ids):
        sel = order[bounds[k]:bounds[k + 1]]
        out[str(inspector_id)] = (fixes.time_ms[sel], x[sel], y[sel], fixes.accuracy_m[sel])
    return out


@pytest.fixture(scope="module")
def source_xy(demo):
    x, y = _TO_METRIC.transform(demo.sources.geometry.x.to_numpy(),
                                demo.sources.geometry.y.to_numpy())
    return pd.DataFrame({"x": x, "y": y}, index=demo.sources["source_id"].astype(str))


def _required(demo) -> dict[str, np.ndarray]:
    """Per inspector: the source ids in their level-3 grids."""
    a = demo.assignments
    a = a[a["role"] == "inspector"]
    grid = demo.sources["grid_code"].astype(str).to_numpy()
    ids = demo.sources["source_id"].astype(str).to_numpy()
    return {str(i): ids[np.isin(grid, g["grid_code"].astype(str).to_numpy())]
            for i, g in a.groupby("inspector_id")}


def _within(a: gpd.GeoSeries, b: gpd.GeoSeries) -> np.ndarray:
    """Row by row: a[i] within b[i] (positions, not index labels)."""
    return shapely.within(np.asarray(a.array), np.asarray(b.array))


def _local(time_ms) -> pd.DatetimeIndex:
    return pd.to_datetime(time_ms, unit="ms", utc=True).tz_convert(schema.TRACK_TIMEZONE)


# ---- small hand-made cases -----------------------------------------------------------------
def test_doctests():
    for module in (names, population):
        assert doctest.testmod(module).failed == 0


def test_route_bends_around_an_avoided_point():
    avoid = np.array([[500.0, 10.0]])
    path = np.vstack([[0.0, 0.0], _route(np.array([0.0, 0.0]), np.array([1000.0, 0.0]), avoid)])
    assert np.allclose(path[-1], [1000, 0])
    dense = np.vstack([np.linspace(a, b, 200) for a, b in zip(path[:-1], path[1:])])
    assert np.hypot(*(dense - avoid[0]).T).min() >= 150


def test_insert_detours_keeps_stops_and_adds_only_bends():
    avoid = np.array([[500.0, 0.0]])
    xy = np.array([[1000.0, 0.0], [1000.0, 800.0]])
    out_xy, out_src, out_dwell = _insert_detours(np.zeros(2), xy, np.array([3, 4]),
                                                 np.array([60.0, 0.0]), avoid)
    assert np.array_equal(out_xy[-2:], xy) and list(out_src[-2:]) == [3, 4]
    assert (out_src[:-2] == -1).all() and (out_dwell[:-2] == 0).all() and len(out_xy) > 2


def test_month_days_october_2026():
    working, patrol = month_days("2026-10", "demo")
    assert len(working) == 18 and patrol == working
    assert working[0] == dt.date(2026, 10, 8) and dt.date(2026, 10, 10) in working  # 调休
    working, patrol = month_days("2026-10", "month")
    assert len(patrol) == 22
    assert {d for d in patrol if d not in working} == {
        dt.date(2026, 10, 17), dt.date(2026, 10, 24), dt.date(2026, 10, 31),
        dt.date(2026, 10, 11)}


# ---- tables ----------------------------------------------------------------------------------
def test_columns_follow_the_schema(demo):
    assert list(demo.grids.columns) == [*schema.GRID_COLUMNS, "geometry"]
    assert list(demo.sources.columns) == [*schema.SOURCE_COLUMNS, "geometry"]
    assert list(demo.incidents.columns) == [*schema.INCIDENT_COLUMNS, "geometry"]
    assert list(demo.inspectors.columns) == list(schema.INSPECTOR_COLUMNS)
    assert list(demo.assignments.columns) == list(schema.ASSIGNMENT_COLUMNS)
    for frame in (demo.grids, demo.sources, demo.incidents):
        assert frame.crs == "EPSG:4326"
    for frame, columns in ((demo.grids, schema.GRID_COLUMNS),
                           (demo.sources, schema.SOURCE_COLUMNS),
                           (demo.assignments, schema.ASSIGNMENT_COLUMNS)):
        assert {c: str(frame[c].dtype) for c in columns} == \
            {c: "string" if t == "string" else t for c, t in columns.items()}


def test_counts_are_in_range(demo):
    levels = demo.grids["level"].value_counts().to_dict()
    assert levels[1] == 1 and levels[2] == 12
    assert 80 <= levels[3] <= 120
    assert 200 <= levels[4] <= 400
    kinds = demo.grids["kind"].value_counts().to_dict()
    assert 2 <= kinds["industrial_park"] <= 4
    assert kinds["street"] + kinds["town"] == 12
    assert kinds["community"] > 0 and kinds["village"] > 0
    assert 1800 <= len(demo.sources) <= 2400
    assert set(demo.sources["category"]) == set(schema.SOURCE_CATEGORIES)
    assert len(demo.inspectors) == 60
    assert set(demo.inspectors["kind"]) == set(schema.INSPECTOR_KINDS)
    assert 80 <= len(demo.incidents) <= 120


def test_codes_are_unique_and_hierarchical(demo):
    g = demo.grids
    assert g["grid_code"].is_unique
    assert demo.sources["source_id"].is_unique
    assert demo.inspectors["inspector_id"].is_unique
    assert demo.incidents["incident_id"].is_unique
    assert g.loc[g["level"] == 1, "grid_code"].tolist() == ["410199"]
    child = g[g["level"] > 1]
    assert child["parent_code"].isin(g["grid_code"]).all()
    assert all(c.startswith(p) for c, p in zip(child["grid_code"], child["parent_code"]))
    pattern = {2: r"^410199\d{3}$", 3: r"^410199\d{6}$", 4: r"^410199\d{6}K\d{2}$"}
    for level, rx in pattern.items():
        assert g.loc[g["level"] == level, "grid_code"].str.match(rx).all()
    parent_level = g.set_index("grid_code")["level"]
    assert (parent_level[child["parent_code"]].to_numpy() == child["level"].to_numpy() - 1).all()


def test_names_are_chinese_and_fit_their_kind(demo):
    g = demo.grids
    for series in (g["name"], g["office_address"], demo.sources["name"],
                   demo.sources["address"], demo.inspectors["name"],
                   demo.assignments["person_name"], demo.incidents["description"]):
        assert series.astype(str).map(lambda s: bool(CJK.search(s))).all()
    suffix = {"street": "街道", "town": "镇", "community": "社区", "village": "村",
              "industrial_park": "园区", "enterprise": "公司"}
    for kind, end in suffix.items():
        assert g.loc[g["kind"] == kind, "name"].str.endswith(end).all(), kind
    assert g["name"].is_unique
    assert demo.inspectors["phone"].str.match(r"^1[3-9]\d{9}$").all()
    assert demo.inspectors["inspector_id"].str.match(r"^W\d{3}$").all()


@pytest.mark.parametrize("parent_level", [1, 2])
def test_each_level_tiles_its_parent(demo, parent_level):
    g = demo.grids.to_crs(METRIC)
    parents = g[g["level"] == parent_level]
    children = g[g["level"] == parent_level + 1]
    for code, parent in zip(parents["grid_code"], parents.geometry):
        kids = children[children["parent_code"] == code]
        union = kids.union_all()
        gap = parent.difference(union).area / parent.area
        overlap = (kids.area.sum() - union.area) / parent.area
        outside = union.difference(parent).area / parent.area
        assert gap < 1e-4 and overlap < 1e-4 and outside < 1e-4, code


def test_enterprise_grids_are_small_separate_and_inside_their_parent(demo):
    g = demo.grids
    units = g[g["level"] == 3].set_index("grid_code")
    firms = g[g["level"] == 4]
    assert _within(firms.geometry, units.geometry.loc[firms["parent_code"]]).all()
    m = firms.to_crs(METRIC)
    rect = shapely.oriented_envelope(m.geometry.values)
    sides = [np.sort(np.hypot(*np.diff(np.asarray(r.exterior.coords)[:3], axis=0).T))
             for r in rect]
    sides = np.array(sides)
    assert sides.min() > 75 and sides.max() < 305
    pairs = gpd.sjoin(m, m, predicate="intersects")
    assert (pairs.index == pairs["index_right"]).all()  # no footprint touches another
    parks = set(units.index[units["kind"] == "industrial_park"])
    in_parks = firms["parent_code"].isin(parks).sum()
    assert in_parks > len(firms) / 2  # most key enterprises sit in the parks


def test_key_sources_and_grid_codes(demo):
    s, g = demo.sources, demo.grids.set_index("grid_code")
    key = s[s["is_key"]]
    firms = g[g["level"] == 4]
    assert sorted(key["key_grid_code"]) == sorted(firms.index)  # one key source per firm
    assert _within(key.geometry, firms.geometry.loc[key["key_grid_code"]]).all()
    assert s.loc[~s["is_key"], "key_grid_code"].isna().all()
    assert (g.loc[s["grid_code"], "level"] == 3).all()
    assert _within(s.geometry, g.geometry.loc[s["grid_code"]]).all()
    parks = g.index[g["kind"] == "industrial_park"]
    villages = g.index[g["kind"] == "village"]
    mix = s.groupby(s["grid_code"].isin(parks))["category"].value_counts(normalize=True)
    assert mix[True]["industrial"] > 0.5
    village_cats = set(s.loc[s["grid_code"].isin(villages), "category"])
    assert {"livestock", "open_burning", "loose_coal"} <= village_cats


def test_assignments_cover_every_grid(demo):
    a, g = demo.assignments, demo.grids
    assert (a["valid_from"] == "2026-01-01").all() and a["valid_to"].isna().all()
    for code in g.loc[g["level"] <= 3, "grid_code"]:
        roles = a[a["grid_code"] == code].set_index("role")
        for role in ("first_responsible", "direct_responsible", "responsible_a",
                     "responsible_b"):
            assert role in roles.index, (code, role)
        assert roles.loc["responsible_a", "person_name"] != roles.loc["responsible_b",
                                                                       "person_name"]
    officials = a[a["role"].isin(["first_responsible", "direct_responsible"])]
    assert officials["inspector_id"].isna().all()
    ins = a[a["role"] == "inspector"]
    per_inspector = ins.groupby("inspector_id")["grid_code"].nunique()
    assert set(per_inspector.index) == set(demo.inspectors["inspector_id"])
    assert per_inspector.between(1, 3).all()
    level3 = g.loc[g["level"] == 3, ["grid_code", "kind"]]
    assert set(level3["grid_code"]) == set(ins["grid_code"])
    kind_of = dict(zip(level3["grid_code"], level3["kind"]))
    inspector_kind = dict(zip(demo.inspectors["inspector_id"], demo.inspectors["kind"]))
    expected = {"industrial_park": "dedicated", "community": "full_time",
                "village": "part_time"}
    assert all(inspector_kind[i] == expected[kind_of[c]]
               for i, c in zip(ins["inspector_id"], ins["grid_code"]))


# ---- tracks ------------------------------------------------------------------------------------
def test_fixes_are_sorted_and_plausible(demo, fixes):
    assert 1_000_000 < len(fixes) < 4_000_000
    assert list(fixes.inspector_ids) == sorted(demo.inspectors["inspector_id"])
    key = fixes.inspector.astype(np.int64) * 10**13 + fixes.time_ms
    assert (np.diff(key) > 0).all()
    acc = fixes.accuracy_m
    jumps = acc > 30
    assert (acc >= 4).all() and acc.dtype == np.float32
    assert 0.0002 < jumps.mean() < 0.001  # about one fix in 2,000
    assert abs(np.median(fixes.lon) - 113.62) < 0.1 and abs(np.median(fixes.lat) - 34.75) < 0.1


def test_fix_intervals_and_gaps(tracks):
    intervals = []
    for t, *_ in tracks.values():
        dt_s = np.diff(t) / 1000
        step = np.median(dt_s)
        assert 5 <= step <= 30
        intervals.append(step)
        assert (dt_s >= 5).all()
    assert len(set(intervals)) > 5  # devices differ
    gaps = sum(((np.diff(t) / 1000 > 170) & (np.diff(t) / 1000 < 1300)).sum()
               for t, *_ in tracks.values())
    assert gaps > 50  # signal losses of 3-20 min (and lunch breaks) exist


def test_fixes_stay_in_working_hours(demo, tracks):
    patrol_days = set(demo.truth["patrol_days"])
    assert demo.truth["working_days"] == demo.truth["patrol_days"]
    assert len(patrol_days) == 18
    for inspector_id, (t, x, y, acc) in tracks.items():
        local = _local(t)
        days = local.normalize()
        assert set(days.unique().strftime("%Y-%m-%d")) <= patrol_days
        hours = np.asarray(local.hour + local.minute / 60)
        assert ((hours >= 8) & (hours <= 18.5)).mean() > 0.95, inspector_id
        assert ((hours >= 7) & (hours <= 21)).all(), inspector_id
        # lunch: no fixes, or fixes standing still
        lunch = (hours > 12.3) & (hours < 13.8) & (acc <= 30)
        for day in days[lunch].unique():
            on = lunch & (days == day)
            assert max(np.ptp(x[on]), np.ptp(y[on])) < 60, (inspector_id, day)


def test_planned_missed_sources_are_never_approached(demo, tracks, source_xy):
    missed = demo.truth["missed_sources"]
    assert 3 <= len(missed) <= 5
    assert all(1 <= len(v) <= 3 for v in missed.values())
    required = _required(demo)
    for inspector_id, source_ids in missed.items():
        assert set(source_ids) <= set(required[inspector_id])
        _, x, y, _ = tracks[inspector_id]
        for sid in source_ids:
            sx, sy = source_xy.loc[sid]
            assert np.hypot(x - sx, y - sy).min() > 100, (inspector_id, sid)


def test_every_other_required_source_gets_a_dwell(demo, tracks, source_xy):
    missed = demo.truth["missed_sources"]
    for inspector_id, required in _required(demo).items():
        t, x, y, acc = tracks[inspector_id]
        clean = acc <= 30  # jumps carry a poor accuracy
        t, x, y = t[clean], x[clean], y[clean]
        for sid in set(required) - set(missed.get(inspector_id, [])):
            sx, sy = source_xy.loc[sid]
            near = np.flatnonzero(np.hypot(x - sx, y - sy) <= 50)
            assert len(near), (inspector_id, sid)
            runs = np.split(near, np.flatnonzero(np.diff(near) > 1) + 1)
            longest = max((t[r[-1]] - t[r[0]]) / 1000 for r in runs)
            assert longest >= 60, (inspector_id, sid, longest)


def test_faked_days_are_as_recorded(demo, tracks):
    faked = demo.truth["faked"]
    assert {f["kind"] for f in faked} == {"stationary", "copied_day"}
    assert len({f["inspector_id"] for f in faked}) == 1
    t, x, y, _ = tracks[faked[0]["inspector_id"]]
    days = np.asarray(_local(t).strftime("%Y-%m-%d"))
    midnight = {d: pd.Timestamp(d, tz=schema.TRACK_TIMEZONE).value // 10**6 for d in set(days)}
    for f in faked:
        on = days == f["date"]
        assert on.sum() > 500
        if f["kind"] == "stationary":
            cx, cy = np.median(x[on]), np.median(y[on])
            assert np.hypot(x[on] - cx, y[on] - cy).max() < 30
        else:
            src = days == f["copied_from"]
            assert f["copied_from"] < f["date"]
            assert np.array_equal(t[on] - midnight[f["date"]], t[src] - midnight[f["copied_from"]])
            assert np.array_equal(x[on], x[src]) and np.array_equal(y[on], y[src])
    others = [d for d in demo.truth["patrol_days"] if d not in {f["date"] for f in faked}]
    spread = [np.ptp(x[days == d]) for d in others if (days == d).any()]
    assert min(spread) > 200  # the genuine days do move


def test_incidents_happen_where_the_inspector_was(demo, tracks):
    inc = demo.incidents
    assert set(inc["status"]) <= {"reported", "transferred", "closed"}
    assert inc["reported_at"].str.match(r"^2026-10-\d\dT\d\d:\d\d:\d\d\+08:00$").all()
    assert set(inc["category"]) <= set(schema.SOURCE_CATEGORIES)
    ix, iy = _TO_METRIC.transform(inc.geometry.x.to_numpy(), inc.geometry.y.to_numpy())
    grids = demo.grids.set_index("grid_code")
    assert _within(inc.geometry, grids.geometry.loc[inc["grid_code"]]).mean() > 0.9
    for k, row in enumerate(inc.itertuples()):
        t, x, y, _ = tracks[row.inspector_id]
        at = pd.Timestamp(row.reported_at).value // 10**6
        close = np.abs(t - at) <= 120_000
        assert close.any()
        assert np.hypot(x[close] - ix[k], y[close] - iy[k]).min() < 60


def test_iter_fixes_chunks_match_fixes(demo, fixes):
    chunks = list(itertools.islice(demo.iter_fixes(), 3))
    assert [list(c.inspector_ids) for c in chunks] == [["W001"], ["W002"], ["W003"]]
    n = sum(len(c) for c in chunks)
    assert np.array_equal(np.concatenate([c.time_ms for c in chunks]), fixes.time_ms[:n])
    assert np.array_equal(np.concatenate([c.lon for c in chunks]), fixes.lon[:n])


# ---- determinism and the committed boundaries ------------------------------------------------
def _digest(demo, n_chunks=3) -> str:
    h = hashlib.sha256()
    for frame in (demo.grids, demo.sources, demo.inspectors, demo.assignments, demo.incidents):
        plain = frame.drop(columns="geometry", errors="ignore")
        h.update(pd.util.hash_pandas_object(plain, index=False).to_numpy().tobytes())
        if "geometry" in frame:
            h.update(b"".join(shapely.to_wkb(np.asarray(frame.geometry.array))))
    for chunk in itertools.islice(demo.iter_fixes(), n_chunks):
        for column in (chunk.time_ms, chunk.lon, chunk.lat, chunk.accuracy_m):
            h.update(column.tobytes())
    return h.hexdigest()


def test_same_seed_same_demo_other_seed_other_demo(demo):
    again = build_demo(seed=DEFAULT_SEED, scale="demo")
    assert _digest(again) == _digest(demo)
    assert again.truth == demo.truth
    other = build_demo(seed=DEFAULT_SEED + 1, scale="demo")
    mine = set(demo.sources.geometry.to_wkb())
    assert len(mine & set(other.sources.geometry.to_wkb())) < 10
    assert _digest(other, 1) != _digest(demo, 1)
    assert not other.grids.geometry.iloc[0].equals(demo.grids.geometry.iloc[0])


def test_committed_boundaries_equal_the_script_output(demo, tmp_path):
    out = tmp_path / "regenerated.geojson"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_demo_boundaries.py"),
                    "--out", str(out)], check=True, cwd=REPO, capture_output=True)
    committed, regenerated = read_geojson(committed_path()), read_geojson(out)
    assert committed_path().stat().st_size < 3 * 1024 * 1024
    pd.testing.assert_frame_equal(committed.drop(columns="geometry"),
                                  regenerated.drop(columns="geometry"))
    assert shapely.equals_exact(committed.geometry.values, regenerated.geometry.values,
                                tolerance=1e-9).all()
    # and build_demo used the committed file for the default seed
    assert shapely.equals_exact(demo.grids.geometry.values, committed.geometry.values,
                                tolerance=0).all()


def test_month_scale_plan():
    month = build_demo(seed=DEFAULT_SEED, scale="month")
    assert len(month.inspectors) == 200
    assert 4500 <= len(month.sources) <= 5500
    assert len(month.truth["patrol_days"]) == 22
    plan = month.plan
    assert all(p.interval_s == 10 for p in plan.inspectors)
    # fixes the plan will sample: every recording window at one fix per 10 s
    expected = sum(float(np.sum(day.windows[:, 1] - day.windows[:, 0])) / 10
                   for p in plan.inspectors for day in p.days if day.kind != "copied_day")
    assert 11e6 < expected < 14e6
    first = next(month.iter_fixes())
    assert np.median(np.diff(first.time_ms)) == 10_000


def test_other_seeds_generate_their_own_boundaries():
    grids = load_boundaries(DEFAULT_SEED + 2)
    assert grids["level"].value_counts()[2] == 12
    assert not grids.geometry.iloc[0].equals(read_geojson(committed_path()).geometry.iloc[0])
