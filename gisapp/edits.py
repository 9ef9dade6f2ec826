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
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.geometry.base import BaseGeometry

from gisapp import grids as geo
from gisapp import schema
from gisapp.changes import Changes
from gisapp.errors import GridEditError
from gisapp.i18n import _
from gisapp.project import Project, conform, conforms
from gisapp.topology import MIN_AREA_M2, TILING_LEVELS, fix_slivers

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
    history = []
    for patch in patches:
        old, new = (patch.before, patch.after) if forward else (patch.after, patch.before)
        frame = patch.new_table if forward and patch.new_table is not None else \
            _swap(project.tables[patch.table], old.index.to_numpy(), new)
        project.set_table(patch.table, frame)
        history.append(_history(patch.table, old, new))
        ids.setdefault(patch.table, set()).update(history[-1][1])
        geometry |= patch.geometry_changed
    project.record_edit_history(action, history, user)
    ids[schema.HISTORY] = set(map(str, project.history["edit_id"].to_numpy()[first_history:]))
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


def _history(table: str, old: pd.DataFrame, new: pd.DataFrame) -> tuple:
    """The history of rows ``old`` of ``table`` replaced by ``new``: (table, ids, before,
    after) as ``Project.record_edit_history`` takes them."""
    key = KEYS.get(table)
    old_rows = {str(r[key]): _row_dict(r) for r in _records(old)}
    new_rows = {str(r[key]): _row_dict(r) for r in _records(new)}
    ids = list(dict.fromkeys([*old_rows, *new_rows]))
    return table, ids, [old_rows.get(i) for i in ids], [new_rows.get(i) for i in ids]


def _records(frame: pd.DataFrame) -> list[dict]:
    """The rows of ``frame`` as {column: value}: the values iterrows gives, without building a
    Series per row."""
    columns = list(frame.columns)
    return [dict(zip(columns, values)) for values in frame.to_numpy(dtype=object)]


def _row_dict(row) -> dict:
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
        self._moved: np.ndarray | None = None   # after result(): old row -> new row (-1: gone)
        self._written = np.zeros(0, np.int64)   # and the new rows it wrote or added

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
        self._moved, self._written = None, updated
        if not len(updated) and not len(deleted) and not self.added:
            return old, _TablePatch(self.table, old.iloc[:0], old.iloc[:0], False)
        before = old.iloc[np.sort(np.concatenate([updated, deleted]))]
        changed = (old.iloc[updated] if len(deleted) else before).copy()
        for row, position in enumerate(updated):
            for column, value in self.updates[int(position)].items():
                changed.iat[row, changed.columns.get_loc(column)] = _na(value)
        geometry = bool(self.added or len(deleted)) and "geometry" in old.columns
        geometry |= any("geometry" in self.updates[int(p)] for p in updated)
        columns = {c for p in updated for c in self.updates[int(p)]}
        # the updated cells written into copies of their columns, the others shared
        new = _updated(old, updated, changed, [c for c in old.columns if c in columns])
        if not self.added and not len(deleted):
            # the rows after are the changed ones, where they were (labels are positions)
            after = changed if old.index.equals(pd.RangeIndex(n)) else new.iloc[updated]
            return new, _TablePatch(self.table, before, after, geometry, new)
        added = (_new_rows(self.table, [r for _, r in self.added], old) if self.added
                 else old.iloc[:0])
        # rows of [new, added] in their new order: kept rows where they were, added rows
        # after the row they follow
        keep = np.ones(n, bool)
        keep[deleted] = False
        kept = np.flatnonzero(keep)
        take = kept
        if self.added:
            at = [len(kept) if after is None else int(np.searchsorted(kept, after, "right"))
                  for after, _row in self.added]
            take = np.insert(take, at, n + np.arange(len(self.added)))
        new = _runs(new, added, take)
        after_at = np.flatnonzero((take >= n) | np.isin(take, updated))
        self._moved = np.full(n, -1, np.int64)
        self._moved[take[take < n]] = np.flatnonzero(take < n)
        self._written = after_at
        return new, _TablePatch(self.table, before, new.iloc[after_at], geometry, new)

    def patch(self) -> _TablePatch:
        return self.result()[1]

    def moved(self, rows: np.ndarray) -> np.ndarray:
        """Where the table's ``rows`` are in the last result (deleted ones dropped), with every
        row that result wrote or added."""
        at = rows if self._moved is None else self._moved[rows]
        return np.union1d(at[at >= 0], self._written)


