"""The month's coverage as one offline interactive map (folium / Leaflet): grids by level with
the community grids coloured by coverage, the patrol tracks, the sources visited, missed and
not required, the swept area, popups with the figures, a layer control and a legend.

It works with no network at all: Leaflet's script and style (resources/web/leaflet, BSD-2,
with its images turned into data: URIs) are written into the file instead of folium's CDN
links, and a basemap, when asked for, is copied out of the user's MBTiles file or tile cache
into a folder beside the file (``<name>_files/tiles/z/x/y.png``).

Every text that came from the user's data (names, addresses) reaches the page as JSON inside a
script (``<``, ``>``, ``&`` and ``'`` escaped) and is shown with ``textContent``, never as
HTML, so a source named ``<img src=x onerror=alert(1)>`` reads as exactly that.

Tracks are the cleaned fixes cut per session and day and simplified by a few metres
(gisapp.reports.report_tables.simplified_tracks), then written as Google encoded polylines
(about four bytes a vertex instead of forty as GeoJSON numbers) that a few lines of script
decode: a district month stays a few megabytes and opens in a second.

    write_report_html("地图_2026-10.html", build_report_data(project, "2026-10"))
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from gisapp.errors import InputError
from gisapp.i18n import N_
from gisapp.inspectors import ROLE_LABELS
from gisapp.progress import Progress, step
from gisapp.reports.report_tables import (CATEGORY_LABELS, MISSED, OTHER, VISITED, ReportData,
                                          TrackLines)
from gisapp.reports.xlsx import atomic_target
from gisapp.scoring.language import translator

WEB_DIR = Path(__file__).resolve().parents[2] / "resources" / "web"
LEAFLET_DIR = WEB_DIR / "leaflet"

# coverage classes (share lower bounds) and their fills: red (little) to green (all)
COVERAGE_BREAKS = (0.0, 0.6, 0.75, 0.85, 0.95)
COVERAGE_COLOURS = ("#d73027", "#fc8d59", "#fee08b", "#d9ef8b", "#66bd63")
NO_DATA_COLOUR = "#d9d9d9"
VISITED_COLOUR = "#1a9850"
MISSED_COLOUR = "#e31a1c"
MISSED_RING = "#5c0000"
OTHER_COLOUR = "#969696"
SWEPT_COLOUR = "#2166ac"
TRACK_COLOURS = ("#1b9e77", "#7570b3", "#d95f02", "#66a61e", "#a6761d", "#377eb8",
                 "#984ea3", "#e6ab02", "#4daf4a", "#f781bf")
GRID_LINES = {1: ("#1b2631", 3.0), 2: ("#2e4053", 2.0), 3: ("#5d6d7e", 0.8),
              4: ("#922b21", 1.0)}
COLOUR_BY = {"swept": N_("Grid area swept (%)"), "visited": N_("Sources visited (%)")}
COORDINATE_DIGITS = 6  # lon/lat in GeoJSON: 0.1 m
POLYLINE_PRECISION = 1e5  # encoded tracks: about a metre


def coverage_class(share) -> np.ndarray:
    """Class index (0 … 4) of coverage shares (0 … 1); -1 for a missing share.

    >>> coverage_class([0.2, 0.6, 0.9, 1.0, float("nan")]).tolist()
    [0, 1, 3, 4, -1]
    """
    share = np.asarray(share, float)
    k = np.searchsorted(np.asarray(COVERAGE_BREAKS), share, side="right") - 1
    return np.where(np.isnan(share), -1, k)


def coverage_class_labels() -> list[str]:
    """'< 60 %', '60 – 75 %', … '≥ 95 %'."""
    bounds = [f"{b * 100:g}" for b in COVERAGE_BREAKS[1:]]
    return ([f"< {bounds[0]} %"] + [f"{a} – {b} %" for a, b in zip(bounds, bounds[1:])]
            + [f"≥ {bounds[-1]} %"])


def coverage_share(grid_table: pd.DataFrame, colour_by: str = "swept") -> pd.Series:
    """The share (0 … 1) that colours each grid: of its area swept, or of its sources visited."""
    column = {"swept": "swept_percent", "visited": "visited_percent"}[colour_by]
    return grid_table[column].astype(float) / 100


# ---- the file -------------------------------------------------------------------------------
def write_report_html(path: str | Path, data: ReportData, *, colour_by: str = "swept",
                      tiles: str | Path | None = None, progress: Progress | None = None) -> Path:
    """Write the map to ``path``; with ``tiles`` (an MBTiles file, or a tile cache folder of
    one source holding z/x/y images) the tiles over the district go to ``<stem>_files``.
    Written to temporary names and renamed at the end: a failure or a cancel leaves nothing
    half written."""
    path = Path(path)
    step(progress, 0, 4, "map")
    folder = path.with_name(f"{path.stem}_files")
    staging = None
    tile_url = attribution = None
    try:
        if tiles:
            staging = path.with_name(f".{folder.name}.writing-{os.getpid()}")
            shutil.rmtree(staging, ignore_errors=True)
            attribution = export_tiles(tiles, staging / "tiles", data.grids.total_bounds,
                                       progress=lambda d, t, s="": step(progress, 1, 4, s))
            tile_url = f"{folder.name}/tiles/{{z}}/{{x}}/{{y}}.png"
        step(progress, 1, 4, "map")
        document = report_map(data, colour_by=colour_by, tile_url=tile_url,
                              tile_attribution=attribution)
        step(progress, 2, 4, "html")
        text = document.get_root().render()
        step(progress, 3, 4, "html")
        with atomic_target(path) as temporary:
            temporary.write_text(text, encoding="utf-8")
            if staging is not None:
                shutil.rmtree(folder, ignore_errors=True)
                os.replace(staging, folder)
                staging = None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    step(progress, 4, 4, "")
    return path


def report_map(data: ReportData, *, colour_by: str = "swept", tile_url: str | None = None,
               tile_attribution: str | None = None) -> folium.Map:
    """The folium map of the report (no basemap unless ``tile_url``)."""
    _ = translator(data.language)
    minx, miny, maxx, maxy = data.grids.total_bounds
    document = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None,
                          zoom_start=12, control_scale=True, prefer_canvas=False,
                          zoom_snap=0.25, zoom_delta=0.5)
    document.default_js, document.default_css = [], []  # inlined below instead of CDN links
    _offline_assets(document)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=html.escape(tile_attribution or "MBTiles"),
                         name=_("Basemap"), max_zoom=19, max_native_zoom=17,
                         overlay=False, control=True).add_to(document)
    document.fit_bounds([[miny, minx], [maxy, maxx]])
    document.get_root().title = html.escape(_("{district}: patrol coverage {period}").format(
        district=data.district, period=_period(data)))
    share = coverage_share(data.grid_table, colour_by)
    popups: dict[str, dict] = {}
    _grid_layer(popups, data, 1, _("District boundary"), _).add_to(document)
    _grid_layer(popups, data, 2, _("Street boundaries"), _).add_to(document)
    _coverage_layer(popups, data, share, colour_by, _).add_to(document)
    _grid_layer(popups, data, 4, _("Key-source grids"), _, show=False).add_to(document)
    if data.swept is not None and not shapely.is_empty(data.swept):
        _swept_layer(data, _).add_to(document)
    if data.tracks is not None and len(data.tracks):
        # off at first: a month of lines would bury the coverage colours (one click shows them)
        tracks = folium.FeatureGroup(name=_("Patrol tracks"), show=False)
        TrackPolylines(data.tracks, data.inspector_names, _).add_to(tracks)
        tracks.add_to(document)
    for state, name, show in ((OTHER, _("Sources not required"), False),
                              (VISITED, _("Visited sources"), True),
                              (MISSED, _("Sources missed"), True)):
        _source_layer(popups, data, state, name, _, show).add_to(document)
    folium.LayerControl(collapsed=False, position="topright").add_to(document)
    document.get_root().header.add_child(
        Element(f"<script>var gisappPopups = {safe_json(popups)};</script>"), name="popups")
    document.get_root().html.add_child(Element(_legend_html(data, colour_by, _)))
    return document


# ---- layers ---------------------------------------------------------------------------------
def _grid_layer(popups: dict, data: ReportData, level: int, name: str, _, show: bool = True):
    grids = data.grids[data.grids["level"] == level]
    colour, weight = GRID_LINES[level]
    features = []
    for i, row in enumerate(grids.itertuples(index=False)):
        rows = [(_("Grid code"), row.grid_code)]
        if level == 2:
            rows += _street_rows(data, str(row.grid_code), _)
        rows += _person_rows(data, str(row.grid_code), _)
        features.append(_feature(popups, f"g{level}-{i}", row.geometry, str(row.name), rows))
    fill = level == 4

    def style(_feature):
        return {"color": colour, "weight": weight, "fill": fill, "fillColor": colour,
                "fillOpacity": 0.35 if fill else 0.0}
    return folium.GeoJson(_collection(features), name=name, show=show, style_function=style,
                          on_each_feature=_POPUP, smooth_factor=0.5)


def _coverage_layer(popups: dict, data: ReportData, share: pd.Series, colour_by: str, _):
    grids = data.grids[data.grids["level"] == 3]
    table = data.grid_table.assign(_share=share.to_numpy()).set_index("grid_code")
    names = data.inspector_names
    features = []
    for i, row in enumerate(grids.itertuples(index=False)):
        code = str(row.grid_code)
        figures = table.loc[code] if code in table.index else None
        k = int(coverage_class([figures["_share"]])[0]) if figures is not None else -1
        rows = [(_("Grid code"), code)]
        if figures is not None:
            people = "、".join(names.get(i, i) for i in str(figures["inspectors"]).split("; ")
                              if i)
            sweep = figures["full_sweep"]
            rows += [(_("Street"), figures["street"]), (_("Inspectors"), people),
                     (_("Grid area (km²)"), f"{figures['grid_area_km2']:.2f}"),
                     (_("Grid area swept (%)"), _number(figures["swept_percent"])),
                     (_("Sources visited"), f"{figures['sources_visited']} / "
                                            f"{figures['sources_required']}"),
                     (_("Full sweep"), "" if pd.isna(sweep) else _("yes") if sweep else _("no")),
                     (_("Missed sources"), figures["missed_source_names"] or _("none")),
                     (_("Patrol distance (km)"), _number(figures["distance_inside_km"])),
                     (_("Patrol time (h)"), _number(figures["patrol_hours_inside"]))]
        else:
            rows += [(_("Inspectors"), _("none assigned this month"))]
        rows += _person_rows(data, code, _)
        features.append(_feature(popups, f"g3-{i}", row.geometry, str(row.name), rows, k=k))

    def style(feature):
        k = feature["properties"]["k"]
        return {"color": GRID_LINES[3][0], "weight": GRID_LINES[3][1], "fill": True,
                "fillColor": COVERAGE_COLOURS[k] if k >= 0 else NO_DATA_COLOUR,
                "fillOpacity": 0.6}
    name = _("Community grids: {measure}").format(measure=_(COLOUR_BY[colour_by]))
    return folium.GeoJson(_collection(features), name=name, style_function=style,
                          on_each_feature=_POPUP, smooth_factor=0.5)


def _swept_layer(data: ReportData, _):
    feature = _feature(None, "swept", data.swept, _("Swept area"), [])

    def style(_feature):
        return {"stroke": False, "fill": True, "fillColor": SWEPT_COLOUR, "fillOpacity": 0.3,
                "interactive": False}
    return folium.GeoJson(_collection([feature]), name=_("Swept area"), show=False,
                          style_function=style, smooth_factor=1.0, interactive=False)


def _source_layer(popups: dict, data: ReportData, state: str, name: str, _, show: bool):
    sources = data.sources[data.sources["state"] == state]
    visits = data.coverage.visits.groupby("source_id")["visits"].sum()
    names = dict(zip(data.grids["grid_code"].astype(str), data.grids["name"].astype(str)))
    features = []
    for i, row in enumerate(sources.itertuples(index=False)):
        category = str(row.category) if not pd.isna(row.category) else ""
        rows = [(_("Source ID"), row.source_id),
                (_("Category"), _(CATEGORY_LABELS[category]) if category in CATEGORY_LABELS
                 else category),
                (_("Address"), row.address), (_("Grid"), names.get(str(row.grid_code), "")),
                (_("State"), name)]
        if state == VISITED:
            rows.append((_("Visits"), str(int(visits.get(row.source_id, 0)))))
        features.append(_feature(popups, f"s{state[0]}-{i}", row.geometry, str(row.name),
                                 rows))
    colour = {VISITED: VISITED_COLOUR, MISSED: MISSED_COLOUR, OTHER: OTHER_COLOUR}[state]
    radius = 7 if state == MISSED else 3.5

    def style(_feature):
        return {"color": MISSED_RING if state == MISSED else "#ffffff",
                "weight": 2 if state == MISSED else 1, "fillColor": colour, "fillOpacity": 0.95}
    marker = folium.CircleMarker(radius=radius, fill=True)
    return folium.GeoJson(_collection(features), name=name, show=show, style_function=style,
                          marker=marker, on_each_feature=_POPUP)


class TrackPolylines(MacroElement):
    """The patrol tracks as encoded polylines added to the parent FeatureGroup, one per
    session and day, coloured by inspector, each with a popup (inspector, day, distance)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var data = {{ this.payload }};
            var group = {{ this._parent.get_name() }};
            data.lines.forEach(function (line) {
                var person = data.people[line[1]];
                var polyline = L.polyline(gisappDecode(line[0]), {
                    color: data.colours[line[1] % data.colours.length], weight: 1.2,
                    opacity: 0.55, smoothFactor: 1.0});
                polyline.bindPopup(function () {
                    return gisappPopup({t: person[0], p: [[data.labels[0], person[1]],
                        [data.labels[1], line[2]], [data.labels[2], line[3]]]});
                });
                polyline.addTo(group);
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, tracks: TrackLines, names: dict[str, str], _):
        super().__init__()
        self._name = "TrackPolylines"
        lines = tracks.lines
        ids = lines["inspector_id"].astype(str)
        people = list(dict.fromkeys(ids))
        index = {p: k for k, p in enumerate(people)}
        encoded = encode_polylines(tracks.lat, tracks.lon, lines["start"].to_numpy(np.int64),
                                   lines["stop"].to_numpy(np.int64))
        payload = {
            "people": [[names.get(p, p), p] for p in people],
            "colours": list(TRACK_COLOURS),
            "labels": [_("Inspector ID"), _("Date"), _("Patrol distance (km)")],
            "lines": [[e, index[i], d, round(float(km), 2)] for e, i, d, km in
                      zip(encoded, ids, lines["date"].astype(str), lines["length_km"])],
        }
        self.payload = safe_json(payload)


def encode_polylines(lat: np.ndarray, lon: np.ndarray, starts: np.ndarray,
                     stops: np.ndarray, precision: float = POLYLINE_PRECISION) -> list[str]:
    """Google's encoded polyline of each line [start, stop), vectorised.

    >>> encode_polylines(np.array([38.5, 40.7, 43.252]), np.array([-120.2, -120.95, -126.453]),
    ...                  np.array([0]), np.array([3]))
    ['_p~iF~ps|U_ulLnnqC_mqNvxq`@']
    """
    if not len(starts):
        return []
    values = np.column_stack([np.round(np.asarray(lat) * precision),
                              np.round(np.asarray(lon) * precision)]).astype(np.int64)
    deltas = np.diff(values, axis=0, prepend=np.zeros((1, 2), np.int64))
    deltas[starts] = values[starts]  # each line starts afresh
    flat = deltas.ravel()
    zigzag = np.where(flat < 0, ~(flat << 1), flat << 1).astype(np.uint64)
    chunks = np.ones(len(zigzag), np.int64)
    for k in range(1, 7):
        chunks += zigzag >= np.uint64(32 ** k)
    offsets = np.cumsum(chunks) - chunks
    out = np.empty(int(chunks.sum()), np.uint8)
    for c in range(int(chunks.max())):
        has = chunks > c
        part = (zigzag[has] >> np.uint64(5 * c)) & np.uint64(31)
        more = (chunks[has] > c + 1).astype(np.uint64) * np.uint64(32)
        out[offsets[has] + c] = (part | more) + np.uint64(63)
    text = out.tobytes().decode("ascii")
    bounds = np.r_[offsets, len(out)]
    return [text[bounds[2 * a]:bounds[2 * b]] for a, b in zip(starts, stops)]


# ---- popups, legend, assets -----------------------------------------------------------------
_SCRIPT = """
function gisappPopup(p) {
    var box = document.createElement('div');
    box.className = 'gisapp-popup';
    var title = document.createElement('b');
    title.textContent = p.t;
    box.appendChild(title);
    var table = document.createElement('table');
    (p.p || []).forEach(function (row) {
        var tr = table.insertRow();
        var th = document.createElement('th');
        th.textContent = row[0];
        tr.appendChild(th);
        tr.insertCell().textContent = row[1];
    });
    box.appendChild(table);
    return box;
}
function gisappDecode(text) {
    var points = [], index = 0, lat = 0, lng = 0;
    while (index < text.length) {
        for (var k = 0; k < 2; k++) {
            var shift = 0, result = 0, b;
            do {
                b = text.charCodeAt(index++) - 63;
                result |= (b & 31) << shift;
                shift += 5;
            } while (b >= 32);
            var delta = (result & 1) ? ~(result >> 1) : (result >> 1);
            if (k === 0) { lat += delta; } else { lng += delta; }
        }
        points.push([lat * 1e-5, lng * 1e-5]);
    }
    return points;
}
"""
_STYLE = """
html, body { width: 100%; height: 100%; margin: 0; padding: 0; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; }
.gisapp-popup table { border-collapse: collapse; margin-top: 4px; font-size: 12px; }
.gisapp-popup th { text-align: left; font-weight: normal; color: #555; padding: 1px 8px 1px 0;
                   white-space: nowrap; vertical-align: top; }
.gisapp-popup td { padding: 1px 0; max-width: 260px; }
.gisapp-title { position: absolute; z-index: 1000; top: 10px; left: 50%;
                transform: translateX(-50%); background: rgba(255,255,255,0.9);
                padding: 6px 14px; border-radius: 4px; font-size: 17px; font-weight: bold;
                box-shadow: 0 1px 4px rgba(0,0,0,0.3); pointer-events: none; }
.gisapp-legend { position: absolute; z-index: 1000; bottom: 24px; right: 10px;
                 background: rgba(255,255,255,0.92); padding: 8px 10px; border-radius: 4px;
                 font-size: 12px; line-height: 18px; box-shadow: 0 1px 4px rgba(0,0,0,0.3); }
.gisapp-legend h4 { margin: 0 0 4px; font-size: 13px; }
.gisapp-legend i { display: inline-block; width: 18px; height: 12px; margin-right: 6px;
                   vertical-align: middle; border: 1px solid #777; }
.gisapp-legend i.dot { width: 10px; height: 10px; border-radius: 50%; margin: 0 10px 0 4px; }
.gisapp-legend i.line { height: 0; border: 0; border-top: 2px solid; }
.gisapp-legend .note { color: #555; margin-top: 4px; font-size: 11px; }
"""
_POPUP = folium.JsCode("""function (feature, layer) {
    layer.bindPopup(function () { return gisappPopup(gisappPopups[feature.id]); });
}""")


def _offline_assets(document: folium.Map) -> None:
    """Leaflet's script and style inside the page (images as data: URIs), our own after."""
    header = document.get_root().header
    header.add_child(Element(f"<style>{_leaflet_css()}</style>"), name="leaflet_css_inline")
    header.add_child(Element(f"<style>{_STYLE}</style>"), name="gisapp_css")
    script = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")
    header.add_child(Element(f"<script>{script}</script>"), name="leaflet_js_inline")
    header.add_child(Element(f"<script>{_SCRIPT}</script>"), name="gisapp_js")


def _leaflet_css() -> str:
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    for image in sorted((LEAFLET_DIR / "images").glob("*.png")):
        uri = "data:image/png;base64," + base64.b64encode(image.read_bytes()).decode("ascii")
        css = css.replace(f"url(images/{image.name})", f"url({uri})")
    return css


def _legend_html(data: ReportData, colour_by: str, _) -> str:
    e = _html_text
    rows = [f"<h4>{e(_(COLOUR_BY[colour_by]))}</h4>"]
    for colour, label in zip(COVERAGE_COLOURS, coverage_class_labels()):
        rows.append(f'<div><i style="background:{colour}"></i>{e(label)}</div>')
    rows.append(f'<div><i style="background:{NO_DATA_COLOUR}"></i>'
                f'{e(_("No inspector this month"))}</div>')
    rows.append(f'<div><i class="dot" style="background:{VISITED_COLOUR}"></i>'
                f'{e(_("Visited sources"))}</div>')
    rows.append(f'<div><i class="dot" style="background:{MISSED_COLOUR};'
                f'border-color:{MISSED_RING}"></i>{e(_("Sources missed"))}</div>')
    rows.append(f'<div><i class="line" style="border-color:{TRACK_COLOURS[0]}"></i>'
                f'{e(_("Patrol tracks"))}</div>')
    rows.append(f'<div><i style="background:{SWEPT_COLOUR};opacity:.5"></i>'
                f'{e(_("Swept area"))}</div>')
    rows.append(f'<div class="note">{e(_data_note(data, _))}</div>')
    title = _("{district}: patrol coverage {period}").format(district=data.district,
                                                            period=_period(data))
    return (f'<div class="gisapp-title">{e(title)}</div>'
            f'<div class="gisapp-legend">{"".join(rows)}</div>')


def _data_note(data: ReportData, _) -> str:
    return _("WGS 84 (EPSG:4326) on Web Mercator · data: {project}, made {date}").format(
        project=data.project_name, date=data.created.isoformat())


# ---- features -------------------------------------------------------------------------------
def _feature(popups: dict | None, feature_id: str, geometry, title: str,
             rows: list[tuple[str, object]], **properties) -> dict:
    """A GeoJSON feature holding no user text: folium renders a layer's data through Jinja
    twice (its script output becomes a template again), so a name like "{{ 7*7 }}" in the
    data would be evaluated. Titles and rows go to ``popups`` (written by :func:`safe_json`)."""
    if popups is not None:
        popups[feature_id] = {"t": title, "p": [[str(k), _text(v)] for k, v in rows]}
    return {"type": "Feature", "id": feature_id, "geometry": _geometry(geometry),
            "properties": properties}


def safe_json(value) -> str:
    r"""JSON to put inside a <script> of the page: ``<``, ``>``, ``&`` and ``'`` as \\u
    escapes (no ``</script>`` can end the script early) and every ``{`` that would open a
    Jinja tag escaped too (branca renders script text as a template once more).

    >>> safe_json({"t": "<img src=x onerror=alert(1)>{{7*7}}"})
    '{"t":"\\u003cimg src=x onerror=alert(1)\\u003e\\u007b{7*7}}"}'
    """
    text = str(htmlsafe_json_dumps(value, dumps=_compact_json))
    return re.sub(r"\{(?=[{%#])", r"\\u007b", text)


def _html_text(text: str) -> str:
    """Text for the page's HTML (an Element is a Jinja template too: braces as entities)."""
    return html.escape(text).replace("{", "&#123;").replace("}", "&#125;")


def _geometry(geometry) -> dict | None:
    if geometry is None or shapely.is_empty(geometry):
        return None
    rounded = shapely.transform(geometry, lambda xy: np.round(xy, COORDINATE_DIGITS))
    return shapely.geometry.mapping(rounded)


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _street_rows(data: ReportData, code: str, _) -> list[tuple[str, object]]:
    rows = data.streets[data.streets["street_code"] == code]
    if rows.empty:
        return []
    r = rows.iloc[0]
    return [(_("Number of grids"), str(r["grids"])),
            (_("Grid area swept (%)"), _number(r["swept_percent"])),
            (_("Sources visited"), f"{r['sources_visited']} / {r['sources_required']}"),
            (_("Missed sources"), str(r["missed"]))]


def _person_rows(data: ReportData, code: str, _) -> list[tuple[str, object]]:
    persons = data.persons[(data.persons["grid_code"] == code)
                           & (data.persons["role"] != "inspector")]
    return [(_(ROLE_LABELS.get(role, role)), "、".join(group["name"]))
            for role, group in persons.groupby("role", sort=False)]


def _period(data: ReportData) -> str:
    _ = translator(data.language)
    return _("{year}-{month:02d}").format(year=data.start.year, month=data.start.month)


def _number(value) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):g}"


