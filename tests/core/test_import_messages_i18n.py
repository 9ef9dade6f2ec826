"""Import errors in the user's language: the file, 第 N 行 and the problem in Chinese.

Also checks, without Qt, that every message of the readers and the importer is in the Chinese
catalogue with the same {fields}, and that none of them reaches the user untranslated.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from gisapp import i18n
from gisapp.cli import main
from gisapp.i18n import set_language

PACKAGE = Path(i18n.__file__).parent
IMPORT_MODULES = sorted([PACKAGE / "errors.py", PACKAGE / "importer.py", PACKAGE / "crs.py",
                         *(PACKAGE / "io").glob("*.py")])

# a district of two level-2 halves of one level-1 square, near Zhengzhou
_GRIDS = """{"type": "FeatureCollection", "features": [
 %s,
 %s,
 %s]}"""


def _grid(code: str, level: int, parent: str | None, ring: list[tuple[float, float]]) -> str:
    coords = ", ".join(f"[{x}, {y}]" for x, y in ring)
    parent_text = f'"{parent}"' if parent else "null"
    return (f'{{"type": "Feature", "properties": {{"code": "{code}", "name": "{code}", '
            f'"level": {level}, "parent_code": {parent_text}}}, '
            f'"geometry": {{"type": "Polygon", "coordinates": [[{coords}]]}}}}')


def _square(w, s, e, n):
    return [(w, s), (e, s), (e, n), (w, n), (w, s)]


def write_grids(path: Path, bowtie: bool = False) -> Path:
    """Feature 3 crosses itself at (113.65, 34.73) when ``bowtie``."""
    east = ([(113.65, 34.70), (113.70, 34.76), (113.70, 34.70), (113.65, 34.76), (113.65, 34.70)]
            if bowtie else _square(113.65, 34.70, 113.70, 34.76))
    path.write_text(_GRIDS % (_grid("410199", 1, None, _square(113.60, 34.70, 113.70, 34.76)),
                              _grid("410199001", 2, "410199", _square(113.60, 34.70, 113.65,
                                                                       34.76)),
                              _grid("410199002", 2, "410199", east)), encoding="utf-8")
    return path


def write_sources(path: Path) -> Path:
    """Row 3 (the second data row) has a longitude that is not a number."""
    path.write_text("编号,名称,类别,经度,纬度\n"
                    "S1,宏达建材有限公司,工业企业,113.62,34.72\n"
                    "S2,张记餐馆,餐饮油烟,abc,34.74\n"
                    "S3,李庄养殖场,畜禽养殖,113.65,34.73\n", encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "p.gpkg"
    assert main(["new", str(path), "--grids", str(write_grids(tmp_path / "grids.geojson"))]) == 0
    return path


# ---- a failing import, as the user sees it ------------------------------------------------------
def test_a_bad_coordinate_on_row_3_in_chinese_and_in_english(project, tmp_path, capsys):
    sources = write_sources(tmp_path / "污染源.csv")
    capsys.readouterr()
    set_language("zh_CN")
    assert main(["import", str(project), "--sources", str(sources)]) == 2
    assert capsys.readouterr().err == (
        f"gisapp: {sources} 第 3 行：经纬度缺失或不是数字（经度 'abc'，纬度 '34.74'）\n")
    set_language("en")
    assert main(["import", str(project), "--sources", str(sources)]) == 2
    assert capsys.readouterr().err == (
        f"gisapp: {sources}: row 3: lon/lat missing or not numbers (lon 'abc', lat '34.74')\n")


def test_a_broken_grid_geometry_on_feature_3_in_chinese(tmp_path, capsys):
    grids = write_grids(tmp_path / "网格.geojson", bowtie=True)
    set_language("zh_CN")
    assert main(["new", str(tmp_path / "p.gpkg"), "--grids", str(grids)]) == 2
    assert capsys.readouterr().err == (
        f"gisapp: {grids} 第 3 行：多边形无效：自相交，位置在经度 113.675、纬度 34.73\n")


def test_several_bad_rows_are_listed_in_chinese(project, tmp_path, capsys):
    sources = tmp_path / "sources.csv"
    sources.write_text("编号,名称,类别,经度,纬度\n"
                       "S1,甲厂,工业企业,113.62,34.72\n"
                       "S1,乙厂,火星,113.63,34.72\n", encoding="utf-8")
    capsys.readouterr()
    set_language("zh_CN")
    assert main(["import", str(project), "--sources", str(sources)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"gisapp: {sources}：2 行中有 2 行有误（"
                          "第 2 行：source_id 'S1' 重复（第 2、3 行）；"
                          "第 3 行：source_id 'S1' 重复（第 2、3 行）；"
                          "类别 '火星' 无法识别；可填：industrial (工业企业), ")
    assert err.endswith("）；未导入任何数据。请改正这些行，或加 --accept-rejects "
                        "REPORT.csv 只导入正确的行、把有误的行写入该报告\n")


def test_the_rejects_report_is_headed_in_the_language(project, tmp_path):
    sources = write_sources(tmp_path / "sources.csv")
    set_language("zh_CN")
    report = tmp_path / "rejects.csv"
    assert main(["import", str(project), "--sources", str(sources),
                 "--accept-rejects", str(report)]) == 0
    rejected = pd.read_csv(report, dtype=str, encoding="utf-8-sig")
    assert list(rejected.columns) == ["文件", "行号", "问题", "编号", "名称", "类别", "经度",
                                      "纬度"]
    assert rejected.iloc[0].tolist() == [str(sources), "3", "经纬度缺失或不是数字（经度 'abc'，"
                                         "纬度 '34.74'）", "S2", "张记餐馆", "餐饮油烟", "abc",
                                         "34.74"]


def test_a_track_file_with_every_row_rejected_in_chinese(tmp_path):
    from gisapp.errors import InputError
    from gisapp.io.platform_csv import read_tracks
    tracks = tmp_path / "tracks.csv"
    tracks.write_text("inspector_id,time,lon,lat\nW1,2026-10-08 08:00:00,x,34.7\n"
                      "W1,yesterday,113.6,34.7\n", encoding="utf-8")
    set_language("zh_CN")
    with pytest.raises(InputError) as caught:
        read_tracks(tracks)
    assert caught.value.message == (
        f"{tracks}：没有可导入的定位点：全部 2 行都被拒绝：经度 'x' 不是数字（1 行，最早见于第 "
        "2 行）；时间 'yesterday' 无法识别为日期时间（1 行，最早见于第 3 行）")


@pytest.mark.parametrize("environment, said", [
    ({"LANG": "zh_CN.UTF-8"}, "第 3 行：经纬度缺失或不是数字"),
    ({"LANG": "en_US.UTF-8"}, "row 3: lon/lat missing or not numbers"),
    ({"LANG": "zh_CN.UTF-8", "GISAPP_LANG": "en"}, "row 3: lon/lat missing or not numbers"),
])
def test_the_command_line_speaks_the_users_language(project, tmp_path, environment, said):
    sources = write_sources(tmp_path / "sources.csv")
    env = {k: v for k, v in os.environ.items()
           if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", i18n.ENVIRONMENT_VARIABLE)}
    run = subprocess.run([sys.executable, "-m", "gisapp", "import", str(project), "--sources",
                          str(sources)], env={**env, **environment}, capture_output=True,
                         text=True, encoding="utf-8")
    assert run.returncode == 2
    assert said in run.stderr


def test_a_kml_without_features_in_chinese(tmp_path):
    from gisapp.errors import InputError
    from gisapp.io.vector import read_vector
    kml = tmp_path / "empty.kml"
    kml.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/'
                   'kml/2.2"><Document><Folder><name>空</name></Folder></Document></kml>\n',
                   encoding="utf-8")
    set_language("zh_CN")
    with pytest.raises(InputError) as caught:
        read_vector(kml)
    assert caught.value.message == f"{kml}：没有要素"


# ---- import messages go through the catalogue (tests/ui/test_i18n.py: all translated) ---
def _calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            yield name, node


# where the user-facing problem sits among a call's arguments
_PROBLEM_ARGUMENT = {"InputError": 1, "ProjectError": 0, "add": 1, "reject": 1,
                     "_reject_rows": 3}


def _is_english_text(node: ast.AST) -> bool:
    """A literal, an f-string or a sum of them: text no catalogue lookup has seen."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_english_text(node.left) or _is_english_text(node.right)
    return False


def test_no_problem_reaches_the_user_untranslated():
    bare = []
    for path in IMPORT_MODULES:
        for name, node in _calls(path):
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            if name in ("_", "N_"):
                if node.args and not isinstance(node.args[0], (ast.Constant, ast.Name,
                                                               ast.Subscript)):
                    bare.append(f"{where}: _() of a computed text (format after translating)")
                continue
            index = _PROBLEM_ARGUMENT.get(name)
            if index is not None and len(node.args) > index \
                    and _is_english_text(node.args[index]):
                bare.append(f"{where}: {name}() with untranslated text")
    assert not bare, "\n".join(bare)
