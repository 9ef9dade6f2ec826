"""The demo district's grids: outline, street and community tessellation, enterprise footprints."""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from gisapp import schema
from gisapp.demo.geo import geoms_to_lonlat, geoms_to_metric, to_metric_xy
from gisapp.demo.names import NameBook

DEFAULT_SEED = 7
DISTRICT_CODE = "410199"  # 4101xx is Zhengzhou; 99 is no real district
DISTRICT_NAME = "绿源区"
CENTRE_LONLAT = (113.62, 34.75)
AREA_M2 = 200e6
N_STREETS = 12
N_TOWNS = 4               # the outermost level-2 grids are towns (镇) with villages
LEVEL3_TARGET = 100
COMMITTED_NAME = "demo_district.geojson"
# An installed copy without the repository can point here; otherwise the repo's data folder.
BOUNDARIES_ENV = "GISAPP_BOUNDARIES_DIR"

_OUTLINE_VERTICES = 180
_NODING_GRID_M = 0.001    # snap-rounding grid for the shared linework: 1 mm
_MAX_TRIES = 60


# ---- the committed file --------------------------------------------------------------------
def boundaries_dir() -> Path:
    """The folder of committed boundaries: $GISAPP_BOUNDARIES_DIR, else the repo's data/."""
    env = os.environ.get(BOUNDARIES_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data" / "boundaries"


def committed_path() -> Path:
    return boundaries_dir() / COMMITTED_NAME


def load_boundaries(seed: int = DEFAULT_SEED) -> gpd.GeoDataFrame:
    """The grids for ``seed``: the committed file for the default seed, generated otherwise.

    The committed file is what scripts/make_demo_boundaries.py writes for the default seed; a
    test checks it still matches the generator, so falling back to generating is equivalent.
    """
    path = committed_path()
    if seed == DEFAULT_SEED and path.is_file():
        return read_geojson(path)
    return generate_boundaries(seed)


def write_geojson(grids: gpd.GeoDataFrame, path: str | Path) -> None:
    """One feature per line, coordinates as Python writes floats (exact round trip)."""
    lines = []
    for row, geom in zip(grids[list(schema.GRID_COLUMNS)].itertuples(index=False),
                         grids.geometry):
        props = {k: (None if pd.isna(v) else (int(v) if k == "level" else str(v)))
                 for k, v in zip(schema.GRID_COLUMNS, row)}
        feature = {"type": "Feature", "properties": props,
                   "geometry": json.loads(shapely.to_geojson(geom))}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    text = ('{"type":"FeatureCollection","name":"demo_district",\n"features":[\n'
            + ",\n".join(lines) + "\n]}\n")
    Path(path).write_text(text, encoding="utf-8")


def read_geojson(path: str | Path) -> gpd.GeoDataFrame:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    features = data["features"]
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    props = pd.DataFrame([f["properties"] for f in features])
    return _frame(props, geoms)


def _frame(props: pd.DataFrame, geoms) -> gpd.GeoDataFrame:
    columns = {c: props[c].astype(t) for c, t in schema.GRID_COLUMNS.items()}
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geoms, crs=schema.STORAGE_CRS))


# ---- generation ----------------------------------------------------------------------------
def generate_boundaries(seed: int) -> gpd.GeoDataFrame:
    """Generate the four grid levels for ``seed`` (EPSG:4326, schema.GRID_COLUMNS + geometry).

    Level 2 and 3 come from Voronoi cells; all shared edges are then noded together, so each
    parent is exactly the union of its children and neighbours share every vertex.
    """
    rng = np.random.default_rng([seed, 1])
    outline = _outline(rng)
    street_cells = _street_cells(outline, rng)
    is_town = _towns(street_cells, outline)
    counts = _unit_counts(street_cells, is_town)
    units, unit_street = _units(street_cells, counts, rng)
    units = _noded(units)
    streets = [shapely.coverage_union_all(units[unit_street == s])
               for s in range(len(street_cells))]
    district = shapely.coverage_union_all(np.array(streets, dtype=object))
    unit_kind = _unit_kinds(units, unit_street, is_town, streets, district, rng)
    footprints, footprint_unit = _enterprise_footprints(units, unit_kind, rng)
    return _assemble(seed, district, streets, is_town, units, unit_street, unit_kind,
                     footprints, footprint_unit)


