"""What every track reader shares: which header is which, how times read, and the row checks.

A reader (CSV, XLSX, GPX, KML) turns its file into :class:`ParsedFixes` — per-row values plus a
state saying whether each value was present and readable — and hands it to :func:`build_fixes`,
which rejects bad rows into the :class:`~gisapp.io.report.ImportReport` and returns the
:class:`~gisapp.fixes.Fixes` sorted by inspector, then time. Everything runs on whole columns
(numpy / pyarrow compute): no Python loop runs per row, except over the rejected ones.

>>> normalise_name(" GPS_Time ")
'gpstime'
>>> normalise_name("经度（°）")
'经度'
>>> match_columns(["X", "Y", "fid", "id", "tracker", "t"], file="a.csv",
...               samples={"id": ["1", "2", "3"]})
{'inspector': 'tracker', 'time': 't', 'lon': 'X', 'lat': 'Y'}
>>> ms, state = parse_time_text(pa.array(["2026-10-08 08:30:05", "2026-10-08T00:30:05Z", "x"]),
...                             "Asia/Shanghai")
>>> ms.tolist(), state.tolist()
([1791419405000, 1791419405000, 0], [0, 0, 2])
"""

from __future__ import annotations

import datetime as dt
import re
import time as _time
import unicodedata
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from gisapp.errors import InputError
from gisapp.fixes import Fixes
from gisapp.i18n import N_, _
from gisapp.io.report import ImportReport

# --- which column is which ---------------------------------------------------------------

