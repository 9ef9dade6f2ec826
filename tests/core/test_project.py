"""The project file: round trip, transactional saves, schema versions, track partitions."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gisapp import schema
from gisapp.errors import ProjectError
from gisapp.fixes import Fixes
from gisapp.project import Project, conform, conforms

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _grids():
    district = shapely.box(113.0, 34.0, 113.2, 34.1)
    west, east = shapely.box(113.0, 34.0, 113.1, 34.1), shapely.box(113.1, 34.0, 113.2, 34.1)
    return gpd.GeoDataFrame(
        {"grid_code": ["41", "41001", "41002"], "name": ["中原区", "林山寨街道", "建设路街道"],
         "level": [1, 2, 2], "parent_code": [None, "41", "41"]},
        geometry=[district, west, east], crs=4326)


def _fixes(n=1000, month_day=(2026, 10, 8)):
    start = int(dt.datetime(*month_day, 8, 30, tzinfo=SHANGHAI).timestamp() * 1000)
    ids = np.where(np.arange(n) % 2 == 0, "W001", "W002")
    return Fixes.from_ids(ids, start + np.arange(n) * 10_000, 113.05 + np.arange(n) * 1e-5,
                          np.full(n, 34.05))


def test_round_trip_keeps_tables_history_and_fixes(tmp_path):
    path = tmp_path / "district.gpkg"
    project = Project.create(path, name="示范区")
    project.set_table("grids", _grids())
    project.record_history("import", "grids", ["41"], None, [{"name": "中原区"}], user="张三")
    project.add_fixes(_fixes())
    project.save()

    reopened = Project.open(path)
    assert reopened.meta["name"] == "示范区"
    assert list(reopened.grids["name"]) == ["中原区", "林山寨街道", "建设路街道"]
    assert reopened.grids.geometry.iloc[1].equals(shapely.box(113.0, 34.0, 113.1, 34.1))
    assert reopened.history.iloc[0]["user"] == "张三"
    assert '"中原区"' in reopened.history.iloc[0]["after"]
    fixes = reopened.fixes()
    assert len(fixes) == 1000
    assert sorted(fixes.inspector_ids) == ["W001", "W002"]
    # partitions are stored sorted by inspector, then time
    assert np.all(np.diff(fixes.time_ms[fixes.ids() == "W001"]) > 0)


def test_fixes_are_cut_into_months_in_local_time(tmp_path):
    project = Project.create(tmp_path / "p.gpkg")
    # 2026-10-31 23:59:50 and 2026-11-01 00:00:10 Shanghai: different months, same UTC day
    t0 = int(dt.datetime(2026, 10, 31, 23, 59, 50, tzinfo=SHANGHAI).timestamp() * 1000)
    project.add_fixes(Fixes.from_ids(["W1", "W1"], [t0, t0 + 20_000], [113.0, 113.0],
                                     [34.0, 34.0]))
    project.save()
    months = sorted(p.month for p in Project.open(tmp_path / "p.gpkg").partitions)
    assert months == ["2026-10", "2026-11"]
    november = Project.open(tmp_path / "p.gpkg").fixes(
        start=dt.datetime(2026, 11, 1, tzinfo=SHANGHAI))
    assert list(november.time_ms) == [t0 + 20_000]


def test_filter_by_inspector_and_time(tmp_path):
    project = Project.create(tmp_path / "p.gpkg")
    project.add_fixes(_fixes(100))
    project.save()
    start = dt.datetime(2026, 10, 8, 8, 30, tzinfo=SHANGHAI)
    got = project.fixes(inspectors=["W002"], start=start, end=start + dt.timedelta(seconds=100))
    assert list(got.ids()) == ["W002"] * 5  # fixes 1, 3, 5, 7, 9 at 10 s steps
    assert np.all(got.time_ms < (start + dt.timedelta(seconds=100)).timestamp() * 1000)


def test_unsaved_fixes_are_not_part_of_the_project(tmp_path):
    project = Project.create(tmp_path / "p.gpkg")
    project.save()
    project.add_fixes(_fixes())  # files written, manifest not saved
    assert Project.open(tmp_path / "p.gpkg").fix_count == 0
    # the next save of the reopened project removes the orphan files
    again = Project.open(tmp_path / "p.gpkg")
    again.save()
    assert not list((tmp_path / "p.tracks").rglob("*.parquet"))


def test_create_refuses_existing_file(tmp_path):
    (tmp_path / "p.gpkg").write_bytes(b"")
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(tmp_path / "p.gpkg")


def test_open_names_what_is_wrong(tmp_path):
    with pytest.raises(ProjectError, match="no such project"):
        Project.open(tmp_path / "missing.gpkg")
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(ProjectError, match="junk.gpkg"):
        Project.open(junk)
    other = tmp_path / "other.gpkg"
    _grids().to_file(other, layer="boundaries")
    with pytest.raises(ProjectError, match="not a gisapp project"):
        Project.open(other)


def test_newer_schema_is_refused_and_older_is_migrated(tmp_path):
    path = tmp_path / "p.gpkg"
    project = Project.create(path)
    project.set_table("grids", _grids())
    project.save()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE project_meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(ProjectError, match="newer gisapp"):
        Project.open(path)

    # a version-1 file: assignments without validity dates
    with sqlite3.connect(path) as db:
        db.execute("UPDATE project_meta SET value='1' WHERE key='schema_version'")
        db.execute("ALTER TABLE assignments DROP COLUMN valid_from")
        db.execute("ALTER TABLE assignments DROP COLUMN valid_to")
        db.execute("INSERT INTO assignments (grid_code, role, person_name) "
                   "VALUES ('41001', 'first_responsible', '王主任')")
    old = Project.open(path)
    assert any("1→2" in note for note in old.notes)
    assert old.assignments.iloc[0]["person_name"] == "王主任"
    assert old.assignments["valid_from"].isna().all()
    old.save()
    with sqlite3.connect(path) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(assignments)")]
        version = db.execute(
            "SELECT value FROM project_meta WHERE key='schema_version'").fetchone()[0]
    assert "valid_from" in columns and version == "2"


_SAVER = """
import sys, geopandas as gpd, shapely
from gisapp.project import Project
path = sys.argv[1]
project = Project.open(path)
i = int(project.meta.get("generation", 0))
while True:
    i += 1
    project.record_history("edit", "grids", [str(k) for k in range(200)], None,
                           [{"n": i, "pad": "x" * 200}] * 200)
    project.meta["generation"] = str(i)
    project.save()
    print(i, flush=True)
