"""The manual sheet: the parts of the score the bureau assesses by hand (information upload,
assisting work, the public-awareness survey, major-accident attendance, …), one row per
inspector. The app writes the template (XLSX or CSV), the bureau fills it, the app reads it
back, checking every cell.

Which columns the sheet has follows the rule set (``RuleSet.sheet_fields``): a score column
0..points per "sheet" part of method "score"; enterprises asked / enterprises that knew their
inspector for the "awareness" part; 是/否/无 for major-accident attendance (是 arrived in time,
否 did not, 无 no major accident that month; empty = 无); 是/否 for a ``sheet_ground`` rule.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from gisapp.errors import InputError
from gisapp.i18n import _
from gisapp.io.tables import field_texts, read_table, resolve_columns
from gisapp.reports.xlsx import atomic_target, fill_sheet, fit_widths
from gisapp.scoring.language import pick, points_text, translator
from gisapp.scoring.periods import parse_month
from gisapp.scoring.rules import RuleSet, SheetField

# cell texts -> values (compared lower-case, spaces removed)
ACCIDENT_VALUES = {
    "是": "yes", "yes": "yes", "y": "yes", "√": "yes", "✓": "yes", "到场": "yes",
    "否": "no", "no": "no", "n": "no", "×": "no", "✗": "no", "未到场": "no",
    "无": "none", "none": "none", "n/a": "none", "-": "none", "—": "none", "没有": "none",
    "无事故": "none",
}
YES_NO_VALUES = {"是": True, "yes": True, "y": True, "√": True, "✓": True, "true": True,
                 "否": False, "no": False, "n": False, "×": False, "✗": False, "false": False}
FIXED = ("inspector_id", "name", "month")


def write_template(path: str | Path, inspectors: pd.DataFrame, month, rule_set: RuleSet,
                   language: str | None = "zh_CN") -> Path:
    """The sheet to fill for ``month``: one row per inspector the rule set applies to.

    ``inspectors`` needs inspector_id and name (kind, when present, selects the inspectors
    of ``rule_set.inspector_kinds``): the project's inspectors table or a coverage result's.
    ``path`` ends in .xlsx (title row, styled frozen header, drop-down lists for the yes/no
    columns, range checks on the scores, an instructions sheet) or .csv (UTF-8 with BOM).
    Headers are Chinese by default; ``read_sheet`` reads either language.
    """
    path = Path(path)
    month = parse_month(month)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputError(path, _("a sheet template is .xlsx or .csv, not {suffix}").format(
            suffix=repr(suffix)))
    table = _template_rows(inspectors, month, rule_set, language)
    if suffix == ".csv":
        with atomic_target(path) as temporary:
            table.to_csv(temporary, index=False, encoding="utf-8-sig")
        return path
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_name(language)
    fill_sheet(sheet, table, _template_title(month, rule_set, language))
    sheet.freeze_panes = "C3"  # the header and who the row is about stay in view
    _validations(sheet, rule_set, len(table), language)
    _instructions(book, rule_set, month, language)
    with atomic_target(path) as temporary:
        book.save(temporary)
    return path


def read_sheet(path: str | Path, rule_set: RuleSet) -> pd.DataFrame:
    """The filled sheet, checked: one row per inspector, index = the spreadsheet's row
    numbers, ``attrs["file"]`` the path.

    Columns: inspector_id, name, month ("2026-10" or <NA>), then per sheet field of the rule
    set: a part's score (Float64, 0..points), ``<part>_asked`` / ``<part>_knew`` (Int64),
    major-accident attendance ("yes" / "no" / "none"), a ground (boolean); notes. Empty cells
    are <NA>: that part is not scored yet. Headers may be Chinese or English (the template's)
    or the column ids. Raises InputError naming the file, row, column and problem: a score
    outside 0..points, a count that is not a whole number, more enterprises knowing than
    asked, one of the two counts without the other, an unknown answer, a missing or repeated
    inspector ID.
    """
    table = read_table(path)
    fields = rule_set.sheet_fields()
    names = {ours: _header_candidates(ours, rule_set) for ours in
             (*FIXED, *(f.id for f in fields), "notes")}
    columns = resolve_columns(path, table.columns, None, names,
                              required=("inspector_id", *(f.id for f in fields)))
    text = field_texts(table, columns, names)
    out = pd.DataFrame(index=table.index)
    out["inspector_id"] = text["inspector_id"]
    out["name"] = text["name"]
    _check_ids(path, out["inspector_id"], columns["inspector_id"])
    out["month"] = _months(path, text["month"], columns.get("month"))
    for f in fields:
        out[f.id] = _parsed(path, f, text[f.id], columns[f.id])
    for part in rule_set.parts:
        if part.method == "awareness":
            _check_counts(path, out, part.id, columns)
    out["notes"] = text["notes"]
    out.attrs["file"] = str(path)
    return out


# ---- writing -----------------------------------------------------------------------------
def field_header(field: SheetField, language: str | None) -> str:
    """The sheet's header of a field, e.g. "信息整理及上传得分（0–30）"."""
    _ = translator(language)
    label = pick(field.part.label, field.part.label_en, language)
    if field.kind == "score":
        return _("{part} score (0–{max})").format(part=label, max=points_text(field.part.points))
    if field.kind == "asked":
        return _("{part}: enterprises asked").format(part=label)
    if field.kind == "knew":
        return _("{part}: enterprises that knew their inspector").format(part=label)
    if field.kind == "accident":
        return _("Major accident attendance (yes/no/none)")
    return _("{question} (yes/no)").format(
        question=pick(field.rule.label, field.rule.label_en, language))


def _fixed_header(ours: str, language: str | None) -> str:
    _ = translator(language)
    return {"inspector_id": _("Inspector ID"), "name": _("Name"), "month": _("Month"),
            "notes": _("Notes")}[ours]


def _header_candidates(ours: str, rule_set: RuleSet) -> tuple[str, ...]:
    if ours in (*FIXED, "notes"):
        return (ours, _fixed_header(ours, "zh_CN"), _fixed_header(ours, "en"))
    field = next(f for f in rule_set.sheet_fields() if f.id == ours)
    return (ours, field_header(field, "zh_CN"), field_header(field, "en"))


def _template_rows(inspectors: pd.DataFrame, month: str, rule_set: RuleSet,
                   language: str | None) -> pd.DataFrame:
    _ = translator(language)
    people = inspectors.copy()
    if "kind" in people:
        people = people[people["kind"].map(rule_set.applies_to).astype(bool)]
    people = people.assign(inspector_id=people["inspector_id"].astype(str)) \
        .sort_values("inspector_id")
    table = pd.DataFrame({
        _fixed_header("inspector_id", language): people["inspector_id"].to_numpy(),
        _fixed_header("name", language): people["name"].astype("string").to_numpy()
        if "name" in people else pd.NA,
        _fixed_header("month", language): month,
    })
    for f in rule_set.sheet_fields():
        prefilled = {"accident": _("none"), "ground": _("no")}.get(f.kind)
        table[field_header(f, language)] = prefilled if prefilled else pd.NA
    table[_fixed_header("notes", language)] = pd.NA
    return table.reset_index(drop=True)


def _sheet_name(language: str | None) -> str:
    _ = translator(language)
    return _("Scores")


def _template_title(month: str, rule_set: RuleSet, language: str | None) -> str:
    _ = translator(language)
    year, number = map(int, month.split("-"))
    return _("Manual assessment sheet {year}-{month:02d} ({rules})").format(
        year=year, month=number, rules=pick(rule_set.name, rule_set.name_en, language))


def _validations(sheet, rule_set: RuleSet, rows: int, language: str | None) -> None:
    """Excel's own checks, so most mistakes are caught while typing."""
    if not rows:
        return
    _ = translator(language)
    first, last = 3, 2 + rows
    for j, f in enumerate(rule_set.sheet_fields(), len(FIXED) + 1):
        if f.kind == "score":
            check = DataValidation(type="decimal", operator="between", formula1="0",
                                   formula2=points_text(f.part.points), allow_blank=True)
        elif f.kind in ("asked", "knew"):
            check = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                   allow_blank=True)
        else:
            answers = [_("yes"), _("no")] + ([_("none")] if f.kind == "accident" else [])
            check = DataValidation(type="list", formula1=f'"{",".join(answers)}"',
                                   allow_blank=True)
        check.error = _("See the instructions sheet for what this column takes.")
        check.showErrorMessage = True
        sheet.add_data_validation(check)
        column = sheet.cell(first, j).column_letter
        check.add(f"{column}{first}:{column}{last}")


