"""Patrol authenticity: flags a reviewer should look at (a phone left at home, a replayed day,
teleporting fixes, visits just long enough, patrols outside working hours).

A flag is evidence, not a verdict: each says what was seen (kind, reason), when (start, end)
and where (lon, lat). The seeds name false reporting (虚报) as grounds for failing an
assessment; the reviewer decides.

Kinds:

* ``stationary_day``: a working day whose fixes (``stationary_share``, 95 %) all stay within
  ``stationary_radius_m`` (50 m) of one point over at least ``min_day_s`` (1 h) of recording;
* ``copied_day``: a day that repeats an earlier day: both days resampled every
  ``copy_slot_s`` (5 min) of local time, over the slots where either day moves (more than
  ``copy_moving_m``, 20 m, since the slot before), the median distance between them at the
  same time of day is under ``copy_distance_m`` (10 m), for at least ``copy_min_moving_s``
  (1 h) of such slots. Genuine patrols along the same roads are hundreds of metres apart at
  the same clock time;
* ``teleports``: at least ``teleports_per_day`` (10) fixes of a day dropped as jumps;
* ``short_visits``: at least ``short_visits_per_day`` (3) visits of a day, and at least
  ``short_visit_share`` (half) of them, are stops (fixes within ``short_visit_spread_m``,
  25 m) lasting less than the minimum dwell plus ``short_visit_margin_s`` (20 s): stops timed
  to pass the rule rather than to inspect. Walking past a source slowly also takes about a
  minute inside a 50 m circle, but spreads over some 80 m, so it is not such a stop;
* ``off_hours``: at least ``off_hours_min_s`` (15 min) of a working day's patrol before
  ``work_start_h`` (07:00) or from ``work_end_h`` (20:00) Asia/Shanghai;
* ``non_working_day``: at least ``off_hours_min_s`` of patrol on a weekend or public holiday
  (chinese_calendar; weekends only for years it does not cover yet); a bureau that schedules
  weekend duty turns it off with ``flag_non_working_days``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar
import numpy as np
import pandas as pd

from gisapp.fixes import Fixes
from gisapp.geodesy import LocalProjection
from gisapp.tracks import (
    DAY_MS,
    LOCAL_OFFSET_MS,
    TIMEZONE,
    CleaningParams,
    Track,
    clean_track,
    default_projection,
    local_day,
    split_by_inspector,
)

FLAG_KINDS = ("stationary_day", "copied_day", "teleports", "short_visits", "off_hours",
              "non_working_day")
FLAG_COLUMNS = ["inspector_id", "kind", "start", "end", "reason", "lon", "lat"]


@dataclass(frozen=True)
class AuthenticityParams:
    """Thresholds of the review flags (see the module docstring for each)."""

    stationary_radius_m: float = 50.0
    stationary_share: float = 0.95
    min_day_s: float = 3600.0
    copy_slot_s: float = 300.0
    copy_distance_m: float = 10.0
    copy_moving_m: float = 20.0
    copy_min_moving_s: float = 3600.0
    teleports_per_day: int = 10
    short_visit_margin_s: float = 20.0
    short_visit_spread_m: float = 25.0
    short_visits_per_day: int = 3
    short_visit_share: float = 0.5
    work_start_h: float = 7.0
    work_end_h: float = 20.0
    off_hours_min_s: float = 900.0
    flag_non_working_days: bool = True


def review(fixes: Fixes, params: AuthenticityParams = AuthenticityParams(),
           cleaning: CleaningParams = CleaningParams(),
           projection: LocalProjection | None = None) -> pd.DataFrame:
    """Flags of every inspector's fixes, without the visit-based ones (no sources given).

    Columns: inspector_id, kind, start, end (Asia/Shanghai), reason, lon, lat.
    """
    projection = projection or default_projection(fixes)
    rows = []
    for part in split_by_inspector(fixes):
        rows += track_flags(clean_track(part, cleaning, projection), params)
    return flag_frame(rows)


def flag_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=FLAG_COLUMNS)
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column].astype("int64"), unit="ms",
                                       utc=True).dt.tz_convert(TIMEZONE)
    return frame


def track_flags(track: Track, params: AuthenticityParams = AuthenticityParams(),
                visits: dict | None = None, min_dwell_s: float = 60.0) -> list[dict]:
    """Flags of one inspector's cleaned track, as dicts of FLAG_COLUMNS (times in UTC ms).
    ``visits`` are the coverage engine's counted dwells (``day``, ``dwell_s``, ``spread_m``,
    ``start_ms``, ``end_ms``, ``fix``), or None to skip the visit-based flags."""
    if len(track) == 0:
        return []
    runs = _DayRuns.of(track)
    flags = []
    flags += _stationary(track, runs, params)
    flags += _copies(track, runs, params)
    flags += _teleports(track, params)
    if visits is not None:
        flags += _short_visits(track, visits, min_dwell_s, params)
    flags += _off_hours(track, runs, params)
    for f in flags:
        f["inspector_id"] = track.inspector_id
    return flags


def is_workday(day_number: int) -> bool:
    """Is a local day (days since 1970-01-01) a working day in China?"""
    return _workday(int(day_number))


# ---- private steps -----------------------------------------------------------------------
@dataclass
class _DayRuns:
    """The track's local days: day number, first and one-past-last fix, recorded patrol time."""

    day: np.ndarray
    first: np.ndarray
    stop: np.ndarray
    patrol_s: np.ndarray

    @classmethod
    def of(cls, track: Track) -> _DayRuns:
        d = track.day
        first = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
        stop = np.r_[first[1:], len(d)]
        dt_s, _, within = track.segments()
        patrol = np.r_[dt_s * within, 0.0]
        return cls(d[first], first, stop, np.add.reduceat(patrol, first))


