"""TimeDock: replay the patrol tracks of one day, like QGIS's temporal controller.

Pick a day (only days with fixes can be picked; "All days" shows the whole span with level of
detail), then play/pause at 1x to 600x or drag the time slider: the track layer draws each
inspector's track up to the time with a marker where the inspector is. Loading a day or all
days runs in a worker; the dock stays usable meanwhile.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QTextCharFormat
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QDockWidget, QHBoxLayout, QLabel,
                               QSlider, QToolButton, QWidget)

from gisapp.i18n import _
from gisapp.layers.project_layers import fix_days, load_tracks, tracks_name
from gisapp.layers.tracks import TrackData, TrackLayer, day_bounds
from gisapp.project import Project
from gisapp.schema import TRACK_TIMEZONE
from gisapp.ui.workers import Task

SPEEDS = (1, 10, 30, 60, 120, 300, 600)  # replay seconds per real second
DEFAULT_SPEED = 60
TICK_MS = 100  # the replay redraws ten times a second
_ZONE = ZoneInfo(TRACK_TIMEZONE)


class TimeDock(QDockWidget):
    time_changed = Signal(object)  # the replay time (UTC ms), or None: no replay
    day_loaded = Signal(object)  # the day now shown (dt.date), or None: all days
    task_started = Signal(object)  # a Task loading tracks: the window shows it with Cancel

    def __init__(self, parent: QWidget | None = None):
        super().__init__(_("Time"), parent)
        self.setObjectName("time_dock")  # saveState() needs it
        self.project: Project | None = None
        self.layer: TrackLayer | None = None
        self.days: list[dt.date] = []
        self.task: Task | None = None
        self._day_start_ms = 0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self._build()
        self._enable()

    def _build(self) -> None:
        body = QWidget(self)
        row = QHBoxLayout(body)
        row.setContentsMargins(6, 2, 6, 2)
        row.addWidget(QLabel(_("Day"), body))
        self.day_edit = QDateEdit(body)
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.dateChanged.connect(self._day_picked)
        row.addWidget(self.day_edit)
        self.all_days = QCheckBox(_("All days"), body)
        self.all_days.setToolTip(_("Show the tracks of every day (no replay)"))
        self.all_days.toggled.connect(self._all_days_toggled)
        row.addWidget(self.all_days)
        row.addSpacing(10)
        self.play_button = QToolButton(body)
        self.play_button.setCheckable(True)
        self.play_button.setText("▶")
        self.play_button.setToolTip(_("Play or pause the replay"))
        self.play_button.toggled.connect(self._play_toggled)
        row.addWidget(self.play_button)
        self.speed = QComboBox(body)
        for speed in SPEEDS:
            self.speed.addItem(f"{speed}×", speed)
        self.speed.setCurrentIndex(SPEEDS.index(DEFAULT_SPEED))
        self.speed.setToolTip(_("Replay speed: seconds of patrol per second"))
        row.addWidget(self.speed)
        self.slider = QSlider(Qt.Orientation.Horizontal, body)
        self.slider.setRange(0, 86_399)
        self.slider.setToolTip(_("Replay time"))
        self.slider.valueChanged.connect(self._slider_moved)
        row.addWidget(self.slider, 1)
        self.time_label = QLabel("--:--:--", body)
        self.time_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("00:00:00") + 8)
        row.addWidget(self.time_label)
        self.status = QLabel(body)
        row.addWidget(self.status)
        self.setWidget(body)

    # ---- project and layer -----------------------------------------------------------------
    def set_project(self, project: Project | None, layer: TrackLayer | None) -> None:
        """Replay ``layer`` (the window's track layer) with the days of ``project``."""
        self.pause()
        self.project, self.layer, self.days = project, layer, []
        self.status.clear()
        if project is not None and project.partitions:
            task = Task(_("Finding the days with fixes"), fix_days, project)
            task.succeeded.connect(lambda days, p=project: self._days_found(p, days))
            self._start(task)
        self._enable()

    def _days_found(self, project: Project, days: list[dt.date]) -> None:
        if project is not self.project:
            return  # another project was opened meanwhile
        self.days = list(days)
        if not self.days:
            return
        self.day_edit.blockSignals(True)
        self.day_edit.setDateRange(QDate(self.days[0]), QDate(self.days[-1]))
        self.day_edit.setDate(QDate(self.shown_day() or self.days[-1]))
        self.day_edit.blockSignals(False)
        self._mark_days()
        self._show_day_span()
        self._enable()

    def _mark_days(self) -> None:
        """Grey out the calendar's days without fixes; they cannot be picked."""
        calendar = self.day_edit.calendarWidget()
        grey = QTextCharFormat()
        grey.setForeground(QColor("#b0b0b0"))
        bold = QTextCharFormat()
        bold.setFontWeight(700)
        with_fixes = set(self.days)
        day = self.days[0]
        while day <= self.days[-1]:
            calendar.setDateTextFormat(QDate(day), bold if day in with_fixes else grey)
            day += dt.timedelta(days=1)

    def shown_day(self) -> dt.date | None:
        """The day the track layer shows (None: all days, or no fixes)."""
        if self.layer is None:
            return None
        days = self.layer.days()
        return days[0] if len(days) == 1 else None

    # ---- choosing a day --------------------------------------------------------------------
    def _day_picked(self, qdate: QDate) -> None:
        day = nearest_day(qdate.toPython(), self.days)
        if day is None:
            return
        if day != qdate.toPython():  # a day without fixes: take the nearest with
            self.day_edit.blockSignals(True)
            self.day_edit.setDate(QDate(day))
            self.day_edit.blockSignals(False)
        if not self.all_days.isChecked():
            self.show_day(day)

    def _all_days_toggled(self, on: bool) -> None:
        self.show_day(None if on else nearest_day(self.day_edit.date().toPython(), self.days))

    def show_day(self, day: dt.date | None) -> Task | None:
        """Load the tracks of ``day`` (None: all days) into the layer, in the worker."""
        if self.project is None or self.layer is None:
            return None
        self.pause()
        self.all_days.blockSignals(True)  # asked for in code: show it as a user would see it
        self.all_days.setChecked(day is None)
        self.all_days.blockSignals(False)
        if day is not None and day == self.shown_day():
            self.layer.set_time(None)
            self._show_day_span()
            return None
        task = Task(_("Loading the tracks of {day}").format(
            day=day.isoformat() if day else _("all days")), load_tracks, self.project, day,
            self.layer.style)
        task.succeeded.connect(lambda data, d=day, layer=self.layer: self._loaded(layer, d, data))
        return self._start(task)

    def _loaded(self, layer: TrackLayer, day: dt.date | None, data: TrackData) -> None:
        if layer is not self.layer:
            return  # another project was opened meanwhile
        self.layer.set_data(data, tracks_name(day))
        self._show_day_span()
        self._enable()
        self.day_loaded.emit(day)

    def _show_day_span(self) -> None:
        """Fit the slider to the first and last fix of the shown day."""
        day = self.shown_day()
        span = self.layer.time_span() if self.layer is not None else None
        if day is None or span is None:
            self.time_label.setText("--:--:--")
            return
        self._day_start_ms = int(day_bounds(day)[0].timestamp() * 1000)
        first, last = ((t - self._day_start_ms) // 1000 for t in span)
        self.slider.blockSignals(True)
        self.slider.setRange(int(first), int(last) + 1)
        self.slider.setValue(int(last) + 1)
        self.slider.blockSignals(False)
        self._show_time(None)

    # ---- time ------------------------------------------------------------------------------
    @property
    def time_ms(self) -> int | None:
        return self.layer.time_ms if self.layer is not None else None

    def set_time(self, time_ms: int | None) -> None:
        """Replay up to ``time_ms`` (UTC ms; None shows the whole day without markers)."""
        if self.layer is None:
            return
        self.layer.set_time(time_ms)
        if time_ms is not None:
            self.slider.blockSignals(True)
            self.slider.setValue(int((time_ms - self._day_start_ms) // 1000))
            self.slider.blockSignals(False)
        self._show_time(time_ms)
        self.time_changed.emit(time_ms)

    def _slider_moved(self, seconds: int) -> None:
        self.set_time(self._day_start_ms + seconds * 1000)

    def _show_time(self, time_ms: int | None) -> None:
        if time_ms is None:
            self.time_label.setText(_("whole day"))
            return
        moment = dt.datetime.fromtimestamp(time_ms / 1000, _ZONE)
        self.time_label.setText(moment.strftime("%H:%M:%S"))

    # ---- playing ---------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self) -> None:
        self.play_button.setChecked(True)

    def pause(self) -> None:
        self.play_button.setChecked(False)

    def set_speed(self, speed: int) -> None:
        self.speed.setCurrentIndex(SPEEDS.index(speed))

    def _play_toggled(self, on: bool) -> None:
        self.play_button.setText("⏸" if on else "▶")
        if not on:
            self._timer.stop()
            return
        if self.layer is None or self.shown_day() is None:
            self.play_button.setChecked(False)
            return
        span = self.layer.time_span()
        if self.time_ms is None or self.time_ms >= span[1]:
            self.set_time(span[0])  # from the first fix of the day
        self._clock.start()
        self._timer.start()

    def _tick(self) -> None:
        if self.layer is None or self.time_ms is None:
            self.pause()
            return
        elapsed_ms = self._clock.restart()
        end = self.layer.time_span()[1]
        time_ms = min(self.time_ms + elapsed_ms * int(self.speed.currentData()), end)
        self.set_time(time_ms)
        if time_ms >= end:
            self.pause()

    # ---- state -----------------------------------------------------------------------------
    def stop(self, timeout_ms: int = 5_000) -> None:
        """Pause, and cancel the loading still running (the window is closing)."""
        self.pause()
        task = self.task
        if task is not None and task.running:
            task.cancel()
            task.wait(timeout_ms)

    def _start(self, task: Task) -> Task:
        self.task = task
        self.status.setText(task.label + "…")
        task.finished.connect(lambda: self._finished(task))
        task.failed.connect(lambda error: self.status.setText(
            _("Could not load the tracks: {error}").format(error=error)))
        self._enable()
        self.task_started.emit(task)
        return task.start()

    def _finished(self, task: Task) -> None:
        if task is self.task:
            self.task = None
            if task.state == "succeeded":
                self.status.clear()
            self._enable()

    def _enable(self) -> None:
        busy = self.task is not None and self.task.running
        has_days = bool(self.days) and self.layer is not None
        self.day_edit.setEnabled(has_days and not busy and not self.all_days.isChecked())
        self.all_days.setEnabled(has_days and not busy)
        replay = has_days and not busy and self.shown_day() is not None
        for widget in (self.play_button, self.speed, self.slider):
            widget.setEnabled(replay)


def nearest_day(day: dt.date, days: list[dt.date]) -> dt.date | None:
    """``day`` if it is in ``days``, else the nearest one (the earlier on a tie).

    >>> days = [dt.date(2026, 10, 8), dt.date(2026, 10, 12)]
    >>> nearest_day(dt.date(2026, 10, 9), days), nearest_day(dt.date(2026, 10, 10), days)
    (datetime.date(2026, 10, 8), datetime.date(2026, 10, 8))
    """
    if not days:
        return None
    return min(days, key=lambda d: (abs((d - day).days), d))

