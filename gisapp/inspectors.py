"""Who answers for which grid: assigning and releasing persons by role, and the warnings a
planner should see (grids nobody answers for, idle inspectors, A and B the same person,
inspectors loaded far above their street).

Assignments are rows with ``valid_from``/``valid_to`` (inclusive local ISO dates, an empty
``valid_to`` = still valid); a change closes rows and adds rows, it never edits the past, so
:func:`gisapp.history.who_was_responsible` answers for any date. Each change is also written
to the history (actions ``assign`` and ``unassign``, feature ids ``grid/role/person`` as the
assignment import writes them).

The four responsible roles (第一责任人, 直接责任人, A角, B角) have one holder at a time: assigning
one closes the previous holder the day before. The ``inspector`` role (网格员) may have several.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gisapp import schema
from gisapp.history import as_date, assignments_on, division_on, feature_dict
from gisapp.i18n import N_, _
from gisapp.project import Project, conform
from gisapp.workload import WorkloadParams, inspector_loads

SINGLE_ROLES = ("first_responsible", "direct_responsible", "responsible_a", "responsible_b")
INSPECTOR_ROLE = "inspector"
RESPONSIBLE_ROLES = ("first_responsible", "direct_responsible")

ROLE_LABELS = {
    "first_responsible": N_("first responsible person"),
    "direct_responsible": N_("direct responsible person"),
    "responsible_a": N_("A backup"),
    "responsible_b": N_("B backup"),
    "inspector": N_("inspector"),
}
WARNING_KINDS = ("no_responsible", "missing_role", "no_inspector", "idle_inspector",
                 "same_ab", "overloaded")
_WARNING_COLUMNS = ("kind", "grid_code", "inspector_id", "measure", "value", "threshold",
                    "message")


@dataclass(frozen=True)
class HistoryEntry:
    """One history row to write: action, feature id, before and after (dicts or None)."""

    action: str
    feature_id: str
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class AssignmentChange:
    """The assignments table after a change, and the history rows that describe it."""

    assignments: pd.DataFrame
    history: tuple[HistoryEntry, ...]

    @property
    def changed(self) -> bool:
        return bool(self.history)


# ---- changing assignments --------------------------------------------------------------------
def plan_assign(assignments: pd.DataFrame, inspectors: pd.DataFrame, grid_code: str,
                role: str, who: str, valid_from, phone: str | None = None
                ) -> AssignmentChange:
    """Assign ``who`` (an inspector id of the roster, else a person's name) to ``role`` of
    ``grid_code`` from ``valid_from`` on. Pure: returns the new table and its history.

    For a single-holder role the holder on ``valid_from`` is closed the day before (a holder
    who started that same day is removed), and a holder already planned for a later day
    bounds the new row (it ends the day before). Assigning the person who already holds the
    role that day changes nothing.
    """
    _check_role(role)
    start = as_date(valid_from)
    person = _person(inspectors, who, phone)
    table = assignments.reset_index(drop=True)
    same = (table["grid_code"] == grid_code).to_numpy(bool) \
        & (table["role"] == role).to_numpy(bool)
    valid = np.isin(table.index, assignments_on(table, start).index)
    holders = np.flatnonzero(same & valid)
    if any(_same_person(table.iloc[h], person) for h in holders):
        return AssignmentChange(conform(schema.ASSIGNMENTS, table), ())
    history: list[HistoryEntry] = []
    end = None
    if role in SINGLE_ROLES:
        closed = []
        for h in sorted(holders, reverse=True):  # from the end: removals keep earlier rows
            table, entry = _close(table, h, start - dt.timedelta(days=1))
            closed.append(entry)
        history.extend(reversed(closed))
        later = table[((table["grid_code"] == grid_code) & (table["role"] == role)
                       & (table["valid_from"].astype("string") > start.isoformat()))
                      .fillna(False).to_numpy(bool)]
        if len(later):
            end = (as_date(later["valid_from"].min()) - dt.timedelta(days=1)).isoformat()
    row = {"grid_code": grid_code, "role": role, **person,
           "valid_from": start.isoformat(), "valid_to": end}
    table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
    history.append(HistoryEntry("assign", _feature_id(row), None, _clean(row)))
    return AssignmentChange(conform(schema.ASSIGNMENTS, table), tuple(history))


def plan_unassign(assignments: pd.DataFrame, grid_code: str, role: str, who: str, last_day
                  ) -> AssignmentChange:
    """End the assignment of ``who`` (inspector id or person name) to ``role`` of
    ``grid_code`` on ``last_day`` (inclusive); one that starts after it is removed.
    Raises ValueError when ``who`` does not hold the role that day or later."""
    _check_role(role)
    last = as_date(last_day)
    table = assignments.reset_index(drop=True)
    mine = ((table["grid_code"] == grid_code) & (table["role"] == role)).to_numpy(bool)
    mine &= ((table["inspector_id"] == who) | (table["person_name"] == who)).fillna(False) \
        .to_numpy(bool)
    ends = table["valid_to"].astype("string")
    open_after = (ends.isna() | (ends > last.isoformat())).fillna(True).to_numpy(bool)
    rows = np.flatnonzero(mine & open_after)
    if not len(rows):
        raise ValueError(f"{who} is not {role} of grid {grid_code} on {last} or later")
    history = []
    for h in sorted(rows, reverse=True):  # from the end, so removals keep earlier positions
        table, entry = _close(table, h, last)
        history.append(entry)
    return AssignmentChange(conform(schema.ASSIGNMENTS, table), tuple(reversed(history)))


def assign(project: Project, grid_code: str, role: str, who: str, valid_from,
           user: str | None = None, phone: str | None = None) -> AssignmentChange:
    """:func:`plan_assign` on the project's tables, applied and written to the history."""
    _check_grid(project, grid_code)
    change = plan_assign(project.assignments, project.inspectors, grid_code, role, who,
                         valid_from, phone)
    return apply_change(project, change, user)


def unassign(project: Project, grid_code: str, role: str, who: str, last_day,
             user: str | None = None) -> AssignmentChange:
    """:func:`plan_unassign` on the project's tables, applied and written to the history."""
    change = plan_unassign(project.assignments, grid_code, role, who, last_day)
    return apply_change(project, change, user)


def apply_change(project: Project, change: AssignmentChange, user: str | None = None
                 ) -> AssignmentChange:
    """Put a planned change into the project: the new table, then its history rows."""
    if not change.changed:
        return change
    project.set_table(schema.ASSIGNMENTS, change.assignments)
    for entry in change.history:
        project.record_history(entry.action, schema.ASSIGNMENTS, [entry.feature_id],
                               [entry.before], [entry.after], user)
    return change


# ---- warnings --------------------------------------------------------------------------------
def assignment_warnings(project: Project, date, factor: float = 1.5, levels=(1, 2, 3),
                        params=None, min_peers: int = 3) -> pd.DataFrame:
    """What a planner should fix on local ``date``, one row per problem: kind, grid_code
    (for ``overloaded`` the street compared within), inspector_id, measure (the role missing,
    or the load measure), value, threshold, message (in the current language).

    no_responsible  a grid of ``levels`` with neither a first nor a direct responsible person
    missing_role    a grid of ``levels`` that has one, but lacks another single-holder role
                    (first, direct, A or B): leave would leave it uncovered (AB角)
    no_inspector    a level-3 grid with no inspector
    idle_inspector  an inspector of the roster with no grid as inspector
    same_ab         a grid whose A and B backup are the same person
    overloaded      an inspector whose sources, grid area or estimated patrol km exceed
                    ``factor`` × the median of the inspectors of his street (a street needs
                    ``min_peers`` inspectors for a median to mean something)
    """
    date = as_date(date)
    grids = division_on(project, date)
    valid = assignments_on(project.assignments, date)
    rows = [*_grid_warnings(grids, valid, levels, date), *_ab_warnings(grids, valid),
            *_idle_warnings(project.inspectors, valid),
            *_load_warnings(project, date, factor, params, min_peers)]
    frame = pd.DataFrame(rows, columns=list(_WARNING_COLUMNS))
    for c in ("kind", "grid_code", "inspector_id", "measure", "message"):
        frame[c] = frame[c].astype("string")
    for c in ("value", "threshold"):
        frame[c] = frame[c].astype("float64")
    return frame


def role_label(role: str) -> str:
    """The role's name in the current language (第一责任人 ...)."""
    return _(ROLE_LABELS[role])


def _grid_warnings(grids, valid, levels, date):
    roles = valid.groupby("grid_code")["role"].agg(set).to_dict()
    for g in grids[grids["level"].isin(list(levels))].itertuples(index=False):
        held = set(roles.get(g.grid_code, ()))
        if not held & set(RESPONSIBLE_ROLES):
            yield _warning("no_responsible", _("Grid {code} ({name}) has no responsible person "
                                               "on {date}").format(code=g.grid_code,
                                                                   name=g.name, date=date),
                           grid_code=g.grid_code)
        else:
            for role in SINGLE_ROLES:
                if role not in held:
                    yield _warning("missing_role", _("Grid {code} ({name}) has no {role}")
                                   .format(code=g.grid_code, name=g.name,
                                           role=role_label(role)),
                                   grid_code=g.grid_code, measure=role)
        if g.level == 3 and INSPECTOR_ROLE not in held:
            yield _warning("no_inspector", _("Grid {code} ({name}) has no inspector")
                           .format(code=g.grid_code, name=g.name), grid_code=g.grid_code)


def _ab_warnings(grids, valid):
    names = dict(zip(grids["grid_code"], grids["name"]))
    a = valid[valid["role"] == "responsible_a"]
    b = valid[valid["role"] == "responsible_b"]
    for code, group_a in a.groupby("grid_code", sort=True):
        for ra in group_a.itertuples(index=False):
            for rb in b[b["grid_code"] == code].itertuples(index=False):
                if _same_person(pd.Series(rb._asdict()), {"inspector_id": ra.inspector_id,
                                                          "person_name": ra.person_name}):
                    yield _warning("same_ab", _("Grid {code} ({name}): A and B backup are the "
                                                "same person, {person}")
                                   .format(code=code, name=names.get(code, ""),
                                           person=ra.person_name or ra.inspector_id),
                                   grid_code=code, inspector_id=ra.inspector_id)


def _idle_warnings(inspectors, valid):
    working = set(valid.loc[valid["role"] == INSPECTOR_ROLE, "inspector_id"].dropna())
    for person in inspectors.itertuples(index=False):
        if person.inspector_id not in working:
            yield _warning("idle_inspector", _("Inspector {id} {name} has no grid")
                           .format(id=person.inspector_id, name=person.name),
                           inspector_id=person.inspector_id)


_MEASURES = {"sources": N_("pollution sources"), "area_km2": N_("grid area (km²)"),
             "patrol_km": N_("estimated patrol length (km)")}


def _load_warnings(project, date, factor, params, min_peers):
    loads = inspector_loads(project, date, params or WorkloadParams())
    loads = loads[loads["n_grids"] > 0]
    for street, group in loads.groupby("street_code", sort=True):
        if len(group) < min_peers:
            continue
        for measure, label in _MEASURES.items():
            median = float(group[measure].median())
            limit = factor * median
            for row in group[group[measure] > limit].itertuples(index=False):
                value = float(getattr(row, measure))
                yield _warning("overloaded", _(
                    "Inspector {id} {name}: {measure} {value:.1f} is more than {factor:g} "
                    "times the median {median:.1f} of street {street}").format(
                        id=row.inspector_id, name=row.name, measure=_(label), value=value,
                        factor=factor, median=median, street=row.street_name),
                    inspector_id=row.inspector_id, measure=measure, value=value,
                    threshold=limit, grid_code=street)


def _warning(kind, message, grid_code=None, inspector_id=None, measure=None, value=np.nan,
             threshold=np.nan) -> dict:
    return {"kind": kind, "grid_code": grid_code, "inspector_id": inspector_id,
            "measure": measure, "value": value, "threshold": threshold, "message": message}


# ---- helpers ---------------------------------------------------------------------------------
def _check_role(role: str) -> None:
    if role not in schema.ASSIGNMENT_ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(schema.ASSIGNMENT_ROLES)}")


