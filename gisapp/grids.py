"""Grid geometry edits as pure functions: split, merge, topological vertex edits, snapping.

Functions take shapely polygons in a metric CRS (metres) and return new ones; nothing here reads
or writes a project (gisapp.edits does). A *division* maps a key (a grid code, or a row number)
to the polygon of one grid, of any level. Neighbours, parents and children share a vertex when
they hold exactly the same coordinates; the vertex edits move, insert or remove it in every
polygon that holds it (topological editing, as in QGIS), so a tiling stays exact. A move also
keeps the junctions that imported data left a few millimetres off (``node_junctions``).

:class:`MetricFrame` takes the stored lon/lat geometries to the district's metric CRS and back:
every vertex an edit did not create comes back bit-identical, and a new vertex shared by
several grids comes back as the same lon/lat in all of them.

>>> left, right = shapely.box(0, 0, 50, 100), shapely.box(50, 0, 100, 100)
>>> big, small = split_grid(left, shapely.LineString([(-5, 70), (55, 70)]))
>>> round(big.area), round(small.area)
(3500, 1500)
>>> division = {"L": left, "R": right}
>>> moved = move_vertex(division, "L", (50, 100), (60, 100), snap_tolerance=1.0)
>>> sorted(moved), round(moved["L"].area + moved["R"].area)
(['L', 'R'], 10000)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from gisapp.crs import metric_crs_for
from gisapp.errors import GridEditError
from gisapp.i18n import _
from gisapp.schema import STORAGE_CRS

# A vertex an edit computes on an edge (a crossing of the split line) lies within rounding of
# that edge: a few 1e-10 m at coordinates of 1e6 m. Closer than this, a point is on the edge.
ON_EDGE_M = 1e-6
# A vertex of another grid this close to a vertex that is moved, or to an edge ending there, is
# on it: a junction the data did not node exactly (coordinates rounded to 1e-6° are up to 5 cm
# off; a straight lon/lat edge is a few cm off the straight metric edge per km). Real boundaries
# have such junctions up to some millimetres off, and no vertex between 1 cm and 50 cm off.
JUNCTION_M = 0.05
Division = Mapping[object, BaseGeometry]


# ---- lon/lat <-> metric without moving shared vertices ----------------------------------------
@cache
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


class MetricFrame:
    """The district's metric CRS, and a memory of every lon/lat vertex taken into it.

    ``to_lonlat`` gives a vertex that came from ``to_metric`` its original lon/lat back, bit
    for bit; only vertices an edit created are projected back, and equal metric vertices (a
    new vertex shared by two grids) become equal lon/lat vertices.

    >>> frame = MetricFrame("EPSG:4547")
    >>> square = shapely.box(113.6, 34.7, 113.61, 34.71)
    >>> frame.to_lonlat(frame.to_metric(square)).equals_exact(square, 0)
    True
    """

    def __init__(self, crs: str):
        self.crs = crs
        self._forward = _transformer(STORAGE_CRS, crs)
        self._inverse = _transformer(crs, STORAGE_CRS)
        self._metric: list[np.ndarray] = []
        self._lonlat: list[np.ndarray] = []
        self._index: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def around(cls, geoms) -> MetricFrame:
        """The frame of the CGCS2000 3-degree zone at the centre of ``geoms`` (lon/lat)."""
        minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geoms, dtype=object))
        return cls(metric_crs_for((minx + maxx) / 2, (miny + maxy) / 2))

    def areas(self, geoms, rings: Rings | None = None) -> np.ndarray:
        """Areas in m² of lon/lat polygons, as if projected vertex by vertex (straight metric
        edges), without building the projected geometries; nothing is remembered. ``rings``
        may pass ``ring_coordinates(geoms)`` when the caller has it already.

        >>> frame = MetricFrame("EPSG:4547")
        >>> square = shapely.box(113.6, 34.7, 113.61, 34.71)
        >>> bool(np.isclose(frame.areas([square])[0], frame.to_metric(square).area, rtol=1e-12))
        True
        """
        rings = rings or ring_coordinates(geoms)
        if not len(rings.xy):
            return np.zeros(rings.count)
        x, y = self._forward.transform(rings.xy[:, 0], rings.xy[:, 1])
        ring_area = np.abs(rings.twice_areas(np.column_stack([x, y]))) / 2
        return np.bincount(rings.geometry, np.where(rings.exterior, ring_area, -ring_area),
                           minlength=rings.count)

    def to_metric(self, geoms):
        """Project lon/lat geometries (one or an array) to metres, remembering each vertex."""
        return shapely.transform(geoms, self._project)

    def to_lonlat(self, geoms):
        """Project metric geometries back: remembered vertices exactly, new ones by pyproj."""
        return shapely.transform(geoms, self._unproject)

    def _project(self, lonlat: np.ndarray) -> np.ndarray:
        if not len(lonlat):
            return lonlat
        x, y = self._forward.transform(lonlat[:, 0], lonlat[:, 1])
        metric = np.column_stack([x, y])
        self._metric.append(metric)
        self._lonlat.append(np.array(lonlat, dtype=np.float64))
        self._index = None
        return metric

    def _unproject(self, xy: np.ndarray) -> np.ndarray:
        if not len(xy):
            return xy
        lon, lat = self._inverse.transform(xy[:, 0], xy[:, 1])
        out = np.column_stack([lon, lat])
        if self._metric:
            keys, order, lonlat = self._lookup()
            wanted = _keys(xy)
            at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
            known = keys[at] == wanted
            out[known] = lonlat[order[at[known]]]
        return out

    def _lookup(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._index is None:
            keys = _keys(np.concatenate(self._metric))
            order = np.argsort(keys, kind="stable")
            self._index = (keys[order], order, np.concatenate(self._lonlat))
        return self._index


class Rings:
    """Every ring's vertices of an array of polygons, without building ring objects: ``xy``,
    ``ring`` (of each vertex), ``geometry`` (of each ring), ``exterior`` (per ring)."""

    def __init__(self, xy, ring, geometry, exterior, count):
        self.xy, self.ring, self.geometry, self.exterior, self.count = (xy, ring, geometry,
                                                                        exterior, count)

    def twice_areas(self, xy: np.ndarray | None = None) -> np.ndarray:
        """Signed doubled area of each ring (anticlockwise > 0), in ``xy``'s units (default
        the stored coordinates), each relative to its first vertex to avoid cancellation."""
        xy = self.xy if xy is None else xy
        starts = np.searchsorted(self.ring, np.arange(len(self.exterior)))
        first = starts[self.ring]
        x, y = xy[:, 0] - xy[first, 0], xy[:, 1] - xy[first, 1]
        same = self.ring[1:] == self.ring[:-1]
        return np.bincount(self.ring[:-1][same], (x[:-1] * y[1:] - x[1:] * y[:-1])[same],
                           minlength=len(self.exterior))


def ring_coordinates(geoms) -> Rings:
    """The rings of polygons and multipolygons (anything else counts as empty) as arrays."""
    geoms = np.asarray(geoms, dtype=object).ravel()
    if not len(geoms):
        return Rings(np.zeros((0, 2)), np.zeros(0, np.int64), np.zeros(0, np.int64),
                     np.zeros(0, bool), 0)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    geoms = np.where(polygonal, geoms, shapely.Polygon())
    kind, xy, offsets = shapely.to_ragged_array(geoms)
    if kind == shapely.GeometryType.POLYGON:
        ring_offsets, part_offsets = offsets
        geometry_of_part = np.arange(len(geoms))
    else:
        ring_offsets, part_offsets, geometry_offsets = offsets
        geometry_of_part = np.repeat(np.arange(len(geoms)), np.diff(geometry_offsets))
    rings = len(ring_offsets) - 1
    part_of_ring = np.repeat(np.arange(len(part_offsets) - 1), np.diff(part_offsets))
    exterior = np.zeros(rings, bool)
    exterior[part_offsets[:-1][np.diff(part_offsets) > 0]] = True
    return Rings(xy, np.repeat(np.arange(rings), np.diff(ring_offsets)),
                 geometry_of_part[part_of_ring], exterior, len(geoms))


def _keys(xy: np.ndarray) -> np.ndarray:
    """One exact, sortable key per (x, y) pair: the pair read as a complex number."""
    return np.ascontiguousarray(xy, dtype=np.float64).reshape(-1, 2).view(np.complex128).ravel()


# ---- split and merge -------------------------------------------------------------------------
def split_grid(polygon, line, tolerance: float = 0.01,
               min_area_m2: float = 1.0) -> tuple[shapely.Polygon, shapely.Polygon]:
    """Cut ``polygon`` in two along ``line``: (the larger part, the smaller part).

    The line must cross the polygon once, from edge to edge; an end within ``tolerance`` of the
    boundary counts as on it (it is put exactly on the nearest vertex, or on the edge). Every
    vertex of the polygon is kept exactly; the crossings become new vertices of both parts.

    >>> a, b = split_grid(shapely.box(0, 0, 10, 10), shapely.LineString([(4, 0), (4, 10)]))
    >>> a.area, b.area
    (60.0, 40.0)
    """
    polygon = _single_polygon(polygon)
    line = _split_line(line)
    polygon, line = _attach_ends(polygon, line, tolerance)
    if not shapely.intersects(line, polygon) or shapely.touches(line, polygon):
        raise GridEditError(_("The split line does not cross the grid."))
    parts = _cut(polygon, line)
    if len(parts) < 2:
        raise GridEditError(_("The split line must cross the grid from one edge to another."))
    if len(parts) > 2:
        raise GridEditError(_("The split line cuts the grid into {n} pieces; draw it so that "
                              "it crosses the grid once.").format(n=len(parts)))
    parts = sorted(parts, key=lambda p: -p.area)
    if parts[1].area < min_area_m2:
        raise GridEditError(_("The split would leave a piece of {area:.2f} m²; the smallest "
                              "grid allowed is {minimum:g} m².").format(area=parts[1].area,
                                                                       minimum=min_area_m2))
    _require_vertices_kept(polygon, parts)
    return parts[0], parts[1]


def merge_grids(polygons: Sequence[BaseGeometry]) -> shapely.Polygon:
    """One polygon covering ``polygons``, which must form one piece joined along edges.

    >>> merge_grids([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]).area
    2.0
    """
    polygons = [_polygonal(p) for p in polygons]
    if len(polygons) < 2:
        raise GridEditError(_("Select at least two grids to merge."))
    merged = shapely.union_all(np.array(polygons, dtype=object))
    if merged.geom_type != "Polygon":
        raise GridEditError(_("The grids do not all touch along an edge, so they cannot be "
                              "merged into one grid."))
    return merged


def next_child_code(codes: Iterable[str], parent_code: str | None, like: str) -> str:
    """A new code for a sibling of ``like``: the next free number in the siblings' pattern.

    >>> next_child_code(["410199001001", "410199001002"], "410199001", "410199001001")
    '410199001003'
    >>> next_child_code(["410199001001K01", "410199001001K02"], "410199001001",
    ...                 "410199001001K01")
    '410199001001K03'
    >>> next_child_code(["D", "D001", "D001001", "D001002"], "D", "D001")  # not grandchildren
    'D002'
    >>> next_child_code(["A", "A-2"], None, "A")
    'A-3'
    """
    taken = set(map(str, codes))
    parent = parent_code or ""
    suffix = like[len(parent):] if like.startswith(parent) else ""
    match = re.fullmatch(r"(\D*)(\d+)", suffix)
    if parent and match:
        prefix, width = match.group(1), len(match.group(2))
        pattern = re.compile(re.escape(parent + prefix) + r"(\d{%d})" % width)
        siblings = (c for c in taken if c.startswith(parent + prefix))
        used = [int(m.group(1)) for m in map(pattern.fullmatch, siblings) if m]
        number = max(used, default=0) + 1
        while f"{parent}{prefix}{number:0{width}d}" in taken:
            number += 1
        return f"{parent}{prefix}{number:0{width}d}"
    number = 2
    while f"{like}-{number}" in taken:
        number += 1
    return f"{like}-{number}"


def share_new_vertices(division: Division, original, new_geoms) -> dict:
    """Put the vertices that ``new_geoms`` added on the edges of ``original`` into every
    polygon of ``division`` holding the same edge (neighbours and parents of a split grid).

    Returns the changed polygons by key; ``division`` should not hold ``original`` itself.

    >>> left, right = shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)
    >>> a, b = split_grid(left, shapely.LineString([(-1, 4), (12, 4)]))
    >>> share_new_vertices({"R": right}, left, [a, b])["R"].exterior.coords[:]
    [(20.0, 0.0), (20.0, 10.0), (10.0, 10.0), (10.0, 4.0), (10.0, 0.0), (20.0, 0.0)]
    """
    old = _keys(shapely.get_coordinates(original))
    coords = np.unique(shapely.get_coordinates(np.asarray(new_geoms, dtype=object)), axis=0)
    fresh = coords[~np.isin(_keys(coords), old)]
    if not len(fresh):
        return {}
    start, end = _segments(original)
    insertions = []
    for point in fresh:
        distance = _segment_distances(start, end, point)
        j = int(np.argmin(distance))
        if distance[j] <= ON_EDGE_M:
            insertions.append((start[j], end[j], point))
    return insert_on_edges(division, insertions)


def insert_on_edges(division: Division, insertions) -> dict:
    """Insert points into every polygon holding their edge: ``insertions`` are
    (edge start, edge end, point); returns the changed polygons by key."""
    by_edge: dict[tuple, list[np.ndarray]] = {}
    for a, b, point in insertions:
        by_edge.setdefault(_edge_key(a, b), []).append(np.asarray(point, dtype=np.float64))
    if not by_edge:
        return {}
    ends = _keys(np.array([end for edge in by_edge for end in edge]))
    changed = {}
    for key in _holding_any(division, ends):  # a polygon holding no end holds no edge
        geom = division[key]
        parts = _rings(geom)
        touched = False
        for rings in parts:
            for r, ring in enumerate(rings):
                new_ring = _insert_in_ring(ring, by_edge)
                if new_ring is not ring:
                    rings[r] = new_ring
                    touched = True
        if touched:
            changed[key] = _from_rings(parts, geom)
    return changed


def _holding_any(division: Division, keys: np.ndarray) -> list:
    """Keys of the polygons in ``division`` holding a vertex among ``keys`` (see ``_keys``),
    in the division's order."""
    names = list(division)
    if not names:
        return []
    coords, index = shapely.get_coordinates(np.array([division[k] for k in names], dtype=object),
                                            return_index=True)
    return [names[i] for i in np.unique(index[np.isin(_keys(coords), keys)])]


