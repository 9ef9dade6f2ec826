"""Tracks from GPX files: every <trkpt> of every <trk> is a fix; row numbers are point numbers.

A GPX holds one person's or one device's tracks, so all its fixes go to one inspector: the
``inspector_id`` given, else the file name. Times without a zone are read in ``timezone``
(GPX asks for UTC, and most files write 'Z'). Waypoints and route points are plans, not
fixes; they are counted in the notes and not read.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pyarrow as pa

from gisapp.errors import InputError
from gisapp.fixes import Fixes
from gisapp.i18n import _
from gisapp.io.report import ImportReport
from gisapp.io.track_columns import (TrackSource, build_fixes, check_timezone, count,
                                     note_accuracy_source, one_inspector, parsed_from_text,
                                     require_file)
from gisapp.progress import Progress, step
from gisapp.schema import TRACK_TIMEZONE

_COLUMNS = ("track", "time", "lon", "lat", "hdop")


def read_gpx(path, *, inspector_id: str | None = None, timezone: str = TRACK_TIMEZONE,
             progress: Progress | None = None) -> tuple[Fixes, ImportReport]:
    """Fixes from a GPX file's track points, sorted by time; rejects named by point number."""
    path = require_file(Path(path))
    check_timezone(timezone)
    report = ImportReport(str(path), "tracks")
    step(progress, 0, 3, "reading track points")
    points, counts = _track_points(path)
    _note_counts(counts, len(points), report)
    if points.empty:
        raise InputError(path, _no_track_points(counts))
    columns = {"time": "time", "lon": "lon", "lat": "lat"}
    if (points["hdop"] != "").any():
        columns["accuracy"] = "hdop"
        note_accuracy_source(columns, report)
    inspector = one_inspector(path, inspector_id, report)
    step(progress, 1, 3, "checking fixes")
    parsed = parsed_from_text(pa.Table.from_pandas(points, preserve_index=False), columns,
                              timezone, inspector_id=inspector, report=report)
    report.rows_read = len(parsed)
    locate = lambda positions: (positions + 1, points.iloc[positions])  # noqa: E731
    fixes = build_fixes(parsed, report, TrackSource(str(path), columns, locate, "point"))
    step(progress, 3, 3, f"{len(fixes):,} fixes read")
    return fixes, report


def _track_points(path: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """One text row per <trkpt> in file order, and counts of tracks, waypoints, route points."""
    rows: dict[str, list[str]] = {c: [] for c in _COLUMNS}
    counts = {"trk": 0, "wpt": 0, "rtept": 0}
    stack: list[str] = []
    track = ""
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            tag = elem.tag.rpartition("}")[2]
            if event == "start":
                if not stack and tag != "gpx":
                    raise InputError(path, _("not a GPX file (the root element is <{tag}>)")
                                     .format(tag=tag))
                stack.append(tag)
                if tag == "trk":
                    counts["trk"] += 1
                    track = f"track {counts['trk']}"
                continue
            stack.pop()
            if tag == "name" and stack and stack[-1] == "trk" and (elem.text or "").strip():
                track = elem.text.strip()
            elif tag == "trkpt":
                children = {c.tag.rpartition("}")[2]: (c.text or "").strip() for c in elem}
                for key, value in (("track", track), ("time", children.get("time", "")),
                                   ("lon", elem.get("lon", "")), ("lat", elem.get("lat", "")),
                                   ("hdop", children.get("hdop", ""))):
                    rows[key].append(value)
                elem.clear()
            elif tag in ("wpt", "rtept"):
                counts[tag] += 1
                elem.clear()
    except ET.ParseError as exc:
        raise InputError(path, _("not a readable GPX file: {error}").format(
            error=exc)) from exc
    return pd.DataFrame(rows, dtype="string"), counts


def _note_counts(counts: dict[str, int], n_points: int, report: ImportReport) -> None:
    if n_points:
        report.notes.append(f"{count(n_points, 'track point')} in "
                            f"{count(counts['trk'], 'track')}")
    skipped = _skipped_text(counts)
    if skipped:
        report.notes.append(f"{skipped} not read: they are plans, not fixes")


def _no_track_points(counts: dict[str, int]) -> str:
    """Why a GPX without track points imports nothing, naming the plans it holds instead."""
    parts = []
    if counts["wpt"]:
        parts.append(_("1 waypoint") if counts["wpt"] == 1 else
                     _("{count} waypoints").format(count=counts["wpt"]))
    if counts["rtept"]:
        parts.append(_("1 route point") if counts["rtept"] == 1 else
                     _("{count} route points").format(count=counts["rtept"]))
    if not parts:
        return _("no fixes: the GPX has no track points")
    return _("no fixes: the GPX has no track points, only {skipped}, which are plans, not "
             "fixes").format(skipped=_(" and ").join(parts))


def _skipped_text(counts: dict[str, int]) -> str:
    parts = [count(counts["wpt"], "waypoint") if counts["wpt"] else "",
             count(counts["rtept"], "route point") if counts["rtept"] else ""]
    return " and ".join(p for p in parts if p)
