"""Assigning and releasing persons by role, with history; and the planner's warnings."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from gisapp.i18n import set_language
from gisapp.inspectors import (apply_change, assign, assignment_warnings, plan_assign,
                               unassign)
from tests.core.test_history_district import C1, C2, D, P, S1, S2, V, clock, tiny_project


@pytest.fixture(autouse=True)
def chinese():
    set_language("zh_CN")
    yield
    set_language("en")


def rows(project, grid, role):
    a = project.assignments
    mine = a[(a["grid_code"] == grid) & (a["role"] == role)]
    return list(zip(mine["inspector_id"].fillna(""), mine["person_name"],
                    mine["valid_from"], mine["valid_to"].fillna("")))


def added_history(project, n):
    h = project.history.iloc[-n:]
    return list(zip(h["action"], h["feature_id"], h["user"]))


def test_assigning_a_single_role_closes_the_previous_holder_the_day_before():
    project = tiny_project()
    with clock("2026-05-20T09:00:00+08:00"):
        change = assign(project, C1, "first_responsible", "赵六", "2026-06-01", user="王五")
    assert rows(project, C1, "first_responsible") == [
        ("", "主任绿一", "2026-01-01", "2026-05-31"), ("", "赵六", "2026-06-01", "")]
    assert added_history(project, 2) == [
        ("unassign", f"{C1}/first_responsible/主任绿一", "王五"),
        ("assign", f"{C1}/first_responsible/赵六", "王五")]
    closed = json.loads(project.history.iloc[-2]["after"])
    assert (closed["valid_from"], closed["valid_to"]) == ("2026-01-01", "2026-05-31")
    assert project.history.iloc[-1]["before"] is pd.NA
    assert len(change.history) == 2


def test_an_inspector_is_assigned_by_id_with_the_rosters_name_and_phone():
    project = tiny_project()
    assign(project, C1, "responsible_b", "W4", "2026-03-01")
    assert rows(project, C1, "responsible_b") == [("", "绿四", "2026-01-01", "2026-02-28"),
                                                  ("W4", "刘洋", "2026-03-01", "")]
    a = project.assignments
    assert a[(a["inspector_id"] == "W4") & (a["grid_code"] == C1)]["phone"].tolist() == \
        ["13800000004"]


def test_the_inspector_role_takes_several_people():
    project = tiny_project()
    assign(project, C1, "inspector", "W4", "2026-03-01")
    assert rows(project, C1, "inspector") == [("W1", "张伟", "2026-01-01", ""),
                                              ("W4", "刘洋", "2026-03-01", "")]


def test_assigning_the_holder_again_changes_nothing():
    project = tiny_project()
    before = project.assignments.copy()
    change = assign(project, C1, "inspector", "W1", "2026-03-01")
    assert not change.changed
    pd.testing.assert_frame_equal(project.assignments, before)
    assert len(project.history) == 8  # only the import


def test_a_holder_who_starts_the_same_day_is_replaced_not_closed():
    project = tiny_project()
    assign(project, C1, "first_responsible", "赵六", "2026-06-01")
    assign(project, C1, "first_responsible", "钱七", "2026-06-01")
    assert rows(project, C1, "first_responsible") == [
        ("", "主任绿一", "2026-01-01", "2026-05-31"), ("", "钱七", "2026-06-01", "")]
    last = project.history.iloc[-2]
    assert (last["action"], last["after"]) == ("unassign", pd.NA)


def test_a_later_holder_bounds_an_earlier_new_one():
    project = tiny_project()
    assign(project, C1, "first_responsible", "赵六", "2026-06-01")
    assign(project, C1, "first_responsible", "孙八", "2026-04-01")
    assert rows(project, C1, "first_responsible") == [
        ("", "主任绿一", "2026-01-01", "2026-03-31"), ("", "赵六", "2026-06-01", ""),
        ("", "孙八", "2026-04-01", "2026-05-31")]


def test_unassign_ends_an_assignment():
    project = tiny_project()
    with clock("2026-05-20T09:00:00+08:00"):
        unassign(project, V, "inspector", "W2", "2026-05-31", user="王五")
    assert rows(project, V, "inspector") == [("W2", "李娜", "2026-01-01", "2026-05-31")]
    assert added_history(project, 1) == [("unassign", f"{V}/inspector/李娜", "王五")]
    with pytest.raises(ValueError, match="not inspector of grid"):
        unassign(project, V, "inspector", "W2", "2026-07-01")


def test_plans_are_pure_and_check_their_input():
    project = tiny_project()
    before = project.assignments.copy()
    change = plan_assign(project.assignments, project.inspectors, C2, "responsible_a", "W1",
                         "2026-02-01")
    pd.testing.assert_frame_equal(project.assignments, before)
    assert len(change.assignments) == len(before) + 1
    with pytest.raises(ValueError, match="unknown role"):
        assign(project, C1, "boss", "W1", "2026-02-01")
    with pytest.raises(ValueError, match="no grid X"):
        assign(project, "X", "inspector", "W1", "2026-02-01")
    apply_change(project, change, user="王五")
    assert rows(project, C2, "responsible_a")[-1] == ("W1", "张伟", "2026-02-01", "")


# ---- warnings --------------------------------------------------------------------------------
def planted():
    """The tiny district with planted problems, all from 2026-06-01:

    C2 loses its first and direct responsible persons  -> no_responsible
    P loses its B backup                               -> missing_role
    V's B backup becomes its A backup, 李娜 (W2)        -> same_ab
    W3 stops patrolling P                              -> no_inspector (P), idle_inspector (W3)
    """
    project = tiny_project()
    for role, who in (("first_responsible", "主任建一"), ("direct_responsible", "副主任建二")):
        unassign(project, C2, role, who, "2026-05-31")
    unassign(project, P, "responsible_b", "园四", "2026-05-31")
    assign(project, V, "responsible_b", "W2", "2026-06-01")
    unassign(project, P, "inspector", "W3", "2026-05-31")
    return project


def test_no_warnings_before_the_planted_problems():
    warnings = assignment_warnings(planted(), "2026-05-31")
    assert len(warnings) == 0


def test_planted_problems_are_warned_in_chinese():
    warnings = assignment_warnings(planted(), "2026-06-01")
    assert list(zip(warnings["kind"], warnings["grid_code"].fillna(""),
                    warnings["inspector_id"].fillna(""), warnings["message"])) == [
        ("no_responsible", C2, "", f"网格 {C2}（建新）在 2026-06-01 没有责任人"),
        ("missing_role", P, "", f"网格 {P}（须水工业园区）缺少B角"),
        ("no_inspector", P, "", f"网格 {P}（须水工业园区）没有网格员"),
        ("same_ab", V, "W2", f"网格 {V}（西岗村）的A角和B角是同一人：李娜"),
        ("idle_inspector", "", "W3", "网格员 W3 王芳 没有负责的网格")]


def test_an_inspector_far_above_the_median_of_his_street():
    """Street S1 gets three inspectors: W1 keeps C1 and takes C2, W4 and a new W5 share C2.

    C1: 4 sources, 0.5 km²; C2: 2 sources, 0.5 km². W1: 6 sources, 1.0 km²; W4, W5: 2 sources,
    0.5 km². Medians: 2 sources, 0.5 km², patrol 0.7124·sqrt(2·0.5)·1.3 = 0.92612 km; 1.5×
    that: 3, 0.75, 1.38918. W1's 6, 1.0 and 0.7124·sqrt(6·1.0)·1.3 = 2.26852 km exceed them.
    """
    project = tiny_project()
    roster = pd.concat([project.inspectors, pd.DataFrame(
        [{"inspector_id": "W5", "name": "陈静", "kind": "full_time", "phone": None}])])
    project.set_table("inspectors", roster)
    assign(project, C2, "inspector", "W1", "2026-06-01")
    assign(project, C2, "inspector", "W5", "2026-06-01")
    warnings = assignment_warnings(project, "2026-06-01")
    loaded = warnings[warnings["kind"] == "overloaded"]
    assert list(loaded["inspector_id"]) == ["W1"] * 3
    assert list(loaded["measure"]) == ["sources", "area_km2", "patrol_km"]
    assert loaded["value"].round(5).tolist() == [6.0, 1.0, 2.26852]
    assert loaded["threshold"].round(5).tolist() == [3.0, 0.75, 1.38918]
    assert loaded["message"].iloc[0] == ("网格员 W1 张伟 的污染源数量为 6.0，"
                                         "超过林山寨街道中位数 2.0 的 1.5 倍")
    assert set(warnings["kind"]) == {"overloaded"}


def test_warnings_in_english():
    set_language("en")
    warnings = assignment_warnings(planted(), "2026-06-01")
    assert warnings["message"].iloc[0] == f"Grid {C2} (建新) has no responsible person on " \
                                          "2026-06-01"


def test_the_tiny_district_uses_all_its_grids():
    assert {D, S1, S2} < set(tiny_project().assignments["grid_code"])
