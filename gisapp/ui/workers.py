"""Run core functions off the GUI thread, with progress and Cancel.

A :class:`Task` calls ``function(*args, progress=callback, **kwargs)`` on a thread of its own.
(A Python thread, not a QThreadPool one: GDAL reads through pyogrio crashed when a pool thread
was reused for a second project.) The callback (gisapp.progress convention) reports to the GUI thread through a queued
signal and raises :class:`gisapp.errors.Cancelled` once :meth:`Task.cancel` was called, so the
core function stops at its next step. Exactly one of ``succeeded``, ``failed`` or ``cancelled``
is emitted, then ``finished``; a task cancelled after its function returned still ends
cancelled, so a result the user no longer wants is never shown.

:class:`ProgressPanel` is the status-bar face of a task: a label, a progress bar and a Cancel
button.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from gisapp.errors import Cancelled
from gisapp.i18n import _

PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED = ("pending", "running", "succeeded", "failed",
                                                  "cancelled")
_PROGRESS_INTERVAL_S = 0.05  # at most 20 progress signals a second reach the GUI


class Task(QObject):
    progressed = Signal(int, int, str)  # done, total, text
    succeeded = Signal(object)  # the function's return value
    failed = Signal(object)  # the exception; its traceback text is in ``self.traceback``
    cancelled = Signal()
    finished = Signal()  # after any of the three above

    _live: ClassVar[set[Task]] = set()  # running tasks stay referenced until they finish

    def __init__(self, label: str, function: Callable[..., Any], *args, **kwargs):
        super().__init__()
        self.label = label
        self._function, self._args, self._kwargs = function, args, kwargs
        self._cancel = threading.Event()
        self._last_emit = 0.0
        self.state = PENDING
        self.result: Any = None
        self.error: BaseException | None = None
        self.traceback = ""
        self._done.connect(self._finish)

    # private: carries the outcome from the worker thread to the GUI thread (queued)
    _done = Signal(str, object)

    def start(self) -> Task:
        if self.state != PENDING:
            raise RuntimeError(f"task {self.label!r} was already started")
        self.state = RUNNING
        Task._live.add(self)
        self._thread = threading.Thread(target=self._run, name=f"gisapp task {self.label}",
                                        daemon=True)  # a closing app does not wait for it
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the function to stop at its next progress step."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    def wait(self, timeout_ms: int | None = None) -> bool:
        """Run an event loop (the window stays live, Cancel works) until the task has
        finished; False if ``timeout_ms`` passed first. For scripts and tests: inside an
        application's own loop, connect to ``finished`` instead."""
        if self.state in (SUCCEEDED, FAILED, CANCELLED):
            return True
        loop = QEventLoop()
        self.finished.connect(loop.quit)
        if timeout_ms is not None:
            QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        return self.state in (SUCCEEDED, FAILED, CANCELLED)

    # ---- in the worker thread --------------------------------------------------------------
    def _progress(self, done: int, total: int, text: str = "") -> None:
        if self._cancel.is_set():
            raise Cancelled(self.label)
        now = time.monotonic()
        if now - self._last_emit >= _PROGRESS_INTERVAL_S or done >= total:
            self._last_emit = now
            self.progressed.emit(int(done), int(total), str(text))

    def _run(self) -> None:
        try:
            result = self._function(*self._args, progress=self._progress, **self._kwargs)
        except Cancelled:
            self._done.emit(CANCELLED, None)
        except BaseException as error:  # noqa: BLE001 - handed to the GUI thread to show
            self.traceback = traceback.format_exc()
            self._done.emit(FAILED, error)
        else:
            self._done.emit(CANCELLED if self._cancel.is_set() else SUCCEEDED, result)

    # ---- back in the GUI thread ------------------------------------------------------------
    def _finish(self, state: str, value: object) -> None:
        self.state = state
        if state == SUCCEEDED:
            self.result = value
            self.succeeded.emit(value)
        elif state == FAILED:
            self.error = value
            self.failed.emit(value)
        else:
            self.cancelled.emit()
        self.finished.emit()
        Task._live.discard(self)


class ProgressPanel(QWidget):
    """What a running task is doing, how far it got, and a Cancel button; hidden when idle."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton(_("Cancel"), self)
        self.cancel_button.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.task: Task | None = None
        self.hide()

    def watch(self, task: Task) -> None:
        """Show ``task``'s progress until it finishes."""
        self.task = task
        self.label.setText(task.label)
        self.bar.setRange(0, 0)  # busy until the first step says how many there are
        self.cancel_button.setEnabled(True)
        task.progressed.connect(self._show_progress)
        task.finished.connect(lambda: self._finished(task))
        self.show()

    def _show_progress(self, done: int, total: int, text: str) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        if text and self.task is not None:
            self.label.setText(f"{self.task.label}: {text}")

    def _cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText(_("Cancelling…"))

    def _finished(self, task: Task) -> None:
        if task is self.task:
            self.task = None
            self.hide()
