"""Tracks exported by tracking platforms as CSV or Excel tables, and ``read_tracks`` for any file.

CSV takes a fast path: pyarrow reads only the needed columns with explicit types (timestamps
parsed in C++), the inspector column is dictionary-encoded, and every check is a numpy mask.
Only when a cell will not convert does a slow path read those columns as strings and find
which rows are bad. Row numbers are spreadsheet rows: the header is row 1, the first data row
row 2 (blank lines and a title line above the header count, as they do in Excel).

Every reader returns ``(Fixes, ImportReport)``: the fixes sorted by inspector, then time (UTC
milliseconds), and the rows it rejected with the reason and their original fields.
"""

from __future__ import annotations

import csv
import datetime as dt
import mmap
import re
from array import array
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from gisapp.errors import InputError
from gisapp.fixes import Fixes
from gisapp.i18n import _
from gisapp.io import gpx, kml_tracks
from gisapp.io.encoding import decode_strict
from gisapp.io.report import ImportReport
from gisapp.io.track_columns import (ALIASES, EMPTY, OK, ParsedFixes, TrackSource,
                                     build_fixes, check_timezone, epoch_to_ms, find_header_row,
                                     inspector_codes, local_to_utc_ms, match_columns,
                                     normalise_name, note_accuracy_source, numbers_from_arrow,
                                     parse_time_text, parsed_from_text, require_file)
from gisapp.progress import Progress, step
from gisapp.schema import TRACK_TIMEZONE

_HEAD_BYTES = 1 << 20
_SEPARATORS = (",", ";", "\t", "|")
_STEPS = 4


