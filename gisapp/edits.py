"""One frozen dataclass per user edit: a label, ``apply()`` and ``revert()`` -> Changes, history.

An edit's fields are what the user asked for (the grid, the line, the new position), in stored
lon/lat. ``apply(project, user)`` first works the edit out against the project and raises
GridEditError with a message for the user when it cannot be done, having changed nothing;
otherwise it writes the new rows, records one history row per touched feature (who, when,
action, before, after: the row's columns as flat JSON, the geometry as full-precision WKT) and
returns the Changes. The edit remembers the exact rows it replaced, so ``revert`` gives back
identical tables (and records that too). ``gisapp/ui/undo.py`` wraps an edit in a
QUndoCommand: redo is ``apply``, undo is ``revert``.

Geometry is edited in the district's metric CRS by the pure functions of gisapp.grids; every
vertex an edit did not create comes back bit-identical, so neighbours stay noded. After an edit
of grid geometry, the sources whose grid changed are re-assigned (``grid_code`` to the level-3
grid now covering them, ``key_grid_code`` to the level-4 grid) within the same edit.

>>> import geopandas as gpd
>>> from gisapp.project import Project
>>> project = Project.create("/nonexistent/示例.gpkg")
>>> project.set_table("grids", gpd.GeoDataFrame({
...     "grid_code": ["D", "D001"], "name": ["区", "街道"], "level": [1, 2],
...     "parent_code": [None, "D"]}, geometry=[shapely.box(113.6, 34.7, 113.62, 34.72)] * 2,
...     crs=4326))
>>> split = SplitGrid("D001", shapely.LineString([(113.605, 34.69), (113.605, 34.73)]))
>>> sorted(split.apply(project, "张三").ids_in("grids"))  # D gains the crossings as vertices
['D', 'D001', 'D002']
>>> list(project.grids["grid_code"]), list(project.history["action"])
(['D', 'D001', 'D002'], ['split_grid', 'split_grid', 'split_grid'])
>>> sorted(split.revert(project, "张三").ids_in("grids")), list(project.grids["grid_code"])
(['D', 'D001', 'D002'], ['D', 'D001'])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gisapp import grids as geo
from gisapp import schema
from gisapp.changes import Changes
from gisapp.errors import GridEditError
from gisapp.i18n import _
from gisapp.project import Project, conform
from gisapp.topology import MIN_AREA_M2, fix_slivers

KEYS = {schema.GRIDS: "grid_code", schema.SOURCES: "source_id",
        schema.INSPECTORS: "inspector_id", schema.INCIDENTS: "incident_id"}
# columns an attribute edit may not touch: they are set by the edits that keep them consistent
DERIVED = {schema.GRIDS: {"grid_code", "level", "parent_code", "geometry"},
           schema.SOURCES: {"source_id", "grid_code", "key_grid_code", "geometry"},
           schema.INSPECTORS: {"inspector_id"}, schema.INCIDENTS: {"incident_id", "geometry"}}
ALLOWED_VALUES = {(schema.GRIDS, "kind"): schema.GRID_KINDS,
                  (schema.SOURCES, "category"): schema.SOURCE_CATEGORIES,
                  (schema.INSPECTORS, "kind"): schema.INSPECTOR_KINDS}
DEFAULT_KINDS = {1: "district", 2: "street", 3: "community", 4: "enterprise"}
UNIT_LEVEL, KEY_LEVEL = 3, 4          # sources belong to a level-3 grid; key sources to a level-4
CHILD_SHARE = 1e-6                    # a child with less than this share across a split is inside
UNDO_PREFIX = "undo:"


# ---- the machinery every edit shares ----------------------------------------------------------
@dataclass(frozen=True)
class _TablePatch:
    """Rows an edit replaced in one table (indexed by their old positions) and the rows it put
    there (indexed by their new positions): enough to go either way exactly."""

    table: str
    before: pd.DataFrame
    after: pd.DataFrame
    geometry_changed: bool
    new_table: pd.DataFrame | None = None  # the whole table after, for the first write only


class _Edit:
    """Apply, revert and history for the dataclasses below; each supplies ``action``,
    ``label`` and ``_plan(project) -> list[_TablePatch]``."""

    action = "edit"

    def apply(self, project: Project, user: str | None = None) -> Changes:
        """Do the edit (or raise GridEditError, changing nothing); returns what it touched."""
        patches = [p for p in self._plan(project) if len(p.before) or len(p.after)]
        if not patches:
            raise GridEditError(_("The edit changes nothing."))
        changes = _write(project, patches, self.action, user, forward=True)
        self._memo["patches"] = [replace(p, new_table=None) for p in patches]
        return changes | self._extra_changes(project)

    def revert(self, project: Project, user: str | None = None) -> Changes:
        """Put back exactly the rows ``apply`` replaced; refused if it was not applied."""
        patches = self._memo.get("patches")
        if patches is None:
            raise GridEditError(_("This edit was not applied, so it cannot be undone."))
        for patch in patches:
            _require_unchanged(project, patch)
        changes = _write(project, patches, UNDO_PREFIX + self.action, user, forward=False)
        del self._memo["patches"]
        return changes | self._extra_changes(project)

    def _extra_changes(self, project: Project) -> Changes:
        return Changes()

    def _plan(self, project: Project) -> list[_TablePatch]:
        raise NotImplementedError


def _memo() -> dict:
    return field(default_factory=dict, init=False, repr=False, compare=False, hash=False)


def _write(project: Project, patches, action: str, user, forward: bool) -> Changes:
    ids: dict[str, set[str]] = {}
    geometry = False
    first_history = len(project.history)
    for patch in patches:
        old, new = (patch.before, patch.after) if forward else (patch.after, patch.before)
        frame = patch.new_table if forward and patch.new_table is not None else \
            _swap(project.tables[patch.table], old.index.to_numpy(), new)
        project.set_table(patch.table, frame)
        touched = _history(project, patch.table, old, new, action, user)
        ids.setdefault(patch.table, set()).update(touched)
        geometry |= patch.geometry_changed
    edit_ids = project.history["edit_id"].iloc[first_history:].astype(str)
    ids[schema.HISTORY] = set(edit_ids)
    return Changes(ids, geometry)


def _swap(frame: pd.DataFrame, out_positions: np.ndarray, rows_in: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the rows at ``out_positions``, with ``rows_in`` at their index
    positions (positions in the result)."""
    keep = np.ones(len(frame), bool)
    keep[out_positions] = False
    kept = frame.iloc[np.flatnonzero(keep)]
    rows_in = rows_in.sort_index()
    n = len(kept) + len(rows_in)
    incoming = np.zeros(n, bool)
    incoming[rows_in.index.to_numpy()] = True
    order = np.empty(n, np.int64)
    order[~incoming] = np.arange(len(kept))
    order[incoming] = len(kept) + np.arange(len(rows_in))
    parts = [p for p in (kept, rows_in) if len(p)] or [frame.iloc[:0]]
    combined = pd.concat(parts, ignore_index=True)
    return combined.take(order).reset_index(drop=True)