# ---- topological vertex edits ------------------------------------------------------------------
def move_vertex(division: Division, grid_code, old_xy, new_xy,
                snap_tolerance: float = 0.0, junction_m: float = JUNCTION_M,
                parents: Mapping | None = None, min_area_m2: float = 0.01) -> dict:
    """Move the vertex of grid ``grid_code`` nearest ``old_xy`` (within ``snap_tolerance``)
    to ``new_xy`` in every polygon of ``division`` that holds it; returns those polygons.

    A junction the data did not node exactly (within ``junction_m``) is kept too: a vertex of
    another grid that close to the vertex moves with it, and one that close to an edge ending
    at the vertex becomes a vertex of that edge, so the edge turns there as the neighbour's
    boundary does instead of leaving it (see ``node_junctions``).

    Refused when a polygon would become invalid, or a moved edge would cross a boundary it did
    not cross before (the move would open an overlap with a grid that does not share the
    vertex), or, given ``parents`` (each grid of a tiling level -> its parent's key), when a
    gap, overlap or stray among the children of a parent would grow by more than
    ``min_area_m2`` (see ``_refuse_worse_tilings``). ``grid_code`` is the grid's key in
    ``division``.

    >>> a = shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100)])
    >>> b = shapely.Polygon([(100, 0), (200, 0), (200, 50), (100, 50)])  # on A's edge
    >>> moved = move_vertex({"A": a, "B": b}, "A", (100, 100), (110, 100))
    >>> sorted(moved), moved["A"].exterior.coords[:4]  # A's edge turns at B's corner
    (['A'], [(0.0, 0.0), (100.0, 0.0), (100.0, 50.0), (110.0, 100.0)])
    """
    vertex = _vertex_near(division, grid_code, old_xy, snap_tolerance)
    target = np.asarray(new_xy, dtype=np.float64).reshape(2)
    star = _Star.around(division, vertex, junction_m)
    noded = {**division, **star.noded} if star.noded else division
    moved = {k: shapely.remove_repeated_points(_replace_vertex(noded[k], vertex, target))
             for k in star.holders}
    ends = np.unique(star.ends, axis=0)
    old_edges = [(u, vertex) for u in ends]
    new_edges = [(u, target) for u in ends if not np.array_equal(u, target)]
    _refuse_broken(noded, moved, vertex, old_edges, new_edges,
                   _("Moving the vertex would make grid {code} cross itself or another grid."))
    if parents is not None:
        _refuse_worse_tilings(division, moved, star, target, parents, min_area_m2)
    return moved


