"""RankingDock: inspectors ranked by the share of their grids they swept in the period (a
sortable table), a bar chart of that share per inspector (red where sources were missed) and
the daily distance of the chosen inspector (pyqtgraph)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gisapp.coverage import CoverageResult
from gisapp.i18n import _
from gisapp.ui import labels
from gisapp.ui.docks.coverage_dock import scrolled
from gisapp.ui.table_model import DataFrameModel, decimals, make_proxy, percent

FULL_SWEEP_COLOR = "#1a9850"
MISSED_SOURCES_COLOR = "#d73027"
CHOSEN_COLOR = "#00c8ff"
DISTANCE_COLOR = "#4575b4"


def ranking_frame(result: CoverageResult) -> pd.DataFrame:
    """One row per inspector with duties, best swept share first (then most sources visited)."""
    people = result.inspectors
    frame = pd.DataFrame({
        "inspector_id": people["inspector_id"].astype(str),
        "name": people["name"].astype("string").fillna(""),
        "swept_share": people["swept_share"].astype(float),
        "sources_visited": people["sources_visited"].astype("int64"),
        "sources_required": people["sources_required"].astype("int64"),
        "missed": (people["sources_required"] - people["sources_visited"]).astype("int64"),
        "distance_km": people["distance_km"].astype(float),
        "patrol_hours": people["patrol_hours"].astype(float),
        "active_days": people["active_days"].astype("int64"),
        "flags": people["flags"].astype("int64"),
    })
    frame = frame[people["grids"].astype(str).str.len().to_numpy() > 0]  # no duty, no rank
    frame = frame.sort_values(["swept_share", "sources_visited", "inspector_id"],
                              ascending=[False, False, True], na_position="last")
    frame.insert(0, "rank", np.arange(1, len(frame) + 1, dtype=np.int64))
    return frame.reset_index(drop=True)


class RankingDock(QDockWidget):
    inspector_chosen = Signal(str)  # a row (or bar) was clicked
    review_requested = Signal(str)  # "Review on the map" for the chosen inspector

    def __init__(self, parent: QWidget | None = None):
        super().__init__(_("Ranking"), parent)
        self.setObjectName("ranking_dock")
        body = QWidget(self)
        self.title = QLabel(_("Compute a coverage review to rank the inspectors."), body)
        # no word wrap: a wrapping label would make the scroll area size the dock's contents
        # by their preferred height (heightForWidth) and push the charts out of sight
        self.model = DataFrameModel(key_column="inspector_id",
                                    headers=labels.columns(labels.COLUMNS),
                                    formats={"swept_share": percent,
                                             "distance_km": decimals(1),
                                             "patrol_hours": decimals(1)})
        self.proxy = make_proxy(self.model, self)
        self.table = QTableView(body)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.clicked.connect(self._row_clicked)
        self.review_button = QPushButton(_("Review on the Map"), body)
        self.review_button.setEnabled(False)
        self.review_button.clicked.connect(
            lambda: self.chosen and self.review_requested.emit(self.chosen))
        self.share_plot = _plot(_("Swept share (%)"))
        self.distance_plot = _plot(_("Distance per day (km)"))
        self.share_plot.scene().sigMouseClicked.connect(self._bar_clicked)
        splitter = QSplitter(Qt.Orientation.Vertical, body)
        splitter.addWidget(self.table)
        splitter.addWidget(self.share_plot)
        splitter.addWidget(self.distance_plot)
        splitter.setSizes([300, 200, 180])  # shares of whatever height the dock gets
        self.table.setMinimumHeight(40)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.review_button)
        self.setWidget(scrolled(body))
        self.result: CoverageResult | None = None
        self.frame = pd.DataFrame()
        self.chosen: str | None = None
        self._bars: pg.BarGraphItem | None = None

    def set_result(self, result: CoverageResult, title: str) -> None:
        self.result = result
        self.frame = ranking_frame(result)
        self.title.setText(title)
        self.model.set_frame(self.frame)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.resizeColumnsToContents()
        self._draw_shares()
        self.choose(self.chosen if self.chosen in set(self.frame["inspector_id"]) else None)

    def choose(self, inspector_id: str | None) -> None:
        """Mark ``inspector_id`` in the table and the bars, and show his daily distance."""
        self.chosen = inspector_id
        self.review_button.setEnabled(inspector_id is not None)
        self.model.set_highlighted([inspector_id] if inspector_id else [])
        row = self.model.row_of(inspector_id) if inspector_id else None
        if row is not None:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            self.table.selectRow(index.row())
            self.table.scrollTo(index)
        self._draw_shares()
        self._draw_distance()

    # ---- charts ----------------------------------------------------------------------------
    def bar_colors(self) -> list[str]:
        """One colour per ranked inspector, in rank order."""
        f = self.frame
        return [CHOSEN_COLOR if i == self.chosen
                else FULL_SWEEP_COLOR if m == 0 else MISSED_SOURCES_COLOR
                for i, m in zip(f["inspector_id"], f["missed"])] if len(f) else []

    def _draw_shares(self) -> None:
        plot = self.share_plot
        plot.clear()
        f = self.frame
        if not len(f):
            return
        shares = np.nan_to_num(f["swept_share"].to_numpy(float)) * 100
        self._bars = pg.BarGraphItem(x=f["rank"].to_numpy(float), height=shares, width=0.8,
                                     brushes=[pg.mkBrush(c) for c in self.bar_colors()],
                                     pens=[pg.mkPen(None)] * len(f))
        plot.addItem(self._bars)
        step = max(1, int(np.ceil(len(f) / 6)))  # six labels fit a narrow dock
        ticks = [(float(r), str(i)) for r, i in zip(f["rank"], f["inspector_id"])][::step]
        plot.getAxis("bottom").setTicks([ticks])
        plot.setYRange(0, 100, padding=0.02)
        plot.setXRange(0.4, len(f) + 0.6, padding=0)

    def _draw_distance(self) -> None:
        plot = self.distance_plot
        plot.clear()
        if self.result is None or self.chosen is None:
            plot.setTitle(_("Click an inspector to see his distance per day")
                          if self.result is not None else None, size="9pt")
            return
        daily = self.result.daily[self.result.daily["inspector_id"] == self.chosen]
        name = self.frame.loc[self.frame["inspector_id"] == self.chosen, "name"]
        plot.setTitle(f"{self.chosen} {name.iloc[0] if len(name) else ''}", size="9pt")
        if not len(daily):
            return
        dates = pd.to_datetime(daily["date"])
        x = np.arange(len(daily), dtype=float)
        plot.addItem(pg.BarGraphItem(x=x, height=daily["distance_km"].to_numpy(float),
                                     width=0.7, brush=pg.mkBrush(DISTANCE_COLOR),
                                     pen=pg.mkPen(None)))
        step = max(1, int(np.ceil(len(daily) / 5)))
        plot.getAxis("bottom").setTicks([[(float(k), d.strftime("%m-%d"))
                                          for k, d in zip(x, dates)][::step]])
        plot.setXRange(-0.6, len(daily) - 0.4, padding=0)

    # ---- clicks ----------------------------------------------------------------------------
    def _row_clicked(self, index) -> None:
        inspector_id = self.model.key(self.proxy.mapToSource(index).row())
        self.choose(inspector_id)
        self.inspector_chosen.emit(inspector_id)

    def _bar_clicked(self, event) -> None:
        if self._bars is None or not len(self.frame):
            return
        point = self.share_plot.getPlotItem().vb.mapSceneToView(event.scenePos())
        rank = round(point.x())
        if 1 <= rank <= len(self.frame):
            inspector_id = str(self.frame["inspector_id"].iloc[rank - 1])
            self.choose(inspector_id)
            self.inspector_chosen.emit(inspector_id)


def _plot(label: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setMinimumHeight(40)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.setLabel("left", label)
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen("#444444"))
        axis.setTextPen(pg.mkPen("#222222"))
    return plot
