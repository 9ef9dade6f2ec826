"""Apply a rule set: monthly scores from coverage and the manual sheet, the quarterly ranking
with its quota of the top grade, and the annual roll-up.

Every deduction and every grade that is not simply the threshold grade is explained in words
(``deductions``, ``grade_reason``), in ``language`` — Chinese by default, since these tables
become the bureau's bulletins; ``language=None`` follows the application's language.

Typical use, for one quarter (the CLI's ``gisapp score PROJECT --quarter 2026Q3``)::

    rules = load_rule_set("ziyang_2020")
    months = []
    for month in quarter_months("2026Q3"):             # "2026-07", "2026-08", "2026-09"
        result = compute_coverage(project, *month_bounds(month))
        sheet = read_sheet(f"sheet_{month}.xlsx", rules)  # or None: grades are provisional
        months.append(score_month(result.inspectors, sheet, rules, month, result.flags))
    monthly = pd.concat(months, ignore_index=True)
    quarterly = rank_quarter(monthly, rules, "2026Q3")
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd

from gisapp.errors import InputError
from gisapp.i18n import N_, _
from gisapp.scoring.language import pick, points_text, translator
from gisapp.scoring.periods import parse_month, parse_quarter, quarter_months
from gisapp.scoring.rules import Part, Rule, RuleSet

MINUS = "\u2212"  # the minus sign of the deduction texts: "−10"

# authenticity flag kinds as the explanations name them (gisapp.authenticity.FLAG_KINDS)
FLAG_LABELS = {
    "stationary_day": N_("stationary all day"),
    "copied_day": N_("day copied from another day"),
    "teleports": N_("teleporting fixes"),
    "short_visits": N_("visits just long enough to count"),
    "off_hours": N_("patrol outside working hours"),
    "non_working_day": N_("patrol on a non-working day"),
}
_MAX_NAMES = 10  # missed sources named in a deduction; the bulletin lists them all

MONTH_HEAD = ["inspector_id", "name", "kind", "month"]
MONTH_TAIL = ["total", "points_max", "grade_id", "grade", "provisional", "veto", "deductions",
              "pending"]
QUARTER_COLUMNS = ["quarter", "inspector_id", "name", "kind", "months_scored",
                   "months_provisional", "score", "score_max", "rank", "grade_id", "grade",
                   "grade_reason", "pay_multiplier", "provisional"]
YEAR_COLUMNS = ["year", "inspector_id", "name", "kind", "quarters_scored",
                "unqualified_quarters", "score", "score_max", "rank", "grade_id", "grade",
                "grade_reason", "pay_multiplier", "appointment_ends", "provisional"]


# ---- the month ---------------------------------------------------------------------------
def score_month(coverage_inspectors: pd.DataFrame, sheet: pd.DataFrame | None,
                rule_set: RuleSet, month, flags: pd.DataFrame | None = None,
                new_sources_missed: pd.Series | None = None, *,
                language: str | None = "zh_CN") -> pd.DataFrame:
    """One row per inspector the rule set applies to: the points of every part, the total,
    the grade, and every deduction explained.

    coverage_inspectors  ``CoverageResult.inspectors`` of the month (inspector_id, name,
                         kind, full_sweep, sources_required, sources_visited,
                         missed_source_names; the other columns are not read)
    sheet                ``read_sheet(...)`` of the month, or None: the sheet's parts are
                         then <NA>, the total <NA> and the grade provisional (暂定)
    month                ``"2026-10"``; a sheet whose 月份 column names another month is
                         refused
    flags                the authenticity flags a reviewer upheld (``CoverageResult.flags``
                         or a subset): read by ``review_flags`` rules
    new_sources_missed   inspector_id -> new sources not found or not reported (absent: 0)

    Columns: inspector_id, name, kind, month, one column per part id (points, Float64),
    total, points_max (the most the total can still be), grade_id, grade (label in
    ``language``), provisional, veto (why the month is the lowest grade whatever its
    points, "" when not), deductions ("全覆盖巡查未完成（漏查 2 处：…）−10；…"), pending
    (what the sheet has not scored yet). ``frame.attrs["notes"]`` lists inspectors left out.
    """
    month = parse_month(month)
    _ = translator(language)
    notes: list[str] = []
    people = _scored_inspectors(coverage_inspectors, rule_set, notes, _, language)
    sheet_rows = _sheet_rows(sheet, people["inspector_id"], month, notes, _)
    flag_counts = _flag_counts(flags)
    new_missed = _new_sources(new_sources_missed)
    context = _Context(rule_set, _, language)
    rows = [_score_inspector(person, sheet_rows.get(person["inspector_id"]),
                             flag_counts.get(person["inspector_id"], Counter()),
                             new_missed.get(person["inspector_id"], 0), context)
            for person in people.to_dict("records")]
    frame = _month_frame(rows, rule_set, month)
    frame.attrs["notes"] = notes
    return frame


@dataclass
class _Context:
    rules: RuleSet
    tr: Callable[[str], str]
    language: str | None

    def grade_label(self, grade) -> str:
        return pick(grade.label, grade.label_en, self.language)


@dataclass
class _PartOutcome:
    """A part's points so far (None: none yet), the most they can be, the explanations, and
    what the sheet has still to say (``missing``: the points may yet go down)."""

    value: float | None
    upper: float
    texts: list[str] = field(default_factory=list)
    vetoes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _scored_inspectors(coverage: pd.DataFrame, rule_set: RuleSet, notes: list[str], _,
                       language: str | None) -> pd.DataFrame:
    people = coverage.copy()
    for column in ("name", "kind"):
        if column not in people:
            people[column] = pd.NA
    people["inspector_id"] = people["inspector_id"].astype(str)
    keep = people["kind"].map(rule_set.applies_to).astype(bool)
    if (~keep).any():
        notes.append(_("{count} inspectors of other kinds are not scored by {rules}").format(
            count=int((~keep).sum()), rules=pick(rule_set.name, rule_set.name_en, language)))
    return people[keep].sort_values("inspector_id", ignore_index=True)


def _sheet_rows(sheet: pd.DataFrame | None, ids: pd.Series, month: str, notes: list[str], _
                ) -> dict[str, dict]:
    if sheet is None:
        return {}
    _check_sheet_month(sheet, month)
    rows = {str(r["inspector_id"]): r for r in sheet.to_dict("records")}
    unknown = sorted(set(rows) - set(ids))
    if unknown:
        notes.append(_("sheet rows of inspectors not scored this month: {ids}").format(
            ids=", ".join(unknown)))
    missing = sorted(set(ids) - set(rows))
    if missing:
        notes.append(_("inspectors missing from the sheet: {ids}").format(
            ids=", ".join(missing)))
    return rows


def _check_sheet_month(sheet: pd.DataFrame, month: str) -> None:
    file = sheet.attrs.get("file")
    for row, value in (sheet["month"].items() if "month" in sheet else ()):
        if pd.notna(value) and parse_month(value) != month:
            raise InputError(file, _("the sheet is for {found}, not {month}").format(
                found=parse_month(value), month=month), row=row if file else None)


def _flag_counts(flags: pd.DataFrame | None) -> dict[str, Counter]:
    if flags is None or not len(flags):
        return {}
    out: dict[str, Counter] = {}
    for inspector_id, kind in zip(flags["inspector_id"].astype(str), flags["kind"].astype(str)):
        out.setdefault(inspector_id, Counter())[kind] += 1
    return out


def _new_sources(counts: pd.Series | None) -> dict[str, int]:
    if counts is None:
        return {}
    counts = pd.to_numeric(counts, errors="raise").fillna(0)
    return {str(k): int(v) for k, v in counts.items()}


def _score_inspector(person: dict, sheet_row: dict | None, flags: Counter, new_missed: int,
                     ctx: _Context) -> dict:
    _ = ctx.tr
    outcomes = {part.id: _score_part(part, person, sheet_row, flags, new_missed, ctx)
                for part in ctx.rules.parts}
    texts = [t for o in outcomes.values() for t in o.texts]
    vetoes = [v for o in outcomes.values() for v in o.vetoes]
    known = all(o.value is not None and not o.missing for o in outcomes.values())
    total = sum(o.value for o in outcomes.values()) if known else None
    points_max = sum(o.upper for o in outcomes.values())
    if vetoes:
        grade = ctx.rules.lowest
        texts += [_("{reason}: the month is {grade}").format(reason=v,
                                                               grade=ctx.grade_label(grade))
                  for v in vetoes]
    elif known:
        grade = ctx.rules.grade_for(total)
    else:
        grade = None
    pending = [m for o in outcomes.values() for m in o.missing]
    return {
        **{k: person.get(k) for k in ("inspector_id", "name", "kind")},
        **{part_id: o.value for part_id, o in outcomes.items()},
        "total": total, "points_max": points_max,
        "grade_id": grade.id if grade else None,
        "grade": ctx.grade_label(grade) if grade else _provisional(
            ctx.rules.grade_for(points_max), ctx),
        "provisional": grade is None,
        "veto": _("; ").join(vetoes),
        "deductions": _("; ").join(texts),
        "pending": _("not yet scored: {parts}").format(parts=_(", ").join(pending))
        if pending else "",
    }


def _provisional(best, ctx: _Context) -> str:
    _ = ctx.tr
    return _("provisional (at most {grade})").format(grade=ctx.grade_label(best))


def _score_part(part: Part, person: dict, sheet_row: dict | None, flags: Counter,
                new_missed: int, ctx: _Context) -> _PartOutcome:
    """The part's starting points, then its rules in order, never below 0."""
    _ = ctx.tr
    out = _starting_points(part, sheet_row, ctx)
    for rule in part.rules:
        occurrences, what = _occurrences(rule, person, sheet_row, flags, new_missed, ctx)
        if occurrences is None:  # the sheet has not answered yet: the rule may still apply
            out.missing.append(what)
            continue
        if not occurrences:
            continue
        if rule.lose_part or rule.points:
            _deduct(out, part, rule, occurrences, what, ctx)
        if rule.veto:
            ground = pick(rule.ground, rule.ground_en, ctx.language)
            out.vetoes.append(_("{what} ({ground})").format(what=what, ground=ground)
                              if ground else what)
    return out


