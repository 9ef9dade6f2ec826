"""The grid chain of a point, a grid and a source, with the persons valid on a date."""

from __future__ import annotations

import datetime as dt
import doctest

import geopandas as gpd
import pandas as pd
import shapely

from gisapp import hierarchy
from gisapp.hierarchy import GridHierarchy, Person, source_chain

# district D (0..4 x 0..2) -> streets W (x < 2) and E -> communities W1, W2 in W -> key grid K in W1
GRIDS = gpd.GeoDataFrame({
    "grid_code": ["D", "W", "E", "W1", "W2", "K"],
    "name": ["区", "西街道", "东街道", "一社区", "二社区", "化工厂"],
    "level": [1, 2, 2, 3, 3, 4],
    "parent_code": [None, "D", "D", "W", "W", "W1"],
    "kind": ["district", "street", "street", "community", "community", "enterprise"],
}, geometry=[shapely.box(0, 0, 4, 2), shapely.box(0, 0, 2, 2), shapely.box(2, 0, 4, 2),
             shapely.box(0, 0, 2, 1), shapely.box(0, 1, 2, 2), shapely.box(0.2, 0.2, 0.4, 0.4)])


def assignment(grid, role, name, inspector=None, start="2026-01-01", end=None):
    return {"grid_code": grid, "role": role, "inspector_id": inspector, "person_name": name,
            "phone": "138" + name.encode().hex()[:8], "valid_from": start, "valid_to": end}


ASSIGNMENTS = pd.DataFrame([
    assignment("D", "first_responsible", "区长"),
    assignment("W", "responsible_b", "乙"),
    assignment("W", "responsible_a", "甲"),
    assignment("W", "direct_responsible", "主任"),
    assignment("W", "first_responsible", "书记"),
    assignment("W1", "inspector", "张三", "I1", end="2026-10-15"),
    assignment("W1", "inspector", "李四", "I2", start="2026-10-16"),
    assignment("W2", "inspector", "李四", "I2"),
    assignment("E", "inspector", "王五", "I3", start="2026-11-01"),
])
OCT_10, OCT_20 = dt.date(2026, 10, 10), dt.date(2026, 10, 20)


def grid_chain(links):
    return [(link.level, link.grid_code, link.name) for link in links]


def test_doctests():
    assert doctest.testmod(hierarchy).failed == 0


def test_the_chain_at_a_point_has_one_grid_per_level_down_to_the_key_enterprise():
    h = GridHierarchy(GRIDS, ASSIGNMENTS)
    assert grid_chain(h.chain_at(0.3, 0.3, OCT_10)) == [
        (1, "D", "区"), (2, "W", "西街道"), (3, "W1", "一社区"), (4, "K", "化工厂")]
    assert grid_chain(h.chain_at(3.0, 1.0, OCT_10)) == [(1, "D", "区"), (2, "E", "东街道")]
    assert h.chain_at(9.0, 9.0, OCT_10) == []
    # on the shared boundary of W and E, the lower code wins
    assert grid_chain(h.chain_at(2.0, 0.5, OCT_10))[1] == (2, "E", "东街道")


def test_persons_are_in_role_order_and_valid_on_the_date():
    h = GridHierarchy(GRIDS, ASSIGNMENTS)
    street = h.chain_of("W", OCT_10)[1]
    assert [(p.role, p.name) for p in street.persons] == [
        ("first_responsible", "书记"), ("direct_responsible", "主任"),
        ("responsible_a", "甲"), ("responsible_b", "乙")]
    assert h.chain_of("W1", OCT_10)[2].persons == (
        Person("inspector", "张三", "138" + "张三".encode().hex()[:8], "I1"),)
    assert h.chain_of("W1", OCT_20)[2].names("inspector") == ["李四"]
    # valid_to is inclusive
    assert h.chain_of("W1", dt.date(2026, 10, 15))[2].names("inspector") == ["张三"]
    assert h.chain_of("E", OCT_20)[1].persons == ()


def test_a_source_chain_follows_its_key_grid_else_its_grid():
    h = GridHierarchy(GRIDS, ASSIGNMENTS)
    key = {"grid_code": "W1", "key_grid_code": "K"}
    plain = {"grid_code": "W2", "key_grid_code": pd.NA}
    assert [l.grid_code for l in source_chain(h, key, OCT_10)] == ["D", "W", "W1", "K"]
    assert [l.grid_code for l in source_chain(h, plain, OCT_10)] == ["D", "W", "W2"]
    assert source_chain(h, {"grid_code": "nowhere"}, OCT_10) == []


def test_inspectors_and_grids_over_a_period():
    h = GridHierarchy(GRIDS, ASSIGNMENTS)
    october = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    assert h.inspector_grids("I1", *october) == ["W1"]
    assert h.inspector_grids("I2", *october) == ["W1", "W2"]
    assert h.inspector_grids("I3", *october) == []
    assert h.grid_inspectors("W", *october) == ["I1", "I2"]
    assert h.grid_inspectors("D", dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == ["I2", "I3"]
    assert h.grids_of_inspectors(*october) == {"I1": ["W1"], "I2": ["W1", "W2"]}
    assert h.subtree("W") == ["W", "W1", "K", "W2"]


def test_sources_in_a_subtree_by_grid_or_key_grid():
    h = GridHierarchy(GRIDS, ASSIGNMENTS)
    sources = pd.DataFrame({"grid_code": ["W1", "E", None, "W2"],
                            "key_grid_code": [None, None, "K", None]})
    assert h.sources_in(sources, "W").tolist() == [0, 2, 3]
    assert h.sources_in(sources, "K").tolist() == [2]