def _require_unchanged(project: Project, patch: _TablePatch) -> None:
    key = KEYS.get(patch.table)
    current = project.tables[patch.table]
    at = patch.after.index.to_numpy()
    if at.size and (at.max() >= len(current) or (key and not np.array_equal(
            current[key].iloc[at].astype(str).to_numpy(),
            patch.after[key].astype(str).to_numpy()))):
        raise GridEditError(_("The project changed since this edit, so it cannot be undone."))


def _history(project: Project, table: str, old: pd.DataFrame, new: pd.DataFrame, action: str,
             user) -> list[str]:
    key = KEYS.get(table)
    old_rows = {str(r[key]): _row_dict(r) for _, r in old.iterrows()}
    new_rows = {str(r[key]): _row_dict(r) for _, r in new.iterrows()}
    ids = list(dict.fromkeys([*old_rows, *new_rows]))
    project.record_history(action, table, ids, [old_rows.get(i) for i in ids],
                           [new_rows.get(i) for i in ids], user)
    return ids


def _row_dict(row: pd.Series) -> dict:
    """A row as flat JSON: NA as null, the geometry as exact WKT."""
    out = {}
    for column, value in row.items():
        if isinstance(value, BaseGeometry):
            out[column] = shapely.to_wkt(value, rounding_precision=-1)
        elif value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            out[column] = None
        elif isinstance(value, (bool, np.bool_)):
            out[column] = bool(value)
        elif isinstance(value, (np.integer, int)):
            out[column] = int(value)
        elif isinstance(value, (np.floating, float)):
            out[column] = float(value)
        else:
            out[column] = str(value)
    return out


class _Rows:
    """Changes to one table by position: updates, rows added after a row, deletions."""

    def __init__(self, project: Project, table: str):
        self.table = table
        self.frame = project.tables[table]
        self.updates: dict[int, dict] = {}
        self.added: list[tuple[int | None, dict]] = []
        self.deleted: set[int] = set()

    def update(self, position: int, **values) -> None:
        self.updates.setdefault(int(position), {}).update(values)

    def add(self, row: dict, after: int | None = None) -> None:
        self.added.append((after, row))

    def delete(self, position: int) -> None:
        self.deleted.add(int(position))

    def result(self) -> tuple[pd.DataFrame, _TablePatch]:
        """The new table, and the patch from the current one to it."""
        old = self.frame
        n = len(old)
        deleted = np.array(sorted(self.deleted), dtype=np.int64)
        updated = np.array(sorted(p for p in self.updates if p not in self.deleted),
                           dtype=np.int64)
        if not len(updated) and not len(deleted) and not self.added:
            return old, _TablePatch(self.table, old.iloc[:0], old.iloc[:0], False)
        changed = old.iloc[updated].copy()
        for row, position in enumerate(updated):
            for column, value in self.updates[int(position)].items():
                changed.iloc[row, changed.columns.get_loc(column)] = _na(value)
        added = (conform(self.table, pd.DataFrame([r for _, r in self.added]))
                 if self.added else old.iloc[:0])
        # rows of [old, changed, added] in their new order: old rows where they were (the
        # changed copy in place of an updated row), added rows after the row they follow
        source = np.arange(n)
        source[updated] = n + np.arange(len(updated))
        keep = np.ones(n, bool)
        keep[deleted] = False
        kept = np.flatnonzero(keep)
        take = source[keep]
        if self.added:
            at = [len(kept) if after is None else int(np.searchsorted(kept, after, "right"))
                  for after, _row in self.added]
            take = np.insert(take, at, n + len(updated) + np.arange(len(self.added)))
        combined = pd.concat([f for f in (old, changed, added) if len(f)], ignore_index=True)
        new = combined.take(take).reset_index(drop=True)
        before_at = np.sort(np.concatenate([updated, deleted]))
        after_at = np.flatnonzero(take >= n)
        geometry = bool(self.added or len(deleted)) and "geometry" in old.columns
        geometry |= any("geometry" in self.updates[int(p)] for p in updated)
        return new, _TablePatch(self.table, old.iloc[before_at], new.iloc[after_at], geometry,
                                new)

    def patch(self) -> _TablePatch:
        return self.result()[1]


