"""Layers updated in place after an edit, and the renderer redrawing only where they changed:
damage tracking, chunked grid layers, source and selection updates, partial re-renders that
equal full ones pixel for pixel."""

from __future__ import annotations

import doctest
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from gisapp import edits
from gisapp.layers import base, paths, render
from gisapp.layers import grids as grid_layers
from gisapp.layers.base import DAMAGE_LOG, MapLayer
from gisapp.layers.grids import GridLayer
from gisapp.layers.base import Label
from gisapp.layers.render import MapRenderer, render_image
from gisapp.layers.selection import SelectionLayer
from gisapp.layers.sources import SourceLayer
from gisapp.layers.view import MapView, lonlat_to_map
from gisapp.project import Project
from tests.layers.pixels import rgb

# A district of 4 streets of 6 x 6 square communities, 0.004 degrees (about 450 m) apart; the
# lattice coordinates are rounded once so that neighbours share their vertices bit for bit.
N, PER_STREET, STEP = 12, 6, 0.004
LON = np.round(113.60 + np.arange(N + 1) * STEP, 9)
LAT = np.round(34.70 + np.arange(N + 1) * STEP, 9)
CATEGORIES = ("industrial", "catering_fumes", "water_outfall")


def division() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(grids, sources): the district, its streets, communities i * N + j (column i, row j)
    coded street + 001..036, and one source at the centre of each community."""
    cells, codes, parents, members = [], [], [], {}
    for i in range(N):
        for j in range(N):
            street = f"410101{(i // PER_STREET) * 2 + j // PER_STREET + 1:03d}"
            members.setdefault(street, []).append(shapely.box(LON[i], LAT[j], LON[i + 1],
                                                              LAT[j + 1]))
            cells.append(members[street][-1])
            codes.append(f"{street}{len(members[street]):03d}")
            parents.append(street)
    streets = [shapely.coverage_union_all(m) for m in members.values()]
    grids = gpd.GeoDataFrame(
        {"grid_code": ["410101", *members, *codes],
         "name": ["基准区", *[f"第{k}街道" for k in range(1, 5)],
                  *[f"第{k}社区" for k in range(1, N * N + 1)]],
         "level": [1] + [2] * 4 + [3] * N * N,
         "parent_code": [None] + ["410101"] * 4 + parents},
        geometry=[shapely.coverage_union_all(streets), *streets, *cells], crs=4326)
    sources = gpd.GeoDataFrame(
        {"source_id": [f"S{k:04d}" for k in range(N * N)], "name": "源",
         "category": [CATEGORIES[k % 3] for k in range(N * N)], "grid_code": codes,
         "is_key": False, "key_grid_code": None},
        geometry=shapely.centroid(np.array(cells)), crs=4326)
    return grids, sources


def project_of(grids, sources) -> Project:
    project = Project.create(Path("/nonexistent/partial.gpkg"))
    project.set_table("grids", grids)
    project.set_table("sources", sources)
    project.meta["metric_crs"] = "EPSG:4547"
    return project


def code_of(i: int, j: int) -> str:
    """The code of the community in column i, row j."""
    street = (i // PER_STREET) * 2 + j // PER_STREET + 1
    return f"410101{street:03d}{(i % PER_STREET) * PER_STREET + j % PER_STREET + 1:03d}"


def split(i: int, j: int) -> edits.SplitGrid:
    """Cut community (i, j) across the middle, west to east."""
    middle = (LAT[j] + LAT[j + 1]) / 2
    return edits.SplitGrid(code_of(i, j), shapely.LineString([(LON[i] - 1e-4, middle),
                                                              (LON[i + 1] + 1e-4, middle)]))


# where source S0079 is (the centre of community (6, 7)): a source moved there makes a stack
STACKED = shapely.centroid(shapely.box(LON[6], LAT[7], LON[7], LAT[8]))


def some_edits() -> list:
    """A split, a vertex of four streets moved (eight grids follow), a source moved onto
    another in another community, a community deleted (its source re-assigned). New ones for
    every project: an edit remembers the project it was worked out for."""
    return [split(2, 3),
            edits.MoveVertex(code_of(6, 6), (LON[6], LAT[6]), (LON[6] + 0.001, LAT[6] + 0.0007)),
            edits.MoveSource("S0003", STACKED),
            edits.DeleteGrid(code_of(8, 4))]


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of about 8 grids, so that the 144 communities make dozens of them."""
    monkeypatch.setattr(grid_layers, "CHUNK_GRIDS", 8)


