"""Questions about the past: a grid's edits, the division and the assignments as they stood on
a date, what changed between two dates, who was responsible, and restoring an old version.

History rows are written by imports and edits through ``Project.record_history``: one row per
feature, ``before``/``after`` the feature's columns as a flat JSON object with the geometry as
WKT under ``"geometry"`` (``before`` is null for a created feature, ``after`` null for a
deleted one). Nothing here rewrites history: the division on a date is rebuilt by starting
from the current tables and undoing, newest first, every row recorded after that date, and a
restore is a new edit.

Dates are local dates (Asia/Shanghai): "on 2026-03-15" means at the end of that day.
"""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gisapp import schema
from gisapp.project import Project, conform

ROLES_ORDER = {role: i for i, role in enumerate(schema.ASSIGNMENT_ROLES)}
_KEYS = {schema.GRIDS: "grid_code", schema.SOURCES: "source_id",
         schema.INSPECTORS: "inspector_id", schema.INCIDENTS: "incident_id"}


# ---- reading the history table ---------------------------------------------------------------
def history_rows(project: Project, table_name: str | None = None) -> pd.DataFrame:
    """The history (of one table, or all), oldest first, with parsed ``before``/``after``
    dicts (None where null), the local time ``at_local`` and the local ``date``."""
    rows = project.history
    if table_name is not None:
        rows = rows[rows["table_name"] == table_name]
    rows = rows.sort_values("edit_id", kind="stable").reset_index(drop=True)
    out = pd.DataFrame({c: rows[c] for c in schema.HISTORY_COLUMNS})
    out["before"] = [_parse(v) for v in rows["before"]]
    out["after"] = [_parse(v) for v in rows["after"]]
    at_local = pd.to_datetime(rows["at"].astype(str), utc=True, format="ISO8601")
    out["at_local"] = at_local.dt.tz_convert(schema.TRACK_TIMEZONE)
    out["date"] = [t.date() for t in out["at_local"]]
    return out


def grid_history(project: Project, code: str, assignments: bool = False) -> pd.DataFrame:
    """Every edit of grid ``code``, oldest first: edit_id, at, user, action, table_name,
    feature_id, change (created / changed / deleted), fields (the columns that changed, ", "
    joined), before, after (dicts or None).

    With ``assignments=True`` the edits of the grid's assignments are listed too.
    """
    rows = history_rows(project)
    mine = np.array([_is_grid_row(r, code) for r in rows.itertuples(index=False)], bool)
    if assignments:
        mine |= np.array([_is_assignment_of(r, code) for r in rows.itertuples(index=False)],
                         bool)
    return _describe(rows[mine])


def changes_between(project: Project, first, last, table_name: str | None = None
                    ) -> pd.DataFrame:
    """The edits recorded after the end of local date ``first`` up to the end of ``last``
    (so ``changes_between(p, d, d)`` is empty and ``division_on(p, first)`` plus these edits
    gives ``division_on(p, last)``), oldest first, in the columns of :func:`grid_history`."""
    first, last = as_date(first), as_date(last)
    if last < first:
        raise ValueError(f"the second date {last} is before the first {first}")
    rows = history_rows(project, table_name)
    return _describe(rows[(rows["date"] > first) & (rows["date"] <= last)])


def changed_bounds(changes: pd.DataFrame) -> np.ndarray:
    """Where each change of :func:`changes_between` or :func:`grid_history` lies: the lon/lat
    bounds (minx, miny, maxx, maxy) of the feature as the edit left it, or as it was before a
    deletion (so a deleted grid can still be found on the map); a row of NaN where the record
    holds no geometry (assignments, inspectors).

    >>> changes = pd.DataFrame({"before": [{"geometry": "POINT (116.3 40)"}, None],
    ...                         "after": [None, {"role": "inspector"}]})
    >>> changed_bounds(changes).tolist()
    [[116.3, 40.0, 116.3, 40.0], [nan, nan, nan, nan]]
    """
    texts = np.array([_geometry_text(after) or _geometry_text(before)
                      for before, after in zip(changes["before"], changes["after"])],
                     dtype=object)
    if not len(texts):
        return np.empty((0, 4))
    # a record that does not parse places nothing rather than failing the whole list
    return shapely.bounds(shapely.from_wkt(texts, on_invalid="ignore"))


# ---- the division on a date ------------------------------------------------------------------
def division_on(project: Project, date) -> gpd.GeoDataFrame:
    """The grids as they stood at the end of local ``date``, sorted by grid code.

    Starts from the current grids and undoes, newest first, every grid edit recorded after the
    date: a grid created later is absent, one deleted later is back, one reshaped later has
    its old boundary. Grids with no history at all are taken as always there.
    """
    return _table_on(project, schema.GRIDS, as_date(date))


def table_on(project: Project, table_name: str, date) -> pd.DataFrame:
    """Any keyed table (grids, sources, inspectors, incidents) at the end of local ``date``."""
    if table_name not in _KEYS:
        raise ValueError(f"no history key for table {table_name!r}; keyed tables: "
                         f"{', '.join(_KEYS)}")
    return _table_on(project, table_name, as_date(date))


