"""How layers look: style dataclasses and category palettes, as plain data (colours are hex)."""

from __future__ import annotations

from dataclasses import dataclass

from gisapp.schema import SOURCE_CATEGORIES


@dataclass(frozen=True)
class GridStyle:
    line_color: str
    line_width: float  # pixels, whatever the zoom
    fill_color: str | None = None
    fill_opacity: float = 1.0
    label_pixel_size: int = 0  # 0: no labels for this level
    label_color: str = "#202020"
    label_bold: bool = False
    label_min_width: float = 60.0  # pixels a grid must span on screen before its name shows


# Level 1 is the district, drawn thick; the levels below get lighter as they get finer, and the
# key-source grids (level 4, small) are filled so they can be seen at district scale.
GRID_STYLES: dict[int, GridStyle] = {
    1: GridStyle("#1b2631", 3.0),
    2: GridStyle("#2e4053", 1.8, label_pixel_size=15, label_color="#1b2631", label_bold=True,
                 label_min_width=70.0),
    3: GridStyle("#7f8c8d", 0.8, label_pixel_size=12, label_color="#34495e",
                 label_min_width=90.0),
    4: GridStyle("#922b21", 1.0, fill_color="#e74c3c", fill_opacity=0.6),
}


@dataclass(frozen=True)
class SourceStyle:
    radius: float = 4.5  # pixels
    halo_color: str = "#ffffff"
    halo_width: float = 1.5  # pixels around the dot, so dots read on any background


# One colour per category (schema.SOURCE_CATEGORIES), distinct from the grids' greys.
SOURCE_COLORS: dict[str, str] = {
    "industrial": "#d7191c",         # 工业企业
    "construction_dust": "#e6a117",  # 建筑工地扬尘
    "catering_fumes": "#e7298a",     # 餐饮油烟
    "livestock": "#8c510a",          # 畜禽养殖
    "loose_coal": "#4d4d4d",         # 散煤
    "open_burning": "#ff7f00",       # 露天焚烧点
    "water_outfall": "#2c7bb6",      # 入河排污口
    "vehicle_repair": "#1a9641",     # 汽修喷涂
    "other": "#9e9ac8",
}
UNKNOWN_SOURCE_COLOR = "#bdbdbd"  # a category the schema does not (yet) list
assert set(SOURCE_COLORS) == set(SOURCE_CATEGORIES), "one colour per source category"


@dataclass(frozen=True)
class TrackStyle:
    # 1 px at most: Qt then uses its fast cosmetic line rasteriser; at 1.2 px, 5 million fixes
    # took 116 s to draw instead of 0.9 s
    line_width: float = 1.0
    max_gap_s: float = 600.0  # a longer silence breaks the line instead of joining across it
    marker_radius: float = 5.0  # pixels: an inspector's position in a replay
    # inspectors take these in turn (ColorBrewer Dark2 + Set1 without the source reds)
    colors: tuple[str, ...] = ("#1b9e77", "#7570b3", "#d95f02", "#66a61e", "#a6761d",
                               "#377eb8", "#984ea3", "#e6ab02", "#4daf4a", "#f781bf")