def _starting_points(part: Part, row: dict | None, ctx: _Context) -> _PartOutcome:
    _ = ctx.tr
    label = pick(part.label, part.label_en, ctx.language)
    if part.source == "gps":
        return _PartOutcome(part.points, part.points)
    if part.method == "score":
        score = _value(row, part.id)
        if score is None:
            return _PartOutcome(None, part.points, missing=[label])
        out = _PartOutcome(float(score), float(score))
        if score < part.points:
            what = _("{part}: assessed {points} of {max}").format(
                part=label, points=points_text(score), max=points_text(part.points))
            out.texts.append(_minus(what, part.points - score, _))
        return out
    return _awareness(part, row, label, ctx)


def _awareness(part: Part, row: dict | None, label: str, ctx: _Context) -> _PartOutcome:
    """Points off per full step below 100 % (exact fractions: 7 of 10 is 3 steps, not 2.99)."""
    _, rule = ctx.tr, part.awareness
    asked, knew = _value(row, f"{part.id}_asked"), _value(row, f"{part.id}_knew")
    if asked is None or knew is None or asked == 0:
        return _PartOutcome(None, part.points, missing=[label])
    share = Fraction(int(knew), int(asked))
    steps = math.floor((1 - share) / (Fraction(str(rule.step_percent)) / 100))
    lost = min(steps * rule.points_per_step, part.points)
    out = _PartOutcome(part.points - lost, part.points - lost)
    rate = points_text(float(share) * 100)
    if lost:
        what = _("{part} {rate}% ({knew} of {asked} enterprises knew their inspector)").format(
            part=label, rate=rate, knew=int(knew), asked=int(asked))
        out.texts.append(_minus(what, lost, _))
    if rule.fail_below_percent is not None and share * 100 < Fraction(
            str(rule.fail_below_percent)):
        out.vetoes.append(_("{part} {rate}% is below {limit}%").format(
            part=label, rate=rate, limit=points_text(rule.fail_below_percent)))
    return out


