"""New sources an inspector did not find: the GPS evidence behind Ziyang's "−2 per new source".

A source is new in a month when the project first recorded it (its first history row: an
import or a creation) during that month. The inspector answering for its grid found it when
his track visited it, in that month, after it appeared; otherwise it counts as not found.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from gisapp import schema

_CREATING = ("import", "create")


def new_sources_missed(history: pd.DataFrame, missed: pd.DataFrame, start: dt.date,
                       end: dt.date) -> pd.Series:
    """Count per inspector of required sources first recorded in [start, end) and not visited.

    ``missed`` is ``CoverageResult.missed`` (inspector_id, source_id, ...) of the same period.
    """
    created = history[(history["table_name"] == schema.SOURCES)
                      & history["action"].isin(_CREATING)]
    if created.empty or missed.empty:
        return pd.Series(dtype="int64", name="new_sources_missed")
    first = (pd.to_datetime(created["at"], utc=True, format="ISO8601")
             .groupby(created["feature_id"].astype(str)).min())
    local = first.dt.tz_convert(schema.TRACK_TIMEZONE).dt.date
    new_ids = set(local[(local >= start) & (local < end)].index)
    counted = missed[missed["source_id"].astype(str).isin(new_ids)]
    return counted.groupby("inspector_id").size().rename("new_sources_missed")
