"""Inspectors and grid assignments from CSV or XLSX, and the column and row checks readers share.

Every reader returns ``(frame, ImportReport)``: the frame holds the good rows with exactly the
schema's columns, the report every rejected row with its original fields. Problems that stop the
whole file (missing, empty, undecodable, a required column absent) raise InputError at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from gisapp import schema
from gisapp.errors import InputError
from gisapp.i18n import N_, _
from gisapp.io.encoding import decode_strict, label, locate_undecodable
from gisapp.io.report import ImportReport

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_SEPARATORS = {",": "commas", ";": "semicolons", "\t": "tabs"}
_HEADER_SEARCH_ROWS = 20

# our column -> the headers it is recognised by (compared after _header_key)
INSPECTOR_NAMES = {
    "inspector_id": ("inspector_id", "id", "编号", "工号", "网格员编号", "人员编号"),
    "name": ("name", "姓名", "网格员姓名", "名字"),
    "kind": ("kind", "type", "类型", "网格员类型", "类别"),
    "phone": ("phone", "mobile", "tel", "电话", "手机", "手机号", "手机号码", "联系电话",
              "联系方式"),
}
ASSIGNMENT_NAMES = {
    "grid_code": ("grid_code", "网格编码", "网格代码", "code", "编码"),
    "role": ("role", "角色", "职责", "责任类型", "责任人类型"),
    "inspector_id": ("inspector_id", "网格员编号", "工号", "人员编号"),
    "person_name": ("person_name", "name", "姓名", "责任人", "责任人姓名", "负责人"),
    "phone": INSPECTOR_NAMES["phone"],
    "valid_from": ("valid_from", "from", "start", "开始日期", "起始日期", "生效日期",
                   "任职日期"),
    "valid_to": ("valid_to", "to", "end", "结束日期", "截止日期", "失效日期", "离任日期"),
}

# file value -> schema value (compared after _value_key: lower case, no spaces, "_" or "-")
INSPECTOR_KIND_VALUES = {
    "dedicated": "dedicated", "专属": "dedicated", "专属网格员": "dedicated",
    "full_time": "full_time", "专职": "full_time", "专职网格员": "full_time",
    "part_time": "part_time", "兼职": "part_time", "兼职网格员": "part_time",
}
ROLE_VALUES = {
    "first_responsible": "first_responsible", "第一责任人": "first_responsible",
    "direct_responsible": "direct_responsible", "直接责任人": "direct_responsible",
    "responsible_a": "responsible_a", "a角": "responsible_a", "a角责任人": "responsible_a",
    "responsible_b": "responsible_b", "b角": "responsible_b", "b角责任人": "responsible_b",
    "inspector": "inspector", "网格员": "inspector", "网格监管员": "inspector",
}
_INSPECTOR_KIND_HELP = "dedicated (专属), full_time (专职), part_time (兼职)"
_ROLE_HELP = ("first_responsible (第一责任人), direct_responsible (直接责任人), "
              "responsible_a (A角), responsible_b (B角), inspector (网格员)")
# row problems the readers share, translated where they are used
UNKNOWN_KIND = N_("unknown kind {value}; allowed: {allowed}")
UNKNOWN_CATEGORY = N_("unknown category {value}; allowed: {allowed}")


# ---------------------------------------------------------------------------------------------
# Reading a table


def read_table(path: str | Path, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX table, every value as text (dtype "string", empty cells <NA>).

    CSV: UTF-8 (with or without BOM), then GB18030/GBK; the separator (, ; or tab) is sniffed.
    XLSX: the first sheet, or ``sheet`` (name or 0-based position). Title lines above the
    header are skipped. The index holds the spreadsheet row numbers (header = row 1 when it
    is the first line); fully blank rows are dropped. ``frame.attrs["notes"]`` says how the
    file was read.
    """
    path = existing_file(path)
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        rows, notes = _excel_rows(path, sheet)
    elif suffix in CSV_SUFFIXES:
        rows, notes = _csv_rows(path)
    else:
        raise InputError(path, _("unsupported table format {suffix!r}; expected {expected}")
                         .format(suffix=suffix, expected=_(", ").join(CSV_SUFFIXES
                                                                      + EXCEL_SUFFIXES)))
    return _frame_from_rows(path, rows, notes)


