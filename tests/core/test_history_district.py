"""A tiny hand-drawn district shared by the history, inspector, workload, division and incident
tests, and the way they write edits (as an Edit does: table change plus history rows, at a
chosen time). The tests here check the drawing itself.

Drawn in metres on CGCS2000 / 3-degree GK CM 114E (EPSG:4547) from the corner (463000,
3846000), stored as longitude/latitude like every project; x and y below are kilometres:

    y=1 +-----------+-----------+------------------------+
        |           |           |   P 须水工业园区 (park)  |
        |  C1 绿东   |  C2 建新   |      [K] 0.2 x 0.2 km  |
    0.6 |  社区      | (community)+------------------------+
        |           |           |   V 西岗村 (village)     |
    y=0 +-----------+-----------+------------------------+
        x=0        0.5          1                        2
        '---- street S1 林山寨街道 ----''---- town S2 须水镇 ----'
"""

from __future__ import annotations

import contextlib
from unittest import mock

import geopandas as gpd
import pandas as pd
import shapely

from gisapp import project as project_module
from gisapp import schema
from gisapp.history import feature_dict
from gisapp.project import Project

METRIC = "EPSG:4547"
X0, Y0 = 463000.0, 3846000.0
D, S1, S2 = "410100", "410100001", "410100002"
C1, C2, V, P, K = "410100001001", "410100001002", "410100002001", "410100002002", \
    "410100002002K01"
START = "2026-01-01"


def km_box(x1, y1, x2, y2):
    """A rectangle given in kilometres from the corner, as lon/lat."""
    return to_lonlat(shapely.box(X0 + 1000 * x1, Y0 + 1000 * y1, X0 + 1000 * x2,
                                 Y0 + 1000 * y2))


def to_lonlat(shape):
    return gpd.GeoSeries([shape], crs=METRIC).to_crs(schema.STORAGE_CRS).iloc[0]


def lonlat(x_km: float, y_km: float) -> tuple[float, float]:
    """The lon/lat of a point given in kilometres from the corner."""
    point = to_lonlat(shapely.Point(X0 + 1000 * x_km, Y0 + 1000 * y_km))
    return point.x, point.y


def tiny_grids() -> gpd.GeoDataFrame:
    rows = [
        (D, "新城区", 1, None, "district", "新城区政府路1号", (0, 0, 2, 1)),
        (S1, "林山寨街道", 2, D, "street", "林山寨街道办事处", (0, 0, 1, 1)),
        (C1, "绿东社区", 3, S1, "community", "绿东社区居委会", (0, 0, 0.5, 1)),
        (C2, "建新", 3, S1, "community", "建新社区居委会", (0.5, 0, 1, 1)),
        (S2, "须水镇", 2, D, "town", "须水镇政府", (1, 0, 2, 1)),
        (V, "西岗村", 3, S2, "village", "西岗村村委会", (1, 0, 2, 0.6)),
        (P, "须水工业园区", 3, S2, "industrial_park", "园区管委会", (1, 0.6, 2, 1)),
        (K, "豫新化工有限公司", 4, P, "enterprise", "园区纬一路8号", (1.2, 0.7, 1.4, 0.9)),
    ]
    frame = pd.DataFrame([r[:6] for r in rows], columns=list(schema.GRID_COLUMNS))
    return gpd.GeoDataFrame(frame, geometry=[km_box(*r[6]) for r in rows],
                            crs=schema.STORAGE_CRS)


def tiny_sources() -> gpd.GeoDataFrame:
    rows = [  # id, name, category, grid, key grid, (x, y) km
        ("S1", "绿东饭店", "catering_fumes", C1, None, (0.1, 0.1)),
        ("S2", "绿东工地", "construction_dust", C1, None, (0.2, 0.5)),
        ("S3", "绿东汽修", "vehicle_repair", C1, None, (0.3, 0.8)),
        ("S4", "绿东烧烤", "catering_fumes", C1, None, (0.4, 0.3)),
        ("S5", "建新饭店", "catering_fumes", C2, None, (0.7, 0.5)),
        ("S6", "建新工地", "construction_dust", C2, None, (0.9, 0.9)),
        ("S7", "西岗养殖场", "livestock", V, None, (1.5, 0.3)),
        ("S8", "豫新化工", "industrial", P, K, (1.3, 0.8)),
        ("S9", "园区喷涂", "vehicle_repair", P, None, (1.8, 0.8)),
    ]
    frame = pd.DataFrame({"source_id": [r[0] for r in rows], "name": [r[1] for r in rows],
                          "category": [r[2] for r in rows], "grid_code": [r[3] for r in rows],
                          "is_key": [r[4] is not None for r in rows],
                          "key_grid_code": [r[4] for r in rows], "address": None})
    points = [shapely.Point(*lonlat(*r[5])) for r in rows]
    return gpd.GeoDataFrame(frame, geometry=points, crs=schema.STORAGE_CRS)


INSPECTORS = [("W1", "张伟", "full_time", "13800000001"),
              ("W2", "李娜", "part_time", "13800000002"),
              ("W3", "王芳", "dedicated", "13800000003"),
              ("W4", "刘洋", "full_time", "13800000004")]