def map_extent(geometry) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = shapely.bounds(geometry)
    (xmin, xmax), (ymin, ymax) = lonlat_to_map([x0, x1], [y0, y1])
    return float(xmin), float(ymin), float(xmax), float(ymax)


def view_of(grids, width=360, height=300) -> MapView:
    return MapView.fit(map_extent(shapely.union_all(grids.geometry.values)), width, height)


def stack(project: Project) -> list[MapLayer]:
    """The layers the window shows (finer grids below), and a selection above."""
    layers = [GridLayer(project.grids, level, f"level {level}") for level in (3, 2, 1)]
    layers.append(SourceLayer(project.sources, "sources"))
    selection = SelectionLayer(project.grids, project.sources, "selection")
    selection.set_selected([code_of(2, 3), code_of(6, 6)], ["S0003"])
    return [*layers, selection]


def update(layers: list[MapLayer], project: Project, changes) -> None:
    """What the window does after an edit."""
    for layer in layers:
        if isinstance(layer, GridLayer):
            layer.update(project.grids, changes.ids_in("grids"))
        elif isinstance(layer, SourceLayer) and changes.ids_in("sources"):
            layer.update(project.sources, changes.ids_in("sources"))
        elif isinstance(layer, SelectionLayer):
            layer.set_tables(project.grids, project.sources)


class Counter(MapLayer):
    """Fills a map box and counts its paints."""

    def __init__(self, name, box=(-20, -20, 20, 20), color="#ff0000"):
        super().__init__(name)
        self.box, self.color, self.paints = box, color, 0

    def paint(self, painter, view):
        self.paints += 1
        x0, y0, x1, y1 = self.box
        left, top = view.to_pixel(x0, y1)
        right, bottom = view.to_pixel(x1, y0)
        painter.fillRect(QRectF(left, top, right - left, bottom - top), QColor(self.color))


@pytest.fixture
def clips(monkeypatch) -> list:
    """The clip of every run MapRenderer draws (None: the whole run)."""
    seen = []
    whole = render.render_map

    def spy(layers, view, target, *args, clip=None, **kwargs):
        seen.append(clip)
        return whole(layers, view, target, *args, clip=clip, **kwargs)
    monkeypatch.setattr(render, "render_map", spy)
    return seen


# ---- damage ------------------------------------------------------------------------------------
def test_damage_since_is_the_union_of_what_changed_after_a_revision():
    layer = MapLayer("x")
    layer.changed((0, 0, 10, 10))
    layer.changed((20, -5, 30, 5))
    assert layer.revision == 2
    assert layer.damage_since(0) == (0.0, -5.0, 30.0, 10.0)
    assert layer.damage_since(1) == (20.0, -5.0, 30.0, 5.0)
    layer.opacity = 0.5  # anywhere
    assert layer.damage_since(0) is None and layer.damage_since(2) is None
    layer.changed((1, 1, 2, 2))
    assert layer.damage_since(3) == (1.0, 1.0, 2.0, 2.0)
    for _ in range(DAMAGE_LOG):
        layer.changed((1, 1, 2, 2))
    assert layer.damage_since(layer.revision - DAMAGE_LOG) == (1.0, 1.0, 2.0, 2.0)
    assert layer.damage_since(layer.revision - DAMAGE_LOG - 1) is None  # forgotten


@pytest.mark.parametrize("module", [base, paths])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