def existing_file(path: str | Path) -> Path:
    """The path, once it is known to be a readable, non-empty file."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, _("file not found"))
    if not path.is_file():
        raise InputError(path, _("not a file"))
    if path.stat().st_size == 0:
        raise InputError(path, _("empty file"))
    return path


def _csv_rows(path: Path) -> tuple[list[list[str]], list[str]]:
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, _("empty file"))
    text, encoding = _decode_csv(path, data)
    separator = _sniff_separator(text)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    notes = [f"read as {label(encoding)} text with fields separated by "
             f"{_SEPARATORS[separator]}"]
    return rows, notes


def _decode_csv(path: Path, data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        decoded = decode_strict(data, ("utf-16",))
    else:
        decoded = decode_strict(data, ("utf-8-sig", "gb18030"))
    if decoded is not None:
        return decoded
    # find the record that no encoding reads: Latin-1 maps each byte to one character, and
    # separators, quotes and line ends are ASCII, which no GB18030 multi-byte sequence holds
    text = data.decode("latin-1")
    records = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_separator(text))
    items = ["\x00".join(record).encode("latin-1") for record in records]
    index, problem = locate_undecodable(items)
    raise InputError(path, _("{problem}; save the file as UTF-8 (or GBK)").format(
        problem=problem), row=index + 1)


def _sniff_separator(text: str) -> str:
    """The separator that splits the first lines into the same, largest number of fields."""
    lines = [line for line in text.splitlines()[:_HEADER_SEARCH_ROWS * 2] if line.strip()]
    lines = lines[:_HEADER_SEARCH_ROWS]

    def score(separator: str) -> tuple[int, int]:
        counts = [len(fields) for fields in csv.reader(lines, delimiter=separator)]
        width, times = Counter(counts).most_common(1)[0] if counts else (1, 0)
        return (times, width) if width > 1 else (0, 0)

    return max(_SEPARATORS, key=score)


def _excel_rows(path: Path, sheet: str | int | None) -> tuple[list[list[str]], list[str]]:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors
        raise InputError(path, _("cannot be read as an Excel workbook: {error}").format(
            error=exc)) from exc
    with book:
        names = book.sheet_names
        if sheet is None:
            sheet = names[0]
        elif isinstance(sheet, int) and not 0 <= sheet < len(names):
            raise InputError(path, _("no sheet number {sheet}; sheets: {sheets}").format(
                sheet=sheet, sheets=_(", ").join(names)))
        elif isinstance(sheet, str) and sheet not in names:
            raise InputError(path, _("no sheet {sheet!r}; sheets: {sheets}").format(
                sheet=sheet, sheets=_(", ").join(names)))
        cells = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
    rows = [[_cell_text(value) for value in row] for row in cells.itertuples(index=False)]
    shown = sheet if isinstance(sheet, str) else names[sheet]
    return rows, [f"read sheet {shown!r}"]


def _cell_text(value) -> str:
    """An Excel cell as the text a person sees (dates as ISO, 13800138000 not 1.38e10)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _frame_from_rows(path: Path, rows: list[list[str]], notes: list[str]) -> pd.DataFrame:
    filled = [sum(1 for cell in row if cell.strip()) for row in rows]
    if not any(filled):
        raise InputError(path, _("empty file: no values"))
    header_at = _header_position(filled)
    if header_at > 0:
        notes.append(f"header found in row {header_at + 1}; the rows above it were skipped")
    body = rows[header_at + 1:]
    width = max([len(rows[header_at])] + [len(row) for row in body])
    columns = _column_names(rows[header_at], width)
    matrix = [row + [""] * (width - len(row)) for row in body]
    frame = pd.DataFrame(matrix, columns=columns, dtype="string",
                         index=pd.RangeIndex(header_at + 2, header_at + 2 + len(body), name="row"))
    frame = frame.mask(frame.apply(lambda col: col.str.strip().eq("")))
    frame = frame.dropna(how="all")
    unnamed = [c for c, given in zip(columns, rows[header_at] + [""] * width) if not given.strip()]
    frame = frame.drop(columns=[c for c in unnamed if frame[c].isna().all()])
    if frame.empty:
        raise InputError(path, _("no data rows below the header (row {row})").format(
            row=header_at + 1))
    frame.attrs["notes"] = notes
    return frame


