"""Grid and source readers: tiny hand-made files written to tmp_path, exact expected outputs."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from gisapp import schema
from gisapp.errors import InputError
from gisapp.io.vector import read_grids, read_sources, read_vector

# ---------------------------------------------------------------------------------------------
# builders


def square(x: float, y: float, d: float = 0.01) -> Polygon:
    return Polygon([(x, y), (x + d, y), (x + d, y + d), (x, y + d)])


BOWTIE = Polygon([(113.60, 34.70), (113.62, 34.72), (113.62, 34.70), (113.60, 34.72)])


def district_frame() -> gpd.GeoDataFrame:
    """A district and two streets, Chinese names, with the file's own column names."""
    return gpd.GeoDataFrame(
        {"CODE": ["410102", "410102001", "410102002"],
         "NAME": ["中原区", "林山寨街道", "须水镇"],
         "LEVEL": [1, 2, 2],
         "PARENT": [None, "410102", "410102"]},
        geometry=[square(113.60, 34.70, 0.02), square(113.60, 34.70), square(113.61, 34.70)],
        crs="EPSG:4326")


MAPPING = {"grid_code": "CODE", "name": "NAME", "level": "LEVEL", "parent_code": "PARENT"}


def expected_district() -> gpd.GeoDataFrame:
    frame = pd.DataFrame({
        "grid_code": pd.array(["410102", "410102001", "410102002"], dtype="string"),
        "name": pd.array(["中原区", "林山寨街道", "须水镇"], dtype="string"),
        "level": np.array([1, 2, 2], dtype="int64"),
        "parent_code": pd.array([pd.NA, "410102", "410102"], dtype="string"),
        "kind": pd.array(["district", "street", "street"], dtype="string"),
        "office_address": pd.array([pd.NA] * 3, dtype="string"),
    })
    return gpd.GeoDataFrame(frame, geometry=district_frame().geometry.values, crs="EPSG:4326")


def write_geojson(path: Path, features: list[tuple[dict, object]]) -> Path:
    """Features as (properties, shapely geometry or None), no CRS member (= WGS-84)."""
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props,
         "geometry": None if geom is None else shapely.geometry.mapping(geom)}
        for props, geom in features]}, ensure_ascii=False), encoding="utf-8")
    return path


def grid_props(code, name="网格", level=2, parent=None) -> dict:
    return {"CODE": code, "NAME": name, "LEVEL": level, "PARENT": parent}


def problems(report) -> dict[int, str]:
    return dict(zip(report.rejected["row"].tolist(), report.rejected["problem"].tolist()))


# ---------------------------------------------------------------------------------------------
# GeoPackage


def test_geopackage_grids_with_mapping_exact(tmp_path):
    path = tmp_path / "grids.gpkg"
    district_frame().to_file(path, layer="网格")
    grids, report = read_grids(path, MAPPING)
    assert list(grids.columns) == [*schema.GRID_COLUMNS, "geometry"]
    assert grids.index.tolist() == [1, 2, 3]  # feature numbers, as messages give them
    grids = grids.reset_index(drop=True)
    pd.testing.assert_frame_equal(pd.DataFrame(grids.drop(columns="geometry")),
                                  pd.DataFrame(expected_district().drop(columns="geometry")))
    assert grids.geometry.geom_equals_exact(expected_district().geometry, 1e-12).all()
    assert grids.crs.to_epsg() == 4326
    assert (report.rows_read, report.rows_kept, report.n_rejected) == (3, 3, 0)
    assert report.file == str(path) and report.kind == "grids"


def test_geopackage_with_several_layers_needs_one_named(tmp_path):
    path = tmp_path / "two.gpkg"
    district_frame().to_file(path, layer="streets")
    district_frame().iloc[:1].to_file(path, layer="district")
    with pytest.raises(InputError) as err:
        read_vector(path)
    assert "two.gpkg" in str(err.value)
    assert "streets (Polygon)" in err.value.problem and "district (Polygon)" in err.value.problem
    assert len(read_vector(path, layer="district")) == 1
    with pytest.raises(InputError, match="no layer 'nope'; layers: streets, district"):
        read_vector(path, layer="nope")


