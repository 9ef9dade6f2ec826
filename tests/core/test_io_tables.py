"""Table readers: tiny CSV/XLSX files written to tmp_path, exact expected outputs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from gisapp import schema
from gisapp.errors import InputError
from gisapp.io.tables import read_assignments, read_inspectors, read_table

INSPECTORS_CSV = ("工号,姓名,网格员类型,手机\n"
                  "W001,张伟,专属网格员,13800138000\n"
                  "W002,李娜,专职,0371-12345678\n"
                  "W003,王芳,兼职,138 0013-8001\n")


def expected_inspectors() -> pd.DataFrame:
    return pd.DataFrame({
        "inspector_id": pd.array(["W001", "W002", "W003"], dtype="string"),
        "name": pd.array(["张伟", "李娜", "王芳"], dtype="string"),
        "kind": pd.array(["dedicated", "full_time", "part_time"], dtype="string"),
        "phone": pd.array(["13800138000", "0371-12345678", "13800138001"], dtype="string"),
    })


def problems(report) -> dict[int, str]:
    return dict(zip(report.rejected["row"].tolist(), report.rejected["problem"].tolist()))


def write_xlsx(path, rows, title=None, sheet="Sheet"):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    if title:
        ws.append([title])
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


# ---------------------------------------------------------------------------------------------
# read_table


@pytest.mark.parametrize("encoding, separator", [
    ("utf-8", ","), ("utf-8-sig", ","), ("gbk", ","), ("utf-8", ";"), ("gbk", "\t"),
])
def test_csv_encodings_and_separators_give_the_same_frame(tmp_path, encoding, separator):
    path = tmp_path / "inspectors.csv"
    path.write_bytes(INSPECTORS_CSV.replace(",", separator).encode(encoding))
    table = read_table(path)
    assert list(table.columns) == ["工号", "姓名", "网格员类型", "手机"]  # no BOM in the name
    assert table.index.tolist() == [2, 3, 4]  # spreadsheet rows: the header is row 1
    assert table.loc[3].tolist() == ["W002", "李娜", "专职", "0371-12345678"]
    assert (table.dtypes == "string").all()
    inspectors, report = read_inspectors(path)
    assert inspectors.index.tolist() == [2, 3, 4]  # good rows keep their spreadsheet row
    pd.testing.assert_frame_equal(inspectors.reset_index(drop=True), expected_inspectors())
    assert (report.rows_read, report.rows_kept) == (3, 3)


def test_gbk_csv_is_not_mistaken_for_utf8(tmp_path):
    data = INSPECTORS_CSV.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    path = tmp_path / "gbk.csv"
    path.write_bytes(data)
    assert read_table(path).attrs["notes"] == [
        "read as GB18030/GBK text with fields separated by commas"]


def test_semicolon_csv_with_commas_inside_values(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("编号;地址\nA;北京,海淀\nB;郑州,中原\n", encoding="utf-8")
    assert read_table(path)["地址"].tolist() == ["北京,海淀", "郑州,中原"]


def test_title_rows_above_the_header_and_blank_lines_keep_row_numbers(tmp_path):
    path = tmp_path / "titled.csv"
    path.write_text("中原区网格员名单,,,\n" + INSPECTORS_CSV.replace("W002", "\nW002"),
                    encoding="utf-8")
    table = read_table(path)
    assert list(table.columns) == ["工号", "姓名", "网格员类型", "手机"]
    assert table.index.tolist() == [3, 5, 6]  # row 4 is blank
    assert "header found in row 2" in table.attrs["notes"][-1]


def test_csv_with_a_row_neither_utf8_nor_gbk_names_that_row(tmp_path):
    path = tmp_path / "broken.csv"
    good_gbk = "W001,张伟,专职,13800138000\n".encode("gbk")
    bad = b"W002,caf\xe9 \xff,x,1\n"
    for encoding in ("utf-8", "gb18030"):  # the premise
        with pytest.raises(UnicodeDecodeError):
            bad.decode(encoding)
    path.write_bytes("工号,姓名,类型,手机\n".encode("gbk") + good_gbk + bad)
    with pytest.raises(InputError) as err:
        read_table(path)
    assert err.value.row == 3
    assert "broken.csv" in str(err.value) and "row 3" in str(err.value)
    assert "neither UTF-8 nor GB18030/GBK" in err.value.problem


def test_csv_mixing_utf8_and_gbk_rows_names_where_it_changes(tmp_path):
    utf8_row = "W001,赵书记\n".encode("utf-8")  # (the UTF-8 of 张伟 happens to be valid GBK)
    gbk_row = "W002,李娜\n".encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        utf8_row.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        gbk_row.decode("utf-8")
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"id,name\n" + utf8_row + gbk_row)
    with pytest.raises(InputError) as err:
        read_table(path)
    assert err.value.row == 3 and "mixes encodings" in err.value.problem


def test_xlsx_first_or_named_sheet_with_numbers_and_dates(tmp_path):
    path = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    first = book.active
    first.title = "说明"
    first.append(["这是说明页"])
    second = book.create_sheet("网格员")
    second.append(["工号", "姓名", "手机", "入职"])
    second.append([1001, "张伟", 13800138000, dt.datetime(2026, 3, 1)])
    second.append([1002.0, "李娜", None, dt.datetime(2026, 3, 1, 8, 30)])
    book.save(path)
    table = read_table(path, sheet="网格员")
    assert table.index.tolist() == [2, 3]
    assert table.values.tolist() == [["1001", "张伟", "13800138000", "2026-03-01"],
                                     ["1002", "李娜", pd.NA, "2026-03-01 08:30:00"]]
    with pytest.raises(InputError, match="no data rows"):  # the first sheet, by default
        read_table(path)
    with pytest.raises(InputError, match="no sheet 'x'; sheets: 说明, 网格员"):
        read_table(path, sheet="x")


def test_empty_missing_and_header_only_tables(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.csv: empty file"):
        read_table(empty)
    blank = tmp_path / "blank.csv"
    blank.write_text(",,\n\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"blank\.csv: empty file"):
        read_table(blank)
    header = tmp_path / "header.csv"
    header.write_text("工号,姓名\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"header\.csv: no data rows below the header \(row 1\)"):
        read_inspectors(header)
    with pytest.raises(InputError, match=r"gone\.xlsx: file not found"):
        read_inspectors(tmp_path / "gone.xlsx")
    not_excel = tmp_path / "fake.xlsx"
    not_excel.write_text("hello")
    with pytest.raises(InputError, match=r"fake\.xlsx: cannot be read as an Excel workbook"):
        read_table(not_excel)


# ---------------------------------------------------------------------------------------------
# Inspectors


def test_inspectors_from_xlsx_with_a_title_row(tmp_path):
    path = write_xlsx(tmp_path / "w.xlsx", [
        ["工号", "姓名", "网格员类型", "手机"],
        ["W001", "张伟", "专属", 13800138000],
        ["W002", "李娜", "full_time", "0371-12345678"],
        ["W003", "王芳", "兼职网格员", "138 0013-8001"],
    ], title="2026年中原区网格员名单")
    inspectors, report = read_inspectors(path)
    pd.testing.assert_frame_equal(inspectors.reset_index(drop=True), expected_inspectors())
    assert list(report.rejected["row"]) == []


def test_inspector_bad_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("编号,姓名,类型,电话\n"
                    ",无号,专职,13800138000\n"           # 2 missing id
                    "W2,甲,专职,13800138000\n"           # 3 duplicate
                    "W2,乙,专职,13800138000\n"           # 4 duplicate
                    "W4,丙,网格长,13800138000\n"         # 5 unknown kind
                    "W5,丁,兼职,1380013800\n"            # 6 ten digits
                    "W6,戊,兼职,138-0013-80001\n"        # 7 twelve digits
                    "W7,己,兼职,0371-1234567\n"          # 8 landline, 7-digit number: fine
                    "W8,庚,兼职,+86 138 0013 8000\n"     # 9 fine
                    "W9,辛,兼职,\n", encoding="utf-8")   # 10 no phone: fine
    inspectors, report = read_inspectors(path)
    assert inspectors["inspector_id"].tolist() == ["W7", "W8", "W9"]
    assert inspectors["phone"].tolist() == ["0371-1234567", "13800138000", pd.NA]
    phone = ("malformed phone {}: a mobile has 11 digits (13800138000), a landline an area "
             "code (0371-12345678)")
    assert problems(report) == {
        2: "missing inspector_id",
        3: "duplicate inspector_id 'W2' (rows 3, 4)",
        4: "duplicate inspector_id 'W2' (rows 3, 4)",
        5: "unknown kind '网格长'; allowed: dedicated (专属), full_time (专职), part_time (兼职)",
        6: phone.format("'1380013800'"),
        7: phone.format("'138-0013-80001'"),
    }
    assert report.rejected.loc[report.rejected["row"] == 5, "姓名"].tolist() == ["丙"]
    assert (report.rows_read, report.rows_kept) == (9, 3)
    # a kind the file uses can be translated by the mapping
    inspectors, _ = read_inspectors(path, {"kind_values": {"网格长": "full_time"}})
    assert "W4" in inspectors["inspector_id"].tolist()


def test_inspectors_missing_column_lists_columns_found(tmp_path):
    path = tmp_path / "nokind.csv"
    path.write_text("工号,姓名,手机\nW1,张伟,13800138000\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_inspectors(path)
    assert str(err.value) == (
        f"{path}: required column missing: 'kind' (looked for kind, type, 类型, 网格员类型, 类别); "
        "columns found: 工号, 姓名, 手机")
    inspectors, _ = read_inspectors(path, defaults={"kind": "part_time"})
    assert inspectors["kind"].tolist() == ["part_time"]


def test_inspectors_with_an_explicit_mapping(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("staff no;full name;sort;cell\nA1;Zhang Wei;专职;13800138000\n",
                    encoding="utf-8")
    inspectors, _ = read_inspectors(path, {"inspector_id": "staff no", "name": "full name",
                                           "kind": "sort", "phone": "cell"})
    assert inspectors.values.tolist() == [["A1", "Zhang Wei", "full_time", "13800138000"]]
    with pytest.raises(InputError, match="the column mapping names 'colour'"):
        read_inspectors(path, {"colour": "sort"})


# ---------------------------------------------------------------------------------------------
# Assignments


def test_assignments_roles_and_date_formats(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [
        ["网格编码", "角色", "网格员编号", "姓名", "电话", "开始日期", "结束日期"],
        ["410102001", "第一责任人", None, "赵书记", "0371-67891234", "2026-03-01", None],
        ["410102001", "直接责任人", None, "钱主任", None, "2026/3/1", "2026年12月31日"],
        ["410102001", "A角", "W001", None, None, dt.datetime(2026, 3, 1), "20261231"],
        ["410102001", "B角", "W002", None, None, 46082, None],
        ["410102001", "网格员", "W003", "孙", "13800138000", "2026.3.1", None],
    ])
    assignments, report = read_assignments(path)
    expected = pd.DataFrame({
        "grid_code": ["410102001"] * 5,
        "role": ["first_responsible", "direct_responsible", "responsible_a", "responsible_b",
                 "inspector"],
        "inspector_id": [pd.NA, pd.NA, "W001", "W002", "W003"],
        "person_name": ["赵书记", "钱主任", pd.NA, pd.NA, "孙"],
        "phone": ["0371-67891234", pd.NA, pd.NA, pd.NA, "13800138000"],
        "valid_from": ["2026-03-01"] * 5,
        "valid_to": [pd.NA, "2026-12-31", "2026-12-31", pd.NA, pd.NA],
    }).astype("string")
    pd.testing.assert_frame_equal(assignments.reset_index(drop=True), expected)
    assert list(assignments.columns) == list(schema.ASSIGNMENT_COLUMNS)
    assert report.n_rejected == 0


def test_assignment_bad_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("grid_code,role,inspector_id,person_name,valid_from,valid_to\n"
                    ",inspector,W1,,2026-03-01,\n"                 # 2
                    "G1,组长,W1,,2026-03-01,\n"                    # 3
                    "G1,inspector,,,2026-03-01,\n"                 # 4
                    "G1,inspector,W1,,2026-02-30,\n"               # 5
                    "G1,inspector,W1,,next monday,\n"              # 6
                    "G1,inspector,W1,,2026-03-01,2026-01-31\n"     # 7
                    "G1,inspector,W1,,2026-03-01,2026-03-01\n",    # 8 one day: fine
                    encoding="utf-8")
    assignments, report = read_assignments(path)
    assert assignments["valid_to"].tolist() == ["2026-03-01"]
    assert problems(report) == {
        2: "missing grid_code",
        3: "unknown role '组长'; allowed: first_responsible (第一责任人), direct_responsible "
           "(直接责任人), responsible_a (A角), responsible_b (B角), inspector (网格员)",
        4: "neither inspector_id nor person_name: who is responsible?",
        5: "valid_from '2026-02-30' is not a date (use 2026-03-01)",
        6: "valid_from 'next monday' is not a date (use 2026-03-01)",
        7: "valid_to 2026-01-31 is before valid_from 2026-03-01",
    }
    assert report.rejected["role"].tolist()[:2] == ["inspector", "组长"]


def test_assignments_need_a_person_column(tmp_path):
    path = tmp_path / "nobody.csv"
    path.write_text("网格编码,角色\nG1,网格员\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"nobody\.csv: needs an inspector_id or a person_name "
                                         r"column .*columns found: 网格编码, 角色"):
        read_assignments(path)


def test_rejected_rows_can_be_written_for_fixing(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("工号,姓名,类型\nW1,张伟,专职\nW2,李娜,队长\n", encoding="gbk")
    _, report = read_inspectors(path)
    out = report.write_rejects(tmp_path / "rejects.csv")
    back = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert back.columns.tolist() == ["file", "row", "problem", "工号", "姓名", "类型"]
    assert back[["row", "工号", "姓名", "类型"]].values.tolist() == [["3", "W2", "李娜", "队长"]]
    assert np.array_equal(report.rejected["row"].to_numpy(), [3])
