"""The map window's canvas, decorations, layer panel and saved styles, driven like a user."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QModelIndex, QPoint, QPointF, QRectF, Qt
from pyproj import Geod, Transformer

from gisapp.crs import metric_crs_for
from gisapp.layers.decorations import north_arrow_rect, scale_bar
from gisapp.layers.grids import GridLayer
from gisapp.layers.sources import SourceLayer
from gisapp.layers.styles import GRID_STYLES, SOURCE_COLORS
from gisapp.project import Project
from gisapp.ui.main_window import MainWindow
from tests.layers.pixels import count, near, rgb
from tests.ui.conftest import DISTRICT, SOURCES
from tests.ui.test_main_window import wheel

GEOD = Geod(ellps="WGS84")
TO_MAP = Transformer.from_crs(4326, 3857, always_xy=True)
TO_LONLAT = Transformer.from_crs(3857, 4326, always_xy=True)
INDUSTRIAL = SOURCE_COLORS["industrial"]


@pytest.fixture
def window(qtbot, settings, tiny_project):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    assert window.open_project(tiny_project)
    return window


def shown(window) -> np.ndarray:
    return rgb(window.canvas.grab().toImage())


def pixel_of(view, lon, lat):
    px, py = view.to_pixel(*TO_MAP.transform(lon, lat))
    return int(np.floor(px)), int(np.floor(py))


def layer(window, kind, level=None):
    return next(l for l in window.canvas.layers if isinstance(l, kind)
                and (level is None or l.level == level))


# ---- zoom -----------------------------------------------------------------------------------
def test_shift_drag_zooms_to_the_box(window, qtbot):
    canvas = window.canvas
    before = canvas.view
    start, end = QPoint(120, 90), QPoint(320, 190)  # 200 x 100 px, wider than the canvas
    box_min = before.to_map(start.x(), end.y())
    box_max = before.to_map(end.x(), start.y())
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, start)
    qtbot.mouseMove(canvas, QPoint(220, 140))
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, end)
    xmin, ymin, xmax, ymax = canvas.view.extent
    assert canvas.view.scale < before.scale / 2
    # the box's width fills the view exactly; the view shows more than the box's height
    assert (xmin, xmax) == pytest.approx((box_min[0], box_max[0]), abs=before.scale * 0.01)
    assert ymin < box_min[1] and ymax > box_max[1]
    assert (ymin + ymax) / 2 == pytest.approx((box_min[1] + box_max[1]) / 2)


def test_the_zoom_box_action_makes_the_next_plain_drag_a_box(window, qtbot):
    canvas = window.canvas
    before = canvas.view
    window.zoom_box_action.trigger()
    start, end = QPoint(150, 150), QPoint(250, 400)  # taller than wide: the height fills
    box_min, box_max = before.to_map(150, 400), before.to_map(250, 150)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    _xmin, ymin, _xmax, ymax = canvas.view.extent
    assert (ymin, ymax) == pytest.approx((box_min[1], box_max[1]), abs=before.scale * 0.01)
    zoomed = canvas.view
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)  # a drag pans again
    qtbot.mouseMove(canvas, end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    assert canvas.view.scale == zoomed.scale and canvas.view.center_y != zoomed.center_y
    canvas.zoom_to_box(QRectF(10, 10, 2, 2))  # a tiny box still gives a valid view
    assert canvas.view.scale > 0


def test_a_slow_map_is_shown_scaled_while_the_wheel_turns(window, qtbot):
    canvas = window.canvas
    canvas.last_render_s = 0.5  # as if a render took half a second (a month of tracks)
    rendered = []
    canvas.map_rendered.connect(lambda: rendered.append(True))
    before = canvas.view
    wheel(canvas, QPointF(200, 200), 1)
    assert canvas.view.scale == pytest.approx(before.scale / 1.25)
    canvas.grab()  # a frame now: the last image, scaled; no render yet
    assert not rendered and canvas.renderer.image_view == before
    qtbot.waitUntil(lambda: bool(rendered), timeout=2_000)  # once the wheel has rested
    assert canvas.renderer.image_view == canvas.view


def test_zoom_to_layer_from_the_layers_panel(window):
    sources = layer(window, SourceLayer)
    window.layers_dock.select_layer(sources)
    window.zoom_layer_action.trigger()
    xmin, ymin, xmax, ymax = window.canvas.view.extent
    sxmin, symin, sxmax, symax = sources.extent()
    assert xmin < sxmin and xmax > sxmax and ymin < symin and ymax > symax
    # fitted: the sources' extent fills 90 % of the tighter side
    view = window.canvas.view
    assert max((sxmax - sxmin) / (view.width * view.scale),
               (symax - symin) / (view.height * view.scale)) == pytest.approx(0.9, abs=0.01)


# ---- decorations ----------------------------------------------------------------------------
def test_the_scale_bar_shows_the_true_ground_length(window):
    view = window.canvas.view
    bar = scale_bar(view)
    lon0, lat0 = TO_LONLAT.transform(*view.to_map(bar.left, bar.bottom))
    lon1, lat1 = TO_LONLAT.transform(*view.to_map(bar.left + bar.pixels, bar.bottom))
    ground = GEOD.inv(lon0, lat0, lon1, lat1)[2]
    assert ground == pytest.approx(bar.metres, rel=0.02)
    assert bar.label in ("100 m", "200 m", "500 m", "1 km", "2 km")
    pixels = shown(window).astype(int)
    row = int(bar.bottom - 3)
    dark = pixels[row, int(bar.left + 2):int(bar.left + bar.pixels / 2 - 2)].sum(axis=1)
    assert dark.max() < 3 * 60  # the bar's dark half is on screen where scale_bar says
    window.scale_bar_action.setChecked(False)
    pixels = shown(window).astype(int)
    assert pixels[row, int(bar.left + 2):int(bar.left + bar.pixels / 2 - 2)].sum(axis=1).min() \
        > 3 * 150


def test_the_north_arrow_is_drawn_top_right(window):
    rect = north_arrow_rect(window.canvas.view)

    def box(pixels):
        return pixels[int(rect.top()):int(rect.bottom()), int(rect.left()):int(rect.right())]

    def ink(pixels):
        return int((box(pixels).astype(int).sum(axis=2) < 3 * 60).sum())
    with_arrow = shown(window)
    window.north_arrow_action.setChecked(False)
    without = shown(window)
    assert ink(with_arrow) > ink(without) + 80
    map_only = rgb(window.canvas.render_map_image())  # the map as rendered, no decorations
    assert np.abs(box(without).astype(int) - box(map_only)).max() <= 2


def test_the_status_bar_shows_the_cursor_in_metres_as_pyproj_does(window, qtbot):
    canvas = window.canvas
    _id, _name, _category, lon, lat = SOURCES[1]
    x, y = pixel_of(canvas.view, lon, lat)
    qtbot.mouseMove(canvas, QPoint(x + 9, y + 9))
    qtbot.mouseMove(canvas, QPoint(x, y))
    crs = metric_crs_for(116.32, 40.0)
    assert canvas.metric_crs == crs == "EPSG:4548"  # CGCS2000 3-degree zone, 117 E
    cursor_lon, cursor_lat = TO_LONLAT.transform(*canvas.view.to_map(x, y))
    east, north = Transformer.from_crs(4326, crs, always_xy=True).transform(cursor_lon,
                                                                            cursor_lat)
    assert window.metric_label.text() == f"E {east:.1f} m  N {north:.1f} m (EPSG:4548)"
    assert 400_000 < east < 500_000 and 4_400_000 < north < 4_440_000


# ---- the layers panel -----------------------------------------------------------------------
def test_moving_a_layer_up_changes_which_colour_wins(window, qtbot):
    district, streets = layer(window, GridLayer, 1), layer(window, GridLayer, 2)
    streets.set_style(line_color="#00ff00", line_width=3.0)
    x, y = pixel_of(window.canvas.view, DISTRICT[0], (DISTRICT[1] + DISTRICT[3]) / 2)
    assert near(shown(window)[y, x], GRID_STYLES[1].line_color, 3)  # the district on top
    dock = window.layers_dock
    dock.select_layer(streets)
    while window.canvas.layers.index(streets) < window.canvas.layers.index(district):
        dock.up_button.click()
    assert near(shown(window)[y, x], "#00ff00", 3)  # now the streets' line wins
    assert dock.current_layer() is streets
    # dragging a row in the list moves the layer too (the model's move is what a drop does)
    row = dock._layers.index(streets)
    assert dock.list.model().moveRows(QModelIndex(), row, 1, QModelIndex(),
                                      dock._layers.index(district) + 1)
    assert window.canvas.layers.index(streets) < window.canvas.layers.index(district)
    assert near(shown(window)[y, x], GRID_STYLES[1].line_color, 3)


def test_opacity_zero_hides_a_layer(window):
    sources = layer(window, SourceLayer)
    before = count(shown(window), INDUSTRIAL)
    assert before > 20
    dock = window.layers_dock
    dock.select_layer(sources)
    dock.opacity_slider.setValue(0)
    assert sources.opacity == 0.0 and dock.opacity_value.text() == "0 %"
    assert count(shown(window), INDUSTRIAL, 40) == 0
    dock.opacity_slider.setValue(50)
    half = shown(window)
    # half of the red over half of the white halo over the paper
    assert count(half, INDUSTRIAL, 40) == 0 and count(half, "#e98a8a", 6) > 20
    dock.opacity_slider.setValue(100)
    assert count(shown(window), INDUSTRIAL) == before


def test_the_legend_shows_each_layer_and_source_category(window):
    rows = window.layers_dock.legend_labels()
    assert (0, "Pollution sources") in rows
    sources_at = rows.index((0, "Pollution sources"))
    assert rows[sources_at + 1:sources_at + 4] == [
        (1, "Industrial enterprises"), (1, "Construction-site dust"), (1, "Catering fumes")]
    assert (0, "District grids (level 1)") in rows and (0, "Street grids (level 2)") in rows
    layer(window, SourceLayer).visible = False  # hidden layers leave the legend
    assert (0, "Pollution sources") not in window.layers_dock.legend_labels()
    icon = window.layers_dock.item_for(layer(window, SourceLayer)).icon()
    assert not icon.isNull()


def test_styles_survive_save_and_reopen(window, qtbot, settings, tiny_project):
    sources, district = layer(window, SourceLayer), layer(window, GridLayer, 1)
    streets, communities = layer(window, GridLayer, 2), layer(window, GridLayer, 3)
    assert window.windowTitle() == "测试区 — gisapp" and not window.styles_modified
    sources.opacity = 0.4
    communities.visible = False
    streets.set_style(line_color="#00aa00")
    window.layers_dock.select_layer(streets)
    while window.canvas.layers.index(streets) < window.canvas.layers.index(district):
        window.layers_dock.up_button.click()
    assert window.styles_modified and window.windowTitle() == "测试区* — gisapp"
    order = [l.key for l in window.canvas.layers]
    window.save_action.trigger()
    assert not window.styles_modified and window.windowTitle() == "测试区 — gisapp"
    assert "styles" in Project.open(tiny_project).meta
    window.close()
    again = MainWindow(settings)
    qtbot.addWidget(again)
    assert again.open_project(tiny_project)
    assert [l.key for l in again.canvas.layers if not l.key.startswith("basemap")][:len(order)] \
        == [k for k in order if k != "Selection"][:len(order)]
    assert layer(again, SourceLayer).opacity == 0.4
    assert layer(again, GridLayer, 3).visible is False
    assert layer(again, GridLayer, 2).style.line_color == "#00aa00"
    assert not again.styles_modified
    assert [again.layers_dock.list.item(i).checkState() for i in range(
        again.layers_dock.list.count())].count(Qt.CheckState.Unchecked) == 1
