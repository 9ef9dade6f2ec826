"""Report tables and their writers (XLSX, CSV): the monthly bulletin (通报) and the score
rankings. Qt-free; the PDF map page lives in gisapp.layers.

    table = monthly_bulletin(coverage.inspectors, scores)           # Chinese headers
    write_bulletin_xlsx("通报_2026-10.xlsx", table, bulletin_title("2026-10"))
    write_bulletin_csv("通报_2026-10.csv", table)
"""

from gisapp.reports.bulletin import bulletin_title, monthly_bulletin, quarter_title, year_title
from gisapp.reports.ranking import annual_table, monthly_scores_table, quarter_table
from gisapp.reports.xlsx import write_bulletin_csv, write_bulletin_xlsx, write_table_xlsx

__all__ = ["annual_table", "bulletin_title", "monthly_bulletin", "monthly_scores_table",
           "quarter_table", "quarter_title", "write_bulletin_csv", "write_bulletin_xlsx",
           "write_table_xlsx", "year_title"]
