"""The division check: planted gaps and overlaps with their areas and parents, strays, invalid
and duplicated grids, sliver fixes, and neighbourhood rechecks equal to the whole check."""

from __future__ import annotations

import doctest
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from gisapp import topology
from gisapp.demo import build_demo
from gisapp.i18n import set_language
from gisapp.topology import check_division, check_neighbourhood, fix_slivers

METRIC = "EPSG:4547"  # the demo district's CGCS2000 zone
TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)
TO_LONLAT = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)


@cache
def demo():
    return build_demo(seed=7)


def grids() -> gpd.GeoDataFrame:
    return demo().grids.copy()


def metric(geom):
    return shapely.transform(geom, lambda xy: np.c_[TO_METRIC.transform(xy[:, 0], xy[:, 1])])


def row(frame, code) -> int:
    return int(np.flatnonzero(frame["grid_code"].to_numpy() == code)[0])


def inner_vertex(frame, code):
    """A vertex of level-3 grid ``code`` that only grids of its own street hold (not on the
    street's boundary), and the codes holding it."""
    street = frame.geometry.iloc[row(frame, frame["parent_code"].iloc[row(frame, code)])]
    outline = {tuple(c) for c in shapely.get_coordinates(street)}
    level3 = frame[frame["level"] == 3]
    for vertex in shapely.get_coordinates(frame.geometry.iloc[row(frame, code)])[:-1]:
        if tuple(vertex) in outline:
            continue
        holders = [c for c, g in zip(level3["grid_code"], level3.geometry)
                   if tuple(vertex) in set(map(tuple, shapely.get_coordinates(g)))]
        return vertex, holders
    raise AssertionError(f"{code} has no inner vertex")


def pull_vertex(frame, code, fraction) -> tuple[float, float]:
    """Move one inner vertex of ``code`` (only in ``code``) towards its centroid by ``fraction``
    of the distance (< 0: away from it); returns (old area, new area) in m²."""
    i = row(frame, code)
    old = frame.geometry.iloc[i]
    vertex, _ = inner_vertex(frame, code)
    centre = np.asarray(old.centroid.coords[0])
    target = vertex + fraction * (centre - vertex)

    def pull(xy):
        xy = xy.copy()
        xy[(xy == vertex).all(1)] = target
        return xy
    new = shapely.transform(old, pull)
    frame.geometry.values[i] = new
    return metric(old).area, metric(new).area


def test_doctests():
    assert doctest.testmod(topology).failed == 0


def test_the_demo_division_is_valid():
    report = check_division(demo().grids, demo().sources)
    assert report.ok, report.messages()
    assert report.counts() == dict.fromkeys(topology.KINDS, 0)


# ---- hand-drawn: exact areas ------------------------------------------------------------------
def lonlat(geoms):
    """Metric geometries drawn near (113.6 E, 34.7 N), to lon/lat."""
    x0, y0 = TO_METRIC.transform(113.6, 34.7)
    return [shapely.transform(shapely.affinity.translate(g, x0, y0),
                              lambda xy: np.c_[TO_LONLAT.transform(xy[:, 0], xy[:, 1])])
            for g in geoms]


def streets(**boxes) -> gpd.GeoDataFrame:
    """District D 0..2000 x 0..1000 m and level-2 ``boxes``; D holds every box corner on its
    outline, so neighbours are noded as in a real division."""
    corners = {tuple(c) for b in boxes.values() for c in shapely.get_coordinates(b)}
    outline = shapely.box(0, 0, 2000, 1000).exterior
    on = sorted((outline.project(shapely.Point(c)), c) for c in corners
                | {(0, 0), (2000, 0), (2000, 1000), (0, 1000)}
                if outline.distance(shapely.Point(c)) == 0)
    district = shapely.Polygon([c for _, c in on])
    codes = list(boxes)
    return gpd.GeoDataFrame({"grid_code": ["D", *codes], "level": [1] + [2] * len(codes),
                             "parent_code": [None] + ["D"] * len(codes)},
                            geometry=lonlat([district, *boxes.values()]), crs=4326)


def hand_drawn(east_from: float) -> gpd.GeoDataFrame:
    """Street W 0..1000 m, street E from ``east_from`` to 2000 m: a gap or an overlap."""
    return streets(W=shapely.box(0, 0, 1000, 1000), E=shapely.box(east_from, 0, 2000, 1000))