def _na(value):
    return pd.NA if value is None else value


# ---- the grids around an edit --------------------------------------------------------------------
class _Grids:
    """The project's grids as arrays, and a metric frame for the edit."""

    def __init__(self, project: Project):
        self.project = project
        self.frame_table = project.grids
        self.codes = self.frame_table["grid_code"].astype(str).to_numpy(dtype=object)
        self.levels = self.frame_table["level"].to_numpy(dtype=np.int64)
        self.parents = self.frame_table["parent_code"].astype("string").fillna("") \
            .to_numpy(dtype=object)
        self.geoms = np.asarray(self.frame_table.geometry.values, dtype=object)
        self.frame = _metric_frame(project, self.geoms)
        self.pos: dict[str, int] = {}
        self._metric: dict[str, BaseGeometry] = {}
        self._bounds = None

    def at(self, code: str) -> int:
        """The row of grid ``code``; refused when missing or not unique."""
        hits = np.flatnonzero(self.codes == str(code))
        if len(hits) == 0:
            raise GridEditError(_("There is no grid {code}.").format(code=code))
        if len(hits) > 1:
            raise GridEditError(_("Grid code {code} is used {count} times; make the codes "
                                  "unique first.").format(code=code, count=len(hits)))
        return int(hits[0])

    def near(self, *geoms) -> np.ndarray:
        """Rows whose bounding box meets the bounding box of ``geoms`` (lon/lat)."""
        if self._bounds is None:
            self._bounds = shapely.bounds(self.geoms)
        minx, miny, maxx, maxy = shapely.total_bounds(np.array(geoms, dtype=object))
        b = self._bounds
        return np.flatnonzero((b[:, 0] <= maxx) & (b[:, 2] >= minx) & (b[:, 1] <= maxy)
                              & (b[:, 3] >= miny))

    def division(self, rows: Iterable[int]) -> dict[str, BaseGeometry]:
        """The grids projected to metres so far, ``rows`` included, by code (``pos`` keeps
        each code's row); refused if two of them share a code."""
        rows = [int(r) for r in rows if self.pos.get(self.codes[int(r)]) != int(r)]
        for r in rows:
            code = self.codes[r]
            if code in self.pos:
                raise GridEditError(_("Grid code {code} is used {count} times; make the codes "
                                      "unique first.").format(
                                          code=code, count=int((self.codes == code).sum())))
            self.pos[code] = r
        metric = self.frame.to_metric(self.geoms[np.asarray(rows, dtype=np.int64)])
        self._metric.update(zip((self.codes[r] for r in rows), metric))
        return self._metric

    def children(self, position: int) -> np.ndarray:
        return np.flatnonzero(self.parents == self.codes[position])

    def to_lonlat(self, geom):
        """A metric result back in lon/lat, refused if it is no valid polygon as stored (a
        sliver-thin part can be valid in metres and cross itself in degrees)."""
        out = self.frame.to_lonlat(geom)
        if not out.is_valid:
            raise GridEditError(_("The result would not be a valid polygon; try again a "
                                  "little differently."))
        return out


def _metric_frame(project: Project, geoms) -> geo.MetricFrame:
    crs = project.meta.get("metric_crs")
    if crs:
        return geo.MetricFrame(str(crs))
    return geo.MetricFrame.around(geoms)


def _lonlat_polygon(geometry) -> BaseGeometry:
    if geometry is None or geometry.is_empty \
            or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise GridEditError(_("A grid must be a polygon."))
    if not geometry.is_valid:
        raise GridEditError(_("The grid's boundary crosses itself ({reason}); repair it "
                              "first.").format(reason=shapely.is_valid_reason(geometry)))
    return geometry


def _point(value) -> shapely.Point:
    if isinstance(value, shapely.Point):
        return value
    return shapely.Point(*np.asarray(value, dtype=np.float64).ravel()[:2])


