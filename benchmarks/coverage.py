"""Benchmark: a month of coverage at the demo's "month" scale, beside two baselines.

    python benchmarks/coverage.py [--workdir DIR] [--scale month] [--gpd-inspectors 5]
                                  [--mpd-inspectors 2] [--runs 3] [--profile]

1. The demo district at ``--scale`` (month: 200 inspectors, 22 patrol days, a fix every 10 s,
   about 12.5 million fixes, ~5,000 sources, ~100 community grids) is written once as a project
   (GeoPackage + GeoParquet track partitions) in ``--workdir`` and reused by later runs.
2. The engine: in a fresh process with Arrow limited to one thread, open the project, read the
   month's fixes and compute the whole coverage (cleaning, visits, full sweep, swept area, time
   outside, review flags). Wall and CPU time, fixes per second and the process's peak resident
   memory are reported; the best of ``--runs`` runs counts (the machine is shared).
3. The baselines, each on N inspectors spread over the id list (W001, W041, ... for N = 5 of
   200; their fixes read from the same project), timed
   from the fixes in memory to the result, then scaled linearly by fix count to the month:
   (a) GeoPandas as an analyst writes it: points -> to_crs, drop bad accuracy, duplicates and
       fixes implying > 40 m/s, buffer the sources 50 m and ``sjoin`` the fixes, group
       consecutive hits into dwells (pandas), buffer each session's track line 50 m, dissolve
       per inspector, overlay with the assigned grids for the swept share, ``sjoin`` fixes with
       the grids for time outside;
   (b) movingpandas: TrajectoryCollection + TrajectoryStopDetector (60 s, 100 m), stop points
       ``sjoin``-ed with the sources buffered 50 m, trajectory lengths.
   Linear scaling flatters the baselines (dissolve and overlay grow faster than linearly), and
   the baselines do less than the engine (no review flags, no per-grid tables).
   The engine is also timed on the same subsets, for a like-for-like ratio (its fixed cost of
   planning duties and summing the tables weighs heavily on a small subset).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

METRIC_CRS = "EPSG:4547"  # CGCS2000 3-degree GK, central meridian 114E: the demo district


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="/tmp/gisapp-bench", type=Path)
    parser.add_argument("--scale", default="month", choices=("demo", "month"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--gpd-inspectors", type=int, default=5)
    parser.add_argument("--mpd-inspectors", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="pyinstrument the engine")
    parser.add_argument("--engine-child", metavar="PROJECT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engine_child:
        return _engine_child(Path(args.engine_child), args.month, args.profile)

    project_path = _prepare(args.workdir, args.scale, args.seed, args.month)
    runs = [_engine_in_child(project_path, args.month, args.profile and k == 0)
            for k in range(args.runs)]
    best = min(runs, key=lambda r: r["wall_s"])
    print(f"\nengine, whole month, one process (best of {len(runs)}: "
          + ", ".join(f"{r['wall_s']:.2f}" for r in runs) + " s)")
    print(f"  fixes            {best['fixes']:,}")
    print(f"  read fixes       {best['read_s']:.2f} s")
    print(f"  coverage         {best['coverage_s']:.2f} s")
    print(f"  end to end       {best['wall_s']:.2f} s wall, {best['cpu_s']:.2f} s CPU")
    print(f"  throughput       {best['fixes'] / best['wall_s'] / 1e6:.2f} million fixes/s "
          f"(target >= 3)")
    print(f"  peak memory      {best['max_rss_mb']:.0f} MB (target < 2048)")

    from gisapp.project import Project
    project = Project.open(project_path)
    ids = sorted(project.inspectors["inspector_id"].astype(str))
    rows = []
    for name, count, baseline in (("GeoPandas", args.gpd_inspectors, _geopandas_way),
                                  ("movingpandas", args.mpd_inspectors, _movingpandas_way)):
        if count <= 0:
            continue
        subset = ids[::max(len(ids) // count, 1)][:count]  # spread over the district
        inputs = _inputs(project, args.month, subset)
        n = len(inputs.fixes)
        started = time.perf_counter()
        theirs = baseline(inputs)
        their_s = time.perf_counter() - started
        started = time.perf_counter()
        ours = _engine_on(inputs, args.month)
        our_s = time.perf_counter() - started
        agreement = _agreement(ours, theirs)
        scaled = their_s * best["fixes"] / n
        rows.append((name, count, n, their_s, our_s, scaled, agreement))
    print("\nbaselines (subset of inspectors, fixes already in memory; scaled linearly by fixes)")
    for name, count, n, their_s, our_s, scaled, agreement in rows:
        print(f"  {name:12s} {count} inspectors, {n:,} fixes: {their_s:.2f} s "
              f"({n / their_s:,.0f} fixes/s); engine on the same fixes {our_s:.3f} s "
              f"-> {their_s / our_s:.0f}x")
        print(f"  {'':12s} scaled to the month: {scaled:.0f} s; engine end to end "
              f"{best['wall_s']:.2f} s -> {scaled / best['wall_s']:.0f}x "
              f"(target {'20' if name == 'GeoPandas' else '50'}x)")
        print(f"  {'':12s} visited (inspector, source) pairs: {agreement}")
    return 0


# ---- data ----------------------------------------------------------------------------------
def _prepare(workdir: Path, scale: str, seed: int, month: str) -> Path:
    """The demo project in ``workdir`` (written once per scale, seed and month)."""
    folder = workdir / f"{scale}-{seed}-{month}"
    path = folder / "demo_district.gpkg"
    if path.exists():
        print(f"using {path}")
        return path
    from gisapp.demo import build_demo
    from gisapp.fixes import Fixes
    from gisapp.project import Project
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    demo = build_demo(seed=seed, scale=scale, month=month)
    project = Project.create(path, name=demo.name)
    project.meta.update({"demo_seed": str(seed), "demo_scale": scale})
    for table, frame in demo.tables().items():
        project.set_table(table, frame)
    pending, size = [], 0
    for chunk in demo.iter_fixes():
        pending.append(chunk)
        size += len(chunk)
        if size >= 4_000_000:
            project.add_fixes(Fixes.concat(pending))
            pending, size = [], 0
    if pending:
        project.add_fixes(Fixes.concat(pending))
    project.save()
    (folder / "demo_truth.json").write_text(json.dumps(demo.truth, ensure_ascii=False),
                                            encoding="utf-8")
    print(f"wrote {path} ({project.fix_count:,} fixes) in {time.perf_counter() - started:.0f} s")
    return path


def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    first = dt.date.fromisoformat(f"{month}-01")
    return first, (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _inputs(project, month: str, inspectors: list[str]):
    from gisapp.coverage import CoverageInputs, Period
    start, end = _month_bounds(month)
    period = Period.between(start, end)
    fixes = project.fixes(inspectors=inspectors,
                          start=dt.datetime.fromtimestamp(period.start_ms / 1000, dt.timezone.utc),
                          end=dt.datetime.fromtimestamp(period.end_ms / 1000, dt.timezone.utc))
    return CoverageInputs(fixes, project.grids, project.sources, project.assignments,
                          project.inspectors)


# ---- the engine ----------------------------------------------------------------------------
def _engine_in_child(project: Path, month: str, profile: bool) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [sys.executable, __file__, "--engine-child", str(project), "--month", month]
    if profile:
        command.append("--profile")
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise SystemExit(f"the engine run failed:\n{done.stderr}")
    if profile:
        print(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _engine_child(project_path: Path, month: str, profile: bool) -> int:
    import pyarrow as pa
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    from gisapp.coverage import compute_coverage
    from gisapp.project import Project
    start, end = _month_bounds(month)
    project = Project.open(project_path)
    from gisapp import trackstore
    read = {"s": 0.0, "n": 0}
    original = trackstore.read_partitions

    def timed_read(*args, **kw):  # both project.fixes and the engine's fast path use it
        began = time.perf_counter()
        out = original(*args, **kw)
        read["s"] += time.perf_counter() - began
        read["n"] += len(out)
        return out

    trackstore.read_partitions = timed_read
    profiler = None
    if profile:
        from pyinstrument import Profiler
        profiler = Profiler()
        profiler.start()
    wall, cpu = time.perf_counter(), time.process_time()
    result = compute_coverage(project, start, end)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False), file=sys.stderr)
    print(json.dumps({
        "fixes": read["n"], "read_s": read["s"], "coverage_s": wall - read["s"],
        "wall_s": wall, "cpu_s": cpu,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "inspectors": len(result.inspectors), "visits": len(result.dwells),
        "flags": len(result.flags)}))
    return 0


def _engine_on(inputs, month: str):
    from gisapp.coverage import compute_coverage
    result = compute_coverage(inputs, *_month_bounds(month))
    return set(zip(result.visits["inspector_id"], result.visits["source_id"]))


def _agreement(ours: set, theirs: set) -> str:
    both = len(ours & theirs)
    return (f"engine {len(ours)}, baseline {len(theirs)}, both {both} "
            f"({both / max(len(ours | theirs), 1):.1%} of either)")


# ---- baseline (a): GeoPandas as an analyst writes it ---------------------------------------
def _geopandas_way(inputs) -> set:
    import geopandas as gpd
    import pandas as pd
    import shapely
    f = inputs.fixes
    points = gpd.GeoDataFrame(
        {"inspector_id": f.ids(), "t": f.time_ms, "accuracy_m": f.accuracy_m},
        geometry=gpd.points_from_xy(f.lon, f.lat), crs="EPSG:4326").to_crs(METRIC_CRS)
    # cleaning
    points = points[points["accuracy_m"].isna() | (points["accuracy_m"] <= 100)]
    points = points.assign(x=points.geometry.x, y=points.geometry.y)
    points = points.drop_duplicates(["inspector_id", "t", "x", "y"])
    points = points.sort_values(["inspector_id", "t"]).reset_index(drop=True)
    previous = points.groupby("inspector_id")[["x", "y", "t"]].shift()
    step = np.hypot(points["x"] - previous["x"], points["y"] - previous["y"])
    seconds = (points["t"] - previous["t"]) / 1000
    points = points[~(step / seconds.clip(lower=1) > 40)].reset_index(drop=True)
    previous = points.groupby("inspector_id")[["x", "y", "t"]].shift()
    points["dt_s"] = (points["t"] - previous["t"]) / 1000
    points["step_m"] = np.hypot(points["x"] - previous["x"], points["y"] - previous["y"])
    points["session"] = (points["dt_s"].isna() | (points["dt_s"] > 600)).groupby(
        points["inspector_id"]).cumsum()
    linked = points["dt_s"] <= 600
    distance_km = points["step_m"].where(linked, 0).groupby(points["inspector_id"]).sum() / 1000
    # visits: buffer the sources, join the fixes, group consecutive hits into dwells
    sources = inputs.sources.to_crs(METRIC_CRS)[["source_id", "grid_code", "geometry"]]
    circles = sources.assign(geometry=sources.buffer(50))
    hits = gpd.sjoin(points[["inspector_id", "t", "session", "geometry"]].reset_index(
        names="fix"), circles, predicate="within")
    hits = hits.sort_values(["inspector_id", "source_id", "t"])
    same = ((hits["source_id"] == hits["source_id"].shift())
            & (hits["inspector_id"] == hits["inspector_id"].shift())
            & (hits["fix"] == hits["fix"].shift() + 1)
            & (hits["session"] == hits["session"].shift())
            & (hits["t"] - hits["t"].shift() <= 120_000))
    hits["dwell"] = np.cumsum(~same.to_numpy(dtype=bool, na_value=False))
    dwells = hits.groupby("dwell").agg(inspector_id=("inspector_id", "first"),
                                       source_id=("source_id", "first"),
                                       start=("t", "min"), end=("t", "max"))
    dwells = dwells[dwells["end"] - dwells["start"] >= 60_000]
    assignments = inputs.assignments[inputs.assignments["role"] == "inspector"]
    assignments = assignments[assignments["inspector_id"].isin(set(f.ids()))]
    grids = inputs.grids.to_crs(METRIC_CRS)
    parents = dict(zip(grids["grid_code"], grids["parent_code"]))
    chains = []  # (grid, ancestor or itself): a source in a child grid counts for the parent
    for code in grids["grid_code"]:
        ancestor = code
        while isinstance(ancestor, str):
            chains.append((code, ancestor))
            ancestor = parents.get(ancestor)
    chains = pd.DataFrame(chains, columns=["grid_code", "assigned_code"])
    required = (sources[["source_id", "grid_code"]].merge(chains, on="grid_code")
                .merge(assignments[["inspector_id", "grid_code"]].rename(
                    columns={"grid_code": "assigned_code"}), on="assigned_code"))
    required = set(zip(required["inspector_id"], required["source_id"]))
    visited = {pair for pair in zip(dwells["inspector_id"], dwells["source_id"])
               if pair in required}
    # swept share: buffer each session's line, dissolve per inspector, overlay with the grids
    lines = points.groupby(["inspector_id", "session"])["geometry"].apply(
        lambda g: shapely.LineString(g.tolist()) if len(g) > 1 else g.iloc[0])
    swept = gpd.GeoDataFrame({"inspector_id": lines.index.get_level_values(0)},
                             geometry=lines.buffer(50).values, crs=METRIC_CRS)
    swept = swept.dissolve(by="inspector_id").reset_index()
    mine = grids.merge(assignments[["grid_code", "inspector_id"]], on="grid_code")
    territory = mine.dissolve(by="inspector_id").reset_index()[["inspector_id", "geometry"]]
    covered = gpd.overlay(swept, territory, how="intersection")
    covered = covered[covered["inspector_id_1"] == covered["inspector_id_2"]]
    share = (covered.set_index("inspector_id_1").area
             / territory.set_index("inspector_id").area.reindex(covered["inspector_id_1"]).values)
    # time outside: join fixes with their inspector's grids
    placed = gpd.sjoin(points[["inspector_id", "dt_s", "geometry"]], territory.rename(
        columns={"inspector_id": "owner"}), predicate="within", how="left")
    outside_s = placed["dt_s"].where(placed["owner"] != placed["inspector_id"], 0).groupby(
        placed["inspector_id"]).sum()
    del distance_km, share, outside_s
    return visited


# ---- baseline (b): movingpandas ------------------------------------------------------------
def _movingpandas_way(inputs) -> set:
    import warnings

    import geopandas as gpd
    import pandas as pd
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import movingpandas as mpd
    f = inputs.fixes
    frame = gpd.GeoDataFrame(
        {"inspector_id": f.ids(), "t": pd.to_datetime(f.time_ms, unit="ms")},
        geometry=gpd.points_from_xy(f.lon, f.lat), crs="EPSG:4326").to_crs(METRIC_CRS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        collection = mpd.TrajectoryCollection(frame, traj_id_col="inspector_id", t="t")
        stops = mpd.TrajectoryStopDetector(collection).get_stop_points(
            min_duration=dt.timedelta(seconds=60), max_diameter=100)
        lengths = {t.id: t.get_length() for t in collection.trajectories}
    sources = inputs.sources.to_crs(METRIC_CRS)[["source_id", "geometry"]]
    circles = sources.assign(geometry=sources.buffer(50))
    stops = stops.set_crs(METRIC_CRS, allow_override=True)
    matched = gpd.sjoin(stops.reset_index(), circles, predicate="within")
    del lengths
    return set(zip(matched["traj_id"], matched["source_id"]))


if __name__ == "__main__":
    raise SystemExit(main())
