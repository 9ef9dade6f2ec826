"""History queries on the tiny district: the division before, between and after edits, what
changed between dates, restoring as a new edit, and who was responsible on a date."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from gisapp.history import (changes_between, division_on, grid_history, restore_grid,
                            who_was_responsible)
from gisapp.inspectors import assign
from gisapp.project import Project
from tests.core.test_history_district import (C1, C2, D, K, P, S1, S2, V, METRIC, clock,
                                              edit_grids, grid_row, km_box, lonlat,
                                              tiny_project)

V2 = "410100002003"


def edited_project(path="/nonexistent/tiny.gpkg") -> Project:
    """The tiny district after four edits:

    2026-03-10 10:00 张三 reshape  C1|C2 boundary moves from x=0.5 to x=0.6 km
    2026-04-21 07:30 李四 split    V into V (y 0-0.3) and new V2 东岗村 (y 0.3-0.6);
                                  recorded in UTC as 2026-04-20T23:30Z: local date 04-21
    2026-05-05 15:00 张三 merge    C2 into C1 (C1 becomes 0-1 km, C2 deleted)
    2026-05-06 09:00 王五 update   P's office address
    """
    project = tiny_project(path)
    edit_grids(project, "reshape", "2026-03-10T10:00:00+08:00", "张三",
               [(C1, grid_row(project, C1, geometry=km_box(0, 0, 0.6, 1))),
                (C2, grid_row(project, C2, geometry=km_box(0.6, 0, 1, 1)))])
    edit_grids(project, "split", "2026-04-20T23:30:00+00:00", "李四",
               [(V, grid_row(project, V, geometry=km_box(1, 0, 2, 0.3))),
                (V2, grid_row(project, V, name="东岗村", office_address="东岗村村委会",
                              geometry=km_box(1, 0.3, 2, 0.6)))])
    edit_grids(project, "merge", "2026-05-05T15:00:00+08:00", "张三",
               [(C1, grid_row(project, C1, geometry=km_box(0, 0, 1, 1))), (C2, None)])
    edit_grids(project, "update", "2026-05-06T09:00:00+08:00", "王五",
               [(P, grid_row(project, P, office_address="园区服务中心"))])
    return project


def areas(grids) -> dict:
    """Grid code -> area in km² (to 0.1 m²: stored WKT keeps about 1 cm)."""
    return {c: round(a / 1e6, 4) for c, a in zip(grids["grid_code"],
                                                  grids.to_crs(METRIC).area)}


ORIGINAL = {D: 2.0, S1: 1.0, C1: 0.5, C2: 0.5, S2: 1.0, V: 0.6, P: 0.4, K: 0.04}


@pytest.mark.parametrize("date, expected", [
    # an import is when data entered the project, not when the division came into force:
    # before it, the imported division is the best answer there is
    ("2025-12-31", ORIGINAL),
    ("2026-01-01", ORIGINAL),                                    # the import's day
    ("2026-03-09", ORIGINAL),                                    # the day before the reshape
    ("2026-03-10", {**ORIGINAL, C1: 0.6, C2: 0.4}),              # end of the reshape's day
    ("2026-04-20", {**ORIGINAL, C1: 0.6, C2: 0.4}),              # split is 04-21 local time
    ("2026-04-21", {**ORIGINAL, C1: 0.6, C2: 0.4, V: 0.3, V2: 0.3}),
    ("2026-05-05", {D: 2.0, S1: 1.0, C1: 1.0, S2: 1.0, V: 0.3, V2: 0.3, P: 0.4, K: 0.04}),
])
def test_division_on_dates_before_between_and_after_edits(date, expected):
    assert areas(division_on(edited_project(), date)) == dict(sorted(expected.items()))


def test_division_after_the_last_edit_is_the_current_table():
    project = edited_project()
    current = project.grids.sort_values("grid_code").reset_index(drop=True)
    pd.testing.assert_frame_equal(division_on(project, "2026-05-06"), current)
    pd.testing.assert_frame_equal(division_on(project, "2030-01-01"), current)


def test_a_deleted_grid_is_back_and_a_reverted_attribute_is_old():
    project = edited_project()
    before_merge = division_on(project, "2026-05-04").set_index("grid_code")
    assert before_merge.loc[C2, "name"] == "建新"
    assert shapely.equals_exact(before_merge.loc[C2, "geometry"], km_box(0.6, 0, 1, 1),
                                tolerance=1e-7)
    assert before_merge.loc[P, "office_address"] == "园区管委会"
    after = division_on(project, "2026-05-06").set_index("grid_code")
    assert after.loc[P, "office_address"] == "园区服务中心"
    assert C2 not in after.index


def test_grid_history_lists_every_edit_in_order():
    history = grid_history(edited_project(), C2)
    assert list(history["action"]) == ["import", "reshape", "merge"]
    assert list(history["user"]) == ["导入员", "张三", "张三"]
    assert list(history["change"]) == ["created", "changed", "deleted"]
    assert list(history["fields"]) == ["", "geometry", ""]
    assert history["before"].iloc[0] is None and history["after"].iloc[2] is None
    assert history["after"].iloc[1]["name"] == "建新"
    assert list(history["at"]) == ["2026-01-01T09:00:00+08:00", "2026-03-10T10:00:00+08:00",
                                   "2026-05-05T15:00:00+08:00"]


def test_grid_history_with_assignments():
    project = edited_project()
    with clock("2026-05-20T09:00:00+08:00"):
        assign(project, P, "first_responsible", "赵六", "2026-06-01", user="王五")
    history = grid_history(project, P, assignments=True)
    assert list(history["action"]) == ["import", "update", "unassign", "assign"]
    assert list(history["feature_id"]) == [P, P, f"{P}/first_responsible/主任园一",
                                           f"{P}/first_responsible/赵六"]
    assert list(history["fields"]) == ["", "office_address", "valid_to", ""]


def test_changes_between_two_dates():
    project = edited_project()
    split = changes_between(project, "2026-04-01", "2026-04-30")
    assert list(zip(split["action"], split["feature_id"], split["change"], split["fields"])) \
        == [("split", V, "changed", "geometry"), ("split", V2, "created", "")]
    assert len(changes_between(project, "2026-03-10", "2026-04-20")) == 0
    may = changes_between(project, "2026-05-01", "2026-05-31")
    assert list(zip(may["feature_id"], may["change"], may["fields"])) == [
        (C1, "changed", "geometry"), (C2, "deleted", ""), (P, "changed", "office_address")]
    assert list(changes_between(project, "2026-03-09", "2026-03-10")["user"]) == ["张三"] * 2
    with pytest.raises(ValueError, match="before"):
        changes_between(project, "2026-05-01", "2026-04-01")


def test_restore_is_a_new_edit_and_rewrites_nothing():
    project = edited_project()
    earlier = project.history.copy()
    with clock("2026-06-01T10:00:00+08:00"):
        restored = restore_grid(project, C2, "2026-04-01", user="王五")
    assert restored["name"] == "建新"
    pd.testing.assert_frame_equal(project.history.iloc[:len(earlier)], earlier)
    added = project.history.iloc[len(earlier):]
    assert list(added["action"]) == ["restore"] and list(added["user"]) == ["王五"]
    assert added["before"].isna().all() and list(added["feature_id"]) == [C2]
    # the restored grid is back from the restore's day on; the past is unchanged
    assert C2 not in set(division_on(project, "2026-05-31")["grid_code"])
    assert areas(division_on(project, "2026-06-01"))[C2] == 0.4
    assert list(grid_history(project, C2)["change"]) == ["created", "changed", "deleted",
                                                         "created"]


def test_restore_an_existing_grid_records_its_current_version_as_before():
    project = edited_project()
    with clock("2026-06-02T10:00:00+08:00"):
        restore_grid(project, C1, "2026-02-01", user="王五")
    row = project.history.iloc[-1]
    assert (row["action"], row["feature_id"]) == ("restore", C1)
    assert areas(project.grids)[C1] == 0.5
    assert areas(division_on(project, "2026-06-01"))[C1] == 1.0
    last = grid_history(project, C1).iloc[-1]
    assert (last["change"], last["fields"]) == ("changed", "geometry")


def test_restore_refuses_a_grid_absent_on_the_date_or_already_equal():
    project = edited_project()
    with pytest.raises(ValueError, match="did not exist on 2026-03-01"):
        restore_grid(project, V2, "2026-03-01")
    with pytest.raises(ValueError, match="already"):
        restore_grid(project, P, "2026-05-06")


def test_history_survives_save_and_reopen(tmp_path):
    project = edited_project(tmp_path / "tiny.gpkg")
    project.save()
    reopened = Project.open(tmp_path / "tiny.gpkg")
    for date in ("2026-01-01", "2026-04-21", "2026-05-05"):
        assert areas(division_on(reopened, date)) == areas(division_on(project, date))


# ---- who was responsible ---------------------------------------------------------------------
def people(frame) -> list[tuple]:
    return list(zip(frame["level"], frame["grid_code"], frame["role"].fillna(""),
                    frame["person_name"].fillna("")))


def test_who_was_responsible_for_a_grid():
    found = who_was_responsible(edited_project(), "2026-02-01", grid_code=C1)
    assert people(found) == [
        (1, D, "first_responsible", "区长甲"), (1, D, "direct_responsible", "副区长乙"),
        (1, D, "responsible_a", "科长丙"), (1, D, "responsible_b", "科长丁"),
        (2, S1, "first_responsible", "主任林一"), (2, S1, "direct_responsible", "副主任林二"),
        (2, S1, "responsible_a", "林三"), (2, S1, "responsible_b", "林四"),
        (3, C1, "first_responsible", "主任绿一"), (3, C1, "direct_responsible", "副主任绿二"),
        (3, C1, "responsible_a", "张伟"), (3, C1, "responsible_b", "绿四"),
        (3, C1, "inspector", "张伟")]
    assert list(found.columns) == ["level", "grid_code", "grid_name", "role", "inspector_id",
                                   "person_name", "phone", "valid_from", "valid_to"]


def test_who_was_responsible_before_and_after_a_reassignment():
    project = edited_project()
    with clock("2026-05-20T09:00:00+08:00"):
        assign(project, C1, "first_responsible", "赵六", "2026-06-01", user="王五")

    def first_of_c1(date):
        found = who_was_responsible(project, date, grid_code=C1)
        rows = found[(found["grid_code"] == C1) & (found["role"] == "first_responsible")]
        return list(zip(rows["person_name"], rows["valid_from"], rows["valid_to"].fillna("")))
    assert first_of_c1("2026-05-31") == [("主任绿一", "2026-01-01", "2026-05-31")]
    assert first_of_c1("2026-06-01") == [("赵六", "2026-06-01", "")]
    x, y = lonlat(0.25, 0.5)  # a point in C1 asks the same question
    for date, who in (("2026-05-31", "主任绿一"), ("2026-06-01", "赵六")):
        found = who_was_responsible(project, date, lon=x, lat=y)
        first = found[found["role"] == "first_responsible"]
        assert list(zip(first["grid_code"], first["person_name"])) == [
            (D, "区长甲"), (S1, "主任林一"), (C1, who)]


def test_who_was_responsible_for_a_point_follows_the_division_of_the_day():
    project = edited_project()
    x, y = lonlat(1.5, 0.45)  # in V until the split, in V2 after it
    before = who_was_responsible(project, "2026-04-20", lon=x, lat=y)
    assert sorted(set(zip(before["level"], before["grid_code"]))) == [(1, D), (2, S2), (3, V)]
    assert people(before[before["level"] == 3]) == [
        (3, V, "first_responsible", "村主任岗一"), (3, V, "direct_responsible", "岗二"),
        (3, V, "responsible_a", "李娜"), (3, V, "responsible_b", "岗四"),
        (3, V, "inspector", "李娜")]
    after = who_was_responsible(project, "2026-04-21", lon=x, lat=y)
    assert people(after[after["level"] == 3]) == [(3, V2, "", "")]  # nobody assigned yet


def test_who_was_responsible_for_a_point_in_a_key_enterprise():
    x, y = lonlat(1.3, 0.8)
    found = who_was_responsible(edited_project(), "2026-02-01", lon=x, lat=y)
    assert sorted(set(zip(found["level"], found["grid_code"]))) == [(1, D), (2, S2), (3, P),
                                                                     (4, K)]


def test_who_was_responsible_needs_a_grid_or_a_point_that_existed():
    project = edited_project()
    with pytest.raises(ValueError, match="did not exist"):
        who_was_responsible(project, "2026-02-01", grid_code=V2)
    with pytest.raises(ValueError, match="grid_code, or lon and lat"):
        who_was_responsible(project, "2026-02-01")
