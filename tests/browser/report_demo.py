"""The demo district (seed 7, October 2026) and its report figures, built once per test
session and shared by the report tests (core, layers, ui, browser). Qt-free.

Two sources are renamed to hostile names first, one missed and one visited, so every output
must show them as text: ``<img src=x onerror=alert(1)>`` (HTML) and ``{{7*7}}`` (a Jinja tag:
folium renders its scripts as templates twice).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from gisapp.demo import build_demo
from gisapp.project import Project

SEED = 7
MONTH = "2026-10"
XSS_NAME = "<img src=x onerror=alert(1)>"
TEMPLATE_NAME = "{{7*7}}"
_cache: dict = {}


def demo_project() -> Project:
    """The demo project (written once into a temporary folder)."""
    if "project" not in _cache:
        folder = Path(tempfile.mkdtemp(prefix="gisapp-report-demo-"))
        atexit.register(shutil.rmtree, folder, True)
        demo = build_demo(seed=SEED, scale="demo", month=MONTH)
        project = Project.create(folder / "demo.gpkg", name=demo.name)
        for name, table in demo.tables().items():
            project.set_table(name, table)
        project.add_fixes(demo.fixes())
        _rename_hostile(project)
        project.save()
        _cache["project"] = Project.open(project.path)
    return _cache["project"]


def _rename_hostile(project: Project) -> None:
    """The first missed source of the demo's plan and one visited source get hostile names."""
    from gisapp.coverage import compute_coverage
    from gisapp.scoring.periods import month_bounds
    start, end = month_bounds(MONTH)
    result = compute_coverage(project, start, end)
    sources = project.sources.copy()
    missed = result.missed["source_id"].astype(str).iloc[0]
    visited = result.visits["source_id"].astype(str).iloc[0]
    ids = sources["source_id"].astype(str)
    sources.loc[ids == missed, "name"] = XSS_NAME
    sources.loc[ids == visited, "name"] = TEMPLATE_NAME
    project.set_table("sources", sources)
    _cache["xss_source"], _cache["template_source"] = missed, visited


def hostile_sources() -> tuple[str, str]:
    """(id of the source named XSS_NAME, id of the one named TEMPLATE_NAME)."""
    demo_project()
    return _cache["xss_source"], _cache["template_source"]


def demo_report(language: str = "zh_CN"):
    """build_report_data of the demo month (tracks and swept area included)."""
    key = ("data", language)
    if key not in _cache:
        from gisapp.reports.report_tables import build_report_data
        _cache[key] = build_report_data(demo_project(), MONTH, language=language)
    return _cache[key]
