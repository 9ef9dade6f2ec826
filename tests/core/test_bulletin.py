"""The monthly bulletin (通报): the table from coverage and scores, ranked, and its XLSX and
CSV files as Excel and pandas read them back."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from gisapp import i18n
from gisapp.errors import InputError
from gisapp.reports import (
    annual_table,
    bulletin_title,
    monthly_bulletin,
    monthly_scores_table,
    quarter_table,
    quarter_title,
    write_bulletin_csv,
    write_bulletin_xlsx,
)
from gisapp.reports import xlsx as xlsx_module
from gisapp.scoring import annual, load_rule_set, rank_quarter, score_month
from tests.core.test_scoring import coverage_table, full_marks, ziyang_sheet

HEADERS = ["名次", "网格员编号", "姓名", "类型", "负责网格", "巡查里程（公里）",
           "巡查时长（小时）", "巡查天数", "应巡污染源数", "已巡污染源数", "全覆盖巡查",
           "漏查污染源", "网格面积覆盖率（%）", "网格外时长（小时）", "轨迹疑点数"]


@pytest.fixture(autouse=True)
def english_application(monkeypatch):
    monkeypatch.setattr(i18n, "_translation", None)
    monkeypatch.setattr(i18n, "_language", None)
    i18n.set_language("en")


@pytest.fixture(scope="module")
def ziyang():
    return load_rule_set("ziyang_2020")


@pytest.fixture
def coverage():
    frame = coverage_table(("A", "甲", ["张记餐馆", "李庄养殖场"]), ("B", "乙", None),
                           ("C", "丙", None), ("D", "丁", None, "part_time"))
    frame["grids"] = ["G1; G2", "G3", "G4", "G5"]
    frame["distance_km"] = [120.04, 95.55, 80.0, 60.0]
    frame["patrol_hours"] = [40.26, 38.0, 35.0, 20.0]
    frame["swept_share"] = [0.9, 0.6, 0.75, 0.6]
    frame["outside_s"] = [5400.0, 0.0, 360.0, 0.0]
    frame["flags"] = [0, 2, 0, 0]
    return frame


@pytest.fixture
def scores(coverage, ziyang):
    sheet = ziyang_sheet(("A", 30, 20, 10, 10, "none"), ("B", 30, 20, 10, 10, "none"),
                         ("C", 30, 20, 10, 5, "none"))
    return score_month(coverage, sheet, ziyang, "2026-10")


def test_without_scores_the_bulletin_ranks_by_swept_share(coverage):
    table = monthly_bulletin(coverage)
    assert table.columns.tolist() == HEADERS
    assert table.values.tolist() == [
        [1, "A", "甲", "专属", "G1、G2", 120.0, 40.3, 20, 5, 3, "否", "张记餐馆、李庄养殖场",
         90.0, 1.5, 0],
        [2, "C", "丙", "专属", "G4", 80.0, 35.0, 20, 5, 5, "是", "", 75.0, 0.1, 0],
        [3, "B", "乙", "专属", "G3", 95.6, 38.0, 20, 5, 5, "是", "", 60.0, 0.0, 2],
        [3, "D", "丁", "兼职", "G5", 60.0, 20.0, 20, 5, 5, "是", "", 60.0, 0.0, 0],
    ]


def test_with_scores_the_bulletin_ranks_by_score_and_shows_grade_and_deductions(coverage,
                                                                               scores):
    table = monthly_bulletin(coverage, scores)
    assert table.columns.tolist() == HEADERS + ["得分", "等次", "扣分说明"]
    ranked = table[["名次", "网格员编号", "得分", "等次", "扣分说明"]]
    assert ranked.values.tolist() == [
        [1, "B", 100.0, "优秀", ""],
        # equal scores: the larger swept share first
        [2, "A", 90.0, "合格", "全覆盖巡查未完成（漏查 2 处：张记餐馆、李庄养殖场）−10"],
        [3, "C", 90.0, "不合格", "群众知晓率 50%（抽查 10 家企业，5 家知晓其网格员）−10；"
                                 "群众知晓率 50% 低于 60%，当月考核为“不合格”"],
        [4, "D", pd.NA, pd.NA, pd.NA],  # part-time: not scored by the Ziyang rules
    ]


def test_a_provisional_month_is_ranked_by_what_the_score_can_still_be(coverage, ziyang):
    scores = score_month(coverage, None, ziyang, "2026-10")
    table = monthly_bulletin(coverage, scores)
    assert table[["网格员编号", "等次"]].values.tolist()[:3] == [
        ["C", "暂定（至多优秀）"], ["B", "暂定（至多优秀）"], ["A", "暂定（至多合格）"]]
    assert table["得分"].isna().all()


def test_english_on_request(coverage, scores):
    table = monthly_bulletin(coverage, scores, language="en")
    assert table.columns.tolist()[:6] == ["Rank", "Inspector ID", "Name", "Kind", "Grids",
                                          "Patrol distance (km)"]
    assert table.loc[3, "Kind"] == "part-time" and table.loc[0, "Full sweep"] == "yes"


def test_the_xlsx_bulletin(tmp_path, coverage, scores):
    table = monthly_bulletin(coverage, scores)
    path = write_bulletin_xlsx(tmp_path / "通报.xlsx", table, bulletin_title("2026-10"))
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet["A1"].value == "2026年10月网格员巡查通报"
    assert sheet["A1"].font.bold and "A1:R1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "A3"
    assert [c.value for c in sheet[2]] == table.columns.tolist()
    assert all(c.font.bold for c in sheet[2])
    body = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    # Excel keeps no empty texts: "" reads back as an empty cell
    expected = [[None if pd.isna(v) or v == "" else v for v in row]
                for row in table.values.tolist()]
    assert body == expected
    grade = table.columns.get_loc("等次") + 1
    fills = [sheet.cell(r, grade).fill.fgColor.rgb for r in range(3, 7)]
    assert fills == ["00C6EFCE", "00DDEBF7", "00FFC7CE", "00000000"]  # 优秀, 合格, 不合格, none
    assert sheet.column_dimensions["L"].width >= 22  # the missed sources' names fit
    assert not [p for p in tmp_path.iterdir() if p.name != "通报.xlsx"]


def test_the_csv_bulletin_reads_back_in_pandas(tmp_path, coverage, scores):
    table = monthly_bulletin(coverage, scores)
    path = write_bulletin_csv(tmp_path / "通报.csv", table)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
    assert back.columns.tolist() == table.columns.tolist()
    assert back["姓名"].tolist() == ["乙", "甲", "丙", "丁"]
    assert back["漏查污染源"].tolist() == ["", "张记餐馆、李庄养殖场", "", ""]
    assert back["巡查里程（公里）"].tolist() == [95.6, 120.0, 80.0, 60.0]
    assert back["等次"].tolist() == ["优秀", "合格", "不合格", ""]
    assert back["名次"].tolist() == [1, 2, 3, 4]


def test_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path, coverage, monkeypatch):
    table = monthly_bulletin(coverage)
    path = tmp_path / "通报.xlsx"
    path.write_bytes(b"the old bulletin")

    def broken_save(self, filename):
        with open(filename, "wb") as handle:
            handle.write(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(xlsx_module.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_bulletin_xlsx(path, table, "title")
    assert path.read_bytes() == b"the old bulletin"
    assert [p.name for p in tmp_path.iterdir()] == ["通报.xlsx"]


def test_writing_into_a_missing_folder_is_an_input_error(tmp_path, coverage):
    with pytest.raises(InputError, match="does not exist"):
        write_bulletin_csv(tmp_path / "nowhere" / "通报.csv", monthly_bulletin(coverage))


def test_the_quarterly_ranking_writes_with_the_same_writer(tmp_path, coverage, ziyang):
    monthly = pd.concat([score_month(coverage, full_marks("A", "B", "C"), ziyang, m)
                         for m in ("2026-07", "2026-08", "2026-09")], ignore_index=True)
    table = quarter_table(rank_quarter(monthly, ziyang, "2026Q3"))
    assert table.columns.tolist() == ["名次", "网格员编号", "姓名", "类型", "考核月数", "得分",
                                      "等次", "等次说明", "绩效工资比例（%）"]
    # 30 % of 3 inspectors is 0.9: no 优秀 place at all
    assert table["等次"].tolist() == ["合格"] * 3
    assert table["绩效工资比例（%）"].tolist() == [100] * 3
    path = write_bulletin_xlsx(tmp_path / "q.xlsx", table, quarter_title("2026Q3"))
    sheet = openpyxl.load_workbook(path).worksheets[0]
    assert sheet["A1"].value == "2026年第3季度网格员考核排名"
    assert sheet.cell(3, 8).value == \
        "“优秀”名额按 3 名网格员的 30% 核定为 0 名，本人排名第 1，评为“合格”"


def test_the_monthly_scores_and_the_annual_results_as_tables(coverage, scores, ziyang):
    table = monthly_scores_table(scores, ziyang)
    assert table.columns.tolist() == ["网格员编号", "姓名", "类型", "月份", "日常考勤及巡查",
                                      "信息整理及上传", "协管工作", "群众知晓率", "总分", "等次",
                                      "扣分说明", "待评分项目"]
    assert table[["网格员编号", "日常考勤及巡查", "群众知晓率", "总分"]].values.tolist() == [
        ["B", 30, 20, 100], ["A", 20, 20, 90], ["C", 30, 10, 90]]
    quarterly = pd.DataFrame({"quarter": ["2026Q1", "2026Q2"], "inspector_id": "A",
                              "name": "甲", "kind": "dedicated", "score": [60.0, 65.0],
                              "score_max": [60.0, 65.0], "grade_id": "unqualified",
                              "provisional": False})
    table = annual_table(annual(quarterly, ziyang, 2026))
    assert table.columns.tolist() == ["名次", "网格员编号", "姓名", "类型", "考核季度数",
                                      "不合格季度数", "得分", "等次", "等次说明",
                                      "绩效工资比例（%）", "解聘"]
    assert table.loc[0, ["得分", "等次", "绩效工资比例（%）", "解聘"]].tolist() == \
        [62.5, "不合格", 0, "是"]
