"""Workload per inspector and street, and the balance suggestion: exact loads on hand-drawn
grids, contiguity kept, and a smaller max/min load ratio on a demo street."""

from __future__ import annotations

import doctest

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest

from gisapp import schema
from gisapp.demo import build_demo
from gisapp.inspectors import apply_balance
from gisapp.project import Project
from gisapp.workload import (adjacency_graph, grid_loads, inspector_loads, load_hours,
                             patrol_km, street_loads, suggest_balance)
from tests.core.test_history_district import (C1, C2, P, S1, S2, V, km_box, lonlat,
                                              tiny_project)

DATE = "2026-02-01"


def test_patrol_length_and_hours_follow_the_stated_formulas():
    # 0.7124 * sqrt(4 * 0.5) * 1.3 = 1.309731; hours 1.309731 / 12 + 4 * 10 / 60
    assert round(float(patrol_km(4, 0.5)), 6) == 1.309731
    assert round(float(load_hours(4, 0.5)), 6) == round(1.309731 / 12 + 4 / 6, 6)
    assert float(patrol_km(0, 3.0)) == 0.0


def test_grid_loads_count_sources_by_category_and_key_sources():
    project = tiny_project()
    loads = grid_loads(project.grids, project.sources).set_index("grid_code")
    assert list(loads.index) == [C1, C2, V, P]
    assert loads["area_km2"].round(6).to_dict() == {C1: 0.5, C2: 0.5, V: 0.6, P: 0.4}
    assert loads["sources"].to_dict() == {C1: 4, C2: 2, V: 1, P: 2}
    assert loads["key_sources"].to_dict() == {C1: 0, C2: 0, V: 0, P: 1}
    assert loads.loc[C1, ["sources_catering_fumes", "sources_construction_dust",
                          "sources_vehicle_repair", "sources_industrial"]].tolist() == \
        [2, 1, 1, 0]
    assert loads.loc[P, ["sources_industrial", "sources_vehicle_repair"]].tolist() == [1, 1]
    assert loads["street_code"].to_dict() == {C1: S1, C2: S1, V: S2, P: S2}


def test_a_source_without_a_known_grid_is_placed_by_position():
    project = tiny_project()
    sources = project.sources.copy()
    sources.loc[sources["source_id"] == "S7", "grid_code"] = pd.NA
    assert grid_loads(project.grids, sources).set_index("grid_code")["sources"][V] == 1


def test_inspector_loads_on_the_tiny_district():
    loads = inspector_loads(tiny_project(), DATE).set_index("inspector_id")
    assert loads["grids"].to_dict() == {"W1": C1, "W2": V, "W3": P, "W4": C2}
    assert loads["street_name"].to_dict() == {"W1": "林山寨街道", "W2": "须水镇",
                                              "W3": "须水镇", "W4": "林山寨街道"}
    assert loads.loc["W1", ["sources", "n_grids"]].tolist() == [4, 1]
    assert round(loads.loc["W1", "patrol_km"], 6) == 1.309731
    assert round(loads.loc["W1", "load_h"], 6) == round(1.309731 / 12 + 4 / 6, 6)
    assert list(street_loads(tiny_project(), S2, DATE)["inspector_id"]) == ["W2", "W3"]


def test_a_division_without_inspectors_has_empty_loads_with_every_column():
    # the planner imports the grids first; the balance view opens on them before any roster
    project = tiny_project()
    project.set_table(schema.INSPECTORS, project.inspectors.iloc[:0])
    project.set_table(schema.ASSIGNMENTS, project.assignments.iloc[:0])
    loads = street_loads(project, S2, DATE)
    assert len(loads) == 0
    assert {"inspector_id", "load_h", "patrol_km"} <= set(loads.columns)


def test_last_months_coverage_is_joined_when_given():
    coverage = pd.DataFrame({"inspector_id": ["W1", "W2"], "swept_share": [0.8, 0.5],
                             "sources_visited": [3, 0], "sources_required": [4, 0]})
    loads = inspector_loads(tiny_project(), DATE, coverage=coverage).set_index("inspector_id")
    assert loads.loc["W1", ["swept_share", "visited_share"]].tolist() == [0.8, 0.75]
    assert loads[["swept_share", "visited_share"]].loc[["W3", "W4"]].isna().all().all()
    assert pd.isna(loads.loc["W2", "visited_share"])