def _updated(old: pd.DataFrame, positions: np.ndarray, changed: pd.DataFrame,
             columns) -> pd.DataFrame:
    """``old`` with the rows at ``positions`` replaced by ``changed`` (the same columns and
    dtypes, differing from them only in ``columns``): a shallow copy of ``old`` with just those
    columns written, instead of rebuilding every column of the table."""
    new = old.copy(deep=False)
    for column in columns:
        new[column] = _written(new[column].array, positions, changed[column].array)
    return new


def _written(values, positions: np.ndarray, new_values):
    """``values`` (a column's array) with ``new_values`` at ``positions`` (ascending). A
    string column is joined from Arrow slices around them, where setting items would rebuild
    it string by string (0.3 ms for the sources')."""
    text = pd.StringDtype("pyarrow")
    if values.dtype == text and new_values.dtype == text:
        old, new = pa.array(values), pa.array(new_values)
        if isinstance(old, pa.ChunkedArray):
            old = old.combine_chunks()
        if isinstance(new, pa.ChunkedArray):
            new = new.combine_chunks()
        pieces, start = [], 0
        for k, position in enumerate(positions.tolist()):
            pieces += [old[start:position], new[k:k + 1]]
            start = position + 1
        pieces.append(old[start:])
        return pd.arrays.ArrowStringArray(pa.concat_arrays(pieces))
    out = values.copy()
    out[positions] = new_values
    return out


def _runs(first: pd.DataFrame, second: pd.DataFrame, take: np.ndarray) -> pd.DataFrame:
    """The rows ``take`` of ``first`` then ``second`` (numbered on from ``len(first)``), put
    together from slices, one per run of consecutive rows: an edit adds or deletes a few rows,
    so the table is a few slices, not a row-by-row take of every column."""
    n = len(first)
    breaks = np.flatnonzero((np.diff(take) != 1) | (take[1:] == n)) + 1
    runs = [(int(run[0]), int(run[-1]) + 1) for run in np.split(take, breaks) if len(run)]
    pieces = [first.iloc[a:b] if a < n else second.iloc[a - n:b - n] for a, b in runs]
    if not pieces:
        return first.iloc[:0].reset_index(drop=True)
    return pd.concat(pieces, ignore_index=True)


def _new_rows(table: str, rows: list[dict], like: pd.DataFrame) -> pd.DataFrame:
    """``rows`` as ``conform`` makes them. When ``like`` (the table they go into) conforms and
    every value already has its column's type, as the edits give them, they are written into
    copies of its first row instead (conform would build the frame anew: 1.4 ms a call)."""
    if not len(like) or not conforms(table, like) or not all(
            _fits(dtype, row.get(column)) for row in rows
            for column, dtype in zip(like.columns, like.dtypes)):
        return conform(table, pd.DataFrame(rows))
    out = like.iloc[:1].copy() if len(rows) == 1 else \
        like.iloc[np.zeros(len(rows), np.int64)].reset_index(drop=True)
    for j, column in enumerate(out.columns):
        for i, row in enumerate(rows):
            out.iat[i, j] = _na(row.get(column))
    return out


def _fits(dtype, value) -> bool:
    """Whether ``value`` goes into a conforming column of ``dtype`` as conform would put it."""
    if isinstance(dtype, pd.StringDtype):
        return value is None or isinstance(value, str)
    if dtype == np.int64:
        return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if dtype == np.bool_:
        return isinstance(value, (bool, np.bool_))
    return isinstance(value, BaseGeometry)


def _na(value):
    return pd.NA if value is None else value


