"""Assignment edits and restores: apply then revert gives identical tables, refusals change
nothing, the history is only appended to."""

from __future__ import annotations

import doctest
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
import shapely

from gisapp import assignment_edits, restoring, schema
from gisapp.assignment_edits import ApplyBalance, AssignRole, UnassignRole
from gisapp.demo import build_demo
from gisapp.edits import DeleteGrid, EditAttributes, ReshapeGrid
from gisapp.errors import GridEditError
from gisapp.history import grid_version
from gisapp.project import Project
from gisapp.restoring import restore_edits
from gisapp.workload import suggest_balance

DAY = "2026-10-15"


@cache
def demo():
    return build_demo(seed=7)


def project() -> Project:
    p = Project.create(Path("/nonexistent/assign.gpkg"))
    for name, table in demo().tables().items():
        p.set_table(name, table)
    return p


def test_doctests():
    for module in (assignment_edits, restoring):
        assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize("make", [
    lambda p: AssignRole("410199001001", "inspector", "W002", DAY),
    lambda p: AssignRole("410199001001", "first_responsible", "新主任", DAY, "13800000000"),
    lambda p: UnassignRole("410199001001", "inspector", "W001", "2026-10-14"),
    lambda p: ApplyBalance.of(suggest_balance(p, "410199001", DAY), DAY),
], ids=["assign", "replace_holder", "unassign", "balance"])
def test_apply_then_revert_gives_back_the_identical_table(make):
    p = project()
    before = p.assignments.copy()
    edit = make(p)
    changes = edit.apply(p, "王五")
    assert not p.assignments.equals(before)
    assert changes.ids_in(schema.ASSIGNMENTS)
    applied = len(p.history)
    edit.revert(p, "王五")
    pd.testing.assert_frame_equal(p.assignments, before)
    history = p.history
    assert len(history) == 2 * applied  # the revert appends the reverse rows
    assert history["action"].iloc[applied:].str.startswith("undo:").all()
    assert (history["user"] == "王五").all()
    # and again: redo is apply
    edit.apply(p, "王五")
    assert not p.assignments.equals(before)


def test_a_balance_moves_the_grids_from_the_day_on():
    p = project()
    suggestion = suggest_balance(p, "410199001", DAY)
    move = suggestion.moves.iloc[0]
    ApplyBalance.of(suggestion, DAY).apply(p)
    rows = p.assignments[(p.assignments["grid_code"] == move["grid_code"])
                         & (p.assignments["role"] == "inspector")]
    giver = rows[rows["inspector_id"] == move["from_inspector"]]
    taker = rows[rows["inspector_id"] == move["to_inspector"]]
    assert list(giver["valid_to"]) == ["2026-10-14"]
    assert list(taker["valid_from"]) == [DAY]


@pytest.mark.parametrize("edit, message", [
    (AssignRole("NOPE", "inspector", "W001", DAY), "There is no grid NOPE."),
    (AssignRole("410199001001", "boss", "W001", DAY), "Unknown role boss."),
    (AssignRole("410199001001", "inspector", "W001", DAY),
     "W001 is inspector of grid 410199001001 already."),
    (AssignRole("410199001001", "inspector", " ", DAY), "Who is to be assigned?"),
    (UnassignRole("410199001001", "inspector", "W059", DAY), "W059 is not inspector"),
    (ApplyBalance("410199001", (), DAY), "The suggestion moves no grid."),
])
def test_refusals_change_nothing(edit, message):
    p = project()
    tables = {n: f.copy() for n, f in p.tables.items()}
    with pytest.raises(GridEditError, match=message):
        edit.apply(p)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(p.tables[name], frame)


def test_revert_is_refused_when_not_applied_or_when_the_table_changed():
    p = project()
    edit = AssignRole("410199001001", "inspector", "W002", DAY)
    with pytest.raises(GridEditError, match="not applied"):
        edit.revert(p)
    edit.apply(p)
    AssignRole("410199001002", "inspector", "W001", DAY).apply(p)
    with pytest.raises(GridEditError, match="changed since"):
        edit.revert(p)


# ---- restoring ----------------------------------------------------------------------------------
def test_restoring_a_reshaped_and_renamed_grid_puts_back_its_old_version():
    p = project()
    code = "410199003004"
    old = grid_version(p, code, "2026-01-01")
    geometry = p.grids.geometry[p.grids["grid_code"] == code].iloc[0]
    smaller = shapely.buffer(geometry, -0.0005)
    ReshapeGrid(code, smaller).apply(p)
    EditAttributes(schema.GRIDS, code, "name", old["name"], "新名字").apply(p)
    edits = restore_edits(p, code, old)
    assert [type(e).__name__ for e in edits] == ["ReshapeGrid", "EditAttributes"]
    for edit in edits:
        edit.apply(p)
    row = p.grids[p.grids["grid_code"] == code].iloc[0]
    assert row["name"] == old["name"]
    assert row.geometry.equals(shapely.from_wkt(old["geometry"]))
    with pytest.raises(GridEditError, match="already as it was"):
        restore_edits(p, code, old)


def test_restoring_a_deleted_grid_adds_it_back_under_its_code():
    p = project()
    code = "410199001001K01"
    old = grid_version(p, code, DAY)
    DeleteGrid(code).apply(p)
    edits = restore_edits(p, code, old)
    assert [type(e).__name__ for e in edits] == ["AddGrid"]
    edits[0].apply(p)
    row = p.grids[p.grids["grid_code"] == code].iloc[0]
    assert (row["parent_code"], row["level"], row["name"]) == (old["parent_code"], 4,
                                                               old["name"])

