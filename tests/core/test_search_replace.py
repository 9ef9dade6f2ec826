"""SearchIndex.replace: an index updated entry by entry answers exactly as one built afresh,
whatever the order in which the entries came in."""

from __future__ import annotations

import random

import geopandas as gpd
import pandas as pd
import shapely

from gisapp.search import Entry, SearchIndex, entries_of

ENTRIES = [
    Entry("grid", "410199", "绿源区", "410199"),
    Entry("grid", "410199001", "林山寨街道", "410199001"),
    Entry("grid", "410199002", "长安路街道", "410199002"),
    Entry("source", "S1", "林山化工有限公司", "S1"),
    Entry("source", "S2", "重庆火锅店", "S2"),
    Entry("source", "S3", "工地", "S3"),
    Entry("source", "S3", "工厂", "S3"),  # a repeated id: both are found
    Entry("inspector", "W001", "李素珍", "W001"),
    Entry("inspector", "W002", "张三", "W002"),
]
QUERIES = ["jd", "lsz", "林山", "4101", "s", "S3", "gd", "g", "工", "zs", "changan", "cqhg",
           "410199001", "xinjiedao", "xjd", "w00"]


def found(index: SearchIndex) -> dict[str, list[tuple]]:
    return {q: [(h.kind, h.key, h.name, h.entry.detail, h.rank) for h in index.search(q)]
            for q in QUERIES}


def test_the_order_entries_come_in_does_not_change_any_answer():
    expected = found(SearchIndex(ENTRIES))
    for seed in range(5):
        shuffled = ENTRIES[:]
        random.Random(seed).shuffle(shuffled)
        assert found(SearchIndex(shuffled)) == expected


def test_equal_hits_are_ordered_by_kind_name_length_key_then_name():
    assert [(h.kind, h.key, h.name) for h in SearchIndex(ENTRIES).search("工")] == [
        ("source", "S3", "工厂"), ("source", "S3", "工地"), ("source", "S1", "林山化工有限公司")]


def test_replaced_entries_answer_as_a_new_index():
    index = SearchIndex(ENTRIES)
    # rename a street, delete a source (both rows of S3), add a street and a source
    index.replace("grid", ["410199001", "410199003"],
                  [Entry("grid", "410199001", "新街道", "410199001"),
                   Entry("grid", "410199003", "林山寨街道", "410199003")])
    index.replace("source", ["S3", "S4"], [Entry("source", "S4", "工地", "S4")])
    index.replace("inspector", [], [])
    after = [e for e in ENTRIES if (e.kind, e.key) not in {("grid", "410199001"),
                                                             ("source", "S3")}]
    after += [Entry("grid", "410199003", "林山寨街道", "410199003"),
              Entry("source", "S4", "工地", "S4"),
              Entry("grid", "410199001", "新街道", "410199001")]
    assert found(index) == found(SearchIndex(after))
    assert len(index) == len(after)
    assert [h.key for h in index.search("xjd")] == ["410199001"]
    assert [h.key for h in index.search("lszjd")] == ["410199003"]


def test_replacing_every_entry_of_a_kind():
    index = SearchIndex(ENTRIES)
    index.replace("inspector", None, [Entry("inspector", "W009", "王五", "W009")])
    assert [(h.kind, h.key) for h in index.search("w00")] == [("inspector", "W009")]
    assert found(index) == found(SearchIndex(
        [e for e in ENTRIES if e.kind != "inspector"]
        + [Entry("inspector", "W009", "王五", "W009")]))


def test_entries_of_the_rows_of_a_table():
    grids = gpd.GeoDataFrame({"grid_code": ["410199", "410199001", "410199002"],
                              "name": ["绿源区", None, "长安路街道"]},
                             geometry=[shapely.box(0, 0, 1, 1)] * 3)
    assert entries_of("grid", grids, {"410199001", "gone"}) == [
        Entry("grid", "410199001", "", "410199001")]
    sources = pd.DataFrame({"source_id": pd.array(["S1", None], dtype="string"),
                            "name": ["工地", "饭店"]})
    assert entries_of("source", sources, {str(pd.NA)}) == [
        Entry("source", str(pd.NA), "饭店", str(pd.NA))]
    inspectors = pd.DataFrame({"inspector_id": ["W001"], "name": ["李素珍"]})
    assert entries_of("inspector", inspectors) == [Entry("inspector", "W001", "李素珍", "W001")]


def test_many_replacements_of_the_same_rows():
    index = SearchIndex(ENTRIES)
    for round_ in range(4):  # drops more entries than the index holds: it is compacted
        for entry in ENTRIES:
            index.replace(entry.kind, [entry.key],
                          [e for e in ENTRIES if (e.kind, e.key) == (entry.kind, entry.key)])
        assert len(index) == len(ENTRIES)
        assert found(index) == found(SearchIndex(ENTRIES)), round_
