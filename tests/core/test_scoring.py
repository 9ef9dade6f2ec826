"""Monthly scores, the quarterly ranking and the annual roll-up on hand-built tables with the
points worked out by hand from the seeds' rules (002_… 第十八条, 000_… 第二十五条–第二十八条)."""

from __future__ import annotations

import pandas as pd
import pytest

from gisapp import i18n
from gisapp.errors import InputError
from gisapp.scoring import annual, load_rule_set, rank_quarter, score_month

MONTH = "2026-10"


@pytest.fixture(autouse=True)
def english_application(monkeypatch):
    """Errors follow the application's language (English here); tables are Chinese by
    default whatever it is. The global language is restored after the test."""
    monkeypatch.setattr(i18n, "_translation", None)
    monkeypatch.setattr(i18n, "_language", None)
    i18n.set_language("en")


@pytest.fixture(scope="module")
def ziyang():
    return load_rule_set("ziyang_2020")


@pytest.fixture(scope="module")
def jizhou():
    return load_rule_set("jizhou_2018")


def coverage_table(*rows) -> pd.DataFrame:
    """Coverage rows (id, name, missed source names or None for a full sweep, kind):
    each inspector has 5 sources to visit."""
    records = []
    for inspector_id, name, missed, *kind in rows:
        names = missed or []
        records.append({
            "inspector_id": inspector_id, "name": name,
            "kind": kind[0] if kind else "dedicated", "grids": "G1",
            "distance_km": 100.0, "patrol_hours": 40.0, "active_days": 20,
            "sources_required": 5, "sources_visited": 5 - len(names),
            "full_sweep": not names, "missed_source_ids": "; ".join(f"S{n}" for n in names),
            "missed_source_names": "; ".join(names), "swept_share": 0.8, "outside_s": 0.0,
            "flags": 0})
    frame = pd.DataFrame(records)
    frame["full_sweep"] = frame["full_sweep"].astype("boolean")
    return frame


def ziyang_sheet(*rows) -> pd.DataFrame:
    """Sheet rows (id, information upload, assisting, asked, knew, accident)."""
    return pd.DataFrame(
        [{"inspector_id": i, "information_upload": up, "assisting": assist,
          "public_awareness_asked": asked, "public_awareness_knew": knew,
          "major_accident": accident} for i, up, assist, asked, knew, accident in rows])


def full_marks(*ids) -> pd.DataFrame:
    return ziyang_sheet(*[(i, 30, 20, 10, 10, "none") for i in ids])


def one(frame: pd.DataFrame, inspector_id: str) -> pd.Series:
    return frame.set_index("inspector_id").loc[inspector_id]


# ---- the month ---------------------------------------------------------------------------
def test_a_full_sweep_missed_costs_10_and_names_the_missed_sources(ziyang):
    scores = score_month(coverage_table(("A", "甲", ["张记餐馆", "李庄养殖场"]), ("B", "乙", None)),
                         full_marks("A", "B"), ziyang, MONTH)
    a, b = one(scores, "A"), one(scores, "B")
    assert (a["attendance_patrol"], a["total"], a["grade"]) == (20, 90, "合格")
    assert a["deductions"] == "全覆盖巡查未完成（漏查 2 处：张记餐馆、李庄养殖场）−10"
    assert (b["attendance_patrol"], b["total"], b["grade"], b["deductions"]) == \
        (30, 100, "优秀", "")
    assert not scores["provisional"].any()


def test_two_new_sources_missed_cost_4(ziyang):
    scores = score_month(coverage_table(("A", "甲", None)), full_marks("A"), ziyang, MONTH,
                         new_sources_missed=pd.Series({"A": 2}))
    a = one(scores, "A")
    assert (a["attendance_patrol"], a["total"], a["grade"]) == (26, 96, "优秀")
    assert a["deductions"] == "新产生企业未及时发现或未及时上报 2 家−4"


