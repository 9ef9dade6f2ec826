"""Bring a file into a project: read and validate, convert to WGS-84, merge, save — or nothing.

The recipe of every import: read the file with its reader; refuse the whole file when rows were
rejected, unless the user accepted a rejects report; convert the datum; merge into new copies of
the project's tables (conflicts with the project reject rows too); then one save. Until that save
the project file is untouched, so a failure anywhere leaves it exactly as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisapp import crs as crs_mod
from gisapp import schema
from gisapp.errors import InputError
from gisapp.fixes import Fixes
from gisapp.i18n import _
from gisapp.io.report import ImportReport
from gisapp.progress import Progress, step
from gisapp.project import Project

KINDS = ("grids", "sources", "inspectors", "assignments", "tracks")
_SAMPLE = 20_000  # enough fixes to tell a 500 m datum shift from noise
# A datum is suggested only when the converted data fit this well: patrols and trips also run
# outside the district, and a shift can move some of them in by chance (GeoLife in Haidian).
_FIT_FLOOR = {"tracks": 0.95, "sources": 0.95, "grids": 0.9}


@dataclass
class ImportResult:
    kind: str
    file: str
    rows_read: int
    rows_kept: int
    rows_rejected: int
    rejects_path: str | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def import_file(project: Project, kind: str, path: str | Path, *, crs: str | None = None,
                accept_rejects: str | Path | None = None, mapping: dict | None = None,
                options: dict | None = None, progress: Progress | None = None,
                save: bool = True) -> ImportResult:
    """Import one file of ``kind`` into ``project`` and save it (all-or-nothing)."""
    path = Path(path)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if not path.is_file():
        raise InputError(path, _("no such file"))
    digest = _sha256(path)
    _refuse_repeated_track_import(project, kind, path, digest)
    step(progress, 0, 4, f"reading {path.name}")
    data, report = _read(kind, path, mapping, options or {}, progress)
    _refuse_unaccepted(report, accept_rejects)
    step(progress, 1, 4, "checking coordinates")
    data = _to_wgs84(kind, data, crs, project, report)
    step(progress, 2, 4, "merging")
    rejected_by_reader = report.n_rejected
    tables = _MERGERS[kind](project, data, report)
    _refuse_unaccepted(report, accept_rejects)
    rejects_path = None
    if report.n_rejected and accept_rejects is not None:
        rejects_path = str(report.write_rejects(accept_rejects))
    kept = len(data) - (report.n_rejected - rejected_by_reader)
    if kind == "tracks":
        project.add_fixes(tables.pop("fixes"), progress=None)
    for name, frame in tables.items():
        project.set_table(name, frame)
    project.record_import(kind, str(path), digest, kept, report.n_rejected)
    if save:
        step(progress, 3, 4, "saving")
        project.save()
    step(progress, 4, 4, "done")
    return ImportResult(kind, str(path), report.rows_read, kept, report.n_rejected,
                        rejects_path, report.notes, report.warnings)


# ---- steps -----------------------------------------------------------------------------------
def _read(kind, path, mapping, options, progress):
    if kind == "grids":
        from gisapp.io.vector import read_grids
        return read_grids(path, mapping=mapping, **options)
    if kind == "sources":
        from gisapp.io.vector import read_sources
        return read_sources(path, mapping=mapping, **options)
    if kind == "inspectors":
        from gisapp.io.tables import read_inspectors
        return read_inspectors(path, mapping=mapping)
    if kind == "assignments":
        from gisapp.io.tables import read_assignments
        return read_assignments(path, mapping=mapping)
    from gisapp.io.platform_csv import read_tracks
    return read_tracks(path, progress=progress, **options)


def _refuse_unaccepted(report: ImportReport, accept_rejects) -> None:
    if report.n_rejected and accept_rejects is None:
        raise report.error()


def _refuse_repeated_track_import(project, kind, path, digest):
    if kind != "tracks":
        return
    imports = project.tables[schema.IMPORTS]
    earlier = imports[(imports["sha256"] == digest) & (imports["kind"] == "tracks")]
    if len(earlier):
        first = earlier.iloc[0]
        raise InputError(path, _("these tracks were already imported on {at} (from {file}); "
                                 "importing them again would count every fix twice").format(
            at=first["imported_at"], file=first["file"]))


def _to_wgs84(kind, data, crs, project: Project, report: ImportReport):
    if kind in ("inspectors", "assignments"):
        return data
    if crs is None:
        guess = _guess_datum(kind, data, project)
        if guess:
            raise InputError(report.file, _(
                "the coordinates look like {datum} (they fit the district's grids far better "
                "after conversion from {datum} to WGS-84); say which they are with --crs "
                "{option} (or --crs wgs84 if they really are GPS coordinates)").format(
                    datum=guess.upper(), option=guess))
        return data
    kind_crs = crs.lower()
    if kind_crs in ("wgs84", "cgcs2000", "epsg:4326", "epsg:4490"):
        return data
    report.notes.append(f"converted coordinates from {kind_crs.upper()} to WGS-84")
    if kind == "tracks":
        lon, lat = crs_mod.to_wgs84(data.lon, data.lat, kind_crs)
        return Fixes(data.inspector, data.inspector_ids, data.time_ms, lon, lat,
                     data.accuracy_m)
    converted = data.copy()
    converted["geometry"] = crs_mod.to_wgs84_geometry(data.geometry.values, kind_crs)
    return gpd.GeoDataFrame(converted, geometry="geometry", crs=schema.STORAGE_CRS)


def _guess_datum(kind, data, project: Project) -> str | None:
    """Compare the data with the project's grids as-is and as if GCJ-02 or BD-09."""
    if len(project.grids) == 0 or len(data) == 0:
        return None
    floor = _FIT_FLOOR[kind]

    def plausible(score):
        def fit(x, y):
            value = score(x, y)
            return value if value >= floor else 0.0
        return fit
    district = shapely.union_all(project.grids.geometry.values)
    if kind == "tracks":
        take = np.linspace(0, len(data) - 1, min(len(data), _SAMPLE)).astype(np.int64)
        lon, lat = data.lon[take], data.lat[take]
        shapely.prepare(district)

        def share_inside(x, y):
            return float(np.mean(shapely.contains_xy(district, x, y)))
        return crs_mod.detect_offset(lon, lat, plausible(share_inside))
    geoms = np.asarray(data.geometry.values, dtype=object)
    coords = shapely.get_coordinates(geoms)
    if kind == "sources":
        shapely.prepare(district)
        return crs_mod.detect_offset(coords[:, 0], coords[:, 1], plausible(lambda x, y: float(
            np.mean(shapely.contains_xy(district, x, y)))))

    def iou(x, y):
        moved = shapely.union_all(shapely.set_coordinates(geoms.copy(), np.c_[x, y]))
        union = shapely.union(moved, district).area
        return float(shapely.intersection(moved, district).area / union) if union else 0.0
    # grids only compare where they overlap the project at all (a new district is not offset)
    if not shapely.intersects(shapely.union_all(geoms), district):
        return None
    return crs_mod.detect_offset(coords[:, 0], coords[:, 1], plausible(iou))


