"""Screenshots of the planner's editing, driven through the real window as a user would:

    xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/screenshot_editing.py \
        PROJECT.gpkg OUT_FOLDER [--size 1600x1000] [--scene draw|topology|balance ...]

draw      a grid being drawn with the draw tool: vertices placed on a neighbour's vertices,
          the rubber band, and the snapping marker on the vertex under the mouse
topology  a community shifted sideways (ReshapeGrid): the gap and the overlap hatched on the
          map, listed in the Topology dock
balance   the workload balance of a street: loads, the chart before/after, the moves on
          the map

Nothing is saved: the edits are discarded when the window closes. Writes OUT_FOLDER/
editing-<scene>.png; exits 2 when the project cannot be opened, 1 when a scene fails.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import shapely
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from gisapp.edits import ReshapeGrid
from gisapp.errors import GisappError
from gisapp.layers.tracks import TrackLayer
from gisapp.layers.view import lonlat_to_map
from gisapp.project import Project
from gisapp.ui.app import create_application
from gisapp.ui.main_window import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshot import _show_and_wait, _wait, open_window  # the sibling script's helpers

SCENES = ("draw", "topology", "balance")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--size", default="1600x1000", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--scene", action="append", choices=SCENES,
                        help="which screenshots (default: all)")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    app = create_application([])
    failed = 0
    for scene in args.scene or SCENES:
        try:
            project = Project.open(args.project)
        except (GisappError, OSError) as error:
            print(f"screenshot_editing: {error}", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory() as folder:
            window = open_window(project, width, height, Path(folder))
            if not _show_and_wait(window, args.timeout):
                print("screenshot_editing: the map was not drawn in time", file=sys.stderr)
                return 1
            try:
                _hide_tracks(window)  # a planner's map: the grids, not a month of patrols
                SCENE_STEPS[scene](window)
            except Exception as error:  # noqa: BLE001 - report the scene and go on
                print(f"screenshot_editing: {scene}: {error!r}", file=sys.stderr)
                failed += 1
            _wait(lambda: False, 1.0)
            app.processEvents()
            image = window.grab()
            out = args.out / f"editing-{scene}.png"
            out.parent.mkdir(parents=True, exist_ok=True)
            image.save(str(out), "PNG")
            print(f"{out}: {image.width()}x{image.height()} ({app.platformName()})")
            window.editing.session.drop_unsaved()
            window.close()
    return 1 if failed else 0


# ---- scenes ------------------------------------------------------------------------------------
def _draw(window: MainWindow) -> None:
    """Zoom to a community, place three vertices on its corners, hover near a fourth."""
    editing = window.editing
    editing.set_editing(True)
    code = _community(window.project, with_children=False)
    geometry = _geometry(window.project, code)
    _zoom_to(window, geometry, 2.2)
    editing.level_box.setCurrentIndex(editing.level_box.findData(3))
    window.tools.actions["draw_grid"].trigger()
    ring = shapely.get_coordinates(shapely.get_exterior_ring(shapely.get_parts(geometry)[0]))
    ring = ring[:-1]
    step = max(1, len(ring) // 5)
    picks = [ring[(k * step) % len(ring)] for k in range(4)]
    canvas = window.canvas
    for k, (lon, lat) in enumerate(picks[:3]):
        at = _pixel(window, lon, lat) + QPoint(5, -4)
        QTest.mouseMove(canvas, at)
        QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=at)
    QTest.mouseMove(canvas, _pixel(window, *picks[3]) + QPoint(7, 6))


def _topology(window: MainWindow) -> None:
    """Shift a community 80 m east: a gap opens on its west side, an overlap on its east."""
    editing = window.editing
    editing.set_editing(True)
    code = _community(window.project)
    geometry = _geometry(window.project, code)
    shifted = shapely.affinity.translate(geometry, xoff=0.0009)
    editing.push(ReshapeGrid(code, shifted))
    editing.topology_dock.show()
    editing.topology_dock.raise_()
    window.resizeDocks([editing.topology_dock], [520], Qt.Orientation.Horizontal)
    _zoom_to(window, geometry, 1.6)
    dock = editing.topology_dock
    if dock.tree.topLevelItemCount():
        dock.tree.blockSignals(True)
        dock.tree.setCurrentItem(dock.tree.topLevelItem(0))
        dock.tree.blockSignals(False)


def _balance(window: MainWindow) -> None:
    """The balance of the street with the widest spread of loads, with its suggestion."""
    editing = window.editing
    editing.set_editing(True)
    dock = editing.planning.balance_dock
    dock.show()
    dock.raise_()
    best, best_ratio = None, 0.0
    for i in range(dock.street_box.count()):
        dock.street_box.setCurrentIndex(i)
        loads = dock.loads["load_h"].to_numpy(float)
        if len(loads) >= 3 and loads.min() > 0 and loads.max() / loads.min() > best_ratio:
            best, best_ratio = i, loads.max() / loads.min()
    dock.street_box.setCurrentIndex(best or 0)
    suggestion = dock.suggest()
    window.resizeDocks([dock], [560], Qt.Orientation.Horizontal)
    if suggestion is not None and editing.planning.balance_layer is not None:
        window.canvas.zoom_to(editing.planning.balance_layer.extent())


SCENE_STEPS = {"draw": _draw, "topology": _topology, "balance": _balance}


# ---- helpers -----------------------------------------------------------------------------------
def _hide_tracks(window: MainWindow) -> None:
    for layer in window.canvas.layers:
        if isinstance(layer, TrackLayer):
            layer.visible = False


def _community(project: Project, with_children: bool = True) -> str:
    """A level-3 grid in the middle of the district (so it has neighbours all round)."""
    grids = project.grids
    units = grids[grids["level"] == 3]
    if not with_children:
        parents = set(grids["parent_code"].dropna())
        units = units[~units["grid_code"].isin(parents)] if len(units) > 1 else units
    centre = shapely.centroid(shapely.union_all(np.asarray(grids.geometry.values)))
    distance = shapely.distance(np.asarray(units.geometry.values), centre)
    return str(units["grid_code"].iloc[int(np.argmin(distance))])


def _geometry(project: Project, code: str):
    return project.grids.geometry[project.grids["grid_code"] == code].iloc[0]


def _zoom_to(window: MainWindow, geometry, factor: float) -> None:
    minx, miny, maxx, maxy = geometry.bounds
    (x0, x1), (y0, y1) = lonlat_to_map([minx, maxx], [miny, maxy])
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = max(x1 - x0, y1 - y0) * factor / 2
    window.canvas.zoom_to((cx - half, cy - half, cx + half, cy + half))
    _wait(lambda: False, 0.5)


def _pixel(window: MainWindow, lon: float, lat: float) -> QPoint:
    px, py = window.canvas.view.to_pixel(*(float(v) for v in lonlat_to_map(lon, lat)))
    return QPoint(round(px), round(py))


if __name__ == "__main__":
    sys.exit(main())
