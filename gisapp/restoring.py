"""Restoring an old version of a grid as new edits: the edits of gisapp.edits that turn the
grid as it is now into the version a history row (or a date) holds.

Nothing is rewritten: the restore is an ordinary edit (one undo step in the map window), with
its own history rows. Neighbours are not changed, so a restored boundary may open gaps or
overlaps that the topology check then shows.

>>> import geopandas as gpd, shapely
>>> from gisapp.project import Project
>>> project = Project.create("/nonexistent/示例.gpkg")
>>> project.set_table("grids", gpd.GeoDataFrame({"grid_code": ["D"], "name": ["新区"],
...     "level": [1], "kind": ["district"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326))
>>> old = {"grid_code": "D", "name": "老区", "level": 1, "parent_code": None,
...        "kind": "district", "office_address": None, "geometry": "POLYGON ((0 0, 2 0, 2 1, 0 1, 0 0))"}
>>> [type(e).__name__ for e in restore_edits(project, "D", old)]
['ReshapeGrid', 'EditAttributes']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from gisapp import schema
from gisapp.edits import AddGrid, EditAttributes, MoveGridToParent, ReshapeGrid
from gisapp.errors import GridEditError
from gisapp.history import grid_version
from gisapp.i18n import _
from gisapp.project import Project

ATTRIBUTES = ("name", "kind", "office_address")  # the columns an attribute edit may set


def restore_edits(project: Project, code: str, version: dict) -> list:
    """The edits that make grid ``code`` as ``version`` (a history dict: the grid's columns,
    the geometry as WKT), in the order to apply them; a deleted grid is added back under its
    code. Refused (GridEditError) when the grid is that version already."""
    geometry = _geometry(version)
    grids = project.grids
    here = np.flatnonzero(grids["grid_code"].astype(str).to_numpy() == str(code))
    if not len(here):
        return [AddGrid(_value(version.get("name")) or str(code), int(version["level"]),
                        _value(version.get("parent_code")), geometry, grid_code=str(code),
                        kind=_value(version.get("kind")),
                        office_address=_value(version.get("office_address")))]
    row = grids.iloc[int(here[0])]
    edits = []
    parent = _value(version.get("parent_code"))
    if parent and parent != _value(row["parent_code"]):
        edits.append(MoveGridToParent(str(code), parent))
    if geometry is not None and not shapely.equals_exact(row.geometry, geometry, 0) \
            and not shapely.equals(row.geometry, geometry):
        edits.append(ReshapeGrid(str(code), geometry))
    for column in ATTRIBUTES:
        old, now = _value(version.get(column)), _value(row[column])
        if old != now:
            edits.append(EditAttributes(schema.GRIDS, str(code), column, now, old))
    if not edits:
        raise GridEditError(_("Grid {code} is already as it was then.").format(code=code))
    return edits


def restore_edits_on(project: Project, code: str, date) -> list:
    """:func:`restore_edits` for the version grid ``code`` had at the end of ``date``."""
    version = grid_version(project, code, date)
    if version is None:
        raise GridEditError(_("Grid {code} did not exist on {date}.").format(code=code,
                                                                              date=date))
    return restore_edits(project, code, version)


def _geometry(version: dict):
    wkt = version.get("geometry")
    if wkt is None:
        return None
    return shapely.from_wkt(wkt) if isinstance(wkt, str) else wkt


def _value(value):
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)
