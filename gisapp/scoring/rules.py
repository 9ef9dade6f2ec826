"""Read and validate a TOML scoring rule set into a typed, frozen :class:`RuleSet`.

A rule set is data (resources/rules/README.md describes the format; the presets
``ziyang_2020.toml`` and ``jizhou_2018.toml`` are commented examples). This module knows the
format and nothing of scoring: :mod:`gisapp.scoring.score` applies any rule set.

>>> rules = load_rule_set("ziyang_2020")
>>> [p.id for p in rules.parts]
['attendance_patrol', 'information_upload', 'assisting', 'public_awareness']
>>> rules.grade_for(94.5).id, rules.grade_for(95).id, rules.lowest.label
('qualified', 'excellent', '不合格')
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import tomllib

from gisapp.authenticity import FLAG_KINDS
from gisapp.errors import InputError
from gisapp.i18n import N_, _
from gisapp.schema import INSPECTOR_KINDS

FORMAT = 1
RULES_DIR = Path(__file__).resolve().parents[2] / "resources" / "rules"

PART_SOURCES = ("gps", "sheet")  # where a part's points come from
SHEET_METHODS = ("score", "awareness")
RULE_KINDS = ("full_sweep", "new_sources_missed", "review_flags", "major_accident",
              "sheet_ground")
SHEET_RULE_KINDS = ("major_accident", "sheet_ground")  # rules read from the manual sheet


@dataclass(frozen=True)
class Grade:
    """A grade (等次): reached at ``min_points`` or more; ``colour`` fills its bulletin cells."""

    id: str
    label: str
    label_en: str
    min_points: float
    colour: str | None = None


@dataclass(frozen=True)
class Rule:
    """A deduction or a veto inside a part.

    kind        what it looks at (RULE_KINDS): ``full_sweep`` the month's full sweep;
                ``new_sources_missed`` the count the caller gives; ``review_flags`` the
                authenticity flags of ``flag_kinds``; ``major_accident`` the sheet's yes/no/none
                attendance column; ``sheet_ground`` a yes/no sheet column asking ``label``
    points      deducted per occurrence (per failed sweep, per source, per flag, per yes)
    max_points  at most this much from this rule (None: up to the part's points)
    lose_part   an occurrence loses the whole part
    veto        an occurrence makes the period the lowest grade whatever the points
    ground      the rule's citation, shown in the explanation (e.g. "第二十七条（三）")
    """

    kind: str
    id: str
    points: float = 0.0
    max_points: float | None = None
    lose_part: bool = False
    veto: bool = False
    ground: str = ""
    ground_en: str = ""
    label: str = ""
    label_en: str = ""
    flag_kinds: tuple[str, ...] = ()
    min_flags: int = 1

    @property
    def reads_sheet(self) -> bool:
        return self.kind in SHEET_RULE_KINDS


@dataclass(frozen=True)
class Awareness:
    """The public-awareness survey: ``points_per_step`` off per full ``step_percent`` below
    100 %; below ``fail_below_percent`` the month is the lowest grade."""

    step_percent: float
    points_per_step: float
    fail_below_percent: float | None = None
    sample_size: int | None = None


@dataclass(frozen=True)
class Part:
    """A part of the monthly score: ``points`` at most, from ``source`` ("gps": starts full and
    loses its rules' deductions; "sheet": the bureau's sheet, by ``method`` "score" — a score
    0..points — or "awareness" — enterprises asked / enterprises that knew)."""

    id: str
    label: str
    label_en: str
    points: float
    source: str
    method: str | None = None
    awareness: Awareness | None = None
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class SheetField:
    """A column of the manual sheet: ``kind`` score / asked / knew / accident / ground."""

    id: str
    kind: str
    part: Part
    rule: Rule | None = None

    @property
    def max_points(self) -> float | None:
        return self.part.points if self.kind == "score" else None


@dataclass(frozen=True)
class QuarterRules:
    """Quarterly ranking: at most ``cap_share`` of the inspectors get ``cap_grade`` (by rank);
    ``pay`` maps grade ids to the performance-pay multiplier; with
    ``veto_months_fail_quarter`` a vetoed month makes the quarter the lowest grade."""

    cap_grade: str | None = None
    cap_share: float | None = None
    pay: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    veto_months_fail_quarter: bool = False


@dataclass(frozen=True)
class YearRules:
    """Annual roll-up: ``unqualified_quarters_fail_year`` quarters of the lowest grade make the
    year the lowest grade; ``requires_no_unqualified_quarter`` lists grades an inspector
    with such a quarter cannot get; ``appointment_ends_grade`` ends the appointment."""

    cap_grade: str | None = None
    cap_share: float | None = None
    pay: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    unqualified_quarters_fail_year: int | None = None
    requires_no_unqualified_quarter: tuple[str, ...] = ()
    appointment_ends_grade: str | None = None


@dataclass(frozen=True)
class RuleSet:
    """A district's assessment rules; grades run from the best to the lowest."""

    id: str
    name: str
    name_en: str
    citation: str
    file: str
    total_points: float
    inspector_kinds: tuple[str, ...]
    grades: tuple[Grade, ...]
    parts: tuple[Part, ...]
    quarter: QuarterRules
    year: YearRules

    @property
    def lowest(self) -> Grade:
        """The lowest grade (不合格): what a veto gives."""
        return self.grades[-1]

    def grade(self, grade_id: str) -> Grade:
        return next(g for g in self.grades if g.id == grade_id)

    def grade_for(self, points: float) -> Grade:
        """The best grade whose threshold ``points`` reaches (compared to 6 decimals, so a
        mean of 94.99999999 is not 95)."""
        points = round(float(points), 6)
        return next((g for g in self.grades if points >= g.min_points), self.lowest)

    def below(self, grade_id: str) -> Grade:
        """The grade next below ``grade_id``."""
        ids = [g.id for g in self.grades]
        return self.grades[min(ids.index(grade_id) + 1, len(ids) - 1)]

    def applies_to(self, kind) -> bool:
        """Is an inspector of ``kind`` scored by these rules? (unknown kinds are)"""
        return not self.inspector_kinds or not isinstance(kind, str) or \
            kind in self.inspector_kinds

    def sheet_fields(self) -> tuple[SheetField, ...]:
        """The manual sheet's scoring columns, in part order."""
        scores, answers = [], []  # the yes/no columns after the scores
        for part in self.parts:
            if part.source == "sheet" and part.method == "score":
                scores.append(SheetField(part.id, "score", part))
            elif part.source == "sheet" and part.method == "awareness":
                scores += [SheetField(f"{part.id}_asked", "asked", part),
                           SheetField(f"{part.id}_knew", "knew", part)]
            for rule in part.rules:
                if rule.reads_sheet:
                    kind = "accident" if rule.kind == "major_accident" else "ground"
                    answers.append(SheetField(rule.id, kind, part, rule))
        return tuple(scores + answers)

    @property
    def needs_sheet(self) -> bool:
        return bool(self.sheet_fields())

    def grade_colours(self, language: str | None = "zh_CN") -> dict[str, str]:
        """Grade label (in ``language``) -> fill colour, for the bulletin writer."""
        from gisapp.scoring.language import pick
        return {pick(g.label, g.label_en, language): g.colour for g in self.grades if g.colour}


# ---- loading ---------------------------------------------------------------------------------
def available_rule_sets() -> list[str]:
    """The preset names under resources/rules (``load_rule_set`` takes them)."""
    return sorted(p.stem for p in RULES_DIR.glob("*.toml"))


def load_rule_set(path_or_name: str | Path) -> RuleSet:
    """A rule set from a TOML file, or a preset by name (``"ziyang_2020"``).

    Raises InputError naming the file, the key (``parts[2].points``: [[parts]] tables are
    counted from 1) and the problem.
    """
    path = _locate(path_or_name)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(path, _("not valid TOML: {error}").format(error=exc)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, _("cannot be read: {error}").format(error=exc)) from exc
    return _rule_set(_Table(path, data, ""))


def _locate(path_or_name: str | Path) -> Path:
    path = Path(path_or_name)
    if path.suffix.lower() != ".toml" and not path.exists():
        preset = RULES_DIR / f"{path_or_name}.toml"
        if preset.is_file():
            return preset
        raise InputError(None, _("no rule set named {name}; presets: {presets}").format(
            name=repr(str(path_or_name)), presets=", ".join(available_rule_sets())))
    if not path.is_file():
        raise InputError(path, _("file not found"))
    return path


# ---- the format, key by key --------------------------------------------------------------------
def _rule_set(top: "_Table") -> RuleSet:
    version = top.integer("format")
    if version != FORMAT:
        raise top.error("format", _("unsupported format {value}; this version reads format "
                                    "{format}").format(value=version, format=FORMAT))
    kinds = tuple(top.texts("inspector_kinds", default=()))
    for k, kind in enumerate(kinds, 1):
        if kind not in INSPECTOR_KINDS:
            raise top.error(f"inspector_kinds[{k}]", _unknown(N_("unknown inspector kind"),
                                                              kind, INSPECTOR_KINDS))
    grades = _grades(top)
    ids = [g.id for g in grades]
    parts = tuple(_part(t, k) for k, t in enumerate(top.tables("parts"), 1))
    _unique(top, "parts", [(p.id, f"parts[{k}].id") for k, p in enumerate(parts, 1)])
    rule_keys = [(r.id, f"parts[{k}].rules[{j}].id")
                 for k, p in enumerate(parts, 1) for j, r in enumerate(p.rules, 1)]
    field_ids = {p.id for p in parts} | {f"{p.id}_{s}" for p in parts for s in ("asked", "knew")}
    _unique(top, "rules", rule_keys, taken=field_ids)
    total = top.number("total_points")
    summed = sum(p.points for p in parts)
    if not math.isclose(summed, total):
        raise top.error("total_points", _("the parts add up to {sum} points, not {total}")
                        .format(sum=_num(summed), total=_num(total)))
    rule_set = RuleSet(
        id=top.text("id"), name=top.text("name"), name_en=top.text("name_en", default=""),
        citation=top.text("citation", default=""), file=str(top.file), total_points=total,
        inspector_kinds=kinds, grades=grades, parts=parts,
        quarter=_quarter(top.table("quarter", default={}), ids),
        year=_year(top.table("year", default={}), ids))
    top.done()
    return rule_set


def _grades(top: "_Table") -> tuple[Grade, ...]:
    grades = []
    for k, t in enumerate(top.tables("grades"), 1):
        minimum = t.number("min_points")
        if grades and minimum >= grades[-1].min_points:
            raise t.error("min_points", _("grade thresholds must descend: {value} is not "
                                          "below {previous}").format(
                value=_num(minimum), previous=_num(grades[-1].min_points)))
        colour = t.text("colour", default=None)
        if colour is not None and not _is_colour(colour):
            raise t.error("colour", _("{value} is not a colour; write six hex digits like "
                                      "C6EFCE").format(value=colour))
        grades.append(Grade(t.text("id"), t.text("label"), t.text("label_en", default=""),
                            minimum, colour.upper() if colour else None))
        t.done()
    if not grades:
        raise top.error("grades", _("at least one grade is needed"))
    if grades[-1].min_points != 0:
        raise top.error(f"grades[{len(grades)}].min_points",
                        _("the lowest grade must start at 0 points"))
    _unique(top, "grades", [(g.id, f"grades[{k}].id") for k, g in enumerate(grades, 1)])
    return tuple(grades)


def _part(t: "_Table", k: int) -> Part:
    points = t.number("points", low=0)
    source = t.text("source")
    if source not in PART_SOURCES:
        raise t.error("source", _unknown(N_("unknown source kind"), source, PART_SOURCES))
    method = awareness = None
    if source == "sheet":
        method = t.text("method", default="score")
        if method not in SHEET_METHODS:
            raise t.error("method", _unknown(N_("unknown method"), method, SHEET_METHODS))
        if method == "awareness":
            awareness = Awareness(
                step_percent=t.number("step_percent", low=0, high=100, open_low=True),
                points_per_step=t.number("points_per_step", low=0),
                fail_below_percent=t.number("fail_below_percent", default=None, low=0,
                                            high=100),
                sample_size=t.integer("sample_size", default=None, low=1))
    rules = tuple(_rule(r, points) for r in t.tables("rules", default=[]))
    part = Part(t.text("id"), t.text("label"), t.text("label_en", default=""), points, source,
                method, awareness, rules)
    t.done()
    return part


def _rule(t: "_Table", part_points: float) -> Rule:
    kind = t.text("kind")
    if kind not in RULE_KINDS:
        raise t.error("kind", _unknown(N_("unknown rule kind"), kind, RULE_KINDS))
    flag_kinds, min_flags, label, label_en = (), 1, "", ""
    if kind == "review_flags":
        flag_kinds = tuple(t.texts("flag_kinds"))
        for j, flag in enumerate(flag_kinds, 1):
            if flag not in FLAG_KINDS:
                raise t.error(f"flag_kinds[{j}]", _unknown(N_("unknown flag kind"), flag,
                                                           FLAG_KINDS))
        min_flags = t.integer("min_flags", default=1, low=1)
    if kind == "sheet_ground":
        label, label_en = t.text("label"), t.text("label_en", default="")
    rule = Rule(
        kind=kind, id=t.text("id", default=None) or kind,
        points=t.number("points", default=0.0, low=0, high=part_points),
        max_points=t.number("max_points", default=None, low=0, high=part_points),
        lose_part=t.boolean("lose_part", default=False), veto=t.boolean("veto", default=False),
        ground=t.text("ground", default=""), ground_en=t.text("ground_en", default=""),
        label=label, label_en=label_en, flag_kinds=flag_kinds, min_flags=min_flags)
    if kind == "sheet_ground" and rule.id == kind:
        raise t.error("id", _("missing: a sheet_ground rule needs an id (its sheet column)"))
    if not (rule.points or rule.lose_part or rule.veto):
        raise t.error("kind", _("the rule has no effect; give points, lose_part = true or "
                                "veto = true"))
    t.done()
    return rule


def _quarter(t: "_Table", grade_ids: list[str]) -> QuarterRules:
    cap_grade, cap_share = _cap(t, grade_ids)
    out = QuarterRules(cap_grade, cap_share, _pay(t, grade_ids),
                       t.boolean("veto_months_fail_quarter", default=False))
    t.done()
    return out


def _year(t: "_Table", grade_ids: list[str]) -> YearRules:
    cap_grade, cap_share = _cap(t, grade_ids)
    requires = tuple(t.texts("requires_no_unqualified_quarter", default=()))
    for j, grade in enumerate(requires, 1):
        _grade_id(t, f"requires_no_unqualified_quarter[{j}]", grade, grade_ids)
    ends = t.text("appointment_ends_grade", default=None)
    if ends is not None:
        _grade_id(t, "appointment_ends_grade", ends, grade_ids)
    out = YearRules(cap_grade, cap_share, _pay(t, grade_ids),
                    t.integer("unqualified_quarters_fail_year", default=None, low=1, high=4),
                    requires, ends)
    t.done()
    return out


def _cap(t: "_Table", grade_ids: list[str]) -> tuple[str | None, float | None]:
    grade = t.text("cap_grade", default=None)
    share = t.number("cap_share", default=None, low=0, high=1, open_low=True)
    if grade is not None:
        _grade_id(t, "cap_grade", grade, grade_ids)
        if grade == grade_ids[-1]:
            raise t.error("cap_grade", _("the lowest grade cannot be capped"))
    if (grade is None) != (share is None):
        raise t.error("cap_share" if share is None else "cap_grade",
                      _("missing: cap_grade and cap_share go together"))
    return grade, share


def _pay(t: "_Table", grade_ids: list[str]) -> Mapping[str, float]:
    pay = t.table("pay", default={})
    out = {}
    for grade in list(pay.data):
        _grade_id(pay, grade, grade, grade_ids)
        out[grade] = pay.number(grade, low=0)
    pay.done()
    return MappingProxyType(out)


def _grade_id(t: "_Table", key: str, value: str, grade_ids: list[str]) -> None:
    if value not in grade_ids:
        raise t.error(key, _("{value} is not a grade id; grades: {allowed}").format(
            value=repr(value), allowed=", ".join(grade_ids)))


def _unique(top: "_Table", what: str, pairs: list[tuple[str, str]],
            taken: set[str] = frozenset()) -> None:
    seen = set(taken)
    for value, key in pairs:
        if value in seen:
            raise InputError(top.file, _("key {key}: duplicate id {value}").format(
                key=key, value=repr(value)))
        seen.add(value)


def _unknown(problem: str, value, allowed) -> str:
    return _("{problem} {value}; allowed: {allowed}").format(
        problem=_(problem), value=repr(value), allowed=", ".join(allowed))


def _num(value: float) -> str:
    return f"{value:g}"


def _is_colour(text: str) -> bool:
    return len(text) == 6 and all(c in "0123456789abcdefABCDEF" for c in text)


_MISSING = object()
_EXPECTED = {
    "text": N_("text"), "number": N_("a number"), "integer": N_("a whole number"),
    "boolean": N_("true or false"), "texts": N_("a list of text"), "table": N_("a table"),
    "tables": N_("a list of tables ([[...]])"),
}


class _Table:
    """One TOML table being read: typed getters that name the key in their errors, and a
    final check that no unknown (misspelt) key is left."""

    def __init__(self, file: Path, data: dict, where: str):
        self.file, self.data, self.where = file, data, where
        self.read: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def error(self, name: str, problem: str) -> InputError:
        return InputError(self.file, _("key {key}: {problem}").format(key=self.key(name),
                                                                      problem=problem))

    def _get(self, name: str, default, ok, expected: str):
        self.read.add(name)
        if name not in self.data:
            if default is _MISSING:
                near = difflib.get_close_matches(name, [k for k in self.data if k != name], 1)
                raise self.error(name, _("missing (the table has {key}: misspelt?)").format(
                    key=near[0]) if near else _("missing"))
            return default
        value = self.data[name]
        if not ok(value):
            raise self.error(name, _("expected {expected}, found {value}").format(
                expected=_(_EXPECTED[expected]), value=repr(value)))
        return value

    def text(self, name, default=_MISSING) -> str:
        value = self._get(name, default, lambda v: isinstance(v, str), "text")
        if isinstance(value, str) and name in self.data and not value.strip():
            raise self.error(name, _("empty text"))
        return value

    def texts(self, name, default=_MISSING) -> list[str]:
        return self._get(name, default, lambda v: isinstance(v, list) and all(
            isinstance(x, str) for x in v), "texts")

    def boolean(self, name, default=_MISSING) -> bool:
        return self._get(name, default, lambda v: isinstance(v, bool), "boolean")

    def number(self, name, default=_MISSING, low=None, high=None, open_low=False):
        value = self._get(name, default, lambda v: isinstance(v, (int, float))
                          and not isinstance(v, bool) and math.isfinite(v), "number")
        if value is not None and value is not default:
            self._within(name, value, low, high, open_low)
            return float(value)
        return value

    def integer(self, name, default=_MISSING, low=None, high=None):
        value = self._get(name, default, lambda v: isinstance(v, int)
                          and not isinstance(v, bool), "integer")
        if value is not None and value is not default:
            self._within(name, value, low, high, False)
        return value

    def _within(self, name, value, low, high, open_low):
        if (low is not None and (value < low or (open_low and value == low))) or \
                (high is not None and value > high):
            shown_low = "" if low is None else (f"({_num(low)}" if open_low else f"[{_num(low)}")
            shown_high = "" if high is None else f"{_num(high)}]"
            raise self.error(name, _("{value} is out of range {low}, {high}").format(
                value=_num(value), low=shown_low or "(-∞", high=shown_high or "∞)"))

    def table(self, name, default=_MISSING) -> "_Table":
        value = self._get(name, default, lambda v: isinstance(v, dict), "table")
        return _Table(self.file, value, self.key(name))

    def tables(self, name, default=_MISSING) -> list["_Table"]:
        value = self._get(name, default, lambda v: isinstance(v, list) and all(
            isinstance(x, dict) for x in v), "tables")
        return [_Table(self.file, v, f"{self.key(name)}[{k}]") for k, v in enumerate(value, 1)]

    def done(self) -> None:
        unknown = [k for k in self.data if k not in self.read]
        if unknown:
            allowed = ", ".join(sorted(self.read)) or "-"
            raise self.error(unknown[0], _("unknown key; allowed here: {allowed}")
                             .format(allowed=allowed))