def test_geopackage_ignores_attribute_tables_when_choosing_the_layer(tmp_path):
    import pyogrio
    path = tmp_path / "mixed.gpkg"
    district_frame().to_file(path, layer="grids")
    pyogrio.write_dataframe(pd.DataFrame({"note": ["x"]}), path, layer="notes")
    assert len(read_vector(path)) == 3


# ---------------------------------------------------------------------------------------------
# Shapefile encodings


def chinese_header_frame() -> gpd.GeoDataFrame:
    frame = district_frame().rename(columns={"CODE": "编码", "NAME": "名称", "LEVEL": "层级",
                                             "PARENT": "上级编码"})
    frame["类型"] = ["区", "街道", "镇"]
    return frame


def test_shapefile_with_cpg_gbk_and_chinese_headers(tmp_path):
    path = tmp_path / "grids.shp"
    chinese_header_frame().to_file(path, encoding="GBK")
    assert path.with_suffix(".cpg").read_text().strip().upper() == "GBK"
    assert "中原区".encode("gbk") in path.with_suffix(".dbf").read_bytes()
    grids, report = read_grids(path)  # headers auto-detected
    assert grids["name"].tolist() == ["中原区", "林山寨街道", "须水镇"]
    assert grids["kind"].tolist() == ["district", "street", "town"]
    assert grids["parent_code"].tolist() == [pd.NA, "410102", "410102"]
    assert report.rows_kept == 3


