"""What a meeting report (月度通报会) shows, built once from a month's coverage and shared by
the PDF (gisapp.layers.page), the offline HTML map and the XLSX workbook: the tables (per
street, per grid, missed sources, responsible persons), each source's state, the patrol tracks
simplified for drawing, and the swept area as a polygon.

    data = build_report_data(project, "2026-10", progress=bar)      # coverage included
    data.streets, data.grid_table, data.missed, data.bulletin ...   # headers in data.language

Tables keep plain column ids (``street``, ``swept_share`` ...); :func:`present` turns one into
the table people read, with headers and values in Chinese or English.

Drawing units: tracks and the swept area are computed on a local equirectangular plane (x =
lon · cos φ0 · 111 320 m, y = lat · 110 574 m): within a district its scale errs by well under
1 %, and it converts back to lon/lat exactly, so simplified vertices stay true fixes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from gisapp.coverage import CoverageParams, CoverageResult, compute_coverage, rasterize
from gisapp.errors import InputError
from gisapp.i18n import N_
from gisapp.inspectors import ROLE_LABELS
from gisapp.progress import Progress, step
from gisapp.schema import SOURCE_CATEGORY_LABELS
from gisapp.scoring.language import translator
from gisapp.scoring.periods import month_bounds, parse_month, quarter_months
from gisapp.tracks import clean_track, sorted_local_day

TRACK_TOLERANCE_M = 5.0  # Douglas-Peucker tolerance of drawn tracks: a few metres
SWEPT_CELL_M = 10.0  # raster cell of the drawn swept area (the engine's cell)
_SHANGHAI = dt.timezone(dt.timedelta(hours=8))
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0

VISITED, MISSED, OTHER = "visited", "missed", "other"
SOURCE_STATES = {VISITED: N_("Visited"), MISSED: N_("Missed"), OTHER: N_("Not required")}

# column id -> English header (the catalogue has the Chinese)
HEADERS = {
    "street_code": N_("Street code"),
    "street": N_("Street"),
    "grid_code": N_("Grid code"),
    "grid": N_("Grid"),
    "grids": N_("Number of grids"),
    "inspectors": N_("Inspectors"),
    "grid_area_km2": N_("Grid area (km²)"),
    "swept_area_km2": N_("Area swept (km²)"),
    "swept_percent": N_("Grid area swept (%)"),
    "sources_required": N_("Sources to visit"),
    "sources_visited": N_("Sources visited"),
    "visited_percent": N_("Sources visited (%)"),
    "full_sweeps": N_("Grids fully swept"),
    "full_sweep": N_("Full sweep"),
    "missed": N_("Missed sources"),
    "missed_source_names": N_("Missed sources"),
    "distance_inside_km": N_("Patrol distance (km)"),
    "patrol_hours_inside": N_("Patrol time (h)"),
    "inspector_id": N_("Inspector ID"),
    "inspector": N_("Inspector"),
    "source_id": N_("Source ID"),
    "source": N_("Source"),
    "category": N_("Category"),
    "address": N_("Address"),
    "required_days": N_("Days required"),
}


# ---- tracks ---------------------------------------------------------------------------------
@dataclass
class TrackLines:
    """Cleaned patrol tracks simplified for drawing: one polyline per session piece within a
    local day. ``lines`` has inspector_id, date (YYYY-MM-DD), start and stop (into ``lon`` /
    ``lat``), fixes (cleaned fixes before simplifying), length_km."""

    lines: pd.DataFrame
    lon: np.ndarray
    lat: np.ndarray
    fixes: int = 0
    tolerance_m: float = TRACK_TOLERANCE_M
    _bounds: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def empty(cls) -> TrackLines:
        lines = pd.DataFrame({"inspector_id": pd.Series(dtype="string"),
                              "date": pd.Series(dtype="string"),
                              "start": pd.Series(dtype="int64"), "stop": pd.Series(dtype="int64"),
                              "fixes": pd.Series(dtype="int64"),
                              "length_km": pd.Series(dtype="float64")})
        return cls(lines, np.empty(0), np.empty(0))

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def vertices(self) -> int:
        return int(len(self.lon))

    @property
    def bounds(self) -> np.ndarray:
        """(n, 4) lon/lat bounds of every line."""
        if self._bounds is None:
            starts = self.lines["start"].to_numpy(np.int64)
            if len(starts):
                self._bounds = np.column_stack([
                    np.minimum.reduceat(self.lon, starts), np.minimum.reduceat(self.lat, starts),
                    np.maximum.reduceat(self.lon, starts), np.maximum.reduceat(self.lat, starts)])
            else:
                self._bounds = np.empty((0, 4))
        return self._bounds

    def select(self, rows: np.ndarray) -> TrackLines:
        """The lines at positions ``rows`` (vertices renumbered)."""
        rows = np.asarray(rows, np.int64)
        starts = self.lines["start"].to_numpy(np.int64)[rows]
        stops = self.lines["stop"].to_numpy(np.int64)[rows]
        counts = stops - starts
        index = (np.repeat(starts - np.cumsum(counts) + counts, counts)
                 + np.arange(int(counts.sum())))
        lines = self.lines.iloc[rows].reset_index(drop=True)
        new_starts = np.cumsum(counts) - counts
        lines["start"], lines["stop"] = new_starts, new_starts + counts
        return TrackLines(lines, self.lon[index], self.lat[index], self.fixes, self.tolerance_m)

    def of(self, inspector_ids) -> TrackLines:
        wanted = self.lines["inspector_id"].isin(list(inspector_ids)).to_numpy(bool)
        return self.select(np.flatnonzero(wanted))

    def within(self, bounds) -> TrackLines:
        """The lines whose box meets the lon/lat box ``bounds`` (minx, miny, maxx, maxy)."""
        b = self.bounds
        hit = ((b[:, 0] <= bounds[2]) & (b[:, 2] >= bounds[0])
               & (b[:, 1] <= bounds[3]) & (b[:, 3] >= bounds[1]))
        return self.select(np.flatnonzero(hit))

    def geometries(self) -> np.ndarray:
        """One shapely LineString (lon/lat) per line."""
        if not len(self.lines):
            return np.empty(0, object)
        counts = (self.lines["stop"] - self.lines["start"]).to_numpy(np.int64)
        return shapely.linestrings(np.column_stack([self.lon, self.lat]),
                                   indices=np.repeat(np.arange(len(counts)), counts))


def simplified_tracks(project, start: dt.date, end: dt.date,
                      params: CoverageParams = CoverageParams(),
                      tolerance_m: float = TRACK_TOLERANCE_M, inspectors=None,
                      progress: Progress | None = None) -> TrackLines:
    """The month's tracks cleaned as the coverage engine cleans them, cut into one line per
    session and local day, and simplified (Douglas-Peucker, ``tolerance_m``) per line: a
    district month of ~2 million fixes becomes ~1.3 million vertices at 5 m (GPS jitter is
    about that size), ~0.2 million at 15 m."""
    start_at = dt.datetime.combine(start, dt.time(), _SHANGHAI)
    end_at = dt.datetime.combine(end, dt.time(), _SHANGHAI)
    fixes = project.fixes(start=start_at, end=end_at, inspectors=inspectors)
    return simplify_fixes(fixes, params, tolerance_m, progress)


def simplify_fixes(fixes, params: CoverageParams = CoverageParams(),
                   tolerance_m: float = TRACK_TOLERANCE_M,
                   progress: Progress | None = None) -> TrackLines:
    """:func:`simplified_tracks` of fixes already read (any inspectors, any order)."""
    if not len(fixes):
        return TrackLines.empty()
    plane = _Plane.around(float(np.median(fixes.lat[:: max(1, len(fixes) // 1000)])))
    order = np.argsort(fixes.inspector, kind="stable")
    codes = fixes.inspector[order]
    cuts = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    groups = np.split(order, cuts)
    parts, rows, total = [], [], 0
    for k, group in enumerate(groups):
        step(progress, k, len(groups), str(fixes.inspector_ids[codes[0] if k == 0 else
                                                               codes[cuts[k - 1]]]))
        track = clean_track(fixes.take(group), params.cleaning)
        total += len(track)
        lines, lon, lat = _simplified_lines(track, plane, tolerance_m)
        if len(lines):
            lines["start"] += sum(len(p[0]) for p in parts)
            lines["stop"] += sum(len(p[0]) for p in parts)
            parts.append((lon, lat))
            rows.append(lines)
    step(progress, len(groups), len(groups), "")
    if not rows:
        return TrackLines.empty()
    lines = pd.concat(rows, ignore_index=True)
    lines["inspector_id"] = lines["inspector_id"].astype("string")
    lines["date"] = lines["date"].astype("string")
    return TrackLines(lines, np.concatenate([p[0] for p in parts]),
                      np.concatenate([p[1] for p in parts]), total, tolerance_m)


def _simplified_lines(track, plane: _Plane, tolerance_m: float):
    """One line per (session, day) of ``track`` with at least two fixes, simplified."""
    if len(track) < 2:
        return pd.DataFrame(), np.empty(0), np.empty(0)
    day = sorted_local_day(track.time_ms)
    new = np.r_[True, (track.session[1:] != track.session[:-1]) | (day[1:] != day[:-1])]
    piece = np.cumsum(new) - 1
    counts = np.bincount(piece)
    keep = counts[piece] >= 2
    if not keep.any():
        return pd.DataFrame(), np.empty(0), np.empty(0)
    piece = np.unique(piece[keep], return_inverse=True)[1]
    x, y = plane.forward(track.lon[keep], track.lat[keep])
    lines = shapely.linestrings(np.column_stack([x, y]), indices=piece)
    length_km = shapely.length(lines) / 1000
    if tolerance_m > 0:
        lines = shapely.simplify(lines, tolerance_m, preserve_topology=False)
    xy, line = shapely.get_coordinates(lines, return_index=True)
    counts = np.bincount(line, minlength=len(lines))
    starts = np.cumsum(counts) - counts
    first = np.flatnonzero(np.r_[True, piece[1:] != piece[:-1]])
    dates = (day[keep][first]).astype("datetime64[D]").astype(str)
    frame = pd.DataFrame({"inspector_id": track.inspector_id, "date": dates,
                          "start": starts.astype(np.int64),
                          "stop": (starts + counts).astype(np.int64),
                          "fixes": np.bincount(piece).astype(np.int64),
                          "length_km": length_km})
    lon, lat = plane.inverse(xy[:, 0], xy[:, 1])
    return frame, lon, lat


@dataclass(frozen=True)
class _Plane:
    """Local equirectangular metres (see the module docstring)."""

    kx: float
    ky: float = _M_PER_DEG_LAT

    @classmethod
    def around(cls, lat0: float) -> _Plane:
        return cls(_M_PER_DEG_LON * float(np.cos(np.radians(lat0))))

    def forward(self, lon, lat):
        return np.asarray(lon, float) * self.kx, np.asarray(lat, float) * self.ky

    def inverse(self, x, y):
        return np.asarray(x, float) / self.kx, np.asarray(y, float) / self.ky

    def geometry(self, geometry, inverse: bool = False):
        fx = (1 / self.kx, 1 / self.ky) if inverse else (self.kx, self.ky)
        return shapely.transform(geometry, lambda xy: xy * np.asarray(fx))


# ---- swept area -----------------------------------------------------------------------------
def swept_geometry(tracks: TrackLines, grid_geometries, radius_m: float = 50.0,
                   cell_m: float = SWEPT_CELL_M):
    """The area within ``radius_m`` of the tracks, clipped to ``grid_geometries`` (lon/lat),
    as one lon/lat (multi)polygon for drawing.

    Buffering a month of self-crossing lines in GEOS takes minutes, so the area is found on
    a raster as the engine finds it (cells of ``cell_m`` whose centre lies within the radius:
    points every ``cell_m`` along the lines, then a distance transform), and turned back into
    polygons from the runs of swept cells on each row, merged and smoothed by half a cell.
    """
    grid_geometries = [g for g in np.atleast_1d(np.asarray(grid_geometries, dtype=object))
                       if g is not None and not shapely.is_empty(g)]
    if not len(tracks) or not grid_geometries:
        return shapely.Polygon()
    plane = _Plane.around(float(np.mean(tracks.lat)))
    area = plane.geometry(shapely.union_all(grid_geometries))
    minx, miny, maxx, maxy = area.bounds
    pad = int(np.ceil(radius_m / cell_m)) + 1
    j0, i0 = int(np.floor(minx / cell_m)) - pad, int(np.floor(miny / cell_m)) - pad
    width = int(np.ceil(maxx / cell_m)) + pad - j0
    height = int(np.ceil(maxy / cell_m)) + pad - i0
    inside = rasterize(area, cell_m, i0, j0, height, width)
    marked = np.zeros((height, width), bool)
    x, y = plane.forward(tracks.lon, tracks.lat)
    sx, sy = _samples(x, y, tracks.lines["start"].to_numpy(np.int64), cell_m)
    col = np.floor(sx / cell_m).astype(np.int64) - j0
    row = np.floor(sy / cell_m).astype(np.int64) - i0
    ok = (col >= 0) & (col < width) & (row >= 0) & (row < height)
    marked[row[ok], col[ok]] = True
    if not marked.any():
        return shapely.Polygon()
    swept = (ndimage.distance_transform_edt(~marked, sampling=cell_m) <= radius_m) & inside
    polygon = _cells_to_polygon(swept, i0, j0, cell_m)
    polygon = shapely.simplify(polygon, cell_m / 2)
    polygon = shapely.intersection(polygon, area)  # cells overhang the grids' edges
    return plane.geometry(polygon, inverse=True)


def _samples(x: np.ndarray, y: np.ndarray, starts: np.ndarray, spacing: float):
    """Points every ``spacing`` (or closer) along each polyline, vertices included."""
    if len(x) < 2:
        return x, y
    within = np.ones(len(x) - 1, bool)
    within[starts[1:] - 1] = False  # no step from one line's end to the next line's start
    dx, dy = np.diff(x)[within], np.diff(y)[within]
    x0, y0 = x[:-1][within], y[:-1][within]
    n = np.maximum(np.ceil(np.hypot(dx, dy) / spacing).astype(np.int64), 1)
    seg = np.repeat(np.arange(len(n)), n)
    t = (np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)) / n[seg]
    return (np.concatenate([x0[seg] + t * dx[seg], x]),
            np.concatenate([y0[seg] + t * dy[seg], y]))


def _cells_to_polygon(mask: np.ndarray, i0: int, j0: int, cell: float):
    """The union of the true cells: each row's runs as boxes, merged as a coverage."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), np.int8)
    padded[:, 1:-1] = mask
    change = np.diff(padded, axis=1)
    rows, begins = np.nonzero(change == 1)
    _rows, ends = np.nonzero(change == -1)  # same order: row by row, left to right
    if not len(rows):
        return shapely.Polygon()
    boxes = shapely.box((j0 + begins) * cell, (i0 + rows) * cell, (j0 + ends) * cell,
                        (i0 + rows + 1) * cell)
    return shapely.coverage_union_all(boxes)