# In order of preference: a person or device column beats a name, and a fix time beats an
# upload time. Compared after normalise_name, so case, spaces, '_' and '-' do not matter.
ALIASES: dict[str, tuple[str, ...]] = {
    "inspector": ("inspector_id", "网格员编号", "人员编号", "工号", "设备号", "终端号",
                  "设备编号", "device_id", "imei", "user_id", "tracker", "person",
                  "inspector", "网格员", "id", "姓名", "name"),
    "time": ("gps_time", "GPS时间", "定位时间", "采集时间", "time", "时间", "timestamp",
             "datetime", "日期时间", "t", "上报时间"),
    "lon": ("lon", "lng", "long", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "accuracy": ("accuracy", "acc", "精度", "hdop"),
}
OPTION_OF_ROLE = {"inspector": "id_field", "time": "time_field", "lon": "lon_field",
                  "lat": "lat_field", "accuracy": "accuracy_field"}
_REQUIRED = ("time", "lon", "lat")


def normalise_name(name: str) -> str:
    """Header text as compared: NFKC, lower case, no blanks, '_' or '-', no unit in brackets."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    text = re.sub(r"[(\[].*?[)\]]", "", text)
    return re.sub(r"[\s_\-]+", "", text)


def match_columns(header: list[str], *, file: str | Path,
                  overrides: dict[str, str | None] | None = None,
                  need_inspector: bool = True,
                  samples: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Map roles (inspector, time, lon, lat, accuracy) to header names.

    ``overrides`` maps a role to a column the user named; it must exist. A role that is
    required and not found raises InputError listing the columns found and the names expected.
    A bare 'id' column counts as the inspector only when no person or device column exists
    and its first values (``samples``) do not count 1, 2, 3... like a row number.
    """
    overrides = {role: col for role, col in (overrides or {}).items() if col is not None}
    by_norm: dict[str, str] = {}
    for name in header:
        by_norm.setdefault(normalise_name(name), name)
    found = {role: _named_column(col, header, by_norm, role, file)
             for role, col in overrides.items()}
    for role, aliases in ALIASES.items():
        if role in found or (role == "inspector" and not need_inspector):
            continue
        for alias in aliases:
            name = by_norm.get(normalise_name(alias))
            if alias == "id" and name is not None and _counts_rows((samples or {}).get(name)):
                continue
            if name is not None and name not in found.values():
                found[role] = name
                break
    found = {role: found[role] for role in ALIASES if role in found}
    missing = [r for r in (("inspector",) if need_inspector else ()) + _REQUIRED
               if r not in found]
    if missing:
        raise InputError(file, _missing_message(missing, header))
    return found


def _counts_rows(values: list[str] | None) -> bool:
    """True when the values run 1, 2, 3... (a row number, not an inspector).

    >>> _counts_rows(["1", "2", "3"]), _counts_rows(["WG01", "WG02"]), _counts_rows(["7", "7"])
    (True, False, False)
    """
    if not values or len(values) < 2 or not all(v.isdigit() for v in values):
        return False
    numbers = np.array([int(v) for v in values])
    return bool((np.diff(numbers) == 1).all())


def _named_column(wanted: str, header: list[str], by_norm: dict[str, str], role: str,
                  file) -> str:
    if wanted in header:
        return wanted
    name = by_norm.get(normalise_name(wanted))
    if name is None:
        raise InputError(file, _("column {column!r} ({option}) not found; the columns are "
                                 "{columns}").format(column=wanted, option=OPTION_OF_ROLE[role],
                                                     columns=_listing(header)))
    return name


_ROLE_NAMES = {"inspector": N_("inspector id"), "time": N_("time"), "lon": N_("longitude"),
               "lat": N_("latitude")}


def _missing_message(missing: list[str], header: list[str]) -> str:
    parts = [(_("no inspector id column (expected one of {names}; or name it with {option}= "
                "or give inspector_id= for a one-person file)") if r == "inspector" else
              _("no {what} column (expected one of {names}; or name it with {option}=)"))
             .format(what=_(_ROLE_NAMES[r]), names=_(", ").join(ALIASES[r]),
                     option=OPTION_OF_ROLE[r])
             for r in missing]
    return _("{problems}. Columns found: {columns}").format(problems=_("; ").join(parts),
                                                            columns=_listing(header))


def _listing(header: list[str]) -> str:
    return _(", ").join(repr(h) for h in header) if header else _("(none)")


def find_header_row(rows: list[list[str]], limit: int = 20) -> int:
    """Index of the header among the first rows: the first naming a time, lon or lat twice.

    Platform exports sometimes put a title line (\"XX平台轨迹导出\") above the header.

    >>> find_header_row([["巡查轨迹导出"], ["网格员编号", "定位时间", "经度", "纬度"]])
    1
    """
    known = {normalise_name(a) for r in _REQUIRED for a in ALIASES[r]}
    for i, row in enumerate(rows[:limit]):
        if sum(normalise_name(c) in known for c in row) >= 2:
            return i
    return 0


# --- per-row values ----------------------------------------------------------------------

OK, EMPTY, BAD = 0, 1, 2  # state of one value: read, missing, present but unreadable

_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"
_DATETIME = (r"^\s*(?P<Y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
             r"(?:[ T]+(?P<H>\d{1,2})[:时](?P<M>\d{1,2})"
             r"(?:[:分](?P<S>\d{1,2})(?:[.,](?P<f>\d{1,9}))?秒?)?)?"
             r"\s*(?P<z>Z|UTC|[+-]\d{2}(?::?\d{2})?)?\s*$")
_EPOCH_MS_FROM = 1e11  # below: epoch seconds (1e11 s is year 5138); above: milliseconds


@dataclass
class ParsedFixes:
    """Per-row values as read, before any check; states say OK, EMPTY or BAD per value."""

    inspector: np.ndarray      # int32 codes into inspector_ids, -1 where the id is missing
    inspector_ids: np.ndarray  # object array of str, sorted
    time_ms: np.ndarray        # int64 UTC milliseconds (0 where the state is not OK)
    time_state: np.ndarray     # uint8
    lon: np.ndarray            # float64
    lon_state: np.ndarray
    lat: np.ndarray
    lat_state: np.ndarray
    accuracy_m: np.ndarray     # float32, NaN when unknown
    refused: np.ndarray | None = None  # object array: a reason the reader already gave, or None

    def __len__(self) -> int:
        return int(self.time_ms.shape[0])


def count(n: int, thing: str, things: str | None = None) -> str:
    """'1 fix', '2 fixes'.

    >>> count(1, "fix", "fixes"), count(3, "waypoint")
    ('1 fix', '3 waypoints')
    """
    return f"{n} {thing if n == 1 else (things or thing + 's')}"


def require_file(path: Path) -> Path:
    """The path, or InputError when there is no such file."""
    if not path.is_file():
        raise InputError(path, _("no such file") if not path.exists() else _("not a file"))
    return path


def check_timezone(timezone: str) -> str:
    """The IANA zone name, or InputError (it comes from the user: --timezone)."""
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(None, _("unknown timezone {timezone!r} (expected an IANA name such "
                                 "as 'Asia/Shanghai' or 'UTC')").format(
            timezone=timezone)) from exc
    return timezone


def inspector_codes(ids: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """int32 codes (-1 = missing) and the sorted distinct ids, blanks stripped.

    Dictionary-encodes in Arrow; only the distinct ids are touched in Python.

    >>> inspector_codes(pa.array(["b", " a", None, "", "a"]))
    (array([ 1,  0, -1, -1,  0], dtype=int32), array(['a', 'b'], dtype=object))
    """
    encoded = pc.dictionary_encode(ids)
    if isinstance(encoded, pa.ChunkedArray):
        if encoded.num_chunks == 0:
            return np.empty(0, np.int32), np.empty(0, object)
        encoded = encoded.combine_chunks()  # one dictionary for all chunks
    raw_codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    names = np.array([("" if v is None else str(v).strip()) for v in
                      encoded.dictionary.to_pylist()], dtype=object)
    distinct, remap = np.unique(names.astype(str), return_inverse=True)
    remap = remap.astype(np.int32)
    if distinct.size and distinct[0] == "":  # blank ids are missing ids
        remap = remap - 1
        distinct = distinct[1:]
    remap = np.append(remap, np.int32(-1))  # position -1 maps a missing code to -1
    return remap[raw_codes], distinct.astype(object)


def numbers_from_arrow(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """float64 values and states from a float column (null = EMPTY, NaN/inf = BAD)."""
    arr = values.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    state = np.zeros(arr.shape[0], np.uint8)
    null = values.is_null().to_numpy(zero_copy_only=False)
    state[~np.isfinite(arr)] = BAD
    state[null] = EMPTY
    return arr, state


def numbers_from_text(text: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """float64 values and states from strings ('' = EMPTY, not a number = BAD).

    Each chunk is first cast whole in C++; only a chunk that fails is checked value by value.

    >>> numbers_from_text(pa.array([" 113.5", "", "abc", "1e3"]))
    (array([ 113.5,    nan,    nan, 1000. ]), array([0, 1, 2, 0], dtype=uint8))
    """
    parts = [_numbers_of_chunk(chunk) for chunk in _chunks(text)]
    if not parts:
        return np.empty(0), np.empty(0, np.uint8)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _numbers_of_chunk(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    try:
        return numbers_from_arrow(pc.cast(chunk, pa.float64()))
    except pa.ArrowInvalid:
        pass
    trimmed = pc.utf8_trim_whitespace(chunk)
    empty = _np_bool(pc.or_kleene(pc.is_null(trimmed), pc.equal(pc.utf8_length(trimmed), 0)))
    numeric = _np_bool(pc.match_substring_regex(trimmed, _NUMBER))
    values = np.full(len(chunk), np.nan)
    if numeric.any():
        values[numeric] = pc.cast(trimmed.filter(pa.array(numeric)), pa.float64()).to_numpy()
    state = np.full(len(chunk), BAD, np.uint8)
    state[numeric & np.isfinite(values)] = OK
    state[empty] = EMPTY
    return values, state


def epoch_to_ms(values: np.ndarray) -> np.ndarray:
    """Epoch seconds or milliseconds (told apart by size) to int64 milliseconds.

    >>> epoch_to_ms(np.array([1791419405.0, 1791419405123.0])).tolist()
    [1791419405000, 1791419405123]
    """
    values = np.asarray(values, np.float64)
    ms = np.where(np.abs(values) >= _EPOCH_MS_FROM, values, values * 1000.0)
    return np.rint(np.nan_to_num(ms)).astype(np.int64)


def local_to_utc_ms(local_ms: np.ndarray, timezone: str) -> np.ndarray:
    """Wall-clock milliseconds in ``timezone`` to UTC (a DST gap or overlap takes the earlier).

    >>> local_to_utc_ms(np.array([1791448205000]), "Asia/Shanghai").tolist()  # 08:30:05
    [1791419405000]
    """
    local_ms = np.asarray(local_ms, np.int64)
    offset = _steady_offset_ms(timezone, local_ms)
    if offset is not None:  # Asia/Shanghai: +8 h since 1991, no tz database lookups needed
        return local_ms - offset
    stamps = pa.array(local_ms, pa.timestamp("ms"))
    utc = pc.assume_timezone(stamps, timezone, ambiguous="earliest", nonexistent="earliest")
    return utc.cast(pa.int64()).to_numpy(zero_copy_only=False)


def _steady_offset_ms(timezone: str, local_ms: np.ndarray) -> int | None:
    """The zone's UTC offset when it does not change over the times' span, else None.

    Checked twice a day from a day before the first time to a day after the last; zones
    change offset for months at a time, never for hours.
    """
    if local_ms.size == 0:
        return 0
    first, last = int(local_ms.min()), int(local_ms.max())
    if last - first > 50 * 366 * _DAY_MS:
        return None
    zone = zoneinfo.ZoneInfo(timezone)
    probes = range(first - _DAY_MS, last + 2 * _DAY_MS, _DAY_MS // 2)
    offsets = {dt.datetime.fromtimestamp(p / 1000, zone).utcoffset() for p in probes}
    return int(offsets.pop().total_seconds() * 1000) if len(offsets) == 1 else None


def parse_time_text(text: pa.Array | pa.ChunkedArray,
                    timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """UTC milliseconds and states from time strings.

    Accepts dates with '-', '/', '.' or 年月日, a time with optional seconds and fraction,
    an optional zone (Z, UTC, +08, +0800, +08:00; none = ``timezone``), and epoch seconds or
    milliseconds written as numbers. Each chunk is first cast whole by Arrow's strict ISO 8601
    parser; only a chunk that fails is matched value by value.
    """
    parts = [_times_of_chunk(chunk) for chunk in _chunks(text)]
    if not parts:
        return np.empty(0, np.int64), np.empty(0, np.uint8)
    ms, state, naive = (np.concatenate([p[k] for p in parts]) for k in range(3))
    naive &= state == OK
    if naive.any():
        ms[naive] = local_to_utc_ms(ms[naive], timezone)
    return ms, state


def _times_of_chunk(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Milliseconds (wall clock where ``naive``, else UTC), states and the naive mask."""
    attempts = [(pa.float64(), False), (pa.timestamp("ms"), True),
                (pa.timestamp("ms", tz="UTC"), False), ("slashed", True)]
    for target, naive in attempts:
        try:
            if target == "slashed":  # 2026/10/08 08:30:05, zero-padded
                target = pa.timestamp("ms")
                values = pc.cast(pc.replace_substring(chunk, "/", "-"), target)
            else:
                values = pc.cast(chunk, target)
        except pa.ArrowInvalid:
            continue
        if target == pa.float64():
            numbers, state = numbers_from_arrow(values)
            return epoch_to_ms(numbers), state, np.zeros(len(chunk), bool)
        state = _np_bool(values.is_null()).astype(np.uint8)  # 1 = EMPTY
        ms = values.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
        return ms, state, np.full(len(chunk), naive)
    return _times_by_pattern(chunk)


def _times_by_pattern(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(chunk)
    ms = np.zeros(n, np.int64)
    state = np.full(n, BAD, np.uint8)
    naive = np.zeros(n, bool)
    numbers, number_state = _numbers_of_chunk(chunk)
    epoch = number_state == OK
    ms[epoch] = epoch_to_ms(numbers[epoch])
    state[epoch] = OK
    state[number_state == EMPTY] = EMPTY
    parts = pc.extract_regex(chunk, _DATETIME)
    matched = _np_bool(parts.is_valid()) & ~epoch
    if matched.any():
        stamp_ms, valid, stamp_naive = _datetime_parts(parts.filter(pa.array(matched)))
        where = np.flatnonzero(matched)[valid]
        ms[where], naive[where], state[where] = stamp_ms[valid], stamp_naive[valid], OK
    return ms, state, naive


def parsed_from_text(table: pa.Table, columns: dict[str, str], timezone: str, *,
                     inspector_id: str | None = None,
                     report: ImportReport | None = None) -> ParsedFixes:
    """ParsedFixes from a table of strings (the CSV slow path, XLSX, GPX and KML).

    ``columns`` maps roles to the table's column names; ``inspector_id`` stands in for a
    missing inspector column. Unreadable accuracy values become NaN, with a warning.
    """
    n = table.num_rows
    if inspector_id is not None:
        codes, ids = np.zeros(n, np.int32), np.array([str(inspector_id)], dtype=object)
    else:
        codes, ids = inspector_codes(table.column(columns["inspector"]))
    time_ms, time_state = parse_time_text(table.column(columns["time"]), timezone)
    lon, lon_state = numbers_from_text(table.column(columns["lon"]))
    lat, lat_state = numbers_from_text(table.column(columns["lat"]))
    accuracy = np.full(n, np.nan, np.float32)
    if "accuracy" in columns:
        values, state = numbers_from_text(table.column(columns["accuracy"]))
        accuracy = np.where(state == OK, values, np.nan).astype(np.float32)
        if report is not None and (state == BAD).any():
            report.warnings.append(f"{count(int((state == BAD).sum()), 'value')} of "
                                   f"{columns['accuracy']!r} not numbers: accuracy unknown "
                                   f"there")
    return ParsedFixes(codes, ids, time_ms, time_state, lon, lon_state, lat, lat_state,
                       accuracy)


def one_inspector(path: Path, inspector_id: str | None, report: ImportReport) -> str:
    """The id for a file that holds one person's tracks (GPX, KML): given, else the file name."""
    if inspector_id is not None:
        return str(inspector_id)
    report.notes.append(f"no inspector id given: every fix is attributed to {path.stem!r}, "
                        f"the file name")
    return path.stem


def note_accuracy_source(columns: dict[str, str], report: ImportReport) -> None:
    """Say so when the accuracy comes from an HDOP, which is a factor, not metres."""
    if "accuracy" in columns and "hdop" in normalise_name(columns["accuracy"]):
        report.notes.append(f"accuracy taken from {columns['accuracy']!r}, a dilution of "
                            f"precision (a factor, not metres); stored as is")


def _datetime_parts(parts: pa.StructArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Milliseconds (wall clock where there was no zone, else UTC), validity, naive mask."""
    field = {name: parts.field(name) for name in ("Y", "m", "d", "H", "M", "S", "f", "z")}
    year, month, day = (_int_field(field[k]) for k in ("Y", "m", "d"))
    hour, minute, second = (_int_field(field[k]) for k in ("H", "M", "S"))
    fraction = pc.utf8_rpad(pc.utf8_slice_codeunits(field["f"], 0, 3), 3, "0")
    milli = _int_field(fraction)
    month_start = ((year - 1970) * 12 + (month - 1)).astype("datetime64[M]")
    next_month = month_start + np.timedelta64(1, "M")
    days_in_month = (next_month.astype("datetime64[D]")
                     - month_start.astype("datetime64[D]")).astype(np.int64)
    valid = ((month >= 1) & (month <= 12) & (day >= 1) & (day <= days_in_month)
             & (hour < 24) & (minute < 60) & (second < 60))
    days = month_start.astype("datetime64[D]").astype(np.int64) + day - 1
    local = (((days * 24 + hour) * 60 + minute) * 60 + second) * 1000 + milli
    zone = pc.dictionary_encode(field["z"])
    zones = zone.dictionary.to_pylist()  # a handful: '', 'Z', '+08', ...
    codes = zone.indices.to_numpy(zero_copy_only=False)
    naive = codes == (zones.index("") if "" in zones else -1)
    return local - _zone_offset_ms(zones)[codes], valid, naive


def _zone_offset_ms(zones: list[str]) -> np.ndarray:
    """'Z', 'UTC', '+08', '+0800', '+08:00' → offset east of UTC in ms ('' → 0)."""
    offsets = []
    for zone in zones:
        digits = zone[1:].replace(":", "")
        if zone in ("", "Z", "UTC"):
            offsets.append(0)
            continue
        minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) >= 4 else 0)
        offsets.append((-1 if zone[0] == "-" else 1) * minutes * 60_000)
    return np.asarray(offsets, np.int64)


def _int_field(values: pa.Array) -> np.ndarray:
    """Digits to int64; '' (an optional part that was absent) to 0."""
    values = pc.if_else(pc.equal(values, ""), "0", values)
    return pc.cast(values, pa.int64()).to_numpy(zero_copy_only=False)


def _chunks(values: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return values.chunks if isinstance(values, pa.ChunkedArray) else [values]


def _combined(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    return values


def _np_bool(values) -> np.ndarray:
    return np.asarray(_combined(values).fill_null(False).to_numpy(zero_copy_only=False), bool)


# --- the checks --------------------------------------------------------------------------

EARLIEST_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
_DAY_MS = 86_400_000
_CHINA_LON = (73.0, 136.0)
_CHINA_LAT = (18.0, 54.0)
_MAX_DISTINCT_VALUES = 200  # past this many distinct bad values, one message without the value

Locate = Callable[[np.ndarray], tuple[np.ndarray, pd.DataFrame]]


@dataclass
class TrackSource:
    """How to talk about a reader's rows: the file, its column names, and row lookup.

    ``locate(positions)`` returns the user-facing row (or point) numbers of those parsed
    rows and a frame of their original fields as text, in the same order.
    """

    file: str
    columns: dict[str, str]
    locate: Locate
    unit: str = "row"


def build_fixes(parsed: ParsedFixes, report: ImportReport, source: TrackSource, *,
                now_ms: int | None = None) -> Fixes:
    """Reject the bad rows into ``report``; return the rest as Fixes sorted by inspector, time.

    Raises InputError when the whole file's lon and lat look swapped, or when nothing is left.
    """
    medians = _medians(parsed)
    _refuse_swapped_columns(medians, source)
    problems = _row_problems(parsed, medians, now_ms)
    bad = np.zeros(len(parsed), bool)
    for mask, _kind in problems:
        bad |= mask
    if bad.any():
        _report_problems(parsed, problems, np.flatnonzero(bad), report, source)
    fixes = _fixes_of(parsed, ~bad if bad.any() else slice(None))
    fixes = _without_duplicates(_sorted(fixes), report)
    report.rows_kept = len(fixes)
    if len(fixes) == 0:
        raise _nothing_imported(report, source)
    return fixes


def _refuse_swapped_columns(medians: tuple[float, float], source: TrackSource) -> None:
    lon_med, lat_med = medians
    if np.isnan(lon_med) or np.isnan(lat_med):
        return
    china_swapped = (_within(lon_med, _CHINA_LAT) and _within(lat_med, _CHINA_LON))
    impossible = abs(lat_med) > 90 and abs(lon_med) <= 90
    if china_swapped or impossible:
        lon_col, lat_col = source.columns["lon"], source.columns["lat"]
        raise InputError(source.file, _(
            "the lon and lat columns appear swapped: {lon!r} (read as longitude) has "
            "median {lon_median:.6g} and {lat!r} (read as latitude) has median "
            "{lat_median:.6g}. Swap the column names, or import with "
            "lon_field={lat!r}, lat_field={lon!r}").format(
                lon=lon_col, lat=lat_col, lon_median=lon_med, lat_median=lat_med))


def _medians(parsed: ParsedFixes) -> tuple[float, float]:
    """Median lon and lat of the rows where both are numbers (of a sample, on big files)."""
    every = slice(None, None, max(1, len(parsed) // 200_000))  # plenty for "the bulk"
    both = (parsed.lon_state[every] == OK) & (parsed.lat_state[every] == OK)
    if not both.any():
        return float("nan"), float("nan")
    return (float(np.median(parsed.lon[every][both])),
            float(np.median(parsed.lat[every][both])))


def _within(value, bounds) -> bool | np.ndarray:
    return (value >= bounds[0]) & (value <= bounds[1])


def _row_problems(parsed: ParsedFixes, medians: tuple[float, float],
                  now_ms: int | None) -> list[tuple[np.ndarray, str]]:
    """(mask, kind) per check; a row may fail several."""
    now_ms = int(_time.time() * 1000) if now_ms is None else now_ms
    t, ts = parsed.time_ms, parsed.time_state
    lon, lat = parsed.lon, parsed.lat
    numbers = (parsed.lon_state == OK) & (parsed.lat_state == OK)
    lon_med, lat_med = medians
    in_china = _within(lon_med, _CHINA_LON) and _within(lat_med, _CHINA_LAT)
    swapped = (numbers & _within(lon, _CHINA_LAT) & _within(lat, _CHINA_LON)
               if in_china else np.zeros(len(parsed), bool))
    problems = [
        (parsed.inspector < 0, "id_missing"),
        (ts == EMPTY, "time_empty"),
        (ts == BAD, "time_bad"),
        ((ts == OK) & (t < EARLIEST_MS), "time_early"),
        ((ts == OK) & (t > now_ms + _DAY_MS), "time_future"),
        (parsed.lon_state == EMPTY, "lon_empty"),
        (parsed.lon_state == BAD, "lon_bad"),
        (parsed.lat_state == EMPTY, "lat_empty"),
        (parsed.lat_state == BAD, "lat_bad"),
        (swapped, "swapped"),
        (numbers & ~swapped & ((lon < -180) | (lon > 180)), "lon_range"),
        (numbers & ~swapped & ((lat < -90) | (lat > 90)), "lat_range"),
        (numbers & (lon == 0) & (lat == 0), "null_island"),
    ]
    if parsed.refused is not None:  # the reader's reason stands alone
        refused = np.not_equal(parsed.refused, None)
        problems = [(refused, "refused")] + [(mask & ~refused, kind) for mask, kind in problems]
    return [(mask, kind) for mask, kind in problems if mask.any()]


# kind -> (message with {v} for the original value, or None, message without the value);
# translated when a row is rejected
_MESSAGES = {
    "id_missing": (None, N_("no inspector id: {id} is empty")),
    "time_empty": (None, N_("no time: {time} is empty")),
    "time_bad": (N_("time {v!r} cannot be read as a date and time"),
                 N_("time cannot be read as a date and time")),
    "time_early": (N_("time {v!r} is implausible: before 2000-01-01"),
                   N_("time is implausible: before 2000-01-01")),
    "time_future": (N_("time {v!r} is implausible: more than a day in the future"),
                    N_("time is implausible: more than a day in the future")),
    "lon_empty": (None, N_("no longitude: {lon} is empty")),
    "lon_bad": (N_("lon {v!r} is not a number"), N_("lon is not a number")),
    "lat_empty": (None, N_("no latitude: {lat} is empty")),
    "lat_bad": (N_("lat {v!r} is not a number"), N_("lat is not a number")),
    "swapped": (None, N_("lat/lon swapped: this fix has the latitude in the longitude column "
                         "and the longitude in the latitude column (the rest of the file is "
                         "in China)")),
    "lon_range": (N_("lon {v} is out of range (-180..180)"),
                  N_("lon is out of range (-180..180)")),
    "lat_range": (N_("lat {v} is out of range (-90..90)"), N_("lat is out of range (-90..90)")),
    "null_island": (None, N_("position 0,0: the device had no GPS fix")),
}
_VALUE_ROLE = {"time_bad": "time", "time_early": "time", "time_future": "time",
               "lon_bad": "lon", "lon_range": "lon", "lat_bad": "lat", "lat_range": "lat"}


def _report_problems(parsed: ParsedFixes, problems, bad_positions: np.ndarray,
                     report: ImportReport, source: TrackSource) -> None:
    rows, raw = source.locate(bad_positions)
    raw = raw.reset_index(drop=True)
    names = {role: repr(col) for role, col in source.columns.items()}
    names.setdefault("id", names.get("inspector", "'inspector id'"))
    for mask, kind in problems:
        picked = np.flatnonzero(mask[bad_positions])
        sub_rows, sub_raw = rows[picked], raw.iloc[picked]
        if kind == "refused":
            reasons = parsed.refused[bad_positions[picked]]
            _reject_grouped(report, sub_rows, sub_raw, reasons, "{v}",
                            _("rejected by the reader"))
            continue
        with_value, without = _MESSAGES[kind]
        role = _VALUE_ROLE.get(kind)
        column = source.columns.get(role) if role else None
        if with_value is None or column not in sub_raw.columns:
            report.reject(sub_rows, _(without).format(**names), sub_raw)
        else:
            _reject_grouped(report, sub_rows, sub_raw, sub_raw[column], _(with_value),
                            _(without))


def _reject_grouped(report, rows, raw, values, with_value: str, without: str) -> None:
    """One reject call per distinct original value, so the message can quote it.

    ``with_value`` (a template of ``{v}``) and ``without`` are already translated.
    """
    values = pd.Series(values).reset_index(drop=True).astype("string").fillna("")
    groups = values.groupby(values, sort=False).indices
    if len(groups) > _MAX_DISTINCT_VALUES:
        report.reject(rows, without, raw)
        return
    for value, positions in groups.items():
        report.reject(rows[positions], with_value.format(v=str(value).strip()),
                      raw.iloc[positions])


def _fixes_of(parsed: ParsedFixes, keep: np.ndarray | slice) -> Fixes:
    """The kept rows, with inspector ids no kept row uses dropped."""
    codes = parsed.inspector[keep]
    used = np.zeros(parsed.inspector_ids.shape[0] + 1, bool)
    used[codes] = True
    used = used[:-1]
    new_code = np.cumsum(used, dtype=np.int64) - 1
    return Fixes(new_code[codes].astype(np.int32) if codes.size else codes.astype(np.int32),
                 parsed.inspector_ids[used], parsed.time_ms[keep], parsed.lon[keep],
                 parsed.lat[keep], parsed.accuracy_m[keep])


def _sorted(fixes: Fixes) -> Fixes:
    """By inspector (codes follow the sorted ids), then time; stable, so file order breaks ties."""
    codes, t = fixes.inspector, fixes.time_ms
    if len(fixes) < 2:
        return fixes
    step_code = np.diff(codes)
    if ((step_code > 0) | ((step_code == 0) & (np.diff(t) >= 0))).all():
        return fixes
    n_ids = fixes.inspector_ids.shape[0]
    if n_ids <= np.iinfo(np.uint16).max:
        by_time = np.argsort(t, kind="stable")  # cheap when the file is in time order
        order = by_time[np.argsort(codes[by_time].astype(np.uint16), kind="stable")]  # radix
    else:
        order = np.lexsort((t, codes))
    # gathers are the cost here: sorted codes are runs, and all-unknown accuracy stays as is
    sorted_codes = np.repeat(np.arange(n_ids, dtype=np.int32), np.bincount(codes, minlength=n_ids))
    accuracy = (fixes.accuracy_m if np.isnan(fixes.accuracy_m).all()
                else fixes.accuracy_m[order])
    return Fixes(sorted_codes, fixes.inspector_ids, t[order], fixes.lon[order],
                 fixes.lat[order], accuracy)


def _without_duplicates(fixes: Fixes, report: ImportReport) -> Fixes:
    """Drop exact repeats (same inspector, time and position); count them in the notes."""
    if len(fixes) < 2:
        return fixes
    same = (np.diff(fixes.inspector) == 0) & (np.diff(fixes.time_ms) == 0)
    if not same.any():
        return fixes
    # only rows sharing an inspector and a time with a neighbour can repeat
    involved = np.flatnonzero(np.r_[same, False] | np.r_[False, same])
    frame = pd.DataFrame({"c": fixes.inspector[involved], "t": fixes.time_ms[involved],
                          "x": fixes.lon[involved], "y": fixes.lat[involved]})
    repeat = frame.duplicated().to_numpy()
    conflicting = int(frame.drop_duplicates().duplicated(["c", "t"]).sum())
    if conflicting:
        report.warnings.append(f"{count(conflicting, 'fix', 'fixes')} with the inspector "
                               f"and time of another fix but a different position; all kept")
    if not repeat.any():
        return fixes
    keep = np.ones(len(fixes), bool)
    keep[involved[repeat]] = False
    dropped = count(int(repeat.sum()), "exact duplicate fix", "exact duplicate fixes")
    report.notes.append(f"{dropped} (same inspector, time and position) dropped; "
                        f"one of each kept")
    return fixes.take(np.flatnonzero(keep))


# (unit, several) -> how often a problem was met; unit -> every row or point rejected
_PROBLEM_COUNTS = {
    ("row", False): N_("{problem} ({size} row, first row {first})"),
    ("row", True): N_("{problem} ({size} rows, first row {first})"),
    ("point", False): N_("{problem} ({size} point, first point {first})"),
    ("point", True): N_("{problem} ({size} points, first point {first})"),
}
_ALL_REJECTED = {"row": N_("no fixes: all {count} rows were rejected: {problems}"),
                 "point": N_("no fixes: all {count} points were rejected: {problems}")}


def _nothing_imported(report: ImportReport, source: TrackSource) -> InputError:
    """InputError naming the commonest problems, with the report attached as ``.report``."""
    rejected = report.rejected
    unit = source.unit
    if rejected.empty:
        err = InputError(source.file, _("no fixes"))
    else:
        counts = rejected.groupby("problem", sort=False)["row"].agg(["size", "min"])
        counts = counts.sort_values("size", ascending=False)
        listed = _("; ").join(_(_PROBLEM_COUNTS[unit, size > 1]).format(
            problem=problem, size=size, first=first)
            for problem, size, first in counts.head(3).itertuples())
        more = len(counts) - 3
        if more > 0:
            listed += _("; and {more} other problems").format(more=more)
        err = InputError(source.file, _(_ALL_REJECTED[unit]).format(count=len(rejected),
                                                                    problems=listed))
    err.report = report  # type: ignore[attr-defined]
    return err
