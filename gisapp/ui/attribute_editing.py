"""Editing attributes in the attribute table: a model whose editable cells ask for an edit
instead of changing (``value_edited``), and a delegate offering the allowed values of coded
columns (a grid's kind, a source's category) in a list.

The table never changes its frame itself: the window turns the request into an
EditAttributes edit on the undo stack, and the table shows the project's new rows once the
edit is applied (or the refusal in the status bar).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from gisapp import schema
from gisapp.edits import ALLOWED_VALUES, DERIVED
from gisapp.project import empty_table
from gisapp.ui import labels
from gisapp.ui.table_model import DataFrameModel

CHOICE_ROLE = Qt.ItemDataRole.UserRole + 2  # [(code, label)] of a coded column's cell
_LABELS = {"kind": {schema.GRIDS: labels.GRID_KINDS, schema.INSPECTORS: labels.INSPECTOR_KINDS},
           "category": {schema.SOURCES: labels.SOURCE_CATEGORIES}}


def editable_columns(table: str) -> frozenset[str]:
    """The columns of ``table`` an attribute edit may set (codes, levels, parents and the
    sources' grids are kept by the geometry edits)."""
    columns = [c for c in empty_table(table).columns if c != "geometry"]
    return frozenset(c for c in columns if c not in DERIVED.get(table, set()))


class EditableFrameModel(DataFrameModel):
    """A DataFrameModel whose ``editable`` columns can be edited: an edit emits
    ``value_edited(key, column, old, new)`` with the stored old value and leaves the frame
    as it is."""

    value_edited = Signal(str, str, object, object)

    def __init__(self, *args, table: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.editable: frozenset[str] = frozenset()

    def set_editable(self, on: bool) -> None:
        self.editable = editable_columns(self.table) if on and self.table else frozenset()

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and self.columns[index.column()] in self.editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def raw(self, row: int, column: str):
        value = self.frame[column].iloc[row]
        try:
            return None if pd.isna(value) else value
        except (TypeError, ValueError):
            return value

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role == Qt.ItemDataRole.EditRole:
            value = self.raw(index.row(), self.columns[index.column()])
            return "" if value is None else str(value)
        if index.isValid() and role == CHOICE_ROLE:
            return self.choices(self.columns[index.column()])
        return super().data(index, role)

    def choices(self, column: str) -> list[tuple[str, str]] | None:
        allowed = ALLOWED_VALUES.get((self.table, column))
        if not allowed:
            return None
        names = _LABELS.get(column, {}).get(self.table, {})
        return [(code, labels.label(names, code)) for code in allowed]

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        column = self.columns[index.column()]
        if column not in self.editable:
            return False
        old = self.raw(index.row(), column)
        new = None if value is None or str(value).strip() == "" else str(value).strip()
        if (None if old is None else str(old)) == new:
            return False
        key = self.key(index.row())
        # asked for after the view has closed its editor: applying the edit gives this model
        # a new frame, which must not happen inside the view's own call of setData
        QTimer.singleShot(0, lambda: self.value_edited.emit(key, column, old, new))
        return False  # the table shows the project's rows once the edit is applied


class ChoiceDelegate(QStyledItemDelegate):
    """A list of the allowed values for coded columns, the usual line edit for the rest."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        choices = index.data(CHOICE_ROLE)
        if not choices:
            return super().createEditor(parent, option, index)
        box = QComboBox(parent)
        for code, text in choices:
            box.addItem(text, code)
        return box

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex
                      ) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,
                     index: QModelIndex | QPersistentModelIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)