def test_a_gap_between_two_streets_is_found_with_its_area_and_parent():
    report = check_division(hand_drawn(east_from=1010))
    assert report.counts()["gap"] == 1 and len(report.problems) == 1
    gap = report.gaps.iloc[0]
    assert (gap["parent_code"], gap["level"]) == ("D", 2)
    # a 10 m strip: straight edges in lon/lat are a hair off straight in metres
    assert gap["area_m2"] == pytest.approx(10 * 1000, rel=1e-6)
    assert metric(gap.geometry).area == pytest.approx(gap["area_m2"], rel=1e-9)


def test_an_overlap_between_two_streets_is_found_with_its_area_and_both_codes():
    report = check_division(hand_drawn(east_from=975))
    assert report.counts()["overlap"] == 1 and len(report.problems) == 1
    overlap = report.overlaps.iloc[0]
    assert (overlap["grid_code"], overlap["other_code"], overlap["parent_code"]) == \
        ("W", "E", "D")
    assert overlap["area_m2"] == pytest.approx(25 * 1000, rel=1e-6)


# ---- planted on the demo ----------------------------------------------------------------------
def test_a_planted_gap_in_the_demo_is_found_with_its_area_and_parent():
    frame = grids()
    code = "410199003004"
    before = frame.geometry.iloc[row(frame, code)]
    pull_vertex(frame, code, 0.2)
    lost = shapely.difference(before, frame.geometry.iloc[row(frame, code)])  # in lon/lat
    report = check_division(frame, demo().sources)
    assert set(report.problems["kind"]) <= {"gap", "source_outside"}  # sources in the gap
    assert len(report.gaps) == 1
    gap = report.gaps.iloc[0]
    assert gap["parent_code"] == frame["parent_code"].iloc[row(frame, code)]
    assert gap["area_m2"] == pytest.approx(metric(lost).area, rel=1e-9)


def test_a_planted_overlap_in_the_demo_is_found_with_its_area_and_parent():
    frame = grids()
    code = "410199003004"
    _, holders = inner_vertex(frame, code)
    before = frame.geometry.iloc[row(frame, code)]
    pull_vertex(frame, code, -0.1)
    grown = shapely.difference(frame.geometry.iloc[row(frame, code)], before)  # in lon/lat
    report = check_division(frame)
    assert set(report.problems["kind"]) == {"overlap"}
    overlaps = report.overlaps
    assert set(overlaps["parent_code"]) == {"410199003"}
    pairs = {frozenset(p) for p in zip(overlaps["grid_code"], overlaps["other_code"])}
    assert pairs <= {frozenset((code, h)) for h in holders if h != code}
    # the pieces (one per neighbour) are cut in degrees and measured in metres; the edge where
    # they meet is straight in degrees, so their areas add up to the grown area to 1e-4
    assert overlaps["area_m2"].sum() == pytest.approx(metric(grown).area, rel=2e-4)


def test_a_key_source_grid_outside_its_community_is_reported():
    frame = grids()
    i = int(np.flatnonzero(frame["level"].to_numpy() == 4)[0])
    footprint = frame.geometry.iloc[i]
    frame.geometry.values[i] = shapely.affinity.translate(footprint, 0.5, 0)  # 45 km east
    report = check_division(frame)
    stray = report.key_sources_outside
    assert list(stray["grid_code"]) == [frame["grid_code"].iloc[i]]
    assert stray["parent_code"].iloc[0] == frame["parent_code"].iloc[i]
    assert stray["area_m2"].iloc[0] == pytest.approx(metric(frame.geometry.iloc[i]).area,
                                                     rel=1e-9)


