"""The progress-callback convention shared by the CLI bar and the GUI worker.

Long functions take ``progress: Progress | None`` and call ``step(progress, done, total, text)``.
A callback cancels the work by raising :class:`gisapp.errors.Cancelled`.
"""

from __future__ import annotations

from typing import Callable

Progress = Callable[[int, int, str], None]


def step(progress: Progress | None, done: int, total: int, text: str = "") -> None:
    if progress is not None:
        progress(done, total, text)
