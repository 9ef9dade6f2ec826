"""GridHistoryDialog: every edit of a grid (and of its assignments): when, who, what, which
fields; choose a row and restore the grid as it was before or after that edit (a new edit,
undoable like any other); MoveToParentDialog: choose a grid's new parent."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gisapp.history import grid_history
from gisapp.i18n import _
from gisapp.ui.table_model import DataFrameModel, make_proxy

SHOWN = ["edit_id", "at", "user", "action", "table_name", "change", "fields"]


class GridHistoryDialog(QDialog):
    restore_requested = Signal(str, object)  # grid code, the version (history dict)

    def __init__(self, project, grid_code: str, editable: bool,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("History of grid {code}").format(code=grid_code))
        self.grid_code = grid_code
        self.project = project
        self.rows = pd.DataFrame()
        self.model = DataFrameModel(key_column="edit_id", headers={
            "edit_id": _("Edit"), "at": _("When"), "user": _("Who"), "action": _("Action"),
            "table_name": _("Table"), "change": _("Change"), "fields": _("Fields")})
        self.table = QTableView(self)
        self.table.setModel(make_proxy(self.model, self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.note = QLabel("", self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.restore_before = QPushButton(_("Restore as Before This Edit"), self)
        self.restore_after = QPushButton(_("Restore as After This Edit"), self)
        for button, side in ((self.restore_before, "before"), (self.restore_after, "after")):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            button.clicked.connect(lambda _checked=False, s=side: self.restore(s))
            button.setEnabled(False)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._enable())
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.editable = editable
        self.resize(760, 420)
        self.refresh()

    def refresh(self) -> None:
        self.rows = grid_history(self.project, self.grid_code, assignments=True)
        self.model.set_frame(self.rows.reindex(columns=SHOWN))
        self.table.resizeColumnsToContents()
        self.note.setText(_("{count} edits").format(count=len(self.rows)) if len(self.rows)
                          else _("No edits of this grid are recorded."))
        self._enable()

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def chosen(self) -> pd.Series | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        key = self.model.key(self.table.model().mapToSource(rows[0]).row())
        match = self.rows[self.rows["edit_id"].astype(str) == key]
        return match.iloc[0] if len(match) else None

    def restore(self, side: str) -> None:
        row = self.chosen()
        if row is None:
            return
        version = row["before"] if side == "before" else row["after"]
        if version is not None:
            self.restore_requested.emit(self.grid_code, version)

    def _enable(self) -> None:
        row = self.chosen()
        grid_row = row is not None and row["table_name"] == "grids"
        self.restore_before.setEnabled(self.editable and grid_row
                                       and row["before"] is not None)
        self.restore_after.setEnabled(self.editable and grid_row and row["after"] is not None)
        for button in (self.restore_before, self.restore_after):
            button.setToolTip("" if self.editable else _("Start editing to restore"))


class MoveToParentDialog(QDialog):
    """Choose the new parent of a grid: the grids of the level above, neighbours first."""

    def __init__(self, grid_code: str, choices: list[tuple[str, str]],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Move Grid to Parent"))
        self.parent_box = QComboBox(self)
        for code, text in choices:
            self.parent_box.addItem(text, code)
        form = QFormLayout()
        form.addRow(_("Grid"), QLabel(grid_code, self))
        form.addRow(_("New parent"), self.parent_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setWindowModality(Qt.WindowModality.WindowModal)

    @property
    def parent_code(self) -> str | None:
        code = self.parent_box.currentData()
        return str(code) if code else None
