"""DataFrameModel: one QAbstractTableModel over any DataFrame (attribute tables, rankings).

Display texts are formatted once per frame, so scrolling a table of thousands of rows costs no
pandas lookups; the sort role gives the raw values (numbers sort as numbers, missing values
first), and the key role the row's id for selections. A geometry column is not shown.

Put a ``FrameProxy`` (``make_proxy``) between it and the view for sorting and filtering: the
model sorts itself with numpy and the proxy filters with a mask the model computes, because
QSortFilterProxyModel would call ``data()`` from Python for every comparison and every cell
(two seconds to show 10,000 grids sorted, again after every edit).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont

SORT_ROLE = Qt.ItemDataRole.UserRole
KEY_ROLE = Qt.ItemDataRole.UserRole + 1

Formatter = Callable[[Any], str]
_MISSING_SORT = -math.inf


def percent(value) -> str:
    """0.8844 -> '88.4 %' (missing: '')."""
    return "" if _missing(value) else f"{float(value) * 100:.1f} %"


def decimals(places: int) -> Formatter:
    def format_(value) -> str:
        return "" if _missing(value) else f"{float(value):,.{places}f}"
    return format_


class DataFrameModel(QAbstractTableModel):
    """Read-only rows of ``frame``; ``key_column`` names the id column of each row."""

    def __init__(self, frame: pd.DataFrame | None = None, key_column: str | None = None,
                 headers: dict[str, str] | None = None,
                 formats: dict[str, Formatter] | None = None,
                 values: dict[str, Callable[[Any], str]] | None = None, parent=None):
        super().__init__(parent)
        self._headers = dict(headers or {})
        self._formats = dict(formats or {})
        self._values = dict(values or {})  # column -> translation of stored codes
        self._frame = pd.DataFrame()
        self._columns: list[str] = []
        self._text: list[np.ndarray] = []
        self._sort: list[np.ndarray] = []
        self._numeric: list[bool] = []
        self._textual: list[bool] = []
        self._keys = np.empty(0, object)
        self._row_of: dict[str, int] = {}
        self.key_column = key_column
        self._highlighted: set[str] = set()
        self._sort_by: tuple[int, Qt.SortOrder] | None = None  # kept across new frames
        self.generation = 0  # grows whenever rows change or move (the proxy's mask follows)
        self.set_frame(frame if frame is not None else pd.DataFrame(), key_column)

    # ---- data ------------------------------------------------------------------------------
    @property
    def frame(self) -> pd.DataFrame:
        return self._frame

    def set_frame(self, frame: pd.DataFrame, key_column: str | None = None) -> None:
        self.beginResetModel()
        self._frame = frame
        if key_column is not None:
            self.key_column = key_column
        geometry = getattr(frame, "_geometry_column_name", None) if isinstance(
            frame, pd.DataFrame) else None
        self._columns = [c for c in frame.columns if c != geometry and c != "geometry"]
        self._text, self._sort, self._numeric, self._textual = [], [], [], []
        for column in self._columns:
            text, sort, numeric = self._prepare(column, frame[column])
            self._text.append(text)
            self._sort.append(sort)
            self._numeric.append(numeric)
            self._textual.append(sort is text)  # sorted as text (lower-cased)
        if self.key_column and self.key_column in frame.columns:
            self._keys = frame[self.key_column].astype(str).to_numpy(dtype=object)
        else:
            self._keys = np.array([str(i) for i in range(len(frame))], dtype=object)
        self._reorder(self._sort_permutation())
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column``'s raw values (missing first when ascending); the
        order is kept when a new frame is set."""
        self._sort_by = (column, order)
        permutation = self._sort_permutation()
        if permutation is None:
            return
        self.layoutAboutToBeChanged.emit()
        new_row = np.empty(len(permutation), np.int64)
        new_row[permutation] = np.arange(len(permutation))
        self._reorder(permutation)
        persistent = self.persistentIndexList()
        self.changePersistentIndexList(persistent, [
            self.index(int(new_row[i.row()]), i.column()) if i.isValid() else i
            for i in persistent])
        self.layoutChanged.emit()

    def rows_matching(self, text: str) -> np.ndarray:
        """Rows with ``text`` in any shown cell, ignoring case."""
        wanted = text.lower()
        found = np.zeros(len(self._keys), bool)
        for column in self._text:
            found |= pd.Series(column, dtype=object).str.lower().str.contains(
                wanted, regex=False).fillna(False).to_numpy(bool)
        return found

    def _sort_permutation(self) -> np.ndarray | None:
        if self._sort_by is None or not len(self._keys):
            return None
        column, order = self._sort_by
        if not 0 <= column < len(self._columns):
            return None
        values = self._sort[column]
        if self._textual[column]:  # case-insensitive
            keys = pd.Series(values, dtype=object).str.lower().to_numpy(dtype=object)
        else:  # numbers, booleans as 0/1, missing as -inf
            keys = np.asarray(values, dtype=np.float64)
        permutation = np.argsort(keys, kind="stable")
        if order == Qt.SortOrder.DescendingOrder:
            # stable descending: reverse the ascending order of the reversed rows
            permutation = len(keys) - 1 - np.argsort(keys[::-1], kind="stable")[::-1]
        return permutation

    def _reorder(self, permutation: np.ndarray | None) -> None:
        if permutation is not None:
            self._text = [t[permutation] for t in self._text]
            self._sort = [s[permutation] for s in self._sort]
            self._keys = self._keys[permutation]
            self._frame = self._frame.iloc[permutation]
        self._row_of = {key: row for row, key in enumerate(self._keys)}
        self.generation += 1

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def column_of(self, name: str) -> int:
        return self._columns.index(name)

    def key(self, row: int) -> str:
        return str(self._keys[row])

    def row_of(self, key: str) -> int | None:
        return self._row_of.get(str(key))

    def set_highlighted(self, keys) -> None:
        """Rows shown bold (e.g. the inspector under review)."""
        self._highlighted = {str(k) for k in keys}
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, self.columnCount() - 1),
                                  [Qt.ItemDataRole.FontRole])

    # ---- QAbstractTableModel ---------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._text[column][row]
        if role == SORT_ROLE:
            return self._sort[column][row]
        if role == KEY_ROLE:
            return self._keys[row]
        if role == Qt.ItemDataRole.TextAlignmentRole and self._numeric[column]:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and self._keys[row] in self._highlighted:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and self._text[column][row] == "":
            return QColor("#999999")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            column = self._columns[section]
            return self._headers.get(column, column)
        return str(section + 1)

    # ---- formatting ------------------------------------------------------------------------
    def _prepare(self, column: str, series: pd.Series):
        values = series.to_numpy(dtype=object)
        missing = pd.isna(series).to_numpy(bool)
        numeric = (pd.api.types.is_numeric_dtype(series.dtype)
                   and not pd.api.types.is_bool_dtype(series.dtype))
        if column in self._formats:
            fmt = self._formats[column]
            text = np.array([fmt(v) for v in values], dtype=object)
        elif column in self._values:
            translate = self._values[column]
            text = np.array(["" if m else translate(str(v)) for v, m in zip(values, missing)],
                            dtype=object)
        elif pd.api.types.is_float_dtype(series.dtype):
            text = np.array(["" if m else f"{float(v):,.2f}" for v, m in zip(values, missing)],
                            dtype=object)
        elif pd.api.types.is_datetime64_any_dtype(series.dtype):
            text = np.array(["" if m else pd.Timestamp(v).strftime("%Y-%m-%d %H:%M")
                             for v, m in zip(values, missing)], dtype=object)
        else:
            text = np.array(["" if m else str(v) for v, m in zip(values, missing)], dtype=object)
        if numeric:
            sort = np.array([_MISSING_SORT if m else float(v) for v, m in zip(values, missing)],
                            dtype=object)
        elif pd.api.types.is_bool_dtype(series.dtype):
            sort = np.array([-1 if m else int(bool(v)) for v, m in zip(values, missing)],
                            dtype=object)
        else:
            sort = text
        return text, sort, numeric