def _occurrences(rule: Rule, person: dict, row: dict | None, flags: Counter, new_missed: int,
                 ctx: _Context) -> tuple[int | None, str]:
    """How often the rule's fault happened this month (None: unknown yet), and its words."""
    _ = ctx.tr
    if rule.kind == "full_sweep":
        if not _is_false(person.get("full_sweep")):
            return 0, ""
        names = _names(person.get("missed_source_names"))
        count = _missed_count(person, names)
        shown = _(", ").join(names[:_MAX_NAMES])
        if len(names) > _MAX_NAMES:
            shown = _("{names} etc.").format(names=shown)
        if names:
            what = _("full sweep not completed (missed {count}: {names})").format(
                count=count, names=shown)
        else:
            what = _("full sweep not completed (missed {count})").format(count=count)
        return 1, what
    if rule.kind == "new_sources_missed":
        return new_missed, _("new enterprises not found or not reported in time: {count}") \
            .format(count=new_missed)
    if rule.kind == "review_flags":
        counts = {k: flags.get(k, 0) for k in rule.flag_kinds if flags.get(k, 0)}
        total = sum(counts.values())
        if total < rule.min_flags:
            return 0, ""
        kinds = _(", ").join(_("{kind} {count}").format(
            kind=_app_or(FLAG_LABELS.get(k), k, _), count=n) for k, n in counts.items())
        return total, _("patrol tracks flagged: {kinds}").format(kinds=kinds)
    answer = _value(row, rule.id)
    if rule.kind == "major_accident":
        if answer is None:
            return None, _("major accident attendance")
        return int(answer == "no"), _("did not arrive promptly at a major accident in the "
                                      "grid")
    label = pick(rule.label, rule.label_en, ctx.language)  # sheet_ground
    return (None if answer is None else int(bool(answer))), label


