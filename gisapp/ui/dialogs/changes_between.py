"""ChangesBetweenDialog: what changed between two dates (both days included) in the grids, the
sources, the assignments or every table: when, who, what, which feature, which fields.
Choosing a row asks for it on the map (a deleted grid or source where its history record
puts it), a grid row opens that grid's history, and Export… writes the listed rows as CSV or
XLSX. The core answers (gisapp.history.changes_between, changed_bounds)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gisapp import schema
from gisapp.errors import GisappError
from gisapp.history import changed_bounds, changes_between
from gisapp.i18n import N_, _
from gisapp.reports.xlsx import write_bulletin_csv, write_table_xlsx
from gisapp.ui import labels
from gisapp.ui.selection import GRIDS, INSPECTORS, SOURCES
from gisapp.ui.table_model import DataFrameModel, make_proxy

# the table filter: (table name or None for every table, label)
TABLE_CHOICES = [(None, N_("All tables")), (schema.GRIDS, N_("Grid")),
                 (schema.SOURCES, N_("Source")), (schema.ASSIGNMENTS, N_("Assignment"))]
TABLE_LABELS = {schema.GRIDS: N_("Grid"), schema.SOURCES: N_("Source"),
                schema.ASSIGNMENTS: N_("Assignment"), schema.INSPECTORS: N_("Inspector"),
                schema.INCIDENTS: N_("Incident report")}
CHANGE_LABELS = {"created": N_("Added"), "changed": N_("Modified"), "deleted": N_("Removed")}
ACTION_LABELS = {
    "import": N_("Import"), "update": N_("Update"), "restore": N_("Restore"),
    "split_grid": N_("Split grid"), "merge_grids": N_("Merge grids"),
    "add_grid": N_("Add grid"), "delete_grid": N_("Delete grid"),
    "reshape_grid": N_("Reshape grid"), "move_vertex": N_("Move vertex"),
    "add_vertex": N_("Add vertex"), "delete_vertex": N_("Delete vertex"),
    "move_grid_to_parent": N_("Move grid to parent"), "fix_slivers": N_("Fix slivers"),
    "add_source": N_("Add source"), "move_source": N_("Move source"),
    "delete_source": N_("Delete source"), "edit_attributes": N_("Edit attributes"),
    "assign": N_("Assign"), "unassign": N_("Release"), "apply_balance": N_("Apply balance"),
}
UNDO_PREFIX = "undo:"  # as gisapp.edits marks the history rows of an undo
# the fields a change names that the attribute tables have no header for
FIELD_LABELS = {"role": N_("Role"), "person_name": N_("Person"),
                "valid_from": N_("Valid from"), "valid_to": N_("Valid until"),
                "status": N_("Status")}
SHOWN = ["at_local", "user", "action", "table_name", "feature_id", "feature_name", "change",
         "fields"]


def headers() -> dict[str, str]:
    return {"at_local": _("When"), "user": _("Who"), "action": _("Action"),
            "table_name": _("Table"), "feature_id": _("Feature ID"),
            "feature_name": _("Feature name"), "change": _("Change"), "fields": _("Fields")}


@dataclass(frozen=True)
class ChangeTarget:
    """What a row of the list is about on the map: a feature of a selection ``kind`` (grids,
    sources, inspectors; None for one the map cannot select), the grid whose history the row
    belongs to, the lon/lat bounds its history record gives (None: no geometry), and that
    record (the feature after the edit, or before a deletion)."""

    kind: str | None
    feature_id: str
    grid_code: str | None
    bounds: tuple[float, float, float, float] | None
    record: dict = field(default_factory=dict, compare=False)


class ChangesBetweenDialog(QDialog):
    change_chosen = Signal(object)       # a ChangeTarget the map should show
    history_requested = Signal(str)      # a grid code

    def __init__(self, project, first: dt.date | None = None, last: dt.date | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Changes Between Dates"))
        self.project = project
        self.rows = pd.DataFrame()  # changes_between's rows
        self.targets: dict[str, ChangeTarget] = {}  # by edit_id, the model's key
        today = dt.date.today()
        last = last or today
        first = first or (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        self.first_edit = self._date_edit(first)
        self.last_edit = self._date_edit(last)
        self.table_box = QComboBox(self)
        for name, text in TABLE_CHOICES:
            self.table_box.addItem(_(text), name)
        self.model = DataFrameModel(key_column="edit_id", headers=headers())
        self.table = self._table_view()
        self.note = QLabel("", self)
        self.zoom_button = QPushButton(_("Show on Map"), self)
        self.history_button = QPushButton(_("Grid History…"), self)
        self.export_button = QPushButton(_("Export…"), self)
        self._layout()
        self.zoom_button.clicked.connect(self.show_chosen)
        self.history_button.clicked.connect(self.open_history)
        self.export_button.clicked.connect(self.export_dialog)
        self.first_edit.dateChanged.connect(lambda _d: self.refresh())
        self.last_edit.dateChanged.connect(lambda _d: self.refresh())
        self.table_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._chosen_changed())
        self.table.doubleClicked.connect(lambda _index: self.open_history())
        self.resize(980, 420)
        self.refresh()

    # ---- building --------------------------------------------------------------------------
    def _date_edit(self, day: dt.date) -> QDateEdit:
        edit = QDateEdit(QDate(day.year, day.month, day.day), self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def _table_view(self) -> QTableView:
        table = QTableView(self)
        table.setModel(make_proxy(self.model, table))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        # oldest first, as recorded, until the user clicks a header
        table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        table.horizontalHeader().setStretchLastSection(True)
        return table

    def _layout(self) -> None:
        bar = QHBoxLayout()
        for text, widget in ((_("From"), self.first_edit), (_("To"), self.last_edit),
                             (_("Table"), self.table_box)):
            label = QLabel(text, self)
            label.setBuddy(widget)
            bar.addWidget(label)
            bar.addWidget(widget)
            bar.addSpacing(12)
        bar.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        for button in (self.zoom_button, self.history_button, self.export_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)

    # ---- the list --------------------------------------------------------------------------
    @property
    def first(self) -> dt.date:
        return self.first_edit.date().toPython()

    @property
    def last(self) -> dt.date:
        return self.last_edit.date().toPython()

    @property
    def table_name(self) -> str | None:
        return self.table_box.currentData()

    def set_dates(self, first: dt.date, last: dt.date) -> None:
        for edit, day in ((self.first_edit, first), (self.last_edit, last)):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self.refresh()

    def set_table(self, table_name: str | None) -> None:
        self.table_box.setCurrentIndex(self.table_box.findData(table_name))

    def refresh(self) -> None:
        """List the changes again (dates, table filter or the project changed)."""
        first, last = self.first, self.last
        if last < first:  # list nothing (an empty day: the same columns) and say why
            rows = changes_between(self.project, last, last)
            note = _("The start date {first} is after the end date {last}.").format(
                first=first.isoformat(), last=last.isoformat())
        else:  # changes_between counts from the end of its first day: start a day earlier
            rows = changes_between(self.project, first - dt.timedelta(days=1), last,
                                   self.table_name)
            note = (_("{count} changes from {first} to {last} (both days included)")
                    if len(rows) else
                    _("No changes are recorded from {first} to {last}.")).format(
                count=len(rows), first=first.isoformat(), last=last.isoformat())
        self.rows = rows.reset_index(drop=True)
        self.targets = dict(zip(self.rows["edit_id"].astype(str), _targets(self.rows)))
        self.model.set_frame(listed(self.rows))
        self.table.setColumnHidden(self.model.column_of("edit_id"), True)  # the key only
        self.table.resizeColumnsToContents()
        self.note.setText(note)
        self.export_button.setEnabled(bool(len(self.rows)))
        self._enable()

    def shown_headers(self) -> list[str]:
        proxy = self.table.model()
        return [proxy.headerData(c, Qt.Orientation.Horizontal) for c in self._shown_columns()]

    def shown_rows(self) -> list[list[str]]:
        """The texts of the listed rows as the table shows them (in its sort order)."""
        proxy, columns = self.table.model(), self._shown_columns()
        return [[proxy.index(r, c).data() for c in columns] for r in range(proxy.rowCount())]

    def shown_frame(self) -> pd.DataFrame:
        """The listed rows in the table's order, under the translated headers."""
        return pd.DataFrame(self.shown_rows(), columns=self.shown_headers(), dtype="string")

    def _shown_columns(self) -> list[int]:
        return [c for c in range(self.table.model().columnCount())
                if not self.table.isColumnHidden(c)]

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def chosen(self) -> ChangeTarget | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        key = self.model.key(self.table.model().mapToSource(rows[0]).row())
        return self.targets.get(key)

    def can_show(self, target: ChangeTarget | None) -> bool:
        """The map can show ``target``: the feature is in its table now, or its history
        record says where it was."""
        if target is None:
            return False
        return target.bounds is not None or _present(self.project, target)

    # ---- actions ---------------------------------------------------------------------------
    def show_chosen(self) -> None:
        target = self.chosen()
        if self.can_show(target):
            self.change_chosen.emit(target)

    def open_history(self) -> None:
        target = self.chosen()
        if target is not None and target.grid_code:
            self.history_requested.emit(target.grid_code)

    def export_dialog(self) -> None:
        name = _("changes {first} to {last}").format(first=self.first.isoformat(),
                                                     last=self.last.isoformat())
        csv_filter, xlsx_filter = _("CSV table (*.csv)"), _("Excel workbook (*.xlsx)")
        path, chosen = QFileDialog.getSaveFileName(self, _("Export Changes"), name + ".csv",
                                                   f"{csv_filter};;{xlsx_filter}")
        if not path:
            return
        if Path(path).suffix.lower() not in (".csv", ".xlsx"):
            path += ".xlsx" if chosen == xlsx_filter else ".csv"
        self.export(path)

    def export(self, path: str | Path) -> Path | None:
        """Write the listed rows: .xlsx as a styled sheet, anything else as CSV (UTF-8 with
        a BOM, so Excel shows the Chinese). The file appears whole or not at all."""
        path = Path(path)
        table = self.shown_frame()
        try:
            if path.suffix.lower() == ".xlsx":
                title = _("Changes from {first} to {last}").format(
                    first=self.first.isoformat(), last=self.last.isoformat())
                return write_table_xlsx(path, table, title, sheet_name=title)
            return write_bulletin_csv(path, table)
        except (GisappError, OSError, ValueError) as error:
            QMessageBox.critical(self, _("Cannot export the changes"), str(error))
            return None

    def _chosen_changed(self) -> None:
        self._enable()
        self.show_chosen()

    def _enable(self) -> None:
        target = self.chosen()
        can_show = self.can_show(target)
        self.zoom_button.setEnabled(can_show)
        self.zoom_button.setToolTip("" if can_show or target is None else
                                    _("Neither the table nor the history record says where "
                                      "this feature is."))
        self.history_button.setEnabled(target is not None and bool(target.grid_code))


