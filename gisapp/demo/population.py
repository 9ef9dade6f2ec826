"""The district's people and places: pollution sources, inspectors, assignments, incidents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisapp import schema
from gisapp.demo.boundaries import DISTRICT_NAME
from gisapp.demo.geo import to_lonlat
from gisapp.demo.names import NameBook

VALID_FROM = "2026-01-01"

# Non-key sources per level-3 kind, as shares (seed 001: dust, open burning, restaurant fumes
# and loose coal dominate the problems reported; villages keep livestock, parks industry).
_MIX = {
    "community": {"catering_fumes": 0.42, "construction_dust": 0.16, "vehicle_repair": 0.12,
                  "loose_coal": 0.05, "industrial": 0.05, "other": 0.20},
    "village": {"livestock": 0.28, "open_burning": 0.20, "loose_coal": 0.20,
                "catering_fumes": 0.06, "construction_dust": 0.06, "industrial": 0.08,
                "vehicle_repair": 0.04, "other": 0.08},
    "industrial_park": {"industrial": 0.58, "construction_dust": 0.15, "vehicle_repair": 0.10,
                        "catering_fumes": 0.05, "other": 0.12},
}
_DENSITY = {"community": 1.3, "village": 0.9, "industrial_park": 1.5}
_SCALES = {
    # sources (total, incl. key sources), inspectors, incidents
    "demo": ((1900, 2250), 60, (90, 111)),
    "month": ((4850, 5150), 200, (280, 321)),
}
_MODES = {  # kind -> (modes, probabilities)
    "dedicated": (("car", "ebike"), (0.5, 0.5)),
    "full_time": (("ebike", "walk"), (0.7, 0.3)),
    "part_time": (("ebike", "walk"), (0.6, 0.4)),
}
_DESCRIPTIONS = {
    "industrial": ("{name}废气治理设施未正常运行，车间外有明显异味。",
                   "{name}物料露天堆放，未苫盖。", "{name}危险废物贮存不规范，标识缺失。"),
    "construction_dust": ("{name}土方作业未湿法施工，扬尘明显。",
                          "{name}出入口车辆未冲洗，带泥上路。", "{name}裸土未覆盖。"),
    "catering_fumes": ("{name}油烟净化设施未开启，油烟直排。", "{name}露天烧烤，油烟扰民。"),
    "livestock": ("{name}粪污未及时清运，异味较重。", "{name}养殖废水外溢至沟渠。"),
    "loose_coal": ("{name}违规销售劣质散煤。", "{name}燃用散煤，烟囱冒黑烟。"),
    "open_burning": ("{name}发现秸秆露天焚烧，已现场扑灭。", "{name}发现垃圾露天焚烧。"),
    "water_outfall": ("{name}排水颜色异常，已取样。", "{name}排污口有污水直排。"),
    "vehicle_repair": ("{name}露天喷漆作业，无废气收集设施。", "{name}废机油随意堆放。"),
    "other": ("{name}周边发现环境问题，已拍照上报。", "{name}存在扬尘污染。"),
}


@dataclass
class Population:
    """The tables plus the metric coordinates the patrol simulation needs."""

    sources: gpd.GeoDataFrame
    source_xy: np.ndarray          # (n, 2) metres, EPSG:4547, in the order of ``sources``
    inspectors: pd.DataFrame
    assigned: dict[str, list[str]]  # inspector_id -> level-3 grid codes, spatial order
    modes: dict[str, str]           # inspector_id -> walk | ebike | car
    assignments: pd.DataFrame


def populate(grids: gpd.GeoDataFrame, metric: np.ndarray, scale: str, seed: int) -> Population:
    """Sources, inspectors and assignments for the grids (``metric``: their EPSG:4547 shapes)."""
    rng = np.random.default_rng([seed, 2, _scale_index(scale)])
    book = NameBook(np.random.default_rng([seed, 12, _scale_index(scale)]),
                    used=set(grids["name"].astype(str)))
    (low, high), n_inspectors, _ = _SCALES[scale]
    sources, xy = _sources(grids, metric, int(rng.integers(low, high)), rng, book)
    inspectors, assigned, modes = _inspectors(grids, metric, n_inspectors, rng, book)
    assignments = _assignments(grids, inspectors, assigned, rng, book)
    return Population(sources, xy, inspectors, assigned, modes, assignments)


def _scale_index(scale: str) -> int:
    return list(_SCALES).index(scale)


# ---- sources -------------------------------------------------------------------------------
def _sources(grids, metric, total, rng, book) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    level = grids["level"].to_numpy()
    codes = grids["grid_code"].astype(str).to_numpy()
    units = np.flatnonzero(level == 3)
    enterprises = np.flatnonzero(level == 4)
    parent_of = dict(zip(codes, grids["parent_code"].astype(str)))
    name_of = dict(zip(codes, grids["name"].astype(str)))
    footprints_by_unit = {}
    for e in enterprises:
        footprints_by_unit.setdefault(parent_of[codes[e]], []).append(metric[e])
    roads = {code: [book.road() for _ in range(5)] for code in codes[level == 2]}
    river_name = book.river()

    rows: list[tuple] = []
    points: list[np.ndarray] = []

    def add(xy, category, unit_code, key_code=None, name=None, address=None):
        street = parent_of[unit_code]
        unit_name = name_of[unit_code]
        village = unit_name if unit_name.endswith("村") else None
        if name is None:
            name = book.source(category, village, river_name)
        if address is None:
            address = _address(book, name_of[street], unit_name, village, roads[street])
        rows.append((name, category, unit_code, key_code is not None, key_code, address))
        points.append(xy)

    # key sources: one inside every enterprise footprint, named after the enterprise
    for e in enterprises:
        rect = metric[e]
        c = np.array(rect.centroid.coords[0])
        half = np.sqrt(rect.area) / 5
        add(c + rng.uniform(-half, half, 2), "industrial", parent_of[codes[e]],
            key_code=codes[e], name=str(grids["name"].iat[e]),
            address=str(grids["office_address"].iat[e]))

    # water outfalls along a river that crosses the district
    inner = {u: _inner(metric[u], footprints_by_unit.get(codes[u], [])) for u in units}
    n_outfalls = max(10, int(total * 0.015))
    for xy, u in _outfalls(metric[level == 1][0], metric, units, inner, n_outfalls, rng):
        add(xy, "water_outfall", codes[u])

    # the rest, spread over the level-3 grids by kind and size
    kinds = grids["kind"].astype(str).to_numpy()
    rest = total - len(rows)
    weight = np.array([_DENSITY[kinds[u]] * shapely.area(metric[u]) ** 0.6 for u in units])
    per_unit = rng.multinomial(rest, weight / weight.sum())
    for u, n in zip(units, per_unit):
        mix = _MIX[kinds[u]]
        categories = rng.choice(list(mix), size=n, p=np.array(list(mix.values())))
        for xy, category in zip(_sample_in(inner[u], n, rng), categories):
            add(xy, str(category), codes[u])

    xy = np.array(points)
    frame = pd.DataFrame(rows, columns=["name", "category", "grid_code", "is_key",
                                        "key_grid_code", "address"])
    # ids follow the grids, key sources first, then north to south
    order = frame.assign(_y=-xy[:, 1]).sort_values(
        ["grid_code", "is_key", "_y"], ascending=[True, False, True], kind="stable").index
    frame, xy = frame.loc[order].reset_index(drop=True), xy[order]
    frame.insert(0, "source_id", [f"S{i:05d}" for i in range(1, len(frame) + 1)])
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    columns = {c: frame[c].astype(t) for c, t in schema.SOURCE_COLUMNS.items()}
    sources = gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(lon, lat),
                               crs=schema.STORAGE_CRS)
    return sources, xy


def _inner(unit, footprints):
    """Where a source may stand: 20 m inside the grid, 15 m clear of enterprise footprints."""
    area = unit.buffer(-20)
    if footprints:
        area = area.difference(shapely.union_all(shapely.buffer(np.array(footprints), 15)))
    shapely.prepare(area)
    return area


def _sample_in(area, n: int, rng) -> np.ndarray:
    minx, miny, maxx, maxy = area.bounds
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(max(4 * n, 16), 2))
        xy = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]
        found.append(xy)
        count += len(xy)
    return np.concatenate(found)[:n]


def _address(book, street_name, unit_name, village, roads) -> str:
    if village:
        return f"{DISTRICT_NAME}{street_name}{unit_name}{book.group()}"
    road = roads[int(book.rng.integers(len(roads)))]
    return f"{DISTRICT_NAME}{street_name}{road}{book.house_number()}号"


def _outfalls(district, metric, units, inner, n, rng):
    """Points 10-40 m beside a meandering river line across the district, with their grid."""
    minx, miny, maxx, maxy = district.bounds
    x = np.linspace(minx - 1000, maxx + 1000, 200)
    phase = rng.uniform(0, 2 * np.pi)
    y = (miny + maxy) / 2 + rng.uniform(-0.2, 0.2) * (maxy - miny) \
        + 900 * np.sin((x - minx) / 2500 + phase) + 300 * np.sin((x - minx) / 700)
    river = shapely.intersection(shapely.LineString(np.column_stack([x, y])), district)
    placed = 0
    while placed < n:
        d = rng.uniform(0, river.length)
        p = np.array(shapely.line_interpolate_point(river, d).coords[0])
        q = np.array(shapely.line_interpolate_point(river, min(d + 5, river.length)).coords[0])
        tangent = (q - p) / max(np.hypot(*(q - p)), 1e-9)
        xy = p + np.array([-tangent[1], tangent[0]]) * rng.choice([-1, 1]) * rng.uniform(10, 40)
        for u in units:
            if shapely.contains_xy(inner[u], *xy):
                yield xy, u
                placed += 1
                break


# ---- inspectors ----------------------------------------------------------------------------
def _inspectors(grids, metric, n_total, rng, book):
    """Dedicated inspectors for parks, full-time for communities, part-time for villages."""
    centre = dict(zip(grids["grid_code"].astype(str),
                      [np.array(g.centroid.coords[0]) for g in metric]))
    unit_rows = grids[grids["level"] == 3]
    codes = unit_rows["grid_code"].astype(str).to_numpy()  # sorted: codes follow space
    kinds = unit_rows["kind"].astype(str).to_numpy()
    classes = {"dedicated": codes[kinds == "industrial_park"],
               "full_time": codes[kinds == "community"],
               "part_time": codes[kinds == "village"]}
    counts = _class_sizes({k: len(v) for k, v in classes.items()}, n_total)
    people = []  # (first grid, kind, grids)
    for kind, grid_codes in classes.items():
        for window in _windows(len(grid_codes), counts[kind], rng):
            people.append((grid_codes[window[0]], kind, [str(grid_codes[w]) for w in window]))
    people.sort(key=lambda p: (p[0], p[1]))
    rows, assigned, modes = [], {}, {}
    for i, (_, kind, grid_list) in enumerate(people, start=1):
        inspector_id = f"W{i:03d}"
        rows.append((inspector_id, book.person(), kind, book.phone()))
        assigned[inspector_id] = grid_list
        options, p = _MODES[kind]
        mode = str(rng.choice(options, p=p))
        spread = max(np.hypot(*(centre[a] - centre[b])) for a in grid_list for b in grid_list)
        if mode == "walk" and spread > 2500:
            mode = "ebike"  # nobody walks between grids kilometres apart
        modes[inspector_id] = mode
    frame = pd.DataFrame(rows, columns=list(schema.INSPECTOR_COLUMNS))
    return frame.astype(schema.INSPECTOR_COLUMNS), assigned, modes


def _class_sizes(grid_counts: dict[str, int], n_total: int) -> dict[str, int]:
    """Inspectors per kind: parks get at least two each; everyone has 1-3 grids."""
    dedicated = max(2 * grid_counts["dedicated"], round(0.1 * n_total))
    rest = n_total - dedicated
    full = round(rest * grid_counts["full_time"]
                 / max(grid_counts["full_time"] + grid_counts["part_time"], 1))
    sizes = {"dedicated": dedicated, "full_time": full, "part_time": rest - full}
    for kind, g in grid_counts.items():
        if not -(-g // 3) <= sizes[kind] or (g == 0) != (sizes[kind] == 0):
            raise ValueError(f"{sizes[kind]} {kind} inspectors cannot cover {g} grids")
    return sizes


def _windows(g: int, n: int, rng) -> list[list[int]]:
    """n windows of 1-3 consecutive grids (of g, in spatial order) covering every grid.

    >>> sorted({i for w in _windows(7, 3, np.random.default_rng(0)) for i in w})
    [0, 1, 2, 3, 4, 5, 6]
    """
    starts = (np.arange(n + 1) * g) // n
    out = []
    for i in range(n):
        need = max(int(starts[i + 1] - starts[i]), 1)
        m = min(max(need, int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))), 3, g)
        first = min(int(starts[i]), g - m)
        out.append(list(range(first, first + m)))
    return out


# ---- assignments ---------------------------------------------------------------------------
def _assignments(grids, inspectors, assigned, rng, book) -> pd.DataFrame:
    """Levels 1-3: first and direct responsible, A/B roles; level 3 also its inspectors."""
    people = inspectors.set_index("inspector_id")
    by_grid: dict[str, list[str]] = {}
    for inspector_id, grid_list in assigned.items():
        for code in grid_list:
            by_grid.setdefault(code, []).append(inspector_id)
    rows = []

    def official(code, role):
        rows.append((code, role, None, book.person(), book.phone()))

    def inspector(code, role, inspector_id):
        rows.append((code, role, inspector_id, str(people.at[inspector_id, "name"]),
                     str(people.at[inspector_id, "phone"])))

    for code, level in zip(grids["grid_code"].astype(str), grids["level"]):
        if level > 3:
            continue
        official(code, "first_responsible")
        official(code, "direct_responsible")
        mine = by_grid.get(code, [])
        if level == 3 and mine:
            inspector(code, "responsible_a", mine[0])
            if len(mine) > 1:
                inspector(code, "responsible_b", mine[1])
            else:
                official(code, "responsible_b")
            for inspector_id in mine:
                inspector(code, "inspector", inspector_id)
        else:
            official(code, "responsible_a")
            official(code, "responsible_b")
    frame = pd.DataFrame(rows, columns=["grid_code", "role", "inspector_id", "person_name",
                                        "phone"])
    frame["valid_from"] = VALID_FROM
    frame["valid_to"] = None
    return frame.astype(schema.ASSIGNMENT_COLUMNS)


# ---- incidents -----------------------------------------------------------------------------
def incidents(events: pd.DataFrame, sources: gpd.GeoDataFrame, source_xy: np.ndarray,
              scale: str, seed: int, month_end: dt.date) -> gpd.GeoDataFrame:
    """Incidents reported during real visits: ``events`` has inspector_id, source, date, t_s.

    Reports are filed while the inspector stands at the source, so each incident matches a
    dwell in the patrol track; older reports are more likely already closed.
    """
    rng = np.random.default_rng([seed, 6, _scale_index(scale)])
    low, high = _SCALES[scale][2]
    n = min(int(rng.integers(low, high)), len(events))
    picked = events.iloc[np.sort(rng.choice(len(events), n, replace=False))]
    picked = picked.sort_values(["date", "t_s"], kind="stable").reset_index(drop=True)
    rows, xy = [], []
    for i, e in enumerate(picked.itertuples(index=False), start=1):
        src = int(e.source)
        category = str(sources["category"].iat[src])
        template = _DESCRIPTIONS[category][int(rng.integers(len(_DESCRIPTIONS[category])))]
        seconds = int(e.t_s)
        when = dt.datetime.combine(e.date, dt.time(seconds // 3600, seconds // 60 % 60,
                                                   seconds % 60))
        age = (month_end - e.date).days
        p = (0.7, 0.2, 0.1) if age > 10 else (0.25, 0.2, 0.55)
        status = str(rng.choice(["closed", "transferred", "reported"], p=p))
        rows.append((f"E{when:%Y%m}-{i:04d}", when.isoformat() + "+08:00", category,
                     template.format(name=str(sources["name"].iat[src])),
                     str(sources["grid_code"].iat[src]), str(e.inspector_id), status))
        xy.append(source_xy[src] + rng.normal(0, 8, 2))
    frame = pd.DataFrame(rows, columns=list(schema.INCIDENT_COLUMNS))
    xy = np.array(xy).reshape(-1, 2)
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    return gpd.GeoDataFrame(frame.astype(schema.INCIDENT_COLUMNS),
                            geometry=gpd.points_from_xy(lon, lat), crs=schema.STORAGE_CRS)
