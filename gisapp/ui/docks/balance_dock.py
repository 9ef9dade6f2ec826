"""BalanceDock: the workload of each inspector of a street (sources, area, patrol km, hours of
one full sweep) as a table and a pyqtgraph bar chart; "Suggest Balance" asks
gisapp.workload.suggest_balance (networkx: contiguous patches) for grid moves that even the
load out, shown in the chart (before and after) and, through ``suggestion_changed``, on the
map; "Apply" asks for them as one undoable edit."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gisapp.i18n import _
from gisapp.layers.balance import inspector_colors
from gisapp.ui import labels
from gisapp.ui.docks.coverage_dock import scrolled
from gisapp.ui.docks.ranking_dock import _plot
from gisapp.ui.table_model import DataFrameModel, decimals, make_proxy, percent
from gisapp.workload import BalanceSuggestion, street_loads, suggest_balance

BEFORE_COLOR = "#9e9e9e"
LOAD_COLUMNS = ["inspector_id", "name", "n_grids", "sources", "area_km2", "patrol_km",
                "load_h"]
MOVE_COLUMNS = ["grid_code", "grid_name", "from_inspector", "to_inspector", "sources",
                "area_km2"]


def _headers() -> dict[str, str]:
    return {**labels.columns(labels.COLUMNS), "n_grids": _("Grids"),
            "sources": _("Sources"), "area_km2": _("Area (km²)"),
            "patrol_km": _("Patrol (km)"), "load_h": _("Load (h)"),
            "load_after_h": _("After (h)"), "grid_name": _("Grid name"),
            "from_inspector": _("From"), "to_inspector": _("To"),
            "swept_share": _("Swept last month"), "visited_share": _("Visited last month")}


class BalanceDock(QDockWidget):
    suggestion_changed = Signal(object)  # a BalanceSuggestion to show, or None
    apply_requested = Signal(object)  # the BalanceSuggestion to apply
    street_chosen = Signal(str)  # zoom the map to this street
    coverage_requested = Signal(object, object)  # [start, end) dates of last month's coverage

    def __init__(self, parent: QWidget | None = None):
        super().__init__(_("Workload Balance"), parent)
        self.setObjectName("balance_dock")
        body = QWidget(self)
        self.street_box = QComboBox(body)
        self.street_box.currentIndexChanged.connect(self._street_changed)
        self.date_edit = QDateEdit(QDate.currentDate(), body)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setToolTip(_("The day of the loads, and from which a balance applies"))
        self.date_edit.dateChanged.connect(lambda _d: self.refresh())
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Street"), body))
        top.addWidget(self.street_box, 1)
        top.addWidget(self.date_edit)
        self.model = DataFrameModel(key_column="inspector_id", headers=_headers(),
                                    formats={"area_km2": decimals(2),
                                             "patrol_km": decimals(1), "load_h": decimals(1),
                                             "load_after_h": decimals(1),
                                             "swept_share": percent,
                                             "visited_share": percent})
        self.table = _table(self.model, body)
        self.plot = _plot(_("Load (h per full sweep)"))
        self.moves_model = DataFrameModel(key_column="grid_code", headers=_headers(),
                                          formats={"area_km2": decimals(2)})
        self.moves_table = _table(self.moves_model, body)
        self.summary = QLabel("", body)
        self.suggest_button = QPushButton(_("Suggest Balance"), body)
        self.suggest_button.clicked.connect(self.suggest)
        self.apply_button = QPushButton(_("Apply"), body)
        self.apply_button.setToolTip(_("Move the grids as suggested, from the chosen day on "
                                       "(one undoable edit)"))
        self.apply_button.clicked.connect(
            lambda: self.suggestion is not None and self.apply_requested.emit(self.suggestion))
        self.coverage_button = QPushButton(_("Last Month's Coverage"), body)
        self.coverage_button.setToolTip(_("Add each inspector's swept and visited shares of "
                                          "the month before the chosen day"))
        self.coverage_button.clicked.connect(self._request_coverage)
        self.clear_button = QPushButton(_("Clear"), body)
        self.clear_button.clicked.connect(lambda: self.show_suggestion(None))
        buttons = QHBoxLayout()
        buttons.addWidget(self.suggest_button)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.coverage_button)
        buttons.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Vertical, body)
        splitter.addWidget(self.table)
        splitter.addWidget(self.plot)
        splitter.addWidget(self.moves_table)
        splitter.setSizes([220, 200, 110])
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        self.setWidget(scrolled(body))
        self.project = None
        self.loads = pd.DataFrame(columns=LOAD_COLUMNS)
        self.coverage: pd.DataFrame | None = None  # last month's CoverageResult.inspectors
        self.suggestion: BalanceSuggestion | None = None
        self.colors: dict[str, str] = {}
        self._editable = False
        self._enable()

    # ---- state -----------------------------------------------------------------------------
    @property
    def day(self) -> dt.date:
        d = self.date_edit.date()
        return dt.date(d.year(), d.month(), d.day())

    @property
    def street(self) -> str | None:
        code = self.street_box.currentData()
        return str(code) if code else None

    def set_project(self, project) -> None:
        self.project = project
        self.street_box.blockSignals(True)
        self.street_box.clear()
        if project is not None:
            streets = project.grids[project.grids["level"] == 2].sort_values("grid_code")
            for row in streets.itertuples(index=False):
                self.street_box.addItem(f"{row.name} ({row.grid_code})", str(row.grid_code))
        self.street_box.blockSignals(False)
        self.show_suggestion(None, refresh=False)
        self.refresh()

    def set_street(self, street_code: str) -> bool:
        index = self.street_box.findData(street_code)
        if index >= 0:
            self.street_box.setCurrentIndex(index)
        return index >= 0

    def set_editable(self, on: bool) -> None:
        self._editable = bool(on)
        self._enable()

    def refresh(self) -> None:
        """The loads of the street on the day (after an edit: the assignments changed)."""
        if self.project is None or self.street is None:
            self.loads = pd.DataFrame(columns=LOAD_COLUMNS)
        else:
            self.loads = street_loads(self.project, self.street, self.day,
                                      coverage=self.coverage)
        self.colors = inspector_colors(self.loads["inspector_id"])
        if self.suggestion is not None and (self.suggestion.street_code != self.street
                                            or self.suggestion.date != self.day):
            self.suggestion = None
            self.suggestion_changed.emit(None)
        self._show()

    def last_month(self) -> tuple[dt.date, dt.date]:
        """[start, end) of the calendar month before the chosen day."""
        end = self.day.replace(day=1)
        return (end - dt.timedelta(days=1)).replace(day=1), end

    def set_coverage(self, inspectors: pd.DataFrame | None) -> None:
        """Show last month's coverage beside the loads (None: hide it)."""
        self.coverage = inspectors
        self.refresh()

    def _request_coverage(self) -> None:
        if self.project is not None:
            self.coverage_requested.emit(*self.last_month())

    def suggest(self) -> BalanceSuggestion | None:
        if self.project is None or self.street is None:
            return None
        suggestion = suggest_balance(self.project, self.street, self.day)
        self.show_suggestion(suggestion)
        return suggestion

    def show_suggestion(self, suggestion: BalanceSuggestion | None,
                        refresh: bool = True) -> None:
        self.suggestion = suggestion
        self.suggestion_changed.emit(suggestion)
        if refresh:
            self._show()
        self._enable()

    # ---- showing ---------------------------------------------------------------------------
    def _show(self) -> None:
        shares = [c for c in ("swept_share", "visited_share") if c in self.loads]
        frame = self.loads.reindex(columns=LOAD_COLUMNS + shares).copy()
        s = self.suggestion
        if s is not None:
            after = s.after.set_index("inspector_id")["load_h"]
            frame["load_after_h"] = frame["inspector_id"].map(after).astype("float64")
            self.summary.setText(_("{moves} grids move; largest over smallest load "
                                   "{before:.2f} → {after:.2f}").format(
                                       moves=len(s.moves), before=s.ratio_before,
                                       after=s.ratio_after))
            moves = s.moves.reindex(columns=MOVE_COLUMNS)
        else:
            self.summary.setText(_("Loads on {day}").format(day=self.day.isoformat())
                                 if len(frame) else "")
            moves = pd.DataFrame(columns=MOVE_COLUMNS)
        self.model.set_frame(frame.reset_index(drop=True))
        self.table.resizeColumnsToContents()
        self.moves_model.set_frame(pd.DataFrame(moves).reset_index(drop=True))
        self.moves_table.resizeColumnsToContents()
        self._draw(frame)
        self._enable()

    def bar_heights(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Load before (and after a suggestion) per inspector, in the table's order."""
        before = self.loads["load_h"].to_numpy(float) if len(self.loads) else np.zeros(0)
        if self.suggestion is None:
            return before, None
        after = self.suggestion.after.set_index("inspector_id")["load_h"]
        return before, self.loads["inspector_id"].map(after).to_numpy(float)

    def _draw(self, frame: pd.DataFrame) -> None:
        plot = self.plot
        plot.clear()
        if not len(frame):
            return
        before, after = self.bar_heights()
        x = np.arange(len(frame), dtype=float)
        colors = [self.colors.get(str(i), BEFORE_COLOR) for i in frame["inspector_id"]]
        if after is None:
            plot.addItem(pg.BarGraphItem(x=x, height=before, width=0.7,
                                         brushes=[pg.mkBrush(c) for c in colors],
                                         pens=[pg.mkPen(None)] * len(x)))
        else:
            plot.addItem(pg.BarGraphItem(x=x - 0.18, height=before, width=0.34,
                                         brush=pg.mkBrush(BEFORE_COLOR), pen=pg.mkPen(None)))
            plot.addItem(pg.BarGraphItem(x=x + 0.18, height=after, width=0.34,
                                         brushes=[pg.mkBrush(c) for c in colors],
                                         pens=[pg.mkPen(None)] * len(x)))
        plot.getAxis("bottom").setTicks([[(float(k), str(i))
                                          for k, i in zip(x, frame["inspector_id"])]])
        top = np.nanmax(np.concatenate([before, after if after is not None else []]))
        plot.setYRange(0, max(float(top) * 1.1, 1.0), padding=0)
        plot.setXRange(-0.6, len(frame) - 0.4, padding=0)

    def _street_changed(self, _index: int) -> None:
        self.show_suggestion(None, refresh=False)
        self.refresh()
        if self.street:
            self.street_chosen.emit(self.street)

    def _enable(self) -> None:
        has_moves = self.suggestion is not None and len(self.suggestion.moves) > 0
        self.apply_button.setEnabled(self._editable and has_moves)
        self.clear_button.setEnabled(self.suggestion is not None)
        self.suggest_button.setEnabled(self.project is not None and self.street is not None)


def _table(model: DataFrameModel, parent: QWidget) -> QTableView:
    table = QTableView(parent)
    table.setModel(make_proxy(model, table))
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setMinimumHeight(40)
    return table
