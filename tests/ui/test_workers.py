"""Task runs a core function off the GUI thread with progress, cancel and errors;
ProgressPanel shows it in the status bar."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from gisapp.errors import Cancelled
from gisapp.ui.workers import ProgressPanel, Task


def counting(n, progress=None, gate: threading.Event | None = None):
    for i in range(n):
        if gate is not None:
            gate.wait(5)
        progress(i + 1, n, f"step {i + 1}")
    return threading.current_thread().name


def outcome(task: Task) -> list:
    seen = []
    task.succeeded.connect(lambda value: seen.append(("succeeded", value)))
    task.failed.connect(lambda error: seen.append(("failed", type(error).__name__)))
    task.cancelled.connect(lambda: seen.append(("cancelled",)))
    task.finished.connect(lambda: seen.append(("finished",)))
    return seen


def test_a_task_runs_off_the_gui_thread_and_reports_its_result(qtbot):
    task = Task("count", counting, 3)
    seen = outcome(task)
    progress = []
    task.progressed.connect(lambda done, total, text: progress.append((done, total, text)))
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.start()
    assert task.state == "succeeded"
    assert seen[0][0] == "succeeded" and seen[0][1] != threading.current_thread().name
    assert seen[1:] == [("finished",)]
    assert progress[-1] == (3, 3, "step 3")  # the last step always gets through


def test_cancel_stops_the_function_at_its_next_step(qtbot):
    gate = threading.Event()
    calls = []

    def work(progress=None):
        for i in range(1000):
            calls.append(i)
            gate.wait(5)
            progress(i, 1000, "")
        return "finished all"

    task = Task("long", work)
    seen = outcome(task)
    task.start()
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
    task.cancel()
    gate.set()
    qtbot.waitUntil(lambda: task.state == "cancelled", timeout=5000)
    assert seen == [("cancelled",), ("finished",)]
    assert len(calls) == 1 and task.result is None


def test_a_task_cancelled_after_its_function_returned_still_ends_cancelled(qtbot):
    gate = threading.Event()
    task = Task("quick", lambda progress=None: gate.wait(5) and "done")
    seen = outcome(task)
    task.start()
    task.cancel()
    gate.set()
    qtbot.waitUntil(lambda: task.state != "running", timeout=5000)
    assert seen == [("cancelled",), ("finished",)] and task.result is None


def test_errors_reach_the_gui_thread_with_their_traceback(qtbot):
    def broken(progress=None):
        raise ValueError("bad row 7")

    task = Task("broken", broken)
    seen = outcome(task)
    with qtbot.waitSignal(task.finished, timeout=5000):
        task.start()
    assert seen == [("failed", "ValueError"), ("finished",)]
    assert str(task.error) == "bad row 7" and "broken" in task.traceback
    with pytest.raises(RuntimeError):
        task.start()  # a task runs once


def test_the_panel_shows_progress_and_its_cancel_button_cancels(qtbot):
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    gate = threading.Event()
    task = Task("Counting", counting, 5, gate=gate)
    panel.watch(task)
    panel.show()
    assert panel.isVisible() and panel.label.text() == "Counting"
    task.start()
    gate.set()
    qtbot.waitUntil(lambda: task.state != "running", timeout=5000)
    assert panel.isHidden() and panel.task is None
    # a task that waits: Cancel ends it as cancelled
    gate = threading.Event()
    task = Task("Counting", counting, 5, gate=gate)
    panel.watch(task)
    task.start()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert panel.label.text() == "Cancelling…" and not panel.cancel_button.isEnabled()
    gate.set()
    qtbot.waitUntil(lambda: task.state == "cancelled", timeout=5000)
    assert panel.isHidden()


def test_the_progress_callback_raises_cancelled_once_cancel_was_asked():
    task = Task("x", counting, 1)
    task._progress(0, 1, "")  # nothing asked yet: no error
    task.cancel()
    with pytest.raises(Cancelled):
        task._progress(1, 1, "")