def _instructions(book, rule_set: RuleSet, month: str, language: str | None) -> None:
    _ = translator(language)
    sheet = book.create_sheet(_("Instructions"))
    lines = [
        _template_title(month, rule_set, language),
        _("Fill one row per inspector; leave a cell empty if that part is not assessed yet "
          "(the month's grade then stays provisional). Do not change the ID column."),
    ]
    for f in rule_set.sheet_fields():
        header = field_header(f, language)
        if f.kind == "score":
            lines.append(_("{header}: the assessment group's score, 0 to {max} points.")
                         .format(header=header, max=points_text(f.part.points)))
        elif f.kind == "asked":
            rule = f.part.awareness
            lines.append(_("{header}: how many enterprises were asked whether they know their "
                           "inspector (usually {sample}); {points} points off per {step}% "
                           "below full.").format(
                header=header, sample=rule.sample_size or "—",
                points=points_text(rule.points_per_step), step=points_text(rule.step_percent)))
            if rule.fail_below_percent is not None:
                lines.append(_("Below {limit}% the month is {grade}.").format(
                    limit=points_text(rule.fail_below_percent),
                    grade=pick(rule_set.lowest.label, rule_set.lowest.label_en, language)))
        elif f.kind == "knew":
            lines.append(_("{header}: how many of them knew their inspector.").format(
                header=header))
        elif f.kind == "accident":
            lines.append(_("{header}: yes = arrived promptly at a major accident in the grid; "
                           "no = did not (the whole part {part} is lost); none = no major "
                           "accident this month.").format(
                header=header, part=pick(f.part.label, f.part.label_en, language)))
        else:
            lines.append(_("{header}: yes or no.").format(header=header))
    for i, line in enumerate(lines, 1):
        sheet.cell(i, 1, line)
    sheet.cell(1, 1).font = Font(bold=True)
    fit_widths(sheet, [[line] for line in lines])