# ---- tables ---------------------------------------------------------------------------------
def grid_coverage(grid_rows: pd.DataFrame, grids: pd.DataFrame) -> pd.DataFrame:
    """``CoverageResult.grids`` with the street each grid lies in and the shares as
    percentages: grid_code, grid, level, street_code, street, inspectors, grid_area_km2,
    swept_area_km2, swept_percent, sources_required, sources_visited, visited_percent,
    full_sweep, missed_source_names, distance_inside_km, patrol_hours_inside; by code."""
    streets = _street_of(grids)
    names = dict(zip(grids["grid_code"].astype(str), grids["name"].astype("string")))
    rows = grid_rows.sort_values("grid_code").reset_index(drop=True)
    codes = rows["grid_code"].astype(str)
    street_codes = codes.map(streets).astype("string")
    return pd.DataFrame({
        "grid_code": codes.astype("string"),
        "grid": rows["name"].astype("string"),
        "level": rows["level"].astype("int64"),
        "street_code": street_codes,
        "street": street_codes.map(names).astype("string"),
        "inspectors": rows["inspectors"].astype("string"),
        "grid_area_km2": rows["grid_area_km2"].astype(float).round(3),
        "swept_area_km2": rows["swept_area_km2"].astype(float).round(3),
        "swept_percent": (rows["swept_share"].astype(float) * 100).round(1),
        "sources_required": rows["sources_required"].astype("int64"),
        "sources_visited": rows["sources_visited"].astype("int64"),
        "visited_percent": _percent(rows["sources_visited"], rows["sources_required"]),
        "full_sweep": rows["full_sweep"].astype("boolean"),
        "missed_source_names": rows["missed_source_names"].fillna("").astype("string"),
        "distance_inside_km": rows["distance_inside_km"].astype(float).round(1),
        "patrol_hours_inside": rows["patrol_hours_inside"].astype(float).round(1),
    })