def _header_position(filled: list[int]) -> int:
    """The first of the top rows that is nearly as wide as the widest: title lines are not."""
    top = filled[:_HEADER_SEARCH_ROWS]
    need = max(1, math.ceil(0.6 * max(top)))
    return next(i for i, n in enumerate(top) if n >= need)


def _column_names(header: list[str], width: int) -> list[str]:
    names, seen = [], Counter()
    for i in range(width):
        name = header[i].strip() if i < len(header) else ""
        name = name or f"column {i + 1}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


# ---------------------------------------------------------------------------------------------
# Matching columns and values (shared with gisapp.io.vector)


def resolve_columns(file: str | Path, found: Iterable[str], mapping: Mapping | None,
                    names: Mapping[str, Sequence[str]], required: Sequence[str] = (),
                    value_columns: Sequence[str] = (),
                    defaults: Mapping | None = None) -> dict[str, str]:
    """Our column -> the file's column, from ``mapping`` first, then by recognised headers.

    ``mapping`` maps our column names to the file's (``{"grid_code": "CODE"}``); columns it
    leaves out are looked for under their usual English and Chinese headers. It may also hold
    ``"<column>_values"`` dicts for the columns in ``value_columns`` (see :func:`translate`).
    A required column that is not found, and has no value in ``defaults``, raises InputError
    listing the columns found.
    """
    found = [str(c) for c in found]
    mapping = dict(mapping or {})
    unknown_defaults = sorted(set(defaults or {}) - set(names))
    if unknown_defaults:
        raise ValueError(f"defaults for unknown columns {unknown_defaults}; known: {list(names)}")
    required = [ours for ours in required if (defaults or {}).get(ours) is None]
    allowed = set(names) | {f"{c}_values" for c in value_columns}
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise InputError(file, _("the column mapping names {unknown}, which this table does "
                                 "not have; it has: {allowed}").format(
            unknown=_(", ").join(map(repr, unknown)), allowed=_(", ").join(sorted(allowed))))
    columns: dict[str, str] = {}
    for ours, theirs in mapping.items():
        if ours.endswith("_values") and ours not in names:
            continue
        if theirs not in found:
            raise InputError(file, _("the column mapping takes {ours} from column {theirs!r}, "
                                     "which is not in the file; columns found: {found}").format(
                ours=ours, theirs=theirs, found=_listed(found)))
        columns[ours] = theirs
    by_key: dict[str, str] = {}
    for column in found:  # a mapped column may serve again (a KML's Name as id and name)
        by_key.setdefault(_header_key(column), column)
    for ours, candidates in names.items():
        if ours in columns:
            continue
        match = next((by_key[k] for k in map(_header_key, candidates) if k in by_key), None)
        if match is not None:
            columns[ours] = match
            by_key = {k: c for k, c in by_key.items() if c != match}
    missing = [ours for ours in required if ours not in columns]
    if missing:
        looked = _("; ").join(_("{column!r} (looked for {names})").format(
            column=ours, names=_(", ").join(names[ours])) for ours in missing)
        message = (_("required column missing: {looked}; columns found: {found}")
                   if len(missing) == 1 else
                   _("required columns missing: {looked}; columns found: {found}"))
        raise InputError(file, message.format(looked=looked, found=_listed(found)))
    return columns


