"""The monthly bulletin (通报): every inspector's patrol figures, and score and grade when
scored, ranked, with headers in Chinese by default (seed 000_bcb2dc371216f5f3.txt 第二十三条:
the bureau summarises and publishes the inspectors' work monthly from the patrol tracks).

>>> cov = pd.DataFrame({"inspector_id": ["A", "B"], "name": ["甲", "乙"],
...     "kind": ["dedicated", "full_time"], "grids": ["G1", "G2"], "distance_km": [80.04, 95.0],
...     "patrol_hours": [40.0, 41.5], "active_days": [20, 21], "sources_required": [3, 2],
...     "sources_visited": [2, 2], "full_sweep": [False, True],
...     "missed_source_names": ["张记餐馆", ""], "swept_share": [0.5, 0.75],
...     "outside_s": [3600.0, 0.0], "flags": [1, 0]})
>>> table = monthly_bulletin(cov)
>>> table[["名次", "姓名", "全覆盖巡查", "漏查污染源", "网格面积覆盖率（%）"]].values.tolist()
[[1, '乙', '是', '', 75.0], [2, '甲', '否', '张记餐馆', 50.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gisapp.i18n import N_
from gisapp.scoring.language import translator
from gisapp.scoring.periods import parse_month, parse_quarter

# column id -> English header (the catalogue has the Chinese)
COLUMNS = {
    "rank": N_("Rank"),
    "inspector_id": N_("Inspector ID"),
    "name": N_("Name"),
    "kind": N_("Kind"),
    "grids": N_("Grids"),
    "distance_km": N_("Patrol distance (km)"),
    "patrol_hours": N_("Patrol time (h)"),
    "active_days": N_("Active days"),
    "sources_required": N_("Sources to visit"),
    "sources_visited": N_("Sources visited"),
    "full_sweep": N_("Full sweep"),
    "missed_sources": N_("Missed sources"),
    "swept_percent": N_("Grid area swept (%)"),
    "outside_hours": N_("Time outside grids (h)"),
    "flags": N_("Review flags"),
    "score": N_("Score"),
    "grade": N_("Grade"),
    "deductions": N_("Deductions"),
}
SCORE_COLUMNS = ("score", "grade", "deductions")
INSPECTOR_KIND_LABELS = {
    "dedicated": N_("dedicated"), "full_time": N_("full-time"), "part_time": N_("part-time"),
}


def monthly_bulletin(coverage_result_inspectors: pd.DataFrame,
                     scores: pd.DataFrame | None = None,
                     language: str | None = "zh_CN") -> pd.DataFrame:
    """The bulletin table, best first.

    coverage_result_inspectors  ``CoverageResult.inspectors`` of the month
    scores                      ``score_month(...)`` of the same month (optional): adds
                                score (the total; empty while provisional), grade and
                                deductions; written in the language it was scored in
    language                    "zh_CN" (default) or "en" headers and values; None: the
                                application's language

    Ranked by score (then by the most the score can still be, for provisional months), else
    by the share of grid area swept, then by the share of sources visited; rows equal on
    all of these share a rank. Columns (in Chinese): 名次, 网格员编号, 姓名, 类型,
    负责网格, 巡查里程（公里）, 巡查时长（小时）, 巡查天数, 应巡污染源数, 已巡污染源数,
    全覆盖巡查 (是/否; empty without sources), 漏查污染源, 网格面积覆盖率（%）,
    网格外时长（小时）, 轨迹疑点数 [, 得分, 等次,
    扣分说明].
    """
    _ = translator(language)
    table = _figures(coverage_result_inspectors, _)
    if scores is not None:
        table = _with_scores(table, scores)
    table = _ranked(table, scores is not None)
    shown = [c for c in COLUMNS if c in table]
    return table[shown].rename(columns={c: _(COLUMNS[c]) for c in shown}).reset_index(drop=True)


def bulletin_title(month, language: str | None = "zh_CN") -> str:
    """The bulletin's title row.

    >>> bulletin_title("2026-10")
    '2026年10月网格员巡查通报'
    """
    _ = translator(language)
    year, number = map(int, parse_month(month).split("-"))
    return _("Inspectors' patrol bulletin {year}-{month:02d}").format(year=year, month=number)


def quarter_title(quarter, language: str | None = "zh_CN") -> str:
    """The quarterly ranking's title row.

    >>> quarter_title("2026Q3")
    '2026年第3季度网格员考核排名'
    """
    _ = translator(language)
    year, number = parse_quarter(quarter)
    return _("Inspectors' assessment ranking {year} Q{quarter}").format(year=year,
                                                                         quarter=number)


def year_title(year, language: str | None = "zh_CN") -> str:
    """The annual results' title row.

    >>> year_title(2026)
    '2026年度网格员考核结果'
    """
    _ = translator(language)
    return _("Inspectors' annual assessment {year}").format(year=int(year))


def _figures(coverage: pd.DataFrame, _) -> pd.DataFrame:
    """The coverage figures as the bulletin shows them (rounded, in words, in hours)."""
    c = coverage.reset_index(drop=True)
    sweep = c["full_sweep"].astype("boolean") if "full_sweep" in c else pd.Series(
        pd.NA, index=c.index, dtype="boolean")
    out = pd.DataFrame({
        "inspector_id": c["inspector_id"].astype("string"),
        "name": _column(c, "name").astype("string"),
        "kind": _column(c, "kind").map(
            lambda k: _(INSPECTOR_KIND_LABELS[k]) if k in INSPECTOR_KIND_LABELS else k
        ).astype("string"),
        "grids": _column(c, "grids").astype("string").str.replace("; ", _(", "), regex=False),
        "distance_km": _rounded(c["distance_km"], 1),
        "patrol_hours": _rounded(c["patrol_hours"], 1),
        "active_days": _whole(c["active_days"]),
        "sources_required": _whole(c["sources_required"]),
        "sources_visited": _whole(c["sources_visited"]),
        "full_sweep": sweep.map({True: _("yes"), False: _("no")}).astype("string"),
        "missed_sources": _column(c, "missed_source_names").fillna("").astype("string")
        .str.replace("; ", _(", "), regex=False),
        "swept_percent": _rounded(c["swept_share"] * 100, 1),
        "outside_hours": _rounded(c["outside_s"] / 3600, 1),
        "flags": _whole(c["flags"]) if "flags" in c else pd.array([0] * len(c), "Int64"),
    })
    out["_swept"] = pd.to_numeric(c["swept_share"], errors="coerce")
    required = pd.to_numeric(c["sources_required"], errors="coerce")
    out["_visited"] = pd.to_numeric(c["sources_visited"], errors="coerce") / required.where(
        required > 0)
    return out


def _with_scores(table: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    s = scores.assign(inspector_id=scores["inspector_id"].astype("string"))
    s = s.drop_duplicates("inspector_id", keep="last").set_index("inspector_id")
    ids = table["inspector_id"]
    table["score"] = _rounded(ids.map(s["total"]), 2)
    table["grade"] = ids.map(s["grade"]).astype("string")
    table["deductions"] = ids.map(s["deductions"]).astype("string")
    table["_max"] = pd.to_numeric(ids.map(s["points_max"]), errors="coerce")
    return table


def _ranked(table: pd.DataFrame, scored: bool) -> pd.DataFrame:
    keys = (["score", "_max"] if scored else []) + ["_swept", "_visited"]
    values = table[keys].apply(lambda k: pd.to_numeric(k, errors="coerce")).astype(float)
    order = np.lexsort([table["inspector_id"].to_numpy(str)]
                       + [-values[k].fillna(-np.inf).to_numpy() for k in reversed(keys)])
    table = table.iloc[order].reset_index(drop=True)
    ordered = values.iloc[order].fillna(-np.inf).reset_index(drop=True)
    starts = ordered.ne(ordered.shift()).any(axis=1)
    position = pd.Series(np.arange(1, len(table) + 1))
    table.insert(0, "rank", pd.array(position.where(starts).ffill().astype("int64"), "Int64")
                 if len(table) else pd.array([], "Int64"))
    return table


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series(pd.NA, index=frame.index,
                                                       dtype="string")


def _rounded(values: pd.Series, digits: int) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype("Float64").round(digits)


def _whole(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype("Int64")
