"""Save a PNG of the real main window showing a project, once the map has been drawn.

    python scripts/screenshot.py PROJECT.gpkg OUT.png [--size 1600x1000]
    xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/screenshot.py PROJECT.gpkg OUT.png

Runs on whatever Qt platform is set (xcb under xvfb-run, or QT_QPA_PLATFORM=offscreen). The
user's settings are left alone: the window gets settings in a temporary file. Exits 2 when the
project cannot be opened, 1 when the map was not drawn within the timeout.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QTimer

from gisapp.errors import GisappError
from gisapp.project import Project
from gisapp.ui.app import create_application
from gisapp.ui.main_window import MainWindow


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("out", type=Path, help="PNG file to write")
    parser.add_argument("--size", default="1600x1000", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for the map")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))

    app = create_application([])
    try:
        project = Project.open(args.project)
    except (GisappError, OSError) as error:
        print(f"screenshot: {error}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings)
        window.resize(width, height)
        window.set_project(project)
        drawn = _show_and_wait(window, args.timeout)
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