def _listed(columns: Sequence[str]) -> str:
    return _(", ").join(columns) if columns else _("(none)")


def _header_key(name: str) -> str:
    """Headers compare without case, spaces, underscores, stars or a bracketed note."""
    name = re.sub(r"[(（].*?[)）]", "", str(name))
    return re.sub(r"[\s_\-*:：]", "", name).lower()


_VALUE_NOISE = r"[\s_\-]"


def _value_key(values: pd.Series) -> pd.Series:
    return values.str.lower().str.replace(_VALUE_NOISE, "", regex=True)


def _value_key_of(value) -> str:
    return re.sub(_VALUE_NOISE, "", str(value).lower())


def translate(values: pd.Series, table: Mapping[str, str],
              extra: Mapping[str, str] | None = None) -> pd.Series:
    """File values -> schema values (<NA> where unknown), ignoring case, spaces, "_" and "-".

    ``extra`` (the mapping's ``"<column>_values"``) adds or overrides pairs; its key ``"*"``
    catches every other value, empty ones included.

    >>> translate(pd.Series(["专职", "Full-Time", "x"], dtype="string"),
    ...           INSPECTOR_KIND_VALUES).tolist()
    ['full_time', 'full_time', <NA>]
    """
    lookup = {_value_key_of(k): v for k, v in table.items()}
    extra = dict(extra or {})
    fallback = extra.pop("*", None)
    lookup.update({_value_key_of(k): v for k, v in extra.items()})
    out = _value_key(values).map(lookup).astype("string")
    if fallback is not None:
        out = out.fillna(fallback)
    return out


def check_value_targets(file, mapping: Mapping | None, column: str, allowed: Sequence) -> None:
    """Refuse a ``"<column>_values"`` mapping that translates into a value the schema lacks."""
    extra = (mapping or {}).get(f"{column}_values") or {}
    wrong = {k: v for k, v in extra.items() if v not in allowed}
    if wrong:
        raise InputError(file, _("the mapping {column}_values translates into {wrong}; "
                                 "allowed: {allowed}").format(
            column=column, wrong=_(", ").join(map(repr, wrong.values())),
            allowed=_(", ").join(map(str, allowed))))


def as_text(values: pd.Series) -> pd.Series:
    """Any column as trimmed text (dtype "string", empty -> <NA>); 110108001.0 reads 110108001."""
    if pd.api.types.is_bool_dtype(values):
        text = values.astype("string").str.lower()
    elif pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if (whole == np.round(whole)).all():
            text = values.astype("Int64").astype("string")
        else:
            text = values.astype("string")
    elif pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d").astype("string")
    elif pd.api.types.is_object_dtype(values):
        text = values.map(_scalar_text, na_action="ignore").astype("string")
    else:
        text = values.astype("string")
    text = text.str.strip()
    return text.mask(text.eq(""))


def _scalar_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _cell_text(value)


def column_text(frame: pd.DataFrame, columns: Mapping[str, str], ours: str) -> pd.Series:
    """Our column's values as text; all <NA> when the file does not have it."""
    if ours not in columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return as_text(frame[columns[ours]])


def field_texts(frame: pd.DataFrame, columns: Mapping[str, str],
                names: Iterable[str], defaults: Mapping | None = None) -> dict[str, pd.Series]:
    """Each of our columns as text, empty cells (or a missing column) filled from ``defaults``."""
    texts = {}
    for ours in names:
        text = column_text(frame, columns, ours)
        if (defaults or {}).get(ours) is not None:
            text = text.fillna(str(defaults[ours]))
        texts[ours] = text
    return texts