# ---- grids ------------------------------------------------------------------------------------
@pytest.mark.parametrize("level", [1, 2, 3])
def test_a_grid_layer_updated_after_edits_draws_as_one_built_anew(qapp, small_chunks, level):
    grids, sources = division()
    project = project_of(grids, sources)
    layer = GridLayer(project.grids, level, "grids")
    for edit in some_edits():
        changes = edit.apply(project, "测试")
        layer.update(project.grids, changes.ids_in("grids"))
    fresh = GridLayer(project.grids, level, "grids")
    view = view_of(grids)
    assert len(layer) == len(fresh) == int((project.grids["level"] == level).sum())
    assert np.array_equal(rgb(render_image([layer], view)), rgb(render_image([fresh], view)))
    close = view.zoomed(4, 120, 200)  # communities wide enough for their names
    assert layer.labels(close) == fresh.labels(close)
    assert len(layer.labels(close)) > 0 or level == 1  # the district has no label


def test_an_update_reports_where_the_grids_were_and_are(qapp, small_chunks):
    grids, sources = division()
    project = project_of(grids, sources)
    communities, streets = GridLayer(grids, 3, "3"), GridLayer(grids, 2, "2")
    before = communities.revision, streets.revision
    changes = split(2, 3).apply(project, "测试")  # the split: four communities, no street
    communities.update(project.grids, changes.ids_in("grids"))
    streets.update(project.grids, changes.ids_in("grids"))
    # the two halves where the community was; of its neighbours east and west, which gained
    # a vertex each, only the edge they share with it
    cell = grids.geometry[grids["grid_code"] == code_of(2, 3)].iloc[0]
    assert sorted(changes.ids_in("grids")) == sorted(
        [code_of(1, 3), code_of(2, 3), code_of(3, 3), "410101001037"])
    assert communities.revision == before[0] + 1
    # (to the mm: the halves' new vertices come back from the metric frame)
    assert communities.damage_since(before[0]) == pytest.approx(map_extent(cell), abs=1e-3)
    assert streets.revision == before[1]  # none of its grids changed: nothing to redraw
    assert len(communities) == N * N + 1
    deleted = edits.DeleteGrid(code_of(8, 4)).apply(project, "测试")
    communities.update(project.grids, deleted.ids_in("grids"))
    assert len(communities) == N * N
    assert communities.damage_since(communities.revision - 1) == pytest.approx(
        map_extent(grids.geometry[grids["grid_code"] == code_of(8, 4)].iloc[0]), abs=1e-6)


class Recorder(QPainter):
    """A painter that keeps the paths drawn through it."""

    def __init__(self, device):
        super().__init__(device)
        self.paths = []

    def drawPath(self, path):  # Qt's name, to be called in its place
        self.paths.append(path)
        super().drawPath(path)


def test_a_clipped_paint_draws_only_the_grids_reaching_into_the_clip(qapp, small_chunks):
    grids, _sources = division()
    layer = GridLayer(grids, 3, "3")
    view = view_of(grids)
    image = QImage(view.width, view.height, QImage.Format.Format_ARGB32_Premultiplied)
    cell = map_extent(grids.geometry[grids["grid_code"] == code_of(4, 7)].iloc[0])
    left, top = view.to_pixel(cell[0], cell[3])
    right, bottom = view.to_pixel(cell[2], cell[1])
    painter = Recorder(image)
    # 3 px inside the community: no outline (0.8 px) reaches in, so nothing is stroked
    painter.setClipRect(QRectF(left, top, right - left, bottom - top).adjusted(3, 3, -3, -3))
    layer.paint(painter, view)
    # across its west edge: the community and its west neighbour, whose outlines pass there
    painter.setClipRect(QRectF(left - 3, top + 3, 6, bottom - top - 6))
    layer.paint(painter, view)
    painter.setClipRect(QRectF(-50, -50, 10, 10))  # outside the view: nothing to draw
    layer.paint(painter, view)
    painter.setClipping(False)  # the whole view: every community
    layer.paint(painter, view)
    painter.end()
    assert [path.elementCount() for path in painter.paths] == [10, 5 * N * N]
    west = map_extent(grids.geometry[grids["grid_code"] == code_of(3, 7)].iloc[0])
    assert painter.paths[0].boundingRect().getCoords() == pytest.approx(
        (min(cell[0], west[0]), cell[1], max(cell[2], west[2]), cell[3]))


