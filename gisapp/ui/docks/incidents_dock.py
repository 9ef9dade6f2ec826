"""IncidentsDock: the reported incidents with their handling grid, reply deadline (15 working
days on the official calendar) and how late the overdue ones are; double-click to zoom."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gisapp.i18n import _
from gisapp.incidents import overdue, reply_deadline
from gisapp.ui import labels
from gisapp.ui.docks.coverage_dock import scrolled
from gisapp.ui.table_model import DataFrameModel, make_proxy

COLUMNS = ["incident_id", "reported_at", "category", "grid_code", "status", "deadline",
           "days_overdue", "description"]


class IncidentsDock(QDockWidget):
    overdue_changed = Signal(list)  # ids of the overdue incidents
    incident_chosen = Signal(float, float)  # lon, lat to zoom to

    def __init__(self, parent: QWidget | None = None):
        super().__init__(_("Incidents"), parent)
        self.setObjectName("incidents_dock")
        body = QWidget(self)
        self.date_edit = QDateEdit(QDate.currentDate(), body)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.dateChanged.connect(lambda _d: self.refresh())
        self.overdue_only = QCheckBox(_("Overdue only"), body)
        self.overdue_only.toggled.connect(lambda _on: self.refresh())
        self.summary = QLabel("", body)
        headers = {**labels.columns(labels.COLUMNS), "incident_id": _("Incident"),
                   "reported_at": _("Reported"), "status": _("Status"),
                   "deadline": _("Reply due"), "days_overdue": _("Days overdue"),
                   "description": _("Description")}
        self.model = DataFrameModel(key_column="incident_id", headers=headers,
                                    values={"category": lambda code: labels.label(
                                        labels.SOURCE_CATEGORIES, code)})
        self.table = QTableView(body)
        self.table.setModel(make_proxy(self.model, self.table))
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.doubleClicked.connect(self._chosen)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Today"), body))
        row.addWidget(self.date_edit)
        row.addWidget(self.overdue_only)
        row.addStretch(1)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.setWidget(scrolled(body))
        self.project = None
        self.frame = pd.DataFrame(columns=COLUMNS)
        self.overdue_ids: list[str] = []

    @property
    def today(self) -> dt.date:
        d = self.date_edit.date()
        return dt.date(d.year(), d.month(), d.day())

    def set_today(self, day: dt.date) -> None:
        self.date_edit.setDate(QDate(day.year, day.month, day.day))

    def set_project(self, project) -> None:
        self.project = project
        self.refresh()

    def refresh(self) -> None:
        project = self.project
        if project is None or not len(project.incidents):
            self.frame = pd.DataFrame(columns=COLUMNS)
            self.overdue_ids = []
            self.summary.setText(_("No incidents. File → Import Incidents… reads a CSV or "
                                   "XLSX file.") if project is not None else "")
        else:
            incidents = project.incidents
            late = overdue(project, self.today)
            days = dict(zip(late["incident_id"].astype(str), late["days_overdue"]))
            self.overdue_ids = sorted(days)
            frame = pd.DataFrame(incidents.drop(columns="geometry")).copy()
            frame["deadline"] = [reply_deadline(t).isoformat() for t in frame["reported_at"]]
            frame["days_overdue"] = frame["incident_id"].astype(str).map(days) \
                .astype("Int64")
            if self.overdue_only.isChecked():
                frame = frame[frame["incident_id"].astype(str).isin(self.overdue_ids)]
            self.frame = frame.reindex(columns=COLUMNS).reset_index(drop=True)
            self.summary.setText(_("{count} incidents, {late} overdue on {day}").format(
                count=len(incidents), late=len(self.overdue_ids), day=self.today.isoformat()))
        self.model.set_frame(self.frame)
        self.table.resizeColumnsToContents()
        self.overdue_changed.emit(list(self.overdue_ids))

    def _chosen(self, index) -> None:
        if self.project is None:
            return
        key = self.model.key(self.table.model().mapToSource(index).row())
        match = self.project.incidents[self.project.incidents["incident_id"].astype(str) == key]
        if len(match):
            point = match.geometry.iloc[0]
            self.incident_chosen.emit(float(point.x), float(point.y))
