"""Incidents: the seed's jurisdiction rule at boundaries, the persons responsible, the
15-working-day deadline on the official calendar, overdue lists, and importing files."""

from __future__ import annotations

import csv
import datetime as dt
import doctest
import json
import warnings

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

from gisapp import crs as crs_mod
from gisapp import schema
from gisapp.errors import InputError
from gisapp.history import division_on
from gisapp.i18n import set_language
from gisapp.incidents import (add_working_days, handling_grid, import_incidents,
                              is_working_day, jurisdiction, overdue, reply_deadline,
                              route_incident, route_incidents, working_days_between)
from gisapp.inspectors import unassign
from gisapp.project import Project
from tests.core.test_history_district import (C1, C2, D, K, P, S1, S2, V, lonlat,
                                              tiny_project)

DATE = "2026-02-01"


@pytest.fixture(autouse=True)
def chinese():
    set_language("zh_CN")
    yield
    set_language("en")


# ---- jurisdiction ----------------------------------------------------------------------------
def judge(x_km, y_km, finder=None, told=None, disputed=False, project=None):
    project = project or tiny_project()
    lon, lat = lonlat(x_km, y_km)
    found, _persons = route_incident(project, lon, lat, DATE, found_by=finder,
                                     told_grid=told, disputed=disputed)
    return found.grid_code, found.reason, found.candidates


@pytest.mark.parametrize("where, finder, told, disputed, expected", [
    # deep inside C1: the grid where the act happens
    ((0.25, 0.5), None, None, False, (C1, "act_location", (C1,))),
    # 50 m from the C1|C2 line: beyond the 30 m tolerance, only C1
    ((0.45, 0.5), "W4", None, False, (C1, "act_location", (C1,))),
    # 10 m inside C1: both grids have jurisdiction; with nobody first, where it lies
    ((0.49, 0.5), None, None, False, (C1, "act_location", (C1, C2))),
    # ... found by W4, who patrols C2: C2 found it first
    ((0.49, 0.5), "W4", None, False, (C2, "found_first", (C1, C2))),
    # ... C2 was told first
    ((0.49, 0.5), None, C2, False, (C2, "told_first", (C1, C2))),
    # ... the finder's grid wins over one told later
    ((0.49, 0.5), "W1", C2, False, (C1, "found_first", (C1, C2))),
    # ... in dispute: the common parent, street S1, designates
    ((0.49, 0.5), "W4", None, True, (S1, "common_parent", (C1, C2))),
    # exactly on the C1|C2 line, nobody first: S1 designates
    ((0.5, 0.5), None, None, False, (S1, "common_parent", (C1, C2))),
    ((0.5, 0.5), "W4", None, False, (C2, "found_first", (C1, C2))),
    # on the C2|V line, between two streets: the district designates
    ((1.0, 0.3), None, None, False, (D, "common_parent", (C2, V))),
    # 20 m outside the district: still C1's; 100 m outside: nobody's
    ((-0.02, 0.5), None, None, False, (C1, "act_location", (C1,))),
    ((-0.1, 0.5), None, None, False, (None, "outside", ())),
])
def test_the_seeds_boundary_rule(where, finder, told, disputed, expected):
    assert judge(*where, finder=finder, told=told, disputed=disputed) == expected


def test_a_finder_whose_grids_changed_counts_with_the_grids_of_the_day():
    project = tiny_project()
    unassign(project, C2, "inspector", "W4", "2026-01-31")
    assert judge(0.49, 0.5, finder="W4", project=project) == (C1, "act_location", (C1, C2))


def test_jurisdiction_messages_in_chinese():
    grids = division_on(tiny_project(), DATE)
    lon, lat = lonlat(0.49, 0.5)
    assert jurisdiction(grids, lon, lat, finder_grids=[C2]).message == \
        f"网格 {C1}、{C2} 均有管辖权：由最先发现的网格 {C2} 管辖"
    assert jurisdiction(grids, lon, lat, disputed=True).message == \
        f"网格 {C1}、{C2} 管辖权有争议：报请共同的上一级网格 {S1} 指定管辖"
    assert jurisdiction(grids, *lonlat(0.25, 0.5)).message == f"由污染行为发生地网格 {C1} 管辖"


def test_handling_grid_is_pure_and_needs_no_geometry():
    parents = {C1: S1, C2: S1, V: S2, S1: D, S2: D}
    assert handling_grid([C2, V], None, parents).grid_code == D
    assert handling_grid([C1, C2, V], C2, parents, disputed=True).grid_code == D
    assert handling_grid([], None, parents).reason == "outside"