class FrameProxy(QSortFilterProxyModel):
    """Hands sorting to its DataFrameModel and filters with the model's vectorised match.

    ``set_filter_text`` shows the rows containing a text in any column (case-insensitive).
    The proxy itself never sorts, so it shows the model's order.
    """

    def __init__(self, model: DataFrameModel, parent=None):
        super().__init__(parent)
        self._text = ""
        self._mask: np.ndarray | None = None
        self._mask_of: tuple[int, str] | None = None  # (model generation, text)
        self.setSourceModel(model)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sourceModel().sort(column, order)

    def set_filter_text(self, text: str) -> None:
        if text == self._text:
            return
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 replaced invalidateFilter
            self.beginFilterChange()
            self._text = text
            self.endFilterChange()
        else:
            self._text = text
            self.invalidateFilter()

    def filter_text(self) -> str:
        return self._text

    def filterAcceptsRow(self, source_row: int,
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self._text:
            return True
        model = self.sourceModel()
        if self._mask_of != (model.generation, self._text):
            self._mask = model.rows_matching(self._text)
            self._mask_of = (model.generation, self._text)
        return bool(self._mask[source_row]) if source_row < len(self._mask) else False


def make_proxy(model: DataFrameModel, parent=None) -> FrameProxy:
    """A proxy sorting by raw values and filtering case-insensitively across all columns."""
    return FrameProxy(model, parent)


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
