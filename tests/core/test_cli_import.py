"""The command line end to end: new, import (all or nothing), rejects reports, exit codes."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gisapp import crs
from gisapp.cli import main
from gisapp.project import Project

# a small district: one level-1 square tiled by two level-2 halves (near Zhengzhou)
_W, _S, _E, _N = 113.60, 34.70, 113.70, 34.76


def _write_grids(path: Path) -> Path:
    mid = (_W + _E) / 2
    frame = gpd.GeoDataFrame(
        {"编码": ["410199", "410199001", "410199002"],
         "名称": ["绿源区", "东风街道", "西湖街道"], "级别": [1, 2, 2],
         "上级编码": [None, "410199", "410199"]},
        geometry=[shapely.box(_W, _S, _E, _N), shapely.box(_W, _S, mid, _N),
                  shapely.box(mid, _S, _E, _N)], crs=4326)
    frame.to_file(path, driver="GeoJSON")
    return path


def _write_sources(path: Path, bad_row: bool = False) -> Path:
    lines = ["编号,名称,类别,经度,纬度",
             "S1,宏达建材有限公司,工业企业,113.62,34.72",
             "S2,张记餐馆,餐饮油烟,113.68,34.74",
             "S3,李庄养殖场,畜禽养殖,113.65,34.73"]
    if bad_row:
        lines.append("S4,王家工地,建筑工地,34.73,113.66")  # lat/lon swapped
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "p.gpkg"
    assert main(["new", str(path), "--grids", str(_write_grids(tmp_path / "grids.geojson"))]) == 0
    return path


def test_new_reads_chinese_fields_and_keeps_history(project):
    opened = Project.open(project)
    assert sorted(opened.grids["name"]) == ["东风街道", "绿源区", "西湖街道"]
    assert opened.grids.set_index("grid_code").loc["410199002", "parent_code"] == "410199"
    assert (opened.history["action"] == "import").sum() == 3


def test_sources_are_placed_in_their_grid(project, tmp_path):
    assert main(["import", str(project), "--sources",
                 str(_write_sources(tmp_path / "s.csv"))]) == 0
    sources = Project.open(project).sources.set_index("source_id")
    assert sources.loc["S1", "grid_code"] == "410199001"  # west half
    assert sources.loc["S2", "grid_code"] == "410199002"  # east half
    assert sources.loc["S2", "category"] == "catering_fumes"


def test_a_bad_row_refuses_the_whole_file_and_changes_nothing(project, tmp_path, capsys):
    before = _digest(project)
    code = main(["import", str(project), "--sources",
                 str(_write_sources(tmp_path / "s.csv", bad_row=True))])
    err = capsys.readouterr().err
    assert code == 2
    assert "s.csv" in err and "row 5" in err and "swapped" in err
    assert _digest(project) == before
    assert len(Project.open(project).sources) == 0


def test_accepted_rejects_go_to_a_report(project, tmp_path):
    report = tmp_path / "rejects.csv"
    code = main(["import", str(project), "--sources",
                 str(_write_sources(tmp_path / "s.csv", bad_row=True)),
                 "--accept-rejects", str(report)])
    assert code == 0
    assert sorted(Project.open(project).sources["source_id"]) == ["S1", "S2", "S3"]
    rejected = pd.read_csv(report, encoding="utf-8-sig", dtype=str)
    assert list(rejected["row"]) == ["5"]
    assert "swapped" in rejected["problem"].iloc[0]
    assert rejected["名称"].iloc[0] == "王家工地"  # the original fields, to fix and re-import


def _track_csv(path: Path, lon, lat) -> Path:
    rows = ["网格员编号,定位时间,经度,纬度"]
    for i, (x, y) in enumerate(zip(lon, lat)):
        rows.append(f"W001,2026-10-08 08:{30 + i // 60:02d}:{i % 60:02d},{x:.7f},{y:.7f}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_tracks_in_gcj02_are_flagged_then_converted(project, tmp_path, capsys):
    # a patrol along the district's inner edge: GCJ-02 shifts it ~500 m, partly outside
    true_lon = np.r_[np.linspace(_W + 0.001, _E - 0.001, 200), np.full(200, _E - 0.001)]
    true_lat = np.r_[np.full(200, _S + 0.001), np.linspace(_S + 0.001, _N - 0.001, 200)]
    gcj_lon, gcj_lat = crs.wgs84_to_gcj02(true_lon, true_lat)
    path = _track_csv(tmp_path / "gcj.csv", gcj_lon, gcj_lat)
    before = _digest(project)
    assert main(["import", str(project), "--tracks", str(path)]) == 2
    assert "--crs gcj02" in capsys.readouterr().err
    assert _digest(project) == before

    assert main(["import", str(project), "--tracks", str(path), "--crs", "gcj02"]) == 0
    fixes = Project.open(project).fixes()
    assert len(fixes) == 400
    error_m = crs.offset_m(fixes.lon, fixes.lat, true_lon, true_lat)
    assert error_m.max() < 0.5


def test_the_same_tracks_twice_are_refused(project, tmp_path, capsys):
    path = _track_csv(tmp_path / "t.csv", np.full(10, 113.65), np.full(10, 34.73))
    assert main(["import", str(project), "--tracks", str(path)]) == 0
    assert main(["import", str(project), "--tracks", str(path)]) == 2
    assert "already imported" in capsys.readouterr().err
    assert Project.open(project).fix_count == 10


def test_missing_file_and_missing_project_exit_2(tmp_path, project, capsys):
    assert main(["import", str(project), "--sources", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "none.gpkg"), "--sources", "x.csv"]) == 2
    assert "none.gpkg" in capsys.readouterr().err


def test_module_entry_point_prints_help():
    result = subprocess.run([sys.executable, "-m", "gisapp", "--help"], capture_output=True,
                            text=True)
    assert result.returncode == 0
    for command in ("new", "import", "demo", "open"):
        assert command in result.stdout


def test_haidian_streets_into_a_new_project(tmp_path, shared_data, capsys):
    """Real-world: 29 street polygons of Beijing's Haidian district as level-2 grids."""
    streets = shared_data / "boundaries" / "haidian_streets_wgs84.geojson"
    path = tmp_path / "haidian.gpkg"
    report = tmp_path / "rejects.csv"
    code = main(["new", str(path), "--grids", str(streets), "--default-level", "2",
                 "--code-field", "id",
                 "--accept-rejects", str(report)])
    assert code == 0, capsys.readouterr().err
    grids = Project.open(path).grids
    rejected = pd.read_csv(report, encoding="utf-8-sig") if report.exists() else pd.DataFrame()
    assert len(grids) + len(rejected) == 29
    assert grids["name"].str.contains("街道|镇|地区").any()
