"""Is the division valid? Gaps, overlaps and strays of each level against its parent; a recheck
of only what an edit touched; and slivers fixed in one step.

The seeds' principle 无缝隙、全覆盖: the level-2 grids tile the district and the level-3 grids
tile their street, with no gap and no overlap; a level-4 grid (a key source's own grid) lies in
its level-3 grid; codes are unique; geometries are valid. Predicates and cuts run on the stored
lon/lat polygons, so a problem is exactly what the stored geometry has (a straight edge in
degrees bows some 5 cm per 2 km in metres: cutting in metres would invent slivers between
grids that are not noded); areas and lengths are in the district's metric CRS (m²), from the
pieces' projected vertices.

Fast because a clean division costs almost nothing: adding up each parent's children's
directed edges and taking away the parent's proves, from shared vertices alone, that they tile
it exactly (see ``_leftovers``), with no overlay at all. Where edges are left over, only the
grids in the boxes around them are examined: GEOS' coverage validator flags those whose edges
do not match their neighbours', only those are intersected, children are tested against a
prepared parent, and a gap is cut out only where the areas leave room for one.

>>> import geopandas as gpd
>>> grids = gpd.GeoDataFrame({
...     "grid_code": ["D", "D001", "D002"], "level": [1, 2, 2], "parent_code": [None, "D", "D"]},
...     geometry=[shapely.box(113.60, 34.70, 113.62, 34.72),
...               shapely.box(113.60, 34.70, 113.61, 34.72),
...               shapely.box(113.6101, 34.70, 113.62, 34.72)], crs=4326)
>>> report = check_division(grids)
>>> report.ok, list(report.gaps["parent_code"]), round(float(report.gaps["area_m2"].iloc[0]))
(False, ['D'], 20326)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gisapp.columns import one_of
from gisapp.grids import MetricFrame, Rings, ring_coordinates
from gisapp.i18n import _
from gisapp.schema import STORAGE_CRS

TILING_LEVELS = (2, 3)  # levels whose grids must tile their parent; level 4 only lies inside
KEY_LEVEL = 4
MIN_AREA_M2 = 0.01      # gaps, overlaps and strays smaller than this are rounding, not problems
KINDS = ("invalid", "duplicate_code", "orphan", "gap", "overlap", "outside_parent",
         "key_source_outside", "source_outside")
COLUMNS = {"kind": "string", "level": "Int64", "grid_code": "string", "other_code": "string",
           "parent_code": "string", "source_id": "string", "area_m2": "float64",
           "detail": "string"}


@dataclass(frozen=True)
class TopologyReport:
    """The problems found, one row each (``COLUMNS`` + lon/lat ``geometry``), in a fixed order.

    ``scope`` is None for a check of the whole division, else the codes a neighbourhood check
    looked at: its problems are exactly the whole check's problems that involve those codes
    (a gap its parent, an overlap either grid, a stray grid itself or its parent, any other
    problem its grid).
    """

    problems: gpd.GeoDataFrame
    scope: frozenset[str] | None = None
    min_area_m2: float = MIN_AREA_M2

    @property
    def ok(self) -> bool:
        return len(self.problems) == 0

    def of_kind(self, kind: str) -> gpd.GeoDataFrame:
        return self.problems[self.problems["kind"] == kind].reset_index(drop=True)

    gaps = property(lambda self: self.of_kind("gap"))
    overlaps = property(lambda self: self.of_kind("overlap"))
    outside_parent = property(lambda self: self.of_kind("outside_parent"))
    key_sources_outside = property(lambda self: self.of_kind("key_source_outside"))
    sources_outside = property(lambda self: self.of_kind("source_outside"))
    invalid = property(lambda self: self.of_kind("invalid"))
    duplicate_codes = property(lambda self: self.of_kind("duplicate_code"))
    orphans = property(lambda self: self.of_kind("orphan"))

    def counts(self) -> dict[str, int]:
        """Problems per kind, every kind listed."""
        found = self.problems["kind"].value_counts()
        return {kind: int(found.get(kind, 0)) for kind in KINDS}

    def restricted_to(self, codes: Iterable[str]) -> TopologyReport:
        """The problems involving ``codes`` (what a neighbourhood check of them reports)."""
        codes = frozenset(map(str, codes))
        return TopologyReport(_sorted(self.problems[_involves(self.problems, codes)]), codes,
                              self.min_area_m2)

    def messages(self) -> list[str]:
        """One translated line per problem, for the CLI and the topology dock."""
        return [_message(row) for row in self.problems.itertuples(index=False)]


@dataclass(frozen=True)
class SliverFix:
    """What :func:`fix_slivers` did: the new grids, the codes it changed, and each sliver
    (kind, area_m2, geometry, ``assigned_to`` the grid that keeps it or takes it in)."""

    grids: gpd.GeoDataFrame
    changed: tuple[str, ...]
    slivers: gpd.GeoDataFrame = field(repr=False)


# ---- public checks ------------------------------------------------------------------------------
def check_division(grids: gpd.GeoDataFrame, sources: gpd.GeoDataFrame | None = None,
                   min_area_m2: float = MIN_AREA_M2,
                   frame: MetricFrame | None = None) -> TopologyReport:
    """Check the whole division (and, given ``sources``, that each source lies in its grid and
    each key source in its key grid)."""
    frame = frame or MetricFrame.around(grids.geometry.values)
    table = _Table.of(grids)
    rows = _Rows.of(table, np.arange(len(grids)), np.ones(len(grids), bool), frame)
    problems = _check(rows, table, min_area_m2, sources)
    return TopologyReport(_to_frame(problems, frame), None, min_area_m2)


def check_neighbourhood(grids: gpd.GeoDataFrame, codes: Iterable[str],
                        sources: gpd.GeoDataFrame | None = None,
                        min_area_m2: float = MIN_AREA_M2,
                        frame: MetricFrame | None = None) -> TopologyReport:
    """Recheck only what an edit of grids ``codes`` can have changed: those grids and their
    parents (the report's ``scope``), against the grids of their level they touch and their
    children. Codes no longer in ``grids`` (deleted) are ignored; pass their parent as well,
    as the edits' Changes do."""
    frame = frame or MetricFrame.around(grids.geometry.values)
    table = _Table.of(grids)
    scope = _scope(table, {str(c) for c in codes})
    scope_codes = frozenset(table.codes(scope))
    subset = _context(table, scope)
    focus = pd.Index(table.codes(subset), dtype=object).isin(list(scope_codes))
    rows = _Rows.of(table, subset, focus, frame)
    problems = _check(rows, table, min_area_m2, sources)
    return TopologyReport(_to_frame(problems, frame), scope_codes, min_area_m2)


def fix_slivers(grids: gpd.GeoDataFrame, max_area_m2: float,
                min_area_m2: float = MIN_AREA_M2,
                frame: MetricFrame | None = None) -> SliverFix:
    """Give every gap and overlap of at most ``max_area_m2`` to one grid, all in one step.

    A gap goes to the child of its parent that shares the longest edge with it; an overlap
    stays with the grid it is joined to along the longest edge and is cut from the others.
    Vertices the fix does not create stay bit-identical, so neighbours stay noded.
    """
    frame = frame or MetricFrame.around(grids.geometry.values)
    table = _Table.of(grids)
    rows = _Rows.of(table, np.arange(len(grids)), np.ones(len(grids), bool), frame)
    problems = [p for p in _check(rows, table, min_area_m2, None)
                if p["kind"] in ("gap", "overlap") and p["area_m2"] <= max_area_m2]
    # the slivers are pieces of the stored polygons, so joining or cutting them reuses the
    # stored vertices: the results are valid as stored and stay noded
    working = dict(enumerate(rows.lonlat))
    for problem in problems:
        problem["assigned_to"] = _assign_sliver(problem, rows, working)
    changed = sorted(i for i, g in working.items() if g is not rows.lonlat[i])
    out = grids.copy()
    if changed:
        geometry = np.asarray(out.geometry.values, dtype=object).copy()
        geometry[rows.at[changed]] = [working[i] for i in changed]
        out = out.set_geometry(gpd.GeoSeries(geometry, index=out.index, crs=grids.crs))
    slivers = _to_frame(problems, frame, extra=("assigned_to",))
    codes = tuple(dict.fromkeys(str(rows.codes[i]) for i in changed))
    return SliverFix(out, codes, slivers)


# ---- the grids under check ------------------------------------------------------------------------
@dataclass
class _Table:
    """The whole grids table: levels, geometries and the code columns. A check converts the
    codes of just the rows it looks at, and finds rows by code with Arrow's is_in over a
    column (a neighbourhood check makes no Python string of the table's other codes)."""

    levels: np.ndarray
    geoms: np.ndarray
    code_text: pd.Series     # grid_code as str
    parent_text: pd.Series   # parent_code as string, NA for none
    _bounds: np.ndarray | None = None

    @classmethod
    def of(cls, grids) -> _Table:
        return cls(grids["level"].to_numpy(dtype=np.int64),
                   np.asarray(grids.geometry.values, dtype=object),
                   grids["grid_code"].astype(str), grids["parent_code"].astype("string"))

    def codes(self, rows) -> np.ndarray:
        return self.code_text.iloc[rows].to_numpy(dtype=object)

    def parents(self, rows) -> np.ndarray:
        """Parent codes of ``rows``, "" for none."""
        return self.parent_text.iloc[rows].to_numpy(dtype=object, na_value="")

    def with_codes(self, codes) -> np.ndarray:
        """Rows whose code is one of ``codes``."""
        return np.flatnonzero(one_of(self.code_text, codes))

    def with_parents(self, codes) -> np.ndarray:
        """Rows whose parent code ("" for none) is one of ``codes``."""
        hit = one_of(self.parent_text, codes)
        if "" in codes:
            hit |= self.parent_text.isna().to_numpy(dtype=bool)
        return np.flatnonzero(hit)

    def counts(self, codes: np.ndarray) -> np.ndarray:
        """How many rows have each of ``codes`` (a missing code: none)."""
        found = Counter(self.codes(self.with_codes({c for c in codes if isinstance(c, str)})))
        return np.array([found.get(c, 0) for c in codes], dtype=np.int64)

    def code_levels(self, codes: np.ndarray) -> np.ndarray:
        """The level of the first row with each of ``codes`` (NaN for none)."""
        rows = self.with_codes(set(codes))
        first: dict[str, int] = {}
        for code, level in zip(self.codes(rows), self.levels[rows].tolist()):
            first.setdefault(code, level)
        return np.array([first.get(c, np.nan) for c in codes], dtype=np.float64)

    def touching(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (i, j): grid j, of the level of grid ``rows[i]``, intersects it (a bounding-box
        sweep over the table, then the exact predicate: for the few grids of an edit this is
        cheaper than building a tree)."""
        if self._bounds is None:
            self._bounds = shapely.bounds(self.geoms)
        b, mine = self._bounds, self._bounds[rows]
        which, other = np.nonzero((b[None, :, 0] <= mine[:, None, 2])
                                  & (b[None, :, 2] >= mine[:, None, 0])
                                  & (b[None, :, 1] <= mine[:, None, 3])
                                  & (b[None, :, 3] >= mine[:, None, 1])
                                  & (self.levels[None, :] == self.levels[rows][:, None]))
        hit = shapely.intersects(self.geoms[rows[which]], self.geoms[other])
        return which[hit], other[hit]


@dataclass
class _Rows:
    """The rows under check (``at`` are their positions in the grids table).

    Predicates and cuts run on the stored lon/lat polygons (``geoms``: invalid ones repaired,
    for computing only), so the pieces found are made of stored vertices and agree with what
    the edits will cut; ``area`` is each grid's area in m² (``frame.areas`` for pieces),
    projected when first asked for (a tiling proved by its edges needs none)."""

    at: np.ndarray
    codes: np.ndarray
    levels: np.ndarray
    parents: np.ndarray
    lonlat: np.ndarray
    geoms: np.ndarray
    valid: np.ndarray
    focus: np.ndarray
    frame: MetricFrame
    rings: Rings
    _area: np.ndarray | None = field(default=None, repr=False)
    _first: dict | None = field(default=None, repr=False)

    @property
    def area(self) -> np.ndarray:
        if self._area is None:
            self._area = self.frame.areas(self.geoms, self.rings)
        return self._area

    @classmethod
    def of(cls, table: _Table, at, focus, frame: MetricFrame) -> _Rows:
        lonlat = table.geoms[at]
        valid = shapely.is_valid(lonlat) & np.isin(shapely.get_type_id(lonlat), (3, 6))
        geoms = lonlat
        if not valid.all():
            geoms = lonlat.copy()
            geoms[~valid] = shapely.make_valid(lonlat[~valid], method="structure",
                                               keep_collapsed=False)
        rings = ring_coordinates(geoms)
        return cls(np.asarray(at), table.codes(at), table.levels[at], table.parents(at),
                   lonlat, geoms, valid, np.asarray(focus, bool), frame, rings)

    def parent_rows(self) -> np.ndarray:
        """Row of each row's parent (the first row of that code), -1 where it is not here."""
        return self.rows_of(self.parents)

    def rows_of(self, codes) -> np.ndarray:
        """The first row with each of ``codes``, -1 where there is none (a missing code finds
        the first row without one)."""
        if self._first is None:
            keys = [c if isinstance(c, str) else _lookup_key(c) for c in self.codes.tolist()]
            self._first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1)))
        return np.array([self._first.get(c if isinstance(c, str) else _lookup_key(c), -1)
                         for c in codes], dtype=np.int64)


