"""FeatureIndex.apply_changes: after random edits of the demo district (and their undos) the
index answers every question exactly as one built afresh from the edited project."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import shapely
from pypinyin import lazy_pinyin

from gisapp import schema
from gisapp.assignment_edits import AssignRole, UnassignRole
from gisapp.changes import Changes
from gisapp.demo import build_demo
from gisapp.edits import (
    AddGrid,
    AddSource,
    DeleteGrid,
    DeleteSource,
    EditAttributes,
    MergeGrids,
    MoveGridToParent,
    MoveSource,
    MoveVertex,
    SplitGrid,
)
from gisapp.errors import GridEditError
from gisapp.layers.view import lonlat_to_map
from gisapp.project import Project
from gisapp.ui.selection import GRIDS, INSPECTORS, KINDS, SOURCES, FeatureIndex

DAY = dt.date(2026, 10, 15)
NAMES = ["钢铁厂", "重庆火锅店", "长安路社区", "新工地", "绿源化工"]


@cache
def demo():
    return build_demo(seed=7)


def project() -> Project:
    p = Project.create(Path("/nonexistent/index.gpkg"))
    for name, table in demo().tables().items():
        p.set_table(name, table)
    return p


def index_of(p: Project) -> FeatureIndex:
    index = FeatureIndex(p)
    index.on_date = DAY
    return index


# ---- random edits: (project, rng) -> an edit (it may still be refused) -------------------------
def codes_of(p: Project, level: int) -> list[str]:
    return sorted(p.grids["grid_code"][p.grids["level"] == level].astype(str))


def geometry(p: Project, code: str):
    return p.grids.geometry[(p.grids["grid_code"] == code).to_numpy(bool)].iloc[0]


def neighbours(p: Project, code: str) -> list[str]:
    """Grids of the same level and parent sharing an edge with ``code``."""
    g = p.grids
    row = g[(g["grid_code"] == code).to_numpy(bool)].iloc[0]
    same = g[((g["parent_code"] == row["parent_code"]) & (g["grid_code"] != code))
             .fillna(False).to_numpy(bool)]
    edges = shapely.intersection(row.geometry.boundary, same.geometry.boundary.values)
    return sorted(same["grid_code"][shapely.length(edges) > 0].astype(str))


def inside(p: Project, code: str, rng) -> shapely.Point:
    """A random point of grid ``code``."""
    polygon = geometry(p, code)
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(100):
        point = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if polygon.contains(point):
            return point
    return polygon.point_on_surface()


def split(p, rng):
    code = rng.choice(codes_of(p, 3))
    minx, miny, maxx, maxy = geometry(p, code).bounds
    y = miny + rng.uniform(0.3, 0.7) * (maxy - miny)
    return SplitGrid(code, shapely.LineString([(minx - 1e-3, y), (maxx + 1e-3, y)]))


def merge(p, rng):
    code = rng.choice(codes_of(p, 3))
    return MergeGrids((code, *neighbours(p, code)[:1]))


def move_vertex(p, rng):
    code = rng.choice(codes_of(p, 3))
    polygon = geometry(p, code)
    ring = shapely.get_coordinates(polygon)[:-1]
    vertex = tuple(ring[rng.integers(len(ring))])
    centre = polygon.centroid
    step = rng.uniform(0.05, 0.2)
    return MoveVertex(code, vertex, (vertex[0] + step * (centre.x - vertex[0]),
                                     vertex[1] + step * (centre.y - vertex[1])))


def move_to_parent(p, rng):
    code = rng.choice(codes_of(p, 3))
    parent = p.grids["parent_code"][(p.grids["grid_code"] == code).to_numpy(bool)].iloc[0]
    polygon = geometry(p, code)
    streets = [s for s in codes_of(p, 2) if s != parent
               and shapely.intersection(polygon.boundary, geometry(p, s).boundary).length > 0]
    return MoveGridToParent(code, streets[0]) if streets else None


def add_grid(p, rng):
    parent = rng.choice(codes_of(p, 3))
    centre = inside(p, parent, rng)
    return AddGrid(str(rng.choice(NAMES)), 4, parent, centre.buffer(2e-4, quad_segs=2))


def delete_grid(p, rng):
    return DeleteGrid(rng.choice(codes_of(p, 4)))


def add_source(p, rng):
    code = rng.choice(codes_of(p, 3))
    return AddSource(f"T{rng.integers(10 ** 6):06d}", str(rng.choice(NAMES)), "industrial",
                     inside(p, code, rng))


def move_source(p, rng):
    source = rng.choice(p.sources["source_id"].astype(str).to_numpy())
    return MoveSource(source, inside(p, rng.choice(codes_of(p, 3)), rng))


def delete_source(p, rng):
    return DeleteSource(rng.choice(p.sources["source_id"].astype(str).to_numpy()))


def rename(p, rng):
    table = rng.choice([schema.GRIDS, schema.SOURCES, schema.INSPECTORS])
    frame = p.tables[table]
    key = {schema.GRIDS: "grid_code", schema.SOURCES: "source_id",
           schema.INSPECTORS: "inspector_id"}[table]
    k = rng.integers(len(frame))
    old = frame["name"].iloc[k]
    return EditAttributes(table, str(frame[key].iloc[k]), "name", None if old is None else old,
                          f"{rng.choice(NAMES)}{rng.integers(100)}")


def assign(p, rng):
    inspector = rng.choice(p.inspectors["inspector_id"].astype(str).to_numpy())
    return AssignRole(rng.choice(codes_of(p, 3)), "inspector", inspector,
                      f"2026-10-{rng.integers(1, 28):02d}")


def unassign(p, rng):
    a = p.assignments
    a = a[(a["role"] == "inspector").fillna(False).to_numpy(bool)]
    k = rng.integers(len(a))
    return UnassignRole(str(a["grid_code"].iloc[k]), "inspector",
                        str(a["inspector_id"].iloc[k]), f"2026-10-{rng.integers(1, 28):02d}")


EDITS = [split, merge, move_vertex, move_to_parent, add_grid, delete_grid, add_source,
         move_source, delete_source, rename, assign, unassign]


# ---- what the index answers --------------------------------------------------------------------
def queries(p: Project, changes: Changes, rng) -> list[str]:
    """Names, pinyin and codes of touched and random rows (and of deleted ones)."""
    words = ["jd", "社区", "4101", "(split)", "cqhg"]
    for table, key in ((schema.GRIDS, "grid_code"), (schema.SOURCES, "source_id"),
                       (schema.INSPECTORS, "inspector_id")):
        frame = p.tables[table]
        touched = frame[frame[key].astype(str).isin(list(changes.ids_in(table)))
                        .to_numpy(bool)]
        rows = [*touched.head(2).itertuples(index=False),
                *frame.iloc[rng.integers(len(frame), size=1)].itertuples(index=False)]
        for row in rows:
            code, name = str(getattr(row, key)), str(row.name)
            spelled = lazy_pinyin(name)
            words += [code[:-1], name, "".join(spelled), "".join(s[0] for s in spelled if s)]
        words += sorted(changes.ids_in(table))[:2]  # deleted ones too
    return list(dict.fromkeys(w for w in words if w.strip()))


def points(p: Project, changes: Changes, rng) -> list[tuple[float, float]]:
    """Map points in touched grids and anywhere over the district."""
    minx, miny, maxx, maxy = p.grids.total_bounds
    lonlat = [(rng.uniform(minx, maxx), rng.uniform(miny, maxy)) for _ in range(4)]
    codes = set(p.grids["grid_code"].astype(str))
    for code in sorted(changes.ids_in(schema.GRIDS) & codes)[:3]:
        lonlat += [inside(p, code, rng).coords[0], geometry(p, code).exterior.coords[0]]
    sources = p.sources[p.sources["source_id"].astype(str)
                        .isin(list(changes.ids_in(schema.SOURCES))).to_numpy(bool)]
    lonlat += [(g.x + 1e-5, g.y) for g in sources.geometry.head(3)]
    x, y = lonlat_to_map([a for a, _ in lonlat], [b for _, b in lonlat])
    return [(float(a), float(b)) for a, b in zip(x, y)]


def answers(index: FeatureIndex, p: Project, changes: Changes, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    at = points(p, changes, rng)
    boxes = [(x - r, y - r, x + r, y + r) for (x, y), r in
             zip(at[::2], rng.uniform(100, 1500, len(at)))]
    grid_codes = sorted(changes.ids_in(schema.GRIDS)) + list(rng.choice(index.grid_codes, 5))
    source_ids = sorted(changes.ids_in(schema.SOURCES)) + list(rng.choice(index.source_ids, 5))
    inspectors = sorted(rng.choice(p.inspectors["inspector_id"].astype(str), 8))
    hierarchy = index.hierarchy
    return {
        "grids": (list(index.grid_codes), list(index.grid_levels), hierarchy.parent,
                  [hierarchy.subtree(c) for c in codes_of(p, 1) + codes_of(p, 2)]),
        "sources": (list(index.source_ids), index.source_x.round(6).tolist(),
                    index.source_y.round(6).tolist()),
        "search": {q: [(h.kind, h.key, h.name, h.entry.detail, h.rank)
                       for h in index.search_index.search(q, 30)]
                   for q in queries(p, changes, rng)},
        "entries": len(index.search_index),
        "grids_at": [index.grids_at(x, y) for x, y in at],
        "pick": [index.pick(kind, x, y, 300.0) for kind in KINDS for x, y in at],
        "pick_box": [index.pick_box(kind, box) for kind in KINDS for box in boxes],
        "identify": [identified(index.identify(x, y, 300.0)) for x, y in at],
        "chains": {c: hierarchy.chain_of(c, DAY) for c in grid_codes},
        "inspector_grids": {i: index.inspector_grids(i) for i in inspectors},
        "inspectors_of": index.inspectors_of(grid_codes),
        "extents": [index.extent(GRIDS, grid_codes), index.extent(SOURCES, source_ids),
                    *(index.extent(INSPECTORS, [i]) for i in inspectors)],
    }


def identified(result) -> tuple:
    source = None if result.source is None else {k: str(v) for k, v in result.source.items()}
    return source, result.chain, result.flags


def assert_same_answers(index: FeatureIndex, p: Project, changes: Changes, seed: int) -> None:
    fresh = index_of(p)
    mine, theirs = answers(index, p, changes, seed), answers(fresh, p, changes, seed)
    for key in theirs:
        assert mine[key] == theirs[key], key


# ---- the property ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_index_kept_up_to_date_answers_like_a_new_one(seed):
    rng = np.random.default_rng(seed)
    p = project()
    index = index_of(p)
    done, applied = [], 0
    for step in range(10):
        if done and rng.uniform() < 0.2:
            changes = done.pop().revert(p, "测试")
        else:
            edit = EDITS[rng.integers(len(EDITS))](p, rng)
            try:
                if edit is None:
                    continue
                changes = edit.apply(p, "测试")
            except GridEditError:
                continue
            done.append(edit)
            applied += 1
        index.apply_changes(changes)
        assert_same_answers(index, p, changes, seed * 100 + step)
    assert applied >= 4


@pytest.mark.parametrize("make", [split, merge, move_to_parent, add_grid, delete_grid,
                                  add_source, move_source, delete_source, rename, assign,
                                  unassign], ids=lambda f: f.__name__)
def test_every_kind_of_edit_and_its_undo(make):
    p = project()
    index = index_of(p)
    rng = np.random.default_rng(11)
    for _ in range(20):
        edit = make(p, rng)
        try:
            changes = edit.apply(p, "测试") if edit is not None else None
        except GridEditError:
            continue
        if changes is not None:
            break
    else:
        pytest.fail(f"no {make.__name__} edit could be made")
    index.apply_changes(changes)
    assert_same_answers(index, p, changes, 1)
    changes = edit.revert(p, "测试")
    index.apply_changes(changes)
    assert_same_answers(index, p, changes, 2)


def test_a_table_touched_without_ids_is_indexed_again_whole():
    p = project()
    index = index_of(p)
    grids = p.grids.copy()
    grids.loc[grids["level"] == 2, "name"] = "改名街道"
    p.set_table(schema.GRIDS, grids)
    inspectors = p.inspectors.iloc[1:].reset_index(drop=True)
    p.set_table(schema.INSPECTORS, inspectors)
    changes = Changes(tables=frozenset({schema.GRIDS, schema.INSPECTORS}))
    index.apply_changes(changes)
    assert_same_answers(index, p, changes, 3)
    assert [h.name for h in index.search_index.search("gmjd", 3)] == ["改名街道"] * 3
