"""Grids and pollution sources from GeoPackage, Shapefile, GeoJSON and KML (sources also CSV/XLSX).

Coordinates come back as found, in EPSG:4326 lon/lat: a file declaring another CRS is reprojected
(and the report says so). Datum shifts of Chinese web maps (GCJ-02, BD-09) are gisapp.crs's job.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from gisapp import schema
from gisapp.errors import InputError
from gisapp.i18n import N_, _
from gisapp.io.encoding import TEXT_ENCODINGS, decode_strict, label, locate_undecodable
from gisapp.io.report import ImportReport
from gisapp.io.tables import (CSV_SUFFIXES, EXCEL_SUFFIXES, UNKNOWN_CATEGORY, UNKNOWN_KIND,
                              RowChecks, check_value_targets, existing_file, field_texts,
                              read_table, resolve_columns, start_report, translate,
                              with_values)

FORMATS = {".gpkg": "GeoPackage", ".shp": "Shapefile", ".geojson": "GeoJSON",
           ".json": "GeoJSON", ".kml": "KML"}
_WGS84 = CRS.from_epsg(4326)
_TYPE_NAMES = ("Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
               "MultiPolygon", "GeometryCollection")
# LIBKML's styling fields: never data, so they must not be mistaken for an id column
_KML_STYLING = ("id", "description", "timestamp", "begin", "end", "altitudeMode", "tessellate",
                "extrude", "visibility", "drawOrder", "icon")
_KML_ALWAYS_DROPPED = ("altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon")

GRID_NAMES = {
    "grid_code": ("grid_code", "code", "编码", "网格编码", "网格代码", "代码", "adcode"),
    "name": ("name", "grid_name", "名称", "网格名称", "网格名"),
    "level": ("level", "层级", "级别", "网格级别", "网格层级"),
    "parent_code": ("parent_code", "parent", "上级编码", "上级网格", "上级网格编码", "上级代码"),
    "kind": ("kind", "type", "类型", "网格类型"),
    "office_address": ("office_address", "办公地址", "address", "地址"),
}
SOURCE_NAMES = {
    "source_id": ("source_id", "id", "编号", "污染源编号", "企业编号", "code", "编码"),
    "name": ("name", "名称", "企业名称", "单位名称", "污染源名称"),
    "category": ("category", "类别", "类型", "污染源类别", "污染源类型", "type", "kind"),
    "grid_code": ("grid_code", "网格编码", "所属网格", "所属网格编码"),
    "is_key": ("is_key", "key", "是否重点", "重点", "重点污染源", "是否重点污染源"),
    "key_grid_code": ("key_grid_code", "重点网格编码", "四级网格编码"),
    "address": ("address", "地址", "详细地址", "企业地址"),
}
_POINT_NAMES = {"lon": ("lon", "lng", "longitude", "x", "经度"),
                "lat": ("lat", "latitude", "y", "纬度")}

GRID_KIND_VALUES = {
    "district": "district", "区": "district", "县": "district", "区县": "district",
    "street": "street", "街道": "street", "街道办事处": "street", "街道办": "street",
    "办事处": "street",
    "town": "town", "镇": "town", "乡": "town", "乡镇": "town",
    "community": "community", "社区": "community", "居委会": "community",
    "village": "village", "村": "village", "行政村": "village", "村委会": "village",
    "industrial_park": "industrial_park", "工业园区": "industrial_park",
    "园区": "industrial_park", "产业园区": "industrial_park", "工业园": "industrial_park",
    "enterprise": "enterprise", "key_enterprise": "enterprise", "企业": "enterprise",
    "重点企业": "enterprise", "重点污染源企业": "enterprise", "重点污染源": "enterprise",
}
_KIND_OF_LEVEL = {1: "district", 2: "street", 3: "community", 4: "enterprise"}
_GRID_KIND_HELP = ("district (区), street (街道), town (镇/乡), community (社区), village (村), "
                   "industrial_park (工业园区), enterprise (企业)")

SOURCE_CATEGORY_VALUES = {
    **{c: c for c in schema.SOURCE_CATEGORIES},
    "工业企业": "industrial", "工业": "industrial", "工业源": "industrial",
    "建筑工地": "construction_dust", "工地": "construction_dust",
    "工地扬尘": "construction_dust", "建筑工地扬尘": "construction_dust",
    "扬尘": "construction_dust",
    "餐饮": "catering_fumes", "餐饮油烟": "catering_fumes", "油烟": "catering_fumes",
    "养殖": "livestock", "畜禽养殖": "livestock",
    "散煤": "loose_coal", "散煤燃烧": "loose_coal",
    "露天焚烧": "open_burning", "露天焚烧点": "open_burning", "焚烧": "open_burning",
    "排污口": "water_outfall", "入河排污口": "water_outfall",
    "汽修": "vehicle_repair", "汽修喷涂": "vehicle_repair", "汽车维修": "vehicle_repair",
    "其他": "other", "其它": "other",
}
_CATEGORY_HELP = ("industrial (工业企业), construction_dust (建筑工地扬尘), catering_fumes (餐饮油烟), "
                  "livestock (畜禽养殖), loose_coal (散煤), open_burning (露天焚烧), "
                  "water_outfall (入河排污口), vehicle_repair (汽修喷涂), other (其他)")
_YES_NO = {"true": "true", "yes": "true", "y": "true", "t": "true", "1": "true", "是": "true",
           "重点": "true", "√": "true", "✓": "true",
           "false": "false", "no": "false", "n": "false", "f": "false", "0": "false",
           "否": "false", "非重点": "false", "一般": "false", "×": "false"}

_GRID_OUT = {**schema.GRID_COLUMNS, "geometry": "geometry"}
_SOURCE_OUT = {**schema.SOURCE_COLUMNS, "geometry": "geometry"}


# ---------------------------------------------------------------------------------------------
# Reading a vector file


def read_vector(path: str | Path, layer: str | None = None,
                encoding: str | None = None) -> gpd.GeoDataFrame:
    """Read a GeoPackage, Shapefile, GeoJSON (a bare geometry too) or KML layer in EPSG:4326.

    A GeoPackage with several spatial layers needs ``layer``; a KML is read whole, all its
    folders one after the other. A Shapefile without .cpg has its text decoded as UTF-8, else
    GB18030/GBK. ``frame.attrs["notes"]`` says what was assumed or converted.
    """
    path = existing_file(path)
    kind = _format_of(path)
    notes: list[str] = []
    layers = _layers(path, kind)
    if kind == "KML" and layer is None:
        frame = _read_kml(path, layers, notes)
    else:
        frame = _read_layer(path, kind, _choose_layer(path, layers, layer), encoding, notes)
    _require_features(path, frame)
    frame = _to_wgs84(frame, notes)
    frame = _drop_heights(frame, notes)
    frame.attrs["notes"] = notes
    return frame


def _format_of(path: Path) -> str:
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InputError(path, _("unsupported format {suffix!r}; expected {expected}").format(
            suffix=path.suffix, expected=_(", ").join(sorted(FORMATS))))
    return kind


def _layers(path: Path, kind: str) -> list[tuple[str, str | None]]:
    try:
        return [(str(name), geom) for name, geom in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio.errors.DataSourceError and GDAL's other complaints
        raise InputError(path, _("cannot be read as {kind}: {error}").format(
            kind=kind, error=exc)) from exc


def _choose_layer(path: Path, layers: list[tuple[str, str | None]], layer: str | None) -> str:
    names = [name for name, _ in layers]
    if layer is not None:
        if layer not in names:
            raise InputError(path, _("no layer {layer!r}; layers: {layers}").format(
                layer=layer, layers=_(", ").join(names) or _("(none)")))
        return layer
    spatial = [name for name, geom in layers if geom is not None]
    if len(spatial) == 1:
        return spatial[0]
    if not spatial:
        raise InputError(path, _("no geometry: no layer has a geometry column (tables: "
                                 "{tables})").format(tables=_(", ").join(names)) if names
                         else _("no geometry: no layer has a geometry column"))
    listed = _(", ").join(f"{name} ({geom})" for name, geom in layers if geom is not None)
    raise InputError(path, _("{count} layers; choose one: {layers}").format(
        count=len(spatial), layers=listed))


def _read_layer(path: Path, kind: str, layer: str, encoding: str | None,
                notes: list[str]) -> gpd.GeoDataFrame:
    if kind == "Shapefile" and encoding is None and not _cpg_of(path):
        frame = _read_shapefile_guessing_encoding(path, notes)
    else:
        frame = _read_file(path, kind, layer=layer, encoding=encoding)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(path, _("no geometry: layer {layer!r} is a table without geometry")
                         .format(layer=layer))
    return frame


def _read_file(path: Path, kind: str, **options) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():
            # GeoJSON properties mixing numbers and text: the text is what we want anyway
            warnings.filterwarnings("ignore", "Could not parse column .* as JSON")
            return gpd.read_file(path, engine="pyogrio", **options)
    except Exception as exc:
        raise InputError(path, _("cannot be read as {kind}: {error}").format(
            kind=kind, error=exc)) from exc


def _cpg_of(path: Path) -> Path | None:
    return next((p for p in (path.with_suffix(".cpg"), path.with_suffix(".CPG")) if p.exists()),
                None)


def _read_shapefile_guessing_encoding(path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    """No .cpg says how the .dbf text is encoded: UTF-8 if all of it decodes so, else GB18030."""
    # ISO-8859-1 maps each byte to one character: the bytes survive, to be decoded here
    frame = _read_file(path, "Shapefile", encoding="ISO-8859-1")
    text_columns = [c for c in frame.columns if c != frame.geometry.name
                    and (pd.api.types.is_object_dtype(frame[c])
                         or pd.api.types.is_string_dtype(frame[c]))]
    cells = "\x00".join("\x00".join(frame[c].dropna().astype(str)) for c in text_columns)
    encoding = _shapefile_encoding(path, frame, text_columns, cells.encode("latin-1"))
    names = {c: _field_name(str(c).encode("latin-1"), encoding) for c in frame.columns}
    frame = frame.copy()
    for column in text_columns:
        frame[column] = frame[column].str.encode("latin-1").str.decode(encoding)
    frame = frame.rename(columns=names)
    ascii_only = cells.isascii() and all(map(str.isascii, names.values()))
    shown = "plain ASCII" if ascii_only else label(encoding)
    notes.append(f"{path.name} has no .cpg file: its attribute text was read as {shown}")
    cut = [name for column, name in names.items() if len(str(column).encode("latin-1"))
           > len(name.encode(encoding))]
    if cut:
        notes.append(f"column names cut mid-character at the .dbf's 10-byte limit: "
                     f"{', '.join(cut)}")
    return frame


def _shapefile_encoding(path: Path, frame: pd.DataFrame, text_columns: list,
                        cells: bytes) -> str:
    names = [str(c).encode("latin-1") for c in frame.columns]
    for encoding in TEXT_ENCODINGS:
        if (decode_strict(cells, (encoding,)) is not None
                and all(_field_name(n, encoding) is not None for n in names)):
            return encoding
    advice = _("{problem}; no .cpg file names the encoding: add one (for example containing "
               "GBK) or pass the encoding")
    if decode_strict(cells) is not None:
        raise InputError(path, advice.format(
            problem=_("the column names are not in the encoding of the values")))
    rows = frame[text_columns].astype(object).apply(
        lambda r: "\x00".join(str(v) for v in r if pd.notna(v)), axis=1)
    index, problem = locate_undecodable([row.encode("latin-1") for row in rows])
    raise InputError(path, advice.format(problem=problem), row=index + 1)


def _field_name(name: bytes, encoding: str) -> str | None:
    """A .dbf field name; a name filling the 10 bytes may end in a cut multi-byte character."""
    for cut in range(4 if len(name) >= 8 else 1):
        try:
            return name[:len(name) - cut].decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_kml(path: Path, layers: list[tuple[str, str | None]],
              notes: list[str]) -> gpd.GeoDataFrame:
    frames, counts = [], []
    for name, _geometry in layers:
        frame = _read_file(path, "KML", layer=name)
        if len(frame):
            frames.append(_drop_kml_styling(frame))
            counts.append(f"{name} ({len(frame)})")
    if not frames:
        raise InputError(path, _("no features"))
    if len(frames) > 1:
        notes.append(f"read all KML folders one after the other: {', '.join(counts)}")
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def _drop_kml_styling(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    styling = [c for c in _KML_STYLING if c in frame.columns
               and (c in _KML_ALWAYS_DROPPED or frame[c].isna().all())]
    return frame.drop(columns=styling)


def _require_features(path: Path, frame: gpd.GeoDataFrame) -> None:
    if len(frame) == 0:
        raise InputError(path, _("no features"))
    if frame.geometry.isna().all():
        raise InputError(path, _("no geometry: no feature has one"))


def _to_wgs84(frame: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    crs = frame.crs
    if crs is None:
        notes.append("no coordinate system declared (a .prj missing?): coordinates taken as "
                     "WGS-84 lon/lat")
        frame = frame.set_crs(_WGS84)
        frame.attrs["crs_missing"] = True
        return frame
    if crs.equals(_WGS84, ignore_axis_order=True):
        return frame
    epsg = crs.to_epsg()
    notes.append(f"reprojected from {crs.name}{f' (EPSG:{epsg})' if epsg else ''} to "
                 f"EPSG:4326 lon/lat")
    return frame.to_crs(_WGS84)


def _drop_heights(frame: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    geoms = frame.geometry.values
    if shapely.has_z(geoms).any():
        frame = frame.set_geometry(gpd.GeoSeries(shapely.force_2d(geoms), index=frame.index,
                                                 crs=frame.crs))
        notes.append("heights (Z) dropped")
    return frame


# ---------------------------------------------------------------------------------------------
# Grids


def read_grids(path: str | Path, mapping: Mapping | None = None, layer: str | None = None,
               encoding: str | None = None, default_level: int | None = None,
               defaults: Mapping | None = None) -> tuple[gpd.GeoDataFrame, ImportReport]:
    """Grid polygons -> (schema.GRID_COLUMNS + geometry frame, report).

    ``mapping`` maps our columns to the file's (``{"grid_code": "CODE", "level": "LEVEL"}``)
    and may hold ``"kind_values"``; unmapped columns are found by their usual English or
    Chinese headers. ``default_level`` (or ``defaults``, e.g. ``{"grid_code": "410102",
    "name": "中原区"}`` for a bare geometry) fills a column the file lacks or leaves empty.

    Rejects: missing or duplicate grid_code, level not 1-4, unknown kind, empty or non-polygon
    geometry, coordinates outside lon/lat range, invalid (e.g. self-intersecting) polygons,
    a parent_code absent from the file's grids of the level above when that level is present.
    """
    frame = read_vector(path, layer, encoding)
    report = start_report(path, schema.GRIDS, frame)
    defaults = _with_level(defaults, default_level)
    check_value_targets(path, mapping, "kind", schema.GRID_KINDS)
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    columns = resolve_columns(path, attributes.columns, mapping, GRID_NAMES,
                              required=("grid_code", "name", "level"), value_columns=("kind",),
                              defaults=defaults)
    text = field_texts(attributes, columns, GRID_NAMES, defaults)
    checks = RowChecks(np.arange(1, len(frame) + 1), attributes)
    checks.add(text["grid_code"].isna(), _("missing grid_code"))
    checks.unique(text["grid_code"], "grid_code")
    level = _levels(checks, text["level"])
    kind = _grid_kinds(checks, text["kind"], level, (mapping or {}).get("kind_values"))
    check_geometry(checks, frame.geometry.values, "polygon", frame.attrs.get("crs_missing"))
    _check_parents(checks, report, text["grid_code"], text["parent_code"], level)
    out = pd.DataFrame({"grid_code": text["grid_code"], "name": text["name"], "level": level,
                        "parent_code": text["parent_code"], "kind": kind,
                        "office_address": text["office_address"],
                        "geometry": frame.geometry.values})
    good = checks.finish(out, _GRID_OUT, report)
    return gpd.GeoDataFrame(good, geometry="geometry", crs=_WGS84), report


def _with_level(defaults: Mapping | None, default_level: int | None) -> dict:
    defaults = dict(defaults or {})
    if default_level is not None:
        if default_level not in schema.GRID_LEVELS:
            raise ValueError(f"default_level must be one of {list(schema.GRID_LEVELS)}")
        defaults["level"] = default_level
    return defaults


_LEVEL_WORDS = {
    "district": "1", "county": "1", "区": "1", "县": "1",
    "street": "2", "town": "2", "township": "2", "街道": "2", "镇": "2", "乡": "2",
    "community": "3", "village": "3", "社区": "3", "村": "3",
    "enterprise": "4", "企业": "4",
}


def _levels(checks: RowChecks, text: pd.Series) -> pd.Series:
    """Levels 1-4 (also 一级, 2级, 2.0, and the words DataV-style boundary files use:
    district/county 区县, street/town 街道乡镇, community/village 社区村, enterprise 企业);
    <NA> where missing or wrong, those rows rejected."""
    words = text.str.strip().str.lower().str.replace(r"级(网格)?$", "", regex=True).replace(
        {"一": "1", "二": "2", "三": "3", "四": "4", **_LEVEL_WORDS})
    number = pd.to_numeric(words, errors="coerce")
    ok = number.isin(list(schema.GRID_LEVELS)).fillna(False)
    checks.add(text.isna(), _("missing level"))
    checks.add(text.notna() & ~ok, with_values(
        _("level {value} is not 1, 2, 3 or 4 (district, street, community, enterprise)"), text))
    return number.where(ok).astype("Int64")


def _grid_kinds(checks: RowChecks, text: pd.Series, level: pd.Series,
                extra: Mapping | None) -> pd.Series:
    kind = translate(text, GRID_KIND_VALUES, extra)
    checks.add(text.notna() & kind.isna(),
               with_values(_(UNKNOWN_KIND), text, allowed=_GRID_KIND_HELP))
    by_level = level.map(_KIND_OF_LEVEL).astype("string")
    return kind.where(text.notna() | kind.notna(), by_level)


def _check_parents(checks: RowChecks, report: ImportReport, code: pd.Series,
                   parent: pd.Series, level: pd.Series) -> None:
    """A parent of the level above must be in the file when that level is in the file."""
    names_parent = (parent.notna() & level.notna() & (level > 1)).fillna(False)
    parent_level = level - 1
    level_in_file = parent_level.isin(level.dropna().unique()).fillna(False)
    known = (level.astype("string") + "|" + code).dropna()
    found = (parent_level.astype("string") + "|" + parent).isin(known).fillna(False)
    unknown_parent = _("parent_code {parent!r} is not among the file's level-{level} grids")
    checks.add(names_parent & level_in_file & ~found,
               lambda pos: [unknown_parent.format(parent=parent.iloc[p],
                                                  level=parent_level.iloc[p]) for p in pos])
    elsewhere = names_parent & ~level_in_file
    if elsewhere.any():
        listed = ", ".join(str(n) for n in sorted(parent_level[elsewhere].unique()))
        report.warnings.append(
            f"{int(elsewhere.sum())} grids name parents of level {listed}, which this file "
            f"does not hold: those parents must already be in the project")


# ---------------------------------------------------------------------------------------------
# Geometry checks (vectorised; messages built only for the failing rows)


def check_geometry(checks: RowChecks, geoms: np.ndarray, want: str,
                   crs_missing: bool = False, skip=None) -> None:
    """Reject empty, wrongly typed, out-of-range and (for polygons) invalid geometries.

    ``want`` is "polygon" (Polygon or MultiPolygon) or "point"; rows in ``skip`` were already
    rejected for their coordinates.
    """
    geoms = np.asarray(geoms, dtype=object)
    skip = np.zeros(len(geoms), bool) if skip is None else np.asarray(skip, bool)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    checks.add(missing & ~skip, _("empty geometry"))
    type_ids = shapely.get_type_id(geoms)
    wrong_type = ~missing & ~np.isin(type_ids, (3, 6) if want == "polygon" else (0,))
    not_wanted = (_("geometry is a {type}, not a polygon") if want == "polygon" else
                  _("geometry is a {type}, not a point"))
    checks.add(wrong_type, lambda pos: [not_wanted.format(type=_TYPE_NAMES[type_ids[p]])
                                        for p in pos])
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        outside = ~missing & ((bounds[:, 0] < -180) | (bounds[:, 2] > 180)
                              | (bounds[:, 1] < -90) | (bounds[:, 3] > 90))
    checks.add(outside, lambda pos: [_range_problem(bounds[p], crs_missing) for p in pos])
    if want == "polygon":
        invalid = ~missing & ~wrong_type & ~shapely.is_valid(geoms)
        checks.add(invalid, lambda pos: [_validity_problem(reason) for reason in
                                         shapely.is_valid_reason(geoms[pos])])


def _range_problem(bounds: np.ndarray, crs_missing: bool) -> str:
    xmin, ymin, xmax, ymax = bounds
    where = (_("lon {lon:.6f}, lat {lat:.6f}").format(lon=xmin, lat=ymin)
             if (xmin, ymin) == (xmax, ymax) else
             _("lon {xmin:.6f}..{xmax:.6f}, lat {ymin:.6f}..{ymax:.6f}").format(
                 xmin=xmin, xmax=xmax, ymin=ymin, ymax=ymax))
    if -90 <= xmin and xmax <= 90 and -180 <= ymin and ymax <= 180:
        template = _("coordinates outside lon -180..180 / lat -90..90 ({where}): "
                     "lat/lon swapped?")
    elif crs_missing:
        template = _("coordinates outside lon -180..180 / lat -90..90 ({where}): projected "
                     "coordinates in a file that declares no coordinate system?")
    else:
        template = _("coordinates outside lon -180..180 / lat -90..90 ({where})")
    return template.format(where=where)


def _number(text: str) -> str:
    return f"{float(text):.6f}".rstrip("0").rstrip(".")


# GEOS's reasons (TopologyValidationError), for the catalogue; others are shown as GEOS says
_GEOS_REASONS = frozenset((
    N_("Self-intersection"), N_("Ring Self-intersection"), N_("Hole lies outside shell"),
    N_("Holes are nested"), N_("Interior is disconnected"), N_("Nested shells"),
    N_("Duplicate Rings"), N_("Too few points in geometry component"),
    N_("Invalid Coordinate"), N_("Ring is not closed"), N_("Repeated Point")))


def _validity_problem(reason: str) -> str:
    """GEOS's "Self-intersection[116.3 39.9]" -> "invalid polygon: Self-intersection at ..."."""
    match = re.fullmatch(r"(.*?)\[(\S+) (\S+)\]", reason)
    what = match[1] if match else reason
    what = _(what) if what in _GEOS_REASONS else what
    if match:
        what = _("{reason} at lon {lon}, lat {lat}").format(
            reason=what, lon=_number(match[2]), lat=_number(match[3]))
    return _("invalid polygon: {reason}").format(reason=what)