def street_coverage(grid_table: pd.DataFrame) -> pd.DataFrame:
    """One row per street from :func:`grid_coverage` (its level-3 grids; level-2 rows where
    a project assigns inspectors to streets): street_code, street, grids, grid_area_km2,
    swept_area_km2, swept_percent (area-weighted), sources_required, sources_visited,
    visited_percent, full_sweeps, missed; in street-code order."""
    rows = grid_table[grid_table["level"] == 3]
    if rows.empty:
        rows = grid_table[grid_table["level"] == 2].assign(
            street_code=lambda t: t["grid_code"], street=lambda t: t["grid"])
    rows = rows.assign(street_code=rows["street_code"].fillna(""),
                       street=rows["street"].fillna(""),
                       _sweep=rows["full_sweep"].fillna(False).astype(bool),
                       _missed=rows["sources_required"] - rows["sources_visited"])
    grouped = rows.groupby(["street_code", "street"], sort=True)
    out = grouped.agg(grids=("grid_code", "size"), grid_area_km2=("grid_area_km2", "sum"),
                      swept_area_km2=("swept_area_km2", "sum"),
                      sources_required=("sources_required", "sum"),
                      sources_visited=("sources_visited", "sum"),
                      full_sweeps=("_sweep", "sum"), missed=("_missed", "sum")).reset_index()
    out["swept_percent"] = (out["swept_area_km2"] / out["grid_area_km2"].where(
        out["grid_area_km2"] > 0) * 100).round(1)
    out["visited_percent"] = _percent(out["sources_visited"], out["sources_required"])
    for c in ("grid_area_km2", "swept_area_km2"):
        out[c] = out[c].round(3)
    for c in ("grids", "sources_required", "sources_visited", "full_sweeps", "missed"):
        out[c] = out[c].astype("int64")
    for c in ("street_code", "street"):
        out[c] = out[c].astype("string")
    return out[["street_code", "street", "grids", "grid_area_km2", "swept_area_km2",
                "swept_percent", "sources_required", "sources_visited", "visited_percent",
                "full_sweeps", "missed"]]


