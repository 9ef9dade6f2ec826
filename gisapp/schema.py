"""The project's tables: names, columns and allowed values, declared once.

Every reader produces frames with these columns; the project store writes them as they are.
Coordinates are longitude/latitude on WGS-84 (EPSG:4326), equal to CGCS2000 for this use.
"""

from __future__ import annotations

from gisapp.i18n import N_

SCHEMA_VERSION = 2
STORAGE_CRS = "EPSG:4326"

# GeoPackage layer names
GRIDS = "grids"
SOURCES = "sources"
INSPECTORS = "inspectors"
ASSIGNMENTS = "assignments"
INCIDENTS = "incidents"
HISTORY = "history"
META = "project_meta"
TRACK_PARTITIONS = "track_partitions"
IMPORTS = "imports"

GRID_LEVELS = {1: "district", 2: "street", 3: "community", 4: "key_enterprise"}
# kind refines the level: a level-2 grid is a street office or a town, a level-3 grid a
# community, a village or an industrial park (seed 003).
GRID_KINDS = ("district", "street", "town", "community", "village", "industrial_park",
              "enterprise")

SOURCE_CATEGORIES = (
    "industrial",         # 工业企业
    "construction_dust",  # 建筑工地扬尘
    "catering_fumes",     # 餐饮油烟
    "livestock",          # 畜禽养殖
    "loose_coal",         # 散煤
    "open_burning",       # 露天焚烧点
    "water_outfall",      # 入河排污口
    "vehicle_repair",     # 汽修喷涂
    "other",
)
# what maps, tables and reports call each category (English source strings; shown through _())
SOURCE_CATEGORY_LABELS: dict[str, str] = {
    "industrial": N_("Industrial enterprises"),
    "construction_dust": N_("Construction-site dust"),
    "catering_fumes": N_("Catering fumes"),
    "livestock": N_("Livestock farms"),
    "loose_coal": N_("Loose coal"),
    "open_burning": N_("Open burning"),
    "water_outfall": N_("Outfalls into rivers"),
    "vehicle_repair": N_("Vehicle repair and spraying"),
    "other": N_("Other sources"),
}
assert set(SOURCE_CATEGORY_LABELS) == set(SOURCE_CATEGORIES), "one label per source category"

INSPECTOR_KINDS = ("dedicated", "full_time", "part_time")  # 专属 / 专职 / 兼职

ASSIGNMENT_ROLES = (
    "first_responsible",   # 第一责任人
    "direct_responsible",  # 直接责任人
    "responsible_a",       # A角
    "responsible_b",       # B角
    "inspector",           # 网格员
)

# column -> pandas dtype (geometry columns are not listed: "geometry")
GRID_COLUMNS = {
    "grid_code": "string", "name": "string", "level": "int64", "parent_code": "string",
    "kind": "string", "office_address": "string",
}
SOURCE_COLUMNS = {
    "source_id": "string", "name": "string", "category": "string", "grid_code": "string",
    "is_key": "bool", "key_grid_code": "string", "address": "string",
}
INSPECTOR_COLUMNS = {
    "inspector_id": "string", "name": "string", "kind": "string", "phone": "string",
}
# valid_from/valid_to are ISO dates (YYYY-MM-DD); valid_to empty = still valid.
ASSIGNMENT_COLUMNS = {
    "grid_code": "string", "role": "string", "inspector_id": "string",
    "person_name": "string", "phone": "string", "valid_from": "string", "valid_to": "string",
}
INCIDENT_COLUMNS = {
    "incident_id": "string", "reported_at": "string", "category": "string",
    "description": "string", "grid_code": "string", "inspector_id": "string",
    "status": "string",
}
HISTORY_COLUMNS = {
    "edit_id": "int64", "at": "string", "user": "string", "action": "string",
    "table_name": "string", "feature_id": "string", "before": "string", "after": "string",
}

# Track partitions (GeoParquet beside the GeoPackage, one folder per month):
#   inspector_id  string
#   time          timestamp[ms, tz=UTC]
#   geometry      struct<x: double, y: double>   GeoArrow "point" encoding, EPSG:4326
#   accuracy_m    float32 (null when unknown)
# sorted by inspector_id, then time.
TRACK_TIMEZONE = "Asia/Shanghai"
