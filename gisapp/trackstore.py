"""GPS fixes on disk: GeoParquet partitions, one folder per month, beside the GeoPackage.

A partition file becomes part of the project only when the project's manifest (the
``track_partitions`` table in the GeoPackage) lists it, so a crash between writing a file and
saving the project leaves an orphan that readers ignore and the next save deletes.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from gisapp.fixes import Fixes
from gisapp.progress import Progress, step

_LOCAL_OFFSET_MS = 8 * 3600 * 1000  # Asia/Shanghai has no DST: months are cut in local time
_ROW_GROUP = 1 << 20

_GEO_METADATA = json.dumps({
    "version": "1.1.0",
    "primary_column": "geometry",
    # no "crs" key: GeoParquet then means OGC:CRS84, i.e. lon/lat on WGS-84
    "columns": {"geometry": {"encoding": "point", "geometry_types": ["Point"]}},
}).encode()

TRACK_SCHEMA = pa.schema([
    pa.field("inspector_id", pa.dictionary(pa.int32(), pa.string()), nullable=False),
    pa.field("time", pa.timestamp("ms", tz="UTC"), nullable=False),
    pa.field("geometry", pa.struct([pa.field("x", pa.float64(), nullable=False),
                                    pa.field("y", pa.float64(), nullable=False)]),
             nullable=False, metadata={b"ARROW:extension:name": b"geoarrow.point"}),
    pa.field("accuracy_m", pa.float32()),
], metadata={b"geo": _GEO_METADATA})


@dataclass(frozen=True)
class PartitionInfo:
    """One row of the project's manifest."""

    path: str  # relative to the tracks folder, with forward slashes
    month: str  # YYYY-MM, Asia/Shanghai
    rows: int
    time_min_ms: int
    time_max_ms: int
    inspectors: int


def local_months(time_ms: np.ndarray) -> np.ndarray:
    """Month of each UTC millisecond timestamp in Asia/Shanghai, as datetime64[M]."""
    return (time_ms + _LOCAL_OFFSET_MS).astype("datetime64[ms]").astype("datetime64[M]")


def fixes_to_table(fixes: Fixes) -> pa.Table:
    """Arrow table in the partition layout; columns share the numpy buffers where possible."""
    ids = pa.DictionaryArray.from_arrays(pa.array(fixes.inspector, pa.int32()),
                                         pa.array(fixes.inspector_ids.astype(str), pa.string()))
    time = pa.array(fixes.time_ms, pa.int64()).view(pa.timestamp("ms", tz="UTC"))
    geometry = pa.StructArray.from_arrays(
        [pa.array(fixes.lon, pa.float64()), pa.array(fixes.lat, pa.float64())],
        fields=list(TRACK_SCHEMA.field("geometry").type))
    accuracy = pa.array(fixes.accuracy_m, pa.float32(), from_pandas=True)  # NaN -> null
    return pa.Table.from_arrays([ids, time, geometry, accuracy], schema=TRACK_SCHEMA)


def table_to_fixes(table: pa.Table) -> Fixes:
    """Numpy columns from a partition table (ids unified across row groups and files)."""
    if table.num_rows == 0:
        return Fixes.empty()
    ids = table.column("inspector_id").unify_dictionaries().combine_chunks()
    if not pa.types.is_dictionary(ids.type):
        ids = ids.dictionary_encode()
    geometry = table.column("geometry").combine_chunks()
    accuracy = table.column("accuracy_m").combine_chunks()
    return Fixes(
        inspector=ids.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False),
        inspector_ids=np.asarray(ids.dictionary.to_pylist(), dtype=object),
        time_ms=table.column("time").combine_chunks().cast(pa.int64()).to_numpy(),
        lon=geometry.field("x").to_numpy(zero_copy_only=False),
        lat=geometry.field("y").to_numpy(zero_copy_only=False),
        accuracy_m=accuracy.to_numpy(zero_copy_only=False).astype(np.float32, copy=False),
    )


def write_partitions(folder: Path, fixes: Fixes, progress: Progress | None = None
                     ) -> list[PartitionInfo]:
    """Write fixes as new partition files, one per local month; returns their manifest rows.

    Each file is written under a temporary name and renamed, so a file with a final name is
    always complete. Nothing here touches the manifest.
    """
    if len(fixes) == 0:
        return []
    fixes = _sorted_if_needed(fixes)
    months = local_months(fixes.time_ms)
    order = np.argsort(months, kind="stable")  # keeps inspector/time order inside a month
    months_sorted = months[order]
    cuts = np.flatnonzero(months_sorted[1:] != months_sorted[:-1]) + 1
    infos = []
    for i, chunk in enumerate(np.split(order, cuts)):
        part = fixes if len(chunk) == len(fixes) else fixes.take(chunk)
        month = str(months_sorted[0] if not len(cuts) else months[chunk[0]])
        infos.append(_write_one(folder, month, part))
        step(progress, i + 1, len(cuts) + 1, f"tracks {month}")
    return infos


