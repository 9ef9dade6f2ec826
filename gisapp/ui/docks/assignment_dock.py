"""AssignmentDock: who answers for the selected grid, set by role (first responsible person,
direct responsible person, A and B backup, inspectors) from a date on; the inspector roster
to drag onto a grid on the map; and the warnings a planner should fix (assignment_warnings).

The dock only asks: each change is a signal the window turns into an undoable edit.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from PySide6.QtCore import QDate, QMimeData, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gisapp.history import assignments_on
from gisapp.i18n import _
from gisapp.inspectors import INSPECTOR_ROLE, SINGLE_ROLES
from gisapp.ui import labels
from gisapp.ui.docks.coverage_dock import scrolled

INSPECTOR_MIME = "application/x-gisapp-inspector"  # the dragged inspector's id, UTF-8


class RosterList(QListWidget):
    """The inspectors, draggable onto the map (the drag carries the inspector's id)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)

    def mimeData(self, items) -> QMimeData:
        return inspector_mime(str(items[0].data(Qt.ItemDataRole.UserRole))) if items \
            else QMimeData()


def inspector_mime(inspector_id: str) -> QMimeData:
    """What dragging an inspector carries: its id as our own type and as text."""
    mime = QMimeData()
    mime.setData(INSPECTOR_MIME, inspector_id.encode("utf-8"))
    mime.setText(inspector_id)
    return mime


def dropped_inspector(mime: QMimeData) -> str | None:
    if mime is None or not mime.hasFormat(INSPECTOR_MIME):
        return None
    return bytes(mime.data(INSPECTOR_MIME)).decode("utf-8") or None


class AssignmentDock(QDockWidget):
    assign_requested = Signal(str, str, str, str)  # grid, role, who, valid_from (ISO)
    unassign_requested = Signal(str, str, str, str)  # grid, role, who, valid_from (ISO)
    warning_chosen = Signal(str, str)  # grid code, inspector id of a warning ("" if none)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(_("Assignments"), parent)
        self.setObjectName("assignment_dock")
        body = QWidget(self)
        self.grid_label = QLabel(_("Select one grid on the map."), body)
        self.grid_label.setStyleSheet("font-weight: bold")
        self.date_edit = QDateEdit(QDate.currentDate(), body)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.dateChanged.connect(lambda _d: self.refresh())
        form = QFormLayout()
        form.addRow(_("Valid from"), self.date_edit)
        self.role_boxes: dict[str, QComboBox] = {}
        self.role_buttons: dict[str, QPushButton] = {}
        for role in SINGLE_ROLES:
            box = QComboBox(body)
            box.setEditable(True)
            box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            box.lineEdit().setPlaceholderText(_("inspector or name"))
            button = QPushButton(_("Set"), body)
            button.clicked.connect(lambda _checked=False, r=role: self._set_role(r))
            row = QHBoxLayout()
            row.addWidget(box, 1)
            row.addWidget(button)
            form.addRow(labels.label(labels.ROLES, role), row)
            self.role_boxes[role], self.role_buttons[role] = box, button
        self.inspector_list = QListWidget(body)
        self.inspector_list.setMaximumHeight(90)
        self.inspector_box = QComboBox(body)
        self.add_inspector_button = QPushButton(_("Add"), body)
        self.add_inspector_button.clicked.connect(self._add_inspector)
        self.remove_inspector_button = QPushButton(_("Remove"), body)
        self.remove_inspector_button.clicked.connect(self._remove_inspector)
        row = QHBoxLayout()
        row.addWidget(self.inspector_box, 1)
        row.addWidget(self.add_inspector_button)
        row.addWidget(self.remove_inspector_button)
        self.roster = RosterList(body)
        self.warnings = QListWidget(body)
        self.warnings.setWordWrap(True)
        self.warnings.itemDoubleClicked.connect(self._warning_chosen)
        self.warnings_label = QLabel(_("Warnings"), body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.grid_label)
        layout.addLayout(form)
        layout.addWidget(QLabel(labels.label(labels.ROLES, INSPECTOR_ROLE), body))
        layout.addWidget(self.inspector_list)
        layout.addLayout(row)
        layout.addWidget(QLabel(_("Drag an inspector onto a grid on the map:"), body))
        layout.addWidget(self.roster, 1)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.warnings, 1)
        self.setWidget(scrolled(body))
        self.project = None
        self.grid_code: str | None = None
        self._editable = False
        self.set_editable(False)

    # ---- state -----------------------------------------------------------------------------
    @property
    def valid_from(self) -> dt.date:
        d = self.date_edit.date()
        return dt.date(d.year(), d.month(), d.day())

    def set_project(self, project) -> None:
        self.project = project
        self.grid_code = None
        self._fill_people()
        self.refresh()

    def set_grid(self, grid_code: str | None) -> None:
        self.grid_code = grid_code
        self.refresh()

    def set_editable(self, on: bool) -> None:
        self._editable = bool(on)
        self._enable()

    def set_warnings(self, warnings: pd.DataFrame | None) -> None:
        self.warnings.clear()
        if warnings is None:
            self.warnings_label.setText(_("Warnings"))
            return
        self.warnings_label.setText(_("Warnings ({count})").format(count=len(warnings)))
        for row in warnings.itertuples(index=False):
            item = QListWidgetItem(str(row.message), self.warnings)
            item.setData(Qt.ItemDataRole.UserRole, (_text(row.grid_code),
                                                    _text(row.inspector_id)))

    def refresh(self) -> None:
        """Show the holders of the chosen grid on the chosen date."""
        project, code = self.project, self.grid_code
        self.inspector_list.clear()
        for box in self.role_boxes.values():
            box.setEditText("")
        if project is None or code is None:
            self.grid_label.setText(_("Select one grid on the map."))
            self._enable()
            return
        grids = project.grids
        match = grids[grids["grid_code"] == code]
        name = str(match["name"].iloc[0]) if len(match) and pd.notna(match["name"].iloc[0]) \
            else ""
        self.grid_label.setText(_("Grid {code} {name}").format(code=code, name=name))
        valid = assignments_on(project.assignments, self.valid_from)
        mine = valid[valid["grid_code"] == code]
        for row in mine.itertuples(index=False):
            who = _person_text(row.inspector_id, row.person_name)
            if row.role in self.role_boxes:
                self.role_boxes[row.role].setEditText(who)
            elif row.role == INSPECTOR_ROLE:
                item = QListWidgetItem(who, self.inspector_list)
                item.setData(Qt.ItemDataRole.UserRole,
                             _text(row.inspector_id) or _text(row.person_name))
        self._enable()

    def _fill_people(self) -> None:
        self.roster.clear()
        self.inspector_box.clear()
        for box in self.role_boxes.values():
            box.clear()
        if self.project is None:
            return
        for person in self.project.inspectors.itertuples(index=False):
            text = _person_text(person.inspector_id, person.name)
            item = QListWidgetItem(text, self.roster)
            item.setData(Qt.ItemDataRole.UserRole, str(person.inspector_id))
            item.setToolTip(labels.label(labels.INSPECTOR_KINDS, person.kind))
            self.inspector_box.addItem(text, str(person.inspector_id))
            for box in self.role_boxes.values():
                box.addItem(text, str(person.inspector_id))

    def _enable(self) -> None:
        on = self._editable and self.grid_code is not None
        for widget in (*self.role_boxes.values(), *self.role_buttons.values(),
                       self.inspector_box, self.add_inspector_button,
                       self.remove_inspector_button):
            widget.setEnabled(on)
        self.roster.setDragEnabled(self._editable)

    # ---- asking ----------------------------------------------------------------------------
    def _set_role(self, role: str) -> None:
        if self.grid_code is None:
            return
        who = _who(self.role_boxes[role])
        if who:
            self.assign_requested.emit(self.grid_code, role, who, self.valid_from.isoformat())

    def _add_inspector(self) -> None:
        who = self.inspector_box.currentData()
        if self.grid_code is not None and who:
            self.assign_requested.emit(self.grid_code, INSPECTOR_ROLE, str(who),
                                       self.valid_from.isoformat())

    def _remove_inspector(self) -> None:
        item = self.inspector_list.currentItem()
        if self.grid_code is not None and item is not None:
            self.unassign_requested.emit(self.grid_code, INSPECTOR_ROLE,
                                         str(item.data(Qt.ItemDataRole.UserRole)),
                                         self.valid_from.isoformat())

    def _warning_chosen(self, item: QListWidgetItem) -> None:
        grid, inspector = item.data(Qt.ItemDataRole.UserRole) or ("", "")
        self.warning_chosen.emit(grid, inspector)


def _who(box: QComboBox) -> str:
    """The inspector id of a chosen roster entry, else the typed name."""
    text = box.currentText().strip()
    index = box.findText(text)
    if index >= 0 and box.itemData(index):
        return str(box.itemData(index))
    return text


def _person_text(inspector_id, name) -> str:
    inspector_id, name = _text(inspector_id), _text(name)
    return f"{inspector_id} {name}".strip() if inspector_id else name


def _text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)