# ---- balance on hand-drawn streets -----------------------------------------------------------
def street_project(units, sources, inspectors) -> Project:
    """A district that is one street of 1 km squares: ``units`` = code -> (x1, y1, x2, y2)
    km; ``sources`` = code -> count (placed inside); ``inspectors`` = id -> codes."""
    project = Project.create("/nonexistent/street.gpkg")
    xs = [b for box in units.values() for b in (box[0], box[2])]
    ys = [b for box in units.values() for b in (box[1], box[3])]
    whole = (min(xs), min(ys), max(xs), max(ys))
    rows = [("D", "区", 1, None, "district", whole), ("S", "街道", 2, "D", "street", whole)]
    rows += [(code, f"{code}社区", 3, "S", "community", box) for code, box in units.items()]
    grids = gpd.GeoDataFrame(pd.DataFrame([r[:5] for r in rows],
                                          columns=["grid_code", "name", "level",
                                                   "parent_code", "kind"]),
                             geometry=[km_box(*r[5]) for r in rows], crs=schema.STORAGE_CRS)
    project.set_table(schema.GRIDS, grids)
    points, homes = [], []
    for code, n in sources.items():
        x1, y1, x2, y2 = units[code]
        for k in range(n):
            points.append(lonlat(x1 + (x2 - x1) * (k + 1) / (n + 1), (y1 + y2) / 2))
            homes.append(code)
    project.set_table(schema.SOURCES, gpd.GeoDataFrame(
        {"source_id": [f"S{i}" for i in range(len(homes))], "category": "other",
         "grid_code": homes, "is_key": False},
        geometry=gpd.points_from_xy(*zip(*points)) if points else [], crs=schema.STORAGE_CRS))
    project.set_table(schema.INSPECTORS, pd.DataFrame(
        {"inspector_id": list(inspectors), "name": list(inspectors), "kind": "full_time"}))
    project.set_table(schema.ASSIGNMENTS, pd.DataFrame(
        [{"grid_code": c, "role": "inspector", "inspector_id": i, "person_name": i,
          "valid_from": "2026-01-01"} for i, codes in inspectors.items() for c in codes]))
    return project


def test_a_row_of_three_moves_the_middle_grid_to_the_light_inspector():
    """A | B | C, 1 km² each, with 10, 10 and 2 sources; X patrols A and B, Y patrols C.

    Before: X 20 sources on 2 km²: 0.7124·sqrt(40)·1.3/12 + 20/6 = 3.82144 h;
            Y  2 sources on 1 km²: 0.7124·sqrt(2)·1.3/12 + 2/6 = 0.44248 h; ratio 8.63646.
    Moving B: X 10 on 1 km²: 0.7124·sqrt(10)·1.3/12 + 10/6 = 1.91072 h;
              Y 12 on 2 km²: 0.7124·sqrt(24)·1.3/12 + 12/6 = 2.37809 h; ratio 1.24460.
    Then nothing more helps: X keeps his last grid, and B back would undo the gain.
    """
    project = street_project({"A": (0, 0, 1, 1), "B": (1, 0, 2, 1), "C": (2, 0, 3, 1)},
                             {"A": 10, "B": 10, "C": 2}, {"X": ["A", "B"], "Y": ["C"]})
    suggestion = suggest_balance(project, "S", DATE)
    assert list(zip(suggestion.moves["grid_code"], suggestion.moves["from_inspector"],
                    suggestion.moves["to_inspector"])) == [("B", "X", "Y")]
    assert suggestion.before["load_h"].round(5).tolist() == [3.82144, 0.44248]
    assert suggestion.after["load_h"].round(5).tolist() == [1.91072, 2.37809]
    assert round(suggestion.ratio_before, 5) == 8.63646
    assert round(suggestion.ratio_after, 5) == 1.24460
    assert suggestion.assigned_after == {"X": ["A"], "Y": ["B", "C"]}