def read_tracks(path, *, inspector_id: str | None = None, timezone: str = TRACK_TIMEZONE,
                progress: Progress | None = None, id_field: str | None = None,
                time_field: str | None = None, lon_field: str | None = None,
                lat_field: str | None = None, accuracy_field: str | None = None,
                ) -> tuple[Fixes, ImportReport]:
    """Read a track file of any supported kind, chosen by its suffix.

    The ``*_field`` options name table columns, so they apply to .csv/.txt/.xlsx/.xls only.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _TABLE_READERS and suffix not in _POINT_READERS:
        known = _(", ").join(sorted({*_TABLE_READERS, *_POINT_READERS}))
        message = (_("cannot read tracks from a {suffix} file (expected one of {known})")
                   if suffix else
                   _("cannot read tracks from a suffix-less file (expected one of {known})"))
        raise InputError(path, message.format(suffix=suffix, known=known))
    fields = dict(id_field=id_field, time_field=time_field, lon_field=lon_field,
                  lat_field=lat_field, accuracy_field=accuracy_field)
    if suffix in _POINT_READERS:
        given = [name for name, value in fields.items() if value is not None]
        if given:
            raise InputError(path, _("{options} name table columns; a {suffix} file has none")
                             .format(options=_(", ").join(given), suffix=suffix))
        return _POINT_READERS[suffix](path, inspector_id=inspector_id, timezone=timezone,
                                      progress=progress)
    return _TABLE_READERS[suffix](path, inspector_id=inspector_id, timezone=timezone,
                                  progress=progress, **fields)


def read_tracks_table(path, *, id_field: str | None = None, time_field: str | None = None,
                      lon_field: str | None = None, lat_field: str | None = None,
                      accuracy_field: str | None = None, inspector_id: str | None = None,
                      timezone: str = TRACK_TIMEZONE, progress: Progress | None = None,
                      ) -> tuple[Fixes, ImportReport]:
    """read_tracks_xlsx for .xlsx/.xlsm/.xls, read_tracks_csv for anything else."""
    excel = Path(path).suffix.lower() in (".xlsx", ".xlsm", ".xls")
    reader = read_tracks_xlsx if excel else read_tracks_csv
    return reader(path, id_field=id_field, time_field=time_field, lon_field=lon_field,
                  lat_field=lat_field, accuracy_field=accuracy_field,
                  inspector_id=inspector_id, timezone=timezone, progress=progress)


# --- CSV -----------------------------------------------------------------------------------

def read_tracks_csv(path, *, id_field: str | None = None, time_field: str | None = None,
                    lon_field: str | None = None, lat_field: str | None = None,
                    accuracy_field: str | None = None, inspector_id: str | None = None,
                    timezone: str = TRACK_TIMEZONE, progress: Progress | None = None,
                    ) -> tuple[Fixes, ImportReport]:
    """Fixes from a CSV (',' ';' tab or '|'; UTF-8, UTF-8 with BOM or GB18030).

    ``inspector_id`` attributes every fix to one inspector (the file has no id column).
    Naive times are in ``timezone``; times with a zone, and epoch seconds or milliseconds,
    are absolute.
    """
    path = require_file(Path(path))
    check_timezone(timezone)
    _one_id_source(path, id_field, inspector_id)
    report = ImportReport(str(path), "tracks")
    step(progress, 0, _STEPS, "reading the header")
    head = _read_head(path)
    columns = match_columns(head.header, file=path, need_inspector=inspector_id is None,
                            overrides=dict(inspector=id_field, time=time_field, lon=lon_field,
                                           lat=lat_field, accuracy=accuracy_field),
                            samples=head.samples)
    note_accuracy_source(columns, report)
    step(progress, 1, _STEPS, "reading fixes")
    parsed, head, odd_rows = _read_parsed(path, head, columns, timezone, inspector_id, report)
    step(progress, 2, _STEPS, "checking fixes")
    records = _CsvRecords(path, head, odd_rows)
    if odd_rows:
        _reject_odd_rows(records, report)
    report.rows_read = len(parsed) + odd_rows
    if report.rows_read == 0:
        raise InputError(path, _("no fixes: the file has a header but no data rows"))
    fixes = build_fixes(parsed, report, TrackSource(str(path), columns, records.locate))
    step(progress, _STEPS, _STEPS, f"{len(fixes):,} fixes read")
    return fixes, report


def _one_id_source(path: Path, id_field, inspector_id) -> None:
    if id_field is not None and inspector_id is not None:
        raise InputError(path, _("give id_field (a column) or inspector_id (one id for the "
                                 "whole file), not both"))


@dataclass(frozen=True)
class _CsvHead:
    """What the first megabyte says about a CSV."""

    encoding: str          # Python codec of the file
    sep: str
    header_line: int       # 0-based physical line of the header
    header: list[str]      # column names, made unique
    samples: dict[str, list[str]]  # column -> its first non-empty values
    quoted: bool           # quotes seen: a quoted value may hold a line break

    @property
    def arrow_encoding(self) -> str:
        return "utf8" if self.encoding.startswith("utf-8") else self.encoding


def _read_head(path: Path) -> _CsvHead:
    with open(path, "rb") as f:
        raw = f.read(_HEAD_BYTES)
        whole = len(raw) < _HEAD_BYTES
    if not raw.strip():
        raise InputError(path, _("no fixes: the file is empty"))
    encoding = _encoding_of(path, raw)
    text = raw.decode(encoding, errors="replace")
    lines = text.split("\n")
    if not whole:
        lines = lines[:-1]  # the last line may be cut short
    lines = [line.rstrip("\r") for line in lines]
    try:
        sep, header_line, rows = _layout_of(lines)
    except csv.Error as exc:
        raise InputError(path, _("not a text table: {error}").format(error=exc)) from exc
    header = _unique_names(rows[0])
    data = rows[1:]
    if not data and whole:
        raise InputError(path, _("no fixes: the file has a header but no data rows"))
    samples = {name: [r[i].strip() for r in data[:200] if i < len(r) and r[i].strip()]
               for i, name in enumerate(header)}
    return _CsvHead(encoding, sep, header_line, header, samples, '"' in text)


def _encoding_of(path: Path, raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(path, _("the file is UTF-16 (Excel's 'Unicode text'); save it as "
                                 "'CSV UTF-8' or CSV and import again"))
    if b"\x00" in raw:
        raise InputError(path, _("a binary file, not a text table (it looks like an Excel "
                                 "workbook: give it the .xlsx suffix)")
                         if raw.startswith(b"PK\x03\x04") else
                         _("a binary file, not a text table"))
    cut = raw[:raw.rfind(b"\n") + 1] if len(raw) == _HEAD_BYTES else raw
    decoded = decode_strict(cut)  # UTF-8, else GB18030 (the superset of GBK)
    if decoded is None:
        raise InputError(path, _("the text is neither UTF-8 nor GB18030/GBK; save it as "
                                 "'CSV UTF-8' and import again"))
    return decoded[1]


def _layout_of(lines: list[str]) -> tuple[str, int, list[list[str]]]:
    """Separator, physical header line, and the header + data rows (blank lines dropped).

    The separator is the one under which a header of known names appears; failing that, the
    one most frequent on the first line.
    """
    numbered = [(i, line) for i, line in enumerate(lines) if line.strip()]
    best = None
    for sep in _SEPARATORS:
        rows = list(csv.reader([line for _, line in numbered], delimiter=sep))
        at = find_header_row(rows)
        score = (_known_names(rows[at]) if rows else 0, len(rows[at]) if rows else 0)
        if best is None or score > best[0]:
            best = (score, sep, at, rows)
    (known, _width), sep, at, rows = best
    if known == 0:  # no known names under any separator: fall back on counting
        first = numbered[0][1]
        sep = max(_SEPARATORS, key=first.count)
        rows = list(csv.reader([line for _, line in numbered], delimiter=sep))
        at = 0
    return sep, numbered[at][0], rows[at:]


_KNOWN_NAMES = {normalise_name(a) for aliases in ALIASES.values() for a in aliases}


def _known_names(row: list[str]) -> int:
    return sum(normalise_name(c) in _KNOWN_NAMES for c in row)


def _unique_names(row: list[str]) -> list[str]:
    names: list[str] = []
    for i, name in enumerate(row):
        name = name.strip().lstrip("\ufeff") or f"column {i + 1}"
        base, k = name, 1
        while name in names:
            k += 1
            name = f"{base}.{k}"
        names.append(name)
    return names


# the fast path: pyarrow types every needed column

# Only Arrow's ISO 8601 parser: it is the fastest and, unlike its strptime, refuses Feb 30.
# Other layouts ('2026/10/8 8:30:05') are read as text and parsed by parse_time_text.
_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$")
_ZONED = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?"
                    r"(Z|[+-]\d{2}(:?\d{2})?)$")
_EPOCH = re.compile(r"^[-+]?\d+(\.\d*)?([eE][-+]?\d+)?$")


def _time_kind(samples: list[str]) -> str:
    """How the fast path reads the time column: 'epoch', 'naive', 'zoned' or 'text'."""
    for kind, pattern in (("epoch", _EPOCH), ("naive", _NAIVE), ("zoned", _ZONED)):
        if samples and all(pattern.match(v) for v in samples):
            return kind
    return "text"


_TIME_TYPES = {"epoch": pa.float64(), "naive": pa.timestamp("ms"),
               "zoned": pa.timestamp("ms", tz="UTC"), "text": pa.string()}


def _read_parsed(path: Path, head: _CsvHead, columns: dict[str, str], timezone: str,
                 inspector_id: str | None,
                 report: ImportReport) -> tuple[ParsedFixes, _CsvHead, int]:
    """Fast path, else slow path; a UTF-8 guess that breaks later is retried as GB18030."""
    try:
        return _read_fast(path, head, columns, timezone, inspector_id)
    except pa.ArrowInvalid:
        pass
    try:
        return _read_slow(path, head, columns, timezone, inspector_id, report)
    except pa.ArrowInvalid as exc:
        if head.encoding == "utf-8" and "utf8" in str(exc).lower().replace("-", ""):
            head = replace(head, encoding="gb18030")
            return _read_parsed(path, head, columns, timezone, inspector_id, report)
        raise InputError(path, _("cannot read the CSV: {error}").format(error=exc)) from exc


def _read_fast(path, head, columns, timezone, inspector_id):
    time_kind = _time_kind(head.samples[columns["time"]])
    types = {columns["time"]: _TIME_TYPES[time_kind],
             columns["lon"]: pa.float64(), columns["lat"]: pa.float64()}
    if inspector_id is None:
        types[columns["inspector"]] = pa.string()
    if "accuracy" in columns:
        types[columns["accuracy"]] = pa.float64()
    table, odd_rows = _arrow_read(path, head, types)
    n = table.num_rows
    if inspector_id is None:
        codes, ids = inspector_codes(table.column(columns["inspector"]))
    else:
        codes, ids = np.zeros(n, np.int32), np.array([str(inspector_id)], dtype=object)
    time_ms, time_state = _fast_times(table.column(columns["time"]), time_kind, timezone)
    lon, lon_state = numbers_from_arrow(table.column(columns["lon"]))
    lat, lat_state = numbers_from_arrow(table.column(columns["lat"]))
    accuracy = np.full(n, np.nan, np.float32)
    if "accuracy" in columns:
        values, state = numbers_from_arrow(table.column(columns["accuracy"]))
        accuracy = np.where(state == OK, values, np.nan).astype(np.float32)
    parsed = ParsedFixes(codes, ids, time_ms, time_state, lon, lon_state, lat, lat_state,
                         accuracy)
    return parsed, head, odd_rows


def _fast_times(column: pa.ChunkedArray, kind: str, timezone: str):
    if kind == "text":
        return parse_time_text(column, timezone)
    if kind == "epoch":
        values, state = numbers_from_arrow(column)
        return epoch_to_ms(values), state
    empty = column.is_null().to_numpy(zero_copy_only=False)
    values = column.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
    if kind == "naive":
        if empty.any():
            values[~empty] = local_to_utc_ms(values[~empty], timezone)
        else:
            values = local_to_utc_ms(values, timezone)
    return values, np.where(empty, EMPTY, OK).astype(np.uint8)


def _read_slow(path, head, columns, timezone, inspector_id, report):
    """Every needed column as text, so each bad cell is found and named."""
    wanted = [columns[r] for r in ("inspector", "time", "lon", "lat", "accuracy")
              if r in columns]
    table, odd_rows = _arrow_read(path, head, {name: pa.string() for name in wanted})
    parsed = parsed_from_text(table, columns, timezone, inspector_id=inspector_id,
                              report=report)
    return parsed, head, odd_rows


def _arrow_read(path: Path, head: _CsvHead, types: dict[str, pa.DataType]) -> tuple[pa.Table, int]:
    """Read the typed columns; rows with the wrong number of fields are counted and skipped."""
    odd = []

    def skip(row) -> str:
        odd.append(row.text)
        return "skip"

    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=head.header, skip_rows=head.header_line + 1,
                                       encoding=head.arrow_encoding),
        parse_options=pacsv.ParseOptions(delimiter=head.sep, invalid_row_handler=skip,
                                         newlines_in_values=head.quoted),
        convert_options=pacsv.ConvertOptions(column_types=types, include_columns=list(types),
                                             null_values=[""], strings_can_be_null=False,
                                             timestamp_parsers=[pacsv.ISO8601]))
    return table, len(odd)


# naming rows: only when something is rejected

class _CsvRecords:
    """Where each data record of a CSV sits (its spreadsheet row) and its original fields.

    Built on first use, so a clean import never pays for it. Without quotes in the file a
    record is a line, found with numpy; with quotes the csv module reads the records.
    """

    def __init__(self, path: Path, head: _CsvHead, odd_rows: int):
        self.path, self.head, self.odd_rows = path, head, odd_rows
        self._rows: np.ndarray | None = None     # spreadsheet row of every record
        self._widths: np.ndarray | None = None   # fields in every record
        self._fields = None                      # record index -> list of fields

    def locate(self, positions: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
        """Rows and original fields of table positions (records with the right width)."""
        self._scan()
        regular = np.flatnonzero(self._widths == len(self.head.header))
        records = regular[positions]
        return self._rows[records], self._frame(records)

    def odd(self) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
        """Rows, widths and fields of the records with the wrong number of fields."""
        self._scan()
        records = np.flatnonzero(self._widths != len(self.head.header))
        return self._rows[records], self._widths[records], self._frame(records)

    def _frame(self, records: np.ndarray) -> pd.DataFrame:
        names = self.head.header
        extra = _("(extra fields)")  # a column of the rejects report
        out = []
        for fields in (self._fields(int(r)) for r in records):
            row = dict(zip(names, fields))
            if len(fields) > len(names):
                row[extra] = self.head.sep.join(fields[len(names):])
            out.append(row)
        return pd.DataFrame(out, columns=list(names) + (
            [extra] if any(extra in r for r in out) else []),
            dtype="string").fillna("")

    def _scan(self) -> None:
        if self._rows is not None:
            return
        with open(self.path, "rb") as f:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)  # no copy of a big file
        if data.find(b'"') >= 0:
            data.close()
            self._scan_quoted()
        else:
            self._scan_lines(data)

    def _scan_lines(self, data: mmap.mmap) -> None:
        buf = np.frombuffer(data, np.uint8)
        newlines = _positions_of(buf, ord("\n"))
        starts = np.r_[0, newlines + 1]
        ends = np.r_[newlines, len(data)]
        if starts[-1] == len(data):
            starts, ends = starts[:-1], ends[:-1]
        ends = ends - ((ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13))
        line_no = np.arange(1, len(starts) + 1)
        keep = (ends > starts) & (line_no > self.head.header_line + 1)
        starts, ends, line_no = starts[keep], ends[keep], line_no[keep]
        width = len(self.head.header)
        if self.odd_rows:  # only then count each line's fields
            seps = _positions_of(buf, ord(self.head.sep))
            self._widths = np.searchsorted(seps, ends) - np.searchsorted(seps, starts) + 1
        else:
            self._widths = np.full(len(starts), width)
        self._rows = line_no
        encoding, sep = self.head.encoding, self.head.sep
        self._fields = lambda r: data[starts[r]:ends[r]].decode(
            encoding, errors="replace").lstrip("\ufeff").split(sep)

    def _scan_quoted(self) -> None:
        rows, widths, fields = array("q"), array("q"), []
        with open(self.path, encoding=self.head.encoding, errors="replace", newline="") as f:
            reader = csv.reader(f, delimiter=self.head.sep)
            line_end = 0
            for record in reader:
                start, line_end = line_end + 1, reader.line_num
                if start <= self.head.header_line + 1 or not record:
                    continue
                rows.append(start)
                widths.append(len(record))
                fields.append(record)
        self._rows, self._widths = np.asarray(rows), np.asarray(widths)
        self._fields = fields.__getitem__


def _positions_of(buf: np.ndarray, byte: int, block: int = 1 << 26) -> np.ndarray:
    """Offsets of ``byte`` in ``buf``, a block at a time (no file-sized temporary)."""
    found = [np.flatnonzero(buf[i:i + block] == byte) + i for i in range(0, len(buf), block)]
    return np.concatenate(found) if found else np.empty(0, np.int64)


def _reject_odd_rows(records: _CsvRecords, report: ImportReport) -> None:
    rows, widths, raw = records.odd()
    expected = len(records.head.header)
    for width in np.unique(widths):
        pick = np.flatnonzero(widths == width)
        report.reject(rows[pick], _("row has {width} fields, expected {expected}").format(
            width=width, expected=expected), raw.iloc[pick])


# --- Excel -----------------------------------------------------------------------------------

def read_tracks_xlsx(path, *, id_field: str | None = None, time_field: str | None = None,
                     lon_field: str | None = None, lat_field: str | None = None,
                     accuracy_field: str | None = None, inspector_id: str | None = None,
                     timezone: str = TRACK_TIMEZONE, progress: Progress | None = None,
                     ) -> tuple[Fixes, ImportReport]:
    """Fixes from the first sheet of an .xlsx (or .xls, with xlrd installed).

    Excel date-times carry no zone: they are read in ``timezone``, like naive text times.
    """
    path = require_file(Path(path))
    check_timezone(timezone)
    _one_id_source(path, id_field, inspector_id)
    report = ImportReport(str(path), "tracks")
    step(progress, 0, _STEPS, "reading the sheet")
    sheet_rows = _sheet_rows(path)
    if not any(any(_cell_text(v) for v in row) for row in sheet_rows):
        raise InputError(path, _("no fixes: the sheet is empty"))
    at = find_header_row([[_cell_text(v) for v in row] for row in sheet_rows[:20]])
    header = _unique_names([_cell_text(v) for v in sheet_rows[at]])
    numbers, text = _sheet_table(sheet_rows, at, header)
    samples = {name: [v for v in text[name].head(200) if v] for name in header}
    columns = match_columns(header, file=path, need_inspector=inspector_id is None,
                            overrides=dict(inspector=id_field, time=time_field, lon=lon_field,
                                           lat=lat_field, accuracy=accuracy_field),
                            samples=samples)
    note_accuracy_source(columns, report)
    step(progress, 1, _STEPS, "reading fixes")
    if not numbers.size:
        raise InputError(path, _("no fixes: the sheet has a header but no data rows"))
    parsed = parsed_from_text(pa.Table.from_pandas(text[list(dict.fromkeys(columns.values()))],
                                                   preserve_index=False),
                              columns, timezone, inspector_id=inspector_id, report=report)
    report.rows_read = len(parsed)
    step(progress, 2, _STEPS, "checking fixes")
    locate = lambda positions: (numbers[positions], text.iloc[positions])  # noqa: E731
    fixes = build_fixes(parsed, report, TrackSource(str(path), columns, locate))
    step(progress, _STEPS, _STEPS, f"{len(fixes):,} fixes read")
    return fixes, report


def _sheet_rows(path: Path) -> list[tuple]:
    if path.suffix.lower() == ".xls":
        try:
            frame = pd.read_excel(path, header=None, dtype=object)
        except ImportError as exc:
            raise InputError(path, _("reading .xls needs the xlrd package; save the sheet as "
                                     ".xlsx and import again")) from exc
        return [tuple(None if pd.isna(v) else v for v in row)
                for row in frame.itertuples(index=False)]
    import openpyxl
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(path, _("cannot open the workbook: {error}").format(
            error=exc)) from exc
    try:
        return list(book.worksheets[0].iter_rows(min_row=1, values_only=True))
    finally:
        book.close()


def _sheet_table(rows: list[tuple], header_at: int,
                 header: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Sheet row numbers and cell texts of the non-blank rows below the header."""
    numbers, cells = [], []
    width = len(header)
    for number, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        texts = [_cell_text(v) for v in row[:width]]
        if any(texts):
            numbers.append(number)
            cells.append(texts + [""] * (width - len(texts)))
    return (np.asarray(numbers, np.int64),
            pd.DataFrame(cells, columns=header, dtype="string"))


def _cell_text(value) -> str:
    """A cell as the text a CSV export would hold (Excel date-times as naive ISO text)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


_TABLE_READERS = {".csv": read_tracks_csv, ".txt": read_tracks_csv, ".tsv": read_tracks_csv,
                  ".xlsx": read_tracks_xlsx, ".xlsm": read_tracks_xlsx, ".xls": read_tracks_xlsx}
_POINT_READERS = {".gpx": gpx.read_gpx, ".kml": kml_tracks.read_kml_tracks}
