"""Project: one GeoPackage of everything users edit, plus GeoParquet track partitions beside it.

Saving writes a complete new GeoPackage next to the old one and renames it over, so killing the
process at any moment leaves the last good project readable.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import re
import socket
from dataclasses import asdict
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gisapp import __version__, schema
from gisapp.errors import ProjectError
from gisapp.fixes import Fixes
from gisapp.io import geopackage
from gisapp.migrations import migrate
from gisapp.progress import Progress, step
from gisapp import trackstore
from gisapp.trackstore import PartitionInfo

_TABLE_COLUMNS = {
    schema.GRIDS: schema.GRID_COLUMNS,
    schema.SOURCES: schema.SOURCE_COLUMNS,
    schema.INSPECTORS: schema.INSPECTOR_COLUMNS,
    schema.ASSIGNMENTS: schema.ASSIGNMENT_COLUMNS,
    schema.INCIDENTS: schema.INCIDENT_COLUMNS,
    schema.HISTORY: schema.HISTORY_COLUMNS,
}
_SPATIAL = {schema.GRIDS, schema.SOURCES, schema.INCIDENTS}
_PARTITION_COLUMNS = {"path": "string", "month": "string", "rows": "int64",
                      "time_min_ms": "int64", "time_max_ms": "int64", "inspectors": "int64"}
_IMPORT_COLUMNS = {"imported_at": "string", "user": "string", "kind": "string",
                   "file": "string", "sha256": "string", "rows": "int64", "rejected": "int64"}


def empty_table(name: str) -> pd.DataFrame:
    columns = {schema.TRACK_PARTITIONS: _PARTITION_COLUMNS,
               schema.IMPORTS: _IMPORT_COLUMNS}.get(name) or _TABLE_COLUMNS[name]
    frame = pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    if name in _SPATIAL:
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=schema.STORAGE_CRS))
    return frame


def conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Exactly the schema's columns, in order, with the schema's dtypes (extras dropped)."""
    columns = {schema.TRACK_PARTITIONS: _PARTITION_COLUMNS,
               schema.IMPORTS: _IMPORT_COLUMNS}.get(name) or _TABLE_COLUMNS[name]
    out = {}
    for column, dtype in columns.items():
        values = frame[column] if column in frame.columns else pd.Series(pd.NA, index=frame.index)
        if dtype == "bool":
            values = values.fillna(False).astype(bool)
        elif dtype == "int64":
            values = pd.to_numeric(values).astype("int64")
        else:
            values = values.astype("string")
        out[column] = values.to_numpy() if dtype != "string" else values.array
    result = pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
    if name in _SPATIAL:
        geometry = gpd.GeoSeries(np.asarray(frame.geometry.values), crs=schema.STORAGE_CRS)
        result = gpd.GeoDataFrame(result, geometry=geometry)
    return result


def conforms(name: str, frame: pd.DataFrame) -> bool:
    """Whether ``conform(name, frame)`` would give ``frame`` back unchanged: the schema's
    columns in order with its dtypes, a 0..n-1 index and, for a spatial table, the storage CRS
    (an edit's new table is built from conforming rows; this looks at no row)."""
    spatial = name in _SPATIAL
    if type(frame) is not (gpd.GeoDataFrame if spatial else pd.DataFrame):
        return False
    index = frame.index
    if not (type(index) is pd.RangeIndex and index.start == 0 and index.step == 1
            and index.name is None and frame.columns.name is None and not frame.attrs):
        return False
    columns, wanted = _schema_dtypes(name, pd.get_option("mode.string_storage"))
    if list(frame.columns) != columns:
        return False
    dtypes = list(frame.dtypes)
    if dtypes[:len(wanted)] != wanted:
        return False
    if spatial:
        return (frame._geometry_column_name == "geometry"
                and isinstance(dtypes[-1], gpd.array.GeometryDtype)
                and frame.crs is not None and frame.crs == schema.STORAGE_CRS)
    return True