def _outline(rng: np.random.Generator) -> Polygon:
    """A smooth irregular star-shaped polygon of about AREA_M2 (a few low harmonics of radius)."""
    cx, cy = to_metric_xy(*CENTRE_LONLAT)
    theta = np.linspace(0, 2 * np.pi, _OUTLINE_VERTICES, endpoint=False)
    log_r = np.zeros_like(theta)
    for k in range(2, 7):
        log_r += rng.normal(0, 0.16 / k) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    r = np.exp(log_r)
    area = 0.5 * np.sum(r * np.roll(r, -1)) * np.sin(2 * np.pi / _OUTLINE_VERTICES)
    r *= np.sqrt(AREA_M2 * rng.uniform(0.95, 1.05) / area)
    return Polygon(np.column_stack([float(cx) + r * np.cos(theta), float(cy) + r * np.sin(theta)]))


def _dart_points(polygon, n: int, min_dist: float, rng, batch: int = 400) -> np.ndarray:
    """n random points in polygon at least min_dist apart (shrinking min_dist if it is crowded)."""
    minx, miny, maxx, maxy = polygon.bounds
    points: list[np.ndarray] = []
    for _ in range(_MAX_TRIES):
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(batch, 2))
        xy = xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]
        for p in xy:
            if not points or np.min(np.hypot(*(np.array(points) - p).T)) >= min_dist:
                points.append(p)
                if len(points) == n:
                    return np.array(points)
        min_dist *= 0.9
    raise RuntimeError(f"could not place {n} seed points")


def _voronoi_cells(seeds: np.ndarray, clip) -> np.ndarray:
    diagram = shapely.voronoi_polygons(shapely.multipoints(seeds),
                                       extend_to=clip.buffer(10_000), ordered=True)
    return shapely.intersection(shapely.get_parts(diagram), clip)


def _good_cells(cells, clip, min_share: float) -> bool:
    """Every cell one polygon, not tiny; Voronoi of a non-convex clip can split a cell."""
    if not all(c.geom_type == "Polygon" and not c.is_empty for c in cells):
        return False
    areas = shapely.area(cells)
    return bool(areas.min() >= min_share * clip.area / len(cells))


def _street_cells(outline, rng) -> list[Polygon]:
    centre = np.array(outline.centroid.coords[0])
    r_max = shapely.hausdorff_distance(outline, outline.centroid)
    for _ in range(_MAX_TRIES):
        seeds = _dart_points(outline.buffer(-1500), N_STREETS,
                             0.6 * np.sqrt(outline.area / N_STREETS), rng)
        # pull seeds towards the centre: the old town's streets are smaller than the towns
        offset = seeds - centre
        r = np.hypot(*offset.T)[:, None]
        seeds = centre + offset * (r / r_max) ** 0.3
        cells = _voronoi_cells(seeds, outline)
        if _good_cells(cells, outline, 0.3):
            return list(cells)
    raise RuntimeError("could not split the district into streets")


def _towns(streets, outline) -> np.ndarray:
    centre = outline.centroid
    far = np.argsort([s.centroid.distance(centre) for s in streets])[-N_TOWNS:]
    is_town = np.zeros(len(streets), bool)
    is_town[far] = True
    return is_town


def _unit_counts(streets, is_town) -> np.ndarray:
    """Level-3 grids per street: communities are denser (about 1.5 km²) than villages (3 km²)."""
    areas = np.array([s.area for s in streets])
    weight = areas / np.where(is_town, 3.0, 1.5)
    counts = np.maximum(3, np.round(weight * LEVEL3_TARGET / weight.sum())).astype(int)
    return counts


def _units(streets, counts, rng) -> tuple[np.ndarray, np.ndarray]:
    units, owner = [], []
    for s, (street, k) in enumerate(zip(streets, counts)):
        cells = _subdivide(street, int(k), rng)
        units.extend(cells)
        owner.extend([s] * len(cells))
    return np.array(units, dtype=object), np.array(owner)


