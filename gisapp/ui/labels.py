"""What the stored codes (roles, levels, kinds, categories, flag kinds, column names) are called
in the interface; each marked with N_() and translated with ``label()`` when shown."""

from __future__ import annotations

from gisapp.i18n import N_, _
from gisapp.schema import SOURCE_CATEGORY_LABELS

ROLES = {
    "first_responsible": N_("First responsible"),     # 第一责任人
    "direct_responsible": N_("Direct responsible"),   # 直接责任人
    "responsible_a": N_("Responsible A"),             # A角
    "responsible_b": N_("Responsible B"),             # B角
    "inspector": N_("Inspector"),                     # 网格员
}
LEVELS = {1: N_("District"), 2: N_("Street"), 3: N_("Community"), 4: N_("Key enterprise")}
GRID_KINDS = {
    "district": N_("District"), "street": N_("Street office"), "town": N_("Town"),
    "community": N_("Community"), "village": N_("Village"),
    "industrial_park": N_("Industrial park"), "enterprise": N_("Enterprise"),
}
SOURCE_CATEGORIES = SOURCE_CATEGORY_LABELS  # the legend's names
INSPECTOR_KINDS = {"dedicated": N_("Dedicated"), "full_time": N_("Full-time"),
                   "part_time": N_("Part-time")}
FLAG_KINDS = {
    "stationary_day": N_("Stationary all day"), "copied_day": N_("Copied day"),
    "teleports": N_("Teleporting fixes"), "short_visits": N_("Just-long-enough visits"),
    "off_hours": N_("Patrol outside working hours"),
    "non_working_day": N_("Patrol on a day off"),
}
COLUMNS = {
    "grid_code": N_("Grid code"), "name": N_("Name"), "level": N_("Level"),
    "parent_code": N_("Parent grid"), "kind": N_("Kind"), "office_address": N_("Office address"),
    "source_id": N_("Source ID"), "category": N_("Category"), "is_key": N_("Key source"),
    "key_grid_code": N_("Key grid code"), "address": N_("Address"),
    "inspector_id": N_("Inspector ID"), "phone": N_("Phone"), "grids": N_("Grids"),
    "rank": N_("Rank"), "swept_share": N_("Swept"), "sources_required": N_("Required"),
    "sources_visited": N_("Visited"), "missed": N_("Missed"), "distance_km": N_("Distance (km)"),
    "patrol_hours": N_("Patrol (h)"), "active_days": N_("Days"), "flags": N_("Flags"),
    "full_sweep": N_("Full sweep"),
}


def label(table: dict, code) -> str:
    """The translated label of ``code`` in ``table``; an unknown code as it is."""
    text = table.get(code)
    return _(text) if text else ("" if code is None else str(code))


# where a column means something else in one table
TABLE_COLUMNS = {"grids": {"name": N_("Grid name")}, "sources": {"name": N_("Source name")}}


def columns(names, table: str | None = None) -> dict[str, str]:
    """Translated headers for the columns that have one (``table``: grids, sources ...)."""
    special = TABLE_COLUMNS.get(table, {})
    return {name: _(special.get(name) or COLUMNS[name]) for name in names
            if name in COLUMNS or name in special}