def tiny_assignments() -> pd.DataFrame:
    rows = []
    people = {
        D: ("区长甲", "副区长乙", "科长丙", "科长丁"),
        S1: ("主任林一", "副主任林二", "林三", "林四"),
        S2: ("镇长须一", "副镇长须二", "须三", "须四"),
        C1: ("主任绿一", "副主任绿二", None, "绿四"),
        C2: ("主任建一", "副主任建二", None, "建四"),
        V: ("村主任岗一", "岗二", None, "岗四"),
        P: ("主任园一", "园二", None, "园四"),
    }
    inspector_of = {C1: "W1", C2: "W4", V: "W2", P: "W3"}
    names = {i[0]: i[1] for i in INSPECTORS}
    for code, (first, direct, a, b) in people.items():
        rows.append((code, "first_responsible", None, first))
        rows.append((code, "direct_responsible", None, direct))
        if code in inspector_of:
            rows.append((code, "responsible_a", inspector_of[code], names[inspector_of[code]]))
        else:
            rows.append((code, "responsible_a", None, a))
        rows.append((code, "responsible_b", None, b))
        if code in inspector_of:
            rows.append((code, "inspector", inspector_of[code], names[inspector_of[code]]))
    frame = pd.DataFrame(rows, columns=["grid_code", "role", "inspector_id", "person_name"])
    frame["phone"] = None
    frame["valid_from"] = START
    frame["valid_to"] = None
    return frame


@contextlib.contextmanager
def clock(at: str):
    """History rows written inside are stamped ``at`` (an ISO time with its offset)."""
    with mock.patch.object(project_module, "_now", lambda: at):
        yield


def tiny_project(path="/nonexistent/tiny.gpkg") -> Project:
    """The tiny district, imported on 2026-01-01 (history rows as an import writes them)."""
    project = Project.create(path)
    grids = tiny_grids()
    with clock("2026-01-01T09:00:00+08:00"):
        project.set_table(schema.GRIDS, grids)
        project.record_history("import", schema.GRIDS, list(grids["grid_code"]), None,
                               [feature_dict(r) for _, r in project.grids.iterrows()],
                               user="导入员")
    project.set_table(schema.SOURCES, tiny_sources())
    project.set_table(schema.INSPECTORS, pd.DataFrame(INSPECTORS,
                                                      columns=list(schema.INSPECTOR_COLUMNS)))
    project.set_table(schema.ASSIGNMENTS, tiny_assignments())
    return project


def edit_grids(project: Project, action: str, at: str, user: str, changes) -> None:
    """Do what a grid Edit does: change the table, then write one history row per feature.

    ``changes``: (code, new row dict or None) pairs; a new row needs name, level,
    parent_code, kind and a geometry.
    """
    grids = project.grids
    befores, codes = [], []
    for code, new in changes:
        here = (grids["grid_code"] == code).to_numpy(bool)
        befores.append(feature_dict(grids[here].iloc[0]) if here.any() else None)
        codes.append(code)
        grids = grids[~here]
        if new is not None:
            attributes = {"grid_code": code, **{k: v for k, v in new.items() if k != "geometry"}}
            row = gpd.GeoDataFrame(pd.DataFrame([attributes]), geometry=[new["geometry"]],
                                   crs=schema.STORAGE_CRS)
            grids = pd.concat([grids, row], ignore_index=True)
    project.set_table(schema.GRIDS, gpd.GeoDataFrame(grids, geometry="geometry",
                                                     crs=schema.STORAGE_CRS))
    now = project.grids.set_index("grid_code", drop=False)
    afters = [feature_dict(now.loc[c]) if c in now.index else None for c in codes]
    with clock(at):
        project.record_history(action, schema.GRIDS, codes, befores, afters, user)


def grid_row(project: Project, code: str, **changes) -> dict:
    """A grid's current row as a dict, with some values changed."""
    row = project.grids[project.grids["grid_code"] == code].iloc[0]
    values = {k: row[k] for k in ("name", "level", "parent_code", "kind", "office_address")}
    return {**values, "geometry": row.geometry, **changes}


# ---- the drawing itself ----------------------------------------------------------------------
def metric_areas(frame) -> dict:
    return dict(zip(frame["grid_code"], frame.to_crs(METRIC).area.round(3) / 1e6))


def test_the_tiny_district_tiles_exactly():
    grids = tiny_grids()
    areas = metric_areas(grids)
    assert areas == {D: 2.0, S1: 1.0, C1: 0.5, C2: 0.5, S2: 1.0, V: 0.6, P: 0.4, K: 0.04}
    level3 = grids[grids["level"] == 3]
    union = shapely.union_all(level3.to_crs(METRIC).geometry.values)
    district = grids[grids["level"] == 1].to_crs(METRIC).geometry.iloc[0]
    assert abs(union.symmetric_difference(district).area) < 1e-3


def test_the_tiny_project_has_an_import_row_per_grid():
    project = tiny_project()
    assert list(project.history["action"]) == ["import"] * 8
    assert list(project.history["feature_id"]) == [D, S1, C1, C2, S2, V, P, K]
    assert set(project.history["at"]) == {"2026-01-01T09:00:00+08:00"}