# ---- rows as the user reads them -----------------------------------------------------------
def listed(rows: pd.DataFrame) -> pd.DataFrame:
    """changes_between's rows as the dialog lists them: edit_id (the key, not shown), then
    the local time (YYYY-MM-DD HH:MM, Asia/Shanghai), who, the action, the table, the
    feature's id and name, the change and the fields it touched, in the current language."""
    at = pd.to_datetime(rows["at"].astype(str), utc=True, format="ISO8601")
    records = [_record(b, a) for b, a in zip(rows["before"], rows["after"])]
    frame = pd.DataFrame({
        "edit_id": rows["edit_id"].to_numpy(np.int64),
        "at_local": at.dt.tz_convert(schema.TRACK_TIMEZONE).dt.strftime("%Y-%m-%d %H:%M")
        .to_numpy(object),
        "user": rows["user"].fillna("").astype(str).to_numpy(object),
        "action": [_action(a) for a in rows["action"].fillna("")],
        "table_name": [labels.label(TABLE_LABELS, t) for t in rows["table_name"]],
        "feature_id": rows["feature_id"].fillna("").astype(str).to_numpy(object),
        "feature_name": [_feature_name(t, r) for t, r in zip(rows["table_name"], records)],
        "change": [labels.label(CHANGE_LABELS, c) for c in rows["change"]],
        "fields": [_fields(t, f) for t, f in zip(rows["table_name"], rows["fields"].fillna(""))],
    })
    for column in SHOWN:
        frame[column] = frame[column].astype("string")
    return frame


