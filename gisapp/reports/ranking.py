"""The score tables as people read them: monthly scores, the quarterly ranking and the annual
results with headers and values in Chinese by default, ready for ``write_bulletin_xlsx`` /
``write_bulletin_csv`` (titles: ``quarter_title``, ``year_title`` in gisapp.reports.bulletin).
"""

from __future__ import annotations

import pandas as pd

from gisapp.i18n import N_
from gisapp.reports.bulletin import COLUMNS as BULLETIN_COLUMNS
from gisapp.reports.bulletin import INSPECTOR_KIND_LABELS
from gisapp.scoring.language import pick, translator
from gisapp.scoring.rules import RuleSet

HEADERS = {
    **{k: BULLETIN_COLUMNS[k] for k in ("rank", "inspector_id", "name", "kind", "score",
                                         "grade", "deductions")},
    "month": N_("Month"),
    "total": N_("Total"),
    "pending": N_("Not yet scored"),
    "months_scored": N_("Months scored"),
    "quarters_scored": N_("Quarters scored"),
    "unqualified_quarters": N_("Unqualified quarters"),
    "grade_reason": N_("Grade note"),
    "pay_percent": N_("Performance pay (%)"),
    "appointment_ends": N_("Appointment ends"),
}


def monthly_scores_table(monthly: pd.DataFrame, rule_set: RuleSet,
                         language: str | None = "zh_CN") -> pd.DataFrame:
    """``score_month`` rows with a column per part (headed by its label), total, grade,
    deductions and what is not yet scored; best total first."""
    _ = translator(language)
    parts = {p.id: pick(p.label, p.label_en, language) for p in rule_set.parts}
    table = monthly.sort_values(["total", "inspector_id"], ascending=[False, True],
                                na_position="last")
    table = _kinds(table, _)
    columns = ["inspector_id", "name", "kind", "month", *parts, "total", "grade", "deductions",
               "pending"]
    out = table[columns].rename(columns={**{c: _(HEADERS[c]) for c in columns if c in HEADERS},
                                         **parts})
    return out.reset_index(drop=True)


def quarter_table(quarterly: pd.DataFrame, language: str | None = "zh_CN") -> pd.DataFrame:
    """``rank_quarter`` rows: rank, inspector, months scored, score, grade, the note on the
    grade (quota, vetoes) and the pay percentage."""
    _ = translator(language)
    table = _kinds(quarterly, _).assign(pay_percent=_percent(quarterly["pay_multiplier"]),
                                        score=quarterly["score"].round(2))
    columns = ["rank", "inspector_id", "name", "kind", "months_scored", "score", "grade",
               "grade_reason", "pay_percent"]
    return table[columns].rename(columns={c: _(HEADERS[c]) for c in columns}) \
        .reset_index(drop=True)


def annual_table(yearly: pd.DataFrame, language: str | None = "zh_CN") -> pd.DataFrame:
    """``annual`` rows: rank, inspector, quarters scored and unqualified, score, grade, the
    note on the grade, the pay percentage and whether the appointment ends (是/否)."""
    _ = translator(language)
    ends = yearly["appointment_ends"].map({True: _("yes"), False: _("no")}).astype("string")
    table = _kinds(yearly, _).assign(pay_percent=_percent(yearly["pay_multiplier"]),
                                     score=yearly["score"].round(2), appointment_ends=ends)
    columns = ["rank", "inspector_id", "name", "kind", "quarters_scored",
               "unqualified_quarters", "score", "grade", "grade_reason", "pay_percent",
               "appointment_ends"]
    return table[columns].rename(columns={c: _(HEADERS[c]) for c in columns}) \
        .reset_index(drop=True)


def _kinds(table: pd.DataFrame, _) -> pd.DataFrame:
    kind = table["kind"].map(lambda k: _(INSPECTOR_KIND_LABELS[k])
                             if k in INSPECTOR_KIND_LABELS else k).astype("string")
    return table.assign(kind=kind)


def _percent(multipliers: pd.Series) -> pd.Series:
    return (multipliers.astype("Float64") * 100).round(0)