# ---- the check ------------------------------------------------------------------------------------
def _check(rows: _Rows, table: _Table, min_area: float, sources) -> list[dict]:
    parent_at = rows.parent_rows()
    problems = _row_problems(rows, table)
    groups = _gap_groups(rows, parent_at)
    in_group = np.zeros(len(rows.codes), bool)
    for members in groups.values():
        in_group[members] = True
    leftovers = _leftovers(rows, groups)
    clean = _clean(rows, groups, leftovers)
    pair_overlaps = _overlaps(rows, in_group, clean, min_area, problems)
    outside = _outside(rows, parent_at, in_group, clean, min_area, problems)
    _gaps(rows, groups, leftovers, pair_overlaps, outside, min_area, problems)
    if sources is not None:
        _source_problems(rows, sources, problems)
    return problems


def _leftovers(rows: _Rows, groups: dict[int, np.ndarray]) -> dict[int, np.ndarray | None]:
    """Where each group's children fail to tile their parent: per parent, the bounding boxes
    (lon/lat, one per connected piece) of the edges left over when the children's directed
    edges are added up and the parent's taken away. No box: the children tile the parent
    exactly. None: unknown (an invalid polygon), look everywhere.

    Why this is a proof: with every ring oriented (exteriors anticlockwise, holes clockwise)
    a valid polygon's winding number is 1 inside it and 0 outside, and winding numbers add up
    over edge chains. So D = Σ 1(child) - 1(parent) changes only across left-over edges: with
    none, D = 0 everywhere (each point of the parent covered once, nothing outside it); with
    some, every gap (D = -1), overlap or stray (D > 0) is a region bounded by left-over edges,
    so it lies in the box of one of their connected pieces. Vertices are compared exactly, so
    a group that is not noded is not proved tiled: it is checked geometrically.
    """
    if not groups:
        return {}
    parents = np.fromiter(groups, dtype=np.int64, count=len(groups))
    # a street is a child in the district's group and the parent of its own: one group each
    as_child = np.full(len(rows.codes), -1, np.int64)
    as_child[np.concatenate([groups[p] for p in parents])] = np.repeat(
        np.arange(len(parents)), [len(groups[p]) for p in parents])
    as_parent = np.full(len(rows.codes), -1, np.int64)
    as_parent[parents] = np.arange(len(parents))
    boxes: dict[int, list] = {int(p): [] for p in parents}
    r = rows.rings
    keep = ((as_child >= 0) | (as_parent >= 0))[r.geometry][r.ring]
    if keep.any():
        for group, box in _left_over_boxes(r, keep, as_child, as_parent):
            boxes[int(parents[group])].append(box)
    out: dict[int, np.ndarray | None] = {p: np.array(b).reshape(-1, 4) for p, b in boxes.items()}
    for polygon in np.flatnonzero(~rows.valid):
        for group in {int(as_child[polygon]), int(as_parent[polygon])} - {-1}:
            out[int(parents[group])] = None
    return out


