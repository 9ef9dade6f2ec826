"""The standard layer stack of a project: grids by level, patrol tracks, sources (bottom first)."""

from __future__ import annotations

from gisapp.fixes import Fixes
from gisapp.i18n import _
from gisapp.layers.base import MapLayer
from gisapp.layers.grids import GridLayer
from gisapp.layers.sources import SourceLayer
from gisapp.layers.tracks import TrackLayer, day_bounds, local_day
from gisapp.project import Project

# Finer levels below coarser ones so the district outline stays unbroken; the small filled
# key-source grids (level 4) above all outlines.
_GRID_ORDER = (3, 2, 1, 4)


def grid_layer_name(level: int) -> str:
    return {1: _("District grids (level 1)"), 2: _("Street grids (level 2)"),
            3: _("Community grids (level 3)"), 4: _("Key-source grids (level 4)")}[level]


def project_layers(project: Project) -> list[MapLayer]:
    """Grid layers of levels 1-4, the tracks of the most recent day, the sources; bottom first.

    Only one day of fixes is read: a month of a city is tens of millions of fixes.
    """
    grids = {level: GridLayer(project.grids, level, grid_layer_name(level))
             for level in _GRID_ORDER}
    return [*grids.values(), latest_tracks(project),
            SourceLayer(project.sources, _("Pollution sources"))]


def latest_tracks(project: Project) -> TrackLayer:
    """The fixes of the last day (Asia/Shanghai) that has any, named after that day."""
    partitions = project.partitions
    if not partitions:
        return TrackLayer(Fixes.empty(), _("Patrol tracks"))
    day = local_day(max(p.time_max_ms for p in partitions))
    start, end = day_bounds(day)
    return TrackLayer(project.fixes(start=start, end=end),
                      _("Patrol tracks {day}").format(day=day.isoformat()))
