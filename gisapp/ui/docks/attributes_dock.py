"""AttributesDock: one sortable, filterable table per layer (grids, sources, inspectors), kept
in step with the map selection both ways, with zoom to selection."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gisapp.i18n import _
from gisapp.ui import labels
from gisapp.ui.selection import GRIDS, INSPECTORS, KINDS, SOURCES
from gisapp.ui.attribute_editing import ChoiceDelegate, EditableFrameModel
from gisapp.ui.table_model import make_proxy

KEYS = {GRIDS: "grid_code", SOURCES: "source_id", INSPECTORS: "inspector_id"}


class TablePage(QWidget):
    """A filter box, a table and a count; tells when the user selects rows."""

    selection_edited = Signal(list)  # ids the user selected in the table

    def __init__(self, kind: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind = kind
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText(_("Filter…"))
        self.filter_edit.setClearButtonEnabled(True)
        self.model = EditableFrameModel(key_column=KEYS[kind],
                                        headers=labels.columns(labels.COLUMNS, kind),
                                        values=_VALUES.get(kind), table=kind)
        self.proxy = make_proxy(self.model, self)
        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setItemDelegate(ChoiceDelegate(self.view))  # editing: see set_editable
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.view.setAlternatingRowColors(True)
        self.count_label = QLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count_label)
        self._updating = False
        self._ids: frozenset[str] = frozenset()
        self.filter_edit.textChanged.connect(self._filter)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)

    def set_frame(self, frame: pd.DataFrame) -> None:
        self._updating = True
        self.model.set_frame(frame)
        self.view.resizeColumnsToContents()
        self._updating = False
        self.show_selection(self._ids)

    def selected_ids(self) -> list[str]:
        rows = self.view.selectionModel().selectedRows()
        return sorted({self.model.key(self.proxy.mapToSource(i).row()) for i in rows})

    def show_selection(self, ids) -> None:
        """Select the rows of ``ids`` (those the filter shows) without telling anyone."""
        self._ids = frozenset(ids)
        proxy_rows = []
        for key in self._ids:
            row = self.model.row_of(key)
            if row is not None:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                if index.isValid():
                    proxy_rows.append(index.row())
        selection = QItemSelection()
        last_column = max(self.proxy.columnCount() - 1, 0)
        for first, last in _runs(sorted(proxy_rows)):
            selection.select(self.proxy.index(first, 0), self.proxy.index(last, last_column))
        self._updating = True
        self.view.selectionModel().select(
            selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self._updating = False
        if proxy_rows:
            self.view.scrollTo(self.proxy.index(min(proxy_rows), 0))
        self._show_count()

    def _filter(self, text: str) -> None:
        self._updating = True
        self.proxy.set_filter_text(text)
        self._updating = False
        self.show_selection(self._ids)

    def _selection_changed(self, *_args) -> None:
        if self._updating:
            return
        ids = self.selected_ids()
        # rows the filter hides stay selected: the user only edited the visible ones
        hidden = {i for i in self._ids
                  if self.model.row_of(i) is not None and not self.proxy.mapFromSource(
                      self.model.index(self.model.row_of(i), 0)).isValid()}
        self._ids = frozenset(ids) | hidden
        self._show_count()
        self.selection_edited.emit(sorted(self._ids))

    def _show_count(self) -> None:
        self.count_label.setText(_("{selected:,} of {total:,} selected · {shown:,} shown").format(
            selected=len(self._ids), total=self.model.rowCount(), shown=self.proxy.rowCount()))


class AttributesDock(QDockWidget):
    selection_edited = Signal(str, list)  # kind, ids the user selected in a table
    zoom_requested = Signal(str)  # zoom to the selection of this kind
    kind_changed = Signal(str)  # the table shown now: what the select tool selects in
    value_edited = Signal(str, str, str, object, object)  # kind, id, column, old, new

    def __init__(self, parent: QWidget | None = None):
        super().__init__(_("Attributes"), parent)
        self.setObjectName("attributes_dock")
        body = QWidget(self)
        self.tabs = QTabWidget(body)
        self.pages: dict[str, TablePage] = {}
        for kind, title in ((GRIDS, _("Grid table")), (SOURCES, _("Source table")),
                            (INSPECTORS, _("Inspector table"))):
            page = TablePage(kind, self.tabs)
            page.selection_edited.connect(lambda ids, k=kind: self.selection_edited.emit(k, ids))
            page.model.value_edited.connect(
                lambda key, column, old, new, k=kind: self.value_edited.emit(k, key, column,
                                                                             old, new))
            self.pages[kind] = page
            self.tabs.addTab(page, title)
        self.tabs.currentChanged.connect(lambda i: self.kind_changed.emit(self.current_kind()))
        self.zoom_button = QPushButton(_("Zoom to Selection"), body)
        self.zoom_button.clicked.connect(lambda: self.zoom_requested.emit(self.current_kind()))
        self.clear_button = QPushButton(_("Clear Selection"), body)
        self.clear_button.clicked.connect(
            lambda: self.selection_edited.emit(self.current_kind(), []))
        buttons = QHBoxLayout()
        buttons.addWidget(self.zoom_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        self.setWidget(body)

    def set_tables(self, grids: pd.DataFrame, sources: pd.DataFrame,
                   inspectors: pd.DataFrame) -> None:
        for kind, frame in ((GRIDS, grids), (SOURCES, sources), (INSPECTORS, inspectors)):
            self.pages[kind].set_frame(frame)

    def show_selection(self, kind: str, ids) -> None:
        self.pages[kind].show_selection(ids)

    def set_editable(self, on: bool) -> None:
        """Let the user edit attribute cells (an edit session is on): each edit is asked
        for through ``value_edited``."""
        for page in self.pages.values():
            page.model.set_editable(on)

    def current_kind(self) -> str:
        return KINDS[self.tabs.currentIndex()] if self.tabs.currentIndex() >= 0 else SOURCES

    def set_current_kind(self, kind: str) -> None:
        self.tabs.setCurrentIndex(KINDS.index(kind))


_VALUES = {
    GRIDS: {"kind": lambda code: labels.label(labels.GRID_KINDS, code)},
    SOURCES: {"category": lambda code: labels.label(labels.SOURCE_CATEGORIES, code)},
    INSPECTORS: {"kind": lambda code: labels.label(labels.INSPECTOR_KINDS, code)},
}


def _runs(rows: list[int]):
    """Consecutive runs of sorted row numbers as (first, last) pairs."""
    start = previous = None
    for row in rows:
        if start is None:
            start = previous = row
        elif row == previous + 1:
            previous = row
        else:
            yield start, previous
            start = previous = row
    if start is not None:
        yield start, previous
