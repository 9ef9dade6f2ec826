"""GridLayer: the grids of one level, outlined (level 4 also filled), with names for labels."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields

import geopandas as gpd
import numpy as np
import shapely
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen

from gisapp.columns import one_of
from gisapp.layers.base import Label, MapLayer
from gisapp.layers.legend import LegendEntry, Symbol
from gisapp.layers.paths import path_from_arrays, polygon_rings
from gisapp.layers.render import map_transform, painted_extent
from gisapp.layers.styles import GRID_STYLES, GridStyle
from gisapp.layers.view import Extent, MapView, lonlat_to_map, union_extent

# Grids per chunk aimed at: enough that a district of 10,000 grids is a few dozen paths, few
# enough that an edit rebuilds a path of a few hundred grids, not thousands.
CHUNK_GRIDS = 200

_Tile = tuple[int, int]


@dataclass(frozen=True)
class _Chunk:
    """The grids whose label anchors fall in one tile, in the order of their codes."""

    tile: _Tile
    rows: _GridRows
    extent: Extent  # the union of their bounds
    width: np.ndarray  # map width of each grid
    x: np.ndarray  # the vertices of their rings, in map metres
    y: np.ndarray
    ring_starts: np.ndarray  # where each ring begins in x, y
    ring_grids: np.ndarray  # the grid (row) each ring belongs to
    path: QPainterPath  # all their rings

    @classmethod
    def build(cls, tiles: dict[_Tile, _GridRows]) -> dict[_Tile, _Chunk]:
        """The chunks of these tiles, their grids in code order; the rings of all of them are
        read and projected at once (per chunk, the calls would cost more than the work)."""
        tiles = {tile: rows.by_code() for tile, rows in tiles.items()}
        everything = _GridRows.concat(list(tiles.values()))
        xy, starts, owners = polygon_rings(everything.geometries, return_index=True)
        x, y = lonlat_to_map(xy[:, 0], xy[:, 1]) if len(xy) else (np.empty(0), np.empty(0))
        x, y = np.asarray(x, float), np.asarray(y, float)
        ends = np.append(starts, len(x))
        sizes = [len(rows) for rows in tiles.values()]
        first_grid = np.cumsum([0, *sizes])
        first_ring = np.searchsorted(owners, first_grid)  # rings follow their grids' order
        chunks = {}
        for k, (tile, rows) in enumerate(tiles.items()):
            r0, r1 = first_ring[k], first_ring[k + 1]
            v0, v1 = ends[r0], ends[r1]
            b = rows.bounds  # they hold every ring (and the lines of a collection, not drawn)
            extent = (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()),
                      float(b[:, 3].max()))
            chunks[tile] = cls(tile, rows, extent, b[:, 2] - b[:, 0], x[v0:v1], y[v0:v1],
                               starts[r0:r1] - v0, owners[r0:r1] - first_grid[k],
                               path_from_arrays(x[v0:v1], y[v0:v1], starts[r0:r1] - v0))
        return chunks

    def _index(self, code: str) -> int:
        return int(np.flatnonzero(self.rows.codes == code)[0])

    def rings_of(self, code: str) -> list[np.ndarray]:
        """The rings of grid ``code`` as (n, 2) arrays of map metres."""
        ends = np.append(self.ring_starts, len(self.x))
        return [np.c_[self.x[ends[k]:ends[k + 1]], self.y[ends[k]:ends[k + 1]]]
                for k in np.flatnonzero(self.ring_grids == self._index(code))]

    def bounds_of(self, code: str) -> Extent:
        return tuple(self.rows.bounds[self._index(code)])

    def anchor_of(self, code: str) -> tuple[float, float]:
        i = self._index(code)
        return float(self.rows.label_x[i]), float(self.rows.label_y[i])

    def path_in(self, extent: Extent, outlines_only: bool = False) -> QPainterPath | None:
        """The rings of the grids reaching into ``extent``: a partial redraw, or a close
        zoom, strokes only those, not the whole chunk. With ``outlines_only`` (nothing is
        filled) a ring none of whose edges comes near ``extent`` is left out too: the
        district's boundary, far from an edited community inside it, is not stroked again
        (stroking a long ring with a wide pen costs milliseconds even when clipped away)."""
        hit = _meets(self.rows.bounds, extent)
        if hit.all() and not outlines_only:
            return self.path
        rings = hit[self.ring_grids]
        counts = np.diff(np.append(self.ring_starts, len(self.x)))
        if outlines_only and rings.any():
            rings &= self._rings_with_edges_in(extent, rings, counts)
        if rings.all():
            return self.path
        if not rings.any():
            return None
        kept = counts[rings]
        vertices = np.repeat(rings, counts)
        return path_from_arrays(self.x[vertices], self.y[vertices], np.cumsum(kept) - kept)


    def _rings_with_edges_in(self, extent: Extent, rings: np.ndarray,
                             counts: np.ndarray) -> np.ndarray:
        """Which of the ``rings`` have an edge whose box meets ``extent`` (an edge that does
        not cannot be stroked into it)."""
        ring_of = np.repeat(np.arange(len(counts)), counts)
        a = np.flatnonzero(rings[ring_of])
        if len(a) < 2:
            return np.zeros(len(counts), bool)
        a, b = a[:-1], a[1:]
        edge = (b == a + 1) & (ring_of[a] == ring_of[b])
        x0, x1 = np.minimum(self.x[a], self.x[b]), np.maximum(self.x[a], self.x[b])
        y0, y1 = np.minimum(self.y[a], self.y[b]), np.maximum(self.y[a], self.y[b])
        xmin, ymin, xmax, ymax = extent
        near = edge & (x0 <= xmax) & (x1 >= xmin) & (y0 <= ymax) & (y1 >= ymin)
        found = np.zeros(len(counts), bool)
        found[ring_of[a[near]]] = True
        return found


def _contains(outer: Extent, inner: Extent) -> bool:
    return (outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2]
            and outer[3] >= inner[3])


def _meets(bounds: np.ndarray, extent: Extent) -> np.ndarray:
    """Which of the (n, 4) bounds meet ``extent``."""
    xmin, ymin, xmax, ymax = extent
    b = np.asarray(bounds, float).reshape(-1, 4)
    return (b[:, 0] <= xmax) & (b[:, 2] >= xmin) & (b[:, 1] <= ymax) & (b[:, 3] >= ymin)


class GridLayer(MapLayer):
    """All grids of ``level`` from a grids table (EPSG:4326), in map metres.

    The grids are kept in chunks, one per tile of a square lattice in map metres holding the
    grid's label anchor; the tile side is a power of two sized so that a chunk holds about
    CHUNK_GRIDS grids, and it stays the same for the life of the layer. Chunks are drawn in
    tile order and the grids of a chunk in code order: an order the table's row order does not
    decide, so a layer updated after edits draws exactly as one built anew from the edited
    table. A paint draws only the chunks that reach into the view (or into the painter's
    clip, when only part of the image is redrawn), as one path, so that strokes and fills of
    neighbouring chunks join exactly as in one path of all grids; ``update`` rebuilds only the
    chunks an edit touched. The pen is cosmetic so line widths stay in pixels at every zoom.
    """

    def __init__(self, grids: gpd.GeoDataFrame, level: int, name: str,
                 style: GridStyle | None = None, key: str | None = None):
        super().__init__(name, key or f"grids:{level}")
        self.level = level
        self.style = style or GRID_STYLES[level]
        rows = _GridRows.of(grids, grids["level"].to_numpy() == level)
        self._tile_size = _tile_size(rows)
        self._chunks: dict[_Tile, _Chunk] = {}
        self._tile_of: dict[str, _Tile] = {}
        self._store_chunks({tile: rows.take(index)
                            for tile, index in _group(self._tiles_of(rows)).items()})
        self._labels_shown = True

    def __len__(self) -> int:
        return sum(len(chunk.rows) for chunk in self._chunks.values())

    def extent(self) -> Extent | None:
        return union_extent(chunk.extent for chunk in self._chunks.values())

    # ---- edits -----------------------------------------------------------------------------
    def update(self, grids: gpd.GeoDataFrame, codes: Iterable[str]) -> None:
        """Take the grids table after an edit that added, changed or deleted the grids
        ``codes`` (codes no longer in the table, or at another level, leave this layer).

        Only the chunks those grids were in or go into are built again; the listeners hear of
        the change with the map extent where the drawing changed: around the edges a grid
        lost or gained, or all of a grid that came, went or moved to another chunk (and so
        is drawn at another turn). Codes that neither were nor are at this level change
        nothing.
        """
        codes = {str(code) for code in codes}
        chosen = ((grids["level"].to_numpy() == self.level)
                  & one_of(grids["grid_code"], codes))
        gone = [code for code in codes if code in self._tile_of]
        if not chosen.any() and not gone:
            return
        edited = _GridRows.of(grids, chosen)
        old_tiles = {code: self._tile_of.pop(code) for code in gone}
        new_tiles = dict(zip(edited.codes.tolist(), self._tiles_of(edited)))
        old_chunks = {tile: self._chunks[tile] for tile in old_tiles.values()}
        parts = {tile: [] for tile in {*old_tiles.values(), *new_tiles.values()}}
        for tile, part in parts.items():  # the grids of the tile the edit left as they were
            if tile in self._chunks:
                rows = self._chunks[tile].rows
                part.append(rows.take(~np.isin(rows.codes, list(codes))))
        for tile, index in _group(list(new_tiles.values())).items():
            parts[tile].append(edited.take(index))
        self._store_chunks({tile: _GridRows.concat(part) for tile, part in parts.items()})
        self.changed(union_extent(
            _drawn_change(old_chunks.get(old_tiles.get(code)),
                          self._chunks.get(new_tiles.get(code)), code)
            for code in {*old_tiles, *new_tiles}))

    def _tiles_of(self, rows: _GridRows) -> list[_Tile]:
        tx = np.floor(rows.label_x / self._tile_size).astype(np.int64)
        ty = np.floor(rows.label_y / self._tile_size).astype(np.int64)
        return list(zip(tx.tolist(), ty.tolist()))

    def _store_chunks(self, tiles: dict[_Tile, _GridRows]) -> None:
        """Build the chunks of these tiles from their grids, dropping those left empty."""
        for tile in [tile for tile, rows in tiles.items() if not len(rows)]:
            self._chunks.pop(tile, None)
        built = _Chunk.build({tile: rows for tile, rows in tiles.items() if len(rows)})
        for tile, chunk in built.items():
            self._chunks[tile] = chunk
            self._tile_of.update(dict.fromkeys(chunk.rows.codes.tolist(), tile))
        # drawn (and labelled) in tile order, whatever order the edits left the dict in
        self._chunks = dict(sorted(self._chunks.items()))
        self._chunk_extents = np.array([c.extent for c in self._chunks.values()],
                                       float).reshape(-1, 4)

    def _chunks_in(self, extent: Extent | None) -> list[_Chunk]:
        if extent is None or not len(self._chunk_extents):
            return []
        chunks = list(self._chunks.values())
        return [chunks[i] for i in np.flatnonzero(_meets(self._chunk_extents, extent))]

    # ---- styles ----------------------------------------------------------------------------
    def style_state(self) -> dict:
        return {**super().style_state(), "line_color": self.style.line_color,
                "line_width": self.style.line_width, "labels": self.labels_shown}

    def apply_style_state(self, state: dict) -> None:
        super().apply_style_state(state)
        changes = {}
        color = state.get("line_color")
        if isinstance(color, str) and QColor.isValidColorName(color):
            changes["line_color"] = QColor(color).name()
        width = state.get("line_width")
        if isinstance(width, (int, float)) and 0.5 <= width <= 10:
            changes["line_width"] = float(width)
        self.set_style(**changes)
        if isinstance(state.get("labels"), bool):
            self.labels_shown = state["labels"]

    def set_style(self, **changes) -> None:
        """Change fields of the GridStyle (line_color, line_width ...) and redraw."""
        style = GridStyle(**{**self.style.__dict__, **changes})
        if style != self.style:
            self.style = style
            self.changed()

    @property
    def labels_shown(self) -> bool:
        return self._labels_shown

    @labels_shown.setter
    def labels_shown(self, value: bool) -> None:
        if bool(value) != self._labels_shown:
            self._labels_shown = bool(value)
            self.changed()

    def legend(self) -> list[LegendEntry]:
        style = self.style
        if style.fill_color:
            symbol = Symbol("fill", style.line_color, style.line_width, style.fill_color,
                            style.fill_opacity)
        else:
            symbol = Symbol("line", style.line_color, style.line_width)
        return [LegendEntry(self.name, symbol)]

    def paint(self, painter: QPainter, view: MapView) -> None:
        # a grid just outside the painted area still reaches into it by half its outline
        extent = painted_extent(painter, view, self.style.line_width / 2 + 1)
        if extent is None:
            return
        # part of the view (a redraw of what an edit changed): only outlines passing there
        partial = not self.style.fill_color and not _contains(extent, view.extent)
        paths = [path for chunk in self._chunks_in(extent)
                 if (path := chunk.path_in(extent, partial)) is not None]
        if not paths:
            return
        path = paths[0]
        if len(paths) > 1:  # one path: shared edges and fills join as within a chunk
            path = QPainterPath(path)
            for more in paths[1:]:
                path.addPath(more)
        pen = QPen(QColor(self.style.line_color), self.style.line_width)
        pen.setCosmetic(True)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if self.style.fill_color:
            fill = QColor(self.style.fill_color)
            fill.setAlphaF(self.style.fill_opacity)
            painter.setBrush(QBrush(fill))
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setWorldTransform(map_transform(view), True)
        painter.drawPath(path)

    def labels(self, view: MapView) -> list[Label]:
        """Names of the grids wide enough on screen to hold them, anchored inside each grid."""
        style = self.style
        if not style.label_pixel_size or not self._labels_shown:
            return []
        chunks = self._chunks_in(view.extent)
        if not chunks:
            return []
        names = np.concatenate([c.rows.names for c in chunks])
        px, py = view.to_pixel(np.concatenate([c.rows.label_x for c in chunks]),
                               np.concatenate([c.rows.label_y for c in chunks]))
        width = np.concatenate([c.width for c in chunks]) / view.scale
        shown = ((width >= style.label_min_width) & (px >= 0) & (px < view.width)
                 & (py >= 0) & (py < view.height) & (names != ""))
        # coarser levels first; within a level, bigger grids first
        priority = (10 - self.level) * 1_000_000 + np.minimum(width, 999_999).astype(int)
        return [Label(float(px[i]), float(py[i]), str(names[i]), int(priority[i]),
                      style.label_pixel_size, style.label_color, style.label_bold,
                      float(width[i]))
                for i in np.flatnonzero(shown)]


@dataclass(frozen=True)
class _GridRows:
    """Grids of the table ready to be chunked: geometry, code, name, label anchor, bounds."""

    geometries: np.ndarray
    codes: np.ndarray
    names: np.ndarray
    label_x: np.ndarray
    label_y: np.ndarray
    bounds: np.ndarray  # (n, 4) in map metres

    @classmethod
    def of(cls, grids: gpd.GeoDataFrame, chosen: np.ndarray) -> _GridRows:
        """The ``chosen`` rows of ``grids`` (a boolean array) that have a geometry."""
        chosen = np.flatnonzero(chosen)
        geometries = np.asarray(grids.geometry.values, dtype=object)[chosen]
        present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
        chosen, geometries = chosen[present], geometries[present]
        if "grid_code" in grids.columns:
            codes = grids["grid_code"].iloc[chosen].astype(str).to_numpy(dtype=object)
        else:  # a table that is only drawn, never updated: its grids in the table's order
            codes = np.array([f"#{i:012d}" for i in chosen], dtype=object)
        names = grids["name"].iloc[chosen].fillna("").astype(str).to_numpy(dtype=object)
        x, y, bounds = _label_anchors(geometries)
        return cls(geometries, codes, names, x, y, bounds)

    @classmethod
    def concat(cls, parts: list[_GridRows]) -> _GridRows:
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return cls(*(np.empty(0, dtype=object),) * 3, np.empty(0), np.empty(0),
                       np.empty((0, 4)))
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts])
                     for f in fields(cls)))

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, index: np.ndarray) -> _GridRows:
        return _GridRows(*(getattr(self, f.name)[index] for f in fields(self)))

    def by_code(self) -> _GridRows:
        return self.take(np.argsort(self.codes, kind="stable"))


def _group(tiles: list[_Tile]) -> dict[_Tile, np.ndarray]:
    """The positions of each tile in ``tiles``."""
    if not tiles:
        return {}
    xy = np.array(tiles, np.int64).reshape(-1, 2)
    order = np.lexsort((xy[:, 1], xy[:, 0]))  # stable: positions ascending within a tile
    xy = xy[order]
    starts = np.flatnonzero(np.r_[True, (xy[1:] != xy[:-1]).any(axis=1), True])
    return {(int(xy[a, 0]), int(xy[a, 1])): order[a:b] for a, b in zip(starts[:-1], starts[1:])}


def _drawn_change(old: _Chunk | None, new: _Chunk | None, code: str) -> Extent:
    """Where the drawing of grid ``code`` changed from chunk ``old`` to chunk ``new`` (None:
    not there). Within one chunk, a grid whose rings keep their number and where they start
    (their first or second vertex) is drawn at the same turn, along the same edges in the
    same order, but for the edges it lost or gained: only around those. Otherwise (a ring
    starting elsewhere draws its edges in another order) all of it, before and after."""
    before = old.rings_of(code) if old is not None else None
    after = new.rings_of(code) if new is not None else None
    if old is None or new is None or old.tile != new.tile or len(before) != len(after) \
            or any(not (np.array_equal(a[0], b[0]) or np.array_equal(a[1], b[1]))
                   for a, b in zip(before, after)):
        return union_extent([c.bounds_of(code) for c in (old, new) if c is not None])
    ends = [point for a, b in zip(before, after) for segment in _segments(a) ^ _segments(b)
            for point in (segment[:2], segment[2:])]
    if not ends:  # the same outline (a new name, parent): the label, drawn last, changes
        x, y = new.anchor_of(code)
        return x, y, x, y
    xs, ys = zip(*ends)
    return min(xs), min(ys), max(xs), max(ys)


def _segments(ring: np.ndarray) -> set[tuple[float, float, float, float]]:
    """The directed edges of a ring (n, 2), as (x0, y0, x1, y1)."""
    return set(map(tuple, np.c_[ring[:-1], ring[1:]].tolist()))


def _tile_size(rows: _GridRows) -> float:
    """A power of two of metres, so that a layer built again after a few edits (a grid more
    or less) most likely picks the same lattice, and draws its chunks in the same order."""
    if not len(rows):
        return 2.0 ** 13
    xmin, ymin = rows.bounds[:, :2].min(axis=0)
    xmax, ymax = rows.bounds[:, 2:].max(axis=0)
    area = max((xmax - xmin) * (ymax - ymin), 1.0)
    return 2.0 ** round(math.log2(max(math.sqrt(area * CHUNK_GRIDS / len(rows)), 1.0)))


def _label_anchors(geometries: np.ndarray):
    """A point inside each grid (not the centroid, which can fall outside) and the grid's map
    bounds."""
    if not len(geometries):
        return np.empty(0), np.empty(0), np.empty((0, 4))
    anchors = shapely.point_on_surface(geometries)
    bounds = shapely.bounds(geometries)
    lon, lat = shapely.get_x(anchors), shapely.get_y(anchors)
    lost = np.isnan(lon)  # an invalid grid may have no such point: its bounds' centre then
    lon[lost] = (bounds[lost, 0] + bounds[lost, 2]) / 2
    lat[lost] = (bounds[lost, 1] + bounds[lost, 3]) / 2
    x, y = lonlat_to_map(lon, lat)
    # Mercator keeps lon -> x and lat -> y monotonic: the projected bounds are the bounds'
    # projections
    xmin, ymin = lonlat_to_map(bounds[:, 0], bounds[:, 1])
    xmax, ymax = lonlat_to_map(bounds[:, 2], bounds[:, 3])
    return np.asarray(x, float), np.asarray(y, float), np.c_[xmin, ymin, xmax, ymax]