def test_missing_a_major_accident_loses_the_whole_attendance_part(ziyang):
    coverage = coverage_table(("A", "甲", None), ("B", "乙", ["张记餐馆"]))
    sheet = ziyang_sheet(("A", 30, 20, 10, 10, "no"), ("B", 30, 20, 10, 10, "no"))
    scores = score_month(coverage, sheet, ziyang, MONTH, new_sources_missed=pd.Series({"B": 1}))
    a, b = one(scores, "A"), one(scores, "B")
    assert (a["attendance_patrol"], a["total"], a["grade"]) == (0, 70, "基本合格")
    assert a["deductions"] == "网格内发生重大事故未及时赶到现场，扣除“日常考勤及巡查”全部得分−30"
    # the earlier deductions stand; the accident takes what is left, so the parts add up
    assert (b["attendance_patrol"], b["total"]) == (0, 70)
    assert b["deductions"] == ("全覆盖巡查未完成（漏查 1 处：张记餐馆）−10；"
                               "新产生企业未及时发现或未及时上报 1 家−2；"
                               "网格内发生重大事故未及时赶到现场，扣除“日常考勤及巡查”全部得分−18")


def test_public_awareness_of_50_percent_costs_10_and_fails_the_month_whatever_the_total(
        ziyang):
    scores = score_month(coverage_table(("A", "甲", None)),
                         ziyang_sheet(("A", 30, 20, 10, 5, "none")), ziyang, MONTH)
    a = one(scores, "A")
    assert (a["public_awareness"], a["total"]) == (10, 90)  # 90 would be 合格
    assert (a["grade"], a["grade_id"]) == ("不合格", "unqualified")
    assert a["veto"] == "群众知晓率 50% 低于 60%"
    assert a["deductions"] == ("群众知晓率 50%（抽查 10 家企业，5 家知晓其网格员）−10；"
                               "群众知晓率 50% 低于 60%，当月考核为“不合格”")


@pytest.mark.parametrize("asked, knew, points, vetoed", [
    (10, 10, 20, False), (10, 9, 18, False), (10, 7, 14, False),  # 7/10: 3 steps, not 2.99
    (10, 6, 12, False),   # 60 % is not below 60 %
    (20, 17, 18, False),  # 85 %: one full step below full
    (8, 4, 10, True), (10, 0, 0, True),
])
def test_public_awareness_counts_full_steps_below_full(ziyang, asked, knew, points, vetoed):
    scores = score_month(coverage_table(("A", "甲", None)),
                         ziyang_sheet(("A", 30, 20, asked, knew, "none")), ziyang, MONTH)
    a = one(scores, "A")
    assert a["public_awareness"] == points
    assert (a["grade"] == "不合格") == (vetoed or 80 + points < 70)
    assert bool(a["veto"]) == vetoed


@pytest.mark.parametrize("upload, total, grade", [
    (30, 100, "优秀"), (25, 95, "优秀"), (24.5, 94.5, "合格"), (10, 80, "合格"),
    (9.5, 79.5, "基本合格"), (0, 70, "基本合格"),
])
def test_grade_thresholds_at_95_80_and_70(ziyang, upload, total, grade):
    scores = score_month(coverage_table(("A", "甲", None)),
                         ziyang_sheet(("A", upload, 20, 10, 10, "none")), ziyang, MONTH)
    assert (one(scores, "A")["total"], one(scores, "A")["grade"]) == (total, grade)


def test_just_below_70_is_unqualified(ziyang):
    scores = score_month(coverage_table(("A", "甲", None)),
                         ziyang_sheet(("A", 10, 9.5, 10, 10, "none")), ziyang, MONTH)
    assert (one(scores, "A")["total"], one(scores, "A")["grade"]) == (69.5, "不合格")
    assert ziyang.grade_for(95).id == "excellent" and ziyang.grade_for(94.999).id == "qualified"
    assert ziyang.grade_for(70).id == "basically_qualified"
    assert ziyang.grade_for(69.999).id == "unqualified"


def test_without_the_sheet_the_sheet_parts_are_empty_and_the_grade_is_provisional(ziyang):
    scores = score_month(coverage_table(("A", "甲", ["张记餐馆"]), ("B", "乙", None)), None, ziyang,
                         MONTH)
    a, b = one(scores, "A"), one(scores, "B")
    assert a["attendance_patrol"] == 20  # the GPS part is known
    for part in ("information_upload", "assisting", "public_awareness", "total"):
        assert pd.isna(a[part])
    assert a["points_max"] == 90 and b["points_max"] == 100
    assert bool(a["provisional"]) and pd.isna(a["grade_id"])
    assert (a["grade"], b["grade"]) == ("暂定（至多合格）", "暂定（至多优秀）")
    assert a["deductions"] == "全覆盖巡查未完成（漏查 1 处：张记餐馆）−10"
    assert a["pending"] == "待评分：重大事故到场情况、信息整理及上传、协管工作、群众知晓率"


