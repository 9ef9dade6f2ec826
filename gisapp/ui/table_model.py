"""DataFrameModel: one QAbstractTableModel over any DataFrame (attribute tables, rankings).

Display texts are formatted once per frame, so scrolling a table of thousands of rows costs no
pandas lookups; the sort role gives the raw values (numbers sort as numbers, missing values
first), and the key role the row's id for selections. A geometry column is not shown.

Put a QSortFilterProxyModel (``make_proxy``) between it and the view for sorting and filtering.
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
        self._keys = np.empty(0, object)
        self._row_of: dict[str, int] = {}
        self.key_column = key_column
        self._highlighted: set[str] = set()
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
        self._text, self._sort, self._numeric = [], [], []
        for column in self._columns:
            text, sort, numeric = self._prepare(column, frame[column])
            self._text.append(text)
            self._sort.append(sort)
            self._numeric.append(numeric)
        if self.key_column and self.key_column in frame.columns:
            self._keys = frame[self.key_column].astype(str).to_numpy(dtype=object)
        else:
            self._keys = np.array([str(i) for i in range(len(frame))], dtype=object)
        self._row_of = {key: row for row, key in enumerate(self._keys)}
        self.endResetModel()

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


def make_proxy(model: DataFrameModel, parent=None) -> QSortFilterProxyModel:
    """A proxy sorting by raw values and filtering case-insensitively across all columns."""
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setFilterKeyColumn(-1)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return proxy


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
