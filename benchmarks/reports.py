"""Benchmark: the demo month's atlas of every community (level-3) grid and its offline HTML map,
beside the naive way of making each.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/reports.py [--workdir DIR]
        [--scale demo] [--naive-pages N] [--keep]

Targets (issue 7): the atlas of ~100 pages in under 30 s on one core and under 30 MB; the HTML
of the whole month under 15 MB, opening in Chromium in under 3 s.

Everything runs pinned to one CPU with numeric libraries on one thread.

1. The demo district (seed 7, 2026-10) is written once as a project in ``--workdir``.
2. The month's figures (coverage, scores, tables, tracks simplified at 5 m, the swept area)
   are computed once and timed on their own: every output starts from them.
3. Atlas, ours: gisapp.layers.page.write_report_pdf with ``atlas_level=3`` (cover, district
   map, bulletin, chart, missed sources, contents, one page per grid), in a fresh process that
   loads the figures, so its own peak memory can be told apart; pages, seconds (wall and CPU),
   megabytes of PDF and of memory.
   Atlas, naive: what an analyst writes with GeoPandas and matplotlib: per grid a figure with
   every grid coloured by coverage, the street lines, the grid's inspectors' fixes as lines
   (every fix), the sources coloured by state and the grid's named, an overview inset and the
   figures as text, saved page by page into one PDF (PdfPages). With ``--naive-pages N`` only
   N pages are drawn and the time and size are scaled to all pages.
4. HTML, ours: gisapp.reports.html.write_report_html (tracks simplified at 5 m and written as
   encoded polylines, popups from one shared table, Leaflet inlined). HTML, naive: folium with
   every fix (a PolyLine of the raw fixes per inspector and day), a CircleMarker with an HTML
   popup per source and GeoJSON grids at full precision, with the same inlined Leaflet so it
   can open offline at all. Each file is opened in headless Chromium (network blocked) and
   timed from navigation to the load event, when the map is drawn (its script runs inline),
   plus the time to switch on every layer left off (ours opens with the tracks off).
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.browser.chromium drives Chromium

ATLAS_TARGET_S, ATLAS_TARGET_MB = 30.0, 30.0
HTML_TARGET_MB, HTML_OPEN_TARGET_S = 15.0, 3.0
ONE_THREAD = {v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                               "NUMEXPR_NUM_THREADS", "ARROW_NUM_THREADS")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir())
                        / "gisapp-bench-reports")
    parser.add_argument("--scale", default="demo", choices=("demo", "month"))
    parser.add_argument("--naive-pages", type=int, default=0,
                        help="naive atlas: draw only this many pages and scale (0: all)")
    parser.add_argument("--keep", action="store_true", help="keep the outputs in --workdir")
    parser.add_argument("--part", help=argparse.SUPPRESS)  # a child process's job
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.update(ONE_THREAD)
    _one_core()
    if args.part == "atlas":
        return _atlas_child(args.data, args.out)
    return _run(args)


def _one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _run(args) -> int:
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    project = _project(work, args.scale)
    print(f"demo district ({args.scale}): {project.summary()}")
    from gisapp.reports.report_tables import build_report_data
    start = time.perf_counter()
    data = build_report_data(project, "2026-10")
    figures_s = time.perf_counter() - start
    grids = int((data.grids["level"] == 3).sum())
    print(f"figures of the month (coverage, scores, tables, {data.tracks.vertices:,} track "
          f"vertices from {data.tracks.fixes:,} fixes, swept area): {figures_s:.1f} s\n")
    pickled = work / "figures.pickle"
    pickled.write_bytes(pickle.dumps(data))

    # ---- the atlas ----
    ours_pdf = work / "atlas_ours.pdf"
    child = subprocess.run([sys.executable, __file__, "--part", "atlas", "--data",
                            str(pickled), "--out", str(ours_pdf)], capture_output=True,
                           text=True, env={**os.environ, **ONE_THREAD}, check=True)
    ours = dict(line.split("=", 1) for line in child.stdout.split() if "=" in line)
    ours_s, ours_cpu = float(ours["wall"]), float(ours["cpu"])
    ours_mem, ours_peak = float(ours["rss_mb"]), float(ours["peak_mb"])
    qt_mb = float(ours["qt_mb"])
    pages = int(ours["pages"])
    ours_mb = ours_pdf.stat().st_size / 1e6
    naive_pdf = work / "atlas_naive.pdf"
    naive_s, naive_bytes, drawn = _naive_atlas(project, data, naive_pdf, args.naive_pages)
    scale = grids / max(drawn, 1)
    naive_s_all, naive_mb_all = naive_s * scale, naive_bytes * scale / 1e6
    print(f"atlas of every level-3 grid ({grids} grids, {pages} pages in ours)")
    _table([("ours (QPdfWriter, vector, clipped)", ours_s, ours_mb, f"cpu {ours_cpu:.1f} s, "
             f"memory +{ours_mem:.0f} MB (after "
             f"+{qt_mb:.0f} MB for Qt's PDF engine and fonts; {ours_peak:.0f} MB resident)"),
            (f"naive (GeoPandas/matplotlib{'' if drawn == grids else f', {drawn} pages scaled'})",
             naive_s_all, naive_mb_all, "")])
    print(f"  ratio: {naive_s_all / ours_s:.1f}x faster, {naive_mb_all / ours_mb:.1f}x smaller;"
          f" target < {ATLAS_TARGET_S:.0f} s and < {ATLAS_TARGET_MB:.0f} MB: "
          f"{'met' if ours_s < ATLAS_TARGET_S and ours_mb < ATLAS_TARGET_MB else 'MISSED'}\n")

    # ---- the HTML map ----
    from gisapp.reports.html import write_report_html
    ours_html = work / "map_ours.html"
    start = time.perf_counter()
    write_report_html(ours_html, data)
    html_s = time.perf_counter() - start
    naive_html = work / "map_naive.html"
    start = time.perf_counter()
    naive_fixes = _naive_html(project, data, naive_html)
    naive_html_s = time.perf_counter() - start
    ours_open, ours_paths = _open(ours_html)
    naive_open, naive_paths = _open(naive_html, timeout=180)
    if naive_paths < ours_paths / 2:
        print(f"  (the naive page drew only {naive_paths} paths: its script failed)")
    html_mb, naive_html_mb = ours_html.stat().st_size / 1e6, naive_html.stat().st_size / 1e6
    print(f"HTML map of the month ({data.tracks.vertices:,} track vertices in ours, "
          f"{naive_fixes:,} fixes in the naive one)")
    print(f"  {'':44} {'write s':>8} {'MB':>8} {'open s':>8} {'paths':>7}")
    print(f"  {'ours (simplified, encoded, inlined)':44} {html_s:8.2f} {html_mb:8.2f} "
          f"{ours_open:8.2f} {ours_paths:7d}")
    print(f"  {'naive (folium, every fix)':44} {naive_html_s:8.2f} {naive_html_mb:8.2f} "
          f"{naive_open:8.2f} {naive_paths:7d}")
    print(f"  ratio: {naive_html_mb / html_mb:.1f}x smaller, {naive_open / ours_open:.1f}x "
          f"faster to open; target < {HTML_TARGET_MB:.0f} MB and < {HTML_OPEN_TARGET_S:.0f} s: "
          f"{'met' if html_mb < HTML_TARGET_MB and ours_open < HTML_OPEN_TARGET_S else 'MISSED'}")
    if not args.keep:
        for path in (pickled, ours_pdf, naive_pdf, ours_html, naive_html):
            path.unlink(missing_ok=True)
    else:
        print(f"\noutputs kept in {work}")
    return 0


def _table(rows) -> None:
    print(f"  {'':44} {'seconds':>8} {'MB':>8}")
    for name, seconds, mb, note in rows:
        print(f"  {name:44} {seconds:8.1f} {mb:8.1f}  {note}")


def _project(work: Path, scale: str):
    from gisapp.project import Project
    path = work / f"demo_{scale}.gpkg"
    if not path.exists():
        from gisapp.demo import build_demo
        demo = build_demo(seed=7, scale=scale, month="2026-10")
        project = Project.create(path, name=demo.name)
        for name, table in demo.tables().items():
            project.set_table(name, table)
        project.add_fixes(demo.fixes())
        project.save()
    return Project.open(path)


# ---- ours, in a fresh process -----------------------------------------------------------------
def _atlas_child(pickled: Path, out: Path) -> int:
    from gisapp.layers.page import ReportOptions, ensure_gui, plan_report, write_report_pdf
    ensure_gui()
    data = pickle.loads(pickled.read_bytes())
    import gc
    import threading
    gc.collect()
    loaded = _current_rss_mb()
    # Qt's PDF engine and the CJK fonts load once, whatever is printed: a one-page PDF first
    write_report_pdf(out, data, ReportOptions(), pages=plan_report(data, ReportOptions())[:1])
    gc.collect()
    before = _current_rss_mb()
    highest = [before]
    done = threading.Event()

    def sample():  # the resident size while the atlas is written, every 5 ms
        while not done.wait(0.005):
            highest[0] = max(highest[0], _current_rss_mb())
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    wall, cpu = time.perf_counter(), time.process_time()
    options = ReportOptions(atlas_level=3)
    pages = plan_report(data, options)
    write_report_pdf(out, data, options, pages=pages)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done.set()
    sampler.join()
    print(f"wall={wall:.3f} cpu={cpu:.3f} pages={len(pages)} "
          f"rss_mb={max(highest[0] - before, 0):.1f} peak_mb={highest[0]:.0f} "
          f"qt_mb={before - loaded:.1f}")
    return 0


def _current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- the naive atlas --------------------------------------------------------------------------
def _naive_atlas(project, data, path: Path, limit: int) -> tuple[float, int, int]:
    """(seconds, bytes, pages drawn) of the GeoPandas/matplotlib atlas."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages
    import numpy as np
    matplotlib.rcParams["font.family"] = ["Noto Sans CJK SC", "DejaVu Sans"]
    matplotlib.rcParams["pdf.fonttype"] = 42
    start = time.perf_counter()
    fixes = project.fixes()
    grids = data.grids
    level3 = grids[grids["level"] == 3].copy()
    share = dict(zip(data.grid_table["grid_code"], data.grid_table["swept_percent"]))
    level3["share"] = level3["grid_code"].map(share)
    streets = grids[grids["level"] == 2]
    district = grids[grids["level"] == 1]
    sources = data.sources
    colours = sources["state"].map({"visited": "#1a9850", "missed": "#e31a1c",
                                    "other": "#969696"})
    codes = level3["grid_code"].astype(str).tolist()
    if limit:
        codes = codes[:limit]
    ids = fixes.inspector_ids.astype(str)
    with PdfPages(path) as pdf:
        for code in codes:
            grid = level3[level3["grid_code"] == code].iloc[0]
            row = data.grid_row(code) or {}
            fig, ax = plt.subplots(figsize=(8.27, 11.69))
            level3.plot(ax=ax, column="share", cmap="RdYlGn", vmin=50, vmax=100,
                        edgecolor="#7f8c8d", linewidth=0.5, alpha=0.5)
            streets.boundary.plot(ax=ax, color="#2e4053", linewidth=1.2)
            for inspector in str(row.get("inspectors", "")).split("; "):
                mine = np.flatnonzero(ids[fixes.inspector] == inspector) if inspector else []
                if len(mine):
                    ax.plot(fixes.lon[mine], fixes.lat[mine], linewidth=0.5, alpha=0.6)
            sources.plot(ax=ax, color=colours, markersize=12)
            inside = sources[sources.within(grid.geometry)]
            for s in inside.itertuples():
                ax.annotate(s.name, (s.geometry.x, s.geometry.y), fontsize=6)
            minx, miny, maxx, maxy = grid.geometry.bounds
            ax.set_xlim(minx - (maxx - minx) * 0.1, maxx + (maxx - minx) * 0.1)
            ax.set_ylim(miny - (maxy - miny) * 0.1, maxy + (maxy - miny) * 0.1)
            ax.set_title(f"{grid['name']} ({code})")
            inset = fig.add_axes([0.12, 0.72, 0.2, 0.15])
            district.plot(ax=inset, color="#eef1f4", edgecolor="black")
            level3[level3["grid_code"] == code].plot(ax=inset, color="red")
            inset.set_axis_off()
            fig.text(0.1, 0.05, "\n".join(f"{k}: {v}" for k, v in row.items()), fontsize=7)
            pdf.savefig(fig)
            plt.close(fig)
    return time.perf_counter() - start, path.stat().st_size, len(codes)