def missed_sources(missed: pd.DataFrame, sources: pd.DataFrame, inspectors: pd.DataFrame,
                   grids: pd.DataFrame, language: str | None = "zh_CN") -> pd.DataFrame:
    """Every missed (inspector, source): street, grid, inspector, source id, name, category
    (in ``language``), address, days required; by street, grid, inspector, source."""
    _ = translator(language)
    streets = _street_of(grids)
    names = dict(zip(grids["grid_code"].astype(str), grids["name"].astype(str)))
    people = dict(zip(inspectors["inspector_id"].astype(str), inspectors["name"].astype(str)))
    info = sources.assign(source_id=sources["source_id"].astype(str)).set_index("source_id")
    ids = missed["source_id"].astype(str)
    grid_codes = missed["grid_code"].astype(str)
    category = ids.map(info["category"]).astype("string").fillna("")
    table = pd.DataFrame({
        "street": grid_codes.map(streets).map(names).astype("string"),
        "grid_code": grid_codes.astype("string"),
        "grid": grid_codes.map(names).astype("string"),
        "inspector_id": missed["inspector_id"].astype("string"),
        "inspector": missed["inspector_id"].astype(str).map(people).astype("string"),
        "source_id": ids.astype("string"),
        "source": missed["source_name"].astype("string"),
        "category": category.map(lambda c: _(CATEGORY_LABELS[c]) if c in CATEGORY_LABELS
                                 else c).astype("string"),
        "address": ids.map(info["address"]).astype("string"),
        "required_days": missed["required_days"].astype("int64"),
    })
    return table.sort_values(["grid_code", "inspector_id", "source_id"]).reset_index(drop=True)