# ---------------------------------------------------------------------------------------------
# Sources


def read_sources(path: str | Path, mapping: Mapping | None = None, layer: str | None = None,
                 encoding: str | None = None, sheet: str | int | None = None,
                 defaults: Mapping | None = None) -> tuple[gpd.GeoDataFrame, ImportReport]:
    """Pollution-source points -> (schema.SOURCE_COLUMNS + geometry frame, report).

    From a vector file, or from CSV/XLSX with lon/lat (经度/纬度) columns. ``mapping`` maps
    our columns (and "lon", "lat") to the file's and may hold ``"category_values"``, whose
    ``"*"`` key sends every unknown category to one value (``{"*": "other"}``); ``defaults``
    fills a column the file lacks or leaves empty (``{"category": "industrial"}``).
    grid_code and key_grid_code may stay empty: the project assigns them by location.

    Rejects: missing or duplicate source_id, unknown category (lists the allowed ones),
    is_key not yes/no, missing lon/lat, empty or non-point geometry, coordinates outside
    lon/lat range (with "lat/lon swapped?" when they look exchanged).
    """
    check_value_targets(path, mapping, "category", schema.SOURCE_CATEGORIES)
    if Path(path).suffix.lower() in CSV_SUFFIXES + EXCEL_SUFFIXES:
        attributes, columns, report, checks, geoms, skip = _sources_from_table(
            path, mapping, sheet, defaults)
        crs_missing = False
    else:
        frame = read_vector(path, layer, encoding)
        report = start_report(path, schema.SOURCES, frame)
        attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        columns = _source_columns(path, attributes, mapping, SOURCE_NAMES, defaults)
        checks = RowChecks(np.arange(1, len(frame) + 1), attributes)
        geoms, skip = frame.geometry.values, None
        crs_missing = frame.attrs.get("crs_missing", False)
    text = field_texts(attributes, columns, SOURCE_NAMES, defaults)
    checks.add(text["source_id"].isna(), _("missing source_id"))
    checks.unique(text["source_id"], "source_id")
    category = translate(text["category"], SOURCE_CATEGORY_VALUES,
                         (mapping or {}).get("category_values"))
    checks.add(category.isna(), with_values(_(UNKNOWN_CATEGORY), text["category"],
                                            allowed=_CATEGORY_HELP))
    is_key = translate(text["is_key"], _YES_NO)
    checks.add(text["is_key"].notna() & is_key.isna(),
               with_values(_("is_key {value} is not yes/no (是/否)"), text["is_key"]))
    check_geometry(checks, geoms, "point", crs_missing, skip)
    out = pd.DataFrame({"source_id": text["source_id"], "name": text["name"],
                        "category": category, "grid_code": text["grid_code"],
                        "is_key": is_key.eq("true").fillna(False).astype(bool),
                        "key_grid_code": text["key_grid_code"], "address": text["address"],
                        "geometry": np.asarray(geoms, dtype=object)})
    good = checks.finish(out, _SOURCE_OUT, report)
    return gpd.GeoDataFrame(good, geometry="geometry", crs=_WGS84), report