def add_vertex(division: Division, grid_code, xy, snap_tolerance: float) -> dict:
    """Insert a vertex on the edge of grid ``grid_code`` nearest ``xy`` (within
    ``snap_tolerance``), at the point of the edge nearest ``xy``, in every polygon holding that
    edge; returns the changed polygons."""
    start, end = _segments(division[grid_code])
    point = np.asarray(xy, dtype=np.float64).reshape(2)
    distance = _segment_distances(start, end, point)
    j = int(np.argmin(distance))
    if distance[j] > snap_tolerance:
        raise GridEditError(_("There is no edge of grid {code} within reach of that point.")
                            .format(code=grid_code))
    foot = _foot(start[j], end[j], point)
    if np.array_equal(foot, start[j]) or np.array_equal(foot, end[j]):
        raise GridEditError(_("There is a vertex there already."))
    return insert_on_edges(division, [(start[j], end[j], foot)])


def delete_vertex(division: Division, grid_code, xy, snap_tolerance: float) -> dict:
    """Delete the vertex of grid ``grid_code`` nearest ``xy`` from every polygon holding it.

    Only a vertex inside one shared boundary can go (all holders have the same two neighbouring
    vertices); a corner where grids meet cannot, or a gap or overlap would open.
    """
    vertex = _vertex_near(division, grid_code, xy, snap_tolerance)
    holders = vertex_holders(division, vertex)
    ends = _star_ends(division, holders, vertex)
    if len(ends) != 2:
        raise GridEditError(_("This vertex is a corner where grids meet; it cannot be "
                              "deleted without opening a gap or an overlap."))
    changed = {}
    for key in holders:
        parts = _rings(division[key])
        for rings in parts:
            for r, ring in enumerate(rings):
                if _ring_holds(ring, vertex):
                    rings[r] = _drop_from_ring(ring, vertex)
                    if len(rings[r]) < 4:
                        raise GridEditError(_("A grid needs at least three vertices."))
        changed[key] = _from_rings(parts, division[key])
    _refuse_broken(division, changed, vertex, [(ends[0], vertex), (ends[1], vertex)],
                   [(ends[0], ends[1])],
                   _("Deleting the vertex would make grid {code} cross itself or another "
                     "grid."))
    return changed


