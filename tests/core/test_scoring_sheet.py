"""The manual sheet: the template the app writes, filled as a person would, read back and
checked cell by cell."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from gisapp import i18n
from gisapp.errors import InputError
from gisapp.scoring import load_rule_set, read_sheet, score_month, write_template
from tests.core.test_scoring import coverage_table

ZH_HEADERS = ["网格员编号", "姓名", "月份", "信息整理及上传得分（0–30）",
              "协管工作得分（0–20）", "群众知晓率：抽查企业数", "群众知晓率：知晓网格员的企业数",
              "重大事故到场（是/否/无）", "备注"]


@pytest.fixture(autouse=True)
def english_application(monkeypatch):
    monkeypatch.setattr(i18n, "_translation", None)
    monkeypatch.setattr(i18n, "_language", None)
    i18n.set_language("en")


@pytest.fixture(scope="module")
def ziyang():
    return load_rule_set("ziyang_2020")


@pytest.fixture
def inspectors():
    return pd.DataFrame({"inspector_id": ["Z02", "Z01", "P01"], "name": ["乙", "甲", "丙"],
                         "kind": ["dedicated", "dedicated", "part_time"]})


def fill(path, rows: dict[int, list]) -> None:
    """Type values into the sheet's scoring columns (D onwards) of the given rows."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    for row, values in rows.items():
        for j, value in enumerate(values, 4):
            sheet.cell(row, j, value)
    book.save(path)


def test_the_xlsx_template_round_trips(tmp_path, ziyang, inspectors):
    path = write_template(tmp_path / "sheet.xlsx", inspectors, "2026-10", ziyang)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    assert sheet.title == "评分表"
    assert sheet["A1"].value == \
        "2026年10月网格员考核人工评分表（资阳高新区专属网格员考核办法（2020））"
    assert [c.value for c in sheet[2]] == ZH_HEADERS
    assert sheet["A2"].font.bold and sheet.freeze_panes == "C3"
    # one row per dedicated inspector, by ID; the part-time one is not scored by these rules
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=3)] == [
        ["Z01", "甲", "2026-10", None, None, None, None, "无", None],
        ["Z02", "乙", "2026-10", None, None, None, None, "无", None]]
    assert book.sheetnames == ["评分表", "填表说明"]
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert [v.formula1 for v in lists] == ['"是,否,无"']

    fill(path, {3: [28, 20, 10, 9, "否"], 4: [30, 15.5, 10, 4, "无", "请假 2 天"]})
    sheet = read_sheet(path, ziyang)
    assert sheet.index.tolist() == [3, 4]  # the spreadsheet's row numbers
    assert sheet.attrs["file"] == str(path)
    assert sheet[["inspector_id", "name", "month"]].values.tolist() == [
        ["Z01", "甲", "2026-10"], ["Z02", "乙", "2026-10"]]
    assert sheet["information_upload"].tolist() == [28, 30]
    assert sheet["assisting"].tolist() == [20, 15.5]
    assert sheet["public_awareness_asked"].tolist() == [10, 10]
    assert sheet["public_awareness_knew"].tolist() == [9, 4]
    assert sheet["major_accident"].tolist() == ["no", "none"]
    assert sheet["notes"].tolist() == [pd.NA, "请假 2 天"]

    coverage = coverage_table(("Z01", "甲", None), ("Z02", "乙", None))
    scores = score_month(coverage, sheet, ziyang, "2026-10").set_index("inspector_id")
    # Z01: attendance lost (0) + 28 + 20 + 18 (90 %); Z02: 30 + 30 + 15.5 + 8 (40 %: vetoed)
    assert scores["total"].tolist() == [66, 83.5]
    assert scores["grade"].tolist() == ["不合格", "不合格"]


def test_the_csv_template_round_trips_and_english_headers_read_too(tmp_path, ziyang,
                                                                  inspectors):
    path = write_template(tmp_path / "sheet.csv", inspectors, "2026-10", ziyang,
                          language="en")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    assert table.columns.tolist() == [
        "Inspector ID", "Name", "Month", "Information upload score (0–30)",
        "Assisting work score (0–20)", "Public awareness: enterprises asked",
        "Public awareness: enterprises that knew their inspector",
        "Major accident attendance (yes/no/none)", "Notes"]
    assert table["Inspector ID"].tolist() == ["Z01", "Z02"]
    table.iloc[:, 3:8] = [["30", "20", "10", "10", "yes"], ["25", "20", "", "", ""]]
    table.to_csv(path, index=False, encoding="utf-8-sig")
    sheet = read_sheet(path, ziyang)
    assert sheet["information_upload"].tolist() == [30, 25]
    assert sheet["public_awareness_asked"].tolist() == [10, pd.NA]
    assert sheet["major_accident"].tolist() == ["yes", "none"]  # empty: no major accident