def _reassign_sources(project: Project, new_grids: pd.DataFrame, regions,
                      codes_gone: Iterable[str] = ()) -> _Rows:
    """Sources in ``regions`` (lon/lat geometries whose grids changed) or in a grid that is gone,
    re-assigned to the level-3 grid (and for key sources the level-4 grid) now covering them;
    a source keeps its grid while that grid still covers it."""
    rows = _Rows(project, schema.SOURCES)
    sources = project.sources
    regions = [g for g in regions if g is not None and not g.is_empty]
    if not len(sources) or not regions:
        return rows
    points = np.asarray(sources.geometry.values, dtype=object)
    x, y = shapely.get_x(points), shapely.get_y(points)
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(regions, dtype=object))
    wanted = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    gone = list(map(str, codes_gone))
    for column in ("grid_code", "key_grid_code"):
        wanted |= sources[column].astype("string").isin(gone).fillna(False).to_numpy(bool)
    candidates = np.flatnonzero(wanted)
    if not len(candidates):
        return rows
    is_key = sources["is_key"].to_numpy(dtype=bool)[candidates]
    for column, level in (("grid_code", UNIT_LEVEL), ("key_grid_code", KEY_LEVEL)):
        current = sources[column].astype("string").to_numpy(dtype=object)[candidates]
        current = np.array([None if pd.isna(c) else str(c) for c in current], dtype=object)
        covering = _covering(new_grids, level, points[candidates], current)
        for j, (k, code) in enumerate(zip(candidates, covering)):
            if column == "key_grid_code" and not is_key[j]:
                continue
            if current[j] != code:
                rows.update(k, **{column: code})
    return rows


def _covering(grids: pd.DataFrame, level: int, points, current) -> list[str | None]:
    """For each point, the code of a grid of ``level`` covering it: its current one if that
    still covers it, else the lowest code that does, else None."""
    out: list[str | None] = [None] * len(points)
    if not len(points):
        return out
    geoms = np.asarray(grids.geometry.values, dtype=object)
    minx, miny, maxx, maxy = shapely.total_bounds(points)
    b = shapely.bounds(geoms)
    mine = np.flatnonzero((grids["level"].to_numpy() == level) & (b[:, 0] <= maxx)
                          & (b[:, 2] >= minx) & (b[:, 1] <= maxy) & (b[:, 3] >= miny))
    if not len(mine):
        return out
    geoms = geoms[mine]
    codes = grids["grid_code"].iloc[mine].astype(str).to_numpy(dtype=object)
    point_at, grid_at = shapely.STRtree(geoms).query(points, predicate="covered_by")
    found: dict[int, list[str]] = {}
    for p, g in zip(point_at, grid_at):
        found.setdefault(int(p), []).append(codes[g])
    for p, options in found.items():
        out[p] = current[p] if current[p] in options else min(options)
    return out


def _grid_patches(project: Project, grid_rows: _Rows, regions, codes_gone=()) -> list:
    new_grids, grid_patch = grid_rows.result()
    sources = _reassign_sources(project, new_grids, regions, codes_gone)
    return [grid_patch, sources.patch()]


def _unit_regions(g: _Grids, positions, *geoms) -> list:
    """The geometries whose change can move a source between grids (levels 3 and 4)."""
    regions = [g.geoms[p] for p in positions if g.levels[p] in (UNIT_LEVEL, KEY_LEVEL)]
    return regions + [x for x in geoms if x is not None]


# ---- grid geometry edits -----------------------------------------------------------------------
@dataclass(frozen=True)
class SplitGrid(_Edit):
    """Cut grid ``grid_code`` in two along ``line`` (lon/lat). The larger part keeps the code;
    the other gets the next free code of the siblings. Children go with the part they lie in."""

    grid_code: str
    line: shapely.LineString
    # an end this close to the boundary is on it: a straight lon/lat edge is a few cm off the
    # straight metric edge per km, and a snapped click is no closer than that
    tolerance_m: float = 0.5
    _memo: dict = _memo()
    action = "split_grid"

    @property
    def label(self) -> str:
        return _("Split grid {code}").format(code=self.grid_code)

    def _plan(self, project):
        g = _Grids(project)
        i = g.at(self.grid_code)
        code = g.codes[i]
        division = g.division(g.near(g.geoms[i]))
        line = g.frame.to_metric(self.line)
        if not isinstance(line, shapely.LineString):
            raise GridEditError(_("Draw the split line as one line."))
        big, small = geo.split_grid(division[code], line, self.tolerance_m)
        shared = geo.share_new_vertices({k: v for k, v in division.items() if k != code},
                                        division[code], [big, small])
        new_code = geo.next_child_code(g.codes, g.parents[i] or None, code)
        rows = _Rows(project, schema.GRIDS)
        rows.update(i, geometry=g.to_lonlat(big))
        for k, polygon in shared.items():
            rows.update(g.pos[k], geometry=g.to_lonlat(polygon))
        for child in g.children(i):
            geometry = shared.get(g.codes[child])
            geometry = geometry if geometry is not None else g.frame.to_metric(g.geoms[child])
            if _side(geometry, big, small, g.codes[child]) == 1:
                rows.update(child, parent_code=new_code)
        original = g.frame_table.iloc[i]
        name = original["name"]
        rows.add({**_attributes(original), "grid_code": new_code,
                  "name": None if pd.isna(name) else _("{name} (split)").format(name=name),
                  "geometry": g.to_lonlat(small)}, after=i)
        return _grid_patches(project, rows, _unit_regions(g, [i]))


