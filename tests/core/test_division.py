"""The grid division summary table (网格划分汇总表): rows, columns, names, areas and persons on
the tiny district and the demo district; XLSX and CSV files, written whole or not at all."""

from __future__ import annotations

import doctest

import openpyxl
import pandas as pd
import pytest

from gisapp.demo import build_demo
from gisapp.inspectors import assign
from gisapp.project import Project
from gisapp.reports import division
from gisapp.reports.division import (HEADERS, division_table, export_division,
                                     unit_grid_name, write_division_csv, write_division_xlsx)
from gisapp.workload import metric_crs
from tests.core.test_history_district import C1, C2, P, V, tiny_project

ZH = ["街道办事处", "单元网格名称", "监管面积（平方公里）", "监管网格负责人", "工作人员数量（人）",
      "办公地点"]


@pytest.mark.parametrize("name, kind, expected", [
    ("康州社区", "community", "康州社区环境保护监管片区"),
    ("建新", "community", "建新社区环境保护监管片区"),
    ("西岗村", "village", "西岗村环境保护监管片区"),
    ("西岗", "village", "西岗村环境保护监管片区"),
    ("须水工业园区", "industrial_park", "须水工业园区环境保护监管片区"),
    ("兰堤", "industrial_park", "兰堤工业园区环境保护监管片区"),
    ("泰苑产业园区", "industrial_park", "泰苑产业园区环境保护监管片区"),
    ("绿东社区环境保护监管片区", "community", "绿东社区环境保护监管片区"),
])
def test_unit_grid_names_follow_the_seed(name, kind, expected):
    assert unit_grid_name(name, kind) == expected


def test_the_tiny_districts_table():
    """S1 林山寨街道: C1 绿东社区 0.5 km², C2 建新 0.5 km²; S2 须水镇: V 西岗村 0.6 km²,
    P 须水工业园区 0.4 km². Staff: first, direct, B and the inspector, who is also A: 4."""
    table = division_table(tiny_project(), "2026-02-01")
    assert list(table.columns) == ZH
    assert list(table.index) == [C1, C2, V, P]
    assert table["街道办事处"].tolist() == ["林山寨街道", "林山寨街道", "须水镇", "须水镇"]
    assert table["单元网格名称"].tolist() == [
        "绿东社区环境保护监管片区", "建新社区环境保护监管片区", "西岗村环境保护监管片区",
        "须水工业园区环境保护监管片区"]
    assert table["监管面积（平方公里）"].round(6).tolist() == [0.5, 0.5, 0.6, 0.4]
    assert table["监管网格负责人"].tolist() == ["主任绿一", "主任建一", "村主任岗一", "主任园一"]
    assert table["工作人员数量（人）"].tolist() == [4, 4, 4, 4]
    assert table["办公地点"].tolist() == ["绿东社区居委会", "建新社区居委会", "西岗村村委会",
                                       "园区管委会"]
    assert table.attrs["title"] == "新城区环境保护监管网格划分汇总表"


def test_the_table_follows_the_persons_of_its_date():
    project = tiny_project()
    assign(project, C1, "first_responsible", "赵六", "2026-06-01")
    assign(project, C1, "inspector", "W4", "2026-06-01")
    may, june = division_table(project, "2026-05-31"), division_table(project, "2026-06-01")
    assert (may.loc[C1, "监管网格负责人"], may.loc[C1, "工作人员数量（人）"]) == ("主任绿一", 4)
    assert (june.loc[C1, "监管网格负责人"], june.loc[C1, "工作人员数量（人）"]) == ("赵六", 5)


def test_english_headers_on_request():
    table = division_table(tiny_project(), "2026-02-01", lang="en")
    assert list(table.columns) == list(HEADERS["en"].values())
    assert table.iloc[0, 1] == "绿东社区环境保护监管片区"  # the unit name is the seed's
    with pytest.raises(ValueError, match="lang"):
        division_table(tiny_project(), "2026-02-01", lang="fr")


@pytest.fixture(scope="module")
def demo_project() -> Project:
    demo = build_demo(seed=7)
    project = Project.create("/nonexistent/demo.gpkg")
    for name, frame in demo.tables().items():
        project.set_table(name, frame)
    return project