def source_states(sources: pd.DataFrame, result: CoverageResult) -> pd.Series:
    """visited / missed / other per source (by position): missed when a grid's inspectors
    did not visit it, visited when someone visited it as required, other when no one had to."""
    ids = sources["source_id"].astype(str)
    missed = {s for text in result.grids["missed_source_ids"].fillna("")
              for s in str(text).split("; ") if s}
    visited = set(result.visits["source_id"].astype(str))
    state = np.where(ids.isin(missed), MISSED, np.where(ids.isin(visited), VISITED, OTHER))
    return pd.Series(state, index=sources.index, name="state")


def grid_persons(assignments: pd.DataFrame, grid_codes, start: dt.date, last: dt.date,
                 ) -> pd.DataFrame:
    """Who answered for each grid during [start, last]: grid_code, role, name, phone; in
    schema role order, then by name (a mid-month change lists both persons)."""
    a = assignments
    first, final = start.isoformat(), last.isoformat()
    valid_from = a["valid_from"].astype("string").fillna("").str.slice(0, 10)
    valid_to = a["valid_to"].astype("string").fillna("").str.slice(0, 10)
    valid = (valid_from <= final) & ((valid_to == "") | (valid_to >= first))
    a = a[valid.to_numpy(bool) & a["grid_code"].astype(str).isin(set(map(str, grid_codes)))]
    names = a["person_name"].astype("string").fillna(a["inspector_id"].astype("string"))
    frame = pd.DataFrame({"grid_code": a["grid_code"].astype(str).to_numpy(),
                          "role": a["role"].astype(str).to_numpy(),
                          "name": names.fillna("").astype(str).to_numpy(),
                          "phone": a["phone"].astype("string").fillna("").astype(str).to_numpy()})
    rank = {role: k for k, role in enumerate(ROLE_LABELS)}
    frame["_rank"] = frame["role"].map(rank).fillna(len(rank))
    frame = frame.drop_duplicates(["grid_code", "role", "name"])
    return frame.sort_values(["grid_code", "_rank", "name"]).drop(columns="_rank") \
        .reset_index(drop=True)


