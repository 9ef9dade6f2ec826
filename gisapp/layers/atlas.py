"""The atlas (as a QGIS atlas): one page per grid of a level, the map zoomed to the grid with its
inspectors' tracks, its sources visited and missed named, the grid's figures and responsible
persons, and an overview inset locating it in the district; contents pages before them list
every grid with its page number.

The layers that cover the whole district (grid polygons, the swept area) are built once for the
atlas and clip themselves to each page's view; a page builds only its own small layers (its
inspectors' tracks and the sources around it), so a hundred pages take seconds and each holds
only what it shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from gisapp.i18n import N_
from gisapp.inspectors import ROLE_LABELS
from gisapp.layers.page import (GRID_STYLE, INK, MUTED, RULE, Page, PageContext, ReportOptions,
                                _cell, draw_legend, draw_map, elided, text)
from gisapp.layers.report_layers import (FocusVeil, LineLayer, PointLayer, PolygonLayer,
                                         PolygonStyle, project_geometries)
from gisapp.layers.legend import LegendEntry, Symbol
from gisapp.layers.view import MapView
from gisapp.progress import Progress, step
from gisapp.reports.html import (COVERAGE_COLOURS, MISSED_COLOUR, MISSED_RING, NO_DATA_COLOUR,
                                 OTHER_COLOUR, SWEPT_COLOUR, TRACK_COLOURS, VISITED_COLOUR,
                                 coverage_class, coverage_share)
from gisapp.reports.report_tables import MISSED, VISITED, ReportData

LEVEL_NAMES = {1: N_("District"), 2: N_("Street"), 3: N_("Community"), 4: N_("Key enterprise")}
CONTENTS_ROW = 19.0
PT = 96 / 72  # pixels per PDF point
TRACK_TOLERANCE_PX = 1.0  # tracks are simplified again at the page's scale
FOCUS_LINE = "#8b0000"


@dataclass
class AtlasLayers:
    """What every atlas page draws from: built once per atlas."""

    coverage: PolygonLayer
    streets: PolygonLayer
    district: PolygonLayer
    swept: PolygonLayer | None
    inset_district: PolygonLayer
    inset_streets: PolygonLayer
    source_x: np.ndarray
    source_y: np.ndarray

    @classmethod
    def build(cls, data: ReportData, colour_by: str) -> AtlasLayers:
        grids = data.grids
        level3 = grids[grids["level"] == 3]
        share = dict(zip(data.grid_table["grid_code"].astype(str),
                         coverage_share(data.grid_table, colour_by)))
        classes = coverage_class([share.get(str(c), np.nan) for c in level3["grid_code"]])
        fills = [COVERAGE_COLOURS[k] if k >= 0 else NO_DATA_COLOUR for k in classes]
        coverage = PolygonLayer(level3.geometry.values, "", "atlas:coverage", fills=fills,
                                style=PolygonStyle("#7f8c8d", 0.6, fill_opacity=0.35),
                                labels=level3["name"].astype(str).values, label_size=11,
                                label_color="#4a5660")
        streets = PolygonLayer(grids.loc[grids["level"] == 2].geometry.values, "",
                               "atlas:streets", style=PolygonStyle("#2e4053", 1.3, dash=True))
        district = PolygonLayer(grids.loc[grids["level"] == 1].geometry.values, "",
                                "atlas:district", style=GRID_STYLE[1])
        swept = None
        if data.swept is not None and not shapely.is_empty(data.swept):
            swept = PolygonLayer([data.swept], "", "atlas:swept", fills=[SWEPT_COLOUR],
                                 style=PolygonStyle(None, 0, fill_opacity=0.22))
        inset_district = PolygonLayer(grids.loc[grids["level"] == 1].geometry.values, "",
                                      "inset:district", fills=["#eef1f4"],
                                      style=PolygonStyle("#1b2631", 1.0, fill_opacity=1.0))
        inset_streets = PolygonLayer(grids.loc[grids["level"] == 2].geometry.values, "",
                                     "inset:streets", style=PolygonStyle("#8a97a3", 0.5))
        points = data.sources.geometry
        return cls(coverage, streets, district, swept, inset_district, inset_streets,
                   points.x.to_numpy(float), points.y.to_numpy(float))


class ContentsPage(Page):
    """Rows [first, last) of the atlas contents: street, code, grid, coverage, page."""

    def __init__(self, entries: list[tuple[str, str, str, str, int]], first: int, last: int,
                 level: int):
        self.entries, self.first, self.last, self.level = entries, first, last, level
        self.title = N_("Atlas contents")

    def draw(self, painter: QPainter, context: PageContext) -> None:
        _ = context.tr
        body = context.body
        text(painter, QRectF(body.left(), body.top(), body.width(), 28),
             _("Atlas of grids (level {level}): contents").format(level=self.level), 15, True)
        top = body.top() + 38
        widths = [0.22, 0.2, 0.36, 0.12, 0.1]
        xs = np.cumsum([0] + [w * body.width() for w in widths])
        headers = [_("Street"), _("Grid code"), _("Grid"), _("Swept (%)"), _("Page")]
        for k, header in enumerate(headers):
            align = Qt.AlignmentFlag.AlignRight if k >= 3 else Qt.AlignmentFlag.AlignLeft
            text(painter, QRectF(body.left() + xs[k], top, xs[k + 1] - xs[k] - 6, 20), header,
                 10.5, True, align | Qt.AlignmentFlag.AlignVCenter)
        top += 22
        painter.setPen(QPen(QColor("#7f8c8d"), 0.9))
        painter.drawLine(body.left(), top, body.right(), top)
        previous = None
        for street, code, name, swept, page in self.entries[self.first:self.last]:
            shown_street = street if street != previous else ""
            previous = street
            cells = [shown_street, code, name, swept, str(page)]
            for k, value in enumerate(cells):
                align = Qt.AlignmentFlag.AlignRight if k >= 3 else Qt.AlignmentFlag.AlignLeft
                width = xs[k + 1] - xs[k] - 6
                text(painter, QRectF(body.left() + xs[k], top, width, CONTENTS_ROW - 2),
                     elided(value, width, 10), 10, k == 0, align | Qt.AlignmentFlag.AlignVCenter)
            # dotted leader from the name to the page number
            painter.setPen(QPen(QColor(RULE), 0.8, Qt.PenStyle.DotLine))
            y = top + CONTENTS_ROW - 3
            painter.drawLine(body.left() + xs[2], y, body.right(), y)
            top += CONTENTS_ROW


class AtlasPage(Page):
    def __init__(self, code: str, name: str, street: str, level: int, layers: AtlasLayers):
        self.code, self.name, self.street, self.level = code, name, street, level
        self.layers = layers
        self.title = name

    def draw(self, painter: QPainter, context: PageContext) -> None:
        data, _, options = context.data, context.tr, context.options
        body = context.body
        grid = data.grids[data.grids["grid_code"].astype(str) == self.code].iloc[0]
        geometry = grid.geometry
        title = f"{self.name}（{self.code}）" if data.language == "zh_CN" else \
            f"{self.name} ({self.code})"
        text(painter, QRectF(body.left(), body.top(), body.width(), 28), title, 17, True)
        subtitle = " · ".join(v for v in (self.street, _(LEVEL_NAMES.get(self.level, "")),
                                          context.data.month) if v)
        text(painter, QRectF(body.left(), body.top() + 28, body.width(), 18), subtitle, 10.5,
             color=MUTED)
        top = body.top() + 52
        if options.landscape:
            frame = QRectF(body.left(), top, body.width() * 0.63, body.bottom() - top)
            panel = QRectF(frame.right() + 14, top, body.right() - frame.right() - 14,
                           frame.height())
        else:
            frame = QRectF(body.left(), top, body.width(), (body.bottom() - top) * 0.6)
            panel = QRectF(body.left(), frame.bottom() + 12, body.width(),
                           body.bottom() - frame.bottom() - 12)
        extent = tuple(float(v) for v in shapely.total_bounds(project_geometries([geometry])))
        view = MapView.fit(extent, int(frame.width()), int(frame.height()), margin=0.07)
        inspectors = self._inspectors(data)
        layers = self._map_layers(data, geometry, view, inspectors, _)
        draw_map(painter, frame, layers, view)
        self._inset(painter, frame, view, geometry)
        self._panel(painter, panel, data, inspectors, _, options.landscape)

    # ---- the map ----------------------------------------------------------------------------
    def _inspectors(self, data: ReportData) -> list[str]:
        row = data.grid_row(self.code)
        if row is not None and str(row.get("inspectors") or ""):
            return [i for i in str(row["inspectors"]).split("; ") if i]
        people = data.persons[(data.persons["role"] == "inspector")]
        codes = set(data.grids.loc[data.grids["parent_code"].astype("string") == self.code,
                                   "grid_code"].astype(str)) | {self.code}
        ids = data.grid_table.loc[data.grid_table["grid_code"].isin(codes), "inspectors"]
        found = [i for text_ in ids.astype(str) for i in text_.split("; ") if i]
        return list(dict.fromkeys(found)) or list(dict.fromkeys(
            people.loc[people["grid_code"].isin(codes), "name"]))

    def _map_layers(self, data: ReportData, geometry, view: MapView, inspectors: list[str],
                    _) -> list:
        shared = self.layers
        layers = [shared.coverage]
        if shared.swept is not None:
            layers.append(shared.swept)
        lon0, lat0, lon1, lat1 = _lonlat_box(view)
        if data.tracks is not None and inspectors:
            tracks = data.tracks.of(inspectors).within((lon0, lat0, lon1, lat1))
            if len(tracks):
                colours = {i: k for k, i in enumerate(inspectors)}
                layers.append(LineLayer(tracks, _("Patrol tracks"), "atlas:tracks",
                                        TRACK_COLOURS, 0.7, 0.6, inspector_colors=colours,
                                        tolerance_px=TRACK_TOLERANCE_PX, quantum_px=PT))
        layers.append(FocusVeil(geometry, "", opacity=0.5))
        layers += [shared.streets, shared.district]
        layers.append(PolygonLayer([geometry], "", "atlas:focus",
                                   style=PolygonStyle(FOCUS_LINE, 2.2)))
        x, y = shared.source_x, shared.source_y
        near = (x >= lon0) & (x <= lon1) & (y >= lat0) & (y <= lat1)
        inside = near.copy()
        inside[near] = shapely.contains_xy(geometry, x[near], y[near])
        sources = data.sources
        outside = near & ~inside
        layers.append(PointLayer(x[outside], y[outside], "", "atlas:others", OTHER_COLOUR, 2.0,
                                 "#ffffff", 0.6))
        for state, colour, radius, ring, ring_width, priority in (
                (VISITED, VISITED_COLOUR, 3.6, "#ffffff", 1.0, 100),
                (MISSED, MISSED_COLOUR, 5.5, MISSED_RING, 1.6, 1000)):
            chosen = inside & (sources["state"] == state).to_numpy()
            label = sources.loc[chosen, "name"].astype(str).to_numpy()
            layers.append(PointLayer(x[chosen], y[chosen], "", f"atlas:{state}", colour,
                                     radius, ring, ring_width, names=label, label_size=9.5,
                                     label_color="#8b0000" if state == MISSED else "#1e4d33",
                                     label_priority=priority))
        return layers

    def _inset(self, painter: QPainter, frame: QRectF, view: MapView, geometry) -> None:
        """The district with this grid in red and the map's extent, in the top-left corner."""
        shared = self.layers
        extent = shared.inset_district.extent()
        if extent is None:
            return
        width = frame.width() * 0.24
        ratio = (extent[3] - extent[1]) / max(extent[2] - extent[0], 1.0)
        height = min(width * ratio, frame.height() * 0.32)
        box = QRectF(frame.left() + 8, frame.top() + 8, width, height)
        # top left, unless the grid fills more of the bottom right (the scale bar and the
        # north arrow hold the other two corners)
        other = QRectF(frame.right() - 8 - width, frame.bottom() - 8 - height, width, height)
        if _covered(view, frame, other, geometry) < _covered(view, frame, box, geometry):
            box = other
        inset_view = MapView.fit(extent, int(box.width()), int(box.height()), margin=0.05)
        focus = PolygonLayer([geometry], "", "inset:focus", fills=[MISSED_COLOUR],
                             style=PolygonStyle(FOCUS_LINE, 0.8, fill_opacity=1.0))
        draw_map(painter, box, [shared.inset_district, shared.inset_streets, focus],
                 inset_view, decorations=False, border="#1b2631", labels=False)
        xmin, ymin, xmax, ymax = view.extent
        left, top = inset_view.to_pixel(xmin, ymax)
        right, bottom = inset_view.to_pixel(xmax, ymin)
        painter.save()
        painter.setClipRect(box)
        painter.setPen(QPen(QColor(FOCUS_LINE), 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(box.left() + left, box.top() + top, max(right - left, 3),
                                max(bottom - top, 3)))
        painter.restore()

    # ---- figures and persons ----------------------------------------------------------------
    def _panel(self, painter: QPainter, panel: QRectF, data: ReportData, inspectors, _,
               landscape: bool) -> None:
        names = data.inspector_names
        row = data.grid_row(self.code)
        figures = [(_("Inspectors"), "、".join(names.get(i, i) for i in inspectors) or
                    _("none assigned this month"))]
        if row is not None:
            sweep = row.get("full_sweep")
            figures += [
                (_("Grid area (km²)"), f"{row['grid_area_km2']:.2f}"),
                (_("Grid area swept (%)"), _cell(row["swept_percent"])),
                (_("Sources visited"), f"{row['sources_visited']} / {row['sources_required']}"
                                        f"  ({_cell(row['visited_percent'])}%)"),
                (_("Full sweep"), "" if pd.isna(sweep) else _("yes") if sweep else _("no")),
                (_("Patrol distance (km)"), _cell(row["distance_inside_km"])),
                (_("Patrol time (h)"), _cell(row["patrol_hours_inside"])),
                (_("Missed sources"), row["missed_source_names"] or _("none")),
            ]
        else:
            street = data.streets[data.streets["street_code"] == self.code]
            if len(street):
                s = street.iloc[0]
                figures += [(_("Number of grids"), str(s["grids"])),
                            (_("Grid area swept (%)"), _cell(s["swept_percent"])),
                            (_("Sources visited"), f"{s['sources_visited']} / "
                                                    f"{s['sources_required']}"),
                            (_("Missed sources"), str(s["missed"]))]
        persons = data.persons[(data.persons["grid_code"] == self.code)]
        people = [(_(ROLE_LABELS.get(r.role, r.role)), f"{r.name}  {r.phone}".strip())
                  for r in persons.itertuples(index=False)]
        if landscape:
            first = QRectF(panel.left(), panel.top(), panel.width(), panel.height() * 0.58)
            second = QRectF(panel.left(), first.bottom() + 8, panel.width(),
                            panel.bottom() - first.bottom() - 8)
        else:
            half = panel.width() * 0.56
            first = QRectF(panel.left(), panel.top(), half - 10, panel.height())
            second = QRectF(panel.left() + half + 4, panel.top(), panel.width() - half - 4,
                            panel.height())
        _key_values(painter, first, _("Figures of the month"), figures)
        legend = [LegendEntry(_("Visited sources"), Symbol("dot", VISITED_COLOUR, 7,
                                                            halo="#ffffff")),
                  LegendEntry(_("Sources missed"), Symbol("dot", MISSED_COLOUR, 11,
                                                           halo=MISSED_RING)),
                  LegendEntry(_("Patrol tracks"), Symbol("line", TRACK_COLOURS[0], 1.5)),
                  LegendEntry(_("Swept area"), Symbol("fill", SWEPT_COLOUR, 0.5, SWEPT_COLOUR,
                                                       0.3))]
        legend_h = 19 * 2 + 18
        people_box = QRectF(second.left(), second.top(), second.width(),
                            second.height() - legend_h - 8)
        _key_values(painter, people_box, _("Responsible persons"), people or
                    [(_("none"), "")])
        draw_legend(painter, QRectF(second.left(), second.bottom() - legend_h, second.width(),
                                    legend_h), legend, columns=2)


def _key_values(painter: QPainter, box: QRectF, title: str, rows: list[tuple[str, str]]):
    text(painter, QRectF(box.left(), box.top(), box.width(), 20), title, 12, True)
    painter.setPen(QPen(QColor(RULE), 0.8))
    painter.drawLine(box.left(), box.top() + 22, box.right(), box.top() + 22)
    top = box.top() + 26
    key_w = min(128.0, box.width() * 0.4)
    for key, value in rows:
        from gisapp.layers.page import text_height
        height = max(text_height(value, box.width() - key_w, 10.5), 17)
        if top + height > box.bottom():
            text(painter, QRectF(box.left(), top, box.width(), 17), "…", 10.5, color=MUTED)
            break
        text(painter, QRectF(box.left(), top, key_w - 6, 17), key, 10.5, color=MUTED)
        text(painter, QRectF(box.left() + key_w, top, box.width() - key_w, height), value,
             10.5, color=INK, wrap=True, align=Qt.AlignmentFlag.AlignLeft
             | Qt.AlignmentFlag.AlignTop)
        top += height + 3


def _covered(view: MapView, frame: QRectF, box: QRectF, geometry) -> float:
    """Share of ``box`` (page pixels inside ``frame``) that the grid covers."""
    x0, y1 = view.to_map(box.left() - frame.left(), box.top() - frame.top())
    x1, y0 = view.to_map(box.right() - frame.left(), box.bottom() - frame.top())
    square = shapely.box(x0, y0, x1, y1)
    return float(shapely.area(shapely.intersection(project_geometries([geometry])[0], square))
                 / max(square.area, 1e-9))


def _lonlat_box(view: MapView) -> tuple[float, float, float, float]:
    from gisapp.layers.view import map_to_lonlat
    xmin, ymin, xmax, ymax = view.extent
    lon, lat = map_to_lonlat(np.array([xmin, xmax]), np.array([ymin, ymax]))
    return float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])