# ---- the grids around an edit --------------------------------------------------------------------
class _Grids:
    """The project's grids as arrays, and a metric frame for the edit. An edit of a few grids
    reads the codes of just those (``code``, ``codes_at``) and finds grids by code in Arrow."""

    def __init__(self, project: Project):
        self.project = project
        self.frame_table = project.grids
        self._code_text = self.frame_table["grid_code"].astype(str)
        self.levels = self.frame_table["level"].to_numpy(dtype=np.int64)
        self.geoms = np.asarray(self.frame_table.geometry.values, dtype=object)
        self.frame = _metric_frame(project, self.geoms)
        self.pos: dict[str, int] = {}
        self._metric: dict[str, BaseGeometry] = {}
        self._bounds = None
        self._at: dict[str, int] = {}

    @cached_property
    def codes(self) -> np.ndarray:
        """Every grid's code."""
        return self._code_text.to_numpy(dtype=object)

    def codes_at(self, rows) -> np.ndarray:
        """``codes[rows]``, converting only those unless every code is converted already."""
        if "codes" in self.__dict__:
            return self.codes[np.asarray(rows, dtype=np.int64)]
        return self._code_text.iloc[np.asarray(rows, dtype=np.int64)].to_numpy(dtype=object)

    def code(self, position: int) -> str:
        return self.codes_at([position])[0]

    @cached_property
    def parents(self) -> np.ndarray:
        """Each grid's parent code, "" for none (a split or vertex edit needs only
        ``parent`` and ``children``)."""
        return self.frame_table["parent_code"].astype("string").to_numpy(dtype=object,
                                                                          na_value="")

    def at(self, code: str) -> int:
        """The row of grid ``code``; refused when missing or not unique."""
        code = str(code)
        if code not in self._at:  # an edit asks for its grid more than once
            same = _arrow_equal(self._code_text, code)
            hits = np.flatnonzero(self.codes == code if same is None else same)
            if len(hits) == 0:
                raise GridEditError(_("There is no grid {code}.").format(code=code))
            if len(hits) > 1:
                raise GridEditError(_("Grid code {code} is used {count} times; make the codes "
                                      "unique first.").format(code=code, count=len(hits)))
            self._at[code] = int(hits[0])
        return self._at[code]

    def near(self, *geoms) -> np.ndarray:
        """Rows whose bounding box meets the bounding box of ``geoms`` (lon/lat)."""
        return self.near_box(shapely.total_bounds(np.array(geoms, dtype=object)))

    def near_box(self, box) -> np.ndarray:
        """Rows whose bounding box meets ``box`` (minx, miny, maxx, maxy)."""
        if self._bounds is None:
            self._bounds = shapely.bounds(self.geoms)
        minx, miny, maxx, maxy = box
        b = self._bounds
        return np.flatnonzero((b[:, 0] <= maxx) & (b[:, 2] >= minx) & (b[:, 1] <= maxy)
                              & (b[:, 3] >= miny))

    def division(self, rows: Iterable[int]) -> dict[str, BaseGeometry]:
        """The grids projected to metres so far, ``rows`` included, by code (``pos`` keeps
        each code's row); refused if two of them share a code."""
        rows = [int(r) for r in rows]
        fresh = [(r, code) for r, code in zip(rows, self.codes_at(rows))
                 if self.pos.get(code) != r]
        for r, code in fresh:
            if code in self.pos:
                raise GridEditError(_("Grid code {code} is used {count} times; make the codes "
                                      "unique first.").format(
                                          code=code, count=int((self.codes == code).sum())))
            self.pos[code] = r
        metric = self.frame.to_metric(self.geoms[np.array([r for r, _ in fresh], np.int64)])
        self._metric.update(zip((code for _, code in fresh), metric))
        return self._metric

    def parent(self, position: int) -> str:
        """``parents[position]``, without converting the whole column."""
        column = self.frame_table["parent_code"]
        if column.dtype == pd.StringDtype():  # the schema's: already what astype gives
            value = column.iloc[position]
            return "" if value is pd.NA else value
        return column.iloc[[position]].astype("string").to_numpy(dtype=object, na_value="")[0]

    def children(self, position: int) -> np.ndarray:
        """Rows whose parent is the grid at ``position``."""
        code = self.code(position)
        # a missing parent ("" in parents) is never a non-empty code
        same = _arrow_equal(self.frame_table["parent_code"], code) \
            if isinstance(code, str) and code else None
        return np.flatnonzero(self.parents == code if same is None else same)

    def codes_starting(self, *prefixes: str) -> np.ndarray:
        """The codes starting with one of ``prefixes``: all a new sibling code depends on
        (see geo.next_child_code), found without a Python loop over every grid."""
        hits = self._code_text.str.startswith(tuple(prefixes), na=True)
        return self.codes_at(np.flatnonzero(hits.to_numpy(dtype=bool)))

    def to_lonlat(self, geom):
        """A metric result back in lon/lat, refused if it is no valid polygon as stored (a
        sliver-thin part can be valid in metres and cross itself in degrees)."""
        out = self.frame.to_lonlat(geom)
        if not out.is_valid:
            raise GridEditError(_("The result would not be a valid polygon; try again a "
                                  "little differently."))
        return out


