"""Identify: plain events on a hand-drawn project, and a real click on the demo's map that
fills the identify dock with the source and its grid chain with the responsible persons."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from PySide6.QtCore import QPoint, Qt

from gisapp import schema
from gisapp.hierarchy import GridHierarchy, source_chain
from gisapp.layers.view import MapView, lonlat_to_map
from gisapp.ui.docks.identify_dock import IdentifyDock
from gisapp.ui.main_window import MainWindow
from gisapp.ui.selection import FeatureIndex
from gisapp.ui.tools.base import MapEvent
from gisapp.ui.tools.identify import IdentifyTool
from tests.ui.conftest import DISTRICT, SOURCES, make_project
from tests.ui.demo import demo_project, pixel_of

ASSIGNMENTS = pd.DataFrame({
    "grid_code": ["D", "D-W", "D-W", "D-E"],
    "role": ["first_responsible", "direct_responsible", "inspector", "inspector"],
    "inspector_id": [None, None, "I1", "I2"],
    "person_name": ["王区长", "赵主任", "张三", "李四"],
    "phone": ["13800000001", "13800000002", "13800000003", "13800000004"],
    "valid_from": ["2024-01-01", "2024-01-01", "2024-01-01", "2024-06-01"],
    "valid_to": [None, None, None, None],
})
MAY = dt.date(2024, 5, 3)


@pytest.fixture
def index(tmp_path) -> FeatureIndex:
    project = make_project(tmp_path / "tiny.gpkg")
    project.set_table(schema.ASSIGNMENTS, ASSIGNMENTS)
    index = FeatureIndex(project)
    index.on_date = MAY
    return index


@pytest.fixture
def view() -> MapView:
    xmin, ymin = lonlat_to_map(DISTRICT[0], DISTRICT[1])
    xmax, ymax = lonlat_to_map(DISTRICT[2], DISTRICT[3])
    return MapView.fit((float(xmin), float(ymin), float(xmax), float(ymax)), 400, 400)


def click(tool, view, lon, lat, button=Qt.MouseButton.LeftButton, drag=(0, 0)):
    px, py = view.to_pixel(*lonlat_to_map(lon, lat))
    taken = tool.press(MapEvent.at_pixel(view, px, py, button))
    return taken, tool.release(MapEvent.at_pixel(view, px + drag[0], py + drag[1], button))


def test_a_click_on_a_source_identifies_it_with_its_grid_chain(index, view, qtbot):
    tool = IdentifyTool()
    tool.index = index
    found = []
    tool.identified.connect(found.append)
    _id, name, category, lon, lat = SOURCES[0]
    assert click(tool, view, lon + 0.0002, lat) == (True, True)  # 17 m off: within 7 pixels
    [result] = found
    assert (result.source["source_id"], result.source["name"]) == ("S1", name)
    assert result.source["category"] == category
    assert [(l.level, l.grid_code) for l in result.chain] == [(1, "D"), (2, "D-W")]
    assert [(p.role, p.name) for p in result.chain[0].persons] == [("first_responsible", "王区长")]
    assert [(p.role, p.name, p.inspector_id) for p in result.chain[1].persons] == [
        ("direct_responsible", "赵主任", ""), ("inspector", "张三", "I1")]


def test_a_click_on_no_source_still_gives_the_grid_chain_on_the_date(index, view):
    tool = IdentifyTool()
    tool.index = index
    found = []
    tool.identified.connect(found.append)
    click(tool, view, 116.33, 40.0)  # the east street, far from any source
    assert found[0].source is None
    assert [l.grid_code for l in found[0].chain] == ["D", "D-E"]
    assert found[0].chain[1].persons == ()  # 李四 starts in June
    index.on_date = dt.date(2024, 6, 1)
    tool.repeat()
    assert found[1].chain[1].names("inspector") == ["李四"]


def test_drags_and_other_buttons_identify_nothing(index, view):
    tool = IdentifyTool()
    tool.index = index
    found = []
    tool.identified.connect(found.append)
    _id, _name, _category, lon, lat = SOURCES[0]
    assert click(tool, view, lon, lat, drag=(30, 0)) == (True, True)
    assert click(tool, view, lon, lat, Qt.MouseButton.RightButton) == (False, False)
    assert found == []


def test_the_dock_lists_the_source_the_chain_and_the_persons(index, qtbot):
    dock = IdentifyDock()
    qtbot.addWidget(dock)
    _id, _name, _category, lon, lat = SOURCES[0]
    x, y = lonlat_to_map(lon, lat)
    dock.show_result(index.identify(float(x), float(y), 10.0))
    texts = dock.texts()
    assert texts[:3] == ["Source: 钢铁厂", "Source ID: S1", "Name: 钢铁厂"]
    assert "Category: Industrial enterprises" in texts
    chain = texts[texts.index("Grid chain on 2024-05-03"):]
    assert chain[:6] == ["Grid chain on 2024-05-03", "District: 测试区 (D)",
                         "First responsible: 王区长  13800000001",
                         "Street: 西街道 (D-W)", "Direct responsible: 赵主任  13800000002",
                         "Inspector: 张三  13800000003  [I1]"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return demo_project(tmp_path_factory.mktemp("demo"))


def test_identify_a_demo_source_through_the_real_canvas(qtbot, settings, demo):
    path, _truth = demo
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitActive(window)
    assert window.open_project(path)
    project = window.project
    source = project.sources.iloc[0]
    day = dt.date(2026, 10, 15)
    window.identify_dock.set_date(day)
    # zoom close to the source so it stands apart from its neighbours
    x, y = (float(v) for v in lonlat_to_map(source.geometry.x, source.geometry.y))
    window.canvas.zoom_to((x - 150, y - 150, x + 150, y + 150))
    window.tools.actions["identify"].trigger()
    assert window.tools.active is window.identify_tool
    px, py = pixel_of(window.canvas.view, source.geometry.x, source.geometry.y)
    before = window.canvas.view
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(px + 2, py + 1))
    assert window.identify_dock.isVisible()
    texts = window.identify_dock.texts()
    assert texts[0] == f"Source: {source['name']}"
    assert f"Source ID: {source['source_id']}" in texts
    # the chain, coarsest first, each grid with its responsible persons on the day chosen
    hierarchy = GridHierarchy(project.grids, project.assignments)
    chain = source_chain(hierarchy, source, day)
    assert [l.level for l in chain] == ([1, 2, 3, 4] if source["is_key"] else [1, 2, 3])
    for link in chain:
        row = texts.index(f"{('District', 'Street', 'Community', 'Key enterprise')[link.level - 1]}"
                          f": {link.name} ({link.grid_code})")
        people = [f"{role}: {p.name}  {p.phone}" + (f"  [{p.inspector_id}]" if p.inspector_id
                                                     else "")
                  for p in link.persons
                  for role in [{"first_responsible": "First responsible",
                                "direct_responsible": "Direct responsible",
                                "responsible_a": "Responsible A", "responsible_b": "Responsible B",
                                "inspector": "Inspector"}[p.role]]]
        assert texts[row + 1: row + 1 + len(people)] == people
    community = chain[2]
    assert community.names("first_responsible") and community.names("inspector")
    assert window.canvas.view == before  # the tool took the click: the map did not move