# ---- merges: pure, return new tables ---------------------------------------------------------
def _merge_grids(project: Project, grids: gpd.GeoDataFrame, report: ImportReport):
    top = (grids["level"] == 1).to_numpy() & grids["parent_code"].notna().to_numpy()
    if top.any():  # a district's parent (the city) is outside the grid hierarchy
        grids = grids.copy()
        grids.loc[top, "parent_code"] = pd.NA
        report.notes.append(f"ignored the parent code of {int(top.sum())} level-1 grids")
    existing = set(project.grids["grid_code"].dropna().astype(str))
    codes = grids["grid_code"].astype(str)
    clash = codes.isin(existing).to_numpy()
    _reject_rows(report, grids, clash, _("grid code already in the project"))
    known = existing | set(codes)
    parent = grids["parent_code"]
    orphan = (parent.notna() & ~parent.astype(str).isin(known)).to_numpy() & ~clash
    _reject_rows(report, grids, orphan, _("parent grid code not found in the file or project"))
    good = grids[~(clash | orphan)]
    project.record_history("import", schema.GRIDS, good["grid_code"], None,
                           _feature_dicts(good))
    return {schema.GRIDS: _concat(project.grids, good)}


def _merge_sources(project: Project, sources: gpd.GeoDataFrame, report: ImportReport):
    existing = set(project.sources["source_id"].dropna().astype(str))
    clash = sources["source_id"].astype(str).isin(existing).to_numpy()
    _reject_rows(report, sources, clash, _("source id already in the project"))
    sources = sources.copy()
    outside = np.zeros(len(sources), bool)
    grids = project.grids
    if len(grids):
        deepest = grids[grids["level"] == min(3, int(grids["level"].max()))]
        containing = _containing_code(deepest, sources.geometry.values)
        outside = containing.isna().to_numpy() & ~clash
        _reject_rows(report, sources, outside, _("lies outside every grid of the district"))
        fill = sources["grid_code"].isna().to_numpy()
        sources.loc[fill, "grid_code"] = containing[fill].to_numpy()
        keys = grids[grids["level"] == 4]
        if len(keys):
            in_key = _containing_code(keys, sources.geometry.values)
            fill = sources["key_grid_code"].isna().to_numpy() & in_key.notna().to_numpy()
            sources.loc[fill, "key_grid_code"] = in_key[fill].to_numpy()
            sources.loc[sources["key_grid_code"].notna().to_numpy(), "is_key"] = True
    good = sources[~(clash | outside)]
    project.record_history("import", schema.SOURCES, good["source_id"], None,
                           _feature_dicts(good))
    return {schema.SOURCES: _concat(project.sources, good)}