def _source_columns(path, attributes: pd.DataFrame, mapping: Mapping | None,
                    names: Mapping[str, Sequence[str]], defaults: Mapping | None) -> dict:
    return resolve_columns(path, attributes.columns, mapping, names,
                           required=("source_id", "name", "category"),
                           value_columns=("category",), defaults=defaults)


def _sources_from_table(path, mapping, sheet, defaults):
    """A table with lon/lat columns: its rows as points, <None> where lon/lat are unusable."""
    table = read_table(path, sheet)
    report = start_report(path, schema.SOURCES, table)
    names = {**SOURCE_NAMES, **_POINT_NAMES}
    columns = _source_columns(path, table, mapping, names, defaults)
    if "lon" not in columns or "lat" not in columns:
        raise InputError(path, _("no geometry: a table of sources needs lon and lat columns "
                                 "(looked for {lon} and {lat}); columns found: {found}").format(
            lon=_(", ").join(_POINT_NAMES["lon"]), lat=_(", ").join(_POINT_NAMES["lat"]),
            found=_(", ").join(table.columns)))
    checks = RowChecks(table.index, table)
    text = field_texts(table, columns, _POINT_NAMES)
    lon = pd.to_numeric(text["lon"], errors="coerce").astype("float64")
    lat = pd.to_numeric(text["lat"], errors="coerce").astype("float64")
    unusable = (lon.isna() | lat.isna()).to_numpy()
    not_numbers = _("lon/lat missing or not numbers (lon {lon}, lat {lat})")
    checks.add(unusable, lambda pos: [not_numbers.format(lon=_shown(text["lon"].iloc[p]),
                                                         lat=_shown(text["lat"].iloc[p]))
                                      for p in pos])
    geoms = shapely.points(np.column_stack([lon.fillna(0), lat.fillna(0)]))
    geoms[unusable] = None
    report.notes.append("points built from the lon/lat columns "
                        f"{columns['lon']!r} and {columns['lat']!r}, as found")
    return table, columns, report, checks, geoms, unusable


def _shown(value) -> str:
    return _("(empty)") if pd.isna(value) else repr(value)