def present(table: pd.DataFrame, language: str | None = "zh_CN",
            columns: list[str] | None = None) -> pd.DataFrame:
    """The table people read: ``columns`` (default: all that have a header) with headers in
    ``language``, full_sweep as 是/否."""
    _ = translator(language)
    columns = [c for c in (columns or list(table.columns)) if c in HEADERS and c in table]
    out = table[columns].copy()
    if "full_sweep" in out:
        out["full_sweep"] = out["full_sweep"].astype("boolean").map(
            {True: _("yes"), False: _("no")}).astype("string")
    return out.rename(columns={c: _(HEADERS[c]) for c in columns})


CATEGORY_LABELS = SOURCE_CATEGORY_LABELS  # what each source category is called


# ---- everything at once -----------------------------------------------------------------------
@dataclass
class ReportData:
    """Everything the report's outputs show for one month, in ``language``.

    Frames with column ids (see :func:`present`): grid_table, streets, missed. Frames ready to
    print (headers in ``language``): bulletin, quarter (None without scores), division.
    """

    project_name: str
    district: str
    month: str
    start: dt.date
    end: dt.date  # excluded
    created: dt.date
    language: str
    coverage: CoverageResult
    grids: pd.DataFrame  # the project's grids (GeoDataFrame, EPSG:4326)
    sources: pd.DataFrame  # the project's sources with a ``state`` column
    inspectors: pd.DataFrame
    persons: pd.DataFrame  # grid_persons of every grid
    grid_table: pd.DataFrame
    streets: pd.DataFrame
    missed: pd.DataFrame
    bulletin: pd.DataFrame
    bulletin_title: str
    quarter: pd.DataFrame | None
    quarter_title: str
    division: pd.DataFrame
    grade_colours: dict = field(default_factory=dict)
    tracks: TrackLines | None = None
    swept: object = None  # shapely lon/lat geometry, or None when not computed
    notes: list[str] = field(default_factory=list)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def inspector_names(self) -> dict[str, str]:
        return dict(zip(self.inspectors["inspector_id"].astype(str),
                        self.inspectors["name"].astype("string").fillna("").astype(str)))

    def grid_row(self, grid_code: str) -> dict | None:
        rows = self.grid_table[self.grid_table["grid_code"] == grid_code]
        return rows.iloc[0].to_dict() if len(rows) else None