def _subdivide(street, k: int, rng) -> list[Polygon]:
    """k Voronoi cells tiling the street, relaxed twice (Lloyd) so they look like communities."""
    for _ in range(_MAX_TRIES):
        seeds = _dart_points(street.buffer(-150), k, 0.6 * np.sqrt(street.area / k), rng)
        for _ in range(2):
            cells = _voronoi_cells(seeds, street)
            seeds = np.array([c.centroid.coords[0] for c in cells if not c.is_empty])
            if len(seeds) != k:
                break
        if len(seeds) != k:
            continue
        cells = _voronoi_cells(seeds, street)
        if _good_cells(cells, street, 0.25):
            return list(cells)
    raise RuntimeError("could not split a street into communities")


def _noded(units: np.ndarray) -> np.ndarray:
    """Rebuild the cells from their noded linework so neighbours share vertices exactly.

    Independent clipping leaves shared edges a few ulps apart and T-junctions where a street
    border meets a community border; polygonizing the snap-rounded linework removes both.
    """
    lines = shapely.union_all(shapely.boundary(units), grid_size=_NODING_GRID_M)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    tree = shapely.STRtree(units)
    face_idx, unit_idx = tree.query(shapely.point_on_surface(faces), predicate="within")
    if len(faces) != len(units) or len(np.unique(unit_idx)) != len(units) \
            or len(face_idx) != len(faces):
        raise RuntimeError(f"noding gave {len(faces)} faces for {len(units)} cells")
    out = np.empty(len(units), dtype=object)
    out[unit_idx] = faces[face_idx]
    return shapely.normalize(out)


def _unit_kinds(units, unit_street, is_town, streets, district, rng) -> np.ndarray:
    kinds = np.array(["community"] * len(units), dtype=object)
    edge = shapely.intersects(shapely.boundary(units), district.boundary)
    for s, street in enumerate(streets):
        mine = np.flatnonzero(unit_street == s)
        if is_town[s]:
            # a town's seat is a community, the rest are villages
            kinds[mine] = "village"
            seat = mine[np.argmin(shapely.distance(units[mine], street.centroid))]
            kinds[seat] = "community"
        else:
            # some villages survive at the edge of the built-up streets (城郊村)
            fringe = mine[edge[mine]]
            kinds[fringe[rng.random(len(fringe)) < 0.3]] = "village"
    for p in _parks(units, unit_street, is_town, rng):
        kinds[p] = "industrial_park"
    return kinds


def _parks(units, unit_street, is_town, rng) -> list[int]:
    """2-4 industrial parks: large cells, mostly in towns, never next to each other."""
    n = int(rng.integers(2, 5))
    area = shapely.area(units)
    score = area * np.where(is_town[unit_street], 1.5, 1.0) * rng.uniform(0.8, 1.2, len(units))
    chosen: list[int] = []
    for i in np.argsort(-score):
        if area[i] < 1.5e6:
            continue
        if any(units[i].intersects(units[j]) for j in chosen):
            continue
        chosen.append(int(i))
        if len(chosen) == n:
            break
    return chosen


def _enterprise_footprints(units, kinds, rng) -> tuple[list[Polygon], list[int]]:
    """Level-4 grids: rotated rectangles 80-300 m, inside one unit, apart from each other;
    most of them in the industrial parks, the rest scattered over villages and communities."""
    parks = np.flatnonzero(kinds == "industrial_park")
    others = np.flatnonzero(kinds != "industrial_park")
    target = int(rng.integers(260, 340))
    area = shapely.area(units[parks])
    in_parks = max(int(0.55 * target), 35 * len(parks))
    footprints, owner = [], []
    for p, share in zip(parks, area / area.sum()):
        rects = _place_rectangles(units[p], min(int(round(in_parks * share)), 95), True, rng)
        footprints.extend(rects)
        owner.extend([int(p)] * len(rects))
    rest = int(np.clip(target - len(footprints), 40, len(footprints) - 1))
    weight = np.where(kinds[others] == "village", 1.0, 0.6)
    per_unit = np.minimum(rng.multinomial(rest, weight / weight.sum()), 6)
    for u, n in zip(others, per_unit):
        if n:
            rects = _place_rectangles(units[u], int(n), False, rng)
            footprints.extend(rects)
            owner.extend([int(u)] * len(rects))
    return footprints, owner


