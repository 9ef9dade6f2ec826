"""Every QSettings key of the application, declared once with its type and default."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from gisapp.i18n import ENVIRONMENT_VARIABLE, LANGUAGES, detect_language

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
        if self.type is bool and isinstance(value, str):  # an INI file gives "true"/"false"
            return value.strip().lower() in ("true", "1", "yes")
        try:
            return self.type(value)
        except (TypeError, ValueError):  # a hand-edited or foreign value: the default
            return self.default

    def write(self, settings: QSettings, value: Any) -> None:
        settings.setValue(self.key, value)


RECENT_PROJECTS = Setting("files/recent_projects", list, [])
WINDOW_GEOMETRY = Setting("main_window/geometry", QByteArray, QByteArray())
WINDOW_STATE = Setting("main_window/state", QByteArray, QByteArray())
# "" follows the system (i18n.detect_language); else one of i18n.LANGUAGES; read at start
LANGUAGE = Setting("interface/language", str, "")
TRACK_COLOURING = Setting("coverage/track_colouring", str, "time")  # "time" or "speed"
# the basemap shown: "" none, a catalogue id (gisapp.tiles.catalogue), or "mbtiles:<path>"
BASEMAP = Setting("basemap/current", str, "")
TIANDITU_KEY = Setting("basemap/tianditu_key", str, "")  # the user's Tianditu API key (tk)
TILE_CACHE_DIR = Setting("basemap/cache_dir", str, "")  # "" the user's cache folder


def open_settings() -> QSettings:
    """The user's settings (registry on Windows, ~/.config/gisapp/gisapp.conf on Linux)."""
    return QSettings(ORGANISATION, APPLICATION)


def interface_language(settings: QSettings, system_locale: str | None = None,
                       environ: dict[str, str] | None = None) -> str:
    """The language to start in: GISAPP_LANG if set, else the LANGUAGE setting if it names
    one, else the system's (Simplified Chinese on a Chinese system, English otherwise)."""
    environ = os.environ if environ is None else environ
    chosen = LANGUAGE.read(settings)
    if environ.get(ENVIRONMENT_VARIABLE, "").strip() or chosen not in LANGUAGES:
        return detect_language(system_locale, environ)
    return chosen


def add_recent_project(settings: QSettings, path: str | Path) -> list[str]:
    """Put ``path`` first in the recent projects (once), keep at most MAX_RECENT_PROJECTS."""
    path = str(Path(path).resolve())
    recent = [p for p in RECENT_PROJECTS.read(settings) if p != path]
    recent = [path, *recent][:MAX_RECENT_PROJECTS]
    RECENT_PROJECTS.write(settings, recent)
    return recent