def test_the_jizhou_template_asks_for_the_serious_ground(tmp_path):
    rules = load_rule_set("jizhou_2018")
    people = pd.DataFrame({"inspector_id": ["J1"], "name": ["甲"], "kind": ["full_time"]})
    path = write_template(tmp_path / "sheet.xlsx", people, "2026-10", rules)
    headers = [c.value for c in openpyxl.load_workbook(path).worksheets[0][2]]
    assert headers[3:] == ["事件上报与处置得分（0–30）", "交办工作得分（0–20）",
                           "工作纪律得分（0–10）", "经核实存在第二十七条所列情节严重情形（是/否）",
                           "备注"]
    fill(path, {3: [30, 20, 10, "是"]})
    assert read_sheet(path, rules)["serious_ground"].tolist() == [True]


@pytest.mark.parametrize("values, column, problem", [
    ([35, 20, 10, 10, "无"], "信息整理及上传得分（0–30）", "35 is outside 0–30"),
    ([-1, 20, 10, 10, "无"], "信息整理及上传得分（0–30）", "-1 is outside 0–30"),
    (["良好", 20, 10, 10, "无"], "信息整理及上传得分（0–30）", "'良好' is not a number"),
    ([30, 20, 10, 11, "无"], "群众知晓率：知晓网格员的企业数",
     "11 enterprises knew their inspector but only 10 were asked"),
    ([30, 20, 10, None, "无"], "群众知晓率：知晓网格员的企业数",
     "fill both counts of the survey, or neither"),
    ([30, 20, 9.5, 9, "无"], "群众知晓率：抽查企业数", "9.5 is not a count of enterprises"),
    ([30, 20, 10, 10, "迟到"], "重大事故到场（是/否/无）",
     "'迟到' is not one of 是 (yes), 否 (no), 无 (none)"),
])
def test_a_bad_cell_names_the_file_the_row_the_column_and_the_problem(
        tmp_path, ziyang, inspectors, values, column, problem):
    path = write_template(tmp_path / "sheet.xlsx", inspectors, "2026-10", ziyang)
    fill(path, {3: [30, 20, 10, 10, "无"], 4: values})
    with pytest.raises(InputError) as error:
        read_sheet(path, ziyang)
    assert (error.value.file, error.value.row, error.value.column) == (str(path), 4, column)
    assert error.value.problem == problem


def test_a_repeated_or_missing_inspector_id_is_refused(tmp_path, ziyang, inspectors):
    path = write_template(tmp_path / "sheet.xlsx", inspectors, "2026-10", ziyang)
    book = openpyxl.load_workbook(path)
    book.worksheets[0]["A4"] = "Z01"
    book.save(path)
    with pytest.raises(InputError) as error:
        read_sheet(path, ziyang)
    assert (error.value.row, error.value.problem) == (4, "inspector ID 'Z01' repeats row 3")
    book.worksheets[0]["A4"] = None
    book.save(path)
    with pytest.raises(InputError) as error:
        read_sheet(path, ziyang)
    assert (error.value.row, error.value.problem) == (4, "missing inspector ID")


def test_a_sheet_without_a_scoring_column_is_refused(tmp_path, ziyang):
    path = tmp_path / "sheet.csv"
    path.write_text("网格员编号,姓名,信息整理及上传得分\nZ01,甲,30\n", encoding="utf-8")
    with pytest.raises(InputError, match="required columns missing: 'assisting'") as error:
        read_sheet(path, ziyang)
    assert error.value.file == str(path)


def test_only_xlsx_and_csv_templates(tmp_path, ziyang, inspectors):
    with pytest.raises(InputError, match="'.ods'"):
        write_template(tmp_path / "sheet.ods", inspectors, "2026-10", ziyang)
    assert not list(tmp_path.iterdir())
