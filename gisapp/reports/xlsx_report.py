"""The meeting report as one XLSX workbook: the monthly bulletin, the quarterly ranking, the
coverage per street (with a native bar chart) and per grid, the grid division summary and the
missed sources, each a formatted sheet (title row, styled, frozen and filtered header, fitted
widths, grade colours), in the report's language (Chinese by default).

    write_report_xlsx("报告_2026-10.xlsx", build_report_data(project, "2026-10"))
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.utils import get_column_letter

from gisapp.i18n import N_
from gisapp.progress import Progress, step
from gisapp.reports.report_tables import HEADERS, ReportData, present
from gisapp.reports.xlsx import _sheet_title, atomic_target, colour_grades, fill_sheet
from gisapp.scoring.language import translator

# sheet id -> English name (the catalogue has the Chinese); also the order of the sheets
SHEETS = {
    "bulletin": N_("Monthly bulletin"),
    "quarter": N_("Quarterly ranking"),
    "streets": N_("Coverage by street"),
    "grids": N_("Coverage by grid"),
    "division": N_("Grid division"),
    "missed": N_("Missed sources"),
}
STREET_COLUMNS = ["street", "grids", "grid_area_km2", "swept_area_km2", "swept_percent",
                  "sources_required", "sources_visited", "visited_percent", "full_sweeps",
                  "missed"]
GRID_COLUMNS = ["street", "grid_code", "grid", "inspectors", "grid_area_km2", "swept_area_km2",
                "swept_percent", "sources_required", "sources_visited", "visited_percent",
                "full_sweep", "missed_source_names", "distance_inside_km",
                "patrol_hours_inside"]
MISSED_COLUMNS = ["street", "grid_code", "grid", "inspector_id", "inspector", "source_id",
                  "source", "category", "address", "required_days"]


def write_report_xlsx(path: str | Path, data: ReportData,
                      progress: Progress | None = None) -> Path:
    """Write the workbook to ``path`` (a temporary file renamed over it at the end: a failure
    or a cancel through ``progress`` leaves the old file or none)."""
    path = Path(path)
    _ = translator(data.language)
    book = Workbook()
    book.remove(book.active)
    tables = report_sheets(data)
    for k, (key, (table, title)) in enumerate(tables.items()):
        step(progress, k, len(tables) + 1, _(SHEETS[key]))
        sheet = book.create_sheet(_sheet_title(_(SHEETS[key])))
        header_row = fill_sheet(sheet, table, title)
        colour_grades(sheet, table, header_row, data.grade_colours or None)
        if key == "streets":
            _street_chart(sheet, table, header_row, data.language)
        sheet.sheet_view.zoomScale = 90
    step(progress, len(tables), len(tables) + 1, "")
    with atomic_target(path) as temporary:
        book.save(temporary)
    step(progress, len(tables) + 1, len(tables) + 1, "")
    return path


def report_sheets(data: ReportData) -> dict[str, tuple[pd.DataFrame, str]]:
    """sheet id -> (the table as written, its title row)."""
    _ = translator(data.language)
    period = _("{year}-{month:02d}").format(year=data.start.year, month=data.start.month)
    sheets = {"bulletin": (data.bulletin, data.bulletin_title)}
    if data.quarter is not None:
        sheets["quarter"] = (data.quarter, data.quarter_title)
    sheets["streets"] = (present(data.streets, data.language, STREET_COLUMNS),
                         _("Patrol coverage by street, {period}").format(period=period))
    sheets["grids"] = (present(data.grid_table, data.language, GRID_COLUMNS),
                       _("Patrol coverage by grid, {period}").format(period=period))
    division = data.division.reset_index().rename(columns={"grid_code": _("Grid code")})
    sheets["division"] = (division, str(data.division.attrs.get("title") or _(SHEETS["division"])))
    sheets["missed"] = (present(data.missed, data.language, MISSED_COLUMNS),
                        _("Missed sources, {period}").format(period=period))
    return sheets


def _street_chart(sheet, table: pd.DataFrame, header_row: int, language: str) -> None:
    """A horizontal bar chart of the swept and the visited share per street, beside the table."""
    _ = translator(language)
    rows = len(table)
    if not rows:
        return
    columns = list(table.columns)
    first, last = header_row + 1, header_row + rows
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = _("Coverage per street (%)")
    chart.y_axis.title = "%"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.y_axis.majorGridlines = None
    chart.x_axis.scaling.orientation = "maxMin"  # first street at the top, as in the table
    for name in ("swept_percent", "visited_percent"):
        col = columns.index(_(HEADERS[name])) + 1
        chart.add_data(Reference(sheet, min_col=col, min_row=header_row, max_row=last),
                       titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    chart.dataLabels = DataLabelList()
    chart.dataLabels.showVal = True
    chart.height = max(7.5, 0.9 * rows + 3)
    chart.width = 18
    sheet.add_chart(chart, f"{get_column_letter(len(columns) + 2)}{header_row}")