def vertex_holders(division: Division, vertex, tolerance: float = 0.0) -> list:
    """Keys of the polygons in ``division`` that hold ``vertex`` exactly (or, given a
    ``tolerance``, a vertex that close to it)."""
    keys = list(division)
    if not keys:
        return []
    geoms = np.array([division[k] for k in keys], dtype=object)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    if tolerance > 0:
        hit = np.hypot(coords[:, 0] - vertex[0], coords[:, 1] - vertex[1]) <= tolerance
    else:
        hit = (coords[:, 0] == vertex[0]) & (coords[:, 1] == vertex[1])
    return [keys[i] for i in np.unique(index[hit])]


def node_junctions(division: Division, vertex, tolerance: float) -> dict:
    """The polygons around ``vertex`` noded at the junctions within ``tolerance`` of it that
    the data left unnoded, so that a topological move keeps them; returns the changed
    polygons by key.

    A vertex closer than ``tolerance`` to ``vertex`` (a twin) becomes ``vertex`` exactly, so
    its grid holds the vertex too; then a vertex of another grid closer than ``tolerance`` to
    an edge ending at ``vertex`` (and farther from both its ends) is inserted in that edge.

    >>> a = shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100)])
    >>> b = shapely.Polygon([(100.001, 0), (200, 0), (200, 50), (100, 50.001)])
    >>> noded = node_junctions({"A": a, "B": b}, (100, 0), 0.01)
    >>> noded["A"].exterior.coords[1:3], noded["B"].exterior.coords[0]
    ([(100.0, 0.0), (100.0, 50.001)], (100.0, 0.0))
    """
    return _Star.around(division, vertex, tolerance).noded


