"""Reported incidents (事件上报) from CSV or XLSX: time, place, category, description, finder.

The place is a coordinate pair, either two columns (经度/纬度, lon/lat) or one ("113.62,34.75");
no address is geocoded. Times without a UTC offset are Beijing time. Returns ``(frame,
ImportReport)`` like every reader: the good rows as a GeoDataFrame (EPSG:4326, coordinates as
given: a GCJ-02 file is converted by the import) with the columns of :data:`READ_COLUMNS`,
the rejected rows with their row number and problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gisapp import schema
from gisapp.errors import InputError
from gisapp.i18n import _
from gisapp.io.report import ImportReport
from gisapp.io.tables import (UNKNOWN_CATEGORY, RowChecks, check_value_targets, field_texts,
                              read_table, resolve_columns, start_report, translate,
                              with_values)

INCIDENT_NAMES = {
    "incident_id": ("incident_id", "id", "编号", "事件编号", "案件编号", "问题编号"),
    "reported_at": ("reported_at", "time", "datetime", "reported", "date", "时间", "上报时间",
                    "发现时间", "报告时间", "事发时间", "发生时间", "日期"),
    "lon": ("lon", "lng", "long", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "coordinates": ("coordinates", "coords", "location", "position", "坐标", "经纬度",
                    "位置坐标", "事发地坐标"),
    "category": ("category", "type", "kind", "类别", "类型", "问题类型", "事件类型",
                 "污染类型", "问题类别"),
    "description": ("description", "details", "problem", "描述", "问题描述", "事件描述",
                    "情况描述", "情况说明", "内容"),
    "found_by": ("found_by", "finder", "reporter", "inspector_id", "inspector", "发现人",
                 "上报人", "报告人", "网格员", "网格员编号"),
    "told_grid": ("told_grid", "received_by", "受理网格", "接报网格", "举报受理网格"),
}
READ_COLUMNS = {"incident_id": "string", "reported_at": "string", "category": "string",
                "description": "string", "found_by": "string", "told_grid": "string",
                "lon": "float64", "lat": "float64"}

# file value -> category (compared without case, spaces, "_" or "-")
CATEGORY_VALUES = {
    **{c: c for c in schema.SOURCE_CATEGORIES},
    "工业": "industrial", "工业企业": "industrial", "工业废气": "industrial",
    "工业污染": "industrial", "企业排污": "industrial",
    "扬尘": "construction_dust", "建筑工地扬尘": "construction_dust",
    "施工扬尘": "construction_dust", "工地扬尘": "construction_dust",
    "餐饮油烟": "catering_fumes", "油烟": "catering_fumes", "露天烧烤": "catering_fumes",
    "畜禽养殖": "livestock", "养殖": "livestock", "养殖污染": "livestock",
    "散煤": "loose_coal", "燃煤": "loose_coal",
    "露天焚烧": "open_burning", "秸秆焚烧": "open_burning", "垃圾焚烧": "open_burning",
    "焚烧": "open_burning",
    "入河排污口": "water_outfall", "排污口": "water_outfall", "污水直排": "water_outfall",
    "水污染": "water_outfall",
    "汽修喷涂": "vehicle_repair", "汽修": "vehicle_repair", "喷涂": "vehicle_repair",
    "其他": "other", "其它": "other",
}
_CATEGORY_HELP = ("industrial (工业), construction_dust (扬尘), catering_fumes (餐饮油烟), "
                  "livestock (畜禽养殖), loose_coal (散煤), open_burning (露天焚烧), "
                  "water_outfall (入河排污口), vehicle_repair (汽修喷涂), other (其他)")

# China's box: coordinates outside it are a mistake (swapped, projected, or another place)
_LON_RANGE = (73.0, 136.0)
_LAT_RANGE = (3.0, 54.0)
_TIME = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]*(\d{1,2})\s*[:时]\s*(\d{1,2})\s*(?:[:分]\s*(\d{1,2}(?:\.\d+)?)\s*秒?)?\s*分?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$")
_PAIR = re.compile(r"^\s*\(?\s*(-?\d+(?:\.\d+)?)\s*[,，;；\s]\s*(-?\d+(?:\.\d+)?)\s*\)?\s*$")


def read_incidents(path: str | Path, mapping: Mapping | None = None,
                   sheet: str | int | None = None, defaults: Mapping | None = None
                   ) -> tuple[gpd.GeoDataFrame, ImportReport]:
    """Incidents from CSV/XLSX -> (GeoDataFrame of READ_COLUMNS + geometry, report).

    Required: a time and a category, and the place as lon and lat columns or one
    coordinates column. Rejects: an unreadable time, an unknown category (``mapping`` may
    hold ``"category_values"``, with ``"*"`` for every other value), missing or unreadable
    coordinates, coordinates outside China (with a hint when they look swapped), a duplicate
    incident id. The finder (``found_by``: an inspector id or name) and the grid that was
    told (``told_grid``) are kept as text for the import to resolve.
    """
    table = read_table(path, sheet)
    report = start_report(path, schema.INCIDENTS, table)
    check_value_targets(path, mapping, "category", schema.SOURCE_CATEGORIES)
    columns = resolve_columns(path, table.columns, mapping, INCIDENT_NAMES,
                              required=("reported_at", "category"),
                              value_columns=("category",), defaults=defaults)
    if not ({"lon", "lat"} <= set(columns) or "coordinates" in columns):
        looked = INCIDENT_NAMES["lon"] + INCIDENT_NAMES["lat"] + INCIDENT_NAMES["coordinates"]
        raise InputError(path, _("where did it happen? needs lon and lat columns or a "
                                 "coordinates column (looked for {names}); columns found: "
                                 "{found}").format(names=_(", ").join(looked),
                                                   found=_(", ").join(map(str, table.columns))))
    text = field_texts(table, columns, INCIDENT_NAMES, defaults)
    checks = RowChecks(table.index, table)
    checks.unique(text["incident_id"], "incident_id")
    reported_at, bad_time = parse_times(text["reported_at"])
    checks.add(text["reported_at"].isna(), _("missing time"))
    checks.add(bad_time, with_values(_("time {value} is not a date and time (use "
                                       "2026-09-30 14:20)"), text["reported_at"]))
    category = translate(text["category"], CATEGORY_VALUES,
                         (mapping or {}).get("category_values"))
    checks.add(category.isna(), with_values(_(UNKNOWN_CATEGORY), text["category"],
                                            allowed=_CATEGORY_HELP))
    lon, lat = _coordinates(text, columns)
    _check_coordinates(checks, lon, lat, text, columns)
    out = pd.DataFrame({"incident_id": text["incident_id"], "reported_at": reported_at,
                        "category": category, "description": text["description"],
                        "found_by": text["found_by"], "told_grid": text["told_grid"],
                        "lon": lon, "lat": lat})
    good = checks.finish(out, READ_COLUMNS, report)
    frame = gpd.GeoDataFrame(good, geometry=gpd.points_from_xy(good["lon"], good["lat"]),
                             crs=schema.STORAGE_CRS)
    return frame.drop(columns=["lon", "lat"]), report


def parse_times(values: pd.Series, offset: str = "+08:00") -> tuple[pd.Series, pd.Series]:
    """``(iso, bad)``: "2026-09-30 14:20", "2026/9/30 14:20:05", "2026年9月30日14时20分",
    "2026-09-30T06:20:00Z" or a date alone -> ISO 8601 with the UTC offset (``offset``, Beijing
    time, where the text has none).

    >>> iso, bad = parse_times(pd.Series(["2026/9/30 14:20", "2026年9月30日14时20分",
    ...                                   "2026-09-30T06:20:00Z", "2026-09-31 08:00"],
    ...                                  dtype="string"))
    >>> iso.tolist()
    ['2026-09-30T14:20:00+08:00', '2026-09-30T14:20:00+08:00', '2026-09-30T06:20:00+00:00', <NA>]
    >>> bad.tolist()
    [False, False, False, True]
    """
    out = []
    for value in values:
        out.append(None if pd.isna(value) else _parse_time(str(value).strip(), offset))
    iso = pd.Series(out, index=values.index, dtype="string")
    bad = (values.notna() & iso.isna()).astype(bool)
    return iso, bad


def _parse_time(text: str, offset: str) -> str | None:
    match = _TIME.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        moment = pd.Timestamp(int(year), int(month), int(day), int(hour or 0),
                              int(minute or 0), int(float(second or 0)))
    except ValueError:
        return None
    if hour is not None and int(hour) > 23:
        return None
    zone = "+00:00" if zone == "Z" else (zone or offset)
    if ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + zone


def _coordinates(text, columns) -> tuple[pd.Series, pd.Series]:
    if {"lon", "lat"} <= set(columns):
        return (pd.to_numeric(text["lon"], errors="coerce").astype("float64"),
                pd.to_numeric(text["lat"], errors="coerce").astype("float64"))
    pairs = text["coordinates"].str.extract(_PAIR)
    return (pd.to_numeric(pairs[0], errors="coerce").astype("float64"),
            pd.to_numeric(pairs[1], errors="coerce").astype("float64"))


def _check_coordinates(checks: RowChecks, lon, lat, text, columns) -> None:
    given = (text["lon"].notna() & text["lat"].notna() if "lon" in columns
             else text["coordinates"].notna())
    checks.add(~given, _("missing coordinates: where did it happen?"))
    shown = (text["lon"].fillna("") + ", " + text["lat"].fillna("") if "lon" in columns
             else text["coordinates"])
    unreadable = given & (lon.isna() | lat.isna())
    checks.add(unreadable, with_values(_("coordinates {value} are not two numbers "
                                         "(longitude, latitude in degrees)"), shown))
    inside = lon.between(*_LON_RANGE) & lat.between(*_LAT_RANGE)
    swapped = lat.between(*_LON_RANGE) & lon.between(*_LAT_RANGE)
    checks.add((~unreadable & given & swapped).to_numpy(bool),
               with_values(_("coordinates {value} look swapped: longitude comes first "
                             "(113.62, 34.75)"), shown))
    checks.add((~unreadable & given & ~inside & ~swapped).to_numpy(bool),
               with_values(_("coordinates {value} are outside China; give WGS-84 longitude "
                             "and latitude in degrees"), shown))