def test_routing_names_the_persons_of_every_level():
    project = tiny_project()
    found, persons = route_incident(project, *lonlat(1.3, 0.8), "2026-02-01T10:00:00+08:00")
    assert (found.grid_code, found.reason) == (P, "act_location")
    assert sorted(set(zip(persons["level"], persons["grid_code"]))) == [
        (1, D), (2, S2), (3, P), (4, K)]
    first = persons[persons["role"] == "first_responsible"]
    assert list(first["person_name"]) == ["区长甲", "镇长须一", "主任园一"]
    handled_by_s1 = route_incident(project, *lonlat(0.5, 0.5), DATE)[1]
    assert sorted(set(handled_by_s1["grid_code"])) == [D, S1]


# ---- the working-day calendar ----------------------------------------------------------------
def test_the_deadline_over_the_2026_national_day_holiday():
    """Reported Wednesday 2026-09-30; the receipt day does not count. 2026 holidays: National
    Day 10-01..10-07 off, Saturday 10-10 a make-up working day (chinese_calendar 1.11.0):

     1 Thu 10-08   2 Fri 10-09   3 Sat 10-10 (make-up)   Sun 10-11 off
     4 Mon 10-12   5 Tue 10-13   6 Wed 10-14   7 Thu 10-15   8 Fri 10-16
     9 Mon 10-19  10 Tue 10-20  11 Wed 10-21  12 Thu 10-22  13 Fri 10-23
    14 Mon 10-26  15 Tue 10-27
    """
    assert reply_deadline("2026-09-30T16:45:00+08:00") == dt.date(2026, 10, 27)
    # a report at 20:00 UTC on 09-29 is 04:00 on 09-30 in Beijing
    assert reply_deadline("2026-09-29T20:00:00+00:00") == dt.date(2026, 10, 27)
    assert add_working_days("2026-09-30", 3) == dt.date(2026, 10, 10)


def test_the_deadline_across_both_make_up_days():
    """Reported Friday 2026-09-18: Sat 09-19 off, Sun 09-20 a make-up day (1), 09-21..09-24
    (2-5), Mid-autumn 09-25..09-27 off, 09-28..09-30 (6-8), National Day off, 10-08, 10-09,
    make-up Sat 10-10 (9-11), 10-12..10-15 (12-15)."""
    assert reply_deadline("2026-09-18") == dt.date(2026, 10, 15)


def test_working_days():
    assert [is_working_day(dt.date(2026, m, d)) for m, d in
            [(9, 20), (9, 25), (10, 1), (10, 10), (10, 11), (10, 12)]] == \
        [True, False, False, True, False, True]
    assert working_days_between("2026-10-27", "2026-11-02") == 4  # 28, 29, 30 Oct, 2 Nov
    assert working_days_between("2026-10-27", "2026-10-27") == 0


def test_a_year_the_calendar_does_not_know_counts_weekdays_with_a_warning():
    with pytest.warns(UserWarning, match="no holidays for 2099"):
        assert add_working_days("2099-01-02", 2) == dt.date(2099, 1, 6)  # Fri -> Mon, Tue


# ---- overdue ---------------------------------------------------------------------------------
def with_incidents(project, rows):
    frame = gpd.GeoDataFrame(pd.DataFrame(
        [{"incident_id": i, "reported_at": t, "category": "catering_fumes",
          "description": "油烟直排", "grid_code": C1, "inspector_id": "W1", "status": s}
         for i, t, s in rows]), geometry=[shapely.Point(*lonlat(0.25, 0.5))] * len(rows),
        crs=schema.STORAGE_CRS)
    project.set_table(schema.INCIDENTS, frame)
    return project


def overdue_project():
    """Deadlines: E1, E2 10-27 (see above); E3 reported 10-20: 15 working days are 10-21..23,
    10-26..30, 11-02..06, 11-09, 11-10 -> 11-10; E4 reported 10-26 -> 11-16."""
    return with_incidents(tiny_project(), [
        ("E1", "2026-09-30T09:00:00+08:00", "reported"),
        ("E2", "2026-09-30T10:00:00+08:00", "closed"),
        ("E3", "2026-10-20T11:00:00+08:00", "transferred"),
        ("E4", "2026-10-26T08:00:00+08:00", "reported")])


