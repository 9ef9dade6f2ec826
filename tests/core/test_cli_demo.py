"""`gisapp demo` writes a project that the independent GeoPandas check accepts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gisapp.cli import main
from gisapp.project import Project
from tests.conftest import REPO

CHECK = REPO.parent / "shared" / "checks" / "demo_hierarchy.py"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out)]) == 0
    return out


def test_demo_project_opens_with_everything(demo_dir):
    project = Project.open(demo_dir / "demo_district.gpkg")
    summary = project.summary()
    assert (summary["level1"], summary["level2"]) == (1, 12)
    assert 60 <= summary["level3"] <= 160 and summary["level4"] >= 100
    assert 1500 <= summary["sources"] <= 3000 and summary["inspectors"] == 60
    assert summary["fixes"] > 1_000_000
    assert project.meta["demo_seed"] == "7"
    truth = json.loads((demo_dir / "demo_truth.json").read_text(encoding="utf-8"))
    assert truth["faked"] and truth["missed_sources"]


def test_independent_check_passes(demo_dir):
    if not CHECK.is_file():
        pytest.skip(f"independent check not present at {CHECK}")
    result = subprocess.run([sys.executable, str(CHECK), str(demo_dir)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_demo_again_replaces_the_demo_but_never_a_user_project(demo_dir, tmp_path, capsys):
    assert main(["demo", "--out", str(demo_dir)]) == 0
    assert len(list((demo_dir / "demo_district.tracks").rglob("*.parquet"))) == len(
        Project.open(demo_dir / "demo_district.gpkg").partitions)
    user = Project.create(tmp_path / "demo_district.gpkg")
    user.save()
    assert main(["demo", "--out", str(tmp_path)]) == 2
    assert "not a demo project" in capsys.readouterr().err