def test_invalid_duplicated_orphaned_grids_and_stray_sources_are_reported():
    frame = grids()
    i = row(frame, "410199002003")
    x0, y0, x1, y1 = frame.geometry.iloc[i].bounds
    frame.geometry.values[i] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    extra = frame.iloc[[row(frame, "410199005001"), row(frame, "410199006001")]].copy()
    extra["parent_code"] = ["410199005", "NOPE"]
    extra.loc[extra.index[1], "grid_code"] = "410199006999"
    frame = pd.concat([frame, extra], ignore_index=True)
    sources = demo().sources.copy()
    sources.geometry.values[0] = shapely.Point(0, 0)
    report = check_division(frame, sources)
    counts = report.counts()
    assert list(report.invalid["grid_code"]) == ["410199002003"]
    assert list(report.duplicate_codes["grid_code"]) == ["410199005001"] * 2
    assert list(report.orphans["grid_code"]) == ["410199006999"]
    assert list(report.orphans["detail"]) == ["missing"]
    stray = report.sources_outside  # the moved one, and those of the bowtie
    assert sources["source_id"].iloc[0] in set(stray["source_id"])
    assert set(stray["grid_code"]) == {sources["grid_code"].iloc[0], "410199002003",
                                       sources["key_grid_code"].iloc[0]}
    assert counts["overlap"] >= 2  # the copies overlap their originals
    assert len(report.messages()) == len(report.problems)


def test_messages_name_the_grids_and_areas():
    set_language("en")
    report = check_division(hand_drawn(east_from=1010))
    assert report.messages() == ["Gap of 10,000.00 m² in grid D (level-2 grids do not cover it)"]
    set_language("zh_CN")
    assert "网格 D" in report.messages()[0]
    set_language("en")


# ---- slivers ----------------------------------------------------------------------------------
def test_fix_slivers_assigns_small_gaps_and_overlaps_and_keeps_big_ones():
    frame = grids()
    pull_vertex(frame, "410199003004", 0.0001)   # a gap of 78 m²
    pull_vertex(frame, "410199005002", -0.0001)  # overlaps of 42 and 13 m² with 2 neighbours
    pull_vertex(frame, "410199007003", 0.3)      # a real gap of 288,000 m²
    before = check_division(frame)
    small = before.problems[before.problems["area_m2"] < 100]
    assert sorted(small["kind"]) == ["gap", "overlap", "overlap"]
    fixed = fix_slivers(frame, max_area_m2=100)
    assert len(fixed.slivers) == 3 and fixed.slivers["assigned_to"].notna().all()
    assert set(fixed.changed) <= {"410199003004", "410199005002", *_neighbours(frame)}
    after = check_division(fixed.grids)
    assert list(after.problems["kind"]) == ["gap"]
    assert after.gaps["area_m2"].iloc[0] == pytest.approx(
        before.gaps["area_m2"].max(), rel=1e-9)
    assert shapely.is_valid(fixed.grids.geometry.values).all()
    untouched = ~fixed.grids["grid_code"].isin(fixed.changed).to_numpy()
    assert shapely.equals_identical(fixed.grids.geometry.values[untouched],
                                    frame.geometry.values[untouched]).all()


def _neighbours(frame) -> list[str]:
    codes = []
    for code in ("410199003004", "410199005002"):
        codes += inner_vertex(demo().grids, code)[1]
    return codes


def test_a_gap_goes_to_the_neighbour_sharing_its_longest_edge():
    # a 0.5 m strip along W's whole east side (1000 m), along E for 400 m and N for 600 m
    frame = streets(W=shapely.box(0, 0, 1000, 1000), E=shapely.box(1000.5, 0, 2000, 400),
                    N=shapely.box(1000.5, 400, 2000, 1000))
    assert list(check_division(frame).gaps["area_m2"]) == [pytest.approx(500, rel=1e-6)]
    fixed = fix_slivers(frame, max_area_m2=1000)
    assert list(fixed.slivers["assigned_to"]) == ["W"] and fixed.changed == ("W",)
    assert check_division(fixed.grids).ok
    assert metric(fixed.grids.geometry.iloc[1]).area == pytest.approx(1000.5 * 1000, rel=1e-9)


def test_an_overlap_stays_with_the_grid_it_is_joined_to_along_the_longest_edge():
    # E reaches 0.5 m into W along 400 m of W's side: it stays with W, E is cut back
    frame = streets(W=shapely.Polygon([(0, 0), (1000, 0), (1000, 300), (1000, 700),
                                               (1000, 1000), (0, 1000)]),
                    E=shapely.Polygon([(1000, 0), (2000, 0), (2000, 1000), (1000, 1000),
                                       (1000, 700), (999.5, 700), (999.5, 300), (1000, 300)]))
    overlap = check_division(frame).overlaps
    assert list(overlap["area_m2"]) == [pytest.approx(200, rel=1e-6)]
    fixed = fix_slivers(frame, max_area_m2=1000)
    assert list(fixed.slivers["assigned_to"]) == ["W"] and fixed.changed == ("E",)
    assert check_division(fixed.grids).ok


