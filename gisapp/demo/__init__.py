"""The synthetic demo district: grids, sources, inspectors and a month of tracks, from a seed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from gisapp import schema
from gisapp.demo.boundaries import DEFAULT_SEED, DISTRICT_NAME, load_boundaries, metric_grids
from gisapp.demo.patrols import MonthPlan, iter_fixes, plan_month
from gisapp.demo.population import incidents, populate
from gisapp.fixes import Fixes
from gisapp.progress import Progress, step

SCALES = ("demo", "month")

__all__ = ["DemoDistrict", "build_demo", "SCALES", "DEFAULT_SEED"]


@dataclass
class DemoDistrict:
    """The demo's tables (schema columns, EPSG:4326), its plan as ``truth``, and its tracks.

    Tracks are produced on demand: ``iter_fixes()`` yields one chunk per inspector,
    ``fixes()`` concatenates them all.
    """

    name: str
    grids: gpd.GeoDataFrame
    sources: gpd.GeoDataFrame
    inspectors: pd.DataFrame
    assignments: pd.DataFrame
    incidents: gpd.GeoDataFrame
    truth: dict
    plan: MonthPlan = field(repr=False, compare=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by their GeoPackage layer name (schema.GRIDS ...)."""
        return {schema.GRIDS: self.grids, schema.SOURCES: self.sources,
                schema.INSPECTORS: self.inspectors, schema.ASSIGNMENTS: self.assignments,
                schema.INCIDENTS: self.incidents}

    def iter_fixes(self, progress: Progress | None = None) -> Iterator[Fixes]:
        """The month's fixes, one inspector at a time (each chunk sorted by time)."""
        return iter_fixes(self.plan, progress)

    def fixes(self, progress: Progress | None = None) -> Fixes:
        """All fixes of the month, sorted by inspector id, then time."""
        return Fixes.concat(list(self.iter_fixes(progress)))


def build_demo(seed: int = DEFAULT_SEED, scale: str = "demo", month: str = "2026-10",
               progress: Progress | None = None) -> DemoDistrict:
    """Build the demo district for ``seed``; ``scale`` "demo" (60 inspectors, ~2,000 sources)
    or "month" (200 inspectors, ~5,000 sources, 22 patrol days of fixes every 10 s).

    The default seed's grids come from the committed data/boundaries file; everything else
    is generated, and the same arguments always give the same district and tracks.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, not {scale!r}")
    step(progress, 0, 4, "boundaries")
    grids = load_boundaries(seed)
    metric = metric_grids(grids)
    step(progress, 1, 4, "sources and inspectors")
    people = populate(grids, metric, scale, seed)
    step(progress, 2, 4, "patrol plans")
    plan = _plan(grids, metric, people, month, scale, seed, progress)
    step(progress, 3, 4, "incidents")
    month_end = dt.date.fromisoformat(plan.truth["patrol_days"][-1])
    reported = incidents(plan.events(), people.sources, people.source_xy, scale, seed,
                         month_end)
    step(progress, 4, 4, "done")
    return DemoDistrict(DISTRICT_NAME, grids, people.sources, people.inspectors,
                        people.assignments, reported, plan.truth, plan)


def _plan(grids, metric, people, month, scale, seed, progress) -> MonthPlan:
    level3 = (grids["level"] == 3).to_numpy()
    units = dict(zip(grids["grid_code"].astype(str)[level3], metric[level3]))
    return plan_month(units, people.sources["source_id"].astype(str).to_numpy(),
                      people.source_xy, people.sources["grid_code"].astype(str).to_numpy(),
                      people.assigned, people.modes, month, scale, seed, progress)