def _left_over_boxes(r: Rings, keep, as_child, as_parent):
    """(group, box) of each connected piece of left-over edges (see ``_leftovers``)."""
    twice_area = r.twice_areas()
    forward = np.where(r.exterior, twice_area > 0, twice_area < 0)
    vertex, points = pd.factorize(np.ascontiguousarray(r.xy[keep]).view(np.complex128).ravel())
    ring = r.ring[keep]
    same = ring[1:] == ring[:-1]
    ring, u, v = ring[:-1][same], vertex[:-1][same], vertex[1:][same]
    u, v = np.where(forward[ring], u, v), np.where(forward[ring], v, u)
    real = u != v
    ring, u, v = ring[real], u[real], v[real]
    polygon = r.geometry[ring]
    direction = np.where(u < v, 1.0, -1.0)
    a, b = np.minimum(u, v), np.maximum(u, v)
    child, parent = as_child[polygon] >= 0, as_parent[polygon] >= 0
    group = np.r_[as_child[polygon][child], as_parent[polygon][parent]]
    a, b = np.r_[a[child], a[parent]], np.r_[b[child], b[parent]]
    sign = np.r_[direction[child], -direction[parent]]
    n = len(points)
    key = (group * n + a) * n + b  # one exact number per (group, edge) while it fits
    if len(group) and int(group.max() + 1) * n * n >= 2 ** 62:
        raise OverflowError("too many vertices to number the edges")  # pragma: no cover
    code, keys = pd.factorize(key)
    left = keys[np.bincount(code, sign, minlength=len(keys)) != 0]
    if not len(left):
        return []
    group, a, b = left // (n * n), (left // n) % n, left % n
    graph = coo_matrix((np.ones(len(left)), (a, b)), shape=(n, n))
    piece = connected_components(graph, directed=False)[1][a]
    x0 = np.minimum(np.real(points[a]), np.real(points[b]))
    x1 = np.maximum(np.real(points[a]), np.real(points[b]))
    y0 = np.minimum(np.imag(points[a]), np.imag(points[b]))
    y1 = np.maximum(np.imag(points[a]), np.imag(points[b]))
    spans = pd.DataFrame({"g": group, "p": piece, "x0": x0, "y0": y0, "x1": x1, "y1": y1})
    spans = spans.groupby(["g", "p"]).agg(x0=("x0", "min"), y0=("y0", "min"),
                                          x1=("x1", "max"), y1=("y1", "max"))
    return [(g, box) for (g, _piece), box in zip(spans.index, spans.to_numpy())]