def _merge_inspectors(project: Project, inspectors: pd.DataFrame, report: ImportReport):
    """A roster re-import updates people already known (with history) and adds new ones."""
    current = project.inspectors.set_index("inspector_id", drop=False)
    incoming = inspectors.set_index("inspector_id", drop=False)
    updated = incoming.index.intersection(current.index)
    changed = [i for i in updated
               if not current.loc[i].fillna("").equals(incoming.loc[i].fillna(""))]
    if changed:
        project.record_history("update", schema.INSPECTORS, changed,
                               [current.loc[i].to_dict() for i in changed],
                               [incoming.loc[i].to_dict() for i in changed])
    new = incoming.index.difference(current.index)
    project.record_history("import", schema.INSPECTORS, list(new), None,
                           [incoming.loc[i].to_dict() for i in new])
    merged = pd.concat([current.drop(index=updated), incoming], ignore_index=True)
    return {schema.INSPECTORS: merged}


def _merge_assignments(project: Project, rows: pd.DataFrame, report: ImportReport):
    grid_codes = set(project.grids["grid_code"].dropna().astype(str))
    inspector_ids = set(project.inspectors["inspector_id"].dropna().astype(str))
    no_grid = ~rows["grid_code"].astype(str).isin(grid_codes).to_numpy()
    _reject_rows(report, rows, no_grid, _("grid code not in the project"))
    has_id = rows["inspector_id"].notna().to_numpy()
    unknown = has_id & ~rows["inspector_id"].astype(str).isin(inspector_ids).to_numpy() \
        & ~no_grid
    _reject_rows(report, rows, unknown, _("inspector id not in the project (import "
                                          "inspectors first)"))
    good = rows[~(no_grid | unknown)]
    ids = (good["grid_code"].astype(str) + "/" + good["role"].astype(str) + "/"
           + good["person_name"].fillna(good["inspector_id"]).astype(str))
    project.record_history("import", schema.ASSIGNMENTS, ids, None,
                           good.to_dict(orient="records"))
    return {schema.ASSIGNMENTS: _concat(project.assignments, good)}


def _merge_tracks(project: Project, fixes: Fixes, report: ImportReport):
    known = set(project.inspectors["inspector_id"].dropna().astype(str))
    if known:
        strangers = sorted(set(map(str, fixes.inspector_ids)) - known)
        if strangers:
            report.warnings.append(
                f"{len(strangers)} track ids are not inspectors of the project "
                f"({', '.join(strangers[:5])}{'…' if len(strangers) > 5 else ''}); their "
                "fixes are kept, but count for no one until they are assigned")
    return {"fixes": fixes}


_MERGERS = {"grids": _merge_grids, "sources": _merge_sources, "inspectors": _merge_inspectors,
            "assignments": _merge_assignments, "tracks": _merge_tracks}


# ---- helpers ---------------------------------------------------------------------------------
def _reject_rows(report: ImportReport, frame: pd.DataFrame, mask: np.ndarray, problem: str):
    if not mask.any():
        return
    rows = frame.index.to_numpy()[mask]  # readers index good rows by their row number
    raw = pd.DataFrame(frame[mask]).drop(columns=["geometry"], errors="ignore")
    report.reject(rows, problem, raw)


def _containing_code(grids: gpd.GeoDataFrame, points) -> pd.Series:
    """Code of the grid covering each point (the first one on a shared edge), else NA."""
    tree = shapely.STRtree(grids.geometry.values)
    point_index, grid_index = tree.query(points, predicate="covered_by")
    codes = pd.Series(pd.NA, index=range(len(points)), dtype="string")
    first = np.unique(point_index, return_index=True)[1]
    codes.iloc[point_index[first]] = grids["grid_code"].astype(str).to_numpy()[grid_index[first]]
    return codes


def _feature_dicts(frame: gpd.GeoDataFrame) -> list[dict]:
    attributes = pd.DataFrame(frame.drop(columns=["geometry"], errors="ignore"))
    records = attributes.astype(object).where(attributes.notna(), None).to_dict(orient="records")
    for record, geometry in zip(records, shapely.to_wkt(frame.geometry.values, rounding_precision=7)):
        record["geometry"] = geometry
    return records


def _concat(current: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    if len(current) == 0:
        return new
    return pd.concat([current, new], ignore_index=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