def _flag(kind, start_ms, end_ms, reason, lon, lat) -> dict:
    return {"kind": kind, "start": int(start_ms), "end": int(end_ms), "reason": reason,
            "lon": float(lon), "lat": float(lat)}


def _date(day_number) -> str:
    return str(np.datetime64(int(day_number), "D"))


def _stationary(track: Track, runs: _DayRuns, params: AuthenticityParams) -> list[dict]:
    t = track.time_ms
    span = t[runs.stop - 1] - t[runs.first]
    judged = np.flatnonzero(span >= params.min_day_s * 1000)
    if len(judged) == 0:
        return []
    # screen all days at once on 64 fixes each; check the full day only where that passes
    sample = (runs.first[judged, None]
              + (np.arange(64)[None, :] * (runs.stop - runs.first)[judged, None]) // 64)
    sx, sy = track.x[sample], track.y[sample]
    mx, my = np.median(sx, axis=1), np.median(sy, axis=1)
    r2 = params.stationary_radius_m ** 2
    screen = ((sx - mx[:, None]) ** 2 + (sy - my[:, None]) ** 2 <= r2).mean(axis=1)
    out = []
    for k in np.flatnonzero(screen >= params.stationary_share - 0.1):
        day = judged[k]
        if not _workday(int(runs.day[day])):
            continue
        a, b = runs.first[day], runs.stop[day]
        close = (track.x[a:b] - mx[k]) ** 2 + (track.y[a:b] - my[k]) ** 2 <= r2
        share = close.mean()
        if share >= params.stationary_share:
            centre = a + int(np.argmin(np.abs(track.x[a:b] - mx[k])
                                       + np.abs(track.y[a:b] - my[k])))
            out.append(_flag(
                "stationary_day", t[a], t[b - 1],
                f"stationary all day: {share:.0%} of {b - a} fixes over "
                f"{span[day] / 3.6e6:.1f} h within {params.stationary_radius_m:.0f} m of one "
                "point", track.lon[centre], track.lat[centre]))
    return out


def _copies(track: Track, runs: _DayRuns, params: AuthenticityParams) -> list[dict]:
    t, _x, _y = track.time_ms, track.x, track.y
    span = t[runs.stop - 1] - t[runs.first]
    judged = np.flatnonzero(span >= params.min_day_s * 1000)
    if len(judged) < 2:
        return []
    slot_ms = int(params.copy_slot_s * 1000)
    midnights = runs.day * DAY_MS - LOCAL_OFFSET_MS  # earliest and latest clock time of a day
    s0 = int((t[runs.first] - midnights).min() // slot_ms)
    s1 = int((t[runs.stop - 1] - midnights).max() // slot_ms)
    slots = np.arange(s0, s1 + 1)
    midnight = runs.day[judged] * DAY_MS - LOCAL_OFFSET_MS
    query = (midnight[:, None] + slots[None, :] * slot_ms + slot_ms // 2).ravel()
    px, py, valid = _positions_at(track, query)
    shape = (len(judged), len(slots))
    px, py, valid = px.reshape(shape), py.reshape(shape), valid.reshape(shape)
    moving = np.zeros(shape, bool)
    moving[:, 1:] = (valid[:, 1:] & valid[:, :-1]
                     & (np.hypot(np.diff(px, axis=1), np.diff(py, axis=1))
                        > params.copy_moving_m))
    need = params.copy_min_moving_s / params.copy_slot_s
    # every pair of days at once: (pairs, slots)
    first, second = np.triu_indices(len(judged), k=1)
    common = valid[first] & valid[second] & (moving[first] | moving[second])
    n_common = common.sum(axis=1)
    distance2 = (px[second] - px[first]) ** 2 + (py[second] - py[first]) ** 2
    close = ((distance2 < params.copy_distance_m ** 2) & common).sum(axis=1)
    out, copied = [], set()
    for h in np.flatnonzero((n_common >= need) & (close * 2 > n_common)):
        a, k = int(first[h]), int(second[h])
        if k in copied:  # a day is reported once, as a copy of the earliest day it repeats
            continue
        copied.add(k)
        run = judged[k]
        median = float(np.sqrt(np.median(distance2[h][common[h]])))
        where = int(np.flatnonzero(common[h])[0])
        lon, lat = _lonlat_at(track, int(query.reshape(shape)[k, where]))
        out.append(_flag(
            "copied_day", t[runs.first[run]], t[runs.stop[run] - 1],
            f"repeats {_date(runs.day[judged[a]])}: over "
            f"{n_common[h] * params.copy_slot_s / 60:.0f} min of movement the two days are a "
            f"median {median:.1f} m apart at the same time of day", lon, lat))
    return out


def _positions_at(track: Track, query_ms: np.ndarray):
    """Interpolated positions at the query times; valid only inside a session's segment."""
    t = track.time_ms
    i = np.searchsorted(t, query_ms, side="right") - 1
    j = i + 1
    ok = (i >= 0) & (j < len(t))
    i, j = np.clip(i, 0, len(t) - 1), np.clip(j, 0, len(t) - 1)
    ok &= track.session[i] == track.session[j]
    span = np.maximum(t[j] - t[i], 1)
    f = np.clip((query_ms - t[i]) / span, 0.0, 1.0)
    px = track.x[i] + f * (track.x[j] - track.x[i])
    py = track.y[i] + f * (track.y[j] - track.y[i])
    return px, py, ok


def _lonlat_at(track: Track, moment_ms: int) -> tuple[float, float]:
    k = int(np.clip(np.searchsorted(track.time_ms, moment_ms), 0, len(track) - 1))
    return float(track.lon[k]), float(track.lat[k])


def _teleports(track: Track, params: AuthenticityParams) -> list[dict]:
    jt, jlon, jlat = track.jumps
    if len(jt) < params.teleports_per_day:
        return []
    d = local_day(jt)
    out = []
    for day_number in np.unique(d):
        sel = np.flatnonzero(d == day_number)
        if len(sel) >= params.teleports_per_day:
            out.append(_flag("teleports", jt[sel[0]], jt[sel[-1]],
                             f"{len(sel)} fixes jumped away and back this day (dropped as GPS "
                             "jumps)", jlon[sel[0]], jlat[sel[0]]))
    return out


def _short_visits(track: Track, visits: dict, min_dwell_s: float,
                  params: AuthenticityParams) -> list[dict]:
    if len(visits["day"]) < params.short_visits_per_day:
        return []
    short = ((visits["dwell_s"] < min_dwell_s + params.short_visit_margin_s)
             & (visits["spread_m"] <= params.short_visit_spread_m))
    total = np.bincount(visits["day"])
    few = np.bincount(visits["day"], weights=short, minlength=len(total))
    out = []
    for d in np.flatnonzero((few >= params.short_visits_per_day)
                            & (few >= params.short_visit_share * total)):
        sel = np.flatnonzero(short & (visits["day"] == d))
        fix = visits["fix"][sel[0]]
        out.append(_flag("short_visits", visits["start_ms"][sel[0]], visits["end_ms"][sel[-1]],
                         f"{len(sel)} of {total[d]} visits this day lasted under "
                         f"{min_dwell_s + params.short_visit_margin_s:.0f} s standing still, just "
                         f"over the {min_dwell_s:.0f} s needed", track.lon[fix], track.lat[fix]))
    return out


def _off_hours(track: Track, runs: _DayRuns, params: AuthenticityParams) -> list[dict]:
    t = track.time_ms
    dt_s, _, within = track.segments()
    patrol = np.r_[dt_s * within, 0.0]
    # working hours of each fix's own day, as UTC ms
    midnight = np.repeat(runs.day * DAY_MS - LOCAL_OFFSET_MS, runs.stop - runs.first)
    clock = t - midnight
    off = (clock < params.work_start_h * 3.6e6) | (clock >= params.work_end_h * 3.6e6)
    off_s = np.add.reduceat(patrol * off, runs.first)
    out = []
    for k, day_number in enumerate(runs.day):
        a, b = runs.first[k], runs.stop[k]
        if not _workday(int(day_number)):
            if params.flag_non_working_days and runs.patrol_s[k] >= params.off_hours_min_s:
                out.append(_flag("non_working_day", t[a], t[b - 1],
                                 f"{runs.patrol_s[k] / 3600:.1f} h of patrol on a non-working "
                                 f"day ({_date(day_number)})", track.lon[a], track.lat[a]))
        elif off_s[k] >= params.off_hours_min_s:
            sel = np.flatnonzero(off[a:b]) + a
            out.append(_flag("off_hours", t[sel[0]], t[sel[-1]],
                             f"{off_s[k] / 60:.0f} min of patrol before "
                             f"{params.work_start_h:02.0f}:00 or after "
                             f"{params.work_end_h:02.0f}:00", track.lon[sel[0]],
                             track.lat[sel[0]]))
    return out


@lru_cache(maxsize=4096)
def _workday(day_number: int) -> bool:
    date = dt.date(1970, 1, 1) + dt.timedelta(days=day_number)
    try:
        return bool(chinese_calendar.is_workday(date))
    except NotImplementedError:  # a year the installed calendar does not cover yet
        return date.weekday() < 5
