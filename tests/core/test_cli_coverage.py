"""coverage / score / bulletin / config from the command line, on the demo month."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from gisapp.cli import main
from gisapp.project import Project


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out)]) == 0
    truth = json.loads((out / "demo_truth.json").read_text(encoding="utf-8"))
    return out / "demo_district.gpkg", truth


def test_coverage_tables_name_the_planned_misses(demo, tmp_path, capsys):
    project, truth = demo
    assert main(["coverage", str(project), "--month", "2026-10", "--out", str(tmp_path)]) == 0
    assert "60 inspectors" in capsys.readouterr().out
    summary = pd.read_csv(tmp_path / "inspector_summary.csv", dtype={"inspector_id": str})
    assert len(summary) == 60
    missed = pd.read_csv(tmp_path / "missed.csv", dtype=str)
    planned = {(i, s) for i, sources in truth["missed_sources"].items() for s in sources}
    assert set(zip(missed["inspector_id"], missed["source_id"])) == planned
    unswept = set(summary.loc[~summary["full_sweep"].astype(bool), "inspector_id"])
    assert unswept == set(truth["missed_sources"])
    visits = pd.read_csv(tmp_path / "visits.csv")
    assert list(visits.columns) == ["inspector_id", "source_id", "first_visit", "last_visit",
                                    "dwell_s"]
    assert (visits["dwell_s"] >= 60).all()
    flags = pd.read_csv(tmp_path / "flags.csv", dtype=str)
    faked = {f["inspector_id"] for f in truth["faked"]}
    assert faked <= set(flags["inspector_id"])
    assert {"inspector_id", "kind", "start", "end", "reason"} <= set(flags.columns)


def test_coverage_of_one_inspector_and_bad_period(demo, tmp_path, capsys):
    project, truth = demo
    someone = next(iter(truth["missed_sources"]))
    assert main(["coverage", str(project), "--from", "2026-10-08", "--to", "2026-10-09",
                 "--inspector", someone, "--out", str(tmp_path)]) == 0
    summary = pd.read_csv(tmp_path / "inspector_summary.csv", dtype={"inspector_id": str})
    assert list(summary["inspector_id"]) == [someone]
    assert summary["active_days"].iloc[0] <= 2
    assert main(["coverage", str(project), "--from", "2026-10-09", "--to", "2026-10-08"]) == 2
    assert "before" in capsys.readouterr().err


def test_score_quarter_with_jizhou_rules_fails_the_faker(demo, tmp_path, capsys):
    project, truth = demo
    faker = truth["faked"][0]["inspector_id"]
    assert main(["score", str(project), "--quarter", "2026Q4", "--rules", "jizhou_2018",
                 "--out", str(tmp_path)]) == 0
    ranking = pd.read_csv(tmp_path / "quarterly_ranking.csv", encoding="utf-8-sig", dtype=str)
    row = ranking[ranking.iloc[:, 1] == faker]
    assert len(row) == 1 and "不合格" in row.to_string()
    full_time = Project.open(project).inspectors.query("kind == 'full_time'")
    assert len(ranking) == len(full_time)  # Jizhou's rules are for full-time inspectors
    book = openpyxl.load_workbook(tmp_path / "quarterly_ranking.xlsx")
    assert book.active.max_row > len(full_time)


def test_sheet_template_then_scores_with_the_sheet(demo, tmp_path):
    project, truth = demo
    template = tmp_path / "sheet.xlsx"
    assert main(["score", str(project), "--month", "2026-10", "--template", str(template)]) == 0
    book = openpyxl.load_workbook(template)
    assert book.active.max_row > 2
    bulletin = tmp_path / "b.xlsx"
    assert main(["bulletin", str(project), "--month", "2026-10", "--xlsx", str(bulletin),
                 "--csv", str(tmp_path / "b.csv")]) == 0
    table = pd.read_csv(tmp_path / "b.csv", encoding="utf-8-sig", dtype=str)
    assert "全覆盖巡查" in table.columns and len(table) == 60
    missed_names = " ".join(table["漏查污染源"].dropna())
    sources = Project.open(project).sources.set_index("source_id")["name"]
    for ids in truth["missed_sources"].values():
        for source_id in ids:
            assert sources[source_id] in missed_names


def test_config_sets_a_definition_that_coverage_uses(demo, tmp_path, capsys):
    project, _ = demo
    copy = tmp_path / "copy.gpkg"
    copy.write_bytes(project.read_bytes())
    (tmp_path / "copy.tracks").symlink_to(project.with_name("demo_district.tracks"))
    assert main(["config", str(copy), "--set", "min_dwell_s=100000"]) == 0
    assert "min_dwell_s" in capsys.readouterr().out
    assert main(["coverage", str(copy), "--from", "2026-10-08", "--out", str(tmp_path)]) == 0
    summary = pd.read_csv(tmp_path / "inspector_summary.csv")
    assert summary["sources_visited"].sum() == 0  # nobody dwells 28 hours
    assert main(["config", str(copy), "--set", "min_dwell_s=abc"]) == 2
    assert main(["config", str(copy), "--set", "no_such=1"]) == 2