def _check_grid(project: Project, grid_code: str) -> None:
    if not (project.grids["grid_code"] == grid_code).any():
        raise ValueError(f"no grid {grid_code} in the project")


def _person(inspectors: pd.DataFrame, who: str, phone: str | None) -> dict:
    """An inspector of the roster by id (name and phone from it), else a named person."""
    roster = inspectors[inspectors["inspector_id"] == who]
    if len(roster):
        r = roster.iloc[0]
        return {"inspector_id": who, "person_name": r["name"],
                "phone": phone if phone is not None else r["phone"]}
    if not str(who).strip():
        raise ValueError("who is to be assigned? give an inspector id or a name")
    return {"inspector_id": None, "person_name": str(who).strip(), "phone": phone}


def _same_person(row: pd.Series, person: dict) -> bool:
    mine, theirs = row.get("inspector_id"), person.get("inspector_id")
    if pd.notna(mine) and theirs is not None and pd.notna(theirs):
        return str(mine) == str(theirs)
    if pd.notna(mine) or (theirs is not None and pd.notna(theirs)):
        return False
    return str(row.get("person_name")) == str(person.get("person_name"))


def _close(table: pd.DataFrame, position: int, last: dt.date
           ) -> tuple[pd.DataFrame, HistoryEntry]:
    """End row ``position`` on ``last``; a row that would end before it starts is removed."""
    row = table.iloc[position]
    before = _clean(feature_dict(row))
    start = row["valid_from"]
    if pd.notna(start) and as_date(start) > last:
        table = table.drop(index=table.index[position]).reset_index(drop=True)
        return table, HistoryEntry("unassign", _feature_id(before), before, None)
    table = table.copy()
    table.loc[table.index[position], "valid_to"] = last.isoformat()
    after = {**before, "valid_to": last.isoformat()}
    return table, HistoryEntry("unassign", _feature_id(before), before, after)