@cache
def _schema_dtypes(name: str, _string_storage: str) -> tuple[list[str], list]:
    """The column names of table ``name`` and the dtypes ``conform`` gives its non-geometry
    columns (the string dtype depends on pandas' string storage option)."""
    columns = {schema.TRACK_PARTITIONS: _PARTITION_COLUMNS,
               schema.IMPORTS: _IMPORT_COLUMNS}.get(name) or _TABLE_COLUMNS[name]
    return ([*columns, *(["geometry"] if name in _SPATIAL else [])],
            [pd.api.types.pandas_dtype(dtype) for dtype in columns.values()])


class Project:
    """An open project. Tables are in memory; ``save()`` commits them all at once."""

    def __init__(self, path: Path, tables: dict[str, pd.DataFrame], meta: dict[str, str]):
        self.path = Path(path)
        self.tables = tables
        self.meta = meta
        self.notes: list[str] = []  # what opening did (migrations), for the user to read

    # ---- lifecycle -------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, name: str | None = None) -> "Project":
        """A new, empty, unsaved project at ``path`` (refuses to replace an existing file)."""
        path = Path(path)
        if path.exists():
            raise ProjectError(f"{path}: already exists; open it, or choose another name")
        if path.suffix.lower() != ".gpkg":
            raise ProjectError(f"{path}: a project file ends in .gpkg")
        tables = {n: empty_table(n) for n in (*_TABLE_COLUMNS, schema.TRACK_PARTITIONS,
                                              schema.IMPORTS)}
        now = _now()
        meta = {"schema_version": str(schema.SCHEMA_VERSION), "name": name or path.stem,
                "created_at": now, "app_version": __version__}
        return cls(path, tables, meta)

    @classmethod
    def open(cls, path: str | Path, progress: Progress | None = None) -> "Project":
        path = Path(path)
        if not path.is_file():
            raise ProjectError(f"{path}: no such project file")
        geopackage.check_integrity(path)
        layers = geopackage.list_tables(path)
        if schema.META not in layers:
            raise ProjectError(f"{path}: a GeoPackage, but not a gisapp project "
                               f"(no {schema.META} table; tables: {', '.join(sorted(layers))})")
        meta_frame = geopackage.read_table(path, schema.META)
        meta = dict(zip(meta_frame["key"].astype(str), meta_frame["value"].astype(str)))
        version = int(meta.get("schema_version", "1"))
        tables: dict[str, pd.DataFrame] = {}
        names = [*_TABLE_COLUMNS, schema.TRACK_PARTITIONS, schema.IMPORTS]
        for i, name in enumerate(names):
            tables[name] = (geopackage.read_table(path, name) if name in layers
                            else empty_table(name))
            step(progress, i + 1, len(names), name)
        notes = migrate(tables, version, str(path))
        tables = {name: conform(name, frame) for name, frame in tables.items()}
        meta["schema_version"] = str(schema.SCHEMA_VERSION)
        project = cls(path, tables, meta)
        project.notes = notes
        return project

    def save(self, progress: Progress | None = None) -> None:
        """Commit every table in one step (write a new file, then rename it over the old)."""
        self.meta["saved_at"] = _now()
        self.meta["app_version"] = __version__
        tables = {name: conform(name, frame) for name, frame in self.tables.items()}
        tables[schema.META] = pd.DataFrame({"key": list(self.meta),
                                            "value": [str(v) for v in self.meta.values()]})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.stem}.saving-{os.getpid()}.gpkg")
        temporary.unlink(missing_ok=True)
        try:
            step(progress, 0, 2, "saving")
            geopackage.write_tables(temporary, tables)
            step(progress, 1, 2, "saving")
            geopackage.replace_atomically(temporary, self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        self.tables = {n: t for n, t in tables.items() if n != schema.META}
        trackstore.remove_orphans(self.tracks_dir, self.partitions)
        for stale in self.path.parent.glob(f".{self.path.stem}.saving-*"):
            _remove_if_stale(stale)
        step(progress, 2, 2, "saved")

    # ---- edit lock -------------------------------------------------------------------------
    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def lock_for_editing(self, user: str | None = None) -> dict | None:
        """Take the edit lock; None when taken, else who holds it {user, host, pid, since}.

        The lock is a small file beside the project, created atomically (O_EXCL), so two
        windows or two planners on a shared drive cannot both edit. A lock left by a process
        that died on this same machine is taken over; one from another machine is respected
        until its holder releases it.
        """
        mine = {"user": user or _user(), "host": socket.gethostname(), "pid": os.getpid(),
                "since": _now()}
        for _attempt in range(2):
            try:
                descriptor = os.open(self.lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                holder = self.lock_holder()
                if holder is None or _is_stale(holder):
                    self.lock_path.unlink(missing_ok=True)
                    continue
                if holder.get("host") == mine["host"] and holder.get("pid") == mine["pid"]:
                    return None  # this process already holds it
                return holder
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(mine, handle, ensure_ascii=False)
            return None
        return self.lock_holder()

    def lock_holder(self) -> dict | None:
        try:
            return json.loads(self.lock_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {"user": "?", "host": "?", "pid": 0, "since": "?"}

    def release_lock(self) -> None:
        holder = self.lock_holder()
        if holder and holder.get("host") == socket.gethostname() \
                and holder.get("pid") == os.getpid():
            self.lock_path.unlink(missing_ok=True)

    # ---- tables ----------------------------------------------------------------------------
    @property
    def grids(self) -> gpd.GeoDataFrame:
        return self.tables[schema.GRIDS]

    @property
    def sources(self) -> gpd.GeoDataFrame:
        return self.tables[schema.SOURCES]

    @property
    def inspectors(self) -> pd.DataFrame:
        return self.tables[schema.INSPECTORS]

    @property
    def assignments(self) -> pd.DataFrame:
        return self.tables[schema.ASSIGNMENTS]

    @property
    def incidents(self) -> gpd.GeoDataFrame:
        return self.tables[schema.INCIDENTS]

    @property
    def history(self) -> pd.DataFrame:
        return self.tables[schema.HISTORY]

    def set_table(self, name: str, frame: pd.DataFrame) -> None:
        """Replace table ``name`` by a copy of ``frame`` conformed to the schema; a frame that
        conforms already (an edit's new table) is copied as it is, without converting every
        value again."""
        self.tables[name] = frame.copy() if conforms(name, frame) else conform(name, frame)

    def record_history(self, action: str, table_name: str, feature_ids, before, after,
                       user: str | None = None) -> None:
        """Append one history row per feature; ``before``/``after`` are JSON-able (or None)."""
        self.record_edit_history(action, [(table_name, feature_ids, before, after)], user)

    def record_edit_history(self, action: str, tables, user: str | None = None) -> None:
        """``record_history`` for an edit of several tables at once: ``tables`` holds
        (table_name, feature_ids, before, after) per table, appended in that order."""
        start = int(self.history["edit_id"].max()) + 1 if len(self.history) else 1
        user = user or _user()
        columns: dict[str, list] = {c: [] for c in schema.HISTORY_COLUMNS if c != "edit_id"}
        for table_name, feature_ids, before, after in tables:
            feature_ids = [str(i) for i in feature_ids]
            n = len(feature_ids)
            for column, value in (("at", _now()), ("user", user), ("action", action),
                                  ("table_name", table_name)):
                columns[column] += [value] * n
            columns["feature_id"] += feature_ids
            columns["before"] += [None if b is None else json.dumps(b, ensure_ascii=False,
                                                                     default=str)
                                  for b in _broadcast(before, n)]
            columns["after"] += [None if a is None else json.dumps(a, ensure_ascii=False,
                                                                   default=str)
                                 for a in _broadcast(after, n)]
        n = len(columns["feature_id"])
        text = pd.api.types.pandas_dtype("string")
        rows = pd.DataFrame({"edit_id": np.arange(start, start + n, dtype=np.int64),
                             **{c: pd.array(v, dtype=text) for c, v in columns.items()}})
        history = self.history
        if conforms(schema.HISTORY, history):
            # the rows conform as built: appending keeps the schema's dtypes, nothing to redo
            self.tables[schema.HISTORY] = (pd.concat([history, rows], ignore_index=True)
                                           if len(history) and n else
                                           rows if n else history.copy())
        else:
            self.tables[schema.HISTORY] = conform(schema.HISTORY,
                                                  pd.concat([history, rows], ignore_index=True))

    # ---- tracks ----------------------------------------------------------------------------
    @property
    def tracks_dir(self) -> Path:
        return self.path.with_name(self.path.stem + ".tracks")

    @property
    def partitions(self) -> list[PartitionInfo]:
        frame = self.tables[schema.TRACK_PARTITIONS]
        return [PartitionInfo(str(r.path), str(r.month), int(r.rows), int(r.time_min_ms),
                              int(r.time_max_ms), int(r.inspectors))
                for r in frame.itertuples(index=False)]

    @property
    def fix_count(self) -> int:
        return int(self.tables[schema.TRACK_PARTITIONS]["rows"].sum())

    def add_fixes(self, fixes: Fixes, progress: Progress | None = None) -> list[PartitionInfo]:
        """Write fixes as new partitions; they belong to the project once it is saved."""
        infos = trackstore.write_partitions(self.tracks_dir, fixes, progress)
        rows = pd.DataFrame([asdict(i) for i in infos])
        self.tables[schema.TRACK_PARTITIONS] = conform(
            schema.TRACK_PARTITIONS,
            pd.concat([self.tables[schema.TRACK_PARTITIONS], rows], ignore_index=True))
        return infos

    def fixes(self, *, inspectors=None, start: dt.datetime | None = None,
              end: dt.datetime | None = None, progress: Progress | None = None) -> Fixes:
        """The project's fixes in [start, end) (aware datetimes), optionally some inspectors."""
        return trackstore.read_partitions(self.tracks_dir, self.partitions,
                                          inspectors=inspectors, start_ms=_ms(start),
                                          end_ms=_ms(end), progress=progress)

    def iter_fixes(self, *, inspectors=None, start: dt.datetime | None = None,
                   end: dt.datetime | None = None, progress: Progress | None = None):
        """Like :meth:`fixes`, one partition at a time (each sorted by inspector and time),
        for work done per inspector that need not pay for merging a whole month."""
        return trackstore.iter_partitions(self.tracks_dir, self.partitions,
                                          inspectors=inspectors, start_ms=_ms(start),
                                          end_ms=_ms(end), progress=progress)

    def record_import(self, kind: str, file: str, sha256: str, rows: int, rejected: int) -> None:
        row = pd.DataFrame([{"imported_at": _now(), "user": _user(), "kind": kind,
                             "file": file, "sha256": sha256, "rows": rows,
                             "rejected": rejected}])
        self.tables[schema.IMPORTS] = conform(
            schema.IMPORTS, pd.concat([self.tables[schema.IMPORTS], row], ignore_index=True))

    def summary(self) -> dict[str, int]:
        levels = self.grids["level"].value_counts().to_dict()
        return {"grids": len(self.grids), **{f"level{k}": int(v) for k, v in sorted(levels.items())},
                "sources": len(self.sources), "inspectors": len(self.inspectors),
                "assignments": len(self.assignments), "incidents": len(self.incidents),
                "fixes": self.fix_count}


def _broadcast(values, n):
    if values is None:
        return [None] * n
    values = list(values)
    if len(values) != n:
        raise ValueError("history: one before/after per feature")
    return values


def _ms(moment: dt.datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValueError("give an aware datetime (Asia/Shanghai or UTC)")
    return int(moment.timestamp() * 1000)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _is_stale(holder: dict) -> bool:
    """A lock of a process that no longer runs on this machine."""
    if holder.get("host") != socket.gethostname():
        return False
    try:
        os.kill(int(holder.get("pid", 0)), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, ValueError, OverflowError):
        return False
    return False


def _remove_if_stale(path: Path) -> None:
    """A temporary save file whose writer process is gone is garbage from a killed save."""
    match = re.search(r"\.saving-(\d+)", path.name)
    if not match:
        return
    pid = int(match.group(1))
    if pid == os.getpid():
        return
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        path.unlink(missing_ok=True)
    except PermissionError:
        pass