def test_nothing_is_overdue_on_its_deadline():
    assert len(overdue(overdue_project(), "2026-10-27")) == 0


def test_overdue_incidents_with_calendar_and_working_days_late():
    late = overdue(overdue_project(), "2026-11-11")
    assert list(late["incident_id"]) == ["E1", "E3"]
    assert list(late["deadline"]) == [dt.date(2026, 10, 27), dt.date(2026, 11, 10)]
    assert list(late["days_overdue"]) == [15, 1]
    # E1: 10-28, 10-29, 10-30, 11-02 .. 11-06, 11-09, 11-10, 11-11
    assert list(late["working_days_overdue"]) == [11, 1]
    assert late.crs == schema.STORAGE_CRS and late.geometry.notna().all()


# ---- import ----------------------------------------------------------------------------------
def write_csv(path, header, rows):
    path.write_text("\n".join([",".join(header), *[",".join(map(str, r)) for r in rows]])
                    + "\n", encoding="utf-8")
    return path


def test_import_routes_each_incident_and_saves(tmp_path):
    project = tiny_project(tmp_path / "tiny.gpkg")
    x1, y1 = lonlat(0.49, 0.5)
    x2, y2 = lonlat(0.25, 0.5)
    path = write_csv(tmp_path / "事件.csv", ["编号", "上报时间", "经度", "纬度", "问题类型",
                                             "问题描述", "发现人"],
                     [["", "2026/9/30 14:20", f"{x1:.8f}", f"{y1:.8f}", "餐饮油烟",
                       "油烟直排", "刘洋"],
                      ["E-X1", "2026-10-08 09:00", f"{x2:.8f}", f"{y2:.8f}", "扬尘",
                       "工地未苫盖", "W1"]])
    result, routes = import_incidents(project, path)
    assert (result.rows_read, result.rows_kept, result.rows_rejected) == (2, 2, 0)
    assert list(routes["reason"]) == ["found_first", "act_location"]
    # 10-08: 10-09, make-up Saturday 10-10, 10-12..16, 10-19..23, 10-26..28 -> 10-28
    assert list(routes["deadline"]) == [dt.date(2026, 10, 27), dt.date(2026, 10, 28)]
    reopened = Project.open(tmp_path / "tiny.gpkg")
    incidents = reopened.incidents
    assert list(zip(incidents["incident_id"], incidents["reported_at"], incidents["category"],
                    incidents["grid_code"], incidents["inspector_id"], incidents["status"])) \
        == [("E202609-0001", "2026-09-30T14:20:00+08:00", "catering_fumes", C2, "W4",
             "reported"),
            ("E-X1", "2026-10-08T09:00:00+08:00", "construction_dust", C1, "W1", "reported")]
    history = reopened.history[reopened.history["table_name"] == "incidents"]
    assert list(history["feature_id"]) == ["E202609-0001", "E-X1"]
    assert json.loads(history["after"].iloc[0])["grid_code"] == C2
    imports = reopened.tables["imports"]
    assert list(imports["kind"]) == ["incidents"] and list(imports["rows"]) == [2]


def bad_file(tmp_path):
    """One coordinates column; rows 2-4 fail the reader, 5 and 6 the project, 7 is good."""
    x, y = lonlat(0.25, 0.5)
    far_x, far_y = lonlat(5.0, 5.0)
    rows = [["时间", "坐标", "类型", "描述", "上报人"],
            ["2026-10-08 09:00", f"{x:.7f},{y:.7f}", "噪音", "", "W1"],         # category
            ["2026-10-08 09:00", f"{y:.7f},{x:.7f}", "扬尘", "", "W1"],         # swapped
            ["2026-13-01 09:00", f"{x:.7f},{y:.7f}", "扬尘", "", "W1"],         # time
            ["2026-10-08 09:00", f"{x:.7f},{y:.7f}", "扬尘", "", "某人"],       # finder
            ["2026-10-08 09:00", f"{far_x:.7f},{far_y:.7f}", "扬尘", "", "W1"],  # outside
            ["2026-10-08 09:00", f"{x:.7f} {y:.7f}", "扬尘", "好", "W1"]]        # good
    path = tmp_path / "bad.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_a_file_with_bad_rows_changes_nothing(tmp_path):
    set_language("en")  # the readers' messages, as written in the code
    project = tiny_project()
    with pytest.raises(InputError) as error:
        import_incidents(project, bad_file(tmp_path), save=False)
    message = str(error.value)
    assert "3 bad rows of 6" in message
    assert "row 2: unknown category '噪音'" in message
    assert "row 3: coordinates" in message and "look swapped" in message
    assert "row 4: time '2026-13-01 09:00' is not a date and time" in message
    assert len(project.incidents) == 0 and len(project.history) == 8