"""


def test_killing_a_save_leaves_the_last_good_project(tmp_path):
    path = tmp_path / "p.gpkg"
    project = Project.create(path)
    project.set_table("grids", _grids())
    project.save()
    rng = np.random.default_rng(3)
    mid_save_kills = 0
    for attempt in range(40):  # until several kills have landed in the middle of a save
        proc = subprocess.Popen([sys.executable, "-c", _SAVER, str(path)],
                                stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()  # at least one save done, so kills land mid-save too
        time.sleep(float(rng.uniform(0.05, 0.6)))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        torn = list(tmp_path.glob(f".p.saving-{proc.pid}*"))
        mid_save_kills += bool(torn)
        reopened = Project.open(path)  # must never fail
        generation = int(reopened.meta["generation"])
        # history rows match the generation: every save is all-or-nothing
        assert len(reopened.history) % 200 == 0
        assert reopened.history["after"].str.contains(f'"n": {generation},').sum() == 200
        assert len(reopened.grids) == 3
        if mid_save_kills >= 3:
            break
    assert mid_save_kills >= 3, "no kill landed in the middle of a save"
    Project.open(path).save()  # the next save sweeps temporary files of dead savers
    assert not list(tmp_path.glob(".p.saving-*"))


def test_edit_lock_names_its_holder_and_survives_a_dead_holder(tmp_path):
    path = tmp_path / "p.gpkg"
    Project.create(path).save()
    first = Project.open(path)
    assert first.lock_for_editing("张三") is None
    # another planner (another process) finds it held, named
    code = ("import sys; from gisapp.project import Project; "
            "h = Project.open(sys.argv[1]).lock_for_editing('李四'); print(h and h['user'])")
    other = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                           text=True)
    assert other.stdout.strip() == "张三"
    first.release_lock()
    assert not first.lock_path.exists()
    # a lock left by a killed process on this machine is taken over
    holder = subprocess.run(
        [sys.executable, "-c", "import sys; from gisapp.project import Project; "
         "Project.open(sys.argv[1]).lock_for_editing('王五')", str(path)])
    assert holder.returncode == 0 and first.lock_path.exists()
    assert Project.open(path).lock_for_editing("赵六") is None


# ---- tables that conform already ----------------------------------------------------------------
def test_a_table_is_a_copy_of_the_frame_whether_or_not_it_conformed_already():
    for frame in (_grids(), conform(schema.GRIDS, _grids())):
        project = Project.create(Path("/nonexistent/p.gpkg"))
        project.set_table(schema.GRIDS, frame)
        pd.testing.assert_frame_equal(project.grids, conform(schema.GRIDS, _grids()))
        frame.geometry.values[1] = shapely.Point(113.05, 34.05)  # the caller's frame, in place
        frame.loc[0, "name"] = "改名"
        assert project.grids.geometry.iloc[1].equals(shapely.box(113.0, 34.0, 113.1, 34.1))
        assert list(project.grids["name"]) == ["中原区", "林山寨街道", "建设路街道"]


def test_conforms_is_true_only_where_conform_would_change_nothing():
    table = conform(schema.GRIDS, _grids())
    assert conforms(schema.GRIDS, table)
    assert not conforms(schema.GRIDS, _grids())  # no kind nor office_address, object dtypes
    assert not conforms(schema.GRIDS, table.astype({"level": "int32"}))
    assert not conforms(schema.GRIDS, table.set_axis([1, 2, 3]))
    assert not conforms(schema.GRIDS, table.set_crs(3857, allow_override=True))
    assert not conforms(schema.GRIDS, table[["name", "grid_code", "level", "parent_code", "kind",
                                             "office_address", "geometry"]])
    assert not conforms(schema.SOURCES, table)


def test_history_appended_edit_by_edit_is_what_conform_makes_of_it():
    project = Project.create(Path("/nonexistent/p.gpkg"))
    project.record_history("import", schema.GRIDS, ["41"], None, [{"level": 1}], "张三")
    project.record_history("split_grid", schema.GRIDS, ["41001", "41003"],
                           [{"name": "林山寨街道"}, None], [{"name": "林山寨街道"}, {"n": 1}],
                           "李四")
    project.record_history("nothing", schema.GRIDS, [], None, None, "李四")
    history = project.history
    assert conforms(schema.HISTORY, history)
    pd.testing.assert_frame_equal(history, conform(schema.HISTORY, history))
    assert list(history["edit_id"]) == [1, 2, 3]
    assert list(history["user"]) == ["张三", "李四", "李四"]
    assert list(history["before"].fillna("-")) == ["-", '{"name": "林山寨街道"}', "-"]
    assert list(history["after"]) == ['{"level": 1}', '{"name": "林山寨街道"}', '{"n": 1}']