def _deduct(out: _PartOutcome, part: Part, rule: Rule, occurrences: int, what: str,
            ctx: _Context) -> None:
    _ = ctx.tr
    current = out.value if out.value is not None else out.upper
    if rule.lose_part:
        nominal = part.points
        what = _("{what}: the whole part {part} is lost").format(
            what=what, part=pick(part.label, part.label_en, ctx.language))
    else:
        nominal = rule.points * occurrences
        if rule.max_points is not None:
            nominal = min(nominal, rule.max_points)
    taken = min(nominal, current)
    if taken < nominal and not rule.lose_part:
        out.texts.append(_("{what} {minus}{points} (the part cannot go below 0)").format(
            what=what, minus=MINUS, points=points_text(taken)))
    else:
        out.texts.append(_minus(what, taken, _))
    out.upper -= taken
    if out.value is not None:
        out.value -= taken


def _minus(what: str, points: float, _) -> str:
    return _("{what} {minus}{points}").format(what=what, minus=MINUS,
                                               points=points_text(points))


def _app_or(message: str | None, fallback: str, _) -> str:
    return _(message) if message else fallback


def _value(row: dict | None, key: str):
    if row is None:
        return None
    value = row.get(key)
    return None if value is None or value is pd.NA or (
        isinstance(value, float) and math.isnan(value)) else value


def _is_false(value) -> bool:
    return value is not None and value is not pd.NA and not (
        isinstance(value, float) and math.isnan(value)) and not bool(value)


def _names(text) -> list[str]:
    if not isinstance(text, str):
        return []
    return [n.strip() for n in text.split(";") if n.strip()]


def _missed_count(person: dict, names: list[str]) -> int:
    required, visited = person.get("sources_required"), person.get("sources_visited")
    try:
        return int(required) - int(visited)
    except (TypeError, ValueError):
        return len(names)


def _month_frame(rows: list[dict], rule_set: RuleSet, month: str) -> pd.DataFrame:
    parts = [p.id for p in rule_set.parts]
    frame = pd.DataFrame(rows, columns=MONTH_HEAD + parts + MONTH_TAIL)
    frame["month"] = month
    for column in ("inspector_id", "name", "kind", "month", "grade_id", "grade", "veto",
                   "deductions", "pending"):
        frame[column] = frame[column].astype("string")
    for column in parts + ["total", "points_max"]:
        frame[column] = pd.array(frame[column].astype(object).where(frame[column].notna()),
                                 dtype="Float64")
    frame["provisional"] = frame["provisional"].astype(bool)
    return frame


