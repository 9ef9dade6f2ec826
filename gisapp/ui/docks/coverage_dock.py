"""CoverageDock: choose a period (a month or two dates) and an inspector or a grid, ask for a
coverage review, and read its summary, legend, missed sources and flags."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gisapp.coverage import CoverageResult
from gisapp.i18n import _
from gisapp.layers.coverage import (
    FLAG_COLOR,
    MISSED_COLOR,
    SWEPT_COLOR,
    VISITED_COLOR,
    CoverageReview,
    ReviewRequest,
)
from gisapp.ui import labels

INSPECTOR, GRID = "inspector", "grid"
CUSTOM = "custom"


class CoverageDock(QDockWidget):
    review_requested = Signal(object)  # a ReviewRequest
    clear_requested = Signal()
    colouring_changed = Signal(str)  # "time" or "speed"
    source_chosen = Signal(str)  # a missed source was clicked: its id
    flag_chosen = Signal(float, float)  # a flag was clicked: its lon, lat

    def __init__(self, parent: QWidget | None = None):
        super().__init__(_("Coverage Review"), parent)
        self.setObjectName("coverage_dock")
        body = QWidget(self)
        self.period = QComboBox(body)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.from_edit = _date_edit(body)
        self.to_edit = _date_edit(body)
        dates = QHBoxLayout()
        dates.addWidget(self.from_edit, 1)
        dates.addWidget(QLabel("–", body))
        dates.addWidget(self.to_edit, 1)
        self.subject_kind = QComboBox(body)
        self.subject_kind.addItem(_("Inspector"), INSPECTOR)
        self.subject_kind.addItem(_("Grid"), GRID)
        self.subject_kind.currentIndexChanged.connect(self._fill_subjects)
        self.subject = QComboBox(body)
        self.subject.setEditable(True)
        self.subject.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.subject.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.subject.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.colouring = QComboBox(body)
        self.colouring.addItem(_("By time"), "time")
        self.colouring.addItem(_("By speed"), "speed")
        self.colouring.currentIndexChanged.connect(
            lambda _i: self.colouring_changed.emit(self.colouring.currentData()))
        self.review_button = QPushButton(_("Review"), body)
        self.review_button.setDefault(True)
        self.review_button.clicked.connect(self._review)
        self.clear_button = QPushButton(_("Clear"), body)
        self.clear_button.clicked.connect(self.clear_requested)
        form = QFormLayout()
        form.addRow(_("Period"), self.period)
        form.addRow(_("From, to"), dates)
        form.addRow(_("Review"), self.subject_kind)
        form.addRow("", self.subject)
        form.addRow(_("Track colour"), self.colouring)
        buttons = QHBoxLayout()
        buttons.addWidget(self.review_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        self.summary = QLabel(body)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.legend = QLabel(body)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.missed_list = QListWidget(body)
        self.missed_list.itemClicked.connect(
            lambda item: self.source_chosen.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.flags_list = QListWidget(body)
        self.flags_list.itemClicked.connect(
            lambda item: self.flag_chosen.emit(*item.data(Qt.ItemDataRole.UserRole)))
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.legend)
        layout.addWidget(QLabel(_("Missed sources"), body))
        layout.addWidget(self.missed_list, 1)
        layout.addWidget(QLabel(_("Authenticity flags"), body))
        layout.addWidget(self.flags_list, 1)
        for widget in (self.missed_list, self.flags_list):
            widget.setMinimumHeight(3 * self.fontMetrics().height())
        self.setWidget(scrolled(body))
        self._inspectors = pd.DataFrame(columns=["inspector_id", "name"])
        self._grids = pd.DataFrame(columns=["grid_code", "name", "level"])
        self.results: dict[tuple[dt.date, dt.date], CoverageResult] = {}  # by period
        self.review: CoverageReview | None = None
        self.set_enabled(False)

    # ---- project ---------------------------------------------------------------------------
    def set_project(self, months: list[str], inspectors: pd.DataFrame,
                    grids: pd.DataFrame) -> None:
        """The months that have tracks (latest chosen), the inspectors and the grids."""
        self.results.clear()
        self.review = None
        self._inspectors = inspectors
        self._grids = grids[grids["level"] <= 3]  # level 4 has no inspectors of its own
        self.period.blockSignals(True)
        self.period.clear()
        for month in sorted(set(months)):
            self.period.addItem(month, month)
        self.period.addItem(_("Custom dates"), CUSTOM)
        self.period.setCurrentIndex(max(0, self.period.count() - 2))
        self.period.blockSignals(False)
        self._period_changed()
        self._fill_subjects()
        self.show_review(None)
        self.set_enabled(True)

    def set_enabled(self, enabled: bool) -> None:
        for widget in (self.period, self.subject_kind, self.subject, self.review_button,
                       self.from_edit, self.to_edit):
            widget.setEnabled(enabled)
        if enabled:
            self._period_changed()

    def set_running(self, running: bool) -> None:
        self.review_button.setEnabled(not running)

    # ---- the request -----------------------------------------------------------------------
    def set_month(self, month: str) -> None:
        index = self.period.findData(month)
        if index < 0:
            self.period.insertItem(max(0, self.period.count() - 1), month, month)
            index = self.period.findData(month)
        self.period.setCurrentIndex(index)

    def set_dates(self, first: dt.date, last: dt.date) -> None:
        """A custom period from ``first`` to ``last``, both included."""
        self.period.setCurrentIndex(self.period.findData(CUSTOM))
        self.from_edit.setDate(QDate(first.year, first.month, first.day))
        self.to_edit.setDate(QDate(last.year, last.month, last.day))

    def set_subject(self, kind: str, key: str) -> bool:
        """Choose the inspector or grid ``key``; False when it is not in the list."""
        self.subject_kind.setCurrentIndex(self.subject_kind.findData(kind))
        index = self.subject.findData(key)
        if index >= 0:
            self.subject.setCurrentIndex(index)
        return index >= 0

    def request(self) -> ReviewRequest | None:
        key = self.subject.currentData()
        if key is None or self.subject.currentText() != self.subject.itemText(
                self.subject.currentIndex()):
            return None
        first, last = _date(self.from_edit.date()), _date(self.to_edit.date())
        if last < first:
            return None
        end = last + dt.timedelta(days=1)
        if self.subject_kind.currentData() == INSPECTOR:
            return ReviewRequest(first, end, inspector_id=str(key))
        return ReviewRequest(first, end, grid_code=str(key))

    def cached_result(self, request: ReviewRequest) -> CoverageResult | None:
        return self.results.get((request.start, request.end))

    def _review(self) -> None:
        request = self.request()
        if request is None:
            self.summary.setText(_("Choose an inspector or a grid from the list, and a period "
                                   "whose end is not before its start."))
            return
        self.review_requested.emit(request)

    def _period_changed(self, *_args) -> None:
        month = self.period.currentData()
        custom = month == CUSTOM or month is None
        self.from_edit.setEnabled(custom and self.period.isEnabled())
        self.to_edit.setEnabled(custom and self.period.isEnabled())
        if not custom:
            request = ReviewRequest.month(month)
            self.from_edit.setDate(_qdate(request.start))
            self.to_edit.setDate(_qdate(request.last_day))

    def _fill_subjects(self, *_args) -> None:
        self.subject.clear()
        if self.subject_kind.currentData() == INSPECTOR:
            for r in self._inspectors.itertuples(index=False):
                self.subject.addItem(f"{r.inspector_id} {_text(r.name)}", str(r.inspector_id))
        else:
            for r in self._grids.sort_values(["level", "grid_code"]).itertuples(index=False):
                level = labels.label(labels.LEVELS, int(r.level))
                self.subject.addItem(f"{r.grid_code} {_text(r.name)} ({level})",
                                     str(r.grid_code))

    # ---- the outcome -----------------------------------------------------------------------
    def show_review(self, review: CoverageReview | None, legend: list[tuple[str, str]] = ()
                    ) -> None:
        self.review = review
        self.missed_list.clear()
        self.flags_list.clear()
        if review is None:
            self.summary.setText(_("Choose a period and an inspector or a grid, then Review."))
            self.legend.clear()
            return
        self.results[(review.request.start, review.request.end)] = review.result
        self.summary.setText(summary_text(review))
        self.legend.setText(_legend_html(legend))
        for r in review.missed.sort_values("source_id").itertuples(index=False):
            item = QListWidgetItem(f"{r.source_id} {r.name}", self.missed_list)
            item.setData(Qt.ItemDataRole.UserRole, str(r.source_id))
        for r in review.flags.itertuples(index=False):
            kind = labels.label(labels.FLAG_KINDS, r.kind)
            item = QListWidgetItem(f"{r.inspector_id} {pd.Timestamp(r.start):%m-%d} {kind}",
                                   self.flags_list)
            item.setToolTip(str(r.reason))
            item.setData(Qt.ItemDataRole.UserRole, (float(r.lon), float(r.lat)))

    def set_legend(self, legend: list[tuple[str, str]]) -> None:
        self.legend.setText(_legend_html(legend))


def summary_text(review: CoverageReview) -> str:
    """The review in a few lines of rich text."""
    result, request = review.result, review.request
    period = f"{request.start.isoformat()} – {request.last_day.isoformat()}"
    if request.inspector_id:
        rows = result.inspectors[result.inspectors["inspector_id"] == request.inspector_id]
        name = _text(rows["name"].iloc[0]) if len(rows) else ""
        title = f"{name} ({request.inspector_id})"
        share = float(rows["swept_share"].iloc[0]) if len(rows) else np.nan
        area = float(rows["grid_area_km2"].iloc[0]) if len(rows) else np.nan
        distance = float(rows["distance_km"].sum())
        hours = float(rows["patrol_hours"].sum())
    else:
        title = f"{review.grid_names[0] if review.grid_names else ''} ({request.grid_code})"
        own = review.grid_rows[review.grid_rows["grid_code"] == request.grid_code]
        sub = own if len(own) else review.grid_rows  # a street: its communities together
        area = float(sub["grid_area_km2"].sum()) if len(sub) else np.nan
        share = (float((sub["swept_share"] * sub["grid_area_km2"]).sum()) / area
                 if len(sub) and area > 0 else np.nan)
        people = result.inspectors[result.inspectors["inspector_id"].isin(review.inspector_ids)]
        distance = float(people["distance_km"].sum())
        hours = float(people["patrol_hours"].sum())
    required = len(review.visited) + len(review.missed)
    lines = [
        f"<b>{title}</b> · {period}",
        _("Visited {visited:,} of {required:,} required sources; missed {missed:,}").format(
            visited=len(review.visited), required=required, missed=len(review.missed)),
        _("Swept {share} of {area:.2f} km²").format(
            share="–" if np.isnan(share) else f"{share * 100:.1f} %",
            area=0.0 if np.isnan(area) else area),
        _("{distance:,.0f} km in {hours:,.0f} h · {flags:,} flags").format(
            distance=distance, hours=hours, flags=len(review.flags)),
    ]
    return "<br>".join(lines)


def _legend_html(legend) -> str:
    def swatch(color: str, text: str, shape: str = "●") -> str:
        return f'<span style="color:{color}">{shape}</span>&nbsp;{text}'
    parts = [swatch(VISITED_COLOR, _("visited")), swatch(MISSED_COLOR, _("missed")),
             swatch(SWEPT_COLOR, _("swept area"), "■"), swatch(FLAG_COLOR, _("flag"), "▲")]
    track = " ".join(f'<span style="color:{c}">▬</span>{t}' for c, t in legend)
    return "&nbsp;&nbsp;".join(parts) + (f"<br>{_('Track')}: {track}" if track else "")


def scrolled(body: QWidget) -> QScrollArea:
    """The dock's contents in a scroll area, so a short window can still hold the dock."""
    area = QScrollArea()
    area.setWidget(body)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


def _date_edit(parent: QWidget) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def _qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _text(value) -> str:
    return "" if value is None or value is pd.NA else str(value)