# ---- reading -----------------------------------------------------------------------------
def _check_ids(path, ids: pd.Series, header: str) -> None:
    seen: dict[str, int] = {}
    for row, value in ids.items():
        if pd.isna(value):
            raise InputError(path, _("missing inspector ID"), row=row, column=header)
        if value in seen:
            raise InputError(path, _("inspector ID {value} repeats row {first}").format(
                value=repr(value), first=seen[value]), row=row, column=header)
        seen[value] = row


def _months(path, values: pd.Series, header: str | None) -> pd.Series:
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    for row, value in values.dropna().items():
        try:
            out[row] = parse_month(value)
        except InputError as exc:
            raise InputError(path, exc.problem, row=row, column=header) from None
    return out


def _parsed(path, field: SheetField, values: pd.Series, header: str) -> pd.Series:
    if field.kind == "score":
        numbers = _numbers(path, values, header)
        for row, value in numbers.dropna().items():
            if not 0 <= value <= field.part.points:
                raise InputError(path, _("{value} is outside 0–{max}").format(
                    value=points_text(value), max=points_text(field.part.points)),
                    row=row, column=header)
        return numbers
    if field.kind in ("asked", "knew"):
        numbers = _numbers(path, values, header)
        for row, value in numbers.dropna().items():
            if value < 0 or value != int(value):
                raise InputError(path, _("{value} is not a count of enterprises").format(
                    value=points_text(value)), row=row, column=header)
        return numbers.astype("Int64")
    table = ACCIDENT_VALUES if field.kind == "accident" else YES_NO_VALUES
    parsed = values.str.lower().str.replace(r"\s", "", regex=True).map(table)
    for row in values.index[values.notna() & parsed.isna()]:
        raise InputError(path, _("{value} is not one of {allowed}").format(
            value=repr(values[row]), allowed=_allowed(field.kind)), row=row, column=header)
    if field.kind == "accident":
        return parsed.fillna("none").astype("string")
    return parsed.fillna(False).astype("boolean")


def _allowed(kind: str) -> str:
    if kind == "accident":
        return _("是 (yes), 否 (no), 无 (none)")
    return _("是 (yes), 否 (no)")


def _numbers(path, values: pd.Series, header: str) -> pd.Series:
    numbers = pd.to_numeric(values.str.replace(r"[\s分]", "", regex=True), errors="coerce")
    for row in values.index[values.notna() & numbers.isna()]:
        raise InputError(path, _("{value} is not a number").format(value=repr(values[row])),
                         row=row, column=header)
    return numbers.astype("Float64")


def _check_counts(path, out: pd.DataFrame, part_id: str, columns: dict) -> None:
    asked, knew = out[f"{part_id}_asked"], out[f"{part_id}_knew"]
    for row in out.index:
        a, k = asked[row], knew[row]
        if pd.isna(a) != pd.isna(k):
            header = columns[f"{part_id}_knew" if pd.isna(k) else f"{part_id}_asked"]
            raise InputError(path, _("fill both counts of the survey, or neither"), row=row,
                             column=header)
        if pd.notna(a) and a == 0:
            raise InputError(path, _("no enterprises asked: leave both counts empty if the "
                                     "survey was not made"), row=row,
                             column=columns[f"{part_id}_asked"])
        if pd.notna(a) and k > a:
            raise InputError(path, _("{knew} enterprises knew their inspector but only {asked} "
                                     "were asked").format(knew=int(k), asked=int(a)), row=row,
                             column=columns[f"{part_id}_knew"])