# ---- the naive HTML ---------------------------------------------------------------------------
def _naive_html(project, data, path: Path) -> int:
    """folium with every fix; returns the number of fixes written."""
    import folium
    import numpy as np
    from gisapp.reports.html import _offline_assets
    fixes = project.fixes().sorted()
    grids = data.grids
    minx, miny, maxx, maxy = grids.total_bounds
    document = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=12,
                          tiles=None)
    document.default_js, document.default_css = [], []
    _offline_assets(document)  # else it cannot open offline at all
    for level in (1, 2, 3, 4):
        frame = grids[grids["level"] == level][["grid_code", "name", "geometry"]]
        folium.GeoJson(frame.to_json(), name=f"level {level}",
                       popup=folium.GeoJsonPopup(fields=["grid_code", "name"])
                       ).add_to(document)
    group = folium.FeatureGroup(name="sources").add_to(document)
    for s in data.sources.itertuples():  # (a folium.Popup would need jQuery from a CDN)
        folium.CircleMarker([s.geometry.y, s.geometry.x], radius=4,
                            tooltip=f"{s.name} {s.category} {s.address}").add_to(group)
    tracks = folium.FeatureGroup(name="tracks").add_to(document)
    day = (fixes.time_ms + 8 * 3_600_000) // 86_400_000
    key = fixes.inspector.astype(np.int64) * 100_000 + day
    cuts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    for a, b in zip(cuts, np.r_[cuts[1:], len(key)]):
        if b - a > 1:
            folium.PolyLine(np.column_stack([fixes.lat[a:b], fixes.lon[a:b]]).tolist(),
                            weight=1).add_to(tracks)
    folium.LayerControl().add_to(document)
    document.save(str(path))
    return len(fixes)


def _open(path: Path, timeout: float = 60.0) -> tuple[float, int]:
    """Seconds from navigation to the load event in headless Chromium, and the SVG paths."""
    from tests.browser.chromium import Chromium, chromium_binary
    if chromium_binary() is None:
        return float("nan"), 0
    with Chromium(timeout=timeout) as browser:
        seconds = browser.open(path.as_uri(), timeout=timeout)
        # every layer on (ours opens with the tracks off): the time to draw what is left
        start = time.perf_counter()
        browser.evaluate("""document.querySelectorAll(
            '.leaflet-control-layers input:not(:checked)').forEach(box => box.click())""")
        seconds += time.perf_counter() - start
        paths = browser.evaluate("document.querySelectorAll('.leaflet-container path').length")
    return seconds, int(paths or 0)


if __name__ == "__main__":
    sys.exit(main())
