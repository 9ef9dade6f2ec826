"""The import pipeline: datum guessing against real boundaries, cancelling, re-imports."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import pytest

from gisapp.errors import Cancelled, InputError
from gisapp.importer import import_file
from gisapp.project import Project


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def haidian(tmp_path, shared_data):
    """A project holding Haidian's real street grids (WGS-84)."""
    project = Project.create(tmp_path / "haidian.gpkg")
    import_file(project, "grids", shared_data / "boundaries" / "haidian_streets_wgs84.geojson",
                crs="wgs84", mapping={"grid_code": "id"}, options={"default_level": 2},
                accept_rejects=tmp_path / "street_rejects.csv")
    return project


def test_a_gcj02_outline_is_flagged_against_real_streets(haidian, shared_data):
    outline = shared_data / "boundaries" / "haidian_datav_gcj02.json"
    before = _digest(haidian.path)
    options = {"default_level": 1, "defaults": {"grid_code": "110108", "name": "海淀区"}}
    with pytest.raises(InputError, match="GCJ02.*--crs gcj02"):
        import_file(Project.open(haidian.path), "grids", outline, options=options)
    assert _digest(haidian.path) == before

    project = Project.open(haidian.path)
    result = import_file(project, "grids", outline, crs="gcj02", options=options)
    assert any("GCJ02" in note for note in result.notes)
    district = project.grids.set_index("grid_code").geometry["110108"]
    # all 29 streets, repaired (3 self-intersect and were rejected by the import)
    streets = gpd.read_file(shared_data / "boundaries" / "haidian_streets_wgs84.geojson")
    streets = streets.geometry.make_valid().union_all()
    iou = district.intersection(streets).area / district.union(streets).area
    assert iou > 0.99  # raw GCJ-02 would give about 0.91


def test_geolife_fixes_in_haidian_are_not_flagged(haidian, shared_data):
    """Real GPS fixes (WGS-84) over real streets: no datum question is asked."""
    result = import_file(Project.open(haidian.path), "tracks",
                         shared_data / "tracks" / "geolife_small.csv")
    assert result.rows_kept == 5908
    assert Project.open(haidian.path).fix_count == 5908


def test_cancelling_an_import_changes_nothing(tmp_path):
    project = Project.create(tmp_path / "p.gpkg")
    project.save()
    before = _digest(project.path)
    csv = tmp_path / "t.csv"
    rows = [f"W1,2026-10-08 09:00:{s:02d},113.6,34.7" for s in range(50)]
    csv.write_text("id,time,lon,lat\n" + "\n".join(rows) + "\n", encoding="utf-8")

    def cancel_when_saving(done, total, text):
        if text == "saving":
            raise Cancelled()
    with pytest.raises(Cancelled):
        import_file(Project.open(project.path), "tracks", csv, progress=cancel_when_saving)
    assert _digest(project.path) == before
    reopened = Project.open(project.path)
    assert reopened.fix_count == 0 and len(reopened.tables["imports"]) == 0
    reopened.save()  # the partition written before the cancel is swept as an orphan
    assert not list((tmp_path / "p.tracks").rglob("*.parquet"))


def test_inspector_roster_reimport_updates_with_history(tmp_path):
    project = Project.create(tmp_path / "p.gpkg")
    first = tmp_path / "roster1.csv"
    first.write_text("工号,姓名,类型,手机\nW001,张伟,专职,13800138000\n", encoding="utf-8")
    second = tmp_path / "roster2.csv"
    second.write_text("工号,姓名,类型,手机\nW001,张伟,兼职,13800138000\nW002,李娜,专属,\n",
                      encoding="utf-8")
    import_file(project, "inspectors", first)
    import_file(project, "inspectors", second)
    reopened = Project.open(project.path)
    kinds = reopened.inspectors.set_index("inspector_id")["kind"].to_dict()
    assert kinds == {"W001": "part_time", "W002": "dedicated"}
    update = reopened.history[reopened.history["action"] == "update"].iloc[0]
    assert update["feature_id"] == "W001"
    assert '"full_time"' in update["before"] and '"part_time"' in update["after"]


def test_assignments_must_name_known_grids_and_inspectors(tmp_path):
    project = Project.create(tmp_path / "p.gpkg")
    roster = tmp_path / "roster.csv"
    roster.write_text("工号,姓名,类型\nW001,张伟,专职\n", encoding="utf-8")
    import_file(project, "inspectors", roster)
    assignments = tmp_path / "a.csv"
    assignments.write_text("网格编码,角色,工号,姓名,生效日期\n"
                           "X1,网格员,W001,张伟,2026-01-01\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2: grid code not in the project"):
        import_file(project, "assignments", assignments)