def _side(child, big, small, code) -> int:
    """0 if ``child`` lies in ``big``, 1 if in ``small``; refused if the split cuts it."""
    in_small = shapely.intersection(child, small).area
    in_big = shapely.intersection(child, big).area
    if min(in_small, in_big) > CHILD_SHARE * child.area:
        raise GridEditError(_("The split line cuts through grid {code} of the level below; "
                              "split or reshape that grid first.").format(code=code))
    return int(in_small > in_big)


def _attributes(row: pd.Series) -> dict:
    return {c: (None if pd.isna(row[c]) else row[c]) for c in schema.GRID_COLUMNS}


@dataclass(frozen=True)
class MergeGrids(_Edit):
    """Merge neighbouring grids of one level and parent into the largest of them."""

    grid_codes: tuple[str, ...]
    _memo: dict = _memo()
    action = "merge_grids"

    @property
    def label(self) -> str:
        return _("Merge grids {codes}").format(codes="、".join(self.grid_codes))

    def _plan(self, project):
        g = _Grids(project)
        codes = list(dict.fromkeys(map(str, self.grid_codes)))
        if len(codes) < 2:
            raise GridEditError(_("Select at least two grids to merge."))
        rows_at = [g.at(c) for c in codes]
        if len(set(g.levels[rows_at])) > 1:
            raise GridEditError(_("Only grids of the same level can be merged."))
        if len(set(g.parents[rows_at])) > 1:
            raise GridEditError(_("Only grids of the same parent grid can be merged; move them "
                                  "to one parent first."))
        division = g.division(rows_at)
        merged = geo.merge_grids([division[g.codes[p]] for p in rows_at])
        keeper = max(rows_at, key=lambda p: (division[g.codes[p]].area, -p))
        rows = _Rows(project, schema.GRIDS)
        rows.update(keeper, geometry=g.to_lonlat(merged))
        for p in rows_at:
            if p == keeper:
                continue
            rows.delete(p)
            for child in g.children(p):
                rows.update(child, parent_code=g.codes[keeper])
        gone = [g.codes[p] for p in rows_at if p != keeper]
        return _grid_patches(project, rows, _unit_regions(g, rows_at), gone)


class _VertexEdit(_Edit):
    """A topological vertex edit: ``_operate`` changes the division around grid ``grid_code``
    (in metres) and returns the polygons it changed; the rest is shared."""

    def _plan(self, project):
        g = _Grids(project)
        i = g.at(self.grid_code)
        changed = self._operate(g, g.codes[i],
                                np.asarray(g.frame.to_metric(_point(self.at)).coords[0]))
        changed = {g.pos[k]: polygon for k, polygon in changed.items()}
        rows = _Rows(project, schema.GRIDS)
        for k, polygon in changed.items():
            rows.update(k, geometry=g.to_lonlat(polygon))
        units = [k for k in changed if g.levels[k] in (UNIT_LEVEL, KEY_LEVEL)]
        regions = _unit_regions(g, units, *[g.to_lonlat(changed[k]) for k in units])
        return _grid_patches(project, rows, regions)


@dataclass(frozen=True)
class MoveVertex(_VertexEdit):
    """Move a vertex of grid ``grid_code`` from ``at`` to ``to`` (lon/lat; a whole drag is one
    edit) in every grid holding it, so neighbours and parents follow (topological editing)."""

    grid_code: str
    at: tuple[float, float]
    to: tuple[float, float]
    tolerance_m: float = 0.01
    _memo: dict = _memo()
    action = "move_vertex"

    @property
    def label(self) -> str:
        return _("Move a vertex of grid {code}").format(code=self.grid_code)

    def _operate(self, g: _Grids, code: str, start) -> dict:
        target = np.asarray(g.frame.to_metric(_point(self.to)).coords[0])
        near = dict(g.division(g.near(g.geoms[g.pos.get(code, g.at(code))])))
        vertex = geo.nearest_vertex(near[code], start, self.tolerance_m, code)
        # the moved edges run from the holders' other vertices to the target: look that far
        holders = geo.vertex_holders(near, vertex)
        reach = g.near(*[g.geoms[g.pos[k]] for k in holders], _point(self.to))
        return geo.move_vertex(g.division(reach), code, vertex, target)


@dataclass(frozen=True)
class AddVertex(_VertexEdit):
    """Insert a vertex on the edge of grid ``grid_code`` nearest ``at`` (lon/lat), in every
    grid holding that edge."""

    grid_code: str
    at: tuple[float, float]
    tolerance_m: float = 1.0
    _memo: dict = _memo()
    action = "add_vertex"

    @property
    def label(self) -> str:
        return _("Add a vertex to grid {code}").format(code=self.grid_code)

    def _operate(self, g: _Grids, code: str, xy) -> dict:
        return geo.add_vertex(g.division(g.near(g.geoms[g.at(code)])), code, xy,
                              self.tolerance_m)


