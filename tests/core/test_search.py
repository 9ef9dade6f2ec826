"""Search by name, code, full pinyin and pinyin initials, with exact ranked answers."""

from __future__ import annotations

import doctest

import geopandas as gpd
import pandas as pd
import shapely

from gisapp import search
from gisapp.search import Entry, SearchIndex


def index() -> SearchIndex:
    grids = gpd.GeoDataFrame({"grid_code": ["410199", "410199001", "410199002"],
                              "name": ["绿源区", "林山寨街道", "长安路街道"]},
                             geometry=[shapely.box(0, 0, 1, 1)] * 3)
    sources = gpd.GeoDataFrame({"source_id": ["S00001", "S00002"],
                                "name": ["林山化工有限公司", "重庆火锅店"]},
                               geometry=shapely.points([(0, 0), (1, 1)]))
    inspectors = pd.DataFrame({"inspector_id": ["W001", "W002"], "name": ["李素珍", "张三"]})
    return SearchIndex.of_tables(grids, sources, inspectors)


def keys(query: str) -> list[tuple[str, str]]:
    return [(hit.kind, hit.key) for hit in index().search(query)]


def test_doctests():
    assert doctest.testmod(search).failed == 0


def test_initials_find_the_street_before_longer_names_that_start_alike():
    # 林山寨街道 spells lszjd; 李素珍 spells lsz exactly, so she comes first
    assert keys("lsz") == [("inspector", "W001"), ("grid", "410199001")]
    assert keys("lszjd") == [("grid", "410199001")]
    assert keys("LSZ") == keys("lsz")


def test_full_pinyin_prefix_and_inside():
    assert keys("linshanzhai") == [("grid", "410199001")]
    assert keys("lin shan") == [("grid", "410199001"), ("source", "S00001")]
    assert keys("jiedao") == [("grid", "410199001"), ("grid", "410199002")]


def test_polyphonic_characters_match_every_reading_in_initials():
    # 长 is chang or zhang, 重 zhong or chong
    assert keys("caljd") == [("grid", "410199002")]
    assert keys("zaljd") == [("grid", "410199002")]
    assert keys("cqhgd") == keys("zqhgd") == [("source", "S00002")]


def test_names_and_codes():
    assert keys("林山") == [("grid", "410199001"), ("source", "S00001")]
    assert keys("410199") == [("grid", "410199"), ("grid", "410199001"), ("grid", "410199002")]
    assert keys("w002") == [("inspector", "W002")]
    assert keys("00002") == [("source", "S00002")]
    assert keys("  ") == [] and keys("xyz") == []


def test_limit_and_entry_details():
    found = SearchIndex([Entry("source", f"S{i}", f"工地{i}", "construction_dust")
                         for i in range(30)]).search("gd", limit=5)
    assert [h.key for h in found] == ["S0", "S1", "S2", "S3", "S4"]
    assert found[0].entry.detail == "construction_dust"