def atlas_pages(data: ReportData, options: ReportOptions, first_page: int,
                progress: Progress | None = None) -> list[Page]:
    """Contents pages, then one AtlasPage per grid of ``options.atlas_level``, by street and
    code; ``first_page`` is the number the first contents page will have."""
    level = int(options.atlas_level)
    grids = data.grids[data.grids["level"] == level]
    if grids.empty:
        return []
    layers = AtlasLayers.build(data, options.colour_by)
    from gisapp.reports.report_tables import _street_of
    street_of = _street_of(data.grids)
    names = dict(zip(data.grids["grid_code"].astype(str), data.grids["name"].astype(str)))
    rows = [(names.get(street_of.get(code, ""), ""), code, name)
            for code, name in zip(grids["grid_code"].astype(str), grids["name"].astype(str))]
    rows.sort(key=lambda r: (street_of.get(r[1], ""), r[1]))
    context = PageContext(data, options)
    per_page = max(1, int((context.body.height() - 66) // CONTENTS_ROW))
    contents_count = math.ceil(len(rows) / per_page)
    swept = dict(zip(data.grid_table["grid_code"].astype(str),
                     data.grid_table["swept_percent"]))
    entries = [(street, code, name, _cell(swept.get(code, float("nan"))),
                first_page + contents_count + k) for k, (street, code, name) in enumerate(rows)]
    pages: list[Page] = [ContentsPage(entries, k * per_page, min((k + 1) * per_page,
                                                                 len(entries)), level)
                         for k in range(contents_count)]
    for k, (street, code, name) in enumerate(rows):
        pages.append(AtlasPage(code, name, street, level, layers))
        step(progress, k + 1, len(rows), name)
    return pages
