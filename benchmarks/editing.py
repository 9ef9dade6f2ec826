"""Editing benchmark: one split and one vertex move on a 10,000-grid division, each followed by
the neighbourhood topology check; and the full topology check against the GeoPandas way.

    .venv/bin/python benchmarks/editing.py [--streets 100] [--cells 100] [--repeat 5]

The division is generated: a jittered 100 x 100 lattice of seeds 500 m apart near Zhengzhou,
its Voronoi cells (level 3, 10,000 of them, neighbours sharing every vertex), grouped in
10 x 10 blocks into 100 streets (level 2), under one district (level 1); two pollution sources
per community. Targets (issue 6): one split or vertex move checked for topology and redrawn
under 50 ms; the full check at least 10x faster than GeoPandas' overlay of the children with
each other plus a dissolve-difference per parent.

The core rows time the edit and its neighbourhood check alone. The window rows time what the
planner waits for: the real map window (offscreen Qt, 1920 x 1080) with the division open for
editing, the edit pushed on its undo stack (apply, every view updated, the neighbourhood
checked) and the canvas repainted, at the zoom a planner edits at (the edited community's
street fills the map) and at the whole district. Beside it, in the same run, the way the window
did it before: every layer of the edited tables, the feature index and the highlight built
again and the map rendered whole.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gisapp import schema
from gisapp.edits import MoveVertex, SplitGrid
from gisapp.grids import MetricFrame, move_vertex, share_new_vertices, split_grid
from gisapp.project import Project
from gisapp.topology import check_division, check_neighbourhood

METRIC = "EPSG:4547"
ORIGIN = (113.40, 34.55)  # south-west corner of the generated district
SPACING_M = 500.0
MIN_AREA_M2 = 0.01


# ---- the division ------------------------------------------------------------------------------
def make_division(streets_per_side: int = 10, cells_per_side: int = 10,
                  seed: int = 1) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(grids, sources): streets_per_side² streets of cells_per_side² communities each."""
    rng = np.random.default_rng(seed)
    n = streets_per_side * cells_per_side
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    seeds = np.c_[i.ravel(), j.ravel()] + rng.uniform(-0.35, 0.35, (n * n, 2))
    frame = _frame_seeds(n)
    cells = shapely.voronoi_polygons(shapely.multipoints(np.r_[seeds, frame] * SPACING_M),
                                     ordered=True)
    cells = shapely.get_parts(cells)[: n * n]
    cells = shapely.set_precision(cells, 0.001)  # neighbours share vertices bit for bit
    block = (i.ravel() // cells_per_side) * streets_per_side + j.ravel() // cells_per_side
    streets = [shapely.coverage_union_all(cells[block == b])
               for b in range(streets_per_side ** 2)]
    district = shapely.coverage_union_all(np.array(streets, dtype=object))
    x0, y0 = Transformer.from_crs(4326, METRIC, always_xy=True).transform(*ORIGIN)
    to_lonlat = Transformer.from_crs(METRIC, 4326, always_xy=True)

    def lonlat(geoms):
        return shapely.transform(np.asarray(geoms, dtype=object), lambda xy: np.round(
            np.c_[to_lonlat.transform(xy[:, 0] + x0, xy[:, 1] + y0)], 9))

    street_codes = [f"419999{b + 1:03d}" for b in range(len(streets))]
    order = np.argsort(block, kind="stable")
    rank = np.empty(n * n, int)
    rank[order] = np.arange(n * n) % (cells_per_side ** 2) + 1
    cell_codes = [f"{street_codes[b]}{r:03d}" for b, r in zip(block, rank)]
    grids = gpd.GeoDataFrame({
        "grid_code": ["419999", *street_codes, *cell_codes],
        "name": ["基准区", *[f"第{b + 1}街道" for b in range(len(streets))],
                 *[f"第{c}社区" for c in range(1, n * n + 1)]],
        "level": [1] + [2] * len(streets) + [3] * (n * n),
        "parent_code": [None] + ["419999"] * len(streets) + [street_codes[b] for b in block],
        "kind": ["district"] + ["street"] * len(streets) + ["community"] * (n * n)},
        geometry=lonlat([district, *streets, *cells]), crs=schema.STORAGE_CRS)
    points = shapely.point_on_surface(grids.geometry.values[1 + len(streets):])
    sources = gpd.GeoDataFrame({
        "source_id": [f"S{k:06d}" for k in range(1, 2 * n * n + 1)],
        "name": "餐馆", "category": "catering_fumes",
        "grid_code": np.repeat(cell_codes, 2), "is_key": False, "key_grid_code": None},
        geometry=np.repeat(points, 2), crs=schema.STORAGE_CRS)
    return grids, sources


def _frame_seeds(n: int) -> np.ndarray:
    """Seeds around the lattice, so that its own cells are bounded and lattice-sized."""
    k = np.arange(-2, n + 2)
    ring = [(a, b) for a in k for b in (-2, -1, n, n + 1)]
    ring += [(a, b) for a in (-2, -1, n, n + 1) for b in range(n)]
    return np.array(ring, dtype=float)


# ---- the GeoPandas way ------------------------------------------------------------------------
def geopandas_check(grids: gpd.GeoDataFrame) -> dict[str, float]:
    """What a GIS analyst would write: overlay the children of each level with each other for
    overlaps, dissolve them per parent and take the difference from the parent for gaps."""
    metric = grids.to_crs(METRIC)
    found = {"overlap_m2": 0.0, "gap_m2": 0.0, "overlaps": 0, "gaps": 0}
    for level in (2, 3):
        children = metric[metric["level"] == level][["grid_code", "parent_code", "geometry"]]
        pairs = gpd.overlay(children, children, how="intersection", keep_geom_type=True)
        pairs = pairs[pairs["grid_code_1"] < pairs["grid_code_2"]]
        pairs = pairs[pairs.area > MIN_AREA_M2]
        found["overlaps"] += len(pairs)
        found["overlap_m2"] += float(pairs.area.sum())
        covered = children.dissolve(by="parent_code")
        parents = metric.set_index("grid_code").loc[covered.index]
        gaps = parents.geometry.difference(covered.geometry, align=True)
        gaps = gaps.explode(index_parts=False)
        gaps = gaps[gaps.area > MIN_AREA_M2]
        found["gaps"] += len(gaps)
        found["gap_m2"] += float(gaps.area.sum())
    return found


# ---- timing ------------------------------------------------------------------------------------
def timed(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def project_of(grids, sources) -> Project:
    project = Project.create(Path("/nonexistent/benchmark.gpkg"))
    project.set_table(schema.GRIDS, grids)
    project.set_table(schema.SOURCES, sources)
    project.meta["metric_crs"] = METRIC
    return project


def split_case(grids: gpd.GeoDataFrame, code: str) -> shapely.LineString:
    polygon = grids.geometry[grids["grid_code"] == code].iloc[0]
    minx, miny, maxx, maxy = polygon.bounds
    y = (miny + maxy) / 2
    return shapely.LineString([(minx - 1e-3, y), (maxx + 1e-3, y)])


def move_case(grids: gpd.GeoDataFrame, code: str) -> tuple[tuple, tuple]:
    polygon = grids.geometry[grids["grid_code"] == code].iloc[0]
    vertex = tuple(shapely.get_coordinates(polygon)[0])
    centre = polygon.centroid
    return vertex, (vertex[0] + 0.1 * (centre.x - vertex[0]),
                    vertex[1] + 0.1 * (centre.y - vertex[1]))


def pure_split(grids, code, line, frame):
    """The geometry alone: the grid and its bbox neighbours to metres, cut, share, back."""
    geoms = np.asarray(grids.geometry.values, dtype=object)
    i = int(np.flatnonzero(grids["grid_code"].to_numpy() == code)[0])
    b = shapely.bounds(geoms)
    x0, y0, x1, y1 = shapely.bounds(geoms[i])
    near = np.flatnonzero((b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0))
    division = dict(zip(near.tolist(), frame.to_metric(geoms[near])))
    big, small = split_grid(division[i], frame.to_metric(line))
    shared = share_new_vertices({k: v for k, v in division.items() if k != i}, division[i],
                                [big, small])
    return frame.to_lonlat(np.array([big, small, *shared.values()], dtype=object))


def pure_move(grids, code, at, to, frame):
    geoms = np.asarray(grids.geometry.values, dtype=object)
    i = int(np.flatnonzero(grids["grid_code"].to_numpy() == code)[0])
    b = shapely.bounds(geoms)
    x0, y0, x1, y1 = shapely.bounds(geoms[i])
    near = np.flatnonzero((b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0))
    division = dict(zip(near.tolist(), frame.to_metric(geoms[near])))
    start = frame.to_metric(shapely.Point(at)).coords[0]
    target = frame.to_metric(shapely.Point(to)).coords[0]
    moved = move_vertex(division, i, start, target, 0.01)
    return frame.to_lonlat(np.array(list(moved.values()), dtype=object))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streets", type=int, default=100, help="streets (a square number)")
    parser.add_argument("--cells", type=int, default=100, help="communities per street "
                        "(a square number)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-geopandas", action="store_true")
    parser.add_argument("--skip-window", action="store_true")
    args = parser.parse_args(argv)
    side, cells = round(args.streets ** 0.5), round(args.cells ** 0.5)

    start = time.perf_counter()
    grids, sources = make_division(side, cells)
    level3 = int((grids["level"] == 3).sum())
    print(f"division: {len(grids):,} grids ({level3:,} communities in {side * side} streets), "
          f"{len(sources):,} sources; generated in {time.perf_counter() - start:.1f} s")
    assert shapely.coverage_is_valid(grids.geometry[grids["level"] == 3].values)

    frame = MetricFrame(METRIC)
    codes = grids["grid_code"][grids["level"] == 3]
    middle = f"419999{(side * side) // 2 + side // 2 + 1:03d}"
    cases = {  # a community inside its street, and one at a corner of four streets
        "inside": f"{middle}{cells * cells // 2 + cells // 2 + 1:03d}",
        "corner": f"{middle}001"}
    assert set(cases.values()) <= set(codes)

    def edit_and_check(make):
        project = project_of(grids, sources)
        edit = make()
        begin = time.perf_counter()
        changes = edit.apply(project, "benchmark")
        applied = time.perf_counter() - begin
        report = check_neighbourhood(project.grids, changes.ids_in("grids"), project.sources,
                                     frame=frame)
        total = time.perf_counter() - begin
        assert report.ok, report.messages()
        return applied, total - applied, total, len(report.scope)

    print(f"{'edit':<22}{'geometry':>10}{'Edit.apply':>12}{'nbhd check':>12}{'total':>10}"
          f"{'scope':>7}   target < 50 ms")
    for where, code in cases.items():
        line = split_case(grids, code)
        at, to = move_case(grids, code)
        # the pure geometry alone, then the real edit on a project (validation, codes,
        # sources re-assigned, history) followed by the neighbourhood check of what it touched
        t_split, _ = timed(partial(pure_split, grids, code, line, frame), args.repeat)
        t_move, _ = timed(partial(pure_move, grids, code, at, to, frame), args.repeat)
        for name, make, pure in (("split", partial(SplitGrid, code, line), t_split),
                                 ("vertex move", partial(MoveVertex, code, at, to), t_move)):
            runs = [edit_and_check(make) for _ in range(args.repeat)]
            applied, checked, total, scope = (statistics.median(r[k] for r in runs)
                                              for k in range(4))
            print(f"{name + ' (' + where + ')':<22}{pure * 1e3:>8.1f}ms{applied * 1e3:>10.1f}ms"
                  f"{checked * 1e3:>10.1f}ms{total * 1e3:>8.1f}ms{int(scope):>7}   "
                  f"{'ok' if total < 0.050 else 'over'}")
    print(f"(edited: {cases['inside']} inside street {cases['inside'][:9]}, "
          f"{cases['corner']} at its corner)")

    if not args.skip_window:
        print()
        window_rows(grids, sources, cases, args.repeat)

    print()
    t_full, report = timed(lambda: check_division(grids, frame=frame), args.repeat)
    print(f"full check (gisapp.topology):   {t_full * 1e3:9.1f} ms   "
          f"problems: {len(report.problems)}")
    broken = _planted(grids)
    t_broken, broken_report = timed(lambda: check_division(broken, frame=frame), args.repeat)
    counts = {k: v for k, v in broken_report.counts().items() if v}
    print(f"  with planted problems:        {t_broken * 1e3:9.1f} ms   {counts}")
    if args.skip_geopandas:
        return
    t_gpd, found = timed(lambda: geopandas_check(grids), 1)
    print(f"full check (GeoPandas overlay + dissolve-difference): {t_gpd * 1e3:9.1f} ms   "
          f"overlaps {found['overlaps']}, gaps {found['gaps']}")
    t_gpd_broken, found_broken = timed(lambda: geopandas_check(broken), 1)
    print(f"  with planted problems:        {t_gpd_broken * 1e3:9.1f} ms   "
          f"overlap {found_broken['overlap_m2']:.1f} m² (gisapp "
          f"{broken_report.overlaps['area_m2'].sum():.1f}), gap {found_broken['gap_m2']:.1f} m² "
          f"(gisapp {broken_report.gaps['area_m2'].sum():.1f})")
    print(f"\nspeed-up, clean division:   {t_gpd / t_full:6.1f}x   (target >= 10x)")
    print(f"speed-up, planted problems: {t_gpd_broken / t_broken:6.1f}x")


# ---- the window ------------------------------------------------------------------------------
def window_rows(grids, sources, cases, repeat: int) -> None:
    """Edits through the map window: push, views updated, repaint; and the rebuild-all way."""
    import os
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gisapp.layers.view import lonlat_to_map
    from gisapp.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="gisapp-bench-"))
    project = project_of(grids, sources)
    project.path = folder / "division.gpkg"
    project.save()
    window = MainWindow(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    window.resize(1920, 1080)
    window.show()
    start = time.perf_counter()
    assert window.open_project(project.path)
    app.processEvents()
    print(f"window: division opened in {time.perf_counter() - start:.1f} s; canvas "
          f"{window.canvas.width()} x {window.canvas.height()}")
    assert window.editing.set_editing(True)
    canvas = window.canvas

    def zoom(code: str | None) -> None:
        if code is None:
            window.zoom_to_district()
        else:
            x0, y0, x1, y1 = grids.geometry[grids["grid_code"] == code].iloc[0].bounds
            (mx0, mx1), (my0, my1) = lonlat_to_map([x0, x1], [y0, y1])
            canvas.zoom_to((mx0, my0, mx1, my1))
        canvas.repaint()

    def pushed(make) -> float:
        begin = time.perf_counter()
        assert window.editing.push(make()), window.statusBar().currentMessage()
        canvas.repaint()
        return time.perf_counter() - begin

    def rebuilt(make) -> float:
        """The edit, then everything built again and rendered whole (the old way)."""
        begin = time.perf_counter()
        assert window.editing.push(make())
        rebuild_views(window)
        canvas.renderer.clear()
        canvas.repaint()
        return time.perf_counter() - begin

    print(f"{'window: edit + check + redraw':<38}{'view':>9}{'incremental':>13}"
          f"{'rebuild all':>13}{'ratio':>8}   target < 50 ms")
    for where, code in cases.items():
        for view, shown in (("street", code[:9]), ("district", None)):
            zoom(shown)
            for name, make in (
                    ("split", lambda c=code: SplitGrid(c, split_case(window.project.grids, c))),
                    ("vertex move", lambda c=code: MoveVertex(c, *move_case(window.project.grids,
                                                                            c)))):
                fast, slow = [], []
                for _ in range(repeat):
                    fast.append(pushed(make))
                    window.editing.stack.undo()
                    canvas.repaint()
                    slow.append(rebuilt(make))
                    window.editing.stack.undo()
                    rebuild_views(window)
                    canvas.repaint()
                t_fast, t_slow = statistics.median(fast), statistics.median(slow)
                print(f"{name + ' (' + where + ')':<38}{view:>9}{t_fast * 1e3:>11.1f}ms"
                      f"{t_slow * 1e3:>11.1f}ms{t_slow / t_fast:>7.1f}x   "
                      f"{'ok' if t_fast < 0.050 else 'over'}")
    window.editing.session.drop_unsaved()
    window.close()


def rebuild_views(window) -> None:
    """What the window did after every edit before it updated views in place."""
    from gisapp.layers.grids import GridLayer
    from gisapp.layers.selection import SelectionLayer
    from gisapp.layers.sources import SourceLayer
    from gisapp.ui.selection import FeatureIndex

    project = window.project
    for i, layer in enumerate(window._project_layers):
        if isinstance(layer, GridLayer):
            window._project_layers[i] = GridLayer(project.grids, layer.level, layer.name,
                                                  layer.style, layer.key)
        elif isinstance(layer, SourceLayer):
            window._project_layers[i] = SourceLayer(project.sources, layer.name,
                                                    style=layer.style, key=layer.key)
    window.index = FeatureIndex(project)
    window.selection_layer = SelectionLayer(project.grids, project.sources, "selection")
    window._show_layers()


def _planted(grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Copies of the division with 20 communities shrunk (gaps) and 20 grown (overlaps) by
    moving one vertex each in that grid only."""
    out = grids.copy()
    geometry = np.asarray(out.geometry.values, dtype=object).copy()
    cells = np.flatnonzero(out["level"].to_numpy() == 3)
    rng = np.random.default_rng(5)
    for k, i in enumerate(rng.choice(cells, 40, replace=False)):
        polygon = geometry[i]
        ring = shapely.get_coordinates(polygon)
        centre = np.asarray(polygon.centroid.coords[0])
        ring[[0, -1]] = ring[0] + (0.2 if k % 2 else -0.2) * (centre - ring[0])
        geometry[i] = shapely.Polygon(ring)
    return out.set_geometry(gpd.GeoSeries(geometry, crs=out.crs, index=out.index))


if __name__ == "__main__":
    pd.set_option("display.width", 120)
    main()
