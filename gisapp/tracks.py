"""Patrol tracks: clean GPS fixes (bad accuracy, duplicates, jumps), split sessions, find stops.

Everything works on numpy columns; Python loops run per inspector (and, in :func:`stops`, per
stop), never per fix. Distances are metres in a :class:`~gisapp.geodesy.LocalProjection`.

Cleaning, in this order, each fix dropped for the first reason that applies:

1. ``invalid``: longitude/latitude not finite, outside [-180, 180] x [-90, 90], or exactly 0, 0
   (the "null island" some devices write when they have no fix);
2. ``accuracy``: the device's reported accuracy is worse than ``max_accuracy_m`` (unknown
   accuracy, NaN, is kept);
3. ``duplicate``: same time and same position as the previous fix of the inspector;
4. ``jump``: an excursion of 1 to ``max_jump_fixes`` consecutive fixes that is reached and left
   at implied speeds above ``max_speed_mps`` while the path that skips it is plausible (at most
   ``max_speed_mps``). A real fast drive is never an excursion: the path skipping one of its
   fixes is just as fast, so it is kept. At the start or end of a session (no fix within
   ``gap_s`` on one side) an excursion is a fix that is left (reached) too fast while the next
   (previous) step is plausible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gisapp.fixes import Fixes
from gisapp.geodesy import LocalProjection

LOCAL_OFFSET_MS = 8 * 3600 * 1000  # Asia/Shanghai: UTC+8 all year (no DST since 1991)
DAY_MS = 86_400_000
TIMEZONE = "Asia/Shanghai"

DROP_REASONS = ("invalid", "accuracy", "duplicate", "jump")
_KEPT = 0  # reason code of a kept fix; reason k + 1 is DROP_REASONS[k]


@dataclass(frozen=True)
class CleaningParams:
    """How fixes are cleaned and tracks cut; every default is what the bureau gets unless set.

    max_speed_mps        40 m/s (144 km/h): faster than any patrol in town, slower than the
                         hundreds of metres a multipath or cell-tower fix jumps in seconds
    max_accuracy_m       100 m: a fix the device itself places no better than this cannot say
                         whether a 50 m visit radius was entered
    drop_duplicates      True: platforms often upload a fix twice
    max_jump_fixes       3: a jump of up to three consecutive bad fixes is recognised
    gap_s                600 s: a silence of more than 10 minutes ends a session; distance and
                         time are not counted across it, and no line is drawn over it
    stop_min_duration_s  60 s and stop_max_diameter_m 100 m: a stop is at least a minute within
                         a 100 m circle (movingpandas' TrajectoryStopDetector tutorial values)
    """

    max_speed_mps: float = 40.0
    max_accuracy_m: float = 100.0
    drop_duplicates: bool = True
    max_jump_fixes: int = 3
    gap_s: float = 600.0
    stop_min_duration_s: float = 60.0
    stop_max_diameter_m: float = 100.0


@dataclass
class Track:
    """One inspector's cleaned fixes, time-ordered, with metric coordinates and sessions.

    ``session`` numbers the sessions from 0; ``fixes`` is how many fixes went in, ``dropped``
    how many were dropped per DROP_REASONS entry; ``jumps`` holds the dropped jump fixes
    (time_ms, lon, lat) as evidence.
    """

    inspector_id: str
    time_ms: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    session: np.ndarray
    accuracy_m: np.ndarray | None = None
    fixes: int = 0
    dropped: dict = field(default_factory=lambda: dict.fromkeys(DROP_REASONS, 0))
    jumps: tuple = (np.empty(0, np.int64), np.empty(0), np.empty(0))
    _segments: tuple | None = field(default=None, repr=False, compare=False)
    _day: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return int(self.time_ms.shape[0])

    @property
    def day(self) -> np.ndarray:
        """Local (Asia/Shanghai) day number of each fix, days since 1970-01-01."""
        if self._day is None:
            self._day = sorted_local_day(self.time_ms)
        return self._day

    def segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(dt_s, length_m, within) of each step i -> i + 1; ``within``: same session.
        Computed once (the arrays are shared: do not write to them)."""
        if self._segments is None:
            dt = np.diff(self.time_ms) * 1e-3
            dx, dy = np.diff(self.x), np.diff(self.y)
            length = np.sqrt(dx * dx + dy * dy)
            within = self.session[1:] == self.session[:-1]
            self._segments = (dt, length, within)
        return self._segments


@dataclass
class CleaningStats:
    """Fixes kept and dropped per inspector: a frame indexed by inspector_id with columns
    ``fixes``, ``kept``, ``dropped`` and ``dropped_<reason>`` for each of DROP_REASONS."""

    table: pd.DataFrame

    @classmethod
    def from_tracks(cls, tracks: list[Track]) -> CleaningStats:
        rows = [{"inspector_id": t.inspector_id, "fixes": t.fixes, "kept": len(t),
                 "dropped": t.fixes - len(t),
                 **{f"dropped_{r}": t.dropped[r] for r in DROP_REASONS}} for t in tracks]
        columns = ["inspector_id", "fixes", "kept", "dropped",
                   *(f"dropped_{r}" for r in DROP_REASONS)]
        return cls(pd.DataFrame(rows, columns=columns).set_index("inspector_id"))

    def total(self) -> dict[str, int]:
        return {c: int(v) for c, v in self.table.sum().items()}


# ---- public operations on Fixes -----------------------------------------------------------
def clean(fixes: Fixes, params: CleaningParams = CleaningParams(),
          projection: LocalProjection | None = None) -> tuple[Fixes, CleaningStats]:
    """Drop invalid, inaccurate, duplicate and jump fixes; returns the kept fixes (sorted by
    inspector and time) and the counts per inspector and reason.

    >>> t = np.arange(5) * 10_000
    >>> lon = np.array([113.62, 113.6201, 113.65, 113.6203, 113.6204])  # the third teleports
    >>> lat = np.full(5, 34.75)
    >>> kept, stats = clean(Fixes.from_ids(["a"] * 5, t, lon, lat))
    >>> len(kept), stats.total()["dropped_jump"]
    (4, 1)
    """
    tracks = [clean_track(part, params, projection)
              for part in split_by_inspector(fixes)]
    kept = Fixes.concat([_track_fixes(t) for t in tracks]) if tracks else Fixes.empty()
    return kept, CleaningStats.from_tracks(tracks)


def sessions(fixes: Fixes, gap_s: float = CleaningParams.gap_s,
             projection: LocalProjection | None = None) -> pd.DataFrame:
    """One row per session (a run of fixes without a silence over ``gap_s``) of each inspector:
    inspector_id, session, start, end, fixes, duration_s, distance_m. Fixes are taken as they
    are (clean them first).
    """
    projection = projection or default_projection(fixes)
    frames = []
    for part in split_by_inspector(fixes):
        order = np.argsort(part.time_ms, kind="stable")
        t = part.time_ms[order]
        x, y = projection.forward(part.lon[order], part.lat[order])
        sid = session_ids(t, gap_s)
        frames.append(_session_table(part.inspector_ids[part.inspector[0]], t, x, y, sid))
    if not frames:
        return _session_table("", np.empty(0, np.int64), np.empty(0), np.empty(0),
                              np.empty(0, np.int32))
    return pd.concat(frames, ignore_index=True)


def stops(fixes: Fixes, min_duration_s: float = CleaningParams.stop_min_duration_s,
          max_diameter_m: float = CleaningParams.stop_max_diameter_m,
          projection: LocalProjection | None = None) -> pd.DataFrame:
    """Stops of each inspector, like movingpandas' ``TrajectoryStopDetector``: a stop is a run
    of consecutive fixes lasting at least ``min_duration_s`` that fits in ``max_diameter_m``.

    Columns: inspector_id, start, end, duration_s, fixes, lon, lat (the mean position),
    diameter_m. Differences from movingpandas: the spread is measured by the diagonal of the
    axis-aligned bounding box in metres (movingpandas takes the minimum rotated rectangle's
    diagonal, never larger), a stop starts at the earliest fix from which the rule holds, and
    the fix that breaks a stop may start the next one.
    """
    projection = projection or default_projection(fixes)
    frames = []
    for part in split_by_inspector(fixes):
        order = np.argsort(part.time_ms, kind="stable")
        t = part.time_ms[order]
        x, y = projection.forward(part.lon[order], part.lat[order])
        first, last = stop_runs(t, x, y, min_duration_s, max_diameter_m)
        frames.append(_stop_table(part.inspector_ids[part.inspector[0]], t, x, y, first, last,
                                  projection))
    if not frames:
        return _stop_table("", np.empty(0, np.int64), np.empty(0), np.empty(0),
                           np.empty(0, np.int64), np.empty(0, np.int64), None)
    return pd.concat(frames, ignore_index=True)


# ---- one inspector -----------------------------------------------------------------------
def clean_track(fixes: Fixes, params: CleaningParams = CleaningParams(),
                projection: LocalProjection | None = None) -> Track:
    """Clean the fixes of one inspector (any order) into a :class:`Track`."""
    codes = fixes.inspector
    if len(codes) and codes.min() != codes.max():
        raise ValueError("clean_track takes the fixes of one inspector; use clean()")
    inspector_id = str(fixes.inspector_ids[codes[0]]) if len(codes) else ""
    projection = projection or default_projection(fixes)
    t, lon, lat, acc = fixes.time_ms, fixes.lon, fixes.lat, fixes.accuracy_m
    if len(t) > 1 and not np.all(t[1:] >= t[:-1]):
        order = np.argsort(t, kind="stable")
        t, lon, lat, acc = t[order], lon[order], lat[order], acc[order]
    reason = np.zeros(len(t), np.int8)
    _mark(reason, ~_valid(lon, lat), "invalid")
    _mark(reason, acc > params.max_accuracy_m, "accuracy")  # NaN compares False: kept
    if params.drop_duplicates:
        _mark(reason, _duplicates(t, lon, lat), "duplicate")
    keep = np.flatnonzero(reason == _KEPT)
    kt, klon, klat, kacc = t[keep], lon[keep], lat[keep], acc[keep]
    x, y = projection.forward(klon, klat)
    jump = _jumps(kt, x, y, params)
    reason[keep[jump]] = 1 + DROP_REASONS.index("jump")
    counts = np.bincount(reason, minlength=len(DROP_REASONS) + 1)
    if jump.any():
        ok = ~jump
        kt, klon, klat, kacc, x, y = kt[ok], klon[ok], klat[ok], kacc[ok], x[ok], y[ok]
    return Track(inspector_id, kt, klon, klat, x, y,
                 session_ids(kt, params.gap_s), accuracy_m=kacc, fixes=len(t),
                 dropped={r: int(counts[k + 1]) for k, r in enumerate(DROP_REASONS)},
                 jumps=(t[keep[jump]], lon[keep[jump]], lat[keep[jump]]))


def session_ids(time_ms: np.ndarray, gap_s: float) -> np.ndarray:
    """Session number of each fix of one time-ordered track: a new one after each gap.

    >>> session_ids(np.array([0, 10_000, 900_000, 905_000]), 600).tolist()
    [0, 0, 1, 1]
    """
    out = np.zeros(len(time_ms), np.int32)
    if len(time_ms) > 1:
        np.cumsum(np.diff(time_ms) > gap_s * 1000, out=out[1:])
    return out


def stop_runs(time_ms: np.ndarray, x: np.ndarray, y: np.ndarray, min_duration_s: float,
              max_diameter_m: float) -> tuple[np.ndarray, np.ndarray]:
    """First and last index of each stop of one time-ordered track (see :func:`stops`).

    >>> t = np.arange(10) * 30_000
    >>> x = np.array([0, 200, 400, 402, 401, 403, 400, 600, 800, 1000.0])
    >>> first, last = stop_runs(t, x, np.zeros(10), 60, 100)
    >>> first.tolist(), last.tolist()
    ([2], [6])
    """
    n = len(time_ms)
    starts = _compact_windows(time_ms, x, y, min_duration_s * 1000, max_diameter_m)
    firsts, lasts = [], []
    candidates = np.flatnonzero(starts)
    position = 0
    while True:
        k = np.searchsorted(candidates, position)
        if k == len(candidates):
            break
        i = int(candidates[k])
        j = _grow(x, y, i, max_diameter_m)  # last index of the run that still fits
        firsts.append(i)
        lasts.append(j)
        position = j + 1
        if position >= n:
            break
    return np.asarray(firsts, np.int64), np.asarray(lasts, np.int64)


def split_by_inspector(fixes: Fixes) -> list[Fixes]:
    """The fixes of each inspector (views when the input is grouped by inspector already)."""
    return [fixes.take(slice(a, b)) if b is not None else fixes.take(a)
            for a, b in inspector_slices(fixes.inspector)]


def inspector_slices(codes: np.ndarray) -> list[tuple]:
    """(start, stop) of each inspector's run when codes are grouped, else (index array, None)."""
    if len(codes) == 0:
        return []
    cuts = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    starts = np.concatenate([[0], cuts])
    if len(np.unique(codes[starts])) == len(starts):  # each inspector in one run
        stops_ = np.concatenate([cuts, [len(codes)]])
        return [(int(a), int(b)) for a, b in zip(starts, stops_)]
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    cuts = np.flatnonzero(sorted_codes[1:] != sorted_codes[:-1]) + 1
    return [(part, None) for part in np.split(order, cuts)]


def default_projection(fixes: Fixes) -> LocalProjection:
    """A projection about the median position of (a sample of) the fixes."""
    ok = _valid(fixes.lon, fixes.lat)
    step = max(1, len(fixes) // 10_000)
    lon, lat = fixes.lon[::step][ok[::step]], fixes.lat[::step][ok[::step]]
    if len(lon) == 0:  # nothing to project: any centre will do
        return LocalProjection.around(113.62, 34.75)
    return LocalProjection.around(float(np.median(lon)), float(np.median(lat)))


def local_day(time_ms: np.ndarray) -> np.ndarray:
    """Asia/Shanghai calendar day of UTC milliseconds, as days since 1970-01-01 (int64)."""
    return (time_ms + LOCAL_OFFSET_MS) // DAY_MS


def sorted_local_day(time_ms: np.ndarray) -> np.ndarray:
    """:func:`local_day` of time-ordered milliseconds, cutting at midnights instead of dividing
    every value.

    >>> t = np.array([0, 15, 16, 40]) * 3_600_000  # 08:00, 23:00, 00:00 +1 d, 00:00 +2 d
    >>> sorted_local_day(t).tolist()
    [0, 0, 1, 2]
    """
    if len(time_ms) == 0:
        return np.empty(0, np.int64)
    first, last = int(local_day(time_ms[0])), int(local_day(time_ms[-1]))
    midnights = np.arange(first + 1, last + 1, dtype=np.int64) * DAY_MS - LOCAL_OFFSET_MS
    counts = np.diff(np.r_[0, np.searchsorted(time_ms, midnights), len(time_ms)])
    return np.repeat(np.arange(first, last + 1, dtype=np.int64), counts)


def to_local_timestamps(time_ms) -> pd.Series | pd.Timestamp:
    """UTC milliseconds as Asia/Shanghai timestamps (pandas)."""
    if np.ndim(time_ms) == 0:
        return pd.Timestamp(int(time_ms), unit="ms", tz="UTC").tz_convert(TIMEZONE)
    values = np.asarray(time_ms, np.int64).astype("datetime64[ms]")
    return pd.Series(pd.DatetimeIndex(values, tz="UTC").tz_convert(TIMEZONE))


# ---- private steps -----------------------------------------------------------------------
def _mark(reason: np.ndarray, condition: np.ndarray, name: str) -> None:
    reason[(reason == _KEPT) & condition] = 1 + DROP_REASONS.index(name)


def _valid(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    # NaN and infinities fail the range tests
    return (np.abs(lon) <= 180) & (np.abs(lat) <= 90) & ((lon != 0) | (lat != 0))


def _duplicates(t: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Fixes equal in time and position to an earlier one (equal times are adjacent)."""
    same_time = t[1:] == t[:-1]
    out = np.zeros(len(t), bool)
    if not same_time.any():
        return out
    # Within a run of equal times, order by position so equal fixes are neighbours.
    order = np.lexsort((lat, lon, t))
    st, so, sa = t[order], lon[order], lat[order]
    dup = (st[1:] == st[:-1]) & (so[1:] == so[:-1]) & (sa[1:] == sa[:-1])
    out[order[1:][dup]] = True
    return out


def _jumps(t: np.ndarray, x: np.ndarray, y: np.ndarray, params: CleaningParams) -> np.ndarray:
    """Fixes in excursions of 1..max_jump_fixes fixes (see the module docstring).

    Step speeds are computed once per pass with slices; the excursion rules are then checked
    only where a step is too fast, which is rare, so a pass costs a few array operations.
    """
    n = len(t)
    jump = np.zeros(n, bool)
    alive = np.arange(n)
    at, ax, ay = t, x, y
    limit2 = params.max_speed_mps ** 2
    gap_ms = params.gap_s * 1000
    for k in range(1, params.max_jump_fixes + 1):
        m = len(at)
        if m < k + 2:
            break
        step_ms = np.diff(at)
        seconds = np.maximum(step_ms * 1e-3, 1.0)
        step2 = np.diff(ax) ** 2 + np.diff(ay) ** 2
        fast = step2 > limit2 * seconds * seconds           # step i -> i + 1 too fast
        fast_steps = np.flatnonzero(fast)
        if len(fast_steps) == 0:
            break
        linked = step_ms <= gap_ms                          # step i -> i + 1 in a session
        # excursion first..last = first + k - 1, entered by step first - 1, left by step last
        first = np.unique(np.r_[fast_steps + 1, fast_steps - k + 1])
        first = first[(first >= 0) & (first + k - 1 < m)]
        last = first + k - 1
        has_before = first > 0
        has_after = last < m - 1
        has_before[has_before] &= linked[first[has_before] - 1]
        has_after[has_after] &= linked[last[has_after]]
        before, after = np.maximum(first - 1, 0), np.minimum(last + 1, m - 1)
        fast_in = has_before & fast[np.minimum(before, m - 2)]
        fast_out = has_after & fast[np.minimum(last, m - 2)]
        interior = fast_in & fast_out & _plausible(at, ax, ay, before, after, limit2)
        # session edges: the neighbour on the open side is missing, the other side goes on
        before2 = np.maximum(before - 1, 0)
        lead = (~has_before & fast_out & (after + 1 < m) & linked[np.minimum(after, m - 2)]
                & ~fast[np.minimum(after, m - 2)])
        trail = (~has_after & fast_in & (before >= 1) & linked[np.maximum(before2, 0)]
                 & ~fast[before2])
        starts = first[interior | lead | trail]
        if len(starts) == 0:
            continue
        bad = np.zeros(m, bool)
        for offset in range(k):
            bad[starts + offset] = True
        jump[alive[bad]] = True
        # the steps that replace dropped fixes are plausible or cross a session gap, so only
        # fast steps between two surviving fixes can start another excursion
        if not (~bad[fast_steps] & ~bad[fast_steps + 1]).any():
            break
        alive = alive[~bad]
        at, ax, ay = t[alive], x[alive], y[alive]
    return jump


def _plausible(t, x, y, a, b, limit2) -> np.ndarray:
    """Is going from fix a to fix b at most the speed limit (``limit2``: its square)?"""
    dt = np.maximum((t[b] - t[a]) * 1e-3, 1.0)
    return (x[b] - x[a]) ** 2 + (y[b] - y[a]) ** 2 <= limit2 * dt * dt


def _track_fixes(track: Track) -> Fixes:
    n = len(track)
    accuracy = (track.accuracy_m if track.accuracy_m is not None
                else np.full(n, np.nan, np.float32))
    return Fixes(np.zeros(n, np.int32), np.array([track.inspector_id], object), track.time_ms,
                 track.lon, track.lat, accuracy)


def _session_table(inspector_id, t, x, y, sid) -> pd.DataFrame:
    n_sessions = int(sid[-1]) + 1 if len(sid) else 0
    starts = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]]) if len(sid) else np.empty(0, int)
    ends = np.r_[starts[1:], len(sid)] - 1 if len(sid) else np.empty(0, int)
    step = np.hypot(np.diff(x), np.diff(y)) * (sid[1:] == sid[:-1])
    cumulative = np.r_[0.0, np.cumsum(step)]
    return pd.DataFrame({
        "inspector_id": pd.array([inspector_id] * n_sessions, dtype="string"),
        "session": np.arange(n_sessions),
        "start": to_local_timestamps(t[starts]).to_numpy() if n_sessions else
        pd.Series([], dtype=f"datetime64[ms, {TIMEZONE}]"),
        "end": to_local_timestamps(t[ends]).to_numpy() if n_sessions else
        pd.Series([], dtype=f"datetime64[ms, {TIMEZONE}]"),
        "fixes": (ends - starts + 1).astype(np.int64),
        "duration_s": (t[ends] - t[starts]) * 1e-3,
        "distance_m": cumulative[ends] - cumulative[starts],
    })


def _stop_table(inspector_id, t, x, y, first, last, projection) -> pd.DataFrame:
    n = len(first)
    if n:
        counts = last - first + 1
        sx = np.array([x[a:b + 1].mean() for a, b in zip(first, last)])
        sy = np.array([y[a:b + 1].mean() for a, b in zip(first, last)])
        diameter = np.array([np.hypot(np.ptp(x[a:b + 1]), np.ptp(y[a:b + 1]))
                             for a, b in zip(first, last)])
        lon, lat = projection.inverse(sx, sy)
        start = to_local_timestamps(t[first]).to_numpy()
        end = to_local_timestamps(t[last]).to_numpy()
    else:
        counts = np.empty(0, np.int64)
        lon = lat = diameter = np.empty(0)
        start = end = pd.Series([], dtype=f"datetime64[ms, {TIMEZONE}]")
    return pd.DataFrame({
        "inspector_id": pd.array([inspector_id] * n, dtype="string"),
        "start": start, "end": end,
        "duration_s": (t[last] - t[first]) * 1e-3 if n else np.empty(0),
        "fixes": counts.astype(np.int64), "lon": lon, "lat": lat, "diameter_m": diameter,
    })


def _compact_windows(t: np.ndarray, x: np.ndarray, y: np.ndarray, duration_ms: float,
                     diameter: float) -> np.ndarray:
    """For each fix i: does the run i..k, k the first fix at least ``duration_ms`` later, fit
    in ``diameter``? Window extremes come from a sparse table (log2(window) levels)."""
    n = len(t)
    if n < 2:
        return np.zeros(n, bool)
    k = np.searchsorted(t, t + duration_ms, side="left")
    exists = k < n
    k = np.minimum(k, n - 1)
    length = k - np.arange(n) + 1
    levels = max(1, int(np.ceil(np.log2(max(int(length.max()), 2)))) + 1)
    tables = [(x, x, y, y)]
    for level in range(1, levels):
        half = 1 << (level - 1)
        lo_x, hi_x, lo_y, hi_y = tables[-1]
        m = len(lo_x) - half
        if m <= 0:
            break
        tables.append((np.minimum(lo_x[:m], lo_x[half:half + m]),
                       np.maximum(hi_x[:m], hi_x[half:half + m]),
                       np.minimum(lo_y[:m], lo_y[half:half + m]),
                       np.maximum(hi_y[:m], hi_y[half:half + m])))
    level = np.floor(np.log2(length)).astype(np.int64)
    level = np.minimum(level, len(tables) - 1)
    span = 1 << level
    width = np.zeros(n)
    height = np.zeros(n)
    i = np.arange(n)
    for lv in np.unique(level):
        sel = np.flatnonzero(level == lv)
        lo_x, hi_x, lo_y, hi_y = tables[lv]
        a = i[sel]
        b = k[sel] - span[sel] + 1
        width[sel] = (np.maximum(hi_x[a], hi_x[b]) - np.minimum(lo_x[a], lo_x[b]))
        height[sel] = (np.maximum(hi_y[a], hi_y[b]) - np.minimum(lo_y[a], lo_y[b]))
    return exists & (np.hypot(width, height) < diameter)


def _grow(x: np.ndarray, y: np.ndarray, i: int, diameter: float) -> int:
    """Last index j >= i such that fixes i..j fit in ``diameter`` (bounding-box diagonal)."""
    n = len(x)
    lo_x = hi_x = x[i]
    lo_y = hi_y = y[i]
    start, chunk = i, 64
    while start < n:
        stop = min(n, start + chunk)
        cx0 = np.minimum.accumulate(np.r_[lo_x, x[start:stop]])[1:]
        cx1 = np.maximum.accumulate(np.r_[hi_x, x[start:stop]])[1:]
        cy0 = np.minimum.accumulate(np.r_[lo_y, y[start:stop]])[1:]
        cy1 = np.maximum.accumulate(np.r_[hi_y, y[start:stop]])[1:]
        too_big = np.flatnonzero(np.hypot(cx1 - cx0, cy1 - cy0) >= diameter)
        if len(too_big):
            return start + int(too_big[0]) - 1
        lo_x, hi_x, lo_y, hi_y = cx0[-1], cx1[-1], cy0[-1], cy1[-1]
        start, chunk = stop, chunk * 2
    return n - 1