def grid_version(project: Project, code: str, date) -> dict | None:
    """Grid ``code`` as it stood at the end of ``date`` (a history-style dict), or None."""
    grids = division_on(project, date)
    match = grids[grids["grid_code"] == code]
    return feature_dict(match.iloc[0]) if len(match) else None


def restored_grids(project: Project, code: str, date) -> tuple[gpd.GeoDataFrame, dict | None,
                                                                dict]:
    """``(grids, before, after)``: the grids table with ``code`` put back as it stood on
    ``date``, and the history dicts of the change. Pure: the project is not touched.

    Raises ValueError when the grid did not exist on the date, or already equals that version.
    """
    old = grid_version(project, code, date)
    if old is None:
        raise ValueError(f"grid {code} did not exist on {as_date(date)}")
    grids = project.grids
    here = np.flatnonzero((grids["grid_code"] == code).to_numpy(bool))
    before = feature_dict(grids.iloc[here[0]]) if len(here) else None
    if before == old:
        raise ValueError(f"grid {code} is already as it was on {as_date(date)}")
    row = _frame_from_records(schema.GRIDS, [_from_history(old)])
    if len(here):
        parts = [grids.iloc[:here[0]], row, grids.iloc[here[0] + 1:]]
    else:
        parts = [grids, row]
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    return conform(schema.GRIDS, gpd.GeoDataFrame(frame, geometry="geometry",
                                                  crs=schema.STORAGE_CRS)), before, old


def restore_grid(project: Project, code: str, date, user: str | None = None) -> dict:
    """Put grid ``code`` back as it stood on ``date``, as a new edit (action "restore").

    Nothing is rewritten: the history gains one row whose ``before`` is the grid now (None if
    it had been deleted) and ``after`` the old version, which is returned. Neighbours are not
    changed, so a topology check may then report gaps or overlaps to resolve.
    """
    grids, before, after = restored_grids(project, code, date)
    project.set_table(schema.GRIDS, grids)
    project.record_history("restore", schema.GRIDS, [code], [before], [after], user)
    return after


# ---- assignments on a date -------------------------------------------------------------------
def assignments_on(assignments: pd.DataFrame, date) -> pd.DataFrame:
    """The assignment rows valid on local ``date``: valid_from empty or <= date, and valid_to
    empty or >= date (both inclusive)."""
    day = as_date(date).isoformat()
    start = assignments["valid_from"].astype("string")
    end = assignments["valid_to"].astype("string")
    valid = (start.isna() | (start <= day)) & (end.isna() | (end >= day))
    return assignments[valid.fillna(False).to_numpy(bool)]


def who_was_responsible(project: Project, date, grid_code: str | None = None,
                        lon: float | None = None, lat: float | None = None) -> pd.DataFrame:
    """Who answered for a grid, or for a point, on local ``date``.

    For ``grid_code``: that grid and its parents up to the district. For ``lon``/``lat``: the
    grids containing the point on that date at every level (on a shared boundary both
    neighbours). One row per person and role, from the assignments valid that day: level,
    grid_code, grid_name, role, inspector_id, person_name, phone, valid_from, valid_to;
    ordered by level, grid, role. A grid nobody answered for has one row with an empty role.
    """
    date = as_date(date)
    grids = division_on(project, date)
    if grid_code is not None:
        chain = grid_chain(grids, grid_code)
        if not chain:
            raise ValueError(f"grid {grid_code} did not exist on {date}")
    elif lon is not None and lat is not None:
        point = shapely.Point(float(lon), float(lat))
        chain = grids["grid_code"].to_numpy()[
            shapely.covers(np.asarray(grids.geometry.values), point)].tolist()
    else:
        raise ValueError("give a grid_code, or lon and lat")
    return responsible_persons(grids, project.assignments, chain, date)


def responsible_persons(grids: pd.DataFrame, assignments: pd.DataFrame, codes, date
                        ) -> pd.DataFrame:
    """The persons of each role of grids ``codes`` on ``date`` (see who_was_responsible)."""
    codes = list(dict.fromkeys(codes))
    info = pd.DataFrame({"grid_code": grids["grid_code"].astype("string"),
                         "level": grids["level"].astype("int64"),
                         "grid_name": grids["name"].astype("string")})
    info = info[info["grid_code"].isin(codes)]
    valid = assignments_on(assignments, date)
    valid = valid[valid["grid_code"].isin(codes)]
    people = pd.DataFrame({c: valid[c].astype("string") for c in
                           ("grid_code", "role", "inspector_id", "person_name", "phone",
                            "valid_from", "valid_to")})
    frame = info.merge(people, on="grid_code", how="left")
    order = frame["role"].map(ROLES_ORDER).fillna(-1)
    frame = frame.assign(_order=order).sort_values(["level", "grid_code", "_order"],
                                                    kind="stable")
    columns = ["level", "grid_code", "grid_name", "role", "inspector_id", "person_name",
               "phone", "valid_from", "valid_to"]
    return frame[columns].reset_index(drop=True)