@dataclass(frozen=True)
class DeleteVertex(_VertexEdit):
    """Delete the vertex of grid ``grid_code`` nearest ``at`` (lon/lat) from every grid
    holding it; a corner where grids meet cannot be deleted."""

    grid_code: str
    at: tuple[float, float]
    tolerance_m: float = 1.0
    _memo: dict = _memo()
    action = "delete_vertex"

    @property
    def label(self) -> str:
        return _("Delete a vertex of grid {code}").format(code=self.grid_code)

    def _operate(self, g: _Grids, code: str, xy) -> dict:
        return geo.delete_vertex(g.division(g.near(g.geoms[g.at(code)])), code, xy,
                                 self.tolerance_m)


@dataclass(frozen=True)
class ReshapeGrid(_Edit):
    """Replace the geometry of grid ``grid_code`` (lon/lat). Neighbours are not changed: the
    topology check then shows any gap or overlap."""

    grid_code: str
    geometry: BaseGeometry
    _memo: dict = _memo()
    action = "reshape_grid"

    @property
    def label(self) -> str:
        return _("Reshape grid {code}").format(code=self.grid_code)

    def _plan(self, project):
        g = _Grids(project)
        i = g.at(self.grid_code)
        geometry = _lonlat_polygon(self.geometry)
        rows = _Rows(project, schema.GRIDS)
        rows.update(i, geometry=geometry)
        regions = _unit_regions(g, [i], geometry if g.levels[i] in (UNIT_LEVEL, KEY_LEVEL)
                                else None)
        return _grid_patches(project, rows, regions)


@dataclass(frozen=True)
class MoveGridToParent(_Edit):
    """Give grid ``grid_code`` the parent ``parent_code`` (one level up). For a grid of a
    tiling level the two parents are reshaped too: the old one loses the grid's area and the
    new one, which must border it, gains it. A key-source grid must lie in its new parent."""

    grid_code: str
    parent_code: str
    _memo: dict = _memo()
    action = "move_grid_to_parent"

    @property
    def label(self) -> str:
        return _("Move grid {code} to {parent}").format(code=self.grid_code,
                                                        parent=self.parent_code)

    def _plan(self, project):
        g = _Grids(project)
        i, new = g.at(self.grid_code), g.at(self.parent_code)
        if g.levels[new] != g.levels[i] - 1:
            raise GridEditError(_("The new parent of a level-{level} grid must be a "
                                  "level-{parent} grid.").format(level=g.levels[i],
                                                                 parent=g.levels[i] - 1))
        if g.parents[i] == g.codes[new]:
            raise GridEditError(_("Grid {code} is in {parent} already.").format(
                code=g.codes[i], parent=g.codes[new]))
        rows = _Rows(project, schema.GRIDS)
        rows.update(i, parent_code=g.codes[new])
        division = g.division([i, new])
        grid, parent = division[g.codes[i]], division[g.codes[new]]
        if g.levels[i] >= KEY_LEVEL:
            if shapely.difference(grid, parent).area > MIN_AREA_M2:
                raise GridEditError(_("Grid {code} does not lie inside {parent}.").format(
                    code=g.codes[i], parent=g.codes[new]))
            return [rows.patch()]
        gained = shapely.union(parent, grid)
        if gained.geom_type != "Polygon":
            raise GridEditError(_("Grid {code} does not border {parent}; it can only move to "
                                  "a neighbouring parent.").format(code=g.codes[i],
                                                                   parent=g.codes[new]))
        rows.update(new, geometry=g.to_lonlat(gained))
        if g.parents[i]:
            old = g.at(g.parents[i])
            if g.parents[old] != g.parents[new]:
                raise GridEditError(_("The old and the new parent must belong to the same "
                                      "grid."))
            left = shapely.difference(g.division([old])[g.codes[old]], grid)
            if left.is_empty or left.geom_type != "Polygon":
                raise GridEditError(_("Moving grid {code} would cut {parent} into pieces.")
                                    .format(code=g.codes[i], parent=g.codes[old]))
            rows.update(old, geometry=g.to_lonlat(left))
        return [rows.patch()]