# ---- the quarter -------------------------------------------------------------------------
def rank_quarter(monthly_scores: pd.DataFrame, rule_set: RuleSet, quarter, *,
                 language: str | None = "zh_CN") -> pd.DataFrame:
    """The quarterly ranking from ``score_month`` rows (several months concatenated; those
    outside the quarter are ignored).

    score is the mean of the inspector's monthly totals; rank is by score (ties share a
    rank); the grade follows the thresholds, except: a vetoed month fails the quarter when
    the rule set says so; the capped grade goes to at most floor(cap_share × inspectors) of
    them, by rank — the others drop one grade and ``grade_reason`` says why; a quarter with a
    provisional month is provisional. pay_multiplier comes from ``[quarter.pay]``.

    Columns: quarter, inspector_id, name, kind, months_scored, months_provisional, score,
    score_max, rank, grade_id, grade, grade_reason, pay_multiplier, provisional.
    """
    year, q = parse_quarter(quarter)
    label = f"{year}Q{q}"
    ctx = _Context(rule_set, translator(language), language)
    _ = ctx.tr
    months = monthly_scores[monthly_scores["month"].astype(str).isin(quarter_months(label))]
    rows = []
    for inspector_id, group in months.groupby("inspector_id", sort=True):
        group = group.sort_values("month")
        row = _roll_up(inspector_id, group, group["total"], group["points_max"],
                       group["provisional"].astype(bool))
        row.update(quarter=label, months_scored=len(group),
                   months_provisional=int(group["provisional"].astype(bool).sum()))
        vetoed = group[group["veto"].fillna("").astype(str) != ""]
        if rule_set.quarter.veto_months_fail_quarter and len(vetoed):
            grade = rule_set.lowest
            reasons = [_("{month}: {veto}").format(month=m, veto=v)
                       for m, v in zip(vetoed["month"], vetoed["veto"])]
            row["grade_reason"] = _("{reasons}; the quarter is {grade}").format(
                reasons=_("; ").join(reasons), grade=ctx.grade_label(grade))
            _set_grade(row, grade, ctx)
        rows.append(row)
    frame = _period_frame(rows, QUARTER_COLUMNS, ctx)
    _apply_cap(frame, rule_set.quarter.cap_grade, rule_set.quarter.cap_share, ctx)
    return _finish_period(frame, rule_set.quarter.pay, QUARTER_COLUMNS)


def _roll_up(inspector_id, group: pd.DataFrame, scores: pd.Series, maxima: pd.Series,
             provisional: pd.Series) -> dict:
    """Mean score of the periods (NA while any is provisional) and the most it can be."""
    scores = pd.to_numeric(scores.astype("Float64"), errors="coerce").astype(float)
    maxima = pd.to_numeric(maxima.astype("Float64"), errors="coerce").astype(float)
    bound = scores.where(scores.notna(), maxima)
    pending = bool(provisional.any()) or bool(scores.isna().any())
    return {"inspector_id": str(inspector_id), "name": _first(group, "name"),
            "kind": _first(group, "kind"),
            "score": None if pending else float(scores.mean()),
            "score_max": float(bound.mean()) if bound.notna().all() else None,
            "provisional": pending, "grade_id": None, "grade": None, "grade_reason": ""}


def _first(group: pd.DataFrame, column: str):
    if column not in group:
        return None
    values = group[column].dropna()
    return values.iloc[0] if len(values) else None


def _set_grade(row: dict, grade, ctx: _Context) -> None:
    row["grade_id"], row["grade"] = grade.id, ctx.grade_label(grade)
    row["provisional"] = False  # a veto is final whatever the sheet will say


def _period_frame(rows: list[dict], columns: list[str], ctx: _Context) -> pd.DataFrame:
    for row in rows:
        if row["grade_id"] is not None:
            continue
        if row["score"] is not None:
            _set_grade(row, ctx.rules.grade_for(row["score"]), ctx)
        elif row["score_max"] is not None:
            row["grade"] = _provisional(ctx.rules.grade_for(row["score_max"]), ctx)
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("score", "score_max"):
        frame[column] = pd.array(frame[column].astype(object).where(frame[column].notna()),
                                 dtype="Float64")
    return frame


def _apply_cap(frame: pd.DataFrame, cap_grade: str | None, share: float | None,
               ctx: _Context) -> None:
    """At most floor(share × inspectors) keep ``cap_grade``: the best scores, ties broken
    by inspector ID (and said so); the others get the next grade down, with the reason."""
    if cap_grade is None or not len(frame):
        return
    total = len(frame)
    places = math.floor(share * total + 1e-9)
    holders = frame[frame["grade_id"] == cap_grade].sort_values(
        ["score", "inspector_id"], ascending=[False, True])
    if len(holders) <= places:
        return
    _, capped = ctx.tr, ctx.rules.grade(cap_grade)
    lower = ctx.rules.below(cap_grade)
    last_kept = holders["score"].iloc[places - 1] if places else None
    ranks = _ranks(frame["score"])
    for index in holders.index[places:]:
        reason = _("{capped} places are capped at {share}% of {count} inspectors: {places}; "
                    "ranked {rank}, so {grade}").format(
            capped=ctx.grade_label(capped), share=points_text(share * 100), count=total,
            places=places, rank=int(ranks[index]), grade=ctx.grade_label(lower))
        if last_kept is not None and frame.at[index, "score"] == last_kept:
            reason += _("; tied with the last {capped} place, ties go by inspector ID").format(
                capped=ctx.grade_label(capped))
        frame.loc[index, ["grade_id", "grade"]] = [lower.id, ctx.grade_label(lower)]
        frame.at[index, "grade_reason"] = _joined(frame.at[index, "grade_reason"], reason, _)