def conform(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """Exactly the schema's columns, in order, with its dtypes; index 0..n-1."""
    out = frame.reset_index(drop=True)
    return pd.DataFrame({c: out[c].astype(dtype) for c, dtype in columns.items()})


# ---------------------------------------------------------------------------------------------
# Row checks


class RowChecks:
    """Collect the rows that fail a check, each with its problem; keep the others.

    Checks are boolean masks over all rows (vectorised); a problem is a text, or a function
    building one text per failing row from their positions (called only for those rows).
    """

    def __init__(self, rows: Sequence[int], raw: pd.DataFrame):
        self.rows = np.asarray(rows, dtype=np.int64)
        self.raw = raw.reset_index(drop=True)
        self.bad = np.zeros(len(self.rows), dtype=bool)
        self._found: list[tuple[np.ndarray, list[str]]] = []

    def add(self, mask, problem: str | Callable[[np.ndarray], Sequence[str]]) -> np.ndarray:
        """Record the rows where ``mask`` is true; returns their positions."""
        mask = np.asarray(pd.Series(mask).fillna(False).to_numpy(), dtype=bool)
        positions = np.flatnonzero(mask)
        if positions.size:
            self.bad[positions] = True
            texts = ([problem] * positions.size if isinstance(problem, str)
                     else list(problem(positions)))
            self._found.append((positions, texts))
        return positions

    def unique(self, values: pd.Series, column: str) -> None:
        """Reject every row of a value that appears more than once, naming all its rows."""
        dup = (values.duplicated(keep=False) & values.notna()).to_numpy(bool)
        if not dup.any():
            return
        separator = _(", ")
        rows_of = (pd.Series(self.rows[dup], index=values[dup].to_numpy())
                   .groupby(level=0).agg(lambda r: separator.join(map(str, sorted(r)))))
        template = _("duplicate {column} {value!r} (rows {rows})")
        self.add(dup, lambda pos: [template.format(column=column, value=values.iloc[p],
                                                   rows=rows_of[values.iloc[p]]) for p in pos])

    def finish(self, out: pd.DataFrame, columns: Mapping[str, str],
               report: ImportReport) -> pd.DataFrame:
        """Report the rejected rows; the good ones as a schema frame.

        The frame's index holds each good row's number as the messages give it, so a later
        check (say, against the project) can name the row too.
        """
        for positions, texts in self._found:
            texts = np.asarray(texts, dtype=object)
            for text in dict.fromkeys(texts):
                chosen = positions[texts == text]
                report.reject(self.rows[chosen], text, self.raw.iloc[chosen])
        report.rows_read = len(self.rows)
        report.rows_kept = int((~self.bad).sum())
        good = conform(out.reset_index(drop=True)[~self.bad], columns)
        good.index = pd.Index(self.rows[~self.bad], name="row")
        return good


def values_of(values: pd.Series) -> Callable[[np.ndarray], list[str]]:
    """For RowChecks.add: the failing rows' values, quoted."""
    empty = _("(empty)")
    return lambda pos: [repr(values.iloc[p]) if pd.notna(values.iloc[p]) else empty
                        for p in pos]


def with_values(template: str, values: pd.Series,
                **fields) -> Callable[[np.ndarray], list[str]]:
    """For RowChecks.add: ``template`` (already translated) with ``{value}`` filled per failing
    row, and its other ``fields`` the same for every row."""
    shown = values_of(values)
    return lambda pos: [template.format(value=v, **fields) for v in shown(pos)]


def start_report(path: str | Path, kind: str, frame: pd.DataFrame) -> ImportReport:
    report = ImportReport(file=str(path), kind=kind)
    report.notes.extend(frame.attrs.get("notes", []))
    report.warnings.extend(frame.attrs.get("warnings", []))
    return report


# ---------------------------------------------------------------------------------------------
# Phones and dates


def normalise_phones(phones: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(phones, bad)``: mobiles as 11 digits, landlines as ``0371-12345678``; bad = malformed.

    Spaces, dashes, brackets and a +86 prefix are ignored.

    >>> ok, bad = normalise_phones(pd.Series(["138 0013-8000", "0371-12345678", "010 8765432",
    ...                                       "1380013800", pd.NA], dtype="string"))
    >>> ok.tolist()
    ['13800138000', '0371-12345678', '010-8765432', <NA>, <NA>]
    >>> bad.tolist()
    [False, False, False, True, False]
    """
    digits = (phones.str.replace(r"[\s\-()（）]", "", regex=True)
              .str.replace(r"^(?:\+86|0086)(?=1)", "", regex=True))
    mobile = digits.str.fullmatch(r"1\d{10}").fillna(False)
    landline = digits.str.fullmatch(r"0\d{9,11}").fillna(False)
    short_area = digits.str.match(r"0[12]").fillna(False)  # 010, 020-029: 3-digit codes
    area = digits.str.slice(0, 3).where(short_area, digits.str.slice(0, 4))
    local = digits.str.slice(start=3).where(short_area, digits.str.slice(start=4))
    out = digits.where(mobile, area + "-" + local).where(mobile | landline)
    bad = phones.notna() & ~(mobile | landline)
    return out.astype("string"), bad.astype(bool)


_DATE_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                       r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = "1899-12-30"
_EXCEL_SERIALS = (20000, 80000)  # 1954-10-03 .. 2119-01-10: dates a person stored as numbers


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``(iso, bad)``: 2026-03-01, 2026/3/1, 2026年3月1日, 20260301 or an Excel serial day -> ISO.

    >>> iso, bad = parse_dates(pd.Series(["2026/3/1", "2026年3月1日", "46082", "2026-02-30",
    ...                                   pd.NA], dtype="string"))
    >>> iso.tolist(), bad.tolist()
    (['2026-03-01', '2026-03-01', '2026-03-01', <NA>, <NA>], [False, False, False, True, False])
    """
    text = values.str.strip()
    parts = text.str.extract(_DATE_YMD)
    compact = text.str.extract(_DATE_COMPACT)
    parts = parts.fillna(compact)
    ymd = (parts.apply(lambda c: pd.to_numeric(c, errors="coerce").astype("float64"))
           .set_axis(["year", "month", "day"], axis=1))
    dates = pd.to_datetime(ymd, errors="coerce")
    serial = pd.to_numeric(text.where(text.str.fullmatch(r"\d{5}(?:\.0+)?")), errors="coerce")
    serial = serial.where(serial.between(*_EXCEL_SERIALS))
    dates = dates.fillna(pd.to_datetime(serial, unit="D", origin=_EXCEL_EPOCH, errors="coerce"))
    iso = dates.dt.strftime("%Y-%m-%d").astype("string")
    bad = (values.notna() & iso.isna()).astype(bool)
    return iso, bad


# ---------------------------------------------------------------------------------------------
# Inspectors and assignments


def read_inspectors(path: str | Path, mapping: Mapping | None = None,
                    sheet: str | int | None = None, defaults: Mapping | None = None
                    ) -> tuple[pd.DataFrame, ImportReport]:
    """Inspectors (网格员) from CSV/XLSX -> (schema.INSPECTOR_COLUMNS frame, report).

    Rejects: missing or duplicate inspector_id, unknown kind, malformed phone.
    ``mapping`` may hold ``"kind_values"`` (e.g. ``{"网格长": "full_time", "*": "part_time"}``);
    ``defaults`` fills a column the file lacks or leaves empty (``{"kind": "part_time"}``).
    """
    table = read_table(path, sheet)
    report = start_report(path, schema.INSPECTORS, table)
    check_value_targets(path, mapping, "kind", schema.INSPECTOR_KINDS)
    columns = resolve_columns(path, table.columns, mapping, INSPECTOR_NAMES,
                              required=("inspector_id", "name", "kind"),
                              value_columns=("kind",), defaults=defaults)
    text = field_texts(table, columns, INSPECTOR_NAMES, defaults)
    checks = RowChecks(table.index, table)
    checks.add(text["inspector_id"].isna(), _("missing inspector_id"))
    checks.unique(text["inspector_id"], "inspector_id")
    kind = translate(text["kind"], INSPECTOR_KIND_VALUES, (mapping or {}).get("kind_values"))
    checks.add(kind.isna(), with_values(_(UNKNOWN_KIND), text["kind"],
                                        allowed=_INSPECTOR_KIND_HELP))
    phone, bad_phone = normalise_phones(text["phone"])
    checks.add(bad_phone, with_values(_(_PHONE_PROBLEM), text["phone"]))
    out = pd.DataFrame({"inspector_id": text["inspector_id"], "name": text["name"],
                        "kind": kind, "phone": phone})
    return checks.finish(out, schema.INSPECTOR_COLUMNS, report), report


_PHONE_PROBLEM = N_("malformed phone {value}: a mobile has 11 digits (13800138000), "
                    "a landline an area code (0371-12345678)")


def read_assignments(path: str | Path, mapping: Mapping | None = None,
                     sheet: str | int | None = None, defaults: Mapping | None = None
                     ) -> tuple[pd.DataFrame, ImportReport]:
    """Grid responsibilities (第一责任人, 直接责任人, A/B角, 网格员) -> (ASSIGNMENT_COLUMNS, report).

    Rejects: missing grid_code, unknown role, neither inspector_id nor person_name, malformed
    phone, an unreadable valid_from/valid_to, valid_to before valid_from. Dates become ISO.
    ``mapping`` may hold ``"role_values"``; ``defaults`` fills missing or empty columns
    (``{"valid_from": "2026-01-01"}``).
    """
    table = read_table(path, sheet)
    report = start_report(path, schema.ASSIGNMENTS, table)
    check_value_targets(path, mapping, "role", schema.ASSIGNMENT_ROLES)
    columns = resolve_columns(path, table.columns, mapping, ASSIGNMENT_NAMES,
                              required=("grid_code", "role"), value_columns=("role",),
                              defaults=defaults)
    if not {"inspector_id", "person_name"} & (set(columns) | set(defaults or {})):
        looked = ASSIGNMENT_NAMES["inspector_id"] + ASSIGNMENT_NAMES["person_name"]
        raise InputError(path, _("needs an inspector_id or a person_name column (looked for "
                                 "{names}); columns found: {found}").format(
            names=_(", ").join(looked), found=_listed(list(table.columns))))
    text = field_texts(table, columns, ASSIGNMENT_NAMES, defaults)
    checks = RowChecks(table.index, table)
    checks.add(text["grid_code"].isna(), _("missing grid_code"))
    role = translate(text["role"], ROLE_VALUES, (mapping or {}).get("role_values"))
    checks.add(role.isna(), with_values(_("unknown role {value}; allowed: {allowed}"),
                                        text["role"], allowed=_ROLE_HELP))
    checks.add(text["inspector_id"].isna() & text["person_name"].isna(),
               _("neither inspector_id nor person_name: who is responsible?"))
    phone, bad_phone = normalise_phones(text["phone"])
    checks.add(bad_phone, with_values(_(_PHONE_PROBLEM), text["phone"]))
    dates = {}
    for column in ("valid_from", "valid_to"):
        dates[column], bad = parse_dates(text[column])
        checks.add(bad, with_values(_("{column} {value} is not a date (use 2026-03-01)"),
                                    text[column], column=column))
    backwards = (dates["valid_to"] < dates["valid_from"]).fillna(False)
    before = _("valid_to {to} is before valid_from {start}")
    checks.add(backwards, lambda pos: [before.format(to=dates["valid_to"].iloc[p],
                                                     start=dates["valid_from"].iloc[p])
                                       for p in pos])
    out = pd.DataFrame({"grid_code": text["grid_code"], "role": role,
                        "inspector_id": text["inspector_id"],
                        "person_name": text["person_name"], "phone": phone, **dates})
    return checks.finish(out, schema.ASSIGNMENT_COLUMNS, report), report
