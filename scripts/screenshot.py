"""Save a PNG of the real main window showing a project, once the map has been drawn.

    python scripts/screenshot.py PROJECT.gpkg OUT.png [--size 1600x1000]
    xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/screenshot.py PROJECT.gpkg OUT.png
    ... --review W007 --month 2026-10     the coverage review of an inspector (or --grid CODE)
    ... --day 2026-10-30 --replay 10:30   the time dock replaying a day up to 10:30
    ... --all-days --zoom 16              a month of tracks (level of detail), at zoom 16
    ... --center 113.62,34.75             where --zoom looks (default: the district's centre)
    ... --mbtiles FILE.mbtiles            an offline basemap under the map

Runs on whatever Qt platform is set (xcb under xvfb-run, or QT_QPA_PLATFORM=offscreen). The
user's settings are left alone: the window gets settings in a temporary file. Exits 2 when the
project cannot be opened, 1 when the map was not drawn within the timeout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEventLoop, QSettings, QTimer

from gisapp.errors import GisappError
from gisapp.layers.view import MapView, lonlat_to_map
from gisapp.schema import TRACK_TIMEZONE
from gisapp.tiles.mercator import resolution
from gisapp.project import Project
from gisapp.ui.app import create_application
from gisapp.ui.main_window import MainWindow


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("out", type=Path, help="PNG file to write")
    parser.add_argument("--size", default="1600x1000", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for the map")
    parser.add_argument("--review", metavar="INSPECTOR_ID",
                        help="show the coverage review of this inspector")
    parser.add_argument("--grid", metavar="GRID_CODE", help="show the coverage review of a grid")
    parser.add_argument("--month", help="the review's month, YYYY-MM (default: the latest)")
    parser.add_argument("--day", help="the day the tracks show, YYYY-MM-DD (default: the latest)")
    parser.add_argument("--all-days", action="store_true", help="show the tracks of every day")
    parser.add_argument("--replay", metavar="HH:MM[:SS]", help="replay the day up to this time")
    parser.add_argument("--zoom", type=float, help="Web Mercator zoom level of the map")
    parser.add_argument("--center", metavar="LON,LAT", help="the map's centre for --zoom")
    parser.add_argument("--mbtiles", type=Path, help="an offline basemap (MBTiles file)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))

    app = create_application([])
    try:
        project = Project.open(args.project)
    except (GisappError, OSError) as error:
        print(f"screenshot: {error}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        window = open_window(project, width, height, Path(folder))
        drawn = _show_and_wait(window, args.timeout)
        if drawn:
            drawn = _map_options(window, args, args.timeout * 6)
        if drawn and (args.review or args.grid):
            drawn = _review(window, args, args.timeout * 6)
        app.processEvents()  # let the last paint of docks and status bar land
        image = window.grab()
        window.close()
    if not drawn:
        print("screenshot: the map was not drawn in time", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(args.out), "PNG"):
        print(f"screenshot: could not write {args.out}", file=sys.stderr)
        return 1
    print(f"{args.out}: {image.width()}x{image.height()} window of {args.project.name} "
          f"({app.platformName()})")
    return 0


def open_window(project: Project, width: int, height: int, folder: Path) -> MainWindow:
    """The main window on ``project``, with throwaway settings in ``folder`` (the user's
    recent projects and layout stay untouched)."""
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)
    window.resize(width, height)
    window.set_project(project)
    return window


def _map_options(window: MainWindow, args, timeout_s: float) -> bool:
    """Basemap, the tracks' day (or all days), the replay time and the zoom, as a user sets
    them: through the basemap menu, the time dock and the canvas."""
    dock = window.time_dock
    if args.mbtiles and not window.basemap_menu.open_mbtiles(args.mbtiles):
        print(f"screenshot: cannot show {args.mbtiles}", file=sys.stderr)
        return False
    if args.day or args.all_days or args.replay:
        if not _wait(lambda: bool(dock.days) or dock.task is None, timeout_s):
            return False
        day = None if args.all_days else (dt.date.fromisoformat(args.day) if args.day
                                          else dock.shown_day())
        if args.all_days or day not in (None, dock.shown_day()):
            task = dock.show_day(day)
            if task is not None and (not task.wait(int(timeout_s * 1000))
                                     or task.state != "succeeded"):
                print(f"screenshot: the tracks of {day or 'all days'} did not load",
                      file=sys.stderr)
                return False
        if args.replay:
            shown = dock.shown_day()
            if shown is None:
                print("screenshot: --replay needs one day", file=sys.stderr)
                return False
            moment = dt.datetime.combine(shown, dt.time.fromisoformat(args.replay),
                                         ZoneInfo(TRACK_TIMEZONE))
            dock.set_time(int(moment.timestamp() * 1000))
    if args.zoom is not None:
        canvas = window.canvas
        if args.center:
            lon, lat = (float(v) for v in args.center.split(","))
            x, y = (float(v) for v in lonlat_to_map(lon, lat))
        else:
            x, y = canvas.view.center_x, canvas.view.center_y
        canvas.set_view(MapView(x, y, resolution(0) / 2 ** args.zoom, canvas.width(),
                                canvas.height()))
    _wait(lambda: False, 0.8)  # let the map, the docks and the status bar repaint
    return True


def _wait(condition, timeout_s: float) -> bool:
    """Run the event loop until ``condition()`` holds (True) or the time is up (False)."""
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: condition() and loop.quit())
    timer.start(50)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    if not condition():
        loop.exec()
    timer.stop()
    return bool(condition())


def _review(window: MainWindow, args, timeout_s: float) -> bool:
    """Run the coverage review through the dock and the worker, as a user would."""
    dock = window.coverage_dock
    if args.month:
        dock.set_month(args.month)
    kind, key = ("inspector", args.review) if args.review else ("grid", args.grid)
    if not dock.set_subject(kind, key):
        print(f"screenshot: no {kind} {key} in the project", file=sys.stderr)
        return False
    task = window.start_review(dock.request())
    if task is None or not task.wait(int(timeout_s * 1000)) or task.state != "succeeded":
        print(f"screenshot: the review did not finish ({task and task.state})", file=sys.stderr)
        return False
    loop = QEventLoop()
    QTimer.singleShot(500, loop.quit)  # the zoomed map, the charts and the docks repaint
    loop.exec()
    return True


def _show_and_wait(window: MainWindow, timeout_s: float) -> bool:
    """Show the window and wait until the canvas has rendered the map for the shown size."""
    loop = QEventLoop()
    drawn = []
    window.canvas.map_rendered.connect(lambda: (drawn.append(True), loop.quit()))
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    window.show()
    if not drawn:
        loop.exec()
    return bool(drawn)


if __name__ == "__main__":
    sys.exit(main())