def test_the_demo_districts_table(demo_project):
    table = division_table(demo_project, "2026-10-15")
    assert len(table) == 97
    grids = demo_project.grids
    district = grids[grids["level"] == 1].to_crs(metric_crs(grids)).area.iloc[0] / 1e6
    total = table["监管面积（平方公里）"].sum()
    assert abs(total - district) / district < 1e-4
    assert table["街道办事处"].nunique() == 12 and table["街道办事处"].notna().all()
    assert table["单元网格名称"].str.endswith("环境保护监管片区").all()
    assert table.loc["410199007003", "单元网格名称"] == "后周集村环境保护监管片区"
    assert table.loc["410199011002", "单元网格名称"] == "兰堤工业园区环境保护监管片区"
    assert table["监管网格负责人"].notna().all() and (table["工作人员数量（人）"] >= 4).all()
    # the streets come in code order, each one's grids together
    streets = table.index.str[:9]
    assert list(streets) == sorted(streets)


def test_xlsx_has_title_frozen_header_merged_streets_and_a_total(tmp_path):
    table = division_table(tiny_project(), "2026-02-01")
    path = write_division_xlsx(table, tmp_path / "汇总表.xlsx", unit="新城区生态环境分局")
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "新城区环境保护监管网格划分汇总表"
    assert sheet["A2"].value == "填报单位：新城区生态环境分局"
    assert sheet["D2"].value == "填报日期：2026-02-01"
    assert [c.value for c in sheet[3]] == ZH
    assert sheet["A3"].font.b and sheet.freeze_panes == "A4"
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=4, max_row=7)] == [
        ["林山寨街道", "绿东社区环境保护监管片区", pytest.approx(0.5), "主任绿一", 4,
         "绿东社区居委会"],
        [None, "建新社区环境保护监管片区", pytest.approx(0.5), "主任建一", 4, "建新社区居委会"],
        ["须水镇", "西岗村环境保护监管片区", pytest.approx(0.6), "村主任岗一", 4, "西岗村村委会"],
        [None, "须水工业园区环境保护监管片区", pytest.approx(0.4), "主任园一", 4, "园区管委会"]]
    merged = sorted(str(r) for r in sheet.merged_cells.ranges)
    assert {"A4:A5", "A6:A7", "A1:F1"} <= set(merged)
    assert sheet["C4"].number_format == "0.00"
    assert [sheet["A8"].value, sheet["B8"].value, sheet["E8"].value] == ["合计", "4个单元网格", 16]
    assert sheet["C8"].value == pytest.approx(2.0)
    assert sheet["A9"].value.startswith("注明：网格名称统一为")
    # widths fit the longest text, CJK characters counting two: 14 characters + 2, 9 + 2
    assert (sheet.column_dimensions["B"].width, sheet.column_dimensions["E"].width) == (30, 20)


def test_csv_is_utf8_with_bom_and_reads_back(tmp_path):
    table = division_table(tiny_project(), "2026-02-01")
    path = write_division_csv(table, tmp_path / "汇总表.csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + "街道办事处,单元网格名称".encode())
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert list(back.columns) == ZH
    assert back["监管面积（平方公里）"].tolist() == [0.5, 0.5, 0.6, 0.4]
    assert back["街道办事处"].tolist() == ["林山寨街道", "林山寨街道", "须水镇", "须水镇"]


def test_export_picks_the_format_by_suffix(tmp_path):
    project = tiny_project()
    assert export_division(project, tmp_path / "a.xlsx", "2026-02-01").is_file()
    assert export_division(project, tmp_path / "a.csv", "2026-02-01", lang="en") \
        .read_text(encoding="utf-8-sig").startswith("Street office,")
    with pytest.raises(ValueError, match=".xlsx or .csv"):
        export_division(project, tmp_path / "a.pdf", "2026-02-01")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    table = division_table(tiny_project(), "2026-02-01")
    path = write_division_xlsx(table, tmp_path / "汇总表.xlsx")
    old = path.read_bytes()

    def broken_save(self, filename):
        with open(filename, "wb") as handle:
            handle.write(b"PK half a zip")
        raise OSError("disk full")
    monkeypatch.setattr(division.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_division_xlsx(table, path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["汇总表.xlsx"]


def test_doctests():
    assert doctest.testmod(division).failed == 0
