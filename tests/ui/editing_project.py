"""A tiny hand-drawn division to edit: a district of two streets, each of two communities.

All shared corners are vertices of every grid they touch, so the division is noded exactly.
The two west communities share the vertex (116.31, 40.00) in the middle of the street (held
by them alone): moving it keeps the street tiled. Sources S1 (west south), S2 (east north),
S3 (east south); inspectors I1 and I2.

    40.02 +-----------+-----------+
          |    W2     |    E2     |
    40.00 +-----*-----+-----*-----+        * (116.31, 40.00) and (116.33, 40.00)
          |    W1     |    E1     |
    39.98 +-----------+-----------+
       116.30      116.32      116.34
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from gisapp import schema
from gisapp.project import Project

D, W, E = "410100", "410100001", "410100002"
W1, W2, E1, E2 = "410100001001", "410100001002", "410100002001", "410100002002"
SHARED = (116.31, 40.00)  # held by W1 and W2 only
S, N, M = 39.98, 40.02, 40.00  # south, north, middle latitudes


def polygons() -> dict[str, shapely.Polygon]:
    return {
        D: shapely.Polygon([(116.30, S), (116.32, S), (116.34, S), (116.34, M), (116.34, N),
                            (116.32, N), (116.30, N), (116.30, M)]),
        W: shapely.Polygon([(116.30, S), (116.32, S), (116.32, M), (116.32, N), (116.30, N),
                            (116.30, M)]),
        E: shapely.Polygon([(116.32, S), (116.34, S), (116.34, M), (116.34, N), (116.32, N),
                            (116.32, M)]),
        W1: shapely.Polygon([(116.30, S), (116.32, S), (116.32, M), (116.31, M),
                             (116.30, M)]),
        W2: shapely.Polygon([(116.30, M), (116.31, M), (116.32, M), (116.32, N),
                             (116.30, N)]),
        E1: shapely.Polygon([(116.32, S), (116.34, S), (116.34, M), (116.33, M),
                             (116.32, M)]),
        E2: shapely.Polygon([(116.32, M), (116.33, M), (116.34, M), (116.34, N),
                             (116.32, N)]),
    }


def make_editing_project(path: Path) -> Project:
    shapes = polygons()
    codes = [D, W, E, W1, W2, E1, E2]
    project = Project.create(path, name="编辑区")
    project.set_table(schema.GRIDS, gpd.GeoDataFrame({
        "grid_code": codes,
        "name": ["编辑区", "西街道", "东街道", "西一社区", "西二社区", "东一社区", "东二社区"],
        "level": [1, 2, 2, 3, 3, 3, 3], "parent_code": [None, D, D, W, W, E, E],
        "kind": ["district", "street", "street", "community", "community", "community",
                 "community"],
    }, geometry=[shapes[c] for c in codes], crs=schema.STORAGE_CRS))
    project.set_table(schema.SOURCES, gpd.GeoDataFrame({
        "source_id": ["S1", "S2", "S3"], "name": ["钢铁厂", "工地", "饭店"],
        "category": ["industrial", "construction_dust", "catering_fumes"],
        "grid_code": [W1, E2, E1], "is_key": [False] * 3,
    }, geometry=shapely.points([(116.305, 39.985), (116.335, 40.015), (116.325, 39.990)]),
        crs=schema.STORAGE_CRS))
    project.set_table(schema.INSPECTORS, pd.DataFrame({
        "inspector_id": ["I1", "I2"], "name": ["张三", "李四"], "kind": ["full_time"] * 2}))
    project.save()
    return project
