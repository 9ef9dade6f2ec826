"""GridHierarchy.update_grids and set_assignments: a hierarchy told which grids changed
answers exactly as one built afresh from the edited tables."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import shapely

from gisapp.hierarchy import GridHierarchy
from tests.core.test_hierarchy import ASSIGNMENTS, GRIDS, assignment

OCT_20 = dt.date(2026, 10, 20)
POINTS = [(0.3, 0.3), (1.0, 0.5), (1.0, 1.5), (3.0, 1.0), (2.0, 1.0), (0.5, 0.5), (9.0, 9.0)]


def answers(h: GridHierarchy) -> dict:
    codes = list(h.codes)
    return {
        "codes": codes, "levels": list(h.levels), "names": list(h.names),
        "kinds": list(h.kinds), "parent": h.parent,
        "subtrees": {c: h.subtree(c) for c in codes},
        "chains_at": [h.chain_at(x, y, OCT_20) for x, y in POINTS],
        "chains_of": {c: h.chain_of(c, OCT_20) for c in codes},
        "inside": h.grids_inside(shapely.box(-1, -1, 2.5, 1.5)),
        "bounds": [h.bounds([c]) for c in codes] + [h.bounds(codes), h.bounds(["gone"])],
        "inspectors": {c: h.grid_inspectors(c, OCT_20, OCT_20) for c in codes},
        "geometry": [h.geometry(c).wkt for c in codes],
    }


def edited(rows: list[dict]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry")


def test_grids_added_changed_moved_and_deleted():
    h = GridHierarchy(GRIDS, ASSIGNMENTS)
    answers(h)  # builds the tree and bounds of the old grids
    rows = GRIDS.to_dict("records")
    rows[1]["name"] = "新西街道"                                  # W renamed
    rows[4]["parent_code"] = "E"                                  # W2 moves to E
    rows[4]["geometry"] = shapely.box(2, 1, 4, 2)
    del rows[5]                                                   # K deleted
    rows.insert(2, {"grid_code": "W3", "name": "三社区", "level": 3, "parent_code": "W",
                    "kind": "community", "geometry": shapely.box(1, 1, 2, 2)})  # added
    grids = edited(rows)
    h.update_grids(grids, {"W", "W2", "K", "W3"})
    assert answers(h) == answers(GridHierarchy(grids, ASSIGNMENTS))
    assert h.subtree("W") == ["W", "W1", "W3"] and h.subtree("E") == ["E", "W2"]


def test_a_grid_losing_its_parent_and_a_repeated_code():
    h = GridHierarchy(GRIDS, ASSIGNMENTS)
    rows = GRIDS.to_dict("records")
    rows[3]["parent_code"] = None                                 # W1 loses its parent
    rows.append({**rows[5], "parent_code": "W2"})                 # K twice: the last row wins
    grids = edited(rows)
    h.update_grids(grids, {"W1", "K"})
    assert answers(h) == answers(GridHierarchy(grids, ASSIGNMENTS))
    assert h.parent["K"] == "W2" and "W1" not in h.parent
    assert h.subtree("W1") == ["W1"] and h.subtree("W2") == ["W2", "K"]
    assert h.subtree("D") == ["D", "E", "W", "W2", "K"]


def test_every_grid_again_and_new_assignments():
    h = GridHierarchy(GRIDS, ASSIGNMENTS)
    grids = GRIDS.iloc[::-1].reset_index(drop=True)
    h.update_grids(grids)
    assignments = pd.concat([ASSIGNMENTS, pd.DataFrame([
        assignment("E", "inspector", "赵六", "I4", start="2026-10-01")])], ignore_index=True)
    h.set_assignments(assignments)
    assert answers(h) == answers(GridHierarchy(grids, assignments))
    assert h.chain_of("E", OCT_20)[1].names("inspector") == ["赵六"]
