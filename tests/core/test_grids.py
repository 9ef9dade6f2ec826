"""Grid geometry as pure functions: split, merge, topological vertex edits, snapping, codes.

Tiny hand-drawn divisions in metres (a 2 x 2 block of 100 m cells in a 200 m district), with
exact expected outputs.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import shapely

from gisapp import grids
from gisapp.errors import GridEditError
from gisapp.grids import (
    MetricFrame,
    add_vertex,
    delete_vertex,
    merge_grids,
    move_vertex,
    next_child_code,
    node_junctions,
    share_new_vertices,
    snap,
    split_grid,
    vertex_holders,
)


def block() -> dict:
    """District D (0..200 x 0..200), streets W (x < 100) and E, four 100 m cells."""
    return {"D": shapely.Polygon([(0, 0), (100, 0), (200, 0), (200, 100), (200, 200),
                                  (100, 200), (0, 200), (0, 100)]),
            "W": shapely.Polygon([(0, 0), (100, 0), (100, 100), (100, 200), (0, 200),
                                  (0, 100)]),
            "E": shapely.Polygon([(100, 0), (200, 0), (200, 100), (200, 200), (100, 200),
                                  (100, 100)]),
            "SW": shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100)]),
            "NW": shapely.Polygon([(0, 100), (100, 100), (100, 200), (0, 200)]),
            "SE": shapely.Polygon([(100, 0), (200, 0), (200, 100), (100, 100)]),
            "NE": shapely.Polygon([(100, 100), (200, 100), (200, 200), (100, 200)])}


def gap_and_overlap(parent, children) -> tuple[float, float]:
    union = shapely.union_all(children)
    return (shapely.difference(parent, union).area,
            sum(c.area for c in children) - union.area)


def test_doctests():
    assert doctest.testmod(grids).failed == 0


# ---- split ------------------------------------------------------------------------------------------
def test_split_keeps_every_vertex_and_returns_the_larger_part_first():
    big, small = split_grid(block()["SW"], shapely.LineString([(30, -10), (30, 110)]))
    assert (big.area, small.area) == (7000.0, 3000.0)
    assert shapely.normalize(small).equals_exact(shapely.box(0, 0, 30, 100).normalize(), 0)
    original = set(map(tuple, shapely.get_coordinates(block()["SW"])))
    assert original <= set(map(tuple, shapely.get_coordinates([big, small])))


def test_a_line_ending_near_the_boundary_is_put_exactly_on_it():
    # ends 5 mm inside and outside the edges, within the 1 cm tolerance
    big, small = split_grid(block()["SW"], shapely.LineString([(40, 0.005), (40, 99.995)]))
    assert (big.area, small.area) == (6000.0, 4000.0)
    assert {(40.0, 0.0), (40.0, 100.0)} <= set(map(tuple, shapely.get_coordinates(small)))


def test_a_line_ending_near_a_vertex_ends_on_that_vertex():
    big, small = split_grid(block()["SW"], shapely.LineString([(0.004, 0.003), (100, 100)]))
    assert big.area == small.area == 5000.0
    assert len(shapely.get_coordinates(big)) == 4  # a triangle: no new vertex near the corner


@pytest.mark.parametrize("line, message", [
    (shapely.LineString([(300, 0), (300, 100)]), "does not cross"),
    (shapely.LineString([(-10, 0), (110, 0)]), "does not cross"),           # along an edge
    (shapely.LineString([(50, -10), (50, 50)]), "from one edge to another"),  # ends inside
    (shapely.LineString([(20, -10), (20, 110), (60, 110), (60, -10)]), "3 pieces"),
])
def test_split_refusals(line, message):
    with pytest.raises(GridEditError, match=message):
        split_grid(block()["SW"], line)


def test_split_refuses_a_sliver_and_a_multipolygon():
    with pytest.raises(GridEditError, match="smallest grid"):
        split_grid(block()["SW"], shapely.LineString([(0.005, -10), (0.005, 110)]))
    two = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)])
    with pytest.raises(GridEditError, match="separate parts"):
        split_grid(two, shapely.LineString([(0.5, -1), (0.5, 2)]))


def test_crossings_are_shared_with_the_neighbour_and_the_parents():
    division = block()
    big, small = split_grid(division["SW"], shapely.LineString([(-10, 30), (110, 30)]))
    others = {k: v for k, v in division.items() if k != "SW"}
    shared = share_new_vertices(others, division["SW"], [big, small])
    # (100, 30) is on the edge SW shares with SE, W and E; (0, 30) on its edge with W and D
    assert sorted(shared) == ["D", "E", "SE", "W"]
    assert (100.0, 30.0) in shared["SE"].exterior.coords
    assert {(0.0, 30.0), (100.0, 30.0)} <= set(shared["W"].exterior.coords)
    assert (0.0, 30.0) in shared["D"].exterior.coords
    cells = [big, small, division["NW"], shared["SE"], division["NE"]]
    assert shapely.coverage_is_valid(np.array(cells))   # neighbours share every vertex
    assert gap_and_overlap(shared["D"], cells) == (0.0, 0.0)


# ---- merge ------------------------------------------------------------------------------------------
def test_merge_keeps_the_outer_vertices():
    merged = merge_grids([block()["SW"], block()["SE"]])
    assert merged.area == 20000.0
    assert (100.0, 100.0) in merged.exterior.coords  # the corner NW and NE still hold


def test_merge_refuses_grids_touching_at_a_corner_only():
    with pytest.raises(GridEditError, match="touch along an edge"):
        merge_grids([block()["SW"], block()["NE"]])
    with pytest.raises(GridEditError, match="at least two"):
        merge_grids([block()["SW"]])


# ---- topological vertex edits ---------------------------------------------------------------------
def test_moving_a_shared_corner_moves_it_in_every_grid_holding_it():
    division = block()
    moved = move_vertex(division, "SW", (100.2, 99.9), (120, 90), snap_tolerance=1)
    assert sorted(moved) == ["E", "NE", "NW", "SE", "SW", "W"]
    for key, geometry in moved.items():
        assert (120.0, 90.0) in geometry.exterior.coords, key
        assert (100.0, 100.0) not in geometry.exterior.coords, key
    assert moved["SW"].area == 10500.0
    assert gap_and_overlap(division["D"], [moved[k] for k in ("W", "E")]) == (0.0, 0.0)
    assert gap_and_overlap(moved["W"], [moved["SW"], moved["NW"]]) == (0.0, 0.0)


def test_moving_a_vertex_of_the_district_outline_moves_it_in_all_levels():
    moved = move_vertex(block(), "NW", (0, 200), (-20, 210), snap_tolerance=0)
    assert sorted(moved) == ["D", "NW", "W"]


@pytest.mark.parametrize("target", [(210, -10), (150, 50)])
def test_a_move_that_crosses_a_boundary_is_refused(target):
    # to (210, -10) SW stays a valid polygon but would overlap SE, which does not hold the
    # vertex; to (150, 50) SW would cross itself
    division = {"SW": block()["SW"], "SE": block()["SE"]}
    with pytest.raises(GridEditError, match="cross"):
        move_vertex(division, "SW", (0, 100), target, 0)


def test_a_bowtie_is_refused():
    square = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])
    with pytest.raises(GridEditError, match="cross itself"):
        move_vertex({"A": square}, "A", (0, 10), (20, 5), 0)


def tent(north_corners) -> dict:
    """District D (0..200 x 0..200) cut along y = 100 into S and N; S has no vertex between
    (0, 100), V = (100, 100) and (200, 100), N has ``north_corners`` there (its boundary
    from west to east, in the data a millimetre off S's edges or V)."""
    return {"D": shapely.Polygon([(0, 0), (200, 0), (200, 100), (200, 200), (0, 200),
                                  (0, 100)]),
            "S": shapely.Polygon([(0, 0), (200, 0), (200, 100), (100, 100), (0, 100)]),
            "N": shapely.Polygon([(0, 100), *north_corners, (200, 100), (200, 200),
                                  (0, 200)])}


def test_a_move_turns_the_edges_at_the_corners_other_grids_have_on_them():
    # N's corners at x = 50 and 150 lie 1 mm off S's edges from V: S's edges turn there, as
    # N's do, instead of swinging about (0, 100) and (200, 100) over N (250 m² each)
    division = tent([(50, 100.001), (100, 100), (150, 99.999)])
    moved = move_vertex(division, "S", (100, 100), (100, 110))
    assert sorted(moved) == ["N", "S"]
    assert moved["S"].exterior.coords[2:7] == [(200.0, 100.0), (150.0, 99.999), (100.0, 110.0),
                                               (50.0, 100.001), (0.0, 100.0)]
    assert gap_and_overlap(division["D"], [moved["S"], moved["N"]]) == (0.0, 0.0)


def test_a_move_takes_along_a_vertex_of_another_grid_a_millimetre_away():
    division = tent([(100.001, 100)])
    moved = move_vertex(division, "S", (100, 100), (100, 110))
    assert sorted(moved) == ["N", "S"]
    assert (100.0, 110.0) in moved["N"].exterior.coords
    assert gap_and_overlap(division["D"], [moved["S"], moved["N"]]) == (0.0, 0.0)


def test_a_corner_on_the_edge_is_a_junction_and_one_20_cm_off_is_not():
    division = tent([(50, 100.2), (100, 100), (150, 100)])
    noded = node_junctions(division, (100, 100), 0.05)
    assert sorted(noded) == ["S"]
    assert noded["S"].exterior.coords[2:6] == [(200.0, 100.0), (150.0, 100.0), (100.0, 100.0),
                                               (0.0, 100.0)]
    moved = move_vertex(division, "S", (100, 100), (100, 90))
    assert moved["S"].exterior.coords[:] == [(0.0, 0.0), (200.0, 0.0), (200.0, 100.0),
                                             (150.0, 100.0), (100.0, 90.0), (0.0, 100.0),
                                             (0.0, 0.0)]


def overlapping() -> dict:
    """District D (0..200 x 0..100) under L (x < 120) and R (x > 80), which overlap by 4,000 m²
    and all hold (100, 100) on the top edge."""
    return {"D": shapely.Polygon([(0, 0), (200, 0), (200, 100), (100, 100), (0, 100)]),
            "L": shapely.Polygon([(0, 0), (120, 0), (120, 100), (100, 100), (0, 100)]),
            "R": shapely.Polygon([(80, 0), (200, 0), (200, 100), (100, 100), (80, 100)])}


def test_a_move_that_would_enlarge_an_overlap_is_refused_and_one_that_shrinks_it_is_done():
    parents = {"L": "D", "R": "D"}
    with pytest.raises(GridEditError, match="enlarge a gap or an overlap among the grids in D "
                                            "by 200.00 m²"):
        move_vertex(overlapping(), "L", (100, 100), (100, 110), parents=parents)
    moved = move_vertex(overlapping(), "L", (100, 100), (100, 90), parents=parents)
    assert sorted(moved) == ["D", "L", "R"]
    assert gap_and_overlap(moved["D"], [moved["L"], moved["R"]]) == (0.0, 3800.0)


def test_in_a_noded_tiling_no_move_is_refused_for_the_tiling():
    parents = {"W": "D", "E": "D", "SW": "W", "NW": "W", "SE": "E", "NE": "E"}
    moved = move_vertex(block(), "SW", (100, 100), (120, 90), parents=parents)
    assert moved["SW"].area == 10500.0


def test_a_move_needs_a_vertex_within_reach():
    with pytest.raises(GridEditError, match="no vertex"):
        move_vertex(block(), "SW", (50, 50), (60, 60), snap_tolerance=1)


def test_adding_a_vertex_puts_it_on_the_shared_edge_in_both_neighbours_and_the_parent():
    changed = add_vertex(block(), "SW", (100.3, 40), snap_tolerance=1)
    assert sorted(changed) == ["E", "SE", "SW", "W"]  # the streets hold that edge too
    for geometry in changed.values():
        assert (100.0, 40.0) in geometry.exterior.coords
    outline = add_vertex(block(), "SW", (40, -0.5), snap_tolerance=1)
    assert sorted(outline) == ["D", "SW", "W"]
    with pytest.raises(GridEditError, match="already"):
        add_vertex(block(), "SW", (100.5, -0.5), snap_tolerance=1)


def test_deleting_a_vertex_inside_a_shared_edge_deletes_it_everywhere():
    division = block()
    division.update(add_vertex(division, "SW", (100, 40), 1))
    changed = delete_vertex(division, "SE", (100, 40), 1)
    assert sorted(changed) == ["E", "SE", "SW", "W"]
    assert changed["SW"].normalize().equals_exact(block()["SW"].normalize(), 0)


def test_deleting_a_corner_where_grids_meet_is_refused():
    with pytest.raises(GridEditError, match="corner"):
        delete_vertex(block(), "SW", (100, 100), 1)
    triangle = shapely.Polygon([(0, 0), (10, 0), (0, 10)])
    with pytest.raises(GridEditError, match="three vertices"):
        delete_vertex({"T": triangle}, "T", (10, 0), 1)


def test_vertex_holders_are_exact():
    assert vertex_holders(block(), (100.0, 100.0)) == ["W", "E", "SW", "NW", "SE", "NE"]
    assert vertex_holders(block(), (100.0, 100.000001)) == []


# ---- snapping, codes, the metric frame -------------------------------------------------------------
def test_snap_prefers_vertices_then_edges():
    cells = [block()["SW"], block()["SE"]]
    assert snap(shapely.Point(99.5, 0.6), cells, 1).coords[0] == (100.0, 0.0)
    assert snap(shapely.Point(60, 99.4), cells, 1).coords[0] == (60.0, 100.0)
    assert snap(shapely.Point(60, 97), cells, 1).coords[0] == (60.0, 97.0)
    assert snap((60, 97), [], 1).coords[0] == (60.0, 97.0)


def test_next_child_code_follows_the_siblings():
    codes = ["410199001", "410199001001", "410199001002", "410199001005", "410199002001"]
    assert next_child_code(codes, "410199001", "410199001002") == "410199001006"
    assert next_child_code([*codes, "410199001002K01"], "410199001002",
                           "410199001002K01") == "410199001002K02"
    assert next_child_code(["X"], None, "X") == "X-2"


def test_the_metric_frame_gives_back_every_original_vertex_bit_for_bit():
    frame = MetricFrame("EPSG:4547")
    lonlat = shapely.polygons(np.array([[[113.6, 34.7], [113.61, 34.7], [113.61, 34.71],
                                         [113.6, 34.70123456789], [113.6, 34.7]]]))
    metric = frame.to_metric(lonlat)
    assert shapely.equals_identical(frame.to_lonlat(metric), lonlat).all()
    # a new vertex comes back by pyproj, the same in every geometry holding it
    a = shapely.LineString([metric[0].exterior.coords[0], (500000.5, 3840000.25)])
    b = shapely.LineString([(500000.5, 3840000.25), metric[0].exterior.coords[1]])
    back = frame.to_lonlat(np.array([a, b]))
    assert back[0].coords[1] == back[1].coords[0]
    assert back[0].coords[0] == (113.6, 34.7)


def test_metric_areas_of_holes_and_parts_match_the_projected_polygons():
    frame = MetricFrame("EPSG:4547")
    holed = shapely.Polygon([(113.60, 34.70), (113.62, 34.70), (113.62, 34.72), (113.60, 34.72)],
                            [[(113.605, 34.705), (113.605, 34.71), (113.61, 34.71),
                              (113.61, 34.705)]])
    parts = shapely.MultiPolygon([shapely.box(113.63, 34.70, 113.64, 34.71).reverse(), holed])
    geoms = np.array([holed, parts, shapely.Polygon(), shapely.Point(113.6, 34.7)])
    expected = shapely.area(frame.to_metric(geoms))
    np.testing.assert_allclose(frame.areas(geoms), expected, rtol=1e-12, atol=1e-9)
    assert frame.areas([]).shape == (0,)