class _Star:
    """The edges at ``vertex`` over every polygon holding it (``holders``), once the junctions
    within a tolerance of it are noded (``noded``: the polygons that changed): for each edge
    its polygon's key (``owner``), other end (``ends``) and side (``sign``, see
    ``_star_edges``)."""

    def __init__(self, vertex, holders, noded, owner, ends, sign):
        self.vertex, self.holders, self.noded = vertex, holders, noded
        self.owner, self.ends, self.sign = owner, ends, sign

    @classmethod
    def around(cls, division: Division, vertex, tolerance: float) -> _Star:
        keys = list(division)
        vertex = np.asarray(vertex, dtype=np.float64).reshape(2)
        if not keys:
            return cls(vertex, [], {}, [], np.zeros((0, 2)), np.zeros(0, np.int64))
        geoms = np.array([division[k] for k in keys], dtype=object)
        xy, owner = shapely.get_coordinates(geoms, return_index=True)
        distance = np.hypot(xy[:, 0] - vertex[0], xy[:, 1] - vertex[1])
        twins = (distance <= tolerance) & (distance > 0)
        noded = {keys[i]: shapely.remove_repeated_points(_snap_vertices(geoms[i], vertex,
                                                                        tolerance))
                 for i in np.unique(owner[twins])}
        xy[twins] = vertex
        holders = np.unique(owner[distance <= max(tolerance, 0.0)])
        star = _star_edges([noded.get(keys[i], geoms[i]) for i in holders], vertex)
        edge_owner, ends = holders[star[0]], star[1]
        edge, points = (_junctions(xy, owner, distance, vertex, edge_owner, ends, tolerance)
                        if tolerance > 0 else (np.zeros(0, np.int64), np.zeros((0, 2))))
        for i in np.unique(edge_owner[edge]):
            by_edge: dict[tuple, dict[tuple, np.ndarray]] = {}
            for e, point in zip(edge[edge_owner[edge] == i], points[edge_owner[edge] == i]):
                by_edge.setdefault(_edge_key(vertex, ends[e]), {})[tuple(point)] = point
            by_edge = {key: list(on_edge.values()) for key, on_edge in by_edge.items()}
            geom = noded.get(keys[i], geoms[i])
            parts = [[_insert_in_ring(ring, by_edge) for ring in part] for part in _rings(geom)]
            noded[keys[i]] = _from_rings(parts, geom)
        if len(edge):  # the edges now end at the junctions
            star = _star_edges([noded.get(keys[i], geoms[i]) for i in holders], vertex)
        return cls(vertex, [keys[i] for i in holders], noded,
                   [keys[i] for i in holders[star[0]]], star[1], star[2])


def nearest_vertex(geom, xy, tolerance: float, name="") -> np.ndarray:
    """The vertex of ``geom`` nearest ``xy``, exactly; refused if it is farther than
    ``tolerance`` (the message names the grid ``name``)."""
    coords = shapely.get_coordinates(geom)
    distance = np.hypot(*(coords - np.asarray(xy, dtype=np.float64).reshape(2)).T)
    i = int(np.argmin(distance))
    if distance[i] > tolerance:
        raise GridEditError(_("There is no vertex of grid {code} within reach of that point.")
                            .format(code=name))
    return coords[i]


def snap(point, candidates, tolerance: float) -> shapely.Point:
    """``point`` snapped to the nearest vertex of ``candidates`` within ``tolerance``, else to
    the nearest point on their edges within ``tolerance``, else ``point`` itself.

    >>> cells = [shapely.box(0, 0, 10, 10)]
    >>> snap(shapely.Point(9.6, 3), cells, 1).coords[:], snap(shapely.Point(9.6, 9.7), cells, 1).coords[:]
    ([(10.0, 3.0)], [(10.0, 10.0)])
    """
    point = point if isinstance(point, shapely.Point) else shapely.Point(*np.ravel(point)[:2])
    geoms = np.asarray(candidates, dtype=object).ravel()
    geoms = geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)] if len(geoms) else geoms
    if not len(geoms):
        return point
    xy = np.asarray(point.coords[0])
    coords = shapely.get_coordinates(geoms)
    distance = np.hypot(*(coords - xy).T)
    i = int(np.argmin(distance))
    if distance[i] <= tolerance:
        return shapely.Point(coords[i])
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    edges = np.where(polygonal, shapely.boundary(geoms), geoms)
    edges = edges[shapely.get_dimensions(edges) >= 1]
    if len(edges):
        distance = shapely.distance(edges, point)
        j = int(np.argmin(distance))
        if distance[j] <= tolerance:
            return shapely.get_point(shapely.shortest_line(edges[j], point), 0)
    return point