def build_report_data(project, month: str, *, language: str = "zh_CN", rules=None,
                      sheet=None, tracks: bool = True, swept: bool = True,
                      tolerance_m: float = TRACK_TOLERANCE_M, today: dt.date | None = None,
                      progress: Progress | None = None) -> ReportData:
    """Coverage of ``month`` and every table and geometry the report draws from it.

    ``rules``: a rule set name or path (default: the project's); ``sheet``: the bureau's
    filled sheet of the month (without it scores are provisional). ``tracks``/``swept``:
    also read and simplify the tracks / draw the swept area (the HTML map and the atlas
    need the tracks; the district map the swept area). Progress runs through four stages.
    """
    from gisapp.parameters import coverage_params, rule_set_name
    from gisapp.reports.bulletin import bulletin_title, monthly_bulletin, quarter_title
    from gisapp.reports.division import division_table
    from gisapp.reports.ranking import quarter_table
    from gisapp.scoring import load_rule_set, rank_quarter, read_sheet, score_month
    from gisapp.scoring.new_sources import new_sources_missed

    month = parse_month(month)
    start, end = month_bounds(month)
    months_with_fixes = {p.month for p in project.partitions}
    if month not in months_with_fixes:
        raise InputError(project.path, f"{month} has no patrol tracks in the project "
                                       f"(months with tracks: "
                                       f"{', '.join(sorted(months_with_fixes)) or 'none'})")
    params = coverage_params(project.meta)
    stages = 4

    def staged(stage: int):
        def report(done, total, text=""):
            step(progress, stage * 1000 + int(1000 * done / max(total, 1)), stages * 1000, text)
        return report

    result = compute_coverage(project, start, end, params, progress=staged(0))
    rule_set = load_rule_set(rules or rule_set_name(project.meta))
    filled = read_sheet(sheet, rule_set) if sheet else None
    new_missed = new_sources_missed(project.history, result.missed, start, end)
    scores = score_month(result.inspectors, filled, rule_set, month, result.flags, new_missed,
                         language=language)
    quarter, quarter_label = _quarter(project, month, scores, rule_set, params, language,
                                      staged(1), rank_quarter)
    grids = project.grids
    grid_table = grid_coverage(result.grids, grids)
    sources = project.sources.copy()
    sources["state"] = source_states(sources, result).to_numpy()
    district = grids.loc[grids["level"] == 1, "name"].astype(str)
    data = ReportData(
        project_name=str(project.meta.get("name") or project.path.stem),
        district=str(district.iloc[0]) if len(district) else str(project.meta.get("name", "")),
        month=month, start=start, end=end, created=today or dt.date.today(),
        language=language, coverage=result, grids=grids, sources=sources,
        inspectors=project.inspectors,
        persons=grid_persons(project.assignments, grids["grid_code"], start,
                             end - dt.timedelta(days=1)),
        grid_table=grid_table, streets=street_coverage(grid_table),
        missed=missed_sources(result.missed, project.sources, project.inspectors, grids,
                              language),
        bulletin=monthly_bulletin(result.inspectors, scores, language=language),
        bulletin_title=bulletin_title(month, language=language),
        quarter=quarter_table(quarter, language) if quarter is not None else None,
        quarter_title=quarter_title(quarter_label, language=language),
        division=division_table(project, end - dt.timedelta(days=1), language),
        grade_colours=rule_set.grade_colours(language), notes=list(result.notes))
    if tracks or swept:
        data.tracks = simplified_tracks(project, start, end, params, tolerance_m,
                                        progress=staged(2))
    if swept:
        step(progress, 3000, stages * 1000, "swept area")
        assigned = grids[grids["grid_code"].isin(result.grids["grid_code"])]
        data.swept = swept_geometry(data.tracks, assigned.geometry.values,
                                    params.swept_radius_m)
    if not tracks:
        data.tracks = None
    step(progress, stages * 1000, stages * 1000, "")
    return data