def _place_rectangles(unit, n: int, in_park: bool, rng) -> list[Polygon]:
    inner = unit.buffer(-25)
    minx, miny, maxx, maxy = inner.bounds
    base_angle = rng.uniform(0, np.pi / 2)  # plots of one park follow its road grid
    placed: list[Polygon] = []
    for _ in range(n):
        for _ in range(150):
            cx, cy = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            w = rng.uniform(90, 260) if in_park else rng.uniform(80, 300)
            h = rng.uniform(80, w)
            angle = base_angle + rng.normal(0, np.radians(6))
            rect = _rectangle(cx, cy, w, h, angle)
            if not inner.contains(rect):
                continue
            if placed and shapely.distance(rect, np.array(placed, dtype=object)).min() < 20:
                continue
            placed.append(rect)
            break
    return placed


def _rectangle(cx, cy, w, h, angle) -> Polygon:
    corners = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
    c, s = np.cos(angle), np.sin(angle)
    xy = corners @ np.array([[c, s], [-s, c]]) + (cx, cy)
    return Polygon(np.round(xy, 3))


# ---- codes, names, addresses ---------------------------------------------------------------
def _assemble(seed, district, streets, is_town, units, unit_street, unit_kind,
              footprints, footprint_unit) -> gpd.GeoDataFrame:
    book = NameBook(np.random.default_rng([seed, 11]))
    rows, geoms = [], []
    district_road = book.road()
    rows.append((DISTRICT_CODE, DISTRICT_NAME, 1, None, "district",
                 f"{DISTRICT_NAME}{district_road}{book.house_number()}号"))
    geoms.append(district)
    centre = district.centroid
    street_order = sorted(range(len(streets)),
                          key=lambda s: (is_town[s], streets[s].centroid.distance(centre)))
    footprint_unit = np.asarray(footprint_unit, int)
    for s_rank, s in enumerate(street_order, start=1):
        street_code = f"{DISTRICT_CODE}{s_rank:03d}"
        street_name = book.town() if is_town[s] else book.street()
        roads = [book.road() for _ in range(4)]
        rows.append((street_code, street_name, 2, DISTRICT_CODE,
                     "town" if is_town[s] else "street",
                     f"{DISTRICT_NAME}{roads[0]}{book.house_number()}号"))
        geoms.append(streets[s])
        for u_rank, u in enumerate(_clockwise(units, np.flatnonzero(unit_street == s),
                                              streets[s]), start=1):
            unit_code = f"{street_code}{u_rank:03d}"
            kind = unit_kind[u]
            road = roads[int(book.rng.integers(len(roads)))]
            if kind == "village":
                name = book.village()
                address = f"{DISTRICT_NAME}{street_name}{name}村委会"
            elif kind == "industrial_park":
                name = book.park()
                address = f"{DISTRICT_NAME}{street_name}{road}{book.house_number()}号{name}管委会"
            else:
                name = book.community()
                address = f"{DISTRICT_NAME}{street_name}{road}{book.house_number()}号"
            rows.append((unit_code, name, 3, street_code, kind, address))
            geoms.append(units[u])
            mine = np.flatnonzero(footprint_unit == u)
            # enterprise codes run north to south, then west to east
            order = sorted(mine, key=lambda f: (-footprints[f].centroid.y,
                                                footprints[f].centroid.x))
            for k_rank, f in enumerate(order, start=1):
                rows.append((f"{unit_code}K{k_rank:02d}", book.enterprise(), 4, unit_code,
                             "enterprise",
                             f"{DISTRICT_NAME}{street_name}{road}{book.house_number()}号"))
                geoms.append(footprints[f])
    props = pd.DataFrame(rows, columns=list(schema.GRID_COLUMNS))
    lonlat = geoms_to_lonlat(np.array(geoms, dtype=object))
    if not shapely.is_valid(lonlat).all():
        raise RuntimeError("a grid became invalid when projected to lon/lat")
    return _frame(props, lonlat)


def _clockwise(units, members, street) -> list[int]:
    """Members ordered clockwise from north around the street centre (codes follow space)."""
    cx, cy = street.centroid.coords[0]
    angles = [np.arctan2(units[m].centroid.x - cx, units[m].centroid.y - cy) % (2 * np.pi)
              for m in members]
    return [int(members[i]) for i in np.argsort(angles, kind="stable")]


def metric_grids(grids: gpd.GeoDataFrame) -> np.ndarray:
    """The grids' geometries in the metric CRS (for sampling and distances)."""
    return geoms_to_metric(np.asarray(grids.geometry.array))