# ---- private steps ------------------------------------------------------------------------------
def _single_polygon(geom) -> shapely.Polygon:
    geom = _polygonal(geom)
    if geom.geom_type != "Polygon":
        raise GridEditError(_("This grid has several separate parts; split one part at a time "
                              "by reshaping it first."))
    return geom


def _polygonal(geom) -> BaseGeometry:
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise GridEditError(_("A grid must be a polygon."))
    if geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
        geom = geom.geoms[0]  # the project stores every grid as a MultiPolygon
    if not geom.is_valid:
        raise GridEditError(_("The grid's boundary crosses itself ({reason}); repair it "
                              "first.").format(reason=shapely.is_valid_reason(geom)))
    return geom


def _split_line(line) -> shapely.LineString:
    if line is None or line.geom_type != "LineString" or line.is_empty:
        raise GridEditError(_("Draw the split line as one line."))
    line = shapely.remove_repeated_points(line)
    if len(line.coords) < 2 or line.length == 0:
        raise GridEditError(_("Draw the split line as one line."))
    return line


def _attach_ends(polygon, line, tolerance):
    """Ends of the line within ``tolerance`` of the boundary move onto it exactly: onto the
    nearest vertex, or onto a vertex inserted in the edge there."""
    coords = shapely.get_coordinates(line)
    for end in (0, len(coords) - 1):
        point = coords[end]
        start, stop = _segments(polygon)
        distance = _segment_distances(start, stop, point)
        j = int(np.argmin(distance))
        if distance[j] > tolerance:
            continue
        vertices = shapely.get_coordinates(polygon)
        near = np.hypot(*(vertices - point).T)
        k = int(np.argmin(near))
        if near[k] <= tolerance:
            coords[end] = vertices[k]
        else:
            foot = _foot(start[j], stop[j], point)
            polygon = next(iter(insert_on_edges({0: polygon}, [(start[j], stop[j], foot)])
                                .values()), polygon)
            coords[end] = foot
    return polygon, shapely.LineString(coords)


def _cut(polygon, line) -> list:
    linework = shapely.union(polygon.boundary, line)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(linework)))
    shapely.prepare(polygon)
    inside = shapely.contains(polygon, shapely.point_on_surface(faces))
    return list(faces[inside])


def _require_vertices_kept(polygon, parts) -> None:
    kept = np.isin(_keys(shapely.get_coordinates(polygon)),
                   _keys(shapely.get_coordinates(np.array(parts, dtype=object))))
    if not kept.all():
        raise GridEditError(_("The split could not be computed exactly; draw the line again a "
                              "little differently."))


def _rings(geom) -> list[list[np.ndarray]]:
    """The rings of each polygon of ``geom``, exterior first, as closed coordinate arrays."""
    parts = []
    for polygon in shapely.get_parts(geom):
        rings = [shapely.get_coordinates(polygon.exterior)]
        rings += [shapely.get_coordinates(r) for r in polygon.interiors]
        parts.append(rings)
    return parts


def _from_rings(parts, like) -> BaseGeometry:
    polygons = [shapely.Polygon(rings[0], rings[1:]) for rings in parts]
    if len(polygons) == 1 and like.geom_type == "Polygon":
        return polygons[0]
    return shapely.MultiPolygon(polygons)


def _segments(geom) -> tuple[np.ndarray, np.ndarray]:
    starts, ends = [], []
    for rings in _rings(geom):
        for ring in rings:
            starts.append(ring[:-1])
            ends.append(ring[1:])
    return np.concatenate(starts), np.concatenate(ends)


def _segment_distances(start, end, point) -> np.ndarray:
    d = end - start
    length2 = np.einsum("ij,ij->i", d, d)
    t = np.clip(np.einsum("ij,ij->i", point - start, d) / np.where(length2 > 0, length2, 1),
                0, 1)
    return np.hypot(*(start + t[:, None] * d - point).T)


def _foot(a, b, point) -> np.ndarray:
    d = b - a
    t = float(np.clip(np.dot(point - a, d) / np.dot(d, d), 0, 1))
    return a + t * d


def _edge_key(a, b) -> tuple:
    a, b = tuple(map(float, a)), tuple(map(float, b))
    return (a, b) if a <= b else (b, a)


