"""Assignment changes as edits: assign or release a person in a role of a grid, and apply a
workload balance; ``apply()`` / ``revert()`` -> Changes, like the edits of gisapp.edits, so
the undo stack (gisapp/ui/undo.py) treats them alike.

The changes themselves are planned by gisapp.inspectors (``plan_assign``, ``plan_unassign``,
``plan_balance``), which close and add rows and never edit the past. ``apply`` writes the new
table and one history row per touched assignment (actions ``assign`` / ``unassign``); it
remembers the table it replaced, so ``revert`` puts back an identical table and records the
reverse rows (``undo:assign`` ...): the history itself is only ever appended to.

>>> import pandas as pd
>>> import shapely, geopandas as gpd
>>> from gisapp.project import Project
>>> project = Project.create("/nonexistent/示例.gpkg")
>>> project.set_table("grids", gpd.GeoDataFrame({"grid_code": ["D"], "name": ["区"],
...     "level": [1]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326))
>>> project.set_table("inspectors", pd.DataFrame({"inspector_id": ["W1"], "name": ["张三"],
...     "kind": ["full_time"]}))
>>> edit = AssignRole("D", "inspector", "W1", "2026-03-01")
>>> sorted(edit.apply(project, "李四").ids_in("assignments"))
['D/inspector/张三']
>>> list(project.assignments["person_name"]), list(project.history["action"])
(['张三'], ['assign'])
>>> _ = edit.revert(project, "李四")
>>> len(project.assignments), list(project.history["action"])
(0, ['assign', 'undo:assign'])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from gisapp import schema
from gisapp.changes import Changes
from gisapp.errors import GridEditError
from gisapp.history import as_date
from gisapp.i18n import _
from gisapp.inspectors import (
    AssignmentChange,
    plan_assign,
    plan_balance,
    plan_unassign,
    role_label,
)
from gisapp.project import Project

UNDO_PREFIX = "undo:"  # as gisapp.edits marks the history rows of a revert


class _AssignmentEdit:
    """Apply, revert and history for the edits below; each supplies ``label`` and
    ``_plan(project) -> AssignmentChange`` (raising GridEditError when it cannot be done)."""

    def apply(self, project: Project, user: str | None = None) -> Changes:
        """Do the change (or raise GridEditError, changing nothing); returns what it touched."""
        change = self._plan(project)
        if not change.changed:
            raise GridEditError(_("The edit changes nothing."))
        before = project.assignments
        first = len(project.history)
        project.set_table(schema.ASSIGNMENTS, change.assignments)
        for entry in change.history:
            project.record_history(entry.action, schema.ASSIGNMENTS, [entry.feature_id],
                                   [entry.before], [entry.after], user)
        self._memo.update(before=before, after=project.assignments, history=change.history)
        return _changes(project, change, first)

    def revert(self, project: Project, user: str | None = None) -> Changes:
        """Put back the exact table ``apply`` replaced; refused if it was not applied or the
        assignments changed since."""
        if "after" not in self._memo:
            raise GridEditError(_("This edit was not applied, so it cannot be undone."))
        if not project.assignments.equals(self._memo["after"]):
            raise GridEditError(_("The project changed since this edit, so it cannot be "
                                  "undone."))
        first = len(project.history)
        project.set_table(schema.ASSIGNMENTS, self._memo["before"])
        history = self._memo["history"]
        for entry in reversed(history):
            project.record_history(UNDO_PREFIX + entry.action, schema.ASSIGNMENTS,
                                   [entry.feature_id], [entry.after], [entry.before], user)
        change = AssignmentChange(project.assignments, history)
        for key in ("before", "after", "history"):
            del self._memo[key]
        return _changes(project, change, first)

    def _plan(self, project: Project) -> AssignmentChange:
        raise NotImplementedError


def _changes(project: Project, change: AssignmentChange, first_history: int) -> Changes:
    """The touched assignments by feature id (``grid/role/person``: the grid comes first)."""
    edit_ids = project.history["edit_id"].iloc[first_history:].astype(str)
    return Changes({schema.ASSIGNMENTS: [e.feature_id for e in change.history],
                    schema.HISTORY: set(edit_ids)})


def _grid_required(project: Project, grid_code: str) -> None:
    if not (project.grids["grid_code"].astype(str) == str(grid_code)).any():
        raise GridEditError(_("There is no grid {code}.").format(code=grid_code))


def _role_required(role: str) -> None:
    if role not in schema.ASSIGNMENT_ROLES:
        raise GridEditError(_("Unknown role {role}.").format(role=role))


@dataclass(frozen=True)
class AssignRole(_AssignmentEdit):
    """Make ``who`` (an inspector id of the roster, else a person's name) the holder of
    ``role`` of grid ``grid_code`` from ``valid_from`` on (see inspectors.plan_assign)."""

    grid_code: str
    role: str
    who: str
    valid_from: str
    phone: str | None = None
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    action = "assign"

    @property
    def label(self) -> str:
        return _("Assign {who} as {role} of grid {code}").format(
            who=self.who, role=role_label(self.role) if self.role in schema.ASSIGNMENT_ROLES
            else self.role, code=self.grid_code)

    def _plan(self, project):
        _grid_required(project, self.grid_code)
        _role_required(self.role)
        if not str(self.who or "").strip():
            raise GridEditError(_("Who is to be assigned? Give an inspector or a name."))
        change = plan_assign(project.assignments, project.inspectors, self.grid_code,
                             self.role, self.who, self.valid_from, self.phone)
        if not change.changed:
            raise GridEditError(_("{who} is {role} of grid {code} already.").format(
                who=self.who, role=role_label(self.role), code=self.grid_code))
        return change


@dataclass(frozen=True)
class UnassignRole(_AssignmentEdit):
    """End the assignment of ``who`` to ``role`` of grid ``grid_code`` on ``last_day``
    (inclusive); an assignment starting after that day is removed."""

    grid_code: str
    role: str
    who: str
    last_day: str
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    action = "unassign"

    @property
    def label(self) -> str:
        return _("Release {who} as {role} of grid {code}").format(
            who=self.who, role=role_label(self.role) if self.role in schema.ASSIGNMENT_ROLES
            else self.role, code=self.grid_code)

    def _plan(self, project):
        _role_required(self.role)
        try:
            return plan_unassign(project.assignments, self.grid_code, self.role, self.who,
                                 self.last_day)
        except ValueError:
            raise GridEditError(_("{who} is not {role} of grid {code} on {day} or later.")
                                .format(who=self.who, role=role_label(self.role),
                                        code=self.grid_code, day=self.last_day)) from None


@dataclass(frozen=True)
class ApplyBalance(_AssignmentEdit):
    """Move level-3 grids between inspectors from ``valid_from`` on, as suggested by
    gisapp.workload.suggest_balance: ``moves`` are (grid_code, from_inspector, to_inspector)."""

    street_code: str
    moves: tuple[tuple[str, str, str], ...]
    valid_from: str
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    action = "apply_balance"

    @classmethod
    def of(cls, suggestion, valid_from) -> ApplyBalance:
        """The edit applying a BalanceSuggestion's moves from ``valid_from``."""
        moves = tuple((str(m.grid_code), str(m.from_inspector), str(m.to_inspector))
                      for m in suggestion.moves.itertuples(index=False))
        return cls(str(suggestion.street_code), moves, as_date(valid_from).isoformat())

    @property
    def label(self) -> str:
        return _("Balance the inspectors of street {street} ({count} grids move)").format(
            street=self.street_code, count=len(self.moves))

    def _plan(self, project):
        if not self.moves:
            raise GridEditError(_("The suggestion moves no grid."))
        moves = pd.DataFrame(list(self.moves), columns=["grid_code", "from_inspector",
                                                         "to_inspector"])
        try:
            return plan_balance(project.assignments, project.inspectors, moves,
                                as_date(self.valid_from))
        except ValueError as error:
            raise GridEditError(_("The balance cannot be applied: {reason}").format(
                reason=error)) from None


def day_before(day) -> str:
    """The ISO date of the day before ``day`` (the last day of an assignment ended then)."""
    return (as_date(day) - dt.timedelta(days=1)).isoformat()
