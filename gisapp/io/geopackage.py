"""The project's GeoPackage: read every table, write every table into a new file.

Only gisapp.project calls this module; nothing else knows the store is a GeoPackage.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from gisapp.errors import ProjectError
from gisapp.i18n import _

GEOMETRY_TYPES = {"grids": "MultiPolygon", "sources": "Point", "incidents": "Point"}


def list_tables(path: Path) -> dict[str, str | None]:
    try:
        return {name: geom for name, geom in pyogrio.list_layers(path)}
    except Exception as exc:  # GDAL says "not recognized as a supported file format"
        raise ProjectError(_("{file}: not a readable GeoPackage ({error})").format(
            file=path, error=exc)) from exc


def read_table(path: Path, name: str) -> pd.DataFrame | gpd.GeoDataFrame:
    frame = pyogrio.read_dataframe(path, layer=name, use_arrow=True,
                                   read_geometry=name in GEOMETRY_TYPES)
    if "fid" in frame.columns:
        frame = frame.drop(columns="fid")
    return frame


def write_tables(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    """Write all tables into a NEW file at ``path`` (which must not exist) and fsync it."""
    if path.exists():
        raise ProjectError(_("{file}: refusing to overwrite in place").format(file=path))
    for name, frame in tables.items():
        geometry_type = GEOMETRY_TYPES.get(name)
        if geometry_type:
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG",
                                    geometry_type=geometry_type, promote_to_multi=True
                                    if geometry_type.startswith("Multi") else None)
        else:
            pyogrio.write_dataframe(pd.DataFrame(frame), path, layer=name, driver="GPKG")
    _fsync(path)


def check_integrity(path: Path) -> None:
    """SQLite's own check: a torn file fails here rather than half-loading."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            result = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise ProjectError(_("{file}: damaged file ({error})").format(file=path,
                                                                       error=exc)) from exc
    if result != "ok":
        raise ProjectError(_("{file}: damaged file ({error})").format(file=path, error=result))


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def replace_atomically(temporary: Path, final: Path) -> None:
    """Rename over the old file; on POSIX and NTFS a reader sees the old or the new, never half."""
    os.replace(temporary, final)
    try:
        directory = os.open(final.parent, os.O_RDONLY)
    except OSError:  # Windows cannot open directories; its rename is already durable enough
        return
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