def _insert_in_ring(ring: np.ndarray, by_edge: dict) -> np.ndarray:
    pieces, last, touched = [], 0, False
    ends = _keys(np.array([end for edge in by_edge for end in edge]))
    for i in np.flatnonzero(np.isin(_keys(ring[:-1]), ends)):
        points = by_edge.get(_edge_key(ring[i], ring[i + 1]))
        if not points:
            continue
        along = sorted(points, key=lambda p: float(np.hypot(*(p - ring[i]))))
        pieces.extend([ring[last:i + 1], np.array(along)])
        last, touched = i + 1, True
    if not touched:
        return ring
    pieces.append(ring[last:])
    return np.concatenate(pieces)


def _snap_vertices(geom, vertex, tolerance):
    """``geom`` with every vertex within ``tolerance`` of ``vertex`` put exactly on it."""
    def snap_to(xy):
        hit = np.hypot(xy[:, 0] - vertex[0], xy[:, 1] - vertex[1]) <= tolerance
        xy = xy.copy()
        xy[hit] = vertex
        return xy
    return shapely.transform(geom, snap_to)


def _star_edges(geoms, vertex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The edges of ``geoms`` (polygons) ending at ``vertex``: the position in ``geoms`` of
    each, its other end, and +1 where it leaves ``vertex`` with the polygon on its left (-1:
    it comes in so), whatever way the ring is stored."""
    parts, part_of = shapely.get_parts(np.array(geoms, dtype=object), return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, at_ring = shapely.get_coordinates(rings, return_index=True)
    at = np.flatnonzero((xy[:, 0] == vertex[0]) & (xy[:, 1] == vertex[1]))
    start = np.searchsorted(at_ring, at_ring[at])
    size = np.searchsorted(at_ring, at_ring[at], "right") - start - 1  # open ring
    keep = at - start < size
    at, start, size = at[keep], start[keep], size[keep]
    local = at - start
    other = np.r_[start + (local - 1) % size, start + (local + 1) % size]
    # the polygon is on the left of an anticlockwise exterior and of a clockwise hole
    exterior = np.r_[True, ring_of[1:] != ring_of[:-1]]
    forward = np.where(shapely.is_ccw(rings) == exterior, 1, -1)[at_ring[at]]
    sign = np.r_[-forward, forward]
    real = ~((xy[other, 0] == vertex[0]) & (xy[other, 1] == vertex[1]))
    return part_of[ring_of[at_ring[other[real]]]], xy[other[real]], sign[real]


def _junctions(xy, owner, distance, vertex, edge_owner, ends, tolerance):
    """The vertices ``xy`` (of polygons ``owner``, ``distance`` from ``vertex``) of another
    polygon within ``tolerance`` of an edge from ``vertex`` to ``ends`` (of polygons
    ``edge_owner``) and farther than that from both its ends: (edge, point) pairs as two
    arrays."""
    if not len(ends):
        return np.zeros(0, np.int64), np.zeros((0, 2))
    d = ends - vertex
    length = np.hypot(d[:, 0], d[:, 1])
    near = np.flatnonzero((distance > tolerance) & (distance <= length.max() + tolerance))
    rel = xy[near] - vertex
    t = np.clip(rel @ d.T / (length * length), 0, 1)                  # points x edges
    off = np.hypot(rel[:, :1] - t * d[:, 0], rel[:, 1:] - t * d[:, 1])
    past = np.hypot(rel[:, :1] - d[:, 0], rel[:, 1:] - d[:, 1])
    point, edge = np.nonzero((off <= tolerance) & (past > tolerance)
                             & (owner[near][:, None] != edge_owner))
    return edge, xy[near[point]]


def _ring_holds(ring, vertex) -> bool:
    return bool(((ring[:, 0] == vertex[0]) & (ring[:, 1] == vertex[1])).any())


def _drop_from_ring(ring, vertex) -> np.ndarray:
    open_ring = ring[:-1]
    keep = ~((open_ring[:, 0] == vertex[0]) & (open_ring[:, 1] == vertex[1]))
    open_ring = open_ring[keep]
    return np.vstack([open_ring, open_ring[:1]])


def _replace_vertex(geom, vertex, target):
    def replace(xy):
        hit = (xy[:, 0] == vertex[0]) & (xy[:, 1] == vertex[1])
        xy = xy.copy()
        xy[hit] = target
        return xy
    return shapely.transform(geom, replace)


def _vertex_near(division: Division, key, xy, tolerance) -> np.ndarray:
    if key not in division:
        raise GridEditError(_("There is no grid {code}.").format(code=key))
    return nearest_vertex(division[key], xy, tolerance, key)


def _star_ends(division: Division, holders, vertex) -> list[np.ndarray]:
    """The distinct vertices joined to ``vertex`` by an edge, over every polygon holding it."""
    ends: dict[tuple, np.ndarray] = {}
    for key in holders:
        for rings in _rings(division[key]):
            for ring in rings:
                open_ring = ring[:-1]
                for i in np.flatnonzero((open_ring[:, 0] == vertex[0])
                                        & (open_ring[:, 1] == vertex[1])):
                    for j in (i - 1, (i + 1) % len(open_ring)):
                        ends.setdefault(tuple(open_ring[j]), open_ring[j])
    return list(ends.values())


def _refuse_broken(division: Division, changed: dict, vertex, old_edges, new_edges,
                   message: str) -> None:
    """Refuse a vertex edit that leaves a polygon invalid, or whose new edges cross a boundary
    that the edges they replace did not cross (a gap or an overlap with a third grid)."""
    for key, geom in changed.items():
        if geom.is_empty or not geom.is_valid or geom.area <= 0:
            raise GridEditError(message.format(code=key))
    if not new_edges:
        return
    new = shapely.linestrings([np.array(e) for e in new_edges])
    old = shapely.linestrings([np.array(e) for e in old_edges])
    box = shapely.box(*shapely.total_bounds(new))
    keys = list(division)
    near = shapely.intersects(shapely.envelope(np.array([division[k] for k in keys],
                                                        dtype=object)), box)
    keys = [k for k, hit in zip(keys, near) if hit]
    statics = np.array([_boundary_without(division[k], vertex) for k in keys], dtype=object)
    present = ~shapely.is_empty(statics)
    keys = [k for k, p in zip(keys, present) if p]
    statics = statics[present]
    if not len(statics):
        return
    crosses_new = shapely.relate_pattern(new[:, None], statics[None, :], "T********").any(0)
    crosses_old = shapely.relate_pattern(old[:, None], statics[None, :], "T********").any(0)
    worse = np.flatnonzero(crosses_new & ~crosses_old)
    if len(worse):
        raise GridEditError(message.format(code=keys[worse[0]]))


def _refuse_worse_tilings(before: Division, after: dict, star: _Star, target,
                          parents: Mapping, min_area_m2: float) -> None:
    """Refuse a vertex move (``before`` -> the polygons ``after``; ``star`` the edges at the
    vertex) that enlarges a gap, an overlap or a stray among the children of a parent
    (``parents``: child -> parent key).

    Where a parent's children tile it noded, the edges at the vertex cancel out: each child's
    edge is a neighbour's the other way round, or the parent's the same way. Then no move of
    the vertex changes how often the children cover any point, less the parent (the winding
    numbers of topology._leftovers). Only for a parent whose edges there do not cancel (the
    vertex is on a gap, overlap or stray already), or when the data had to be noded first,
    are the areas around the move compared, before and after.
    """
    tiling_parents = set(parents.values())
    residual: dict[tuple, int] = {}
    for key, end, s in zip(star.owner, map(tuple, star.ends.tolist()), star.sign.tolist()):
        if key in parents:
            residual[(parents[key], end)] = residual.get((parents[key], end), 0) + s
        if key in tiling_parents:
            residual[(key, end)] = residual.get((key, end), 0) - s
    if star.noded:
        groups = {parents[k] for k in star.holders if k in parents}
        groups |= set(star.holders) & tiling_parents
    else:
        groups = {group for (group, _end), total in residual.items() if total}
    if not groups:
        return
    # every edge that changes runs from the vertex (or a twin within 1 m) to one of the ends
    points = np.vstack([star.vertex.reshape(1, 2), np.reshape(target, (1, 2)), star.ends])
    window = shapely.box(*(points.min(axis=0) - 1.0), *(points.max(axis=0) + 1.0))
    for group in sorted(groups, key=str):
        children = [k for k in before if parents.get(k) == group]
        old = _tiling_areas(before.get(group), [before[k] for k in children], window)
        new = _tiling_areas(after.get(group, before.get(group)),
                            [after.get(k, before[k]) for k in children], window)
        growth = max(b - a for a, b in zip(old, new))
        if growth > min_area_m2:
            raise GridEditError(_("Moving the vertex would enlarge a gap or an overlap among "
                                  "the grids in {parent} by {area:,.2f} m² (they do not meet "
                                  "edge to edge there); fix that first.").format(
                                      parent=group, area=growth))


def _tiling_areas(parent, children, window) -> tuple[float, float, float]:
    """(gap, overlap, stray) of ``children`` in ``parent`` (None: no parent), within
    ``window``."""
    pieces = shapely.intersection(np.array(children, dtype=object), window)
    union = shapely.union_all(pieces)
    overlap = float(shapely.area(pieces).sum()) - union.area
    if parent is None:
        return 0.0, overlap, 0.0
    region = shapely.intersection(parent, window)
    return (shapely.difference(region, union).area, overlap,
            shapely.difference(union, region).area)


def _boundary_without(geom, vertex) -> BaseGeometry:
    """The boundary of ``geom`` minus the edges that end at ``vertex`` (open paths)."""
    paths = []
    for rings in _rings(geom):
        for ring in rings:
            open_ring = ring[:-1]
            at = np.flatnonzero((open_ring[:, 0] == vertex[0]) & (open_ring[:, 1] == vertex[1]))
            if not len(at):
                paths.append(ring)
                continue
            path = np.roll(open_ring, -int(at[0]), axis=0)[1:]
            if len(path) >= 2:
                paths.append(path)
    if not paths:
        return shapely.MultiLineString()
    return shapely.MultiLineString(paths)