def _clean(row: dict) -> dict:
    return {c: (None if row.get(c) is None or row.get(c) is pd.NA else row.get(c))
            for c in schema.ASSIGNMENT_COLUMNS}


def _feature_id(row: dict) -> str:
    """grid/role/person, as the assignment import names its history rows."""
    who = row.get("person_name") or row.get("inspector_id")
    return f"{row['grid_code']}/{row['role']}/{who}"


# ---- applying a balance suggestion -----------------------------------------------------------
def plan_balance(assignments: pd.DataFrame, inspectors: pd.DataFrame, moves: pd.DataFrame,
                 valid_from) -> AssignmentChange:
    """The assignment changes of :func:`gisapp.workload.suggest_balance`'s ``moves`` from
    ``valid_from`` on, as one change (one undo step): the giver stops patrolling the grid the
    day before, the taker starts, and an A or B backup role the giver held there passes to
    the taker. Pure."""
    start = as_date(valid_from)
    table, history = assignments, []
    for move in moves.itertuples(index=False):
        valid = assignments_on(table, start)
        held = valid[(valid["grid_code"] == move.grid_code)
                     & (valid["inspector_id"] == move.from_inspector)
                     & valid["role"].isin(["responsible_a", "responsible_b"])]
        steps = [plan_unassign(table, move.grid_code, INSPECTOR_ROLE, move.from_inspector,
                               start - dt.timedelta(days=1))]
        steps.append(plan_assign(steps[-1].assignments, inspectors, move.grid_code,
                                 INSPECTOR_ROLE, move.to_inspector, start))
        for role in held["role"]:
            steps.append(plan_assign(steps[-1].assignments, inspectors, move.grid_code, role,
                                     move.to_inspector, start))
        table = steps[-1].assignments
        history.extend(entry for s in steps for entry in s.history)
    return AssignmentChange(conform(schema.ASSIGNMENTS, table), tuple(history))


def apply_balance(project: Project, suggestion, valid_from, user: str | None = None
                  ) -> AssignmentChange:
    """:func:`plan_balance` of a suggestion's moves, applied and written to the history."""
    change = plan_balance(project.assignments, project.inspectors, suggestion.moves,
                          valid_from)
    return apply_change(project, change, user)
