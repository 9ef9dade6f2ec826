"""The grid division summary table (网格划分汇总表, the annex of seed 003_0da713497a7e4f38.txt):
one row per level-3 grid under its street office, written as XLSX or CSV.

Columns, as the annex has them: 街道办事处 | 单元网格名称 | 监管面积 | 监管网格负责人 |
工作人员数量（人） | 办公地点. The annex's 监管区域 column holds the supervised area, here in km²
computed in the district's metric CRS (a CGCS2000 3-degree Gauss-Krüger zone). The responsible
person is the grid's first responsible person (the community or village head, seed 003 三(三)),
the staff every distinct person assigned to the grid in any role, both on the table's date.
Unit grid names follow the annex's note: "xxx社区、村、工业园区环境保护监管片区".

Writers put the file in place by renaming a finished temporary file in the same folder, so a
failure never leaves a half-written table where the old one was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from gisapp.history import as_date, assignments_on, division_on
from gisapp.project import Project
from gisapp.reports.xlsx import atomic_target
from gisapp.workload import metric_crs

COLUMNS = ("street", "unit_name", "area_km2", "responsible", "staff", "office_address")
HEADERS = {
    "zh_CN": dict(zip(COLUMNS, ("街道办事处", "单元网格名称", "监管面积（平方公里）",
                                "监管网格负责人", "工作人员数量（人）", "办公地点"))),
    "en": dict(zip(COLUMNS, ("Street office", "Unit grid name", "Supervised area (km²)",
                             "Grid responsible person", "Staff (persons)", "Office address"))),
}
_TEXTS = {
    "zh_CN": {"title": "{district}环境保护监管网格划分汇总表", "unit": "填报单位：{unit}",
              "date": "填报日期：{date}", "total": "合计", "units": "{n}个单元网格",
              "note": "注明：网格名称统一为：xxx社区、村、工业园区环境保护监管片区。"},
    "en": {"title": "{district}: environmental supervision grid division summary",
           "unit": "Reporting unit: {unit}", "date": "Date: {date}", "total": "Total",
           "units": "{n} unit grids",
           "note": "Unit grids are named \"xxx社区、村、工业园区环境保护监管片区\" (seed 003)."},
}
UNIT_SUFFIX = "环境保护监管片区"
_KIND_SUFFIX = {"community": "社区", "village": "村", "industrial_park": "工业园区"}
_NAME_ENDINGS = ("社区", "村", "园区", "工业园", "产业园", "开发区", "片区")


def unit_grid_name(name: str, kind: str | None = None) -> str:
    """The annex's unit grid name: "xxx社区环境保护监管片区", "xxx村…", "xxx工业园区…".

    A name that already says what it is keeps its ending; one that does not gets its kind's.

    >>> unit_grid_name("康州社区", "community"), unit_grid_name("后周集", "village")
    ('康州社区环境保护监管片区', '后周集村环境保护监管片区')
    >>> unit_grid_name("泰苑产业园区", "industrial_park"), unit_grid_name("兰堤", "industrial_park")
    ('泰苑产业园区环境保护监管片区', '兰堤工业园区环境保护监管片区')
    """
    name = str(name).strip()
    if name.endswith(UNIT_SUFFIX):
        return name
    if not name.endswith(_NAME_ENDINGS):
        name += _KIND_SUFFIX.get(str(kind), "")
    return name + UNIT_SUFFIX


def division_table(project: Project, date=None, lang: str = "zh_CN",
                   naming: Callable[[str, str], str] = unit_grid_name) -> pd.DataFrame:
    """The summary table on local ``date`` (default today): the division and the persons as
    they stood that day. Indexed by grid code; headers in ``lang`` ("zh_CN" or "en").

    ``frame.attrs`` holds title, district, date and lang for the writers.
    """
    if lang not in HEADERS:
        raise ValueError(f"lang must be one of {', '.join(HEADERS)}")
    date = as_date(date or dt.date.today())
    grids = division_on(project, date)
    units = _units(grids)
    valid = assignments_on(project.assignments, date)
    valid = valid[valid["grid_code"].isin(units["grid_code"])]
    frame = pd.DataFrame({
        "street": units["street"].to_numpy(),
        "unit_name": [naming(n, k) for n, k in zip(units["name"], units["kind"])],
        "area_km2": units.to_crs(metric_crs(grids)).area.to_numpy() / 1e6,
        "responsible": units["grid_code"].map(_first_responsible(valid)).to_numpy(),
        "staff": units["grid_code"].map(_staff(valid)).fillna(0).to_numpy(),
        "office_address": units["office_address"].to_numpy(),
    }, index=pd.Index(units["grid_code"].to_numpy(), name="grid_code"))
    for c in ("street", "unit_name", "responsible", "office_address"):
        frame[c] = frame[c].astype("string")
    frame["staff"] = frame["staff"].astype("int64")
    frame = frame.rename(columns=HEADERS[lang])
    district = grids.loc[grids["level"] == 1, "name"]
    frame.attrs.update({"lang": lang, "date": date.isoformat(),
                        "district": str(district.iloc[0]) if len(district) else "",
                        "title": _TEXTS[lang]["title"].format(
                            district=str(district.iloc[0]) if len(district) else "")})
    return frame


def write_division_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """The table as UTF-8 CSV with a BOM (Excel shows the Chinese), street on every row."""
    path = Path(path)

    def write(target: Path) -> None:
        table.to_csv(target, index=False, encoding="utf-8-sig", float_format="%.4f")
    return _replace_atomically(path, write)


def write_division_xlsx(table: pd.DataFrame, path: str | Path, unit: str = "",
                        title: str | None = None) -> Path:
    """The table as the annex's form: title, reporting unit and date, a frozen styled header,
    streets merged down their rows, a total row and the naming note."""
    path = Path(path)
    lang = table.attrs.get("lang", "zh_CN")
    texts = _TEXTS[lang]
    book = Workbook()
    sheet = book.active
    sheet.title = "网格划分汇总表" if lang == "zh_CN" else "Grid division"
    _title_rows(sheet, title or table.attrs.get("title", ""), texts, unit,
                table.attrs.get("date", ""), len(table.columns))
    _header_row(sheet, list(table.columns))
    last = _body(sheet, table)
    _total_row(sheet, table, texts, last + 1)
    _note_row(sheet, texts["note"], last + 2, len(table.columns))
    _widths(sheet, table)
    sheet.freeze_panes = "A4"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return _replace_atomically(path, book.save)


def export_division(project: Project, path: str | Path, date=None, lang: str = "zh_CN",
                    unit: str = "") -> Path:
    """Build the table and write it as XLSX or CSV, by the file's suffix."""
    path = Path(path)
    table = division_table(project, date, lang)
    if path.suffix.lower() == ".xlsx":
        return write_division_xlsx(table, path, unit=unit)
    if path.suffix.lower() == ".csv":
        return write_division_csv(table, path)
    raise ValueError(f"{path}: write the division table as .xlsx or .csv")