# ---- neighbourhood ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def troubled():
    """The demo with a gap, an overlap, a stray key-source grid, an invalid and a duplicated
    grid planted in it."""
    frame = grids()
    pull_vertex(frame, "410199003004", 0.2)
    pull_vertex(frame, "410199005002", -0.1)
    k = int(np.flatnonzero((frame["level"] == 4).to_numpy())[3])
    frame.geometry.values[k] = shapely.affinity.translate(frame.geometry.iloc[k], 0.01, 0)
    i = row(frame, "410199002003")
    x0, y0, x1, y1 = frame.geometry.iloc[i].bounds
    frame.geometry.values[i] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    frame = pd.concat([frame, frame.iloc[[row(frame, "410199008002")]]], ignore_index=True)
    return frame, check_division(frame, demo().sources)


@pytest.mark.parametrize("codes", [
    ["410199003004"], ["410199005002"], ["410199002003"], ["410199008002"],
    ["410199003"], ["410199001001", "410199005001"], ["410199"], ["nothing"],
])
def test_the_neighbourhood_check_equals_the_whole_check_restricted_to_its_scope(troubled,
                                                                               codes):
    frame, full = troubled
    local = check_neighbourhood(frame, codes, demo().sources)
    assert set(codes) & set(frame["grid_code"]) <= local.scope
    expected = full.restricted_to(local.scope)
    columns = [c for c in topology.COLUMNS if c != "area_m2"]
    pd.testing.assert_frame_equal(local.problems[columns], expected.problems[columns])
    np.testing.assert_allclose(local.problems["area_m2"], expected.problems["area_m2"],
                               rtol=1e-9)
    for a, b in zip(local.problems.geometry.values, expected.problems.geometry.values):
        assert a.equals_exact(b, 0) or shapely.symmetric_difference(a, b).area < 1e-14


def test_the_neighbourhood_of_an_edited_community_is_small():
    frame = demo().grids
    local = check_neighbourhood(frame, ["410199003004"])
    assert local.scope == {"410199003004", "410199003"} and local.ok


# ---- the fast path -----------------------------------------------------------------------------
def test_a_noded_division_is_proved_tiled_without_any_overlay(monkeypatch):
    """Children whose shared edges add up to their parent's boundary need no GEOS overlay,
    whatever the orientation of their rings."""
    def forbidden(*args, **kwargs):
        raise AssertionError("the clean division should not need GEOS' validator")
    frame = grids()
    i = row(frame, "410199003004")
    frame.geometry.values[i] = frame.geometry.iloc[i].reverse()  # clockwise
    monkeypatch.setattr(shapely, "coverage_invalid_edges", forbidden)
    monkeypatch.setattr(shapely, "union_all", forbidden)
    assert check_division(frame, demo().sources).ok


def test_a_stacked_copy_is_not_proved_tiled():
    # a second copy of a community cancels nothing: its edges add to the chain, so the street
    # is checked geometrically and the copy found
    frame = grids()
    frame = pd.concat([frame, frame.iloc[[row(frame, "410199003004")]].assign(
        grid_code="410199003099")], ignore_index=True)
    report = check_division(frame)
    overlap = report.overlaps
    assert list(zip(overlap["grid_code"], overlap["other_code"])) == [
        ("410199003004", "410199003099")]
    assert overlap["area_m2"].iloc[0] == pytest.approx(
        metric(frame.geometry.iloc[row(frame, "410199003004")]).area, rel=1e-9)


def test_each_report_without_problems_is_a_frame_of_its_own():
    frame = grids()
    first = check_neighbourhood(frame, ["410199003004"])
    del first.problems["kind"]
    first.problems.attrs["seen"] = True
    second = check_neighbourhood(frame, ["410199003004"])
    assert second.ok and list(second.problems.columns) == [*topology.COLUMNS, "geometry"]
    assert not second.problems.attrs and second.problems.crs == "EPSG:4326"