# ---- sources ----------------------------------------------------------------------------------
def test_a_source_update_reports_where_the_sources_were_and_are(qapp):
    grids, sources = division()
    project = project_of(grids, sources)
    layer = SourceLayer(sources, "sources")
    revision = layer.revision
    changes = edits.MoveSource("S0003", STACKED).apply(project, "测试")
    layer.update(project.sources, changes.ids_in("sources"))
    assert shapely.equals_exact(sources.geometry.iloc[79], STACKED, 0)  # now two dots there
    old = sources.geometry[sources["source_id"] == "S0003"].iloc[0]
    assert layer.damage_since(revision) == pytest.approx(
        map_extent(shapely.MultiPoint([old, STACKED])), abs=1e-6)
    view = view_of(grids)
    fresh = SourceLayer(project.sources, "sources")
    assert np.array_equal(rgb(render_image([layer], view)), rgb(render_image([fresh], view)))
    layer.update(project.sources, ["S9999"])  # not there before or after: nothing changed
    assert layer.revision == revision + 1
    # a category the layer did not show yet changes its legend: redraw everything
    changes = edits.AddSource("S9999", "新源", "livestock", shapely.Point(113.61, 34.71)) \
        .apply(project, "测试")
    layer.update(project.sources, changes.ids_in("sources"))
    assert layer.revision == revision + 2 and layer.damage_since(revision + 1) is None
    assert len(layer.legend()) == len(SourceLayer(project.sources, "s").legend()) == 5


# ---- selection --------------------------------------------------------------------------------
def test_the_selection_follows_the_edited_tables(qapp):
    grids, sources = division()
    project = project_of(grids, sources)
    layer = SelectionLayer(project.grids, project.sources, "selection")
    layer.set_selected([code_of(2, 3), "no such grid"], ["S0003", "S0004", "S9999"])
    assert layer.grid_codes == (code_of(2, 3),) and layer.source_ids == ("S0003", "S0004")
    revision = layer.revision
    untouched = edits.MoveSource("S0100", shapely.Point(113.641, 34.741)).apply(project, "测试")
    assert untouched
    layer.set_tables(project.grids, project.sources)
    assert layer.revision == revision  # what is highlighted did not change: no redraw
    split(2, 3).apply(project, "测试")  # the selected community is cut in half
    edits.MoveSource("S0003", STACKED).apply(project, "测试")
    layer.set_tables(project.grids, project.sources)
    assert layer.revision == revision + 1
    # around the community and where the source was and is, not the unchanged S0004
    cell = grids.geometry[grids["grid_code"] == code_of(2, 3)].iloc[0]
    moved = [sources.geometry[sources["source_id"] == "S0003"].iloc[0],
             STACKED]
    assert layer.damage_since(revision) == pytest.approx(
        map_extent(shapely.union_all([cell, *moved])), abs=1e-6)
    edits.DeleteGrid(code_of(2, 3)).apply(project, "测试")
    layer.set_tables(project.grids, project.sources)
    assert layer.grid_codes == ()


# ---- partial re-renders -----------------------------------------------------------------------
@pytest.mark.parametrize("ratio", [1.0, 1.5])
def test_a_partial_rerender_after_edits_equals_a_full_render(qapp, small_chunks, clips, ratio):
    grids, sources = division()
    project = project_of(grids, sources)
    layers = stack(project)
    view = view_of(grids)
    renderer = MapRenderer()
    renderer.render(layers, view, ratio)
    assert clips == [None, None]  # first render: both runs whole
    for edit in some_edits():
        clips.clear()
        update(layers, project, edit.apply(project, "测试"))
        image = renderer.render(layers, view, ratio)
        # every run drawn again only around the edit (the selection's run: when it changed);
        # a source moved across the map damages the rectangle spanning its two places
        assert clips and None not in clips, (edit, clips)
        if not isinstance(edit, edits.MoveSource):
            assert all(c.width() * c.height() < view.width * view.height / 8 for c in clips)
        expected = MapRenderer().render(stack(project), view, ratio)
        assert np.array_equal(rgb(image), rgb(expected)), edit


