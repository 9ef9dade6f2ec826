"""Incidents: which grid handles each one, who answers for it, when the reply is due, and which
are overdue (seed 004_11dad4ed40edb638.txt, 移送制度 第四条、第五条).

Jurisdiction (第五条): the grid where the polluting act happens handles it; when two or more
grids have jurisdiction, the one that found it first or was first told of it; a dispute goes
to their common parent grid, which designates. A reported position carries GPS error, so an
incident within ``tolerance_m`` (30 m) of a level-3 boundary lies, for all anyone can tell,
in every grid within that distance: each of them has jurisdiction. :func:`handling_grid`
applies the rule in this order:

1. one grid within the tolerance: that grid (``act_location``);
2. a dispute declared by the caller: the common parent (``common_parent``);
3. the finder patrols one of the grids: the finder's grid (``found_first``);
4. a grid was told first: that grid (``told_first``);
5. the position lies inside one of them (not on the line itself): that grid, the best
   estimate of where the act happened (``act_location``);
6. otherwise (exactly on the shared boundary, nobody found it first): the common parent
   designates (``common_parent``).

The reply deadline (第四条) is 15 working days on the official calendar: weekends and public
holidays are off, the make-up working days (调休) on weekends are on, and the day of receipt
is not counted. The seed counts from the end of handling; the incident table records only the
report, so the deadline runs from the report unless a later start is given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import chinese_calendar
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisapp import crs as crs_mod
from gisapp import schema
from gisapp.errors import InputError
from gisapp.history import (ROLES_ORDER, as_date, assignments_on, division_on, feature_dict,
                            responsible_persons)
from gisapp.i18n import _
from gisapp.importer import ImportResult
from gisapp.io.incidents import read_incidents
from gisapp.io.report import ImportReport
from gisapp.project import Project, conform
from gisapp.workload import metric_crs

REPLY_WORKING_DAYS = 15
BOUNDARY_TOLERANCE_M = 30.0
CLOSED_STATUSES = ("closed", "replied")  # statuses whose reply is done; others can be late
REASONS = ("act_location", "found_first", "told_first", "common_parent", "outside")
_UNIT_LEVEL = 3
_ON_LINE_M = 0.01


@dataclass(frozen=True)
class Jurisdiction:
    """The grid that handles an incident, why, and the grids that had jurisdiction."""

    grid_code: str | None
    reason: str
    candidates: tuple[str, ...] = ()
    containing: str | None = None

    @property
    def message(self) -> str:
        """The reason in words (current language)."""
        codes = "、".join(self.candidates)
        if self.reason == "outside":
            return _("Outside every grid of the district")
        if self.reason == "act_location" and len(self.candidates) > 1:
            return _("Near the boundary of grids {codes}: handled by grid {grid}, where the "
                     "act happened").format(codes=codes, grid=self.grid_code)
        if self.reason == "act_location":
            return _("Handled by grid {grid}, where the act happened").format(
                grid=self.grid_code)
        if self.reason == "found_first":
            return _("Grids {codes} both have jurisdiction: handled by grid {grid}, which "
                     "found it first").format(codes=codes, grid=self.grid_code)
        if self.reason == "told_first":
            return _("Grids {codes} both have jurisdiction: handled by grid {grid}, which "
                     "was told first").format(codes=codes, grid=self.grid_code)
        return _("Jurisdiction of grids {codes} in dispute: their common parent grid {grid} "
                 "designates the handling grid").format(codes=codes, grid=self.grid_code)


@dataclass
class IncidentRoutes:
    """Routing of many incidents: one row per incident, and the responsible persons."""

    routes: pd.DataFrame
    persons: pd.DataFrame


# ---- jurisdiction ----------------------------------------------------------------------------
def handling_grid(candidates, containing: str | None, parents: dict, finder_grids=(),
                  told_grid: str | None = None, disputed: bool = False) -> Jurisdiction:
    """The seed's rule on grids already found (see the module docstring). Pure.

    ``candidates``: grids within the tolerance of the incident; ``containing``: the one the
    position lies strictly inside (None on a boundary line); ``parents``: grid -> parent.

    >>> parents = {"A": "S", "B": "S", "S": "D"}
    >>> handling_grid(["A", "B"], "A", parents, finder_grids=["B"]).grid_code
    'B'
    >>> handling_grid(["A", "B"], None, parents).reason
    'common_parent'
    """
    candidates = tuple(sorted(dict.fromkeys(candidates)))
    if not candidates:
        return Jurisdiction(None, "outside", ())
    if len(candidates) == 1:
        return Jurisdiction(candidates[0], "act_location", candidates, containing)
    if not disputed:
        found = [g for g in candidates if g in set(finder_grids)]
        if found:
            pick = containing if containing in found else found[0]
            return Jurisdiction(pick, "found_first", candidates, containing)
        if told_grid in candidates:
            return Jurisdiction(told_grid, "told_first", candidates, containing)
        if containing in candidates:
            return Jurisdiction(containing, "act_location", candidates, containing)
    return Jurisdiction(common_parent(candidates, parents), "common_parent", candidates,
                        containing)


def common_parent(codes, parents: dict) -> str | None:
    """The nearest grid above all of ``codes`` (None when they share none)."""
    chains = []
    for code in codes:
        chain, c = [], parents.get(code)
        while c and c not in chain:
            chain.append(c)
            c = parents.get(c)
        chains.append(chain)
    shared = set(chains[0]).intersection(*chains[1:]) if chains else set()
    return next((c for c in chains[0] if c in shared), None) if chains else None


def jurisdiction(grids: pd.DataFrame, lon: float, lat: float, finder_grids=(),
                 told_grid: str | None = None, disputed: bool = False,
                 tolerance_m: float = BOUNDARY_TOLERANCE_M) -> Jurisdiction:
    """The handling grid of an incident at ``lon``/``lat`` among the level-3 ``grids``."""
    return _Division(grids).judge(lon, lat, finder_grids, told_grid, disputed, tolerance_m)


def finder_grids(assignments: pd.DataFrame, inspector_id, date) -> list[str]:
    """The grids the finder patrols (role inspector) on ``date``."""
    if inspector_id is None or pd.isna(inspector_id):
        return []
    valid = assignments_on(assignments, date)
    mine = valid[(valid["role"] == "inspector") & (valid["inspector_id"] == inspector_id)]
    return sorted(mine["grid_code"].astype(str))


def route_incident(project: Project, lon: float, lat: float, when, found_by: str | None = None,
                   told_grid: str | None = None, disputed: bool = False,
                   tolerance_m: float = BOUNDARY_TOLERANCE_M) -> tuple[Jurisdiction,
                                                                       pd.DataFrame]:
    """``(jurisdiction, persons)`` of one incident: the handling grid on the incident's local
    date, and the persons responsible for it and every grid above it (with the level-4 grid
    of a key enterprise where the act happened inside one)."""
    date = as_date(when)
    day = _Division(division_on(project, date), project.assignments, date)
    found = day.judge(lon, lat, day.patrolled_by(found_by), told_grid, disputed, tolerance_m)
    persons = day.persons_of([day.chain(found, lon, lat)], [""])
    return found, persons.drop(columns="incident_id")


def route_incidents(project: Project, incidents: pd.DataFrame | None = None,
                    tolerance_m: float = BOUNDARY_TOLERANCE_M) -> IncidentRoutes:
    """Route every incident (default: the project's) on its own date.

    routes: incident_id, reported_at, date, handling_grid, handling_level, reason, message,
    candidates ("; "), stored_grid (the grid_code on record), deadline.
    persons: incident_id, then the columns of :func:`gisapp.history.who_was_responsible`.
    The finder is the incident's inspector_id; a ``told_grid`` column is used where present.
    """
    incidents = project.incidents if incidents is None else incidents
    dates = np.array([as_date(t) for t in incidents["reported_at"]], dtype=object)
    rows, persons = [None] * len(incidents), []
    for date in sorted(set(dates)):  # one division, projection and persons table per day
        day = _Division(division_on(project, date), project.assignments, date)
        chains, ids = [], []
        for i in np.flatnonzero(dates == date):
            incident = incidents.iloc[i]
            x, y = incident.geometry.x, incident.geometry.y
            found = day.judge(x, y, day.patrolled_by(_value(incident, "inspector_id")),
                              _value(incident, "told_grid"), False, tolerance_m)
            rows[i] = _route_row(incident, date, found, day.levels)
            chains.append(day.chain(found, x, y))
            ids.append(incident["incident_id"])
        persons.append(day.persons_of(chains, ids))
    routes = pd.DataFrame(rows, columns=["incident_id", "reported_at", "date",
                                         "handling_grid", "handling_level", "reason",
                                         "message", "candidates", "stored_grid", "deadline"])
    persons = (pd.concat(persons, ignore_index=True) if persons else pd.DataFrame(
        {"incident_id": pd.Series(dtype="string")}).join(
            responsible_persons(project.grids, project.assignments, [], dt.date.today())))
    return IncidentRoutes(routes, persons)


class _Division:
    """One day's division, ready for many incidents: the level-3 grids in metric coordinates
    with a spatial index, the parent of every grid, and the persons of every grid that day."""

    def __init__(self, grids: pd.DataFrame, assignments: pd.DataFrame | None = None,
                 date: dt.date | None = None):
        self.grids = grids
        self.crs = metric_crs(grids)
        units = grids[grids["level"] == _UNIT_LEVEL]
        self.codes = units["grid_code"].astype(str).to_numpy()
        self.shapes = np.asarray(gpd.GeoSeries(units.geometry.values, crs=schema.STORAGE_CRS)
                                 .to_crs(self.crs).values)
        self.tree = shapely.STRtree(self.shapes)
        self.parents = _parents(grids)
        self.levels = dict(zip(grids["grid_code"].astype(str), grids["level"]))
        keys = grids[grids["level"] > _UNIT_LEVEL]
        self.keys: dict[str, tuple[list, list]] = {}
        for code, parent, shape in zip(keys["grid_code"], keys["parent_code"],
                                       keys.geometry.values):
            codes, shapes = self.keys.setdefault(parent, ([], []))
            codes.append(code)
            shapes.append(shape)
        self.assignments, self.date = assignments, date
        self.valid = None if assignments is None else assignments_on(assignments, date)

    def judge(self, lon, lat, finder_grids, told_grid, disputed, tolerance_m) -> Jurisdiction:
        point = gpd.GeoSeries([shapely.Point(lon, lat)], crs=schema.STORAGE_CRS) \
            .to_crs(self.crs).iloc[0]
        near = np.sort(self.tree.query(point, predicate="dwithin", distance=tolerance_m))
        shapes = self.shapes[near]
        # inside and more than 1 cm (what stored coordinates keep) from the boundary: a point
        # on a shared boundary line is in neither grid
        inside = shapely.contains_properly(shapes, point) \
            & (shapely.distance(shapely.boundary(shapes), point) > _ON_LINE_M)
        containing = self.codes[near][inside][0] if inside.sum() == 1 else None
        return handling_grid(self.codes[near], containing, self.parents, finder_grids,
                             told_grid, disputed)

    def patrolled_by(self, inspector_id) -> list[str]:
        if inspector_id is None or self.valid is None:
            return []
        v = self.valid
        return sorted(v.loc[(v["role"] == "inspector") & (v["inspector_id"] == inspector_id),
                            "grid_code"].astype(str))

    def chain(self, found: Jurisdiction, lon, lat) -> list[str]:
        """The handling grid, the key-enterprise grid below it where the act happened, and
        every grid above it."""
        if found.grid_code is None:
            return []
        codes, shapes = self.keys.get(found.grid_code, ((), ()))
        point = shapely.Point(lon, lat)
        inside = [c for c, shape in zip(codes, shapes) if shape.covers(point)]
        chain, code = [], found.grid_code
        while code and code not in chain:
            chain.append(code)
            code = self.parents.get(code)
        return inside + chain

    def persons_of(self, chains, ids) -> pd.DataFrame:
        """who_was_responsible rows of each chain, after the incident id of the chain."""
        codes = sorted({c for chain in chains for c in chain})
        table = responsible_persons(self.grids, self.assignments, codes, self.date)
        wanted = pd.DataFrame({"incident_id": pd.array([i for i, c in zip(ids, chains)
                                                        for _ in c], dtype="string"),
                               "grid_code": pd.array([g for c in chains for g in c],
                                                     dtype="string")})
        out = wanted.merge(table, on="grid_code", how="inner")
        order = out["role"].map(ROLES_ORDER).fillna(-1)
        out = out.assign(_order=order).sort_values(
            ["incident_id", "level", "grid_code", "_order"], kind="stable")
        return out.drop(columns="_order")[["incident_id", *table.columns]] \
            .reset_index(drop=True)


# ---- working days ----------------------------------------------------------------------------
def is_working_day(day: dt.date) -> bool:
    """An official working day: not a weekend or a public holiday, or a make-up working day.

    A year the installed chinese_calendar does not know yet counts Monday to Friday, with a
    warning (update chinese-calendar when the State Council publishes the next year's days).
    """
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        warnings.warn(f"chinese_calendar has no holidays for {day.year}; counting Monday to "
                      "Friday as working days", stacklevel=2)
        return day.weekday() < 5


def add_working_days(start, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted)."""
    day = as_date(start)
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        counted += is_working_day(day)
    return day


def working_days_between(first, last) -> int:
    """Working days after ``first`` up to and including ``last`` (0 if last <= first)."""
    first, last = as_date(first), as_date(last)
    days = (first + dt.timedelta(days=k) for k in range(1, (last - first).days + 1))
    return sum(is_working_day(d) for d in days)


def reply_deadline(reported_at, working_days: int = REPLY_WORKING_DAYS) -> dt.date:
    """The last day to report the handling back: 15 working days after the local date of
    ``reported_at`` (the receipt day itself not counted).

    >>> reply_deadline("2026-09-30T10:00:00+08:00")  # over the National Day holiday
    datetime.date(2026, 10, 27)
    """
    return add_working_days(as_date(reported_at), working_days)


def overdue(project: Project, today, working_days: int = REPLY_WORKING_DAYS,
            closed=CLOSED_STATUSES) -> gpd.GeoDataFrame:
    """Incidents not closed whose reply deadline passed before ``today``, oldest deadline
    first, to list and draw: the incident columns, deadline, days_overdue (calendar days)
    and working_days_overdue, and the point geometry."""
    today = as_date(today)
    incidents = project.incidents
    deadlines = [reply_deadline(t, working_days) for t in incidents["reported_at"]]
    open_ = ~incidents["status"].astype("string").isin(list(closed)).fillna(False)
    late = open_.to_numpy(bool) & np.array([d < today for d in deadlines], bool)
    frame = incidents[late].copy()
    frame["deadline"] = [d for d, keep in zip(deadlines, late) if keep]
    frame["days_overdue"] = np.array([(today - d).days for d in frame["deadline"]],
                                     dtype=np.int64)
    frame["working_days_overdue"] = np.array(
        [working_days_between(d, today) for d in frame["deadline"]], dtype=np.int64)
    frame = frame.sort_values(["deadline", "incident_id"], kind="stable")
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry="geometry",
                            crs=schema.STORAGE_CRS)


# ---- import ----------------------------------------------------------------------------------
def import_incidents(project: Project, path: str | Path, *, crs: str | None = None,
                     mapping: dict | None = None, accept_rejects: str | Path | None = None,
                     tolerance_m: float = BOUNDARY_TOLERANCE_M, save: bool = True
                     ) -> tuple[ImportResult, pd.DataFrame]:
    """Import an incidents file, route each incident to its handling grid, and save — or, when
    any row is bad and no rejects report was accepted, change nothing.

    Beyond the reader's checks a row is rejected when its finder is neither an inspector id
    nor the name of exactly one inspector, when it lies outside every grid, or when its id is
    already in the project. Rows without an id get ``E<yyyymm>-<nnnn>``. Returns the import
    result and the routes of the new incidents (see :func:`route_incidents`).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, _("no such file"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    data, report = read_incidents(path, mapping=mapping)
    _refuse(report, accept_rejects)
    data = _to_wgs84(data, crs, report)
    data = _resolve_finders(project, data, report)
    data = _new_ids(project, data, report)
    routes = route_incidents(project, data, tolerance_m).routes
    outside = (routes["reason"] == "outside").to_numpy(bool)
    _reject(report, data, outside, _("lies outside every grid of the district"))
    _refuse(report, accept_rejects)
    keep = ~outside
    good, routes = data[keep], routes[keep].reset_index(drop=True)
    rows = gpd.GeoDataFrame({
        "incident_id": good["incident_id"].to_numpy(),
        "reported_at": good["reported_at"].to_numpy(),
        "category": good["category"].to_numpy(),
        "description": good["description"].to_numpy(),
        "grid_code": routes["handling_grid"].to_numpy(),
        "inspector_id": good["inspector_id"].to_numpy(),
        "status": "reported"}, geometry=gpd.GeoSeries(good.geometry.values,
                                                       crs=schema.STORAGE_CRS))
    rows = conform(schema.INCIDENTS, rows)
    rejects_path = None
    if report.n_rejected and accept_rejects is not None:
        rejects_path = str(report.write_rejects(accept_rejects))
    project.record_history("import", schema.INCIDENTS, rows["incident_id"], None,
                           [feature_dict(r) for _, r in rows.iterrows()])
    merged = pd.concat([project.incidents, rows], ignore_index=True) if len(project.incidents) \
        else rows
    project.set_table(schema.INCIDENTS, merged)
    project.record_import("incidents", str(path), digest, len(rows), report.n_rejected)
    if save:
        project.save()
    notes = list(report.notes)
    for reason, count in routes["reason"].value_counts().sort_index().items():
        notes.append(f"{count} incidents routed by {reason}")
    return ImportResult("incidents", str(path), report.rows_read, len(rows), report.n_rejected,
                        rejects_path, notes, report.warnings), routes


# ---- steps -----------------------------------------------------------------------------------
def _route_row(incident, date, found: Jurisdiction, levels: dict) -> dict:
    level = levels.get(found.grid_code)
    return {"incident_id": incident["incident_id"], "reported_at": incident["reported_at"],
            "date": date, "handling_grid": found.grid_code,
            "handling_level": None if level is None else int(level),
            "reason": found.reason, "message": found.message,
            "candidates": "; ".join(found.candidates),
            "stored_grid": _value(incident, "grid_code"),
            "deadline": reply_deadline(date)}


def _value(row, column):
    value = row.get(column) if hasattr(row, "get") else None
    return None if value is None or pd.isna(value) else str(value)


def _parents(grids) -> dict:
    return {c: p for c, p in zip(grids["grid_code"].astype(str),
                                 grids["parent_code"].astype("string").fillna(""))
            if p and p != c}


def _refuse(report: ImportReport, accept_rejects) -> None:
    if report.n_rejected and accept_rejects is None:
        raise report.error()


def _reject(report: ImportReport, frame, mask, problem: str) -> None:
    mask = np.asarray(mask, bool)
    if mask.any():
        raw = pd.DataFrame(frame[mask]).drop(columns=["geometry"], errors="ignore")
        report.reject(frame.index.to_numpy()[mask], problem, raw)


def _to_wgs84(data, crs, report: ImportReport):
    if crs is None or crs.lower() in ("wgs84", "cgcs2000", "epsg:4326", "epsg:4490"):
        return data
    report.notes.append(f"converted coordinates from {crs.upper()} to WGS-84")
    converted = data.copy()
    converted["geometry"] = crs_mod.to_wgs84_geometry(data.geometry.values, crs)
    return gpd.GeoDataFrame(converted, geometry="geometry", crs=schema.STORAGE_CRS)


def _resolve_finders(project: Project, data, report: ImportReport):
    """found_by (an id, or the name of exactly one inspector) -> inspector_id."""
    roster = project.inspectors
    ids = set(roster["inspector_id"].astype(str))
    by_name = roster.groupby(roster["name"].astype(str))["inspector_id"].agg(list).to_dict()
    resolved, problems = [], []
    for value in data["found_by"]:
        if pd.isna(value):
            resolved.append(None)
            problems.append(None)
        elif str(value) in ids:
            resolved.append(str(value))
            problems.append(None)
        elif len(by_name.get(str(value), [])) == 1:
            resolved.append(str(by_name[str(value)][0]))
            problems.append(None)
        else:
            resolved.append(None)
            many = len(by_name.get(str(value), []))
            problems.append(
                _("finder '{finder}' is the name of {count} inspectors; give the inspector id")
                .format(finder=value, count=many) if many else
                _("finder '{finder}' is not an inspector id or name of the project")
                .format(finder=value))
    data = data.copy()
    data["inspector_id"] = pd.Series(resolved, index=data.index, dtype="string")
    for problem in dict.fromkeys(p for p in problems if p):
        _reject(report, data, np.array([p == problem for p in problems]), problem)
    bad = np.array([p is not None for p in problems], bool)
    return data[~bad]


def _new_ids(project: Project, data, report: ImportReport):
    existing = set(project.incidents["incident_id"].astype(str))
    given = data["incident_id"]
    clash = given.notna().to_numpy(bool) & given.astype(str).isin(existing).to_numpy(bool)
    _reject(report, data, clash, _("incident id already in the project"))
    data = data[~clash].copy()
    taken = existing | set(data["incident_id"].dropna().astype(str))
    ids = []
    for given_id, when in zip(data["incident_id"], data["reported_at"]):
        if pd.notna(given_id):
            ids.append(str(given_id))
            continue
        month = as_date(when).strftime("%Y%m")
        n = 1
        while f"E{month}-{n:04d}" in taken:
            n += 1
        taken.add(f"E{month}-{n:04d}")
        ids.append(f"E{month}-{n:04d}")
    data["incident_id"] = pd.Series(ids, index=data.index, dtype="string")
    return data