def test_accepted_rejects_import_the_good_rows(tmp_path):
    set_language("en")  # the rejects report's headers and problems in English
    project = tiny_project()
    result, _routes = import_incidents(project, bad_file(tmp_path), save=False,
                                       accept_rejects=tmp_path / "rejects.csv")
    assert (result.rows_kept, result.rows_rejected) == (1, 5)
    rejects = pd.read_csv(tmp_path / "rejects.csv", encoding="utf-8-sig")
    assert list(rejects["row"]) == [2, 3, 4, 5, 6]
    assert rejects["problem"].iloc[3] == "finder '某人' is not an inspector id or name of " \
                                         "the project"
    assert rejects["problem"].iloc[4] == "lies outside every grid of the district"
    assert list(project.incidents["description"]) == ["好"]
    assert list(project.incidents["grid_code"]) == [C1]


def test_xlsx_with_english_headers_and_gcj02_coordinates(tmp_path):
    x, y = lonlat(1.5, 0.3)
    gx, gy = crs_mod.wgs84_to_gcj02(x, y)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Incident report, October"])  # a title line above the header
    sheet.append(["time", "lon", "lat", "category", "description", "found_by"])
    sheet.append([dt.datetime(2026, 10, 9, 8, 30), float(gx), float(gy), "livestock",
                  "manure overflow", "W2"])
    path = tmp_path / "events.xlsx"
    book.save(path)
    project = tiny_project()
    result, _routes = import_incidents(project, path, crs="gcj02", save=False)
    assert result.rows_kept == 1 and any("GCJ02" in n for n in result.notes)
    point = project.incidents.geometry.iloc[0]
    assert abs(point.x - x) < 1e-7 and abs(point.y - y) < 1e-7
    assert list(project.incidents["grid_code"]) == [V]
    assert list(project.incidents["reported_at"]) == ["2026-10-09T08:30:00+08:00"]


def test_a_file_without_a_place_is_refused(tmp_path):
    set_language("en")
    path = write_csv(tmp_path / "e.csv", ["时间", "类型"], [["2026-10-08 09:00", "扬尘"]])
    with pytest.raises(InputError, match="where did it happen"):
        import_incidents(tiny_project(), path, save=False)


def test_an_ambiguous_finder_name_is_refused(tmp_path):
    set_language("en")
    project = tiny_project()
    roster = project.inspectors.copy()
    roster.loc[roster["inspector_id"] == "W4", "name"] = "张伟"  # now two 张伟
    project.set_table(schema.INSPECTORS, roster)
    x, y = lonlat(0.25, 0.5)
    path = write_csv(tmp_path / "e.csv", ["时间", "经度", "纬度", "类型", "发现人"],
                     [["2026-10-08 09:00", x, y, "扬尘", "张伟"]])
    with pytest.raises(InputError, match="row 2: finder '张伟' is the name of 2 inspectors"):
        import_incidents(project, path, save=False)
    set_language("zh_CN")  # as a Chinese user reads it
    with pytest.raises(InputError, match="第 2 行：发现人“张伟”是 2 名网格员的姓名，请填写网格员编号"):
        import_incidents(project, path, save=False)


# ---- the demo district -----------------------------------------------------------------------
def test_demo_incidents_are_routed_to_the_grid_they_were_reported_in():
    from gisapp.demo import build_demo
    demo = build_demo(seed=7)
    project = Project.create("/nonexistent/demo.gpkg")
    for name, frame in demo.tables().items():
        project.set_table(name, frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every deadline lies in a year the calendar knows
        routed = route_incidents(project)
    assert len(routed.routes) == len(demo.incidents)
    assert (routed.routes["handling_grid"] == routed.routes["stored_grid"]).all()
    assert set(routed.routes["reason"]) <= {"act_location", "found_first"}
    levels = routed.persons.groupby("incident_id")["level"].agg(lambda s: sorted(set(s)))
    assert all(v[:3] == [1, 2, 3] for v in levels)


def test_doctests():
    from gisapp import incidents
    from gisapp.io import incidents as reader
    assert doctest.testmod(incidents).failed == 0
    assert doctest.testmod(reader).failed == 0