def _arrow_equal(column: pd.Series, value: str) -> np.ndarray | None:
    """``column == value`` for an Arrow string column (missing values unequal), compared in
    Arrow; None for a column of another kind."""
    if not isinstance(column.array, pd.arrays.ArrowStringArray):
        return None
    values = pa.array(column.array)
    same = pc.equal(values, pa.scalar(value, type=values.type)).fill_null(False)
    return np.asarray(same, dtype=bool)


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
                      codes_gone: Iterable[str] = (), near=None) -> _Rows:
    """Sources in ``regions`` (lon/lat geometries whose grids changed) or in a grid that is gone,
    re-assigned to the level-3 grid (and for key sources the level-4 grid) now covering them;
    a source keeps its grid while that grid still covers it. ``near(box)``, if given, gives
    the rows of ``new_grids`` that may meet a box (all the others do not)."""
    rows = _Rows(project, schema.SOURCES)
    sources = project.sources
    regions = [g for g in regions if g is not None and not g.is_empty]
    if not len(sources) or not regions:
        return rows
    points = np.asarray(sources.geometry.values, dtype=object)
    x, y = _xy(points)
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(regions, dtype=object))
    wanted = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    gone = list(map(str, codes_gone))
    for column in ("grid_code", "key_grid_code") if gone else ():
        wanted |= sources[column].astype("string").isin(gone).fillna(False).to_numpy(bool)
    candidates = np.flatnonzero(wanted)
    if not len(candidates):
        return rows
    is_key = sources["is_key"].to_numpy(dtype=bool)[candidates]
    # every source has a level-3 grid; only key sources a level-4 one
    for column, level, which in (("grid_code", UNIT_LEVEL, candidates),
                                 ("key_grid_code", KEY_LEVEL, candidates[is_key])):
        if not len(which):
            continue
        current = _strings_at(sources[column], which, "string", None)
        current = np.array([None if pd.isna(c) else str(c) for c in current], dtype=object)
        box = shapely.total_bounds(points[which])
        covering = _covering(new_grids, level, points[which], current,
                             None if near is None else near(box))
        for k, was, code in zip(which, current, covering):
            if was != code:
                rows.update(k, **{column: code})
    return rows


