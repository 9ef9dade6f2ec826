"""The map selection (grids, sources, inspectors) and the feature index that picks features
under a click or a box, identifies them and measures their extents.

``Selection`` is the one model the select tool, the attribute tables, the ranking dock, the
search box and the map highlight all listen to; ``FeatureIndex`` answers their questions about
an open project (map coordinates are Web Mercator metres, as the canvas's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from PySide6.QtCore import QObject, Signal

from gisapp import schema
from gisapp.changes import Changes
from gisapp.hierarchy import GridHierarchy, GridLink, source_chain
from gisapp.layers.view import Extent, lonlat_to_map, map_to_lonlat, union_extent
from gisapp.project import Project
from gisapp.search import SearchIndex, entries_of

GRIDS, SOURCES, INSPECTORS = "grids", "sources", "inspectors"
KINDS = (GRIDS, SOURCES, INSPECTORS)
SEARCH_KINDS = {"grid": GRIDS, "source": SOURCES, "inspector": INSPECTORS}
POINT_EXTENT_M = 400.0  # zooming to one source shows this much around it


class Selection(QObject):
    """Ids of the selected grids (grid_code), sources (source_id) and inspectors."""

    changed = Signal(str)  # the kind whose selection changed

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._ids: dict[str, frozenset[str]] = {kind: frozenset() for kind in KINDS}

    def ids(self, kind: str) -> frozenset[str]:
        return self._ids[kind]

    def select(self, kind: str, ids, add: bool = False) -> None:
        """Make ``ids`` the selection of ``kind`` (or add them to it)."""
        new = frozenset(str(i) for i in ids)
        if add:
            new = self._ids[kind] | new
        if new != self._ids[kind]:
            self._ids[kind] = new
            self.changed.emit(kind)

    def clear(self, kind: str | None = None) -> None:
        for k in (kind,) if kind else KINDS:
            self.select(k, ())


@dataclass
class IdentifyResult:
    """What is at a map point: the nearest source (if one is within ``tolerance_m``), the
    grid chain with its responsible persons on ``on``, and review flags nearby."""

    x: float
    y: float
    lon: float
    lat: float
    tolerance_m: float
    on: dt.date
    source: dict | None = None
    chain: list[GridLink] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)


class FeatureIndex:
    """An open project's grids, sources and inspectors indexed for picking and searching;
    ``apply_changes`` keeps it up to date with each edit of the project's tables."""

    def __init__(self, project: Project):
        self.project = project
        self.hierarchy = GridHierarchy(project.grids, project.assignments)
        self.search_index = SearchIndex.of_tables(project.grids, project.sources,
                                                  project.inspectors)
        self._index_sources()
        self.on_date = dt.date.today()  # responsible persons and assignments on this day
        self.flags = pd.DataFrame(columns=["inspector_id", "kind", "start", "end", "reason",
                                           "lon", "lat"])  # of the coverage review shown
        self._flag_xy = np.zeros((0, 2))

    @property
    def grid_codes(self) -> np.ndarray:
        return self.hierarchy.codes

    @property
    def grid_levels(self) -> np.ndarray:
        return self.hierarchy.levels

    # ---- after an edit ---------------------------------------------------------------------
    def apply_changes(self, changes: Changes) -> None:
        """Take an edit of the project's tables (already made): index again the rows named
        in ``changes`` (every row of a table it touches without naming rows). Every answer
        is then the one a new ``FeatureIndex(project)`` would give; ``on_date`` and the
        flags stay."""
        project = self.project
        if changes.touches(schema.GRIDS):
            codes = _named(changes, schema.GRIDS)
            self.hierarchy.update_grids(project.grids, codes)
            self._search_again("grid", project.grids, codes)
        if changes.touches(schema.ASSIGNMENTS):
            self.hierarchy.set_assignments(project.assignments)
        if changes.touches(schema.SOURCES):
            ids = _named(changes, schema.SOURCES)
            self._index_sources(ids)
            self._search_again("source", project.sources, ids)
        if changes.touches(schema.INSPECTORS):
            self._search_again("inspector", project.inspectors,
                               _named(changes, schema.INSPECTORS))

    def _search_again(self, kind: str, table: pd.DataFrame, ids) -> None:
        self.search_index.replace(kind, ids, entries_of(kind, table, ids))

    def _index_sources(self, ids=None) -> None:
        """Source positions in map metres; ``ids``: only these changed (None: any may have)."""
        sources = self.project.sources
        source_ids = sources["source_id"].astype(str).to_numpy(dtype=object)
        if ids is not None and len(source_ids) == len(self.source_ids) == len(self._source_row) \
                and (source_ids == self.source_ids).all():  # same rows in the same places
            rows = np.array([self._source_row[i] for i in ids if i in self._source_row], int)
            self.source_x[rows], self.source_y[rows] = _map_xy(sources.geometry.values[rows])
            return
        self.source_x, self.source_y = _map_xy(sources.geometry.values)
        self.source_ids = source_ids
        self._source_row = {s: i for i, s in enumerate(source_ids)}

    # ---- picking ---------------------------------------------------------------------------
    def source_near(self, x: float, y: float, radius_m: float) -> str | None:
        """The source nearest to (x, y) within ``radius_m`` map metres."""
        if not len(self.source_x):
            return None
        d2 = (self.source_x - x) ** 2 + (self.source_y - y) ** 2
        best = int(np.nanargmin(d2)) if np.isfinite(d2).any() else -1
        return str(self.source_ids[best]) if best >= 0 and d2[best] <= radius_m ** 2 else None

    def sources_in(self, extent: Extent) -> list[str]:
        xmin, ymin, xmax, ymax = extent
        inside = ((self.source_x >= xmin) & (self.source_x <= xmax)
                  & (self.source_y >= ymin) & (self.source_y <= ymax))
        return [str(s) for s in self.source_ids[inside]]

    def grids_at(self, x: float, y: float) -> list[str]:
        """The grid at each level under the point, coarsest first."""
        lon, lat = map_to_lonlat(x, y)
        return self.hierarchy.grids_at(float(lon), float(lat))

    def grids_within(self, extent: Extent) -> list[str]:
        """Grids lying wholly inside the box (so a box never picks the whole district)."""
        return self.hierarchy.grids_inside(_lonlat_box(extent))

    def pick(self, kind: str, x: float, y: float, radius_m: float) -> list[str]:
        """What a click at (x, y) selects in ``kind``: the nearest source, the finest grid,
        or the inspectors of the finest grid with inspectors on ``on_date``."""
        if kind == SOURCES:
            found = self.source_near(x, y, radius_m)
            return [found] if found else []
        chain = self.grids_at(x, y)
        if kind == GRIDS:
            return chain[-1:]
        for code in reversed(chain):
            people = self.inspectors_of([code])
            if people:
                return people
        return []

    def pick_box(self, kind: str, extent: Extent) -> list[str]:
        if kind == SOURCES:
            return self.sources_in(extent)
        grids = self.grids_within(extent)
        return grids if kind == GRIDS else self.inspectors_of(grids)

    def inspectors_of(self, grid_codes) -> list[str]:
        """Inspectors assigned (role inspector, on ``on_date``) to any of the grids."""
        day = self.on_date
        found: set[str] = set()
        for code in grid_codes:
            for person in self.hierarchy.persons(code, day):
                if person.role == "inspector" and person.inspector_id:
                    found.add(person.inspector_id)
        return sorted(found)

    def inspector_grids(self, inspector_id: str, start: dt.date | None = None,
                        end: dt.date | None = None) -> list[str]:
        """The grids of an inspector on ``on_date`` (or over [start, end])."""
        return self.hierarchy.inspector_grids(inspector_id, start or self.on_date,
                                              end or start or self.on_date)

    # ---- identify --------------------------------------------------------------------------
    def identify(self, x: float, y: float, tolerance_m: float) -> IdentifyResult:
        lon, lat = (float(v) for v in map_to_lonlat(x, y))
        result = IdentifyResult(x, y, lon, lat, tolerance_m, self.on_date)
        source_id = self.source_near(x, y, tolerance_m)
        if source_id is not None:
            row = self.project.sources.iloc[self._source_row[source_id]]
            result.source = {c: row[c] for c in self.project.sources.columns
                             if c != "geometry"}
            result.source["lon"], result.source["lat"] = (float(row.geometry.x),
                                                          float(row.geometry.y))
            result.chain = source_chain(self.hierarchy, row, self.on_date)
        if not result.chain:
            result.chain = self.hierarchy.chain_at(lon, lat, self.on_date)
        result.flags = self.flags_near(x, y, tolerance_m)
        return result

    def flags_near(self, x: float, y: float, radius_m: float) -> list[dict]:
        """The review's flags within ``radius_m`` of (x, y), nearest first."""
        if not len(self._flag_xy):
            return []
        d2 = (self._flag_xy[:, 0] - x) ** 2 + (self._flag_xy[:, 1] - y) ** 2
        near = np.flatnonzero(d2 <= radius_m ** 2)
        return [self.flags.iloc[i].to_dict() for i in near[np.argsort(d2[near])]]

    def set_flags(self, flags: pd.DataFrame) -> None:
        """The authenticity flags of the coverage review on the map (lon/lat columns)."""
        self.flags = flags.reset_index(drop=True)
        if len(flags):
            x, y = lonlat_to_map(flags["lon"].to_numpy(float), flags["lat"].to_numpy(float))
            self._flag_xy = np.column_stack([x, y])
        else:
            self._flag_xy = np.zeros((0, 2))

    # ---- extents ---------------------------------------------------------------------------
    def extent(self, kind: str, ids) -> Extent | None:
        """Map extent of the features (an inspector: his grids on ``on_date``)."""
        ids = [str(i) for i in ids]
        if kind == SOURCES:
            rows = [self._source_row[i] for i in ids if i in self._source_row]
            xs, ys = self.source_x[rows], self.source_y[rows]
            ok = np.isfinite(xs) & np.isfinite(ys)
            if not ok.any():
                return None
            half = POINT_EXTENT_M / 2
            return (float(xs[ok].min()) - half, float(ys[ok].min()) - half,
                    float(xs[ok].max()) + half, float(ys[ok].max()) + half)
        if kind == INSPECTORS:
            ids = sorted({g for i in ids for g in self.inspector_grids(i)})
        bounds = self.hierarchy.bounds(ids)
        if bounds is None:
            return None
        xmin, ymin = lonlat_to_map(bounds[0], bounds[1])
        xmax, ymax = lonlat_to_map(bounds[2], bounds[3])
        return float(xmin), float(ymin), float(xmax), float(ymax)

    def extent_of_selection(self, selection: Selection) -> Extent | None:
        return union_extent(self.extent(kind, selection.ids(kind)) for kind in KINDS
                            if selection.ids(kind))


def _named(changes: Changes, table: str) -> frozenset[str] | None:
    """The ids ``changes`` names in ``table``; None if it names none (any row may have
    changed)."""
    return changes.ids_in(table) or None


def _map_xy(points) -> tuple[np.ndarray, np.ndarray]:
    """Map metres of lon/lat points (NaN where a point is missing or empty)."""
    points = np.asarray(points, dtype=object)
    present = ~(shapely.is_missing(points) | shapely.is_empty(points))
    lon = np.where(present, shapely.get_x(points), np.nan)
    lat = np.where(present, shapely.get_y(points), np.nan)
    x, y = lonlat_to_map(lon, lat)
    return np.asarray(x, float), np.asarray(y, float)


def _lonlat_box(extent: Extent):
    """A map-metre box as a lon/lat box: Mercator keeps axis-aligned boxes axis-aligned."""
    xmin, ymin, xmax, ymax = extent
    lon, lat = map_to_lonlat([xmin, xmax], [ymin, ymax])
    return shapely.box(float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1]))