@dataclass(frozen=True)
class AddGrid(_Edit):
    """Add a grid drawn by the user (lon/lat polygon) under ``parent_code``; without a code it
    gets the next free code of its siblings."""

    name: str
    level: int
    parent_code: str | None
    geometry: BaseGeometry
    grid_code: str | None = None
    kind: str | None = None
    office_address: str | None = None
    _memo: dict = _memo()
    action = "add_grid"

    @property
    def label(self) -> str:
        return _("Add grid {name}").format(name=self.name)

    def _plan(self, project):
        g = _Grids(project)
        geometry = _lonlat_polygon(self.geometry)
        level = int(self.level)
        if self.parent_code is None:
            if level != 1:
                raise GridEditError(_("A level-{level} grid needs a parent grid.").format(
                    level=level))
        elif g.levels[g.at(self.parent_code)] != level - 1:
            raise GridEditError(_("The new parent of a level-{level} grid must be a "
                                  "level-{parent} grid.").format(level=level, parent=level - 1))
        kind = self.kind or DEFAULT_KINDS.get(level)
        if kind not in schema.GRID_KINDS:
            raise GridEditError(_("Unknown grid kind {kind}.").format(kind=kind))
        code = self.grid_code or _new_code(g, self.parent_code, level)
        if code in set(g.codes):
            raise GridEditError(_("Grid code {code} is taken.").format(code=code))
        rows = _Rows(project, schema.GRIDS)
        rows.add({"grid_code": code, "name": self.name, "level": level,
                  "parent_code": self.parent_code, "kind": kind,
                  "office_address": self.office_address, "geometry": geometry})
        regions = [geometry] if level in (UNIT_LEVEL, KEY_LEVEL) else []
        return _grid_patches(project, rows, regions)

    def _extra_changes(self, project):
        return Changes({schema.GRIDS: [self.parent_code] if self.parent_code else []})


def _new_code(g: _Grids, parent: str | None, level: int) -> str:
    siblings = sorted(c for c, p in zip(g.codes, g.parents) if p == (parent or ""))
    if siblings:
        return geo.next_child_code(g.codes, parent, siblings[0])
    first = f"{parent}{'K01' if level == KEY_LEVEL else '001'}" if parent else "001"
    return first if first not in set(g.codes) else geo.next_child_code(g.codes, parent, first)


@dataclass(frozen=True)
class DeleteGrid(_Edit):
    """Delete grid ``grid_code`` (refused while it has children); its sources are re-assigned
    to whatever grid covers them now (none: no grid)."""

    grid_code: str
    _memo: dict = _memo()
    action = "delete_grid"

    @property
    def label(self) -> str:
        return _("Delete grid {code}").format(code=self.grid_code)

    def _plan(self, project):
        g = _Grids(project)
        i = g.at(self.grid_code)
        if len(g.children(i)):
            raise GridEditError(_("Grid {code} still has {count} grids under it; move or "
                                  "delete them first.").format(code=self.grid_code,
                                                               count=len(g.children(i))))
        self._memo["parent"] = g.parents[i]
        rows = _Rows(project, schema.GRIDS)
        rows.delete(i)
        return _grid_patches(project, rows, _unit_regions(g, [i]), [g.codes[i]])

    def _extra_changes(self, project):
        parent = self._memo.get("parent")
        return Changes({schema.GRIDS: [parent] if parent else []})


# ---- sources -------------------------------------------------------------------------------------
def _source_grids(project: Project, point: shapely.Point, is_key: bool,
                  current=(None, None)) -> tuple[str, str | None]:
    grids = project.grids
    unit = _covering(grids, UNIT_LEVEL, np.array([point], dtype=object),
                     np.array([current[0]], dtype=object))[0]
    if unit is None:
        raise GridEditError(_("The point lies outside every grid of the district."))
    key = None
    if is_key:
        key = _covering(grids, KEY_LEVEL, np.array([point], dtype=object),
                        np.array([current[1]], dtype=object))[0]
    return unit, key


def _source_at(project: Project, source_id: str) -> int:
    hits = np.flatnonzero(project.sources["source_id"].astype(str).to_numpy() == str(source_id))
    if len(hits) != 1:
        raise GridEditError(_("There is no source {id}.").format(id=source_id) if not len(hits)
                            else _("Source id {id} is used {count} times.").format(
                                id=source_id, count=len(hits)))
    return int(hits[0])


@dataclass(frozen=True)
class AddSource(_Edit):
    """Add a pollution source at ``point`` (lon/lat); its grids are found from the map."""

    source_id: str
    name: str
    category: str
    point: shapely.Point
    is_key: bool = False
    address: str | None = None
    _memo: dict = _memo()
    action = "add_source"

    @property
    def label(self) -> str:
        return _("Add source {name}").format(name=self.name)

    def _plan(self, project):
        if self.category not in schema.SOURCE_CATEGORIES:
            raise GridEditError(_("Unknown source category {category}.").format(
                category=self.category))
        if (project.sources["source_id"].astype(str) == str(self.source_id)).any():
            raise GridEditError(_("Source id {id} is taken.").format(id=self.source_id))
        point = _point(self.point)
        unit, key = _source_grids(project, point, self.is_key)
        rows = _Rows(project, schema.SOURCES)
        rows.add({"source_id": self.source_id, "name": self.name, "category": self.category,
                  "grid_code": unit, "is_key": bool(self.is_key), "key_grid_code": key,
                  "address": self.address, "geometry": point})
        return [rows.patch()]