def _xy(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``shapely.get_x(points), shapely.get_y(points)``, read in one pass from the bounds of
    points that are all non-empty points (get_x refuses empty ones, and is NaN for others)."""
    if len(points) and (shapely.get_type_id(points) == 0).all():
        bounds = shapely.bounds(points)
        if not np.isnan(bounds).any():
            return bounds[:, 0], bounds[:, 1]
    return shapely.get_x(points), shapely.get_y(points)


def _strings_at(column: pd.Series, rows, dtype, missing) -> np.ndarray:
    """``column.iloc[rows].astype(dtype).to_numpy(dtype=object)``; for a column of the
    schema's string dtype, whose missing values that cast makes ``missing``, read directly."""
    if column.dtype == pd.StringDtype():
        return column.array[np.asarray(rows, dtype=np.int64)].to_numpy(dtype=object,
                                                                       na_value=missing)
    return column.iloc[rows].astype(dtype).to_numpy(dtype=object)


def _covering(grids: pd.DataFrame, level: int, points, current,
              rows: np.ndarray | None = None) -> list[str | None]:
    """For each point, the code of a grid of ``level`` covering it: its current one if that
    still covers it, else the lowest code that does, else None. ``rows``, if given, are the
    only rows of ``grids`` that may meet the points' bounding box."""
    out: list[str | None] = [None] * len(points)
    if not len(points):
        return out
    rows = np.arange(len(grids)) if rows is None else np.asarray(rows, dtype=np.int64)
    geoms = np.asarray(grids.geometry.values, dtype=object)[rows]
    minx, miny, maxx, maxy = shapely.total_bounds(points)
    b = shapely.bounds(geoms)
    near = np.flatnonzero((grids["level"].to_numpy()[rows] == level) & (b[:, 0] <= maxx)
                          & (b[:, 2] >= minx) & (b[:, 1] <= maxy) & (b[:, 3] >= miny))
    mine = rows[near]
    if not len(mine):
        return out
    geoms = geoms[near]
    codes = _strings_at(grids["grid_code"], mine, str, np.nan)
    point_at, grid_at = shapely.STRtree(geoms).query(points, predicate="covered_by")
    found: dict[int, list[str]] = {}
    for p, g in zip(point_at, grid_at):
        found.setdefault(int(p), []).append(codes[g])
    for p, options in found.items():
        out[p] = current[p] if current[p] in options else min(options)
    return out


def _grid_patches(project: Project, g: _Grids, grid_rows: _Rows, regions,
                  codes_gone=()) -> list:
    new_grids, grid_patch = grid_rows.result()
    # the grids near a box: those of the table near it (their bounds known) where they are
    # now, and every grid the edit wrote
    sources = _reassign_sources(project, new_grids, regions, codes_gone,
                                lambda box: grid_rows.moved(g.near_box(box)))
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
        code = g.code(i)
        division = g.division(g.near(g.geoms[i]))
        line = g.frame.to_metric(self.line)
        if not isinstance(line, shapely.LineString):
            raise GridEditError(_("Draw the split line as one line."))
        big, small = geo.split_grid(division[code], line, self.tolerance_m)
        shared = geo.share_new_vertices({k: v for k, v in division.items() if k != code},
                                        division[code], [big, small])
        parent = g.parent(i)
        new_code = geo.next_child_code(g.codes_starting(parent, code), parent or None, code)
        big, small = _stored_parts(g, big, small)
        shared = {g.pos[k]: g.to_lonlat(polygon) for k, polygon in shared.items()}
        rows = _Rows(project, schema.GRIDS)
        rows.update(i, geometry=big)
        for k, polygon in shared.items():
            rows.update(k, geometry=polygon)
        for child in g.children(i):
            if _side(shared.get(child, g.geoms[child]), big, small, g.code(child),
                     g.frame) == 1:
                rows.update(child, parent_code=new_code)
        original = g.frame_table.iloc[i]
        name = original["name"]
        rows.add({**_attributes(original), "grid_code": new_code,
                  "name": None if pd.isna(name) else _("{name} (split)").format(name=name),
                  "geometry": small}, after=i)
        return _grid_patches(project, g, rows, _unit_regions(g, [i]))


def _stored_parts(g: _Grids, *parts) -> list:
    """The parts of a split in lon/lat; refused if a ring of one turns the other way there: a
    piece thinner than the few cm a lon/lat edge bows off the metric one folds over its
    neighbour when stored (a valid polygon, overlapping)."""
    stored = [g.to_lonlat(part) for part in parts]
    rings = shapely.get_rings(np.array(parts, dtype=object))
    if (shapely.is_ccw(rings) != shapely.is_ccw(shapely.get_rings(
            np.array(stored, dtype=object)))).any():
        raise GridEditError(_("The split could not be computed exactly; draw the line again a "
                              "little differently."))
    return stored


def _side(child, big, small, code, frame: geo.MetricFrame) -> int:
    """0 if ``child`` lies in ``big``, 1 if in ``small``; refused if the split cuts it.

    Measured as check_division measures a stray (the stored lon/lat polygons, areas in m²):
    the child goes with the part it sticks out of least, and the split is refused when that is
    more than MIN_AREA_M2, which the check would report as the child outside its parent.
    """
    outside = []
    for part in (big, small):
        if shapely.covers(part, child):
            return len(outside)
        pieces = shapely.get_parts(shapely.difference(child, part))
        outside.append(float(frame.areas(pieces).sum()))
    if min(outside) > MIN_AREA_M2:
        raise GridEditError(_("The split line cuts through grid {code} of the level below; "
                              "split or reshape that grid first.").format(code=code))
    return int(outside[1] < outside[0])


def _attributes(row: pd.Series) -> dict:
    values = row.to_dict()
    return {c: (None if pd.isna(values[c]) else values[c]) for c in schema.GRID_COLUMNS}


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
        return _grid_patches(project, g, rows, _unit_regions(g, rows_at), gone)


class _VertexEdit(_Edit):
    """A topological vertex edit: ``_operate`` changes the division around grid ``grid_code``
    (in metres) and returns the polygons it changed; the rest is shared."""

    def _plan(self, project):
        g = _Grids(project)
        i = g.at(self.grid_code)
        changed = self._operate(g, g.code(i),
                                np.asarray(g.frame.to_metric(_point(self.at)).coords[0]))
        changed = {g.pos[k]: polygon for k, polygon in changed.items()}
        rows = _Rows(project, schema.GRIDS)
        for k, polygon in changed.items():
            rows.update(k, geometry=g.to_lonlat(polygon))
        units = [k for k in changed if g.levels[k] in (UNIT_LEVEL, KEY_LEVEL)]
        regions = _unit_regions(g, units, *[g.to_lonlat(changed[k]) for k in units])
        return _grid_patches(project, g, rows, regions)


@dataclass(frozen=True)
class MoveVertex(_VertexEdit):
    """Move a vertex of grid ``grid_code`` from ``at`` to ``to`` (lon/lat; a whole drag is one
    edit) in every grid holding it, so neighbours and parents follow (topological editing;
    junctions within geo.JUNCTION_M are kept too, see geo.move_vertex)."""

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
        near = dict(g.division(_padded(g, g.geoms[g.pos.get(code, g.at(code))])))
        vertex = geo.nearest_vertex(near[code], start, self.tolerance_m, code)
        # the moved edges run from the holders' other vertices to the target: look that far
        holders = geo.vertex_holders(near, vertex, geo.JUNCTION_M)
        reach = _padded(g, *[g.geoms[g.pos[k]] for k in holders], _point(self.to))
        division = g.division(reach)
        return geo.move_vertex(division, code, vertex, target,
                               parents=_tiling_parents(g, division), min_area_m2=MIN_AREA_M2)


def _tiling_parents(g: _Grids, division) -> dict[str, str]:
    """The parent of each grid of ``division`` at a level that tiles its parent."""
    codes = list(division)
    rows = np.array([g.pos[k] for k in codes], dtype=np.int64)
    tiling = np.flatnonzero((g.levels[rows][:, None] == np.array(TILING_LEVELS)).any(axis=1))
    parents = _strings_at(g.frame_table["parent_code"], rows[tiling], "string", None)
    return {codes[i]: parent for i, parent in zip(tiling.tolist(), parents) if parent}


def _padded(g: _Grids, *geoms) -> np.ndarray:
    """The rows near ``geoms`` as ``g.near`` finds them, in a box grown by 1e-6° (0.11 m
    north-south, 0.05 m east-west at 63°N): a grid with a vertex geo.JUNCTION_M outside the
    box of ``geoms`` takes part in a topological move too."""
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(geoms, dtype=object))
    return g.near_box((minx - 1e-6, miny - 1e-6, maxx + 1e-6, maxy + 1e-6))


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
        return _grid_patches(project, g, rows, regions)


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
        return _grid_patches(project, g, rows, regions)

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
        return _grid_patches(project, g, rows, _unit_regions(g, [i]), [g.codes[i]])

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
        return _grid_patches(project, g, rows, _unit_regions(g, changed))


EDITS = (SplitGrid, MergeGrids, MoveVertex, AddVertex, DeleteVertex, ReshapeGrid,
         MoveGridToParent, AddGrid, DeleteGrid, AddSource, MoveSource, DeleteSource,
         EditAttributes, FixSlivers)

