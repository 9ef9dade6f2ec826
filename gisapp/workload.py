"""Inspectors' workload, per street, and a suggestion that evens it out by moving level-3 grids
between the street's inspectors while each inspector's grids stay one contiguous patch.

An inspector answers for every source of every grid he is assigned as inspector (as in
:mod:`gisapp.coverage`: a grid shared by two inspectors is the full duty of each), so his load
is the sum over his level-3 grids of their sources and areas, and:

* ``patrol_km``: the length of one round over his sources, estimated with the
  Beardwood-Halton-Hammersley law for a shortest tour through n points spread over an area
  A, ``0.7124 · sqrt(n · A)``, times a detour factor of 1.3 for roads instead of straight
  lines (:class:`WorkloadParams`). It needs no road network and is exact enough to compare
  people: a monthly full sweep (拉通式全覆盖巡查) is such a round.
* ``load_h``: hours of one full sweep: ``patrol_km / speed_kmh + sources · minutes_per_source
  / 60``. The balance evens this single number out.

The balance is a local search on the graph of adjacent level-3 grids (networkx: connected
components and subgraphs are all it needs, and a grid graph of a district has hundreds of
nodes, so a MILP with flow-based contiguity constraints would be a far heavier tool for the
same answer). Each step moves the one grid, from one inspector to another of the same kind
whose grids it touches, that most reduces the spread (sum of squared loads) without raising
the max/min load ratio and without splitting the giver's patch; it stops when no move helps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from gisapp import schema
from gisapp.crs import metric_crs_for
from gisapp.history import as_date, assignments_on, division_on
from gisapp.project import Project

INSPECTOR_ROLE = "inspector"
UNIT_LEVEL = 3


@dataclass(frozen=True)
class WorkloadParams:
    """How a load is estimated.

    tour_constant       0.7124: BHH constant of the shortest tour through random points
    detour_factor       1.3: road distance over straight-line distance in towns
    speed_kmh           12 km/h: an e-bike between sources, stops included
    minutes_per_source  10 min: looking at one source and recording it
    min_shared_m        1 m: grids touching along less than this (a corner) are not adjacent
    """

    tour_constant: float = 0.7124
    detour_factor: float = 1.3
    speed_kmh: float = 12.0
    minutes_per_source: float = 10.0
    min_shared_m: float = 1.0


@dataclass
class BalanceSuggestion:
    """Moves of level-3 grids between a street's inspectors, with the loads before and after.

    moves: grid_code, grid_name, from_inspector, to_inspector, sources, area_km2, geometry
    (EPSG:4326, to draw on the map). before/after: :func:`street_loads` rows. ratio_*: the
    largest load_h over the smallest among the street's inspectors.
    """

    street_code: str
    date: dt.date
    moves: gpd.GeoDataFrame
    before: pd.DataFrame
    after: pd.DataFrame
    ratio_before: float
    ratio_after: float
    assigned_after: dict


# ---- loads -----------------------------------------------------------------------------------
def metric_crs(grids: pd.DataFrame) -> str:
    """The district's metric CRS: the CGCS2000 3-degree zone of the grids' centre."""
    minx, miny, maxx, maxy = gpd.GeoSeries(grids.geometry.values).total_bounds
    return metric_crs_for((minx + maxx) / 2, (miny + maxy) / 2)


def patrol_km(sources, area_km2, params: WorkloadParams = WorkloadParams()) -> np.ndarray:
    """Estimated length of one round through ``sources`` points spread over ``area_km2``.

    >>> float(patrol_km(100, 4.0).round(3))  # 0.7124 * sqrt(400) * 1.3
    18.522
    """
    n = np.asarray(sources, dtype=np.float64)
    area = np.asarray(area_km2, dtype=np.float64)
    return params.tour_constant * np.sqrt(n * area) * params.detour_factor


def load_hours(sources, area_km2, params: WorkloadParams = WorkloadParams()) -> np.ndarray:
    """Hours of one full sweep: the round at ``speed_kmh`` plus the time at each source."""
    return (patrol_km(sources, area_km2, params) / params.speed_kmh
            + np.asarray(sources, dtype=np.float64) * params.minutes_per_source / 60.0)


def grid_loads(grids: pd.DataFrame, sources: pd.DataFrame, crs: str | None = None
               ) -> pd.DataFrame:
    """Per level-3 grid: grid_code, name, street_code, area_km2, sources, key_sources and
    ``sources_<category>`` for every category. A source counts for the level-3 grid its
    ``grid_code`` names or lies under (a key source's level-4 grid is under it); a source
    with an unknown grid_code is placed by position."""
    crs = crs or metric_crs(grids)
    units = grids[grids["level"] == UNIT_LEVEL].reset_index(drop=True)
    unit_of = _unit_of(grids)
    home = sources["grid_code"].astype("string").map(unit_of)
    lost = home.isna().to_numpy()
    if lost.any() and len(units):
        tree = shapely.STRtree(np.asarray(units.geometry.values))
        point_i, unit_i = tree.query(np.asarray(sources.geometry.values)[lost],
                                     predicate="covered_by")
        first = np.unique(point_i, return_index=True)[1]
        placed = pd.Series(pd.NA, index=range(int(lost.sum())), dtype="string")
        placed.iloc[point_i[first]] = units["grid_code"].to_numpy()[unit_i[first]]
        home = home.copy()
        home.iloc[np.flatnonzero(lost)] = placed.to_numpy()
    frame = pd.DataFrame({"grid_code": units["grid_code"].astype(str),
                          "name": units["name"].astype("string"),
                          "street_code": units["parent_code"].astype("string"),
                          "area_km2": units.to_crs(crs).area.to_numpy() / 1e6})
    counted = pd.DataFrame({"grid_code": home.to_numpy(),
                            "category": sources["category"].astype("string").to_numpy(),
                            "is_key": sources["is_key"].fillna(False).to_numpy(bool)})
    counted = counted[counted["grid_code"].notna()]
    by_unit = counted.groupby("grid_code")
    frame["sources"] = frame["grid_code"].map(by_unit.size()).fillna(0).astype("int64")
    frame["key_sources"] = frame["grid_code"].map(by_unit["is_key"].sum()).fillna(0) \
        .astype("int64")
    table = counted.pivot_table(index="grid_code", columns="category", aggfunc="size",
                                fill_value=0)
    for category in schema.SOURCE_CATEGORIES:
        column = table[category] if category in table.columns else pd.Series(dtype="int64")
        frame[f"sources_{category}"] = frame["grid_code"].map(column).fillna(0).astype("int64")
    return frame


def inspector_loads(project: Project, date=None, params: WorkloadParams = WorkloadParams(),
                    coverage=None) -> pd.DataFrame:
    """Every inspector's load on local ``date`` (default today), one row each:

    inspector_id, name, kind, street_code, street_name (the street of most of his grids),
    grids ("; "-joined level-3 codes), n_grids, sources, key_sources, sources_<category>,
    area_km2, patrol_km, load_h; with ``coverage`` (a CoverageResult or its inspectors
    frame, e.g. last month's) also swept_share and visited_share (sources visited / required).
    """
    date = as_date(date or dt.date.today())
    grids = division_on(project, date)
    units = grid_loads(grids, project.sources)
    assigned = assigned_units(grids, project.assignments, date)
    frame = _loads(project.inspectors, assigned, units, grids, params)
    return _with_coverage(frame, coverage)


def street_loads(project: Project, street_code: str, date=None,
                 params: WorkloadParams = WorkloadParams(), coverage=None) -> pd.DataFrame:
    """:func:`inspector_loads` of the inspectors with a grid in street ``street_code``."""
    date = as_date(date or dt.date.today())
    grids = division_on(project, date)
    if not (grids["grid_code"] == street_code).any():
        raise ValueError(f"no grid {street_code} on {date}")
    loads = inspector_loads(project, date, params, coverage)
    street_units = set(grids.loc[grids["parent_code"] == street_code, "grid_code"])
    mine = np.array([bool(set(g.split("; ")) & street_units) if g else False
                     for g in loads["grids"]], dtype=bool)  # a list [] would pick columns
    return loads[mine].reset_index(drop=True)


def assigned_units(grids: pd.DataFrame, assignments: pd.DataFrame, date) -> dict[str, list]:
    """Inspector id -> the level-3 grids he patrols on ``date`` (a street-level assignment
    stands for all its level-3 grids), sorted."""
    valid = assignments_on(assignments, date)
    valid = valid[(valid["role"] == INSPECTOR_ROLE) & valid["inspector_id"].notna()]
    level = dict(zip(grids["grid_code"], grids["level"]))
    children: dict[str, list] = {}
    for code, parent in zip(grids["grid_code"], grids["parent_code"]):
        if pd.notna(parent):
            children.setdefault(parent, []).append(code)
    out: dict[str, set] = {}
    for inspector_id, code in zip(valid["inspector_id"], valid["grid_code"]):
        todo = [code]
        while todo:
            c = todo.pop()
            if level.get(c) == UNIT_LEVEL:
                out.setdefault(str(inspector_id), set()).add(c)
            elif level.get(c, UNIT_LEVEL + 1) < UNIT_LEVEL:
                todo.extend(children.get(c, []))
    return {k: sorted(v) for k, v in out.items()}


# ---- balance ---------------------------------------------------------------------------------
def adjacency_graph(grids: pd.DataFrame, params: WorkloadParams = WorkloadParams(),
                    crs: str | None = None) -> nx.Graph:
    """Level-3 grids as nodes, an edge where two share a boundary of at least min_shared_m."""
    crs = crs or metric_crs(grids)
    units = grids[grids["level"] == UNIT_LEVEL]
    codes = units["grid_code"].astype(str).to_numpy()
    shapes = np.asarray(units.to_crs(crs).geometry.values)
    graph = nx.Graph()
    graph.add_nodes_from(codes)
    left, right = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(shapes[left]),
                                                 shapely.boundary(shapes[right])))
    graph.add_edges_from(zip(codes[left[shared >= params.min_shared_m]],
                             codes[right[shared >= params.min_shared_m]]))
    return graph


def suggest_balance(project: Project, street_code: str, date=None,
                    params: WorkloadParams = WorkloadParams(), same_kind: bool = True,
                    max_moves: int | None = None) -> BalanceSuggestion:
    """Moves of the street's level-3 grids between its inspectors that even out ``load_h``.

    Rules of a move: the grid lies in the street; the giver keeps at least one grid and his
    grids stay as connected as they were (a contiguous patch stays one patch); the taker
    already has a grid adjacent to it and does not patrol it yet; with ``same_kind`` both
    are of the same kind (a village's part-time cadre does not take an industrial park).
    Grids of the street's inspectors outside the street count in their load but stay put.
    Nothing is changed: apply the moves with :func:`gisapp.inspectors.apply_balance`.
    """
    date = as_date(date or dt.date.today())
    grids = division_on(project, date)
    crs = metric_crs(grids)
    units = grid_loads(grids, project.sources, crs).set_index("grid_code")
    graph = adjacency_graph(grids, params, crs)
    before = street_loads(project, street_code, date, params)
    people = before.set_index("inspector_id")
    sets = {i: set(g.split("; ")) for i, g in zip(before["inspector_id"], before["grids"])}
    start = {i: set(s) for i, s in sets.items()}
    movable = set(grids.loc[grids["parent_code"] == street_code, "grid_code"])
    kinds = people["kind"].to_dict()

    def load(codes):
        rows = units.loc[sorted(codes)]
        return float(load_hours(rows["sources"].sum(), rows["area_km2"].sum(), params))

    loads = {i: load(s) for i, s in sets.items()}
    limit = max_moves if max_moves is not None else 4 * len(movable) + 10
    for _ in range(limit):
        move = _best_move(sets, loads, movable, graph, kinds, same_kind, load)
        if move is None:
            break
        giver, taker, code, new_giver, new_taker = move
        sets[giver].discard(code)
        sets[taker].add(code)
        loads[giver], loads[taker] = new_giver, new_taker
    after = _loads(project.inspectors[project.inspectors["inspector_id"].isin(list(sets))],
                   {i: sorted(s) for i, s in sets.items()}, units.reset_index(), grids, params)
    after = after.set_index("inspector_id").loc[list(before["inspector_id"])].reset_index()
    moves = _moves(start, sets, grids, units)
    return BalanceSuggestion(street_code, date, moves, before, after,
                             _ratio(before["load_h"]), _ratio(after["load_h"]),
                             {i: sorted(s) for i, s in sets.items()})


def _best_move(sets, loads, movable, graph, kinds, same_kind, load):
    values = np.array(list(loads.values()))
    ratio = _ratio(values)
    spread = float((values ** 2).sum())
    best, best_gain = None, 1e-9
    for giver in sorted(sets):
        mine = sets[giver]
        if len(mine) < 2:
            continue
        parts = nx.number_connected_components(graph.subgraph(mine))
        for code in sorted(mine & movable):
            rest = mine - {code}
            if nx.number_connected_components(graph.subgraph(rest)) > parts:
                continue
            new_giver = None
            for taker in sorted(sets):
                theirs = sets[taker]
                if taker == giver or code in theirs:
                    continue
                if same_kind and kinds.get(taker) != kinds.get(giver):
                    continue
                if not any(n in theirs for n in graph.neighbors(code)):
                    continue
                new_giver = load(rest) if new_giver is None else new_giver
                new_taker = load(theirs | {code})
                trial = dict(loads)
                trial[giver], trial[taker] = new_giver, new_taker
                values = np.array(list(trial.values()))
                if _ratio(values) > ratio + 1e-12:
                    continue
                gain = spread - float((values ** 2).sum())
                if gain > best_gain:
                    best, best_gain = (giver, taker, code, new_giver, new_taker), gain
    return best


def _moves(start, end, grids, units) -> gpd.GeoDataFrame:
    rows = []
    for code in sorted(set().union(*start.values(), *end.values())):
        lost = sorted(i for i in start if code in start[i] and code not in end[i])
        gained = sorted(i for i in end if code in end[i] and code not in start[i])
        for giver, taker in zip(lost, gained):
            rows.append((code, giver, taker))
    shapes = dict(zip(grids["grid_code"], grids.geometry.values))
    frame = pd.DataFrame(rows, columns=["grid_code", "from_inspector", "to_inspector"])
    frame.insert(1, "grid_name", frame["grid_code"].map(units["name"]).astype("string"))
    frame["sources"] = frame["grid_code"].map(units["sources"]).astype("int64")
    frame["area_km2"] = frame["grid_code"].map(units["area_km2"]).astype("float64")
    for c in ("grid_code", "from_inspector", "to_inspector"):
        frame[c] = frame[c].astype("string")
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(
        [shapes[c] for c in frame["grid_code"]], crs=schema.STORAGE_CRS))


# ---- steps -----------------------------------------------------------------------------------
def _loads(inspectors, assigned, units, grids, params) -> pd.DataFrame:
    units = units.set_index("grid_code")
    names = dict(zip(grids["grid_code"], grids["name"]))
    counts = ["sources", "key_sources", *[f"sources_{c}" for c in schema.SOURCE_CATEGORIES]]
    rows = []
    for person in inspectors.itertuples(index=False):
        codes = [c for c in assigned.get(str(person.inspector_id), []) if c in units.index]
        mine = units.loc[codes]
        streets = mine["street_code"].dropna()
        street = (streets.value_counts().sort_index().sort_values(ascending=False, kind="stable")
                  .index[0] if len(streets) else None)
        row = {"inspector_id": person.inspector_id, "name": person.name, "kind": person.kind,
               "street_code": street, "street_name": names.get(street),
               "grids": "; ".join(codes), "n_grids": len(codes),
               **{c: int(mine[c].sum()) for c in counts},
               "area_km2": float(mine["area_km2"].sum())}
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["inspector_id", "name", "kind", "street_code",
                                        "street_name", "grids", "n_grids", *counts, "area_km2"])
    for c in ("inspector_id", "name", "kind", "street_code", "street_name", "grids"):
        frame[c] = frame[c].astype("string")
    for c in ("n_grids", *counts):
        frame[c] = frame[c].astype("int64")
    frame["area_km2"] = frame["area_km2"].astype("float64")
    frame["patrol_km"] = patrol_km(frame["sources"], frame["area_km2"], params)
    frame["load_h"] = load_hours(frame["sources"], frame["area_km2"], params)
    return frame


def _with_coverage(frame: pd.DataFrame, coverage) -> pd.DataFrame:
    if coverage is None:
        return frame
    table = getattr(coverage, "inspectors", coverage)
    extra = pd.DataFrame({"inspector_id": table["inspector_id"].astype("string")})
    if "swept_share" in table:
        extra["swept_share"] = table["swept_share"].astype("float64").to_numpy()
    if {"sources_visited", "sources_required"} <= set(table.columns):
        required = table["sources_required"].astype("float64").to_numpy()
        visited = table["sources_visited"].astype("float64").to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            extra["visited_share"] = np.where(required > 0, visited / required, np.nan)
    return frame.merge(extra, on="inspector_id", how="left")


def _unit_of(grids: pd.DataFrame) -> dict:
    """Grid code -> its level-3 grid (itself, or the level-3 grid above a level-4 grid)."""
    level = dict(zip(grids["grid_code"], grids["level"]))
    parent = dict(zip(grids["grid_code"], grids["parent_code"]))
    out = {}
    for code in level:
        c, seen = code, set()
        while c in level and level[c] > UNIT_LEVEL and c not in seen:
            seen.add(c)
            c = parent.get(c)
        if c in level and level[c] == UNIT_LEVEL:
            out[code] = c
    return out


def _ratio(values) -> float:
    values = np.asarray(values, dtype=np.float64)
    if not len(values):
        return float("nan")
    low = values.min()
    return float(values.max() / low) if low > 0 else float("inf")