def test_a_sheet_row_left_empty_keeps_that_inspector_provisional(ziyang):
    sheet = pd.concat([full_marks("A"), pd.DataFrame({"inspector_id": ["B"]})],
                      ignore_index=True)
    scores = score_month(coverage_table(("A", "甲", None), ("B", "乙", None)), sheet, ziyang, MONTH)
    assert one(scores, "A")["grade"] == "优秀"
    b = one(scores, "B")
    assert bool(b["provisional"]) and b["pending"] == \
        "待评分：重大事故到场情况、信息整理及上传、协管工作、群众知晓率"


def test_only_the_kinds_the_rules_are_for_are_scored(ziyang):
    coverage = coverage_table(("A", "甲", None), ("P", "丙", None, "part_time"))
    scores = score_month(coverage, full_marks("A"), ziyang, MONTH)
    assert scores["inspector_id"].tolist() == ["A"]
    assert scores.attrs["notes"] == [
        "另有 1 名其他类型的网格员不适用《资阳高新区专属网格员考核办法（2020）》，未评分"]


def test_english_tables_on_request(ziyang):
    scores = score_month(coverage_table(("A", "甲", ["张记餐馆"])), full_marks("A"), ziyang, MONTH,
                         language="en")
    a = one(scores, "A")
    assert (a["grade"], a["deductions"]) == ("qualified",
                                             "full sweep not completed (missed 1: 张记餐馆) −10")


def test_a_sheet_for_another_month_is_refused(ziyang):
    sheet = full_marks("A").assign(month="2026-09")
    sheet.index = [3]
    sheet.attrs["file"] = "sheet.xlsx"
    with pytest.raises(InputError) as error:
        score_month(coverage_table(("A", "甲", None)), sheet, ziyang, MONTH)
    assert (error.value.file, error.value.row) == ("sheet.xlsx", 3)
    assert "2026-09" in error.value.problem and MONTH in error.value.problem


# ---- the quarter -------------------------------------------------------------------------
TEN_TOTALS = {"A": 100, "B": 99, "C": 98, "D": 97, "E": 96, "F": 90, "G": 85, "H": 80, "I": 75,
              "J": 60}


def quarter_of(totals: dict[str, float], rules, months=("2026-07", "2026-08", "2026-09")):
    """Three months in which each inspector's total is the given one (set by the
    information-upload score: every other part at full marks)."""
    coverage = coverage_table(*[(i, f"员{i}", None) for i in totals])
    sheet = ziyang_sheet(*[(i, t - 70, 20, 10, 10, "none") for i, t in totals.items()])
    return pd.concat([score_month(coverage, sheet, rules, m) for m in months], ignore_index=True)


def test_the_30_percent_cap_leaves_exactly_3_excellent_of_10(ziyang):
    monthly = quarter_of(TEN_TOTALS, ziyang)
    quarter = rank_quarter(monthly, ziyang, "2026Q3").set_index("inspector_id")
    assert quarter["score"].tolist() == [100, 99, 98, 97, 96, 90, 85, 80, 75, 60]
    assert quarter["rank"].tolist() == list(range(1, 11))
    assert quarter["grade"].tolist() == ["优秀"] * 3 + ["合格"] * 5 + ["基本合格", "不合格"]
    assert quarter.loc["D", "grade_reason"] == \
        "“优秀”名额按 10 名网格员的 30% 核定为 3 名，本人排名第 4，评为“合格”"
    assert quarter.loc["E", "grade_reason"].endswith("本人排名第 5，评为“合格”")
    assert (quarter.loc[["A", "B", "C", "F", "J"], "grade_reason"] == "").all()
    assert quarter["pay_multiplier"].tolist() == [1.2] * 3 + [1.0] * 6 + [0.0]
    assert (quarter["months_scored"] == 3).all() and not quarter["provisional"].any()


