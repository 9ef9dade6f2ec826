"""Snapping for the edit tools: where a click near the grids' vertices and edges lands.

The map is in Web Mercator metres and the tolerance in pixels times the view's scale, so the
reach looks the same at every zoom. The decision is gisapp.grids.snap on the nearby grids
projected to the map; a click that snaps to a vertex lands on that vertex's exact stored
lon/lat (not a round trip through the projection), so a new grid shares the vertex with its
neighbour bit for bit and the tiling check sees them noded.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from gisapp.grids import snap as snap_point
from gisapp.layers.view import lonlat_to_map, map_to_lonlat

SNAP_TOLERANCE_PX = 12.0


@dataclass(frozen=True)
class Snap:
    """Where a click lands: ``kind`` "vertex", "edge" or None (not snapped), map (x, y),
    lon/lat (exact for a vertex), and a grid holding the vertex or edge."""

    kind: str | None
    x: float
    y: float
    lon: float
    lat: float
    grid_code: str | None = None

    @property
    def lonlat(self) -> tuple[float, float]:
        return (self.lon, self.lat)

    @property
    def snapped(self) -> bool:
        return self.kind is not None


def free(x: float, y: float) -> Snap:
    """The map point itself, not snapped."""
    lon, lat = map_to_lonlat(x, y)
    return Snap(None, float(x), float(y), float(lon), float(lat))


class Snapper:
    """The grids of a project indexed for snapping (rebuilt after an edit of the grids)."""

    def __init__(self, grids: gpd.GeoDataFrame):
        self.codes = grids["grid_code"].astype(str).to_numpy(dtype=object)
        self.levels = grids["level"].to_numpy(np.int64)
        self.geometries = np.asarray(grids.geometry.values, dtype=object)
        present = ~(shapely.is_missing(self.geometries) | shapely.is_empty(self.geometries))
        self.bounds = np.where(present[:, None], shapely.bounds(
            np.where(present, self.geometries, shapely.Point(0, 0))), np.nan)

    # ---- questions -----------------------------------------------------------------------
    def near(self, x: float, y: float, radius_m: float, levels=None,
             exclude=()) -> np.ndarray:
        """Rows of grids (of ``levels``, not in ``exclude``) within ``radius_m`` of the map
        point, by their boxes."""
        (lon0, lon1), (lat0, lat1) = map_to_lonlat([x - radius_m, x + radius_m],
                                                   [y - radius_m, y + radius_m])
        b = self.bounds
        hit = (b[:, 0] <= lon1) & (b[:, 2] >= lon0) & (b[:, 1] <= lat1) & (b[:, 3] >= lat0)
        if levels is not None:
            hit &= np.isin(self.levels, list(levels))
        if len(exclude):
            hit &= ~np.isin(self.codes, list(exclude))
        return np.flatnonzero(hit)

    def snap(self, x: float, y: float, radius_m: float, levels=None, exclude=()) -> Snap:
        """The nearest vertex within ``radius_m``, else the nearest point on an edge, else
        the point itself (gisapp.grids.snap, on the grids near the point)."""
        rows = self.near(x, y, radius_m, levels, exclude)
        if not len(rows):
            return free(x, y)
        lonlat, owner = shapely.get_coordinates(self.geometries[rows], return_index=True)
        mx, my = lonlat_to_map(lonlat[:, 0], lonlat[:, 1])
        projected = shapely.transform(self.geometries[rows], _to_map)
        landed = snap_point(shapely.Point(x, y), projected, radius_m)
        sx, sy = landed.x, landed.y
        if (sx, sy) == (x, y):
            return free(x, y)
        hits = np.flatnonzero((mx == sx) & (my == sy))
        if len(hits):
            k = int(hits[0])
            return Snap("vertex", float(sx), float(sy), float(lonlat[k, 0]),
                        float(lonlat[k, 1]), str(self.codes[rows[owner[k]]]))
        nearest = int(np.argmin(shapely.distance(shapely.boundary(projected), landed)))
        lon, lat = map_to_lonlat(sx, sy)
        return Snap("edge", float(sx), float(sy), float(lon), float(lat),
                    str(self.codes[rows[nearest]]))

    def vertex(self, x: float, y: float, radius_m: float, levels=None) -> Snap | None:
        """The nearest stored vertex within ``radius_m`` (and a grid holding it): the finest
        grid holding it, so a drag edits what the user sees on top."""
        rows = self.near(x, y, radius_m, levels)
        if not len(rows):
            return None
        lonlat, owner = shapely.get_coordinates(self.geometries[rows], return_index=True)
        mx, my = lonlat_to_map(lonlat[:, 0], lonlat[:, 1])
        distance = np.hypot(mx - x, my - y)
        k = int(np.argmin(distance))
        if distance[k] > radius_m:
            return None
        same = (lonlat[:, 0] == lonlat[k, 0]) & (lonlat[:, 1] == lonlat[k, 1])
        holders = rows[np.unique(owner[same])]
        finest = holders[np.argmax(self.levels[holders])]
        return Snap("vertex", float(mx[k]), float(my[k]), float(lonlat[k, 0]),
                    float(lonlat[k, 1]), str(self.codes[finest]))

    def edge(self, x: float, y: float, radius_m: float, levels=None) -> Snap | None:
        """The nearest point on an edge within ``radius_m`` (of the finest grid there)."""
        rows = self.near(x, y, radius_m, levels)
        if not len(rows):
            return None
        projected = shapely.boundary(shapely.transform(self.geometries[rows], _to_map))
        point = shapely.Point(x, y)
        distance = shapely.distance(projected, point)
        best = float(distance.min())
        if best > radius_m:
            return None
        ties = np.flatnonzero(distance <= best + 1e-6)
        k = ties[np.argmax(self.levels[rows[ties]])]
        foot = shapely.get_point(shapely.shortest_line(projected[k], point), 0)
        lon, lat = map_to_lonlat(foot.x, foot.y)
        return Snap("edge", float(foot.x), float(foot.y), float(lon), float(lat),
                    str(self.codes[rows[k]]))

    def holders(self, lon: float, lat: float) -> list[str]:
        """Codes of the grids holding the vertex (lon, lat) exactly."""
        b = self.bounds
        rows = np.flatnonzero((b[:, 0] <= lon) & (b[:, 2] >= lon) & (b[:, 1] <= lat)
                              & (b[:, 3] >= lat))
        if not len(rows):
            return []
        coords, owner = shapely.get_coordinates(self.geometries[rows], return_index=True)
        same = (coords[:, 0] == lon) & (coords[:, 1] == lat)
        return [str(self.codes[r]) for r in rows[np.unique(owner[same])]]

    def star(self, lon: float, lat: float) -> list[tuple[float, float]]:
        """The vertices joined by an edge to (lon, lat) in any grid holding it: the other
        ends of the edges a move of the vertex drags along (lon/lat, each once)."""
        found: dict[tuple[float, float], None] = {}
        codes = set(self.holders(lon, lat))
        for geometry in self.geometries[np.isin(self.codes, list(codes))]:
            for ring in shapely.get_rings(shapely.get_parts(geometry)):
                xy = shapely.get_coordinates(ring)[:-1]
                at = np.flatnonzero((xy[:, 0] == lon) & (xy[:, 1] == lat))
                for i in at:
                    for j in ((i - 1) % len(xy), (i + 1) % len(xy)):
                        found[(float(xy[j, 0]), float(xy[j, 1]))] = None
        return list(found)


def _to_map(lonlat: np.ndarray) -> np.ndarray:
    x, y = lonlat_to_map(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])
