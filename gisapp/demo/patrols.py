"""A month of patrol tracks: per inspector-day a waypoint plan, then fixes sampled with numpy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import chinese_calendar
import numpy as np
import pandas as pd
import shapely

from gisapp import schema
from gisapp.demo.geo import to_lonlat
from gisapp.fixes import Fixes
from gisapp.progress import Progress, step

SPEEDS_M_S = {"walk": 1.3, "ebike": 4.5, "car": 9.0}
MONTH_SCALE_DAYS = 22      # the month benchmark wants 22 patrol days (weekend duty fills up)

# planning geometry (metres)
_AVOID_CLEARANCE = 150.0   # legs keep this far from a planned-missed source ...
_DETOUR_RADIUS = 230.0     # ... by detouring over a point this far from it
_AVOID_ISOLATION = 230.0   # a missed source has no other waypoint closer than this
_DWELL_OFFSET = 8.0        # an inspector stands within this of the source visited
_PATROL_POINTS = 60        # random patrol points per inspector, besides the sources
# sampling
_NOISE_M = 5.0
_JUMP_RATE = 1 / 2000
_GAP_PROBABILITY = 0.3     # of one 3-20 min signal loss on a patrol day


@dataclass
class DayPlan:
    """One inspector-day. Times are seconds after local midnight; x, y metres (EPSG:4547).

    ``vertices`` (t, x, y) is the piecewise-linear path: a dwell is two vertices at one place.
    ``windows`` are the spans the device records; ``dwells`` the (arrive, depart) spans that a
    signal gap must not hide; ``visits`` (source, arrive, depart) the sources visited.
    """

    date: dt.date
    kind: str = "patrol"            # patrol | stationary | copied_day
    copied_from: int | None = None  # index of the day copied (copied_day)
    vertices: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))
    windows: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    dwells: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    visits: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))


@dataclass
class InspectorPlan:
    inspector_id: str
    index: int
    mode: str
    interval_s: float
    home: np.ndarray
    required: np.ndarray            # source indices the inspector must visit this month
    avoid: np.ndarray               # (k, 2) planned-missed sources, metres
    days: list[DayPlan]


@dataclass
class MonthPlan:
    seed: int
    scale: str
    dates: list[dt.date]
    inspectors: list[InspectorPlan]
    truth: dict

    def events(self) -> pd.DataFrame:
        """Every genuine visit: inspector_id, source, date, t_s (mid-dwell)."""
        rows = []
        for plan in self.inspectors:
            for day in plan.days:
                if day.kind == "patrol" and len(day.visits):
                    mid = day.visits[:, 1] + (day.visits[:, 2] - day.visits[:, 1]) / 2
                    rows.append(pd.DataFrame({"inspector_id": plan.inspector_id,
                                              "source": day.visits[:, 0].astype(int),
                                              "date": day.date, "t_s": mid.astype(int)}))
        return pd.concat(rows, ignore_index=True)


# ---- calendar ------------------------------------------------------------------------------
def month_days(month: str, scale: str) -> tuple[list[dt.date], list[dt.date]]:
    """(official working days, patrol days). At month scale non-holiday weekend days are added
    (Saturdays first) until there are MONTH_SCALE_DAYS, as weekend duty, for the benchmark."""
    first = dt.date.fromisoformat(month + "-01")
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    working = list(chinese_calendar.get_workdays(first, last))
    patrol = list(working)
    if scale == "month" and len(patrol) < MONTH_SCALE_DAYS:
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        weekend = [d for d in days if d not in working
                   and chinese_calendar.get_holiday_detail(d)[1] is None]
        weekend.sort(key=lambda d: (d.weekday() != 5, d))
        patrol = sorted(patrol + weekend[:MONTH_SCALE_DAYS - len(patrol)])
    return working, patrol


# ---- planning ------------------------------------------------------------------------------
def plan_month(units: dict[str, shapely.Geometry], source_ids: np.ndarray,
               source_xy: np.ndarray, source_grid: np.ndarray, assigned: dict[str, list[str]],
               modes: dict[str, str], month: str, scale: str, seed: int,
               progress: Progress | None = None) -> MonthPlan:
    """Plan every inspector-day of the month; ``units`` maps level-3 codes to metric shapes.

    Sources are addressed by their row in ``source_ids``/``source_xy``/``source_grid``.
    """
    working, dates = month_days(month, scale)
    rng = np.random.default_rng([seed, 3, 0 if scale == "demo" else 1])
    ids = sorted(assigned)
    required = {i: np.flatnonzero(np.isin(source_grid, assigned[i])) for i in ids}
    faked_id = _pick_faked(ids, required, rng)
    missed = _pick_missed(ids, required, source_xy, faked_id, rng)
    faked_days = _fake_days(len(dates), rng)
    plans = []
    for index, inspector_id in enumerate(ids):
        prng = np.random.default_rng([seed, 4, 0 if scale == "demo" else 1, index])
        plan = _plan_inspector(inspector_id, index, modes[inspector_id], scale, dates,
                               [units[c] for c in assigned[inspector_id]], source_xy,
                               required[inspector_id], missed.get(inspector_id, []),
                               faked_days if inspector_id == faked_id else {}, prng)
        plans.append(plan)
        step(progress, index + 1, len(ids), "patrol plans")
    truth = {
        "month": month, "seed": seed, "scale": scale,
        "working_days": [d.isoformat() for d in working],
        "patrol_days": [d.isoformat() for d in dates],
        "missed_sources": {i: [str(source_ids[s]) for s in missed[i]] for i in sorted(missed)},
        "faked": [{"inspector_id": faked_id, "date": dates[d].isoformat(), "kind": kind,
                   "copied_from": None if src is None else dates[src].isoformat()}
                  for d, (kind, src) in sorted(faked_days.items())],
    }
    return MonthPlan(seed, scale, dates, plans, truth)


def _pick_faked(ids, required, rng) -> str:
    """The inspector who fakes a few days: one with a modest workload, so the rest fits."""
    candidates = [i for i in ids if 5 <= len(required[i]) <= 60]
    return str(rng.choice(candidates or ids))


def _fake_days(n_days: int, rng) -> dict[int, tuple[str, int | None]]:
    """Two stationary days and one copy of an earlier genuine day, in the second half."""
    later = rng.choice(np.arange(n_days // 2, n_days), 3, replace=False)
    stationary, copy = sorted(int(d) for d in later[:2]), int(later[2])
    source = int(rng.integers(0, n_days // 2))
    days = {d: ("stationary", None) for d in stationary}
    days[copy] = ("copied_day", source)
    return days


def _pick_missed(ids, required, source_xy, faked_id, rng) -> dict[str, list[int]]:
    """3-5 inspectors each never visit 1-3 isolated required sources (far from the others)."""
    options = {}
    for i in ids:
        if i == faked_id or len(required[i]) < 8:
            continue
        xy = source_xy[required[i]]
        d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
        np.fill_diagonal(d, np.inf)
        isolated = np.flatnonzero(d.min(axis=1) >= _AVOID_ISOLATION + 30)
        if len(isolated):
            options[i] = required[i][isolated]
    chosen_ids = rng.choice(sorted(options), min(int(rng.integers(3, 6)), len(options)),
                            replace=False)
    missed = {}
    for i in sorted(str(c) for c in chosen_ids):
        want = int(rng.integers(1, 4))
        picks: list[int] = []
        for s in rng.permutation(options[i]):
            # missed sources far apart, so one detour never runs into another
            if all(np.hypot(*(source_xy[s] - source_xy[p])) > 700 for p in picks):
                picks.append(int(s))
            if len(picks) == want:
                break
        missed[i] = sorted(picks)
    return missed


def _plan_inspector(inspector_id, index, mode, scale, dates, units, source_xy, required,
                    missed, faked_days, rng) -> InspectorPlan:
    avoid = source_xy[missed].reshape(-1, 2)
    targets = np.setdiff1d(required, missed)
    area = shapely.union_all(np.array(units, dtype=object))
    home = _sample_clear(units[0].buffer(-30), 1, avoid, _AVOID_ISOLATION + 20, rng)[0]
    pool = _sample_clear(area.buffer(-30), _PATROL_POINTS, avoid, _AVOID_ISOLATION, rng)
    walk = _Walk(source_xy[targets].reshape(-1, 2), targets, pool, mode)
    speed = SPEEDS_M_S[mode] * rng.uniform(0.85, 1.15)
    interval = 10.0 if scale == "month" else float(rng.integers(5, 31))
    lunch_recording = bool(rng.random() < 0.5)  # half leave the app on through lunch

    genuine = [d for d in range(len(dates)) if d not in faked_days]
    chunk_of = dict(zip(genuine, np.array_split(_spatial_order(targets, source_xy, units),
                                                len(genuine))))
    days: list[DayPlan] = []
    carry = np.empty(0, int)
    for d, date in enumerate(dates):
        if d in faked_days:
            kind, src = faked_days[d]
            day = DayPlan(date, kind, src)
            if kind == "stationary":
                start = 8.5 * 3600 + rng.uniform(-1200, 1200)
                end = 17.5 * 3600 + rng.uniform(-900, 900)
                day.vertices = np.array([[start, *home], [end, *home]])
                day.windows = np.array([[start, end]])
            days.append(day)
            continue
        todo = np.concatenate([carry, chunk_of[d]]).astype(int)
        day, carry = _plan_day(date, todo, home, source_xy, walk, avoid, speed,
                               lunch_recording, d == genuine[-1], rng)
        days.append(day)
    return InspectorPlan(inspector_id, index, mode, interval, home, required, avoid, days)


class _Walk:
    """Patrol options (the inspector's sources and random points) and, for each, the options
    a few hundred metres to a couple of kilometres away: after the required visits a day
    wanders from option to option, never back to one of the last few."""

    _RECENT = 6

    def __init__(self, source_points, source_ids, pool, mode):
        self.xy = np.concatenate([source_points, pool])
        self.source = np.concatenate([source_ids, np.full(len(pool), -1)]).astype(int)
        reach = {"walk": 700.0, "ebike": 1500.0, "car": 2500.0}[mode]
        d = _distances(self.xy, self.xy)
        np.fill_diagonal(d, np.inf)
        nearest = np.argsort(d, axis=1)[:, :8]
        self.neighbours = []
        for i in range(len(self.xy)):
            band = np.flatnonzero((d[i] >= 150) & (d[i] <= reach))
            self.neighbours.append((band if len(band) >= 8 else nearest[i]).tolist())

    def steps(self, start_xy, n, rng) -> np.ndarray:
        """n option indices of a random walk starting next to ``start_xy``."""
        cur = int(np.argmin(np.hypot(*(self.xy - start_xy).T)))
        recent = [cur]
        out = []
        for u in rng.random(n).tolist():
            options = self.neighbours[cur]
            k = int(u * len(options))
            for j in range(4):
                nxt = options[(k + j) % len(options)]
                if nxt not in recent:
                    break
            recent = (recent + [nxt])[-self._RECENT:]
            cur = nxt
            out.append(cur)
        return np.array(out, int)


def _sample_clear(area, n, avoid, clearance, rng) -> np.ndarray:
    """n random points in area, each at least ``clearance`` from every avoided point."""
    minx, miny, maxx, maxy = area.bounds
    found, count = [], 0
    for _ in range(1000):
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(max(4 * n, 32), 2))
        ok = shapely.contains_xy(area, xy[:, 0], xy[:, 1])
        if len(avoid):
            ok &= _distances(xy, avoid).min(axis=1) >= clearance
        found.append(xy[ok])
        count += int(ok.sum())
        if count >= n:
            return np.concatenate(found)[:n]
    raise RuntimeError("no room for patrol points clear of the missed sources")


def _distances(a, b) -> np.ndarray:
    return np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])


def _spatial_order(targets, source_xy, units) -> np.ndarray:
    """Targets grid by grid, clockwise around each grid's centre: one day, one neighbourhood."""
    xy = source_xy[targets].reshape(-1, 2)
    which = np.full(len(targets), len(units))
    for k, unit in enumerate(units):
        which[(which == len(units)) & shapely.contains_xy(unit, xy[:, 0], xy[:, 1])] = k
    centres = np.array([u.centroid.coords[0] for u in units] + [units[0].centroid.coords[0]])
    angle = np.arctan2(xy[:, 0] - centres[which, 0], xy[:, 1] - centres[which, 1])
    return targets[np.lexsort((angle, which))]


def _nearest_neighbour_order(start, xy) -> np.ndarray:
    left = list(range(len(xy)))
    order, pos = [], start
    while left:
        d = np.hypot(*(xy[left] - pos).T)
        k = left.pop(int(np.argmin(d)))
        order.append(k)
        pos = xy[k]
    return np.array(order, int)


def _plan_day(date, todo, home, source_xy, walk, avoid, speed, lunch_recording, last_day,
              rng) -> tuple[DayPlan, np.ndarray]:
    """One patrol day: the required sources (nearest first), then a random patrol walk over
    the inspector's sources and patrol points, cut where the way home would end too late.

    Stops are arrays; times are cumulative sums, the lunch break shifts the afternoon, and
    the cut is the first stop after which the inspector could not be home by the day's end.
    """
    start = 8.5 * 3600 + rng.uniform(-1200, 1200)
    leave = start + rng.uniform(30, 240)  # the app starts before the inspector walks off
    morning_end = 12 * 3600 + rng.uniform(-600, 600)
    afternoon = 14 * 3600 + rng.uniform(-300, 600)
    day_end = 17.5 * 3600 + rng.uniform(-600, 600)

    order = _nearest_neighbour_order(home, source_xy[todo].reshape(-1, 2))
    todo = todo[order]
    n_req = len(todo)
    xy = source_xy[todo].reshape(-1, 2) + _offsets(n_req, rng)
    src = todo.copy()
    dwell = rng.uniform(300, 1200, n_req)  # an inspection: look round, talk, fill the form
    last = xy[-1] if n_req else home
    for _ in range(50):  # extend the walk until it runs past the day's end
        steps = walk.steps(last, 300, rng)
        is_src = walk.source[steps] >= 0
        xy = np.vstack([xy, walk.xy[steps] + np.where(is_src[:, None], _offsets(300, rng), 0)])
        src = np.concatenate([src, walk.source[steps]])
        # on the walk one source in five passed gets a second look; the rest a glance
        second_look = is_src & (rng.random(300) < 0.2)
        # and at a patrol point (a street corner, a river bank) four in ten times a pause
        pause = ~is_src & (rng.random(300) < 0.4)
        dwell = np.concatenate([dwell, np.select(
            [second_look, pause], [rng.uniform(120, 600, 300), rng.uniform(180, 900, 300)],
            rng.uniform(0, 45, 300))])
        last = xy[-1]
        arrive, depart, lunch = _timetable(home, xy, dwell, leave, speed, morning_end,
                                           afternoon, rng)
        back = np.hypot(*(xy - home).T) / speed
        late = np.flatnonzero(depart + back > day_end)
        if len(late):
            break
    cut = int(late[0]) if len(late) else len(xy)
    if last_day:
        cut = max(cut, n_req)  # the month's last chance: finish the list, even late
    carry = todo[cut:n_req] if cut < n_req else np.empty(0, int)
    xy, src, dwell = xy[:cut], src[:cut], dwell[:cut]
    if len(avoid):
        xy, src, dwell = _insert_detours(home, xy, src, dwell, avoid)
        arrive, depart, lunch = _timetable(home, xy, dwell, leave, speed, morning_end,
                                           afternoon, rng)
    else:
        arrive, depart = arrive[:cut], depart[:cut]

    # vertices: start at home, each stop's arrival and departure, lunch, the way home
    pos = xy[-1] if len(xy) else home
    t_last = depart[-1] if len(xy) else leave
    lunch_start, lunch_end, lunch_at = lunch
    if lunch_at is not None and lunch_at == len(xy):  # the break came last: home after it
        t_last = max(t_last, lunch_end)
    home_legs = _route(pos, home, avoid)
    home_t = t_last + np.cumsum(np.hypot(*np.diff(np.vstack([pos, home_legs]), axis=0).T)) / speed
    end = home_t[-1] + rng.uniform(60, 300)
    times = [np.array([start, leave]), np.column_stack([arrive, depart]).ravel(), home_t, [end]]
    points = [np.array([home, home]), np.repeat(xy, 2, axis=0), home_legs, home[None, :]]
    if lunch_at is not None and lunch_at <= len(xy):
        where = 1 + 2 * lunch_at  # after the departure from the stop before the break
        t_all = np.concatenate(times)
        p_all = np.vstack(points)
        times = [t_all[:where + 1], [lunch_end], t_all[where + 1:]]
        points = [p_all[:where + 1], p_all[where:where + 1], p_all[where + 1:]]
    vertices = np.column_stack([np.concatenate(times), np.vstack(points)])
    if lunch_at is None or lunch_at > len(xy):  # the day ended before noon: no break logged
        lunch_start, lunch_end = min(morning_end, end), afternoon
    windows = ([[start, end]] if lunch_recording or lunch_start >= end else
               [[start, lunch_start], [lunch_end, end]] if lunch_end < end
               else [[start, lunch_start]])
    visited = (src >= 0) & (dwell >= 60)
    visits = np.column_stack([src[visited], arrive[visited], depart[visited]])
    dwells = visits[:, 1:]
    return DayPlan(date, "patrol", None, vertices, np.array(windows, float), dwells,
                   visits), carry


def _timetable(home, xy, dwell, leave, speed, morning_end, afternoon, rng):
    """Arrival and departure per stop, with the lunch break before the first stop that would
    be reached after ``morning_end``; lunch = (start, end, index of the stop after it)."""
    legs = np.hypot(*np.diff(np.vstack([home, xy]), axis=0).T)
    travel = legs / (speed * rng.uniform(0.85, 1.15, len(legs)))
    depart = leave + np.cumsum(travel + dwell)
    arrive = depart - dwell
    after = np.flatnonzero(arrive > morning_end)
    if not len(after):
        return arrive, depart, (None, None, None)
    k = int(after[0])
    lunch_start = depart[k - 1] if k > 0 else leave
    shift = max(afternoon - lunch_start, 0.0)
    arrive[k:] += shift
    depart[k:] += shift
    return arrive, depart, (lunch_start, lunch_start + shift, k)


def _offsets(n, rng) -> np.ndarray:
    """Where an inspector stands at a source: a few metres from it."""
    return np.clip(rng.normal(0, 3, (n, 2)), -_DWELL_OFFSET / 1.5, _DWELL_OFFSET / 1.5)


def _insert_detours(home, xy, src, dwell, avoid):
    """Insert detour points (no dwell) into every leg that passes near an avoided source."""
    pts = np.vstack([home, xy])
    a, b = pts[:-1], pts[1:]
    ab = b - a
    length2 = np.maximum((ab * ab).sum(axis=1), 1e-12)
    s = np.clip(((avoid[None, :, :] - a[:, None, :]) * ab[:, None, :]).sum(axis=2)
                / length2[:, None], 0, 1)
    closest = a[:, None, :] + s[..., None] * ab[:, None, :]
    near = np.hypot(*(avoid[None] - closest).transpose(2, 0, 1)).min(axis=1) < _AVOID_CLEARANCE
    if not near.any():
        return xy, src, dwell
    out_xy, out_src, out_dwell = [], [], []
    for i in range(len(xy)):
        if near[i]:
            extra = _route(a[i], b[i], avoid)[:-1]
            out_xy.append(extra)
            out_src.append(np.full(len(extra), -1))
            out_dwell.append(np.zeros(len(extra)))
        out_xy.append(xy[i:i + 1])
        out_src.append(src[i:i + 1])
        out_dwell.append(dwell[i:i + 1])
    return np.vstack(out_xy), np.concatenate(out_src), np.concatenate(out_dwell)


def _route(a, b, avoid, depth: int = 0) -> np.ndarray:
    """Points after ``a`` up to ``b``, detouring so no leg passes near an avoided source.

    A detour point sits _DETOUR_RADIUS from the source, on the side the leg passed; each half
    is checked again, so the path bends around the source like a polygon around a circle.
    """
    b = np.asarray(b, float)
    if not len(avoid):
        return b[None, :]
    d, closest = _segment_distance(np.asarray(a, float), b, avoid)
    k = int(np.argmin(d))
    if d[k] >= _AVOID_CLEARANCE:
        return b[None, :]
    if depth > 12:
        raise RuntimeError("could not route around a planned-missed source")
    away = closest[k] - avoid[k]
    if np.hypot(*away) < 1e-6:
        direction = b - a
        away = np.array([-direction[1], direction[0]])
    w = avoid[k] + away / np.hypot(*away) * _DETOUR_RADIUS
    return np.vstack([_route(a, w, avoid, depth + 1), _route(w, b, avoid, depth + 1)])


def _segment_distance(a, b, points) -> tuple[np.ndarray, np.ndarray]:
    ab = b - a
    length2 = float(ab @ ab)
    s = np.zeros(len(points)) if length2 == 0 else np.clip((points - a) @ ab / length2, 0, 1)
    closest = a + s[:, None] * ab
    return np.hypot(*(points - closest).T), closest


# ---- sampling ------------------------------------------------------------------------------
def iter_fixes(plan: MonthPlan, progress: Progress | None = None) -> Iterator[Fixes]:
    """Fixes per inspector (time order), one chunk each, so a month never sits in memory twice.

    Each day's waypoints become a piecewise-linear path x(t), y(t) read with np.interp at the
    fix times; wiggle, GPS noise, jumps and signal gaps are drawn as arrays, never per fix.
    Plan times are local (Asia/Shanghai); ``time_ms`` is UTC.
    """
    zone = ZoneInfo(schema.TRACK_TIMEZONE)
    midnight_ms = {d: int(dt.datetime.combine(d, dt.time(), tzinfo=zone).timestamp()) * 1000
                   for d in plan.dates}
    total = len(plan.inspectors)
    for n, insp in enumerate(plan.inspectors, start=1):
        yield _inspector_fixes(plan, insp, midnight_ms)
        step(progress, n, total, f"tracks {insp.inspector_id}")


def _inspector_fixes(plan: MonthPlan, insp: InspectorPlan, midnight_ms) -> Fixes:
    parts = []  # (t_s, x, y, acc) per day, metric
    for d, day in enumerate(insp.days):
        rng = np.random.default_rng([plan.seed, 5, 0 if plan.scale == "demo" else 1,
                                     insp.index, d])
        if day.kind == "copied_day":
            parts.append(None)
        elif day.kind == "stationary":
            parts.append(_stationary(day, insp, rng))
        else:
            parts.append(_sample_day(day, insp, rng))
    real = [p for p in parts if p is not None]
    x = np.concatenate([p[1] for p in real])
    y = np.concatenate([p[2] for p in real])
    lon, lat = to_lonlat(x, y)
    bounds = np.cumsum([0] + [len(p[0]) for p in real])
    lonlat, k = [], 0
    for p in parts:
        if p is None:
            lonlat.append(None)
        else:
            lonlat.append((lon[bounds[k]:bounds[k + 1]], lat[bounds[k]:bounds[k + 1]]))
            k += 1
    times, lons, lats, accs = [], [], [], []
    for d, (day, p) in enumerate(zip(insp.days, parts)):
        if p is None:  # an exact copy of an earlier day, moved to this date
            p, ll = parts[day.copied_from], lonlat[day.copied_from]
        else:
            ll = lonlat[d]
        times.append(midnight_ms[day.date] + np.round(p[0] * 1000).astype(np.int64))
        lons.append(ll[0])
        lats.append(ll[1])
        accs.append(p[3])
    time_ms = np.concatenate(times)
    return Fixes(np.zeros(len(time_ms), np.int32), np.array([insp.inspector_id], object),
                 time_ms, np.concatenate(lons), np.concatenate(lats),
                 np.concatenate(accs).astype(np.float32))


def _fix_times(windows, interval, rng) -> np.ndarray:
    """Whole-second fix times every ``interval`` s through each recording window."""
    out = []
    for w0, w1 in windows:
        first = np.ceil(w0 + rng.uniform(0, interval))
        out.append(first + np.arange(max(int((w1 - first) // interval) + 1, 0)) * interval)
    return np.concatenate(out) if out else np.empty(0)


def _stationary(day, insp, rng):
    """A phone left at home: every fix within a few metres of one point."""
    t = _fix_times(day.windows, insp.interval_s, rng)
    x = insp.home[0] + rng.normal(0, 2.0, len(t))
    y = insp.home[1] + rng.normal(0, 2.0, len(t))
    return t, x, y, rng.uniform(4, 10, len(t))


def _sample_day(day, insp, rng):
    vt, vx, vy = day.vertices.T
    t = _fix_times(day.windows, insp.interval_s, rng)
    t = _drop_gap(t, day, rng)
    n = len(t)
    x = np.interp(t, vt, vx)
    y = np.interp(t, vt, vy)
    # a little wiggle while moving (streets are not straight), none while standing
    seg = np.clip(np.searchsorted(vt, t, side="right"), 1, len(vt) - 1)
    moving = (vx[seg] != vx[seg - 1]) | (vy[seg] != vy[seg - 1])
    amp = rng.uniform(3, 7, 2)
    period = rng.uniform(40, 150, 2)
    phase = rng.uniform(0, 2 * np.pi, 2)
    x += moving * amp[0] * np.sin(2 * np.pi * t / period[0] + phase[0])
    y += moving * amp[1] * np.sin(2 * np.pi * t / period[1] + phase[1])
    x += rng.normal(0, _NOISE_M, n)
    y += rng.normal(0, _NOISE_M, n)
    acc = np.minimum(5 + rng.gamma(2.0, 3.0, n), 30)
    jumps = np.flatnonzero(rng.random(n) < _JUMP_RATE)
    if len(jumps):
        angle = rng.uniform(0, 2 * np.pi, len(jumps))
        dist = rng.uniform(300, 2000, len(jumps))
        jx, jy = x[jumps] + dist * np.cos(angle), y[jumps] + dist * np.sin(angle)
        if len(insp.avoid):
            # even a bad fix must not put the inspector near a source he skipped
            ok = _distances(np.column_stack([jx, jy]), insp.avoid).min(axis=1) > _AVOID_CLEARANCE
            jumps, jx, jy = jumps[ok], jx[ok], jy[ok]
        x[jumps], y[jumps] = jx, jy
        acc[jumps] = rng.uniform(40, 150, len(jumps))
    return t, x, y, acc


def _drop_gap(t, day, rng) -> np.ndarray:
    """Maybe one 3-20 minute signal loss, never over a dwell (the visit must stay visible)."""
    if rng.random() >= _GAP_PROBABILITY or len(t) < 10:
        return t
    length = rng.uniform(180, 1200)
    for _ in range(5):
        g0 = rng.uniform(t[0], max(t[-1] - length, t[0]))
        g1 = g0 + length
        if len(day.dwells) and np.any((day.dwells[:, 0] < g1) & (day.dwells[:, 1] > g0)):
            continue
        return t[(t < g0) | (t > g1)]
    return t