def _text(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _compact_json(value, **kwargs) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), **kwargs)


# ---- offline basemap ------------------------------------------------------------------------
MAX_EXPORTED_TILES = 20_000


def export_tiles(source: str | Path, target: Path, bounds, min_zoom: int = 10,
                 max_zoom: int = 17, progress: Progress | None = None) -> str:
    """Copy the tiles over ``bounds`` (lon/lat) from an MBTiles file or a tile folder
    (z/x/y.png) into ``target``/z/x/y.png, coarse zooms first, at most MAX_EXPORTED_TILES.
    Returns the basemap's attribution."""
    from gisapp.tiles.mbtiles import MBTiles
    from gisapp.tiles.mercator import lonlat_to_mercator, tile_range
    source = Path(source)
    attribution = ""
    if source.is_file():
        store = MBTiles(source)
        if store.source().datum != "wgs84":
            raise InputError(source, "holds GCJ-02 tiles, which would not line up with the "
                                     "grids in the HTML map; use WGS-84 tiles")
        get, attribution = store.get, store.metadata.get("attribution", "")
        low, high = store.source().min_zoom, store.source().max_zoom
    elif source.is_dir():
        def get(z, x, y):
            tile = source / str(z) / str(x) / f"{y}.png"
            return tile.read_bytes() if tile.is_file() else None
        zooms = [int(p.name) for p in source.iterdir() if p.name.isdigit()]
        if not zooms:
            raise InputError(source, "no z/x/y.png tiles in this folder")
        low, high = min(zooms), max(zooms)
    else:
        raise InputError(source, "no such MBTiles file or tile folder")
    x0, y0 = lonlat_to_mercator(bounds[0], bounds[1])
    x1, y1 = lonlat_to_mercator(bounds[2], bounds[3])
    extent = (float(x0), float(y0), float(x1), float(y1))
    written = 0
    for zoom in range(max(low, min_zoom), min(high, max_zoom) + 1):
        columns, rows = tile_range(extent, zoom)
        if written + len(columns) * len(rows) > MAX_EXPORTED_TILES:
            break
        for x in columns:
            for y in rows:
                data = get(zoom, x, y)
                if data:
                    tile = target / str(zoom) / str(x) / f"{y}.png"
                    tile.parent.mkdir(parents=True, exist_ok=True)
                    tile.write_bytes(data)
                    written += 1
            step(progress, zoom, max_zoom, f"tiles z{zoom}")
    return attribution or source.stem