def grid_chain(grids: pd.DataFrame, code: str) -> list[str]:
    """``code`` and its parents, nearest first, up to the top ([] if ``code`` is unknown)."""
    parents = dict(zip(grids["grid_code"].astype(str),
                       grids["parent_code"].astype("string").fillna("")))
    chain = []
    while code in parents and code not in chain:
        chain.append(code)
        code = parents[code]
    return chain


# ---- records ---------------------------------------------------------------------------------
def feature_dict(row: pd.Series) -> dict:
    """One table row as history stores it: its columns (None for empty) and the geometry as
    full-precision WKT (as edits write it; an import's 7 decimals are about 1 cm)."""
    out = {}
    for key, value in row.items():
        if key == "geometry":
            out[key] = None if value is None else shapely.to_wkt(value, rounding_precision=-1)
        elif value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            out[key] = None
        else:
            out[key] = value.item() if isinstance(value, np.generic) else value
    return out


def as_date(value) -> dt.date:
    """A local date from a date, an aware or naive datetime, or an ISO text."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = pd.Timestamp(value).tz_convert(schema.TRACK_TIMEZONE)
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    return as_date(pd.Timestamp(text).to_pydatetime())


# ---- steps -----------------------------------------------------------------------------------
def _table_on(project: Project, table_name: str, date: dt.date) -> pd.DataFrame:
    key = _KEYS[table_name]
    current = project.tables[table_name]
    records = {str(k): r for k, r in zip(current[key].astype(str),
                                         current.to_dict(orient="records"))}
    rows = history_rows(project, table_name)
    # An import records when data entered the project, not when the division came into force:
    # imported features count as always there, so asking about a date before the import
    # answers from the imported division rather than from an empty one.
    later = rows[(rows["date"] > date) & (rows["action"] != "import")]
    missing = []
    for row in reversed(list(later.itertuples(index=False))):
        if row.after is not None:
            code = str(row.after.get(key) or row.feature_id)
            if records.pop(code, None) is None:
                missing.append(code)
        if row.before is not None:
            code = str(row.before.get(key) or row.feature_id)
            records[code] = _from_history(row.before)
    frame = _frame_from_records(table_name, list(records.values()))
    frame = frame.sort_values(key, kind="stable").reset_index(drop=True)
    if missing:  # the table was changed without history: say so rather than guess
        listed = ", ".join(sorted(set(missing))[:5])
        note = f"{len(missing)} later edits name features no longer in the table ({listed})"
        frame.attrs["notes"] = [note]
    return frame


def _from_history(record: dict) -> dict:
    record = dict(record)
    if "geometry" in record:
        wkt = record["geometry"]
        record["geometry"] = shapely.from_wkt(wkt) if wkt else None
    return record


def _frame_from_records(table_name: str, records: list[dict]) -> pd.DataFrame:
    if table_name in (schema.GRIDS, schema.SOURCES, schema.INCIDENTS):
        geometry = [r.get("geometry") for r in records]
        attributes = pd.DataFrame([{k: v for k, v in r.items() if k != "geometry"}
                                   for r in records], index=range(len(records)))
        frame = gpd.GeoDataFrame(attributes, geometry=gpd.GeoSeries(geometry,
                                                                     crs=schema.STORAGE_CRS))
    else:
        frame = pd.DataFrame(records, index=range(len(records)))
    return conform(table_name, frame)


def _parse(text) -> dict | None:
    if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
        return None
    value = json.loads(str(text))
    return value if isinstance(value, dict) else None


def _geometry_text(record) -> str | None:
    return (record.get("geometry") or None) if isinstance(record, dict) else None


def _change(before, after) -> tuple[str, str]:
    if before is None and after is None:
        return "none", ""
    if before is None:
        return "created", ""
    if after is None:
        return "deleted", ""
    fields = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return "changed", ", ".join(fields)


def _describe(rows: pd.DataFrame) -> pd.DataFrame:
    changes = [_change(b, a) for b, a in zip(rows["before"], rows["after"])]
    out = pd.DataFrame({
        "edit_id": rows["edit_id"].to_numpy(np.int64),
        "at": rows["at"].astype("string").to_numpy(),
        "user": rows["user"].astype("string").to_numpy(),
        "action": rows["action"].astype("string").to_numpy(),
        "table_name": rows["table_name"].astype("string").to_numpy(),
        "feature_id": rows["feature_id"].astype("string").to_numpy(),
        "change": [c for c, _ in changes],
        "fields": [f for _, f in changes],
        "before": list(rows["before"]),
        "after": list(rows["after"]),
    })
    for c in ("at", "user", "action", "table_name", "feature_id", "change", "fields"):
        out[c] = out[c].astype("string")
    return out


def _is_grid_row(row, code: str) -> bool:
    if row.table_name != schema.GRIDS:
        return False
    keys = {row.feature_id} | {r.get("grid_code") for r in (row.before, row.after) if r}
    return code in keys


def _is_assignment_of(row, code: str) -> bool:
    if row.table_name != schema.ASSIGNMENTS:
        return False
    return any(r.get("grid_code") == code for r in (row.before, row.after) if r) \
        or str(row.feature_id).split("/")[0] == code
