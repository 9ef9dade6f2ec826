"""Benchmark: import 10 million fixes from a platform CSV, read them back as numpy arrays,
beside the baseline `geopandas.read_file` of the same fixes stored as a GeoPackage.

    .venv/bin/python benchmarks/import_tracks.py [--fixes 10000000] [--work DIR]

Targets (issue 2): import >= 1 million fixes/s; reading the month back >= 10x faster than the
baseline. Prints the times, the rates and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_csv import write_synthetic_platform_csv  # noqa: E402

from gisapp.importer import import_file  # noqa: E402
from gisapp.project import Project  # noqa: E402


def _timed(label, function):
    start = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - start
    print(f"{label:<48} {seconds:8.2f} s")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fixes", type=int, default=10_000_000)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="gisapp-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    n = args.fixes
    print(f"{n:,} fixes in {work}")

    csv_path = work / "platform_export.csv"
    if not csv_path.exists():
        _timed("write synthetic CSV (setup)", lambda: write_synthetic_platform_csv(csv_path, n))
    print(f"CSV size {csv_path.stat().st_size / 1e6:,.0f} MB")

    project_path = work / "bench.gpkg"
    for stale in (project_path, project_path.with_name("bench.tracks")):
        if stale.is_file():
            stale.unlink()
        elif stale.is_dir():
            import shutil
            shutil.rmtree(stale)
    project = Project.create(project_path)
    project.save()
    _, import_s = _timed("gisapp import (read, validate, sort, write)",
                         lambda: import_file(Project.open(project_path), "tracks", csv_path,
                                             crs="wgs84"))
    fixes, read_s = _timed("gisapp read back as numpy arrays",
                           lambda: Project.open(project_path).fixes())
    assert len(fixes) == n, (len(fixes), n)

    baseline_path = work / "baseline.gpkg"
    if not baseline_path.exists():
        frame = gpd.GeoDataFrame(
            {"inspector_id": fixes.ids(), "time": fixes.time_ms.astype("datetime64[ms]")},
            geometry=gpd.points_from_xy(fixes.lon, fixes.lat), crs=4326)
        _timed("write baseline GeoPackage (setup)",
               lambda: pyogrio.write_dataframe(frame, baseline_path, layer="fixes",
                                               use_arrow=True))
        del frame
    baseline, baseline_s = _timed("baseline geopandas.read_file(GeoPackage)",
                                  lambda: gpd.read_file(baseline_path, layer="fixes"))
    assert len(baseline) == n
    lon_back = baseline.geometry.x.to_numpy()
    assert np.allclose(np.sort(lon_back), np.sort(fixes.lon))

    print()
    print(f"import rate            {n / import_s / 1e6:6.2f} million fixes/s  (target >= 1.0)")
    print(f"read-back rate         {n / read_s / 1e6:6.2f} million fixes/s")
    print(f"read-back vs baseline  {baseline_s / read_s:6.1f}x faster        (target >= 10)")


if __name__ == "__main__":
    main()