def _joined(first: str, second: str, _) -> str:
    return _("; ").join(t for t in (first, second) if t)


def _ranks(scores: pd.Series) -> pd.Series:
    """Competition ranks (1, 2, 2, 4) by score, best first; <NA> without a score."""
    values = scores.astype("Float64")
    return values.rank(method="min", ascending=False).astype("Int64")


def _finish_period(frame: pd.DataFrame, pay, columns: list[str]) -> pd.DataFrame:
    frame["rank"] = _ranks(frame["score"])
    frame["pay_multiplier"] = pd.array(
        [pay.get(g) if isinstance(g, str) else None for g in frame["grade_id"]], dtype="Float64")
    for column in ("inspector_id", "name", "kind", "grade_id", "grade", "grade_reason"):
        frame[column] = frame[column].astype("string")
    frame["provisional"] = frame["provisional"].astype(bool)
    order = frame.assign(_missing=frame["rank"].isna()).sort_values(
        ["_missing", "rank", "inspector_id"], kind="stable").index
    return frame.loc[order, columns].reset_index(drop=True)


# ---- the year ----------------------------------------------------------------------------
def annual(quarterly: pd.DataFrame, rule_set: RuleSet, year, *,
           language: str | None = "zh_CN") -> pd.DataFrame:
    """The annual roll-up from ``rank_quarter`` rows (several quarters concatenated; those of
    other years are ignored).

    score is the mean of the quarterly scores. The grade follows the thresholds, except:
    ``unqualified_quarters_fail_year`` quarters of the lowest grade make the year the lowest
    grade; a grade in ``requires_no_unqualified_quarter`` is out of reach after such a
    quarter; the capped grade goes to at most floor(cap_share × inspectors), by rank.
    appointment_ends is true for ``appointment_ends_grade`` (不合格: 不得再担任).

    Columns: year, inspector_id, name, kind, quarters_scored, unqualified_quarters, score,
    score_max, rank, grade_id, grade, grade_reason, pay_multiplier, appointment_ends,
    provisional.
    """
    year = int(year)
    ctx = _Context(rule_set, translator(language), language)
    _, lowest, rules = ctx.tr, rule_set.lowest, rule_set.year
    chosen = quarterly[quarterly["quarter"].astype(str).str.startswith(f"{year}Q")]
    rows = []
    for inspector_id, group in chosen.groupby("inspector_id", sort=True):
        row = _roll_up(inspector_id, group, group["score"], group["score_max"],
                       group["provisional"].astype(bool))
        failed = int((group["grade_id"].astype("string") == lowest.id).fillna(False).sum())
        row.update(year=year, quarters_scored=len(group), unqualified_quarters=failed)
        if rules.unqualified_quarters_fail_year and failed >= rules.unqualified_quarters_fail_year:
            row["grade_reason"] = _("{count} quarters {grade} in {year}: the year is {grade}") \
                .format(count=failed, grade=ctx.grade_label(lowest), year=year)
            _set_grade(row, lowest, ctx)
        elif row["score"] is not None and failed:
            grade = rule_set.grade_for(row["score"])
            if grade.id in rules.requires_no_unqualified_quarter:
                held = grade
                while grade.id in rules.requires_no_unqualified_quarter:
                    grade = rule_set.below(grade.id)
                row["grade_reason"] = _(
                    "{count} quarter(s) {lowest}, so not {held} but {grade}").format(
                    count=failed, lowest=ctx.grade_label(lowest), held=ctx.grade_label(held),
                    grade=ctx.grade_label(grade))
                _set_grade(row, grade, ctx)
        rows.append(row)
    frame = _period_frame(rows, [c for c in YEAR_COLUMNS if c != "appointment_ends"], ctx)
    _apply_cap(frame, rules.cap_grade, rules.cap_share, ctx)
    frame["appointment_ends"] = (frame["grade_id"] == rules.appointment_ends_grade) \
        .fillna(False).astype(bool) if rules.appointment_ends_grade else False
    return _finish_period(frame, rules.pay, YEAR_COLUMNS)