def _clean(rows: _Rows, groups, leftovers) -> np.ndarray:
    """Grids proved to overlap nothing of their level and to lie in their parent: children of
    a clean parent (a district: the only one here) away from their group's left-over boxes."""
    clean = np.zeros(len(rows.codes), bool)
    districts = np.flatnonzero(rows.levels == 1)
    clean[districts] = len(districts) == 1 and bool(rows.valid[districts].all())
    bounds = shapely.bounds(rows.geoms)
    for level in TILING_LEVELS:  # top down: a street's cleanness decides its communities'
        for parent, members in groups.items():
            boxes = leftovers.get(parent)
            if rows.levels[parent] == level - 1 and clean[parent] and boxes is not None:
                clean[members[~_meets(bounds[members], boxes)]] = True
    return clean


def _meets(bounds: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Which of ``bounds`` (n x 4) meet any of ``boxes`` (k x 4)."""
    if not len(boxes):
        return np.zeros(len(bounds), bool)
    b, k = bounds[:, None, :], boxes[None, :, :]
    return ((b[..., 0] <= k[..., 2]) & (b[..., 2] >= k[..., 0]) & (b[..., 1] <= k[..., 3])
            & (b[..., 3] >= k[..., 1])).any(axis=1)


def _row_problems(rows: _Rows, table: _Table) -> list[dict]:
    # only the focus rows' problems are reported: look up only their codes and parents'
    focus = np.flatnonzero(rows.focus)
    counts = np.zeros(len(rows.codes))
    counts[focus] = table.counts(rows.codes[focus])
    parent_level = np.full(len(rows.codes), np.nan)
    parent_level[focus] = table.code_levels(rows.parents[focus])
    orphan = (rows.levels > 1) & ~(parent_level == rows.levels - 1)
    problems = []
    for kind, hit in (("invalid", ~rows.valid), ("duplicate_code", counts > 1),
                      ("orphan", orphan)):
        for i in np.flatnonzero(hit & rows.focus):
            if kind == "invalid":
                detail = shapely.is_valid_reason(rows.lonlat[i])
            elif kind == "duplicate_code":
                detail = str(int(counts[i]))
            else:
                detail = "missing" if np.isnan(parent_level[i]) else f"level {int(parent_level[i])}"
            problems.append({"kind": kind, "level": int(rows.levels[i]), "grid_code": rows.codes[i],
                             "parent_code": rows.parents[i] or None, "detail": detail,
                             "geometry": rows.lonlat[i]})
    return problems


def _gap_groups(rows: _Rows, parent_at) -> dict[int, np.ndarray]:
    """Children of each focus parent at a tiling level (the grids its gap depends on)."""
    tiling = np.isin(rows.levels, TILING_LEVELS) & (parent_at >= 0)
    tiling &= rows.levels == rows.levels[np.maximum(parent_at, 0)] + 1
    children = np.flatnonzero(tiling)
    groups: dict[int, np.ndarray] = {}
    if not len(children):
        return groups
    order = np.argsort(parent_at[children], kind="stable")
    parents, starts = np.unique(parent_at[children][order], return_index=True)
    for parent, members in zip(parents, np.split(children[order], starts[1:])):
        if rows.focus[parent]:
            groups[int(parent)] = members
    return groups


def _overlaps(rows: _Rows, in_group, clean, min_area, problems) -> dict:
    """Overlaps between grids of one tiling level. Clean grids overlap nothing; of the others
    only those whose edges do not match their neighbours' (flagged by GEOS' coverage
    validator) can overlap, so only those are cut."""
    pair_overlaps: dict[tuple[int, int], float] = {}
    for level in TILING_LEVELS:
        members = np.flatnonzero(rows.levels == level)
        doubtful = members[~clean[members]]
        if len(members) < 2 or not len(doubtful):
            continue
        tree = shapely.STRtree(rows.geoms[members])
        _, near = tree.query(rows.geoms[doubtful], predicate="intersects")
        near = np.union1d(doubtful, members[near])
        bad = ~shapely.is_empty(shapely.coverage_invalid_edges(rows.geoms[near]))
        suspects = near[bad]
        if not len(suspects):
            continue
        # the validator flags at least one grid of an overlapping pair, not always both
        left, right = tree.query(rows.geoms[suspects], predicate="intersects")
        i, j = suspects[left], members[right]
        i, j = np.minimum(i, j), np.maximum(i, j)
        pairs = np.unique(np.c_[i, j][i < j], axis=0)
        i, j = pairs[:, 0], pairs[:, 1]
        wanted = rows.focus[i] | rows.focus[j] | (in_group[i] & in_group[j])
        i, j = i[wanted], j[wanted]
        pieces = shapely.intersection(rows.geoms[i], rows.geoms[j])
        for a, b, piece in zip(i, j, pieces):
            polygons = _polygons(piece)
            areas = rows.frame.areas(polygons)
            if areas.sum() <= 0:
                continue
            pair_overlaps[(int(a), int(b))] = float(areas.sum())
            if rows.focus[a] or rows.focus[b]:
                for polygon, area in zip(polygons, areas):
                    if area > min_area:
                        problems.append({"kind": "overlap", "level": int(rows.levels[a]),
                                         "grid_code": rows.codes[a], "other_code": rows.codes[b],
                                         "parent_code": rows.parents[a] or None,
                                         "area_m2": float(area), "geometry": polygon,
                                         "pair": (int(a), int(b))})
    return pair_overlaps


def _outside(rows: _Rows, parent_at, in_group, clean, min_area, problems) -> np.ndarray:
    """Area of each grid outside its parent (0 where the parent covers it)."""
    outside = np.zeros(len(rows.codes), np.float64)
    has_parent = parent_at >= 0
    reported = has_parent & (rows.focus | rows.focus[np.maximum(parent_at, 0)])
    wanted = np.flatnonzero((reported | in_group) & has_parent & (rows.levels >= 2) & ~clean)
    if not len(wanted):
        return outside
    parents = rows.geoms[parent_at[wanted]]
    shapely.prepare(parents)
    strays = wanted[~shapely.covers(parents, rows.geoms[wanted])]
    if not len(strays):
        return outside
    pieces = shapely.difference(rows.geoms[strays], rows.geoms[parent_at[strays]])
    for i, piece in zip(strays, pieces):
        polygons = _polygons(piece)
        area = float(rows.frame.areas(polygons).sum())
        outside[i] = area
        if reported[i] and area > min_area:
            kind = "key_source_outside" if rows.levels[i] == KEY_LEVEL else "outside_parent"
            problems.append({"kind": kind, "level": int(rows.levels[i]),
                             "grid_code": rows.codes[i], "parent_code": rows.parents[i] or None,
                             "area_m2": area, "geometry": shapely.multipolygons(polygons)})
    return outside


def _gaps(rows: _Rows, groups, leftovers, pair_overlaps, outside, min_area, problems) -> None:
    """Gaps of each focus parent not proved tiled: looked for only where the areas leave room
    for one (area(parent) - Σ area(children) + overlaps + strays bounds the gap), and only in
    the boxes of its left-over edges."""
    for parent, members in groups.items():
        boxes = leftovers.get(parent)
        if boxes is not None and not len(boxes):
            continue
        area = rows.area
        member_set = set(members.tolist())
        overlap = sum(a for (i, j), a in pair_overlaps.items()
                      if i in member_set and j in member_set)
        bound = area[parent] - area[members].sum() + overlap + outside[members].sum()
        if bound <= min_area / 2:
            continue
        region = rows.geoms[parent]
        if boxes is not None:  # the gaps lie in these boxes, so only children there count
            members = members[_meets(shapely.bounds(rows.geoms[members]), boxes)]
            margin = 1e-9 + 1e-3 * np.maximum(boxes[:, 2:] - boxes[:, :2], 0).max(axis=1)
            window = shapely.union_all(shapely.box(boxes[:, 0] - margin, boxes[:, 1] - margin,
                                                   boxes[:, 2] + margin, boxes[:, 3] + margin))
            region = shapely.intersection(region, window)
        union = shapely.union_all(rows.geoms[members]) if len(members) else shapely.Polygon()
        polygons = _polygons(shapely.difference(region, union))
        for polygon, piece_area in zip(polygons, rows.frame.areas(polygons)):
            if piece_area > min_area:
                problems.append({"kind": "gap", "level": int(rows.levels[parent]) + 1,
                                 "parent_code": rows.codes[parent],
                                 "area_m2": float(piece_area), "geometry": polygon,
                                 "parent": int(parent)})


def _source_problems(rows: _Rows, sources, problems) -> None:
    """Sources not covered by the grid named in their grid_code (or key_grid_code)."""
    points = np.asarray(sources.geometry.values, dtype=object)
    focus_codes = list(set(rows.codes[rows.focus]))
    for column in ("grid_code", "key_grid_code"):
        if column not in sources.columns:
            continue
        codes = sources[column]
        mine = np.flatnonzero(one_of(codes, focus_codes))
        if not len(mine):
            continue
        at = rows.rows_of(codes.iloc[mine].astype(str).to_numpy(dtype=object))
        strays = ~shapely.covers(rows.lonlat[at], points[mine])
        ids = sources["source_id"].iloc[mine[strays]].astype(str).to_numpy(dtype=object)
        for k, i, source_id in zip(mine[strays], at[strays], ids):
            problems.append({"kind": "source_outside", "level": int(rows.levels[i]),
                             "grid_code": rows.codes[i], "parent_code": rows.parents[i] or None,
                             "source_id": source_id, "detail": column, "geometry": points[k]})


def _lookup_key(code):
    """``code`` as a dict key under which every missing value is the same."""
    return code if isinstance(code, str) or not pd.isna(code) else None


def _polygons(geom) -> np.ndarray:
    parts = shapely.get_parts(geom)
    return parts[np.isin(shapely.get_type_id(parts), (3,))] if len(parts) else parts


# ---- neighbourhood -------------------------------------------------------------------------------
def _scope(table: _Table, codes: set[str]) -> np.ndarray:
    """Rows whose problems an edit of ``codes`` can change: those grids and their parents (the
    tilings they are in). Their overlaps with the grids around them and their children
    sticking out of them involve a scope grid, so those grids need not be in scope."""
    edited = table.with_codes(codes)
    parents = table.with_codes(set(table.parents(edited)) - {""})
    return np.unique(np.concatenate([edited, parents]))


def _context(table: _Table, scope: np.ndarray) -> np.ndarray:
    """The rows a check of ``scope`` needs: scope, the children of scope grids (for gaps and
    strays), grids of the same level touching scope grids (overlap partners) and all their
    parents."""
    if not len(scope):
        return scope
    children = table.with_parents(set(table.codes(scope)))
    partners = table.touching(scope)[1]
    rows = np.unique(np.concatenate([scope, children, partners]))
    parents = table.with_codes(set(table.parents(rows)) - {""})
    return np.unique(np.concatenate([rows, parents]))


# ---- sliver fixes ---------------------------------------------------------------------------------
def _assign_sliver(problem: dict, rows: _Rows, working: dict) -> str | None:
    """Give one sliver to a grid (changing ``working``); the grid's code, or None when no grid
    can take it (it touches none along an edge, or the result would be invalid)."""
    piece = problem["geometry"]

    def metres(line) -> float:
        return float(shapely.length(rows.frame.to_metric(line)))

    def shared(i: int) -> float:  # metres of the sliver's boundary on grid i's
        return metres(shapely.intersection(piece.boundary, working[i].boundary))
    if problem["kind"] == "gap":
        parent = problem["parent"]
        candidates = np.flatnonzero((rows.parents == rows.codes[parent])
                                    & (rows.levels == rows.levels[parent] + 1))
        near = candidates[shapely.intersects(rows.geoms[candidates], piece)]
        lengths = [shared(int(c)) for c in near]
        if not len(near) or max(lengths) <= 0:
            return None
        owner = int(near[int(np.argmax(lengths))])
        return _replace(working, owner, shapely.union(working[owner], piece), rows)
    owners = list(problem["pair"])
    # the sliver is joined to an owner along the part of its boundary that is not the owner's
    perimeter = metres(piece.boundary)
    joined = [perimeter - shared(o) for o in owners]
    keeper = owners[int(np.argmax(joined))]
    for other in owners:
        if other != keeper and _replace(working, other,
                                        shapely.difference(working[other], piece), rows) is None:
            return None
    return str(rows.codes[keeper])


def _replace(working: dict, i: int, geom, rows: _Rows) -> str | None:
    polygons = _polygons(geom)
    if not len(polygons):
        return None
    geom = polygons[0] if len(polygons) == 1 else shapely.multipolygons(polygons)
    if not geom.is_valid or (geom.geom_type != "Polygon"
                             and working[i].geom_type == "Polygon"):
        return None
    working[i] = geom
    return str(rows.codes[i])


# ---- the report frame -----------------------------------------------------------------------------
def _to_frame(problems: list[dict], frame: MetricFrame, extra=()) -> gpd.GeoDataFrame:
    if not problems:  # the usual answer after an edit: a copy of one built once
        return _no_problems(tuple(extra)).copy()
    return _frame_of(problems, extra)


@cache
def _no_problems(extra: tuple[str, ...]) -> gpd.GeoDataFrame:
    return _frame_of([], extra)


def _frame_of(problems: list[dict], extra) -> gpd.GeoDataFrame:
    types = {**COLUMNS, **dict.fromkeys(extra, "string")}
    columns = {c: pd.array([p.get(c) for p in problems], dtype=t) for c, t in types.items()}
    columns["area_m2"] = np.array([p.get("area_m2") or 0.0 for p in problems], np.float64)
    geometry = np.empty(len(problems), dtype=object)
    geometry[:] = [p.get("geometry") for p in problems]
    out = gpd.GeoDataFrame(pd.DataFrame(columns),
                           geometry=gpd.GeoSeries(geometry, crs=STORAGE_CRS))
    return _sorted(out)


def _sorted(problems: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not len(problems):
        return problems.reset_index(drop=True)
    order = pd.DataFrame({
        "kind": problems["kind"].map({k: i for i, k in enumerate(KINDS)}).astype(int),
        "level": problems["level"].fillna(0).astype(int),
        "parent": problems["parent_code"].fillna(""), "grid": problems["grid_code"].fillna(""),
        "other": problems["other_code"].fillna(""), "source": problems["source_id"].fillna(""),
        "area": -problems["area_m2"].round(3),
        "x": shapely.get_x(shapely.centroid(problems.geometry.values)).round(7),
        "y": shapely.get_y(shapely.centroid(problems.geometry.values)).round(7),
    }, index=problems.index)
    order = order.sort_values(list(order.columns), kind="stable").index
    return problems.loc[order].reset_index(drop=True)


def _involves(problems: pd.DataFrame, codes: frozenset[str]) -> np.ndarray:
    kind = problems["kind"].to_numpy(dtype=object)
    grid = problems["grid_code"].fillna("").isin(codes).to_numpy()
    other = problems["other_code"].fillna("").isin(codes).to_numpy()
    parent = problems["parent_code"].fillna("").isin(codes).to_numpy()
    strays = np.isin(kind, ["outside_parent", "key_source_outside"])
    return np.where(kind == "gap", parent, np.where(kind == "overlap", grid | other,
                                                    np.where(strays, grid | parent, grid)))


def _message(row) -> str:
    area = float(row.area_m2)
    if row.kind == "gap":
        return _("Gap of {area:,.2f} m² in grid {parent} (level-{level} grids do not cover "
                 "it)").format(area=area, parent=row.parent_code, level=row.level)
    if row.kind == "overlap":
        return _("Overlap of {area:,.2f} m² between grids {a} and {b}").format(
            area=area, a=row.grid_code, b=row.other_code)
    if row.kind == "outside_parent":
        return _("Grid {code} lies {area:,.2f} m² outside its parent {parent}").format(
            code=row.grid_code, area=area, parent=row.parent_code)
    if row.kind == "key_source_outside":
        return _("Key-source grid {code} lies {area:,.2f} m² outside its level-3 grid "
                 "{parent}").format(code=row.grid_code, area=area, parent=row.parent_code)
    if row.kind == "source_outside":
        return _("Source {source} is not inside its grid {code}").format(
            source=row.source_id, code=row.grid_code)
    if row.kind == "invalid":
        return _("Grid {code} has an invalid boundary: {reason}").format(
            code=row.grid_code, reason=row.detail)
    if row.kind == "duplicate_code":
        return _("Grid code {code} is used {count} times").format(code=row.grid_code,
                                                                 count=row.detail)
    return _("Grid {code} has no parent grid of the level above ({parent})").format(
        code=row.grid_code, parent=row.parent_code)