def _record(before, after) -> dict:
    return after if isinstance(after, dict) else before if isinstance(before, dict) else {}


def _action(code: str) -> str:
    if code.startswith(UNDO_PREFIX):
        return _("Undo {action}").format(action=_action(code[len(UNDO_PREFIX):]))
    return labels.label(ACTION_LABELS, code)


def _feature_name(table: str, record: dict) -> str:
    if table == schema.ASSIGNMENTS:
        person = record.get("person_name") or record.get("inspector_id") or ""
        role = labels.label(labels.ROLES, record.get("role"))
        return f"{role} {person}".strip()
    return str(record.get("name") or record.get("description") or "")


def _fields(table: str, fields: str) -> str:
    return ", ".join(_field_label(table, name) for name in fields.split(", ") if name)


def _field_label(table: str, name: str) -> str:
    if name == "geometry":
        return _(N_("Boundary") if table == schema.GRIDS else N_("Location"))
    if name in FIELD_LABELS:
        return _(FIELD_LABELS[name])
    return labels.columns([name], table).get(name, name)


def _targets(rows: pd.DataFrame) -> list[ChangeTarget]:
    bounds = changed_bounds(rows)
    targets = []
    for row, box in zip(rows.itertuples(index=False), bounds):
        record = _record(row.before, row.after)
        table, feature_id = str(row.table_name), str(row.feature_id)
        box = None if np.isnan(box).any() else tuple(float(v) for v in box)
        if table == schema.GRIDS:
            code = str(record.get("grid_code") or feature_id)
            target = ChangeTarget(GRIDS, code, code, box, record)
        elif table == schema.SOURCES:
            target = ChangeTarget(SOURCES, str(record.get("source_id") or feature_id), None,
                                  box, record)
        elif table == schema.ASSIGNMENTS:
            code = str(record.get("grid_code") or feature_id.split("/")[0])
            target = ChangeTarget(GRIDS, code, code, box, record)
        elif table == schema.INSPECTORS:
            target = ChangeTarget(INSPECTORS, feature_id, None, box, record)
        else:
            target = ChangeTarget(None, feature_id, None, box, record)
        targets.append(target)
    return targets


_KEYS = {GRIDS: (schema.GRIDS, "grid_code"), SOURCES: (schema.SOURCES, "source_id"),
         INSPECTORS: (schema.INSPECTORS, "inspector_id")}


def _present(project, target: ChangeTarget) -> bool:
    if target.kind not in _KEYS:
        return False
    table, key = _KEYS[target.kind]
    return bool((project.tables[table][key].astype(str) == target.feature_id).any())
