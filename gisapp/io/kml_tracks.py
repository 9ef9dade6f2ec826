"""Tracks from KML files: each <gx:Track> pairs its <when> times with its <gx:coord> points.

A patrol track needs a time for every point, so the points of a <LineString> (which has none)
are rejected with that reason, and a file holding only LineStrings imports nothing. Point
placemarks (start/end markers, photos) are counted in the notes and not read. All fixes go to
one inspector: the ``inspector_id`` given, else the file name. Row numbers are point numbers,
counted over every track and LineString in file order.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from gisapp.errors import InputError
from gisapp.fixes import Fixes
from gisapp.i18n import _
from gisapp.io.report import ImportReport
from gisapp.io.track_columns import (TrackSource, build_fixes, check_timezone, count,
                                     one_inspector, parsed_from_text, require_file)
from gisapp.progress import Progress, step
from gisapp.schema import TRACK_TIMEZONE

_COLUMNS = {"time": "time", "lon": "lon", "lat": "lat"}


def read_kml_tracks(path, *, inspector_id: str | None = None, timezone: str = TRACK_TIMEZONE,
                    progress: Progress | None = None) -> tuple[Fixes, ImportReport]:
    """Fixes from a KML's gx:Track elements, sorted by time; rejects named by point number."""
    path = require_file(Path(path))
    check_timezone(timezone)
    report = ImportReport(str(path), "tracks")
    step(progress, 0, 3, "reading tracks")
    points, refused, counts = _track_points(path)
    _note_counts(counts, report)
    if points.empty:
        raise InputError(path, _no_tracks(counts["Point"]))
    inspector = one_inspector(path, inspector_id, report)
    step(progress, 1, 3, "checking fixes")
    parsed = parsed_from_text(pa.Table.from_pandas(points[list(_COLUMNS)],
                                                   preserve_index=False),
                              _COLUMNS, timezone, inspector_id=inspector, report=report)
    parsed.refused = refused
    report.rows_read = len(parsed)
    locate = lambda positions: (positions + 1, points.iloc[positions])  # noqa: E731
    fixes = build_fixes(parsed, report, TrackSource(str(path), _COLUMNS, locate, "point"))
    step(progress, 3, 3, f"{len(fixes):,} fixes read")
    return fixes, report


def _track_points(path: Path) -> tuple[pd.DataFrame, np.ndarray, dict[str, int]]:
    """One text row per track point in file order, the reader's own reasons to refuse a
    point (None = none), and counts of Track, LineString and Point elements."""
    rows: dict[str, list[str]] = {"track": [], "time": [], "lon": [], "lat": []}
    refused: list[str | None] = []
    counts = {"Track": 0, "LineString": 0, "Point": 0}
    stack: list[str] = []
    placemark = ""

    def add(track: str, times: list[str], coords: list[list[str]], reason: str | None):
        n = max(len(times), len(coords))
        for i in range(n):
            xy = coords[i] if i < len(coords) else []
            for key, value in (("track", track), ("time", times[i] if i < len(times) else ""),
                               ("lon", xy[0] if xy else ""),
                               ("lat", xy[1] if len(xy) > 1 else "")):
                rows[key].append(value)
            refused.append(reason)

    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            tag = elem.tag.rpartition("}")[2]
            if event == "start":
                if not stack and tag != "kml":
                    raise InputError(path, _("not a KML file (the root element is <{tag}>)")
                                     .format(tag=tag))
                stack.append(tag)
                if tag == "Placemark":
                    placemark = ""
                continue
            stack.pop()
            if tag == "name" and stack and stack[-1] == "Placemark":
                placemark = (elem.text or "").strip()
            elif tag == "Track":
                counts["Track"] += 1
                name = placemark or f"track {counts['Track']}"
                times = [(c.text or "").strip() for c in elem if _local(c) == "when"]
                coords = [(c.text or "").split() for c in elem if _local(c) == "coord"]
                add(name, times, coords, None)
                elem.clear()
            elif tag == "LineString":
                counts["LineString"] += 1
                name = placemark or f"line {counts['LineString']}"
                text = "".join((c.text or "") for c in elem if _local(c) == "coordinates")
                coords = [t.split(",") for t in text.split()]
                add(name, [], coords, _("LineString {name!r} has no times: a patrol track "
                                        "needs a time for every point (export it as a "
                                        "gx:Track or as GPX)").format(name=name))
                elem.clear()
            elif tag == "Point" and "Placemark" in stack:
                counts["Point"] += 1
    except ET.ParseError as exc:
        raise InputError(path, _("not a readable KML file: {error}").format(
            error=exc)) from exc
    return (pd.DataFrame(rows, dtype="string"), np.asarray(refused, dtype=object), counts)


def _no_tracks(point_placemarks: int) -> str:
    if point_placemarks == 1:
        return _("no fixes: the KML has no <gx:Track> or <LineString> (only 1 point placemark)")
    if point_placemarks:
        return _("no fixes: the KML has no <gx:Track> or <LineString> (only {count} point "
                 "placemarks)").format(count=point_placemarks)
    return _("no fixes: the KML has no <gx:Track> or <LineString>")


def _local(elem) -> str:
    return elem.tag.rpartition("}")[2]


def _note_counts(counts: dict[str, int], report: ImportReport) -> None:
    if counts["Track"]:
        report.notes.append(f"{count(counts['Track'], 'gx:Track element')} read")
    if counts["Point"]:
        report.notes.append(f"{count(counts['Point'], 'point placemark')} (markers, not a "
                            f"track) not read")
