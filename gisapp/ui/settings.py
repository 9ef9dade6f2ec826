"""Every QSettings key of the application, declared once with its type and default."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "gisapp"
APPLICATION = "gisapp"
MAX_RECENT_PROJECTS = 10


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any

    def read(self, settings: QSettings) -> Any:
        value = settings.value(self.key, self.default)
        if self.type is list:
            # an INI file gives back one string for a one-item list, None for an empty one
            if value is None or value == "":
                return []
            return [value] if isinstance(value, str) else [str(v) for v in value]
        if self.type is QByteArray:
            return value if isinstance(value, QByteArray) else QByteArray()
        return self.type(value)

    def write(self, settings: QSettings, value: Any) -> None:
        settings.setValue(self.key, value)


RECENT_PROJECTS = Setting("files/recent_projects", list, [])
WINDOW_GEOMETRY = Setting("main_window/geometry", QByteArray, QByteArray())
WINDOW_STATE = Setting("main_window/state", QByteArray, QByteArray())


def open_settings() -> QSettings:
    """The user's settings (registry on Windows, ~/.config/gisapp/gisapp.conf on Linux)."""
    return QSettings(ORGANISATION, APPLICATION)


def add_recent_project(settings: QSettings, path: str | Path) -> list[str]:
    """Put ``path`` first in the recent projects (once), keep at most MAX_RECENT_PROJECTS."""
    path = str(Path(path).resolve())
    recent = [p for p in RECENT_PROJECTS.read(settings) if p != path]
    recent = [path, *recent][:MAX_RECENT_PROJECTS]
    RECENT_PROJECTS.write(settings, recent)
    return recent