def test_damage_outside_the_view_draws_nothing(qapp, clips):
    inside, outside = Counter("inside"), Counter("outside", (500, 500, 520, 520), "#0000ff")
    view = MapView(0.0, 0.0, 1.0, 100, 80)
    renderer = MapRenderer()
    first = rgb(renderer.render([inside, outside], view))
    outside.box = (600, 600, 620, 620)
    outside.changed((500, 500, 620, 620))  # far beyond the view's 100 x 80 m
    assert np.array_equal(rgb(renderer.render([inside, outside], view)), first)
    assert (inside.paints, outside.paints) == (1, 1) and clips == [None]


def test_damage_inside_the_view_redraws_only_there(qapp, clips):
    back, front = Counter("back", (-40, -30, 40, 30), "#00ff00"), Counter("front")
    view = MapView(0.0, 0.0, 1.0, 100, 80)
    renderer = MapRenderer()
    renderer.render([back, front], view)
    front.box = (-10, -10, 10, 10)
    front.changed((-20, -20, 20, 20))  # where the square was and is
    image = rgb(renderer.render([back, front], view))
    assert (back.paints, front.paints) == (2, 2)  # the run is drawn again, clipped
    # 20 m around the square, plus the margin (32 px), in whole pixels, within the view
    assert clips[-1].getCoords() == (0.0, 0.0, 100.0, 80.0)
    assert np.array_equal(image, rgb(MapRenderer().render([back, front], view)))
    front.box = (30, 20, 32, 22)
    front.changed((30, 20, 32, 22))
    renderer.render([back, front], view)
    assert clips[-1].getCoords() == (48.0, 0.0, 100.0, 52.0)


def test_a_change_anywhere_still_redraws_the_run_whole(qapp, clips):
    a, b = Counter("a"), Counter("b", (-5, -5, 5, 5), "#0000ff")
    view = MapView(0.0, 0.0, 1.0, 100, 80)
    renderer = MapRenderer()
    renderer.render([a, b], view)
    b.changed((-5, -5, 5, 5))
    renderer.render([a, b], view)
    assert clips[-1] is not None
    b.visible = False  # the run's layers differ: drawn whole
    renderer.render([a, b], view)
    b.visible = True
    renderer.render([a, b], view)
    assert clips[-2:] == [None, None]
    a.visible = False  # hidden and shown again between two renders: whole, too
    a.visible = True
    b.changed((-5, -5, 5, 5))
    renderer.render([a, b], view)
    assert clips[-1] is None
    b.opacity = 0.5
    renderer.render([a, b], view)
    assert clips[-1] is None and (a.paints, b.paints) == (6, 5)


class Labelled(MapLayer):
    """Draws nothing; asks for labels at given pixels, first = highest priority."""

    def __init__(self, places):
        super().__init__("labels")
        self.places = places

    def paint(self, painter, view):
        pass

    def labels(self, view):
        return [Label(x, y, text, -i) for i, (x, y, text) in enumerate(self.places)]


class TextRecorder(QPainter):
    def __init__(self, device):
        super().__init__(device)
        self.texts = []

    def fillPath(self, path, brush):  # Qt's name, to be called in its place
        self.texts.append(round(path.boundingRect().center().x()))
        super().fillPath(path, brush)


def test_labels_that_would_overlap_one_placed_before_are_left_out(qapp):
    # 甲 and 乙 overlap; 丙 and 丁 overlap across x = 64 (where label cells meet); 戊 is free
    layer = Labelled([(40, 40, "甲"), (44, 40, "乙"), (60, 100, "丙"), (68, 100, "丁"),
                      (150, 100, "戊")])
    image = QImage(200, 150, QImage.Format.Format_ARGB32_Premultiplied)
    painter = TextRecorder(image)
    render.render_map([layer], MapView(0.0, 0.0, 1.0, 200, 150), painter)
    painter.end()
    assert painter.texts == pytest.approx([40, 60, 150], abs=1)