def test_a_tie_at_the_cap_is_broken_by_id_and_said_so(ziyang):
    totals = {**TEN_TOTALS, "D": 98}
    quarter = rank_quarter(quarter_of(totals, ziyang), ziyang, "2026Q3").set_index("inspector_id")
    assert quarter.loc[["C", "D"], "rank"].tolist() == [3, 3]
    assert quarter.loc["C", "grade"] == "优秀" and quarter.loc["D", "grade"] == "合格"
    assert quarter.loc["D", "grade_reason"].endswith("；与最后一名“优秀”同分，按网格员编号先后确定")


def test_the_quarter_is_the_mean_of_its_months_and_ignores_other_months(ziyang):
    monthly = pd.concat([quarter_of({"A": 100}, ziyang, ["2026-07"]),
                         quarter_of({"A": 90}, ziyang, ["2026-08"]),
                         quarter_of({"A": 92}, ziyang, ["2026-09"]),
                         quarter_of({"A": 10 + 70}, ziyang, ["2026-10"])], ignore_index=True)
    quarter = rank_quarter(monthly, ziyang, "2026Q3")
    assert quarter.loc[0, "score"] == pytest.approx(94)
    assert (quarter.loc[0, "grade"], quarter.loc[0, "months_scored"]) == ("合格", 3)


def test_a_provisional_month_makes_the_quarter_provisional(ziyang):
    coverage = coverage_table(("A", "甲", None))
    monthly = pd.concat([score_month(coverage, full_marks("A"), ziyang, "2026-07"),
                         score_month(coverage, full_marks("A"), ziyang, "2026-08"),
                         score_month(coverage, None, ziyang, "2026-09")], ignore_index=True)
    quarter = rank_quarter(monthly, ziyang, "2026Q3")
    assert bool(quarter.loc[0, "provisional"]) and pd.isna(quarter.loc[0, "score"])
    assert quarter.loc[0, "grade"] == "暂定（至多优秀）"
    assert pd.isna(quarter.loc[0, "pay_multiplier"]) and pd.isna(quarter.loc[0, "rank"])


def test_a_quarter_is_written_like_2026Q3(ziyang):
    with pytest.raises(InputError, match="2026Q5"):
        rank_quarter(quarter_of({"A": 100}, ziyang), ziyang, "2026Q5")


# ---- the year ----------------------------------------------------------------------------
def quarterly_table(rows) -> pd.DataFrame:
    """Hand-made quarterly results: (inspector, quarter, score, grade id)."""
    return pd.DataFrame([{"quarter": q, "inspector_id": i, "name": f"员{i}", "kind": "dedicated",
                          "score": s, "score_max": s, "grade_id": g, "provisional": False}
                         for i, q, s, g in rows])


def test_two_unqualified_quarters_make_the_year_unqualified_and_end_the_appointment(ziyang):
    quarterly = quarterly_table(
        [("A", "2026Q1", 65, "unqualified"), ("A", "2026Q2", 100, "excellent"),
         ("A", "2026Q3", 100, "excellent"), ("A", "2026Q4", 60, "unqualified"),
         ("B", "2026Q1", 65, "unqualified"), ("B", "2026Q2", 85, "qualified"),
         ("B", "2026Q3", 85, "qualified"), ("B", "2026Q4", 85, "qualified"),
         ("B", "2025Q4", 10, "unqualified")])  # another year: ignored
    year = annual(quarterly, ziyang, 2026).set_index("inspector_id")
    a, b = year.loc["A"], year.loc["B"]
    assert (a["score"], a["unqualified_quarters"]) == (81.25, 2)  # 合格 on points alone
    assert (a["grade"], a["pay_multiplier"], bool(a["appointment_ends"])) == ("不合格", 0.0, True)
    assert a["grade_reason"] == "2026年有 2 个季度考核为“不合格”，年度考核为“不合格”"
    assert (b["score"], b["unqualified_quarters"], b["quarters_scored"]) == (80, 1, 4)
    assert (b["grade"], b["pay_multiplier"], bool(b["appointment_ends"])) == ("合格", 1.0, False)


def test_annual_pay_follows_the_grade_and_the_cap(ziyang):
    scores = {"A": 99, "B": 98, "C": 97, "D": 96, "E": 90, "F": 75, "G": 85, "H": 82, "I": 81,
              "J": 80}
    quarterly = quarterly_table([(i, f"2026Q{q}", s, ziyang.grade_for(s).id)
                                 for i, s in scores.items() for q in (1, 2, 3, 4)])
    year = annual(quarterly, ziyang, 2026).set_index("inspector_id")
    assert year.loc[["A", "B", "C"], "grade"].tolist() == ["优秀"] * 3
    assert year.loc["D", "grade"] == "合格" and "排名第 4" in year.loc["D", "grade_reason"]
    assert year.loc[["A", "D", "F"], "pay_multiplier"].tolist() == [1.2, 1.0, 0.8]