# ---- table steps -----------------------------------------------------------------------------
def _units(grids):
    names = dict(zip(grids["grid_code"], grids["name"]))
    levels = dict(zip(grids["grid_code"], grids["level"]))
    units = grids[grids["level"] == 3].copy()
    parent = units["parent_code"].astype("string")
    units["street"] = [names.get(p) if levels.get(p) == 2 else None for p in parent]
    units["_street_code"] = parent.fillna("").to_numpy()
    return units.sort_values(["_street_code", "grid_code"], kind="stable")


def _first_responsible(valid) -> dict:
    first = valid[valid["role"] == "first_responsible"]
    who = first["person_name"].fillna(first["inspector_id"]).astype(str)
    return who.groupby(first["grid_code"].to_numpy()).agg("、".join).to_dict()


def _staff(valid) -> dict:
    key = valid["inspector_id"].astype("string").fillna("name:" + valid["person_name"])
    return key.groupby(valid["grid_code"].to_numpy()).nunique().to_dict()


# ---- XLSX steps ------------------------------------------------------------------------------
def _title_rows(sheet, title, texts, unit, date, width):
    sheet.cell(1, 1, title).font = Font(bold=True, size=16)
    sheet.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.row_dimensions[1].height = 30
    half = width // 2
    sheet.cell(2, 1, texts["unit"].format(unit=unit))
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=half)
    sheet.cell(2, half + 1, texts["date"].format(date=date)).alignment = \
        Alignment(horizontal="right")
    sheet.merge_cells(start_row=2, start_column=half + 1, end_row=2, end_column=width)


def _header_row(sheet, headers):
    for j, header in enumerate(headers, start=1):
        cell = sheet.cell(3, j, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _border()
    sheet.row_dimensions[3].height = 32


def _body(sheet, table) -> int:
    row = 3
    for row, values in enumerate(table.itertuples(index=False), start=4):
        for j, value in enumerate(values, start=1):
            cell = sheet.cell(row, j, None if pd.isna(value) else
                              (value.item() if hasattr(value, "item") else value))
            cell.border = _border()
            cell.alignment = Alignment(vertical="center", wrap_text=j in (2, 6))
        sheet.cell(row, 3).number_format = "0.00"
        sheet.cell(row, 5).alignment = Alignment(horizontal="center", vertical="center")
    streets = list(table.iloc[:, 0])
    start = 0
    for i in range(1, len(streets) + 1):  # merge each street down its consecutive rows
        if i == len(streets) or streets[i] != streets[start]:
            if i - start > 1 and pd.notna(streets[start]):
                sheet.merge_cells(start_row=4 + start, start_column=1, end_row=3 + i,
                                  end_column=1)
            sheet.cell(4 + start, 1).alignment = Alignment(horizontal="center",
                                                           vertical="center", wrap_text=True)
            start = i
    return row


def _total_row(sheet, table, texts, row):
    values = {1: texts["total"], 2: texts["units"].format(n=len(table)),
              3: float(table.iloc[:, 2].sum()), 5: int(table.iloc[:, 4].sum())}
    for j in range(1, len(table.columns) + 1):
        cell = sheet.cell(row, j, values.get(j))
        cell.font = Font(bold=True)
        cell.border = _border()
    sheet.cell(row, 3).number_format = "0.00"


def _note_row(sheet, note, row, width):
    sheet.cell(row, 1, note)
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def _widths(sheet, table):
    for j, column in enumerate(table.columns, start=1):
        texts = [str(column)] + [f"{v:.2f}" if isinstance(v, float) else str(v)
                                 for v in table.iloc[:, j - 1] if pd.notna(v)]
        width = max(_display_width(t) for t in texts) + 2
        sheet.column_dimensions[get_column_letter(j)].width = min(max(width, 8), 48)


def _display_width(text: str) -> int:
    """Columns a text takes in Excel: CJK characters are two wide."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _border():
    thin = Side(style="thin", color="808080")
    return Border(left=thin, right=thin, top=thin, bottom=thin)


# ---- files -----------------------------------------------------------------------------------
def _replace_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Write through :func:`atomic_target`: no half-written file under ``path``, ever."""
    with atomic_target(path) as temporary:
        write(temporary)
    return path
