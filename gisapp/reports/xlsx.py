"""Write report tables as XLSX (title row, styled and frozen header, fitted widths, grade
colours) and as CSV (UTF-8 with BOM, so Excel shows Chinese).

Every writer writes a temporary file in the target's folder and renames it over the target,
so a failure leaves the old file or none, never half of one.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from gisapp.errors import InputError
from gisapp.i18n import LANGUAGES, N_, _
from gisapp.scoring.language import translator

HEADER_FILL = "D9E1F2"
TITLE_SIZE = 14
MIN_WIDTH, MAX_WIDTH = 6, 60
# the preset grades' colours by label, in both languages; a rule set may give its own
# (RuleSet.grade_colours)
DEFAULT_GRADE_COLOURS = {
    "优秀": "C6EFCE", "excellent": "C6EFCE",
    "合格": "DDEBF7", "qualified": "DDEBF7",
    "基本合格": "FFEB9C", "basically qualified": "FFEB9C",
    "不合格": "FFC7CE", "unqualified": "FFC7CE",
}
GRADE_HEADER = N_("Grade")
_THIN = Side(style="thin", color="A6A6A6")


def write_bulletin_xlsx(path: str | Path, bulletin: pd.DataFrame, title: str,
                        grade_colours: Mapping[str, str] | None = None) -> Path:
    """The bulletin (``monthly_bulletin``) or a ranking table as one XLSX sheet.

    Row 1 holds ``title`` (e.g. ``bulletin_title("2026-10")``: "2026年10月网格员巡查通报")
    across the table; row 2 the header, bold on a blue-grey fill, frozen and filtered; the
    cells of the grade column (等次 / Grade) are filled by ``grade_colours`` (grade label ->
    six hex digits; default: the preset grades). Numbers stay numbers.
    """
    return write_table_xlsx(path, bulletin, title, sheet_name=title[:31] or "Sheet1",
                            grade_colours=grade_colours)


def write_bulletin_csv(path: str | Path, bulletin: pd.DataFrame) -> Path:
    """The table as CSV, UTF-8 with BOM (Excel then reads the Chinese right), header row."""
    path = Path(path)
    with atomic_target(path) as temporary:
        bulletin.to_csv(temporary, index=False, encoding="utf-8-sig")
    return path


def write_table_xlsx(path: str | Path, table: pd.DataFrame, title: str | None = None, *,
                     sheet_name: str = "Sheet1",
                     grade_colours: Mapping[str, str] | None = None) -> Path:
    """Any table as a styled sheet (see :func:`write_bulletin_xlsx`); ``title`` optional."""
    path = Path(path)
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(sheet_name)
    header_row = fill_sheet(sheet, table, title)
    colour_grades(sheet, table, header_row, grade_colours)
    with atomic_target(path) as temporary:
        book.save(temporary)
    return path


# ---- building blocks (also used by the manual sheet template) -------------------------------
@contextlib.contextmanager
def atomic_target(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed over ``path`` when the block succeeds,
    removed when it fails. An unwritable target raises InputError naming it."""
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(path, _("the folder {folder} does not exist").format(
            folder=str(path.parent)))
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(path, _("cannot write here: {error}").format(error=exc)) from exc
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp's file is the owner's alone
        os.replace(temporary, path)
    except PermissionError as exc:  # on Windows: the file is open in Excel
        temporary.unlink(missing_ok=True)
        raise InputError(path, _("cannot write: {error} (is the file open in another "
                                 "program?)").format(error=exc)) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fill_sheet(sheet: Worksheet, table: pd.DataFrame, title: str | None = None) -> int:
    """Write ``table`` with an optional title row; style, freeze and filter the header and
    fit the widths. Returns the header's row number."""
    columns = [str(c) for c in table.columns]
    header_row = 1
    if title:
        sheet.cell(1, 1, title).font = Font(bold=True, size=TITLE_SIZE)
        sheet.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
        if len(columns) > 1:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
        sheet.row_dimensions[1].height = 26
        header_row = 2
    for j, name in enumerate(columns, 1):
        sheet.cell(header_row, j, name)
    style_header(sheet, header_row, len(columns))
    formats = [_number_format(table[c]) for c in table.columns]
    for i, values in enumerate(table.itertuples(index=False), header_row + 1):
        for j, value in enumerate(values, 1):
            cell = sheet.cell(i, j, cell_value(value))
            if formats[j - 1]:
                cell.number_format = formats[j - 1]
    sheet.freeze_panes = sheet.cell(header_row + 1, 1).coordinate
    if columns:
        last = get_column_letter(len(columns))
        sheet.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(table), 1)}"
    fit_widths(sheet, [columns] + [[_shown(v) for v in row]
                                   for row in table.itertuples(index=False)])
    return header_row


def style_header(sheet: Worksheet, row: int, count: int) -> None:
    for j in range(1, count + 1):
        cell = sheet.cell(row, j)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
    sheet.row_dimensions[row].height = 32


def fit_widths(sheet: Worksheet, rows: list[list[str]]) -> None:
    """Column widths from the longest text (a Chinese character counts two), within limits;
    the header counts at most 20, since it wraps."""
    if not rows:
        return
    for j in range(len(rows[0])):
        header = min(display_width(rows[0][j]), 20)
        body = max((display_width(r[j]) for r in rows[1:] if j < len(r)), default=0)
        width = min(max(header, body) + 2, MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(j + 1)].width = max(width, MIN_WIDTH)


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: a Chinese character counts two.

    >>> display_width("网格a1")
    6
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def colour_grades(sheet: Worksheet, table: pd.DataFrame, header_row: int,
                  grade_colours: Mapping[str, str] | None = None) -> None:
    """Fill the grade column's cells by grade label (exact labels only: "暂定（至多优秀）"
    is provisional and stays white)."""
    colours = dict(DEFAULT_GRADE_COLOURS if grade_colours is None else grade_colours)
    headers = {translator(lang)(GRADE_HEADER) for lang in LANGUAGES} | {"grade"}
    for j, name in enumerate(table.columns, 1):
        if str(name) not in headers:
            continue
        for i in range(len(table)):
            cell = sheet.cell(header_row + 1 + i, j)
            colour = colours.get(str(cell.value)) if cell.value is not None else None
            if colour:
                cell.fill = PatternFill("solid", fgColor=colour)


def cell_value(value):
    """A pandas/numpy value as openpyxl takes it: <NA> and NaN empty, numpy scalars plain."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    return value


def _shown(value) -> str:
    value = cell_value(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _number_format(values: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_integer_dtype(values):
        return "0"
    if pd.api.types.is_float_dtype(values):
        return "0.0#"
    return None


def _sheet_title(name: str) -> str:
    """Excel refuses []:*?/\\ in sheet names and more than 31 characters."""
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in name).strip()
    return cleaned[:31] or "Sheet1"