# ---- Jizhou ------------------------------------------------------------------------------
def jizhou_sheet(*ids, serious=()):
    return pd.DataFrame([{"inspector_id": i, "reporting": 30, "assigned_work": 20,
                          "discipline": 10, "serious_ground": i in serious} for i in ids])


def test_jizhou_a_flagged_false_report_makes_the_quarter_unqualified(jizhou):
    coverage = coverage_table(("A", "甲", None, "full_time"), ("B", "乙", None, "full_time"))
    flags = pd.DataFrame({"inspector_id": ["A", "B"], "kind": ["copied_day", "teleports"],
                          "start": pd.NaT, "end": pd.NaT, "reason": "", "lon": 0.0,
                          "lat": 0.0})
    monthly = pd.concat([
        score_month(coverage, jizhou_sheet("A", "B"), jizhou, "2026-07"),
        score_month(coverage, jizhou_sheet("A", "B"), jizhou, "2026-08", flags=flags),
        score_month(coverage, jizhou_sheet("A", "B"), jizhou, "2026-09")], ignore_index=True)
    august = monthly[monthly["month"] == "2026-08"].set_index("inspector_id")
    assert (august.loc["A", "total"], august.loc["A", "grade"]) == (100, "不合格")
    assert august.loc["A", "veto"] == \
        "巡查轨迹存在疑点：复制他日轨迹 1 处（第二十七条（三）虚报、瞒报、谎报）"
    assert (august.loc["B", "grade"], august.loc["B", "veto"]) == ("优秀", "")  # GPS jumps
    quarter = rank_quarter(monthly, jizhou, "2026Q3").set_index("inspector_id")
    assert (quarter.loc["A", "score"], quarter.loc["A", "grade"]) == (100, "不合格")
    assert quarter.loc["A", "grade_reason"] == (
        "2026-08：巡查轨迹存在疑点：复制他日轨迹 1 处（第二十七条（三）虚报、瞒报、谎报）；"
        "本季度考核为“不合格”")
    assert quarter.loc["B", "grade"] == "优秀"
    assert quarter["pay_multiplier"].isna().all()  # Jizhou sets no pay multipliers


def test_jizhou_a_serious_ground_on_the_sheet_fails_the_month(jizhou):
    coverage = coverage_table(("A", "甲", ["李庄养殖场"], "full_time"))
    scores = score_month(coverage, jizhou_sheet("A", serious=("A",)), jizhou, MONTH)
    a = one(scores, "A")
    assert (a["patrol"], a["total"], a["grade"]) == (30, 90, "不合格")
    assert a["veto"] == "经核实存在第二十七条所列情节严重情形（第二十七条）"


def test_jizhou_excellent_needs_every_quarter_qualified(jizhou):
    quarterly = quarterly_table([("A", "2026Q1", 50, "unqualified"), ("A", "2026Q2", 100,
                                  "excellent"), ("A", "2026Q3", 100, "excellent"),
                                 ("A", "2026Q4", 100, "excellent")])
    year = annual(quarterly, jizhou, 2026)
    assert (year.loc[0, "score"], year.loc[0, "grade"]) == (87.5, "合格")
    quarterly = quarterly_table([("A", f"2026Q{q}", 100, "excellent") for q in (1, 2)]
                                + [("A", "2026Q3", 50, "unqualified")])
    year = annual(quarterly, jizhou, 2026)
    assert (year.loc[0, "score"], year.loc[0, "grade"]) == (250 / 3, "合格")
    quarterly = quarterly_table([("A", "2026Q1", 95, "excellent"), ("A", "2026Q2", 95,
                                  "excellent"), ("A", "2026Q3", 50, "unqualified"),
                                 ("A", "2026Q4", 40, "unqualified")])
    year = annual(quarterly, jizhou, 2026)
    assert (year.loc[0, "grade"], bool(year.loc[0, "appointment_ends"])) == ("不合格", True)