@dataclass(frozen=True)
class MoveSource(_Edit):
    """Move source ``source_id`` to ``point`` (lon/lat); its grids follow the map."""

    source_id: str
    point: shapely.Point
    _memo: dict = _memo()
    action = "move_source"

    @property
    def label(self) -> str:
        return _("Move source {id}").format(id=self.source_id)

    def _plan(self, project):
        k = _source_at(project, self.source_id)
        row = project.sources.iloc[k]
        point = _point(self.point)
        current = tuple(None if pd.isna(row[c]) else str(row[c])
                        for c in ("grid_code", "key_grid_code"))
        unit, key = _source_grids(project, point, bool(row["is_key"]), current)
        rows = _Rows(project, schema.SOURCES)
        rows.update(k, geometry=point, grid_code=unit,
                    key_grid_code=key if bool(row["is_key"]) else current[1])
        return [rows.patch()]


@dataclass(frozen=True)
class DeleteSource(_Edit):
    """Delete source ``source_id``."""

    source_id: str
    _memo: dict = _memo()
    action = "delete_source"

    @property
    def label(self) -> str:
        return _("Delete source {id}").format(id=self.source_id)

    def _plan(self, project):
        rows = _Rows(project, schema.SOURCES)
        rows.delete(_source_at(project, self.source_id))
        return [rows.patch()]


# ---- attributes and slivers ------------------------------------------------------------------
@dataclass(frozen=True)
class EditAttributes(_Edit):
    """Set ``column`` of the row ``id`` of ``table`` from ``old`` to ``new`` (refused if the
    value is no longer ``old``). Codes, levels, parents and the sources' grids are kept by the
    edits above and cannot be typed in."""

    table: str
    id: str
    column: str
    old: object
    new: object
    _memo: dict = _memo()
    action = "edit_attributes"

    @property
    def label(self) -> str:
        return _("Edit {column} of {id}").format(column=self.column, id=self.id)

    def _plan(self, project):
        if self.table not in KEYS or self.table not in project.tables:
            raise GridEditError(_("Table {table} cannot be edited here.").format(
                table=self.table))
        frame = project.tables[self.table]
        if self.column not in frame.columns or self.column in DERIVED[self.table]:
            raise GridEditError(_("Column {column} cannot be edited here.").format(
                column=self.column))
        hits = np.flatnonzero(frame[KEYS[self.table]].astype(str).to_numpy() == str(self.id))
        if len(hits) != 1:
            raise GridEditError(_("There is no row {id} in {table}.").format(
                id=self.id, table=self.table))
        k = int(hits[0])
        dtype = str(frame[self.column].dtype)
        new, old, current = (_typed(v, dtype) for v in (self.new, self.old,
                                                       frame[self.column].iloc[k]))
        if not _same(current, old):
            raise GridEditError(_("{column} of {id} changed meanwhile (now {value}); reload "
                                  "and try again.").format(column=self.column, id=self.id,
                                                           value=current))
        allowed = ALLOWED_VALUES.get((self.table, self.column))
        if allowed and new is not None and new not in allowed:
            raise GridEditError(_("{value} is not one of: {allowed}").format(
                value=new, allowed=", ".join(allowed)))
        if _same(new, current):
            raise GridEditError(_("The edit changes nothing."))
        rows = _Rows(project, self.table)
        values = {self.column: new}
        if self.table == schema.SOURCES and self.column == "is_key":
            point = frame.geometry.iloc[k]
            values["key_grid_code"] = _source_grids(project, point, True)[1] if new else None
        rows.update(k, **values)
        return [rows.patch()]


def _typed(value, dtype: str):
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    try:
        if dtype.startswith("int") or dtype.startswith("Int"):
            return int(value)
        if dtype.startswith("bool"):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "是")
            return bool(value)
        if dtype.startswith("float"):
            return float(value)
    except (TypeError, ValueError):
        raise GridEditError(_("{value} is not a valid value here.").format(value=value)) \
            from None
    return str(value)


def _same(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a == b)


@dataclass(frozen=True)
class FixSlivers(_Edit):
    """Give every gap and overlap of at most ``max_area_m2`` to the grid sharing its longest
    edge, all in one edit (see topology.fix_slivers)."""

    max_area_m2: float
    min_area_m2: float = MIN_AREA_M2
    _memo: dict = _memo()
    action = "fix_slivers"

    @property
    def label(self) -> str:
        return _("Fix slivers under {area:g} m²").format(area=self.max_area_m2)

    def _plan(self, project):
        g = _Grids(project)
        fixed = fix_slivers(project.grids, self.max_area_m2, self.min_area_m2, g.frame)
        new = np.asarray(fixed.grids.geometry.values, dtype=object)
        changed = [k for k in range(len(new)) if new[k] is not g.geoms[k]]
        if not changed:
            raise GridEditError(_("There are no slivers under {area:g} m² to fix.").format(
                area=self.max_area_m2))
        rows = _Rows(project, schema.GRIDS)
        for k in changed:
            rows.update(k, geometry=new[k])
        return _grid_patches(project, rows, _unit_regions(g, changed))


EDITS = (SplitGrid, MergeGrids, MoveVertex, AddVertex, DeleteVertex, ReshapeGrid,
         MoveGridToParent, AddGrid, DeleteGrid, AddSource, MoveSource, DeleteSource,
         EditAttributes, FixSlivers)