def _quarter(project, month, scores, rule_set, params, language, progress, rank_quarter):
    """The quarter's ranking so far: the months of the quarter up to ``month`` that have
    tracks (``month`` itself already scored)."""
    from gisapp.scoring import score_month
    year, number = int(month[:4]), (int(month[5:7]) - 1) // 3 + 1
    label = f"{year}Q{number}"
    with_fixes = {p.month for p in project.partitions}
    earlier = [m for m in quarter_months(label) if m < month and m in with_fixes]
    monthly = [scores]
    for k, other in enumerate(earlier):
        start, end = month_bounds(other)
        result = compute_coverage(project, start, end, params)
        monthly.append(score_month(result.inspectors, None, rule_set, other, result.flags,
                                   language=language))
        step(progress, k + 1, len(earlier), other)
    step(progress, 1, 1, "")
    ranked = rank_quarter(pd.concat(monthly, ignore_index=True), rule_set, label,
                          language=language)
    return ranked, label


def _percent(part, whole) -> pd.Series:
    part = pd.Series(part).astype(float).reset_index(drop=True)
    whole = pd.Series(whole).astype(float).reset_index(drop=True)
    return (part / whole.where(whole > 0) * 100).round(1)


def _street_of(grids: pd.DataFrame) -> dict[str, str]:
    """grid code -> the code of its level-2 ancestor (itself for a level-2 grid)."""
    codes = grids["grid_code"].astype(str).to_numpy()
    parents = dict(zip(codes, grids["parent_code"].astype("string").fillna("").astype(str)))
    levels = dict(zip(codes, grids["level"].astype(int)))
    out = {}
    for code in codes:
        seen, current = set(), code
        while current and current not in seen and levels.get(current, 0) > 2:
            seen.add(current)
            current = parents.get(current, "")
        if levels.get(current) == 2:
            out[code] = current
    return out
