"""grids check / grids summary / history / who from the command line."""

from __future__ import annotations

import geopandas as gpd
import openpyxl
import shapely

from gisapp.cli import main
from gisapp.edits import SplitGrid
from gisapp.importer import import_file
from gisapp.project import Project


def _district(tmp_path, overlap=False):
    east_west = 113.65 if not overlap else 113.66  # the east street reaching over the west
    frame = gpd.GeoDataFrame(
        {"code": ["41", "41001", "41002"], "name": ["绿源区", "东风街道", "西湖街道"],
         "level": [1, 2, 2], "parent": [None, "41", "41"]},
        geometry=[shapely.box(113.60, 34.70, 113.70, 34.76),
                  shapely.box(113.60, 34.70, 113.65, 34.76),
                  shapely.box(east_west - 0.0 if not overlap else 113.64, 34.70, 113.70,
                              34.76)], crs=4326)
    path = tmp_path / "grids.geojson"
    frame.to_file(path)
    project = tmp_path / "p.gpkg"
    assert main(["new", str(project), "--grids", str(path)]) == 0
    return project


def test_check_passes_a_valid_division_and_fails_an_overlap(tmp_path, capsys):
    good = _district(tmp_path / "good" if (tmp_path / "good").mkdir() is None else None)
    assert main(["grids", "check", str(good)]) == 0
    assert "valid" in capsys.readouterr().out
    (tmp_path / "bad").mkdir()
    bad = _district(tmp_path / "bad", overlap=True)
    assert main(["grids", "check", str(bad)]) == 2
    out = capsys.readouterr().out
    assert "41001" in out and "41002" in out


def test_history_and_who_after_a_split_and_an_assignment(tmp_path, capsys):
    project_path = _district(tmp_path)
    project = Project.open(project_path)
    roster = tmp_path / "roster.csv"
    roster.write_text("工号,姓名,类型\nW001,张伟,专职\n", encoding="utf-8")
    import_file(project, "inspectors", roster)
    assignments = tmp_path / "a.csv"
    assignments.write_text("网格编码,角色,工号,姓名,生效日期,失效日期\n"
                           "41001,第一责任人,,王主任,2026-01-01,2026-05-31\n"
                           "41001,第一责任人,,赵书记,2026-06-01,\n", encoding="utf-8")
    import_file(project, "assignments", assignments)
    SplitGrid("41001", shapely.LineString([(113.62, 34.69), (113.62, 34.77)])).apply(
        project, user="规划员甲")
    project.save()

    assert main(["history", str(project_path), "--grid", "41001"]) == 0
    out = capsys.readouterr().out
    assert "split_grid" in out and "规划员甲" in out

    today = __import__("datetime").date.today()
    assert main(["history", str(project_path), "--from", str(today.replace(year=2000)),
                 "--to", str(today)]) == 0
    out = capsys.readouterr().out
    assert "split_grid" in out and "41001" in out and "import" in out  # all of today's edits
    assert main(["history", str(project_path), "--from", str(today), "--to", str(today)]) == 0
    assert "no edits" in capsys.readouterr().out
    assert main(["history", str(project_path)]) == 2
    capsys.readouterr()

    assert main(["who", str(project_path), "--grid", "41001", "--date", "2026-03-15"]) == 0
    assert "王主任" in capsys.readouterr().out
    assert main(["who", str(project_path), "--lon", "113.64", "--lat", "34.73",
                 "--date", "2026-07-01"]) == 0
    out = capsys.readouterr().out
    assert "赵书记" in out and "王主任" not in out
    assert main(["who", str(project_path), "--lon", "120.0", "--lat", "30.0",
                 "--date", "2026-07-01"]) == 2


def test_division_summary_table(tmp_path):
    project_path = _district(tmp_path)
    out = tmp_path / "汇总表.xlsx"
    assert main(["grids", "summary", str(project_path), "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    text = " ".join(str(c.value) for row in book.active.iter_rows() for c in row if c.value)
    assert "网格划分汇总表" in text or "汇总" in text
