"""Benchmark: draw the demo month (12.5 million fixes, ~4,900 sources, ~400 grid polygons) into a
1920 x 1080 image at district extent and at a street zoom, through the canvas's own renderer,
beside a naive QPainter draw of every vertex.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/render.py [--save DIR] [--profile]

Targets (issue 4): a full redraw under 200 ms and a pan frame under 16 ms at both zooms.

* fast: gisapp.layers.render.MapRenderer, as gisapp.ui.canvas.MapCanvas uses it: grid paths
  kept in map metres, sources projected once, tracks drawn from the vertices in view (a chunk
  index, one vertex per pixel) or, when the view holds more than VECTOR_BUDGET fixes, from the
  raster pyramid built once. "full redraw" renders every layer anew (the image cache is
  cleared first); "pan frame" is what the canvas draws while the map is dragged: the last
  image shifted, plus the scale bar and the north arrow; "re-render after pan" is the render
  on release (a full redraw of the moved view).
* naive: every frame projects all coordinates and draws every fix with drawPolyline (one
  polyline per track line), every grid ring with drawPolygon, every source with drawEllipse;
  no level of detail, no caching, so its pan frame is a full redraw.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

from gisapp.demo import build_demo
from gisapp.layers.decorations import paint_north_arrow, paint_scale_bar
from gisapp.layers.grids import GridLayer
from gisapp.layers.paths import polygon_from_arrays, polygon_rings
from gisapp.layers.project_layers import grid_layer_name
from gisapp.layers.render import BACKGROUND, MapRenderer
from gisapp.layers.sources import SourceLayer
from gisapp.layers.styles import GRID_STYLES, SOURCE_COLORS, UNKNOWN_SOURCE_COLOR, TrackStyle
from gisapp.layers.tracks import TrackData, TrackLayer, day_bounds, line_starts, local_day
from gisapp.layers.view import MapView, lonlat_to_map
from gisapp.tiles.mercator import resolution

WIDTH, HEIGHT = 1920, 1080
FULL_TARGET_MS, PAN_TARGET_MS = 200.0, 16.0
STREET_ZOOM = 16  # Web Mercator zoom 16: 2.39 map m per pixel (about 1.95 m on the ground here)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", default="month", choices=("demo", "month"))
    parser.add_argument("--repeat", type=int, default=10, help="fast redraws per view")
    parser.add_argument("--naive-repeat", type=int, default=3, help="naive redraws per view")
    parser.add_argument("--save", type=Path, help="write the fast and naive images here")
    parser.add_argument("--profile", action="store_true",
                        help="profile one fast redraw per view with pyinstrument")
    args = parser.parse_args(argv)
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841

    demo, fixes = _timed("build the demo district and its fixes",
                         lambda: _build(args.seed, args.scale))
    print(f"    {len(fixes):,} fixes, {len(demo.sources):,} sources, {len(demo.grids):,} grids")
    layers, prepare_s = _prepare(demo, fixes)
    views = _views(demo, layers)
    naive = NaiveMap(demo, fixes)

    rows = []
    for name, view in views.items():
        print(f"\n{name}: {view.width} x {view.height} px, {view.scale:.2f} map m/px")
        track = next(layer for layer in layers if isinstance(layer, TrackLayer))
        print(f"    tracks drawn from the "
              f"{'raster pyramid' if track.uses_raster(view) else 'vertices in view'}")
        if args.profile:
            _profile(layers, view)
        fast_full, fast_image = _fast_full(layers, view, args.repeat)
        fast_pan = _fast_pan(layers, view)
        fast_release, _image = _fast_full(layers, view.panned(120, -80), max(3, args.repeat // 2))
        naive_full, naive_image = _naive_full(naive, view, args.naive_repeat)
        rows.append((name, fast_full, fast_pan, fast_release, naive_full))
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            slug = name.split()[0]
            fast_image.save(str(args.save / f"fast_{slug}.png"))
            naive_image.save(str(args.save / f"naive_{slug}.png"))
    _report(rows, prepare_s)
    _replay(demo, fixes, layers, views["district extent"])
    ok = all(max(full) < FULL_TARGET_MS and statistics.median(pan) < PAN_TARGET_MS
             for _name, full, pan, _release, _naive in rows[:2])
    return 0 if ok else 1


# ---- data -----------------------------------------------------------------------------------
def _build(seed: int, scale: str):
    demo = build_demo(seed=seed, scale=scale)
    return demo, demo.fixes()


def _prepare(demo, fixes):
    """The layers the window shows (grids by level, tracks of all days, sources), built once:
    this is the one-time cost (projection, chunk index, raster pyramid)."""
    start = time.perf_counter()
    grids = [GridLayer(demo.grids, level, grid_layer_name(level)) for level in (3, 2, 1, 4)]
    grid_s = time.perf_counter() - start
    start = time.perf_counter()
    data = TrackData(fixes, TrackStyle())
    index_s = time.perf_counter() - start
    start = time.perf_counter()
    data.prepare()
    pyramid_s = time.perf_counter() - start
    start = time.perf_counter()
    sources = SourceLayer(demo.sources, "sources")
    source_s = time.perf_counter() - start
    bands = data.rasters.bands if data.rasters else []
    print(f"one-time preparation: grid paths {grid_s * 1000:.0f} ms, sources "
          f"{source_s * 1000:.0f} ms, fixes projected + chunk index {index_s:.2f} s, "
          f"raster pyramid {pyramid_s:.2f} s "
          f"({', '.join(f'{b.cell:g} m {b.indices.shape[1]}x{b.indices.shape[0]}' for b in bands)};"
          f" {sum(b.indices.nbytes for b in bands) / 1e6:.0f} MB)")
    return [*grids, TrackLayer(data, "tracks"), sources], grid_s + index_s + pyramid_s + source_s


def _views(demo, layers) -> dict[str, MapView]:
    district = next(l for l in layers if isinstance(l, GridLayer) and l.level == 1).extent()
    whole = MapView.fit(district, WIDTH, HEIGHT)
    street = MapView(whole.center_x, whole.center_y, resolution(STREET_ZOOM), WIDTH, HEIGHT)
    track = next(l for l in layers if isinstance(l, TrackLayer)).data
    # the street view over the most fixes: the worst case for drawing vertices
    counts, xe, ye = np.histogram2d(track.x, track.y, bins=40)
    i, j = np.unravel_index(np.argmax(counts), counts.shape)
    dense = MapView((xe[i] + xe[i + 1]) / 2, (ye[j] + ye[j + 1]) / 2, resolution(STREET_ZOOM),
                    WIDTH, HEIGHT)
    return {"district extent": whole, f"street zoom {STREET_ZOOM} (centre)": street,
            f"street zoom {STREET_ZOOM} (densest)": dense}


# ---- fast: the canvas's path ----------------------------------------------------------------
def _fast_full(layers, view, repeat):
    renderer = MapRenderer()
    renderer.render(layers, view)  # warm-up (e.g. numpy's first allocations)
    times = []
    for _ in range(repeat):
        renderer.clear()
        start = time.perf_counter()
        image = renderer.render(layers, view)
        times.append((time.perf_counter() - start) * 1000)
    return times, image


def _fast_pan(layers, view, frames: int = 60):
    """A drag: each frame draws the last image shifted and the decorations onto the screen."""
    renderer = MapRenderer()
    renderer.render(layers, view)
    screen = QImage(WIDTH, HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
    times = []
    for frame in range(frames):
        offset = QPointF(4.0 * frame, -2.5 * frame)
        start = time.perf_counter()
        painter = QPainter(screen)
        renderer.frame(painter, view, offset)
        paint_scale_bar(painter, view)
        paint_north_arrow(painter, view)
        painter.end()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _profile(layers, view):
    from pyinstrument import Profiler
    renderer = MapRenderer()
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(5):
        renderer.clear()
        renderer.render(layers, view)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


# ---- naive: every vertex, every frame ---------------------------------------------------------
class NaiveMap:
    """The same map drawn the obvious way: no level of detail, no caching."""

    def __init__(self, demo, fixes):
        self.lon, self.lat = fixes.lon, fixes.lat
        self.first = line_starts(fixes.inspector, fixes.time_ms, TrackStyle().max_gap_s)
        self.line_start = np.flatnonzero(self.first)
        self.color = fixes.inspector % len(TrackStyle().colors)
        self.grids = [(level, polygon_rings(demo.grids[demo.grids["level"] == level]
                                            .geometry.values)) for level in (3, 2, 1, 4)]
        xy = np.array([(p.x, p.y) for p in demo.sources.geometry])
        self.source_lonlat = xy
        self.source_color = [SOURCE_COLORS.get(c, UNKNOWN_SOURCE_COLOR)
                             for c in demo.sources["category"]]

    def draw(self, view: MapView) -> QImage:
        image = QImage(WIDTH, HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(QRectF(0, 0, WIDTH, HEIGHT), QColor(BACKGROUND))
        for level, (xy, starts) in self.grids:
            px, py = view.to_pixel(*lonlat_to_map(xy[:, 0], xy[:, 1]))
            style = GRID_STYLES[level]
            painter.setPen(QPen(QColor(style.line_color), style.line_width))
            painter.setBrush(QColor(style.fill_color) if style.fill_color
                             else Qt.BrushStyle.NoBrush)
            ends = [*starts[1:], len(px)]
            for start, end in zip(starts, ends):
                painter.drawPolygon(polygon_from_arrays(px[start:end], py[start:end]))
        px, py = view.to_pixel(*lonlat_to_map(self.lon, self.lat))
        colours = TrackStyle().colors
        ends = [*self.line_start[1:], len(px)]
        for start, end in zip(self.line_start, ends):
            painter.setPen(QPen(QColor(colours[self.color[start]]), 1.0))
            painter.drawPolyline(polygon_from_arrays(px[start:end], py[start:end]))
        sx, sy = view.to_pixel(*lonlat_to_map(self.source_lonlat[:, 0], self.source_lonlat[:, 1]))
        painter.setPen(QPen(QColor("#ffffff"), 1.5))
        for x, y, colour in zip(sx, sy, self.source_color):
            painter.setBrush(QColor(colour))
            painter.drawEllipse(QPointF(x, y), 4.5, 4.5)
        painter.end()
        return image


def _naive_full(naive: NaiveMap, view, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        image = naive.draw(view)
        times.append((time.perf_counter() - start) * 1000)
    return times, image


def _replay(demo, fixes, layers, view, ticks: int = 20):
    """A replay tick of the time dock: one day's tracks up to a moving time, at district
    extent; only the track layer's image is drawn again, the other layers' is reused."""
    last_day = local_day(int(fixes.time_ms.max()))
    start, end = (int(t.timestamp() * 1000) for t in day_bounds(last_day))
    chosen = (fixes.time_ms >= start) & (fixes.time_ms < end)
    day = TrackLayer(fixes.take(np.flatnonzero(chosen)), "day")
    replay_layers = [day if isinstance(layer, TrackLayer) else layer for layer in layers]
    renderer = MapRenderer()
    first, last = day.time_span()
    day.set_time(first + (last - first) // 3)
    renderer.render(replay_layers, view)
    times = []
    for tick in range(ticks):
        day.set_time(first + (last - first) // 3 + tick * 6_000)  # 60x at ten ticks a second
        begin = time.perf_counter()
        renderer.render(replay_layers, view)
        times.append((time.perf_counter() - begin) * 1000)
    print(f"replay tick, {last_day} ({day.fix_count:,} fixes) at district extent: "
          f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms "
          f"(the dock ticks every 100 ms)")


# ---- output ---------------------------------------------------------------------------------
def _timed(label, function):
    start = time.perf_counter()
    result = function()
    print(f"{label:<44} {time.perf_counter() - start:8.2f} s")
    return result


def _report(rows, prepare_s):
    print(f"\n{'view':<28} {'full redraw':>19} {'pan frame':>17} {'re-render':>11} "
          f"{'naive redraw':>13} {'naive/fast':>11} {'naive/pan':>10}")
    print(f"{'':<28} {'median (max) ms':>19} {'median (max) ms':>17} {'median ms':>11} "
          f"{'median ms':>13} {'full':>11} {'frame':>10}")
    for name, full, pan, release, naive in rows:
        f_med, p_med, n_med = (statistics.median(v) for v in (full, pan, naive))
        mark = "ok" if max(full) < FULL_TARGET_MS and p_med < PAN_TARGET_MS else "MISSED"
        print(f"{name:<28} {f_med:9.1f} ({max(full):6.1f}) {p_med:8.2f} ({max(pan):5.2f}) "
              f"{statistics.median(release):11.1f} {n_med:13.0f} {n_med / f_med:10.0f}x "
              f"{n_med / p_med:9.0f}x  {mark}")
    print(f"\ntargets: full redraw < {FULL_TARGET_MS:.0f} ms, pan frame < {PAN_TARGET_MS:.0f} ms"
          f" (one-time preparation {prepare_s:.1f} s, in a worker when the window loads a month)")


if __name__ == "__main__":
    sys.exit(main())