def test_a_grid_whose_loss_would_split_its_inspectors_patch_stays():
    """A | B | C along the bottom belong to X, D above B to Y. B is heavy and touches D, but
    without B, X's A and C would be two patches; C and A touch D only at a corner."""
    units = {"A": (0, 0, 1, 1), "B": (1, 0, 2, 1), "C": (2, 0, 3, 1), "D": (1, 1, 2, 2)}
    project = street_project(units, {"A": 2, "B": 30, "C": 2, "D": 1},
                             {"X": ["A", "B", "C"], "Y": ["D"]})
    graph = adjacency_graph(project.grids)
    assert sorted(map(sorted, graph.edges)) == [["A", "B"], ["B", "C"], ["B", "D"]]
    suggestion = suggest_balance(project, "S", DATE)
    assert len(suggestion.moves) == 0
    assert suggestion.ratio_after == suggestion.ratio_before


# ---- balance on the demo district ------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_project() -> Project:
    demo = build_demo(seed=7)
    project = Project.create("/nonexistent/demo.gpkg")
    for name, frame in demo.tables().items():
        project.set_table(name, frame)
    return project


def connected(graph, codes) -> bool:
    return nx.is_connected(graph.subgraph(codes))


@pytest.mark.parametrize("street", ["410199001", "410199003"])
def test_demo_street_balance_keeps_patches_contiguous_and_evens_the_load(demo_project,
                                                                         street):
    suggestion = suggest_balance(demo_project, street, "2026-10-15")
    graph = adjacency_graph(demo_project.grids)
    assert all(connected(graph, street_grids.split("; "))
               for street_grids in suggestion.before["grids"])  # contiguous to start with
    assert all(connected(graph, codes) for codes in suggestion.assigned_after.values())
    assert len(suggestion.moves) >= 1
    assert suggestion.ratio_after < suggestion.ratio_before
    moved = set(suggestion.moves["grid_code"])
    assert moved <= set(demo_project.grids.loc[demo_project.grids["parent_code"] == street,
                                               "grid_code"])


def test_demo_street_410199001_moves_one_grid(demo_project):
    """W004 patrols 410199001006 and 410199001007 (42 sources, 7.91 h); W001 only
    410199001001 (14 sources, 2.63 h). 410199001007 borders 410199001001, so it goes to W001:
    the max/min ratio falls from 3.00 to 1.95 and no further single move helps."""
    suggestion = suggest_balance(demo_project, "410199001", "2026-10-15")
    assert list(zip(suggestion.moves["grid_code"], suggestion.moves["from_inspector"],
                    suggestion.moves["to_inspector"])) == [("410199001007", "W004", "W001")]
    assert suggestion.moves["grid_name"].tolist() == ["德沙社区"]
    assert suggestion.moves.crs == schema.STORAGE_CRS  # drawable on the map
    assert (round(suggestion.ratio_before, 2), round(suggestion.ratio_after, 2)) == (3.0, 1.95)


def test_applying_a_suggestion_gives_the_suggested_loads(demo_project):
    project = Project.create("/nonexistent/demo2.gpkg")
    for name, frame in demo_project.tables.items():
        project.set_table(name, frame.copy())
    suggestion = suggest_balance(project, "410199001", "2026-10-15")
    change = apply_balance(project, suggestion, "2026-11-01", user="规划员")
    assert [e.action for e in change.history] == ["unassign", "assign", "unassign", "assign"]
    assert [e.feature_id for e in change.history] == [
        "410199001007/inspector/金欣", "410199001007/inspector/张艳",
        "410199001007/responsible_a/金欣", "410199001007/responsible_a/张艳"]
    after = street_loads(project, "410199001", "2026-11-01")
    assert after["load_h"].round(9).tolist() == suggestion.after["load_h"].round(9).tolist()
    before = street_loads(project, "410199001", "2026-10-31")
    assert before["load_h"].round(9).tolist() == suggestion.before["load_h"].round(9).tolist()
    assert list(project.history["user"].iloc[-4:]) == ["规划员"] * 4


def test_doctests():
    from gisapp import workload
    assert doctest.testmod(workload).failed == 0