def _sorted_if_needed(fixes: Fixes) -> Fixes:
    # Platform exports are usually already sorted by device and time; checking is O(n),
    # sorting 10 million fixes costs seconds.
    rank = np.argsort(np.argsort(fixes.inspector_ids.astype(str))).astype(np.int64)
    key = rank[fixes.inspector]
    same = key[1:] == key[:-1]
    if np.all((key[1:] > key[:-1]) | (same & (fixes.time_ms[1:] >= fixes.time_ms[:-1]))):
        return fixes
    return fixes.sorted()


def _write_one(folder: Path, month: str, fixes: Fixes) -> PartitionInfo:
    relative = f"month={month}/part-{uuid.uuid4().hex[:12]}.parquet"
    final = folder / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name("." + final.name + ".tmp")
    pq.write_table(fixes_to_table(fixes), temporary, row_group_size=_ROW_GROUP,
                   compression="zstd", compression_level=1)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, final)
    return PartitionInfo(relative, month, len(fixes), int(fixes.time_ms.min()),
                         int(fixes.time_ms.max()), int(np.unique(fixes.inspector).size))


def read_partitions(folder: Path, partitions: list[PartitionInfo], *,
                    inspectors: list[str] | None = None, start_ms: int | None = None,
                    end_ms: int | None = None, progress: Progress | None = None) -> Fixes:
    """Read the listed partitions overlapping [start_ms, end_ms) as numpy columns."""
    parts = list(iter_partitions(folder, partitions, inspectors=inspectors,
                                 start_ms=start_ms, end_ms=end_ms, progress=progress))
    if len(parts) == 1:
        return parts[0]
    return Fixes.concat(parts).sorted() if parts else Fixes.empty()


def iter_partitions(folder: Path, partitions: list[PartitionInfo], *,
                    inspectors: list[str] | None = None, start_ms: int | None = None,
                    end_ms: int | None = None, progress: Progress | None = None):
    """The fixes of [start_ms, end_ms) one partition at a time, never merged or re-sorted.

    For callers that work per inspector anyway (the coverage engine): merging a month means a
    sort and copies costing seconds and a GB. A partition wholly inside the span is read
    without the row-by-row time filter.
    """
    chosen = [p for p in partitions
              if (start_ms is None or p.time_max_ms >= start_ms)
              and (end_ms is None or p.time_min_ms < end_ms)]
    for i, info in enumerate(chosen):
        inside = ((start_ms is None or start_ms <= info.time_min_ms)
                  and (end_ms is None or info.time_max_ms < end_ms))
        table = _filter(pq.read_table(folder / info.path), inspectors,
                        None if inside else start_ms, None if inside else end_ms)
        step(progress, i + 1, len(chosen), f"tracks {info.month}")
        yield table_to_fixes(table)


def _filter(table: pa.Table, inspectors, start_ms, end_ms) -> pa.Table:
    mask = None
    if inspectors is not None:
        ids = table.column("inspector_id").cast(pa.string())
        mask = pc.is_in(ids, value_set=pa.array([str(i) for i in inspectors], pa.string()))
    time = table.column("time").cast(pa.int64())
    for bound, op in ((start_ms, pc.greater_equal), (end_ms, pc.less)):
        if bound is not None:
            cond = op(time, pa.scalar(bound, pa.int64()))
            mask = cond if mask is None else pc.and_(mask, cond)
    return table if mask is None else table.filter(mask)


def remove_orphans(folder: Path, partitions: list[PartitionInfo]) -> list[Path]:
    """Delete partition files the manifest does not list (left by a crash or an undone import)."""
    if not folder.is_dir():
        return []
    listed = {(folder / p.path).resolve() for p in partitions}
    removed = []
    for path in folder.glob("month=*/*.parquet*"):
        if path.resolve() not in listed:
            path.unlink(missing_ok=True)
            removed.append(path)
    for month_dir in folder.glob("month=*"):
        if month_dir.is_dir() and not any(month_dir.iterdir()):
            month_dir.rmdir()
    return removed
