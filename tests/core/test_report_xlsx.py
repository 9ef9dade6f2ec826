"""The report workbook read back with openpyxl: its sheets, values equal to the coverage
tables, header style, frozen header, widths, grade colours, the chart; English on request;
a cancelled export leaves no file."""

from __future__ import annotations

import dataclasses

import openpyxl
import pytest

from gisapp.errors import Cancelled
from gisapp.reports.xlsx import DEFAULT_GRADE_COLOURS
from gisapp.reports.xlsx_report import write_report_xlsx
from tests.browser.report_demo import demo_report


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    data = demo_report("zh_CN")
    # two graded rows, so the grade colours show (the demo month has no bureau sheet)
    bulletin = data.bulletin.copy()
    bulletin.loc[0, "等次"] = "优秀"
    bulletin.loc[1, "等次"] = "不合格"
    data = dataclasses.replace(data, bulletin=bulletin)
    path = write_report_xlsx(tmp_path_factory.mktemp("xlsx") / "报告.xlsx", data)
    return openpyxl.load_workbook(path), data


def test_the_sheets_are_there_in_chinese(workbook):
    book, _data = workbook
    assert book.sheetnames == ["月度通报", "季度排名", "街道覆盖情况", "网格覆盖情况",
                               "网格划分汇总", "漏查污染源"]


def test_the_bulletin_sheet_holds_the_bulletin(workbook):
    book, data = workbook
    sheet = book["月度通报"]
    assert sheet["A1"].value == "2026年10月网格员巡查通报"
    header = [c.value for c in sheet[2]]
    assert header == list(data.bulletin.columns)
    names = [sheet.cell(3 + i, header.index("姓名") + 1).value for i in range(len(data.bulletin))]
    assert names == data.bulletin["姓名"].tolist()
    swept = [sheet.cell(3 + i, header.index("网格面积覆盖率（%）") + 1).value
             for i in range(len(data.bulletin))]
    assert swept == pytest.approx(data.bulletin["网格面积覆盖率（%）"].astype(float).tolist())


def test_the_grid_sheet_equals_the_coverage_result(workbook):
    book, data = workbook
    sheet = book["网格覆盖情况"]
    header = [c.value for c in sheet[2]]
    rows = {sheet.cell(r, header.index("网格编码") + 1).value: r
            for r in range(3, sheet.max_row + 1)}
    result = data.coverage.grids.set_index("grid_code")
    assert set(rows) == set(result.index)
    for code, r in rows.items():
        assert sheet.cell(r, header.index("网格面积覆盖率（%）") + 1).value == \
            round(result.loc[code, "swept_share"] * 100, 1)
        assert sheet.cell(r, header.index("已巡污染源数") + 1).value == \
            result.loc[code, "sources_visited"]
        assert sheet.cell(r, header.index("应巡污染源数") + 1).value == \
            result.loc[code, "sources_required"]


def test_the_street_sheet_sums_its_grids_and_has_a_chart(workbook):
    book, data = workbook
    sheet = book["街道覆盖情况"]
    header = [c.value for c in sheet[2]]
    grids = data.coverage.grids
    streets = data.grid_table.groupby("street")["sources_visited"].sum()
    for r in range(3, sheet.max_row + 1):
        street = sheet.cell(r, 1).value
        assert sheet.cell(r, header.index("已巡污染源数") + 1).value == streets[street]
    assert sum(sheet.cell(r, header.index("网格数") + 1).value
               for r in range(3, sheet.max_row + 1)) == int((grids["level"] == 3).sum())
    charts = sheet._charts
    assert len(charts) == 1 and charts[0].type == "bar" and len(charts[0].series) == 2


def test_the_missed_sheet_lists_every_missed_source(workbook):
    book, data = workbook
    sheet = book["漏查污染源"]
    header = [c.value for c in sheet[2]]
    ids = [sheet.cell(r, header.index("污染源编号") + 1).value
           for r in range(3, sheet.max_row + 1)]
    assert sorted(ids) == sorted(data.coverage.missed["source_id"].astype(str))
    names = [sheet.cell(r, header.index("污染源") + 1).value for r in range(3, sheet.max_row + 1)]
    assert "<img src=x onerror=alert(1)>" in names  # data, written as it is


def test_formats_header_frozen_widths_and_grade_colours(workbook):
    book, _data = workbook
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A3", sheet.title
        header = sheet[2]
        assert all(c.font.bold for c in header), sheet.title
        assert header[0].fill.fgColor.rgb.endswith("D9E1F2"), sheet.title
        assert sheet.auto_filter.ref.startswith("A2:"), sheet.title
        assert all(sheet.column_dimensions[c.column_letter].width >= 6 for c in header)
    sheet = book["月度通报"]
    grade = [c.value for c in sheet[2]].index("等次") + 1
    assert sheet.cell(3, grade).fill.fgColor.rgb.endswith(DEFAULT_GRADE_COLOURS["优秀"])
    assert sheet.cell(4, grade).fill.fgColor.rgb.endswith(DEFAULT_GRADE_COLOURS["不合格"])
    name = [c.value for c in sheet[2]].index("姓名") + 1
    assert sheet.column_dimensions[openpyxl.utils.get_column_letter(name)].width >= 8


def test_english_on_request(tmp_path):
    path = write_report_xlsx(tmp_path / "report.xlsx", demo_report("en"))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Monthly bulletin", "Quarterly ranking", "Coverage by street",
                               "Coverage by grid", "Grid division", "Missed sources"]
    assert book["Coverage by grid"]["A2"].value == "Street"


def test_a_cancelled_export_leaves_no_file(tmp_path):
    def cancel_at_the_third_sheet(done, total, text=""):
        if done >= 3:
            raise Cancelled("test")
    with pytest.raises(Cancelled):
        write_report_xlsx(tmp_path / "report.xlsx", demo_report(), cancel_at_the_third_sheet)
    assert list(tmp_path.iterdir()) == []

    def cancel_while_writing(done, total, text=""):
        if done == total - 1:
            raise Cancelled("test")
    with pytest.raises(Cancelled):
        write_report_xlsx(tmp_path / "report.xlsx", demo_report(), cancel_while_writing)
    assert list(tmp_path.iterdir()) == []