def test_shapefile_without_cpg_in_gbk_is_detected(tmp_path):
    path = tmp_path / "grids.shp"
    chinese_header_frame().to_file(path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    dbf = path.with_suffix(".dbf").read_bytes()
    with pytest.raises(UnicodeDecodeError):  # the text really is not UTF-8
        dbf[dbf.index("中原区".encode("gbk")):][:6].decode("utf-8")
    grids, report = read_grids(path)
    assert grids["name"].tolist() == ["中原区", "林山寨街道", "须水镇"]
    assert grids["kind"].tolist() == ["district", "street", "town"]
    assert any("no .cpg" in n and "GB18030/GBK" in n for n in report.notes)


def test_shapefile_without_cpg_in_utf8_is_detected(tmp_path):
    path = tmp_path / "grids.shp"
    with warnings.catch_warnings():  # GDAL says it cut 上级编码 (12 bytes in UTF-8)
        warnings.simplefilter("ignore", RuntimeWarning)
        chinese_header_frame().to_file(path, encoding="UTF-8")
    path.with_suffix(".cpg").unlink()
    # the .dbf cut the name after 10 bytes, in the middle of 码: the rest still decodes
    assert list(read_vector(path).columns) == ["编码", "名称", "层级", "上级编", "类型", "geometry"]
    grids, report = read_grids(path, {"parent_code": "上级编"})
    assert grids["name"].tolist() == ["中原区", "林山寨街道", "须水镇"]
    assert grids["parent_code"].tolist() == [pd.NA, "410102", "410102"]
    assert any("no .cpg" in n and "UTF-8" in n for n in report.notes)
    assert any("cut mid-character" in n and "上级编" in n for n in report.notes)


def test_shapefile_whose_text_is_neither_utf8_nor_gbk_names_the_row(tmp_path):
    path = tmp_path / "latin.shp"
    frame = district_frame()
    frame["NAME"] = ["Zhongyuan", "Linshanzhai", "Café ÿ"]  # row 3 holds bytes E9 and FF
    frame.to_file(path, encoding="ISO-8859-1")
    path.with_suffix(".cpg").unlink()
    raw = "Café ÿ".encode("latin-1")
    assert raw in path.with_suffix(".dbf").read_bytes()
    for encoding in ("utf-8", "gb18030", "gbk"):  # the premise of the test
        with pytest.raises(UnicodeDecodeError):
            raw.decode(encoding)
    with pytest.raises(InputError) as err:
        read_grids(path, MAPPING)
    assert err.value.row == 3
    assert "latin.shp" in str(err.value) and "row 3" in str(err.value)
    assert "neither UTF-8 nor GB18030/GBK" in err.value.problem
    # with the encoding named, the same file reads
    grids, _ = read_grids(path, MAPPING, encoding="ISO-8859-1")
    assert grids["name"].tolist() == ["Zhongyuan", "Linshanzhai", "Café ÿ"]


def test_shapefile_in_a_projected_crs_is_reprojected_to_lon_lat(tmp_path):
    path = tmp_path / "gk.shp"
    district_frame().to_crs("EPSG:4547").to_file(path)  # CGCS2000 3-degree GK, CM 114E
    grids, report = read_grids(path, MAPPING)
    assert grids.crs.to_epsg() == 4326
    np.testing.assert_allclose(grids.total_bounds, [113.60, 34.70, 113.62, 34.72], atol=1e-7)
    assert any("reprojected" in n and "EPSG:4547" in n for n in report.notes)


# ---------------------------------------------------------------------------------------------
# GeoJSON and KML


def test_geojson_with_chinese_headers_and_kinds(tmp_path):
    path = write_geojson(tmp_path / "g.geojson", [
        ({"网格编码": "A", "网格名称": "建设路街道", "网格级别": "2", "类型": "街道办事处"},
         square(113.60, 34.70)),
        ({"网格编码": "B", "网格名称": "须水镇", "网格级别": "二级", "类型": "乡镇"},
         square(113.61, 34.70)),
        ({"网格编码": "C", "网格名称": "某工业园区", "网格级别": "3", "类型": "工业园区"},
         square(113.62, 34.70)),
        ({"网格编码": "D", "网格名称": "某村", "网格级别": 3.0, "类型": "村"},
         square(113.63, 34.70)),
        ({"网格编码": "E", "网格名称": "某社区", "网格级别": "3", "类型": None},
         square(113.64, 34.70)),
    ])
    grids, report = read_grids(path)
    assert grids["grid_code"].tolist() == ["A", "B", "C", "D", "E"]
    assert grids["level"].tolist() == [2, 2, 3, 3, 3]
    assert grids["kind"].tolist() == ["street", "town", "industrial_park", "village",
                                      "community"]
    assert report.notes == []


def test_bare_geometry_geojson_as_a_district(tmp_path):
    ring = [[113.60, 34.70], [113.62, 34.70], [113.62, 34.72], [113.60, 34.72], [113.60, 34.70]]
    path = tmp_path / "410102.json"
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    frame = read_vector(path)
    assert len(frame) == 1 and frame.geometry.iloc[0].equals(Polygon(ring))
    with pytest.raises(InputError) as err:
        read_grids(path, default_level=1)
    assert "grid_code" in err.value.problem and "columns found: (none)" in err.value.problem
    grids, report = read_grids(path, default_level=1,
                               defaults={"grid_code": "410102", "name": "中原区"})
    assert grids[["grid_code", "name", "level", "kind"]].values.tolist() == [
        ["410102", "中原区", 1, "district"]]


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>中原区</name>
<Folder><name>网格</name>
 <Placemark><name>林山寨街道</name>
  <ExtendedData><Data name="code"><value>410102001</value></Data></ExtendedData>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>
   113.60,34.70,0 113.61,34.70,0 113.61,34.71,0 113.60,34.71,0 113.60,34.70,0
  </coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Folder>
<Folder><name>污染源</name>
 <Placemark><name>郑州某化工厂</name><Point><coordinates>113.605,34.705</coordinates></Point></Placemark>
 <Placemark><name>某餐馆</name><Point><coordinates>113.606,34.706</coordinates></Point></Placemark>
</Folder></Document></kml>
"""


def test_kml_reads_every_folder_polygons_and_points(tmp_path):
    path = tmp_path / "zy.kml"
    path.write_text(KML, encoding="utf-8")
    frame = read_vector(path)
    assert frame.geometry.geom_type.tolist() == ["Polygon", "Point", "Point"]
    assert frame["Name"].tolist() == ["林山寨街道", "郑州某化工厂", "某餐馆"]
    assert not shapely.has_z(frame.geometry.values).any()
    assert "id" not in frame.columns  # LIBKML's empty styling fields are dropped

    grids, report = read_grids(path, {"grid_code": "code"}, default_level=2)
    assert grids[["grid_code", "name", "level"]].values.tolist() == [
        ["410102001", "林山寨街道", 2]]
    assert problems(report) == {2: "missing grid_code; geometry is a Point, not a polygon",
                                3: "missing grid_code; geometry is a Point, not a polygon"}
    assert report.rejected["Name"].tolist() == ["郑州某化工厂", "某餐馆"]

    sources, report = read_sources(path, {"source_id": "Name"},
                                   defaults={"category": "industrial"})
    assert sources["name"].tolist() == ["郑州某化工厂", "某餐馆"]
    assert [(p.x, p.y) for p in sources.geometry] == [(113.605, 34.705), (113.606, 34.706)]
    assert problems(report) == {1: "geometry is a Polygon, not a point"}


# ---------------------------------------------------------------------------------------------
# Bad grids


def test_missing_required_column_lists_the_columns_found(tmp_path):
    path = write_geojson(tmp_path / "nolevel.geojson",
                         [({"CODE": "A", "NAME": "x"}, square(113.6, 34.7))])
    with pytest.raises(InputError) as err:
        read_grids(path)
    message = str(err.value)
    assert "nolevel.geojson" in message
    assert "required column missing: 'level'" in message
    assert "columns found: CODE, NAME" in message
    grids, _ = read_grids(path, default_level=3)
    assert grids["level"].tolist() == [3] and grids["kind"].tolist() == ["community"]


def test_mapping_to_a_column_the_file_lacks(tmp_path):
    path = write_geojson(tmp_path / "g.geojson", [(grid_props("A"), square(113.6, 34.7))])
    with pytest.raises(InputError, match=r"takes level from column 'LVL'.*columns found: "
                                         r"CODE, NAME, LEVEL, PARENT"):
        read_grids(path, {"level": "LVL"})


def test_duplicate_codes_reject_both_rows_naming_them(tmp_path):
    path = write_geojson(tmp_path / "dup.geojson", [
        (grid_props("A", "甲"), square(113.60, 34.70)),
        (grid_props("B", "乙"), square(113.61, 34.70)),
        (grid_props("A", "丙"), square(113.62, 34.70)),
    ])
    grids, report = read_grids(path, MAPPING)
    assert grids["grid_code"].tolist() == ["B"]
    assert problems(report) == {1: "duplicate grid_code 'A' (rows 1, 3)",
                                3: "duplicate grid_code 'A' (rows 1, 3)"}
    # the original fields come along, so the rejects can be fixed and re-imported
    assert report.rejected["NAME"].tolist() == ["甲", "丙"]
    assert (report.rows_read, report.rows_kept) == (3, 1)
    assert "row 1: duplicate grid_code 'A'" in str(report.error())


def test_level_outside_1_to_4_and_missing_code(tmp_path):
    path = write_geojson(tmp_path / "lvl.geojson", [
        (grid_props("A", level=5), square(113.60, 34.70)),
        (grid_props("B", level="市"), square(113.61, 34.70)),
        (grid_props(None, level=2), square(113.62, 34.70)),
        (grid_props("D", level=4), square(113.63, 34.70)),
    ])
    grids, report = read_grids(path, MAPPING)
    assert grids["grid_code"].tolist() == ["D"] and grids["kind"].tolist() == ["enterprise"]
    assert problems(report) == {
        1: "level '5' is not 1, 2, 3 or 4 (district, street, community, enterprise)",
        2: "level '市' is not 1, 2, 3 or 4 (district, street, community, enterprise)",
        3: "missing grid_code"}


def test_unknown_kind_lists_the_allowed_ones(tmp_path):
    path = write_geojson(tmp_path / "k.geojson", [
        ({**grid_props("A"), "KIND": "开发区"}, square(113.60, 34.70))])
    _, report = read_grids(path, {**MAPPING, "kind": "KIND"})
    assert problems(report)[1].startswith("unknown kind '开发区'; allowed: district (区), street")
    grids, _ = read_grids(path, {**MAPPING, "kind": "KIND",
                                 "kind_values": {"开发区": "industrial_park"}})
    assert grids["kind"].tolist() == ["industrial_park"]


def test_bowtie_polygon_is_rejected_as_self_intersecting(tmp_path):
    path = write_geojson(tmp_path / "bowtie.geojson", [
        (grid_props("A"), square(113.60, 34.70)),
        (grid_props("B"), BOWTIE),
    ])
    grids, report = read_grids(path, MAPPING)
    assert grids["grid_code"].tolist() == ["A"]
    assert problems(report) == {2: "invalid polygon: Self-intersection at lon 113.61, lat 34.71"}
    message = str(report.error())
    assert "bowtie.geojson" in message and "row 2" in message and "Self-intersection" in message


def test_geometry_problems_empty_wrong_type_out_of_range_swapped(tmp_path):
    path = write_geojson(tmp_path / "geom.geojson", [
        (grid_props("A"), None),
        (grid_props("B"), LineString([(113.6, 34.7), (113.7, 34.8)])),
        (grid_props("C"), square(34.70, 113.60)),           # lat/lon swapped
        (grid_props("D"), square(200.0, 34.70)),            # simply wrong
        (grid_props("E"), square(113.60, 34.70)),
    ])
    grids, report = read_grids(path, MAPPING)
    assert grids["grid_code"].tolist() == ["E"]
    found = problems(report)
    assert found[1] == "empty geometry"
    assert found[2] == "geometry is a LineString, not a polygon"
    assert found[3] == ("coordinates outside lon -180..180 / lat -90..90 (lon 34.700000..34.710000,"
                        " lat 113.600000..113.610000): lat/lon swapped?")
    assert found[4].startswith("coordinates outside lon -180..180 / lat -90..90 (lon 200.0")
    assert "swapped" not in found[4]


def test_parent_codes_are_checked_when_the_parent_level_is_in_the_file(tmp_path):
    path = write_geojson(tmp_path / "p.geojson", [
        (grid_props("410102", level=1), square(113.60, 34.70, 0.05)),
        (grid_props("S1", level=2, parent="410102"), square(113.60, 34.70)),
        (grid_props("S2", level=2, parent="999999"), square(113.61, 34.70)),
        (grid_props("S3", level=2, parent="S1"), square(113.62, 34.70)),  # S1 is level 2
        (grid_props("C1", level=3, parent="S1"), square(113.600, 34.70, 0.005)),
        (grid_props("C2", level=3, parent="X9"), square(113.605, 34.70, 0.005)),
    ])
    grids, report = read_grids(path, MAPPING)
    assert grids["grid_code"].tolist() == ["410102", "S1", "C1"]
    assert problems(report) == {
        3: "parent_code '999999' is not among the file's level-1 grids",
        4: "parent_code 'S1' is not among the file's level-1 grids",
        6: "parent_code 'X9' is not among the file's level-2 grids"}
    assert report.warnings == []


def test_parents_of_a_level_absent_from_the_file_only_warn(tmp_path):
    path = write_geojson(tmp_path / "c.geojson", [
        (grid_props("C1", level=3, parent="S1"), square(113.60, 34.70)),
        (grid_props("C2", level=3, parent="S2"), square(113.61, 34.70)),
    ])
    grids, report = read_grids(path, MAPPING)
    assert grids["grid_code"].tolist() == ["C1", "C2"]
    assert report.warnings == ["2 grids name parents of level 2, which this file does not hold: "
                               "those parents must already be in the project"]


def test_empty_and_missing_and_unreadable_files(tmp_path):
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.geojson: empty file"):
        read_grids(empty)
    nothing = write_geojson(tmp_path / "none.geojson", [])
    with pytest.raises(InputError, match=r"none\.geojson: no features"):
        read_grids(nothing)
    with pytest.raises(InputError, match=r"absent\.gpkg: file not found"):
        read_grids(tmp_path / "absent.gpkg")
    junk = tmp_path / "junk.geojson"
    junk.write_text("{not json")
    with pytest.raises(InputError, match=r"junk\.geojson: cannot be read as GeoJSON"):
        read_grids(junk)
    with pytest.raises(InputError, match=r"unsupported format '\.dwg'"):
        (tmp_path / "a.dwg").write_text("x")
        read_grids(tmp_path / "a.dwg")


def test_features_without_any_geometry_are_fatal(tmp_path):
    path = write_geojson(tmp_path / "nogeom.geojson", [(grid_props("A"), None)] * 2)
    with pytest.raises(InputError, match="no geometry"):
        read_grids(path, MAPPING)


# ---------------------------------------------------------------------------------------------
# Sources


def test_sources_chinese_categories_and_key_flags(tmp_path):
    names = ["工业企业", "工地扬尘", "餐饮油烟", "畜禽养殖", "散煤", "露天焚烧", "入河排污口", "汽修",
             "建筑工地", "餐饮", "养殖", "排污口"]
    path = write_geojson(tmp_path / "src.geojson", [
        ({"编号": f"S{i}", "企业名称": f"单位{i}", "类别": name, "是否重点": "是" if i == 0 else "否",
          "地址": "中原区" if i == 0 else None}, Point(113.6 + i / 1000, 34.7))
        for i, name in enumerate(names)])
    sources, report = read_sources(path)
    assert list(sources.columns) == [*schema.SOURCE_COLUMNS, "geometry"]
    assert sources["category"].tolist() == [
        "industrial", "construction_dust", "catering_fumes", "livestock", "loose_coal",
        "open_burning", "water_outfall", "vehicle_repair", "construction_dust",
        "catering_fumes", "livestock", "water_outfall"]
    assert sources["is_key"].dtype == bool
    assert sources["is_key"].tolist() == [True] + [False] * 11
    assert sources["address"].tolist() == ["中原区"] + [pd.NA] * 11
    assert sources["grid_code"].isna().all() and sources["key_grid_code"].isna().all()
    assert {c: str(t) for c, t in sources.dtypes.items() if c != "geometry"} == \
        {**schema.SOURCE_COLUMNS}
    assert report.rows_kept == 12


def test_sources_bad_rows(tmp_path):
    path = write_geojson(tmp_path / "bad.geojson", [
        ({"id": "S1", "name": "a", "category": "电镀"}, Point(113.60, 34.70)),
        ({"id": None, "name": "b", "category": "散煤"}, Point(113.61, 34.70)),
        ({"id": "S3", "name": "c", "category": "散煤"}, Point(34.70, 113.62)),
        ({"id": "S4", "name": "d", "category": "散煤"}, square(113.6, 34.7)),
        ({"id": "S5", "name": "e", "category": "散煤", "is_key": "maybe"}, Point(113.6, 34.7)),
        ({"id": "S6", "name": "f", "category": "散煤", "is_key": "1"}, Point(113.6, 34.7)),
        ({"id": "S6", "name": "g", "category": "散煤"}, Point(113.6, 34.7)),
        ({"id": "S8", "name": "h", "category": "散煤"}, None),
    ])
    sources, report = read_sources(path)
    assert sources["source_id"].tolist() == []
    found = problems(report)
    assert found[1].startswith("unknown category '电镀'; allowed: industrial (工业企业), "
                               "construction_dust")
    assert found[2] == "missing source_id"
    assert found[3] == ("coordinates outside lon -180..180 / lat -90..90 (lon 34.700000, "
                        "lat 113.620000): lat/lon swapped?")
    assert found[4] == "geometry is a Polygon, not a point"
    assert found[5] == "is_key 'maybe' is not yes/no (是/否)"
    assert found[6] == found[7] == "duplicate source_id 'S6' (rows 6, 7)"
    assert found[8] == "empty geometry"
    # unknown categories may be sent to "other" instead
    sources, report = read_sources(path, {"category_values": {"*": "other"}})
    assert 1 not in problems(report)
    assert sources.loc[sources["source_id"] == "S1", "category"].tolist() == ["other"]


def test_sources_from_csv_with_lon_lat_columns(tmp_path):
    path = tmp_path / "sources.csv"
    path.write_text("编号,名称,类别,经度,纬度,是否重点\n"
                    "S1,某化工厂,工业企业,113.605,34.705,是\n"
                    "S2,某工地,工地扬尘,34.706,113.606,否\n"
                    "S3,某餐馆,餐饮油烟,,34.707,\n"
                    "S4,某养殖场,畜禽养殖,113.608,34.708,\n", encoding="utf-8")
    sources, report = read_sources(path)
    assert sources["source_id"].tolist() == ["S1", "S4"]
    assert [(p.x, p.y) for p in sources.geometry] == [(113.605, 34.705), (113.608, 34.708)]
    assert sources["is_key"].tolist() == [True, False]
    assert sources["category"].tolist() == ["industrial", "livestock"]
    found = problems(report)  # spreadsheet rows: the header is row 1
    assert found == {3: "coordinates outside lon -180..180 / lat -90..90 (lon 34.706000, "
                        "lat 113.606000): lat/lon swapped?",
                     4: "lon/lat missing or not numbers (lon (empty), lat '34.707')"}
    assert report.rejected["名称"].tolist() == ["某工地", "某餐馆"]


def test_sources_from_xlsx_and_a_table_without_coordinates(tmp_path):
    path = tmp_path / "sources.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["source_id", "name", "category", "lon", "lat"])
    sheet.append([1001, "某汽修厂", "汽修", 113.6, 34.7])
    book.save(path)
    sources, _ = read_sources(path)
    assert sources[["source_id", "name", "category"]].values.tolist() == [
        ["1001", "某汽修厂", "vehicle_repair"]]
    assert sources.geometry.iloc[0].equals(Point(113.6, 34.7))

    flat = tmp_path / "flat.csv"
    flat.write_text("编号,名称,类别\nS1,a,散煤\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"flat\.csv: no geometry: .*columns found: 编号, 名称, 类别"):
        read_sources(flat)


# ---------------------------------------------------------------------------------------------
# Real-world samples (../shared/data)


def test_haidian_streets_as_level_2_grids(shared_data):
    path = shared_data / "boundaries" / "haidian_streets_wgs84.geojson"
    grids, report = read_grids(path, {"grid_code": "id"}, default_level=2)
    assert report.rows_read == 29
    # three of the published street outlines cross themselves: rejected, with the place
    assert sorted(problems(report)) == [2, 14, 28]
    assert all(p.startswith("invalid polygon: Ring Self-intersection at lon 116.")
               for p in problems(report).values())
    assert report.rejected["name"].tolist() == ["马连洼街道", "永定路街道", "青龙桥街道"]
    assert report.rows_kept == len(grids) == 26
    assert "学院路街道" in grids["name"].tolist()
    assert (grids["level"] == 2).all() and (grids["kind"] == "street").all()
    assert grids["grid_code"].is_unique
    assert shapely.is_valid(grids.geometry.values).all()


def test_zhongyuan_bare_geometry_as_the_district(shared_data):
    path = shared_data / "boundaries" / "410102.json"
    grids, report = read_grids(path, default_level=1,
                               defaults={"grid_code": "410102", "name": "中原区"})
    assert grids[["grid_code", "name", "level", "kind"]].values.tolist() == [
        ["410102", "中原区", 1, "district"]]
    xmin, ymin, xmax, ymax = grids.total_bounds
    assert 113.4 < xmin < xmax < 113.8 and 34.6 < ymin < ymax < 34.9  # as found (GCJ-02)
    assert report.rows_kept == 1 and report.n_rejected == 0
