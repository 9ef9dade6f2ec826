"""The standard layer stack of a project: grids by level, patrol tracks, sources (bottom first);
and the user's layer choices (order, visibility, opacity, style) saved in the project.

The choices are JSON in ``project.meta["styles"]``, keyed by each layer's ``key`` (names are
translated, keys are not)::

    {"version": 1, "order": ["grids:3", ..., "sources"], "layers": {"sources": {...}}}

Basemaps are not saved there: which basemap a workstation can show is a setting of that
workstation, not of the project.
"""

from __future__ import annotations

import datetime as dt
import json

import pyarrow.parquet as pq

from gisapp.fixes import Fixes
from gisapp.i18n import _
from gisapp.layers.base import MapLayer
from gisapp.layers.grids import GridLayer
from gisapp.layers.sources import SourceLayer
from gisapp.layers.styles import TrackStyle
from gisapp.layers.tracks import TrackData, TrackLayer, day_bounds, days_of, local_day
from gisapp.progress import Progress, step
from gisapp.project import Project

# Finer levels below coarser ones so the district outline stays unbroken; the small filled
# key-source grids (level 4) above all outlines.
_GRID_ORDER = (3, 2, 1, 4)


def grid_layer_name(level: int) -> str:
    return {1: _("District grids (level 1)"), 2: _("Street grids (level 2)"),
            3: _("Community grids (level 3)"), 4: _("Key-source grids (level 4)")}[level]


def project_layers(project: Project) -> list[MapLayer]:
    """Grid layers of levels 1-4, the tracks of the most recent day, the sources; bottom first,
    or in the order and with the styles saved in the project.

    Only one day of fixes is read: a month of a city is tens of millions of fixes (the time
    dock loads other days, or all of them, on request).
    """
    grids = {level: GridLayer(project.grids, level, grid_layer_name(level))
             for level in _GRID_ORDER}
    layers = [*grids.values(), latest_tracks(project),
              SourceLayer(project.sources, _("Pollution sources"))]
    return apply_layer_styles(layers, project.meta.get(STYLES_META_KEY))


STYLES_META_KEY = "styles"
_STYLES_VERSION = 1


def layer_styles(layers: list[MapLayer]) -> str:
    """The choices of ``layers`` (bottom first) as the JSON text kept in the project.

    >>> from gisapp.layers.base import MapLayer
    >>> a, b = MapLayer("A", key="a"), MapLayer("B", key="b")
    >>> b.opacity = 0.5
    >>> saved = json.loads(layer_styles([a, b]))
    >>> saved["order"], saved["layers"]["b"]
    (['a', 'b'], {'opacity': 0.5, 'visible': True})
    """
    saved = [layer for layer in layers if not layer.key.startswith("basemap:")]
    return json.dumps({"version": _STYLES_VERSION, "order": [layer.key for layer in saved],
                       "layers": {layer.key: layer.style_state() for layer in saved}},
                      ensure_ascii=False, sort_keys=True)


def apply_layer_styles(layers: list[MapLayer], text: str | None) -> list[MapLayer]:
    """Give ``layers`` (bottom first) the saved choices and return them in the saved order.

    Layers the text does not name keep their place; a text that is not valid JSON (an older
    or hand-edited project) changes nothing.

    >>> from gisapp.layers.base import MapLayer
    >>> a, b, c = MapLayer("A", key="a"), MapLayer("B", key="b"), MapLayer("C", key="c")
    >>> text = '{"version": 1, "order": ["b", "a"], "layers": {"a": {"visible": false}}}'
    >>> [layer.key for layer in apply_layer_styles([a, b, c], text)], a.visible
    (['b', 'a', 'c'], False)
    """
    try:
        saved = json.loads(text) if text else {}
    except ValueError:
        return list(layers)
    if not isinstance(saved, dict):
        return list(layers)
    states = saved.get("layers") if isinstance(saved.get("layers"), dict) else {}
    for layer in layers:
        if isinstance(states.get(layer.key), dict):
            layer.apply_style_state(states[layer.key])
    order = [k for k in saved.get("order", []) if isinstance(k, str)] \
        if isinstance(saved.get("order"), list) else []
    rank = {key: i for i, key in enumerate(order)}
    known = sorted((layer for layer in layers if layer.key in rank), key=lambda l: rank[l.key])
    result = list(known)
    for position, layer in enumerate(layers):
        if layer.key not in rank:
            result.insert(min(position, len(result)), layer)
    return result


def latest_tracks(project: Project) -> TrackLayer:
    """The fixes of the last day (Asia/Shanghai) that has any, named after that day."""
    partitions = project.partitions
    if not partitions:
        return TrackLayer(Fixes.empty(), _("Patrol tracks"))
    day = local_day(max(p.time_max_ms for p in partitions))
    start, end = day_bounds(day)
    return TrackLayer(project.fixes(start=start, end=end), tracks_name(day))


def tracks_name(day: dt.date | None) -> str:
    """The track layer's name for one day, or for all days (None)."""
    if day is None:
        return _("Patrol tracks, all days")
    return _("Patrol tracks {day}").format(day=day.isoformat())


def fix_days(project: Project, progress: Progress | None = None) -> list[dt.date]:
    """The days (Asia/Shanghai) on which the project has fixes: only the time column of each
    track partition is read, a row group at a time (a month of a city: about a second, and a
    Cancel is heard between row groups)."""
    days: set[dt.date] = set()
    files = [pq.ParquetFile(project.tracks_dir / info.path) for info in project.partitions]
    total = sum(f.num_row_groups for f in files)
    done = 0
    for parquet in files:
        for group in range(parquet.num_row_groups):
            # no reader threads of pyarrow's own: this runs in a worker that may be abandoned
            # at exit, and a C++ thread cut off then aborts the process
            table = parquet.read_row_group(group, columns=["time"], use_threads=False)
            days.update(days_of(table.column("time").combine_chunks().cast("int64").to_numpy()))
            done += 1
            step(progress, done, total, "")
    return sorted(days)


def load_tracks(project: Project, day: dt.date | None, style: TrackStyle | None = None,
                progress: Progress | None = None) -> TrackData:
    """The fixes of ``day`` (None: all days) ready to draw, raster pyramid included (so a
    worker thread does the slow part, not the first paint)."""
    start, end = day_bounds(day) if day is not None else (None, None)
    fixes = project.fixes(start=start, end=end, progress=progress)
    return TrackData(fixes, style or TrackStyle()).prepare()
