"""The PDF report: a cover, the district map (grids coloured by coverage, sources visited and
missed, the swept area, legend, scale bar, north arrow, CRS and data source in the margin), the
monthly bulletin as a paginated table, a chart of coverage per street and, with an atlas
level, a contents page and one page per grid (gisapp.layers.atlas).

Pages are drawn with QPainter onto a QPdfWriter at 96 dots per inch, so one pixel of a layer
is 1/96 inch on paper and the layers' own painting (cosmetic line widths, dot sizes, label
sizes) prints as the screen shows it, in vector: paths, never an image of the map. Text is
real text in Noto Sans CJK, embedded by Qt as a subset; :func:`fix_to_unicode` then repairs
Qt's text map, which names some ideographs by their Kangxi radical twins (网 as ⽹), so the
PDF can be searched and copied.

The same page objects draw the dialog's preview onto a QImage (:func:`render_page`).

    pages = plan_report(data, ReportOptions(paper="A4", atlas_level=3))
    write_report_pdf("报告_2026-10.pdf", data, ReportOptions(atlas_level=3), progress=bar)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (QColor, QFont, QFontDatabase, QFontMetricsF, QGuiApplication,
                           QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen, QRawFont)

from gisapp.i18n import N_
from gisapp.layers.decorations import paint_north_arrow, paint_scale_bar
from gisapp.layers.legend import LegendEntry, Symbol, paint_symbol
from gisapp.layers.render import render_map
from gisapp.layers.report_layers import (PointLayer, PolygonLayer, PolygonStyle,
                                         draw_text_labels)
from gisapp.layers.view import MapView, union_extent
from gisapp.progress import Progress, step
from gisapp.reports.bulletin import COLUMNS as BULLETIN_COLUMNS
from gisapp.reports.html import (COLOUR_BY, COVERAGE_COLOURS, MISSED_COLOUR, MISSED_RING,
                                 NO_DATA_COLOUR, SWEPT_COLOUR, VISITED_COLOUR, coverage_class,
                                 coverage_class_labels, coverage_share)
from gisapp.reports.report_tables import MISSED, VISITED, ReportData, present
from gisapp.reports.xlsx import DEFAULT_GRADE_COLOURS, atomic_target
from gisapp.scoring.language import translator

DPI = 96  # a layer's pixel is 1/96 inch on paper
MM = DPI / 25.4  # pixels per millimetre
FONT_FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Noto Sans CJK JP",
                 "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC"]
PAPERS = {"A4": QPageSize.PageSizeId.A4, "A3": QPageSize.PageSizeId.A3}
ORIENTATIONS = ("portrait", "landscape")
INK = "#1b1b1b"
MUTED = "#5f6b73"
RULE = "#b8c0c6"
HEADER_FILL = "#d9e1f2"
ZEBRA = "#f4f6f8"
PAPER = "#ffffff"
GRID_STYLE = {1: PolygonStyle("#1b2631", 2.2), 2: PolygonStyle("#2e4053", 1.4),
              3: PolygonStyle("#6b7b8a", 0.6, fill_opacity=0.78)}


@dataclass(frozen=True)
class ReportOptions:
    """What the person chose: paper, orientation, atlas level (None: no atlas) and what
    colours the grids (the share of their area swept, or of their sources visited)."""

    paper: str = "A4"
    orientation: str = "portrait"
    atlas_level: int | None = None
    colour_by: str = "swept"

    def __post_init__(self):
        if self.paper not in PAPERS:
            raise ValueError(f"paper {self.paper!r}: one of {', '.join(PAPERS)}")
        if self.orientation not in ORIENTATIONS:
            raise ValueError(f"orientation {self.orientation!r}: one of {ORIENTATIONS}")
        if self.colour_by not in COLOUR_BY:
            raise ValueError(f"colour_by {self.colour_by!r}: one of {', '.join(COLOUR_BY)}")

    @property
    def page_size(self) -> QSizeF:
        """The page in pixels of 1/96 inch."""
        size = QPageSize(PAPERS[self.paper]).size(QPageSize.Unit.Millimeter)
        width, height = size.width() * MM, size.height() * MM
        if self.orientation == "landscape":
            width, height = height, width
        return QSizeF(width, height)

    @property
    def landscape(self) -> bool:
        return self.orientation == "landscape"


@dataclass
class PageContext:
    """What every page knows when it draws: the data, the options, its number and the
    number of pages, and where its body goes."""

    data: ReportData
    options: ReportOptions
    number: int = 1
    total: int = 1
    margin: float = 14 * MM

    @property
    def size(self) -> QSizeF:
        return self.options.page_size

    @property
    def body(self) -> QRectF:
        """Inside the margins, below the running head and above the footer."""
        w, h = self.size.width(), self.size.height()
        return QRectF(self.margin, self.margin + 22, w - 2 * self.margin,
                      h - 2 * self.margin - 22 - 18)

    def tr(self, message: str) -> str:
        return translator(self.data.language)(message)


class Page:
    """One printed page; ``title`` names it in the contents and the progress."""

    title = ""
    furniture = True  # running head and footer

    def draw(self, painter: QPainter, context: PageContext) -> None:
        raise NotImplementedError


# ---- fonts and text ---------------------------------------------------------------------------
def ensure_gui() -> QGuiApplication:
    """A QGuiApplication for fonts (the CLI has none; offscreen when there is no display)."""
    import os
    import sys
    app = QGuiApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(sys.argv[:1] or ["gisapp"])
    return app


@lru_cache(maxsize=None)
def font_families() -> tuple[str, ...]:
    """The CJK families installed, best first (Noto Sans CJK SC from fonts-noto-cjk)."""
    installed = set(QFontDatabase.families())
    return tuple(f for f in FONT_FAMILIES if f in installed)


def font(pixel_size: float, bold: bool = False) -> QFont:
    """The report's font. Its 'locl' feature is off: in a Latin run Noto Sans CJK swaps the
    digits for glyphs no code point maps to, and a PDF could then not say which digits they
    are ("WGS 84" would read "WGS")."""
    f = QFont()
    families = list(font_families())
    if families:
        f.setFamilies(families)
    f.setPixelSize(max(1, round(pixel_size)))
    f.setBold(bold)
    f.setFeature(QFont.Tag("locl"), 0)
    return f


def text(painter: QPainter, rect: QRectF, value: str, size: float = 11, bold: bool = False,
         align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
         color: str = INK, wrap: bool = False) -> QRectF:
    """Draw ``value`` in ``rect``; returns the rectangle the text took."""
    painter.setFont(font(size, bold))
    painter.setPen(QColor(color))
    flags = align | (Qt.TextFlag.TextWordWrap if wrap else Qt.TextFlag.TextSingleLine)
    return painter.drawText(rect, int(flags), value)


def text_height(value: str, width: float, size: float, bold: bool = False) -> float:
    metrics = QFontMetricsF(font(size, bold))
    rect = metrics.boundingRect(QRectF(0, 0, max(width, 1.0), 1e6),
                                int(Qt.TextFlag.TextWordWrap), value)
    return rect.height()


def elided(value: str, width: float, size: float, bold: bool = False) -> str:
    return QFontMetricsF(font(size, bold)).elidedText(value, Qt.TextElideMode.ElideRight, width)


def _rule(painter: QPainter, y: float, left: float, right: float, color: str = RULE,
          width: float = 0.8) -> None:
    painter.setPen(QPen(QColor(color), width))
    painter.drawLine(QPointF(left, y), QPointF(right, y))


def draw_furniture(painter: QPainter, context: PageContext, title: str) -> None:
    """Running head (report title, district and month) and footer (page n of N, source)."""
    _ = context.tr
    w, m = context.size.width(), context.margin
    head = QRectF(m, m - 4, w - 2 * m, 20)
    text(painter, head, report_title(context.data), 9.5, color=MUTED)
    text(painter, head, title, 9.5, align=Qt.AlignmentFlag.AlignRight
         | Qt.AlignmentFlag.AlignVCenter, color=MUTED)
    _rule(painter, m + 17, m, w - m)
    bottom = context.size.height() - m
    _rule(painter, bottom - 14, m, w - m)
    foot = QRectF(m, bottom - 12, w - 2 * m, 14)
    text(painter, foot, _("Page {page} of {pages}").format(page=context.number,
                                                            pages=context.total),
         9, align=Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, color=MUTED)
    text(painter, foot, _("Made {date} with gisapp").format(
        date=format_date(context.data.created, context.data.language)), 8.5, color=MUTED)


def report_title(data: ReportData) -> str:
    _ = translator(data.language)
    return _("{district}: grid patrol report {period}").format(
        district=data.district, period=format_month(data.start, data.language))


def format_month(day, language: str) -> str:
    _ = translator(language)
    return _("{year}-{month:02d}").format(year=day.year, month=day.month)


def format_date(day, language: str) -> str:
    _ = translator(language)
    return _("{year}-{month:02d}-{day:02d}").format(year=day.year, month=day.month, day=day.day)


# ---- the cover ------------------------------------------------------------------------------
class CoverPage(Page):
    furniture = False

    def __init__(self, sections: list[tuple[str, int]] | None = None):
        self.sections = sections or []
        self.title = N_("Cover")

    def draw(self, painter: QPainter, context: PageContext) -> None:
        data, _ = context.data, context.tr
        w, h, m = context.size.width(), context.size.height(), context.margin
        painter.fillRect(QRectF(0, 0, w, h * 0.36), QColor("#1f3a5f"))
        painter.fillRect(QRectF(0, h * 0.36, w, 5), QColor("#66bd63"))
        inner = QRectF(m * 1.5, h * 0.09, w - 3 * m, h * 0.25)
        text(painter, QRectF(inner.left(), inner.top(), inner.width(), 40), data.district,
             30, True, color="#ffffff")
        text(painter, QRectF(inner.left(), inner.top() + 52, inner.width(), 40),
             _("Environmental grid supervision"), 22, color="#dfe8f2")
        text(painter, QRectF(inner.left(), inner.top() + 92, inner.width(), 56),
             _("Monthly patrol coverage report"), 34, True, color="#ffffff")
        top = h * 0.36 + 40
        lines = [(_("Period"), _("{start} to {end}").format(
                    start=format_date(data.start, data.language),
                    end=format_date(data.last_day, data.language))),
                 (_("District"), data.district),
                 (_("Prepared"), format_date(data.created, data.language)),
                 (_("Data"), _("project {project}; patrol tracks of {month}").format(
                     project=data.project_name, month=format_month(data.start, data.language)))]
        for label, value in lines:
            text(painter, QRectF(m * 1.5, top, 120, 26), label, 14, color=MUTED)
            text(painter, QRectF(m * 1.5 + 125, top, w - 3 * m - 125, 26), value, 14, True)
            top += 32
        top += 14
        self._figures(painter, context, QRectF(m * 1.5, top, w - 3 * m, 150))
        top += 170
        if self.sections:
            text(painter, QRectF(m * 1.5, top, 300, 24), _("Contents"), 15, True)
            top += 30
            for name, page in self.sections:
                row = QRectF(m * 1.5, top, w - 3 * m, 22)
                text(painter, row, name, 12.5)
                text(painter, row, str(page), 12.5, align=Qt.AlignmentFlag.AlignRight
                     | Qt.AlignmentFlag.AlignVCenter)
                _rule(painter, top + 21, row.left(), row.right(), "#e1e5e8", 0.6)
                top += 24

    def _figures(self, painter: QPainter, context: PageContext, box: QRectF) -> None:
        """The month in six figures."""
        data, _ = context.data, context.tr
        grids, inspectors = data.grid_table, data.coverage.inspectors
        area = grids.loc[grids["level"] == 3, "grid_area_km2"].sum()
        swept = grids.loc[grids["level"] == 3, "swept_area_km2"].sum()
        required = int(data.streets["sources_required"].sum())
        visited = int(data.streets["sources_visited"].sum())
        sweeps = int(inspectors["full_sweep"].fillna(False).astype(bool).sum())
        figures = [
            (f"{len(inspectors)}", _("inspectors on patrol")),
            (f"{inspectors['distance_km'].sum():,.0f}", _("km patrolled")),
            (f"{swept / area * 100:.1f}%" if area else "–", _("of grid area swept")),
            (f"{visited}/{required}", _("sources visited")),
            (f"{required - visited}", _("sources missed")),
            (f"{sweeps}/{len(inspectors)}", _("inspectors with a full sweep")),
        ]
        columns = 3
        cell_w, cell_h = box.width() / columns, box.height() / 2
        for k, (value, label) in enumerate(figures):
            cell = QRectF(box.left() + (k % columns) * cell_w, box.top() + (k // columns)
                          * cell_h, cell_w - 10, cell_h - 10)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#eef2f6"))
            painter.drawRoundedRect(cell, 6, 6)
            text(painter, cell.adjusted(12, 8, -8, -cell_h * 0.42), value, 24, True,
                 color="#1f3a5f")
            text(painter, cell.adjusted(12, cell_h * 0.5, -8, -6), label, 11.5, color=MUTED)


# ---- the district map -------------------------------------------------------------------------
class DistrictMapPage(Page):
    def __init__(self):
        self.title = N_("District coverage map")

    def draw(self, painter: QPainter, context: PageContext) -> None:
        data, _, options = context.data, context.tr, context.options
        body = context.body
        heading = QRectF(body.left(), body.top(), body.width(), 30)
        text(painter, heading, _("Patrol coverage of every grid, {period}").format(
            period=format_month(data.start, data.language)), 17, True)
        measure = _(COLOUR_BY[options.colour_by])
        text(painter, QRectF(body.left(), body.top() + 28, body.width(), 20),
             _("Community grids coloured by {measure}; sources visited and missed; the "
                "swept area shaded").format(measure=measure), 10.5, color=MUTED)
        top = body.top() + 56
        note_height = 34
        if options.landscape:
            legend_w = 230
            frame = QRectF(body.left(), top, body.width() - legend_w - 12,
                           body.bottom() - top - note_height)
            legend_box = QRectF(frame.right() + 12, top, legend_w, frame.height())
        else:
            legend_h = 19 * math.ceil(len(district_legend(data, options.colour_by, _)) / 2) + 18
            frame = QRectF(body.left(), top, body.width(),
                           body.bottom() - top - legend_h - note_height - 8)
            legend_box = QRectF(body.left(), frame.bottom() + 10, body.width(), legend_h)
        layers = district_layers(data, options.colour_by, _)
        view = MapView.fit(union_extent([layers[0].extent()]) or (0, 0, 1, 1),
                           int(frame.width()), int(frame.height()), margin=0.03)
        draw_map(painter, frame, layers, view)
        draw_legend(painter, legend_box, district_legend(data, options.colour_by, _),
                    columns=1 if options.landscape else 2)
        draw_map_note(painter, QRectF(body.left(), body.bottom() - note_height + 4,
                                      body.width(), note_height - 4), context)


def district_layers(data: ReportData, colour_by: str, _) -> list:
    """District outline first (its extent is the map's), then streets, the community grids
    coloured by coverage, the swept area, sources visited and missed (bottom to top as
    drawn: the list is reordered in draw order by :func:`_draw_order`)."""
    grids = data.grids
    level3 = grids[grids["level"] == 3]
    share = coverage_share(data.grid_table, colour_by)
    by_code = dict(zip(data.grid_table["grid_code"].astype(str), share))
    classes = coverage_class([by_code.get(str(c), np.nan) for c in level3["grid_code"]])
    fills = [COVERAGE_COLOURS[k] if k >= 0 else NO_DATA_COLOUR for k in classes]
    district = PolygonLayer(grids.loc[grids["level"] == 1].geometry.values, _("District"),
                            "report:district", style=GRID_STYLE[1])
    streets = grids[grids["level"] == 2]
    street_layer = PolygonLayer(streets.geometry.values, _("Streets"), "report:streets",
                                style=GRID_STYLE[2], labels=streets["name"].astype(str).values,
                                label_size=12, label_bold=True, label_color="#1b2631")
    coverage = PolygonLayer(level3.geometry.values, _("Community grids"), "report:coverage",
                            fills=fills, style=GRID_STYLE[3])
    layers = [district, coverage]
    if data.swept is not None:
        swept = PolygonLayer([data.swept], _("Swept area"), "report:swept",
                   fills=[SWEPT_COLOUR], style=PolygonStyle(None, 0, fill_opacity=0.28))
        layers.append(swept)
    layers += [street_layer, district_outline(data)]
    layers += source_layers(data, _)
    return layers


def district_outline(data: ReportData) -> PolygonLayer:
    grids = data.grids
    return PolygonLayer(grids.loc[grids["level"] == 1].geometry.values, "", "report:outline",
                        style=GRID_STYLE[1])


def source_layers(data: ReportData, _, names: bool = False, within=None,
                  visited_radius: float = 2.4, missed_radius: float = 5.0) -> list[PointLayer]:
    """Visited (small green) and missed (red, ringed, on top) sources; ``names`` labels them
    (missed first); ``within``: a boolean mask of the sources to draw."""
    sources = data.sources if within is None else data.sources[within]
    out = []
    for state, colour, radius, ring, ring_width, priority in (
            (VISITED, VISITED_COLOUR, visited_radius, "#ffffff", 0.8, 100),
            (MISSED, MISSED_COLOUR, missed_radius, MISSED_RING, 1.4, 1000)):
        chosen = sources[sources["state"] == state]
        label = _("Visited sources") if state == VISITED else _("Sources missed")
        out.append(PointLayer(chosen.geometry.x.values, chosen.geometry.y.values, label,
                              f"report:{state}", colour, radius, ring, ring_width,
                              names=chosen["name"].astype(str).values if names else None,
                              label_size=10 if names else 0,
                              label_color="#8b0000" if state == MISSED else "#1b3d2a",
                              label_priority=priority))
    return out


def district_legend(data: ReportData, colour_by: str, _) -> list[LegendEntry]:
    entries = [LegendEntry(_(COLOUR_BY[colour_by]), Symbol("fill", "#6b7b8a", 0.6, "#ffffff",
                                                            0.0))]
    for colour, label in zip(COVERAGE_COLOURS, coverage_class_labels()):
        entries.append(LegendEntry(label, Symbol("fill", "#6b7b8a", 0.6, colour, 0.78), 1))
    entries.append(LegendEntry(_("No inspector this month"),
                               Symbol("fill", "#6b7b8a", 0.6, NO_DATA_COLOUR, 0.78), 1))
    entries += [
        LegendEntry(_("Swept area"), Symbol("fill", SWEPT_COLOUR, 0.5, SWEPT_COLOUR, 0.28)),
        LegendEntry(_("Visited sources"), Symbol("dot", VISITED_COLOUR, 6, halo="#ffffff")),
        LegendEntry(_("Sources missed"), Symbol("dot", MISSED_COLOUR, 10, halo=MISSED_RING)),
        LegendEntry(_("District boundary"), Symbol("line", GRID_STYLE[1].line_color, 2.2)),
        LegendEntry(_("Street boundaries"), Symbol("line", GRID_STYLE[2].line_color, 1.4)),
    ]
    return entries


def draw_map(painter: QPainter, frame: QRectF, layers: list, view: MapView,
             decorations: bool = True, border: str = "#7f8c8d", labels: bool = True) -> None:
    """``layers`` (bottom first) as ``view`` sees them inside ``frame``, with text labels,
    a scale bar and a north arrow, all vector."""
    painter.save()
    painter.translate(frame.topLeft())
    painter.setFont(font(11))
    render_map(layers, view, painter, background=PAPER, labels=False)
    painter.save()
    painter.setClipRect(QRectF(0, 0, view.width, view.height))
    if labels:
        draw_text_labels(painter, view, [label for layer in layers
                                         if layer.visible for label in layer.labels(view)],
                         family=list(font_families()))
    if decorations:
        paint_scale_bar(painter, view, max_pixels=min(160.0, view.width * 0.3))
        paint_north_arrow(painter, view, size=min(44.0, view.height * 0.14))
    painter.restore()
    painter.restore()
    painter.setPen(QPen(QColor(border), 1.0))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(frame)


def draw_legend(painter: QPainter, box: QRectF, entries: list[LegendEntry],
                columns: int = 1, title: str | None = None) -> None:
    """Legend entries in ``columns`` columns, swatches drawn as the layers draw them."""
    painter.save()
    painter.setPen(QPen(QColor(RULE), 0.8))
    painter.setBrush(QColor("#fbfbfb"))
    painter.drawRect(box)
    top = box.top() + 8
    if title:
        text(painter, QRectF(box.left() + 10, top, box.width() - 20, 18), title, 11.5, True)
        top += 22
    row_h = 19.0
    per_column = int(np.ceil(len(entries) / columns))
    col_w = (box.width() - 16) / columns
    for k, entry in enumerate(entries):
        col, row = divmod(k, per_column)
        x = box.left() + 8 + col * col_w + (14 if entry.level else 0)
        y = top + row * row_h
        if entry.level == 0 and entry.symbol.kind == "fill" and entry.symbol.fill_opacity == 0:
            text(painter, QRectF(x, y, col_w - 10, row_h), entry.label, 10.5, True)
            continue
        paint_symbol(painter, QRectF(x, y + 2, 24, row_h - 4), entry.symbol)
        text(painter, QRectF(x + 30, y, col_w - 44, row_h), elided(entry.label, col_w - 44,
                                                                   10.5), 10.5)
    painter.restore()


def draw_map_note(painter: QPainter, box: QRectF, context: PageContext) -> None:
    """CRS and data source, in the margin under the map."""
    _, data = context.tr, context.data
    crs = _("Coordinates: WGS 84 / CGCS2000 longitude and latitude (EPSG:4326), drawn in "
             "Web Mercator (EPSG:3857); areas in the district's CGCS2000 Gauss-Krüger zone.")
    source = _("Data: project {project} — grids, sources and assignments as of {date}; "
                "patrol tracks {start} to {end}, cleaned and measured by gisapp.").format(
        project=data.project_name, date=format_date(data.last_day, data.language),
        start=format_date(data.start, data.language),
        end=format_date(data.last_day, data.language))
    text(painter, QRectF(box.left(), box.top(), box.width(), box.height() / 2), crs, 8.5,
         color=MUTED)
    text(painter, QRectF(box.left(), box.top() + box.height() / 2, box.width(),
                         box.height() / 2), source, 8.5, color=MUTED)


# ---- tables -----------------------------------------------------------------------------------
@dataclass
class Column:
    header: str
    weight: float  # share of the table's width
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
    wrap: bool = False


@dataclass
class TableSpec:
    title: str
    columns: list[Column]
    rows: list[list[str]]
    fills: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> colour
    note: str = ""
    size: float = 9.5


class TablePage(Page):
    """Rows [first, last) of a table, its header repeated; a continued table says so."""

    def __init__(self, spec: TableSpec, first: int, last: int, continued: bool):
        self.spec, self.first, self.last, self.continued = spec, first, last, continued
        self.title = spec.title

    def draw(self, painter: QPainter, context: PageContext) -> None:
        spec, _ = self.spec, context.tr
        body = context.body
        title = spec.title + (_(" (continued)") if self.continued else "")
        text(painter, QRectF(body.left(), body.top(), body.width(), 28), title, 15, True)
        widths = _column_widths(spec, body.width())
        top = body.top() + 34
        header_h = _header_height(spec, widths)
        _table_header(painter, spec, widths, body.left(), top, header_h)
        top += header_h
        for r in range(self.first, self.last):
            height = _row_height(spec, r, widths)
            _table_row(painter, spec, r, widths, body.left(), top, height)
            top += height
        _rule(painter, top, body.left(), body.left() + sum(widths), "#7f8c8d", 0.9)
        if spec.note and self.last == len(spec.rows):
            text(painter, QRectF(body.left(), top + 6, body.width(), 60), spec.note, 9,
                 color=MUTED, wrap=True, align=Qt.AlignmentFlag.AlignLeft
                 | Qt.AlignmentFlag.AlignTop)


_CELL_PAD = 4.0


def _column_widths(spec: TableSpec, width: float) -> list[float]:
    total = sum(c.weight for c in spec.columns)
    return [width * c.weight / total for c in spec.columns]


def _header_height(spec: TableSpec, widths) -> float:
    return max(text_height(c.header, w - 2 * _CELL_PAD, spec.size, True)
               for c, w in zip(spec.columns, widths)) + 2 * _CELL_PAD


def _row_height(spec: TableSpec, r: int, widths) -> float:
    heights = [text_height(v, w - 2 * _CELL_PAD, spec.size) if c.wrap else
               QFontMetricsF(font(spec.size)).height()
               for v, c, w in zip(spec.rows[r], spec.columns, widths)]
    return max(heights) + 2 * _CELL_PAD - 1


def _table_header(painter, spec, widths, left, top, height) -> None:
    painter.fillRect(QRectF(left, top, sum(widths), height), QColor(HEADER_FILL))
    x = left
    for c, w in zip(spec.columns, widths):
        text(painter, QRectF(x + _CELL_PAD, top, w - 2 * _CELL_PAD, height), c.header,
             spec.size, True, Qt.AlignmentFlag.AlignCenter, wrap=True)
        x += w
    _rule(painter, top, left, x, "#7f8c8d", 0.9)
    _rule(painter, top + height, left, x, "#7f8c8d", 0.9)


def _table_row(painter, spec, r, widths, left, top, height) -> None:
    if r % 2:
        painter.fillRect(QRectF(left, top, sum(widths), height), QColor(ZEBRA))
    x = left
    for j, (value, c, w) in enumerate(zip(spec.rows[r], spec.columns, widths)):
        fill = spec.fills.get((r, j))
        if fill:
            painter.fillRect(QRectF(x + 1, top + 1, w - 2, height - 2), QColor(fill))
        cell = QRectF(x + _CELL_PAD, top + _CELL_PAD - 0.5, w - 2 * _CELL_PAD,
                      height - 2 * _CELL_PAD + 1)
        shown = value if c.wrap else elided(value, cell.width(), spec.size)
        text(painter, cell, shown, spec.size, align=c.align | (
            Qt.AlignmentFlag.AlignTop if c.wrap else Qt.AlignmentFlag.AlignVCenter),
            wrap=c.wrap)
        x += w
    _rule(painter, top + height, left, x, "#dde2e6", 0.6)


def paginate(spec: TableSpec, context: PageContext) -> list[TablePage]:
    """Cut the table into pages of the body's height."""
    body = context.body
    widths = _column_widths(spec, body.width())
    available = body.height() - 34 - _header_height(spec, widths) - 8
    pages, first, used = [], 0, 0.0
    for r in range(len(spec.rows)):
        height = _row_height(spec, r, widths)
        if used + height > available and r > first:
            pages.append(TablePage(spec, first, r, bool(pages)))
            first, used = r, 0.0
        used += height
    pages.append(TablePage(spec, first, len(spec.rows), bool(pages)))
    return pages


def bulletin_spec(data: ReportData) -> TableSpec:
    """The bulletin's columns that fit a page, grid codes as names, grades coloured."""
    _ = translator(data.language)
    table = data.bulletin
    names = dict(zip(data.grids["grid_code"].astype(str), data.grids["name"].astype(str)))
    grids_of = dict(zip(data.coverage.inspectors["inspector_id"].astype(str),
                        data.coverage.inspectors["grids"].astype(str)))
    header = {k: _(v) for k, v in BULLETIN_COLUMNS.items()}
    chosen = [("rank", 0.45, "c"), ("name", 0.8, "l"), ("grids", 1.7, "w"),
              ("distance_km", 0.75, "r"), ("patrol_hours", 0.75, "r"),
              ("active_days", 0.55, "r"), ("sources_required", 0.6, "r"),
              ("sources_visited", 0.6, "r"), ("full_sweep", 0.55, "c"),
              ("swept_percent", 0.75, "r"), ("flags", 0.55, "r"), ("score", 0.55, "r"),
              ("grade", 0.9, "w"), ("missed_sources", 1.6, "w")]
    chosen = [c for c in chosen if header[c[0]] in table.columns]
    align = {"l": Qt.AlignmentFlag.AlignLeft, "r": Qt.AlignmentFlag.AlignRight,
             "c": Qt.AlignmentFlag.AlignHCenter, "w": Qt.AlignmentFlag.AlignLeft}
    columns = [Column(header[k], w, align[a], a == "w") for k, w, a in chosen]
    colours = {**DEFAULT_GRADE_COLOURS, **(data.grade_colours or {})}
    rows, fills = [], {}
    ids = table[header["inspector_id"]].astype(str)
    for r, (_index, row) in enumerate(table.iterrows()):
        cells = []
        for j, (key, _w, _a) in enumerate(chosen):
            value = row[header[key]]
            if key == "grids":
                value = _(", ").join(names.get(c, c) for c in
                                    grids_of.get(ids.iloc[r], "").split("; ") if c)
            cells.append(_cell(value))
            if key == "grade" and str(value) in colours:
                fills[(r, j)] = "#" + colours[str(value)].lstrip("#")
        rows.append(cells)
    note = _("Ranked by score where scored, else by the share of grid area swept, then by "
             "the share of sources visited. A provisional grade waits for the bureau's "
             "sheet of the month.")
    return TableSpec(data.bulletin_title, columns, rows, fills, note, size=9)


def _cell(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{value:.1f}"
    return str(value)


# ---- coverage per street: a chart -------------------------------------------------------------
class StreetChartPage(Page):
    def __init__(self):
        self.title = N_("Coverage per street")

    def draw(self, painter: QPainter, context: PageContext) -> None:
        data, _ = context.data, context.tr
        body = context.body
        text(painter, QRectF(body.left(), body.top(), body.width(), 28),
             _("Patrol coverage per street, {period}").format(
                 period=format_month(data.start, data.language)), 15, True)
        streets = data.streets
        spec = street_table_spec(data)
        widths = _column_widths(spec, body.width())
        table_h = _header_height(spec, widths) + sum(_row_height(spec, r, widths)
                                                     for r in range(len(spec.rows)))
        table_h = min(table_h, body.height() * 0.5)
        chart = QRectF(body.left(), body.top() + 40, body.width(),
                       body.height() - 40 - table_h - 24)
        draw_bar_chart(painter, chart, streets["street"].astype(str).tolist(),
                       [(_("Grid area swept (%)"), SWEPT_COLOUR,
                         streets["swept_percent"].astype(float).tolist()),
                        (_("Sources visited (%)"), VISITED_COLOUR,
                         streets["visited_percent"].astype(float).tolist())])
        top = chart.bottom() + 20
        header_h = _header_height(spec, widths)
        _table_header(painter, spec, widths, body.left(), top, header_h)
        top += header_h
        for r in range(len(spec.rows)):
            height = _row_height(spec, r, widths)
            if top + height > body.bottom():
                break
            _table_row(painter, spec, r, widths, body.left(), top, height)
            top += height


def street_table_spec(data: ReportData) -> TableSpec:
    _ = translator(data.language)
    right = Qt.AlignmentFlag.AlignRight
    columns = [Column(_("Street"), 1.3), Column(_("Number of grids"), 0.6, right),
               Column(_("Grid area (km²)"), 0.9, right), Column(_("Area swept (km²)"), 0.9, right),
               Column(_("Grid area swept (%)"), 0.9, right),
               Column(_("Sources visited"), 1.0, right),
               Column(_("Sources visited (%)"), 0.9, right),
               Column(_("Grids fully swept"), 0.9, right)]
    rows = [[str(r.street), str(r.grids), f"{r.grid_area_km2:.2f}", f"{r.swept_area_km2:.2f}",
             _cell(r.swept_percent), f"{r.sources_visited}/{r.sources_required}",
             _cell(r.visited_percent), str(r.full_sweeps)]
            for r in data.streets.itertuples(index=False)]
    return TableSpec("", columns, rows, size=9)


def draw_bar_chart(painter: QPainter, box: QRectF, categories: list[str],
                   series: list[tuple[str, str, list[float]]], maximum: float = 100.0) -> None:
    """Horizontal grouped bars (one group per category), with values, a 0–100 axis with
    grid lines and a key: paths and text, so it stays vector."""
    painter.save()
    label_w = max((QFontMetricsF(font(10.5)).horizontalAdvance(c) for c in categories),
                  default=40) + 12
    key_h = 24
    plot = QRectF(box.left() + label_w, box.top() + key_h, box.width() - label_w - 52,
                  box.height() - key_h - 22)
    # key
    x = plot.left()
    for name, colour, _values in series:
        painter.fillRect(QRectF(x, box.top() + 6, 14, 10), QColor(colour))
        width = QFontMetricsF(font(10.5)).horizontalAdvance(name)
        text(painter, QRectF(x + 20, box.top(), width + 6, 22), name, 10.5)
        x += width + 44
    # axis and grid
    for tick in range(0, int(maximum) + 1, 10):
        gx = plot.left() + plot.width() * tick / maximum
        painter.setPen(QPen(QColor("#d5dbe0" if tick else "#7f8c8d"), 0.7 if tick else 1.0))
        painter.drawLine(QPointF(gx, plot.top()), QPointF(gx, plot.bottom()))
        text(painter, QRectF(gx - 20, plot.bottom() + 2, 40, 16), f"{tick}", 9,
             align=Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, color=MUTED)
    text(painter, QRectF(plot.right() + 22, plot.bottom() + 2, 30, 16), "%", 9, color=MUTED)
    count = max(len(categories), 1)
    group_h = plot.height() / count
    bar_h = min(group_h * 0.78 / max(len(series), 1), 16)
    for i, category in enumerate(categories):
        top = plot.top() + i * group_h + (group_h - bar_h * len(series)) / 2
        text(painter, QRectF(box.left(), plot.top() + i * group_h, label_w - 8, group_h),
             category, 10.5, align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for k, (_name, colour, values) in enumerate(series):
            value = values[i] if i < len(values) else float("nan")
            y = top + k * bar_h
            if value == value:  # not NaN
                length = plot.width() * min(max(value, 0.0), maximum) / maximum
                painter.fillRect(QRectF(plot.left(), y + 1, length, bar_h - 2), QColor(colour))
                text(painter, QRectF(plot.left() + length + 3, y, 44, bar_h), f"{value:.1f}",
                     8.5, color=INK)
    painter.restore()


# ---- the plan ---------------------------------------------------------------------------------
def plan_report(data: ReportData, options: ReportOptions = ReportOptions(),
                progress: Progress | None = None) -> list[Page]:
    """Every page in order: cover, district map, bulletin, street chart, then the atlas
    (contents and one page per grid) when ``options.atlas_level`` is set."""
    ensure_gui()
    context = PageContext(data, options)
    cover = CoverPage()
    pages: list[Page] = [cover, DistrictMapPage()]
    bulletin = paginate(bulletin_spec(data), context)
    pages += bulletin
    pages.append(StreetChartPage())
    missed = missed_spec(data)
    missed_pages = paginate(missed, context) if missed.rows else []
    pages += missed_pages
    atlas_start = None
    if options.atlas_level is not None:
        from gisapp.layers.atlas import atlas_pages
        atlas_start = len(pages) + 1
        pages += atlas_pages(data, options, first_page=len(pages) + 1, progress=progress)
    _ = context.tr
    sections = [(_("District coverage map"), 2), (data.bulletin_title, 3),
                (_("Coverage per street"), 3 + len(bulletin))]
    if missed_pages:
        sections.append((_("Missed sources"), 4 + len(bulletin)))
    if atlas_start is not None:
        sections.append((_("Atlas of grids (level {level})").format(
            level=options.atlas_level), atlas_start))
    cover.sections = sections
    return pages


def missed_spec(data: ReportData) -> TableSpec:
    _ = translator(data.language)
    table = present(data.missed, data.language, ["street", "grid", "inspector", "source",
                                                 "category", "address", "required_days"])
    weights = [0.9, 1.0, 0.7, 1.4, 0.9, 1.9, 0.6]
    columns = [Column(str(h), w, Qt.AlignmentFlag.AlignRight if k == 6 else
                      Qt.AlignmentFlag.AlignLeft, k in (3, 5))
               for k, (h, w) in enumerate(zip(table.columns, weights))]
    rows = [[_cell(v) for v in row] for row in table.itertuples(index=False)]
    return TableSpec(_("Missed sources, {period}").format(
        period=format_month(data.start, data.language)), columns, rows, size=9)


def write_report_pdf(path: str | Path, data: ReportData,
                     options: ReportOptions = ReportOptions(),
                     progress: Progress | None = None, pages: list[Page] | None = None) -> Path:
    """Write the report to ``path`` through a temporary file in the same folder, renamed at
    the end: a failure, or a cancel raised by ``progress``, leaves no half-written PDF."""
    ensure_gui()
    path = Path(path)
    pages = pages if pages is not None else plan_report(data, options)
    with atomic_target(path) as temporary:
        writer = QPdfWriter(str(temporary))
        writer.setResolution(DPI)
        layout = QPageLayout(QPageSize(PAPERS[options.paper]),
                             QPageLayout.Orientation.Landscape if options.landscape
                             else QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
        writer.setPageLayout(layout)
        writer.setTitle(report_title(data))
        writer.setCreator("gisapp")
        painter = QPainter(writer)
        try:
            for k, page in enumerate(pages):
                step(progress, k, len(pages), translator(data.language)(page.title)
                     if page.title else "")
                if k:
                    writer.newPage()
                draw_page(painter, page, PageContext(data, options, k + 1, len(pages)))
        finally:
            painter.end()
        fix_to_unicode(temporary)
    step(progress, len(pages), len(pages), "")
    return path


def draw_page(painter: QPainter, page: Page, context: PageContext) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    page.draw(painter, context)
    if page.furniture:
        draw_furniture(painter, context, context.tr(page.title) if page.title else "")
    painter.restore()


def render_page(page: Page, context: PageContext, width: int) -> QImage:
    """The page as an image ``width`` pixels wide (the dialog's preview)."""
    ensure_gui()
    size = context.size
    scale = width / size.width()
    image = QImage(width, round(size.height() * scale), QImage.Format.Format_RGB32)
    image.fill(QColor(PAPER))
    painter = QPainter(image)
    painter.scale(scale, scale)
    try:
        draw_page(painter, page, context)
    finally:
        painter.end()
    return image


# ---- searchable Chinese -----------------------------------------------------------------------
def fix_to_unicode(path: str | Path) -> int:
    """Repair the ToUnicode maps Qt writes for embedded CJK fonts; returns how many codes
    were changed.

    Qt maps each glyph back to the lowest code point that shows it, and Noto Sans CJK draws
    the Kangxi radicals (U+2F00…) and many CJK radicals (U+2E80…) with the glyphs of the
    ideographs they look like: extracted text would read ⽹格 instead of 网格, and a search
    for 网格 would fail. Each such code is replaced by the ideograph of the same glyph. The
    maps are uncompressed streams and the codes keep their four hex digits, so no length or
    offset in the file changes.
    """
    path = Path(path)
    content = bytearray(path.read_bytes())
    twins = radical_twins()
    changed = 0
    for match in re.finditer(rb"/ToUnicode (\d+) 0 R", bytes(content)):
        found = re.search(rb"\n" + match.group(1) + rb" 0 obj\s*<<([^>]*)>>\s*stream\r?\n",
                          bytes(content))
        if not found or b"/Filter" in found.group(1):
            continue
        length = re.search(rb"/Length (\d+)(?! 0 R)", found.group(1))
        if not length:
            continue
        start, end = found.end(), found.end() + int(length.group(1))
        stream = content[start:end].decode("latin-1")
        fixed, count = _fix_cmap(stream, twins)
        if count:
            assert len(fixed) == len(stream)
            content[start:end] = fixed.encode("latin-1")
            changed += count
    if changed:
        path.write_bytes(bytes(content))
    return changed


def _fix_cmap(cmap: str, twins: dict[int, int]) -> tuple[str, int]:
    """Replace the destination codes of bfchar and bfrange entries that are radicals."""
    count = 0

    def swap(match: re.Match) -> str:
        nonlocal count
        code = int(match.group(1), 16)
        if code in twins:
            count += 1
            return f"<{twins[code]:04X}>"
        return match.group(0)

    out = []
    section = None
    for line in cmap.split("\n"):
        stripped = line.strip()
        if stripped.endswith("beginbfrange"):
            section = "range"
        elif stripped.endswith("beginbfchar"):
            section = "char"
        elif stripped in ("endbfrange", "endbfchar"):
            section = None
        elif section == "range" and "[" in line:
            head, _bracket, rest = line.partition("[")
            line = head + "[" + re.sub(r"<([0-9A-Fa-f]{4})>", swap, rest)
        elif section in ("range", "char"):
            codes = list(re.finditer(r"<([0-9A-Fa-f]{4})>", line))
            destination = codes[2] if section == "range" and len(codes) == 3 else (
                codes[1] if section == "char" and len(codes) == 2 else None)
            if destination is not None and (section == "char"
                                            or codes[0].group(1) == codes[1].group(1)):
                line = (line[:destination.start()] + swap(destination)
                        + line[destination.end():])
        out.append(line)
    return "\n".join(out), count


@lru_cache(maxsize=1)
def radical_twins() -> dict[int, int]:
    """Radical code point -> the unified ideograph the report font draws with the same glyph
    (U+2F79 ⽹ -> U+7F51 网, U+2EDA ⻚ -> U+9875 页 ...)."""
    ensure_gui()
    raw = QRawFont.fromFont(font(12))
    if not raw.isValid():
        return {}
    ideographs = "".join(chr(c) for c in range(0x4E00, 0xA000))
    glyph_of = {}
    for code, glyph in zip(range(0x4E00, 0xA000), raw.glyphIndexesForString(ideographs)):
        if glyph:
            glyph_of.setdefault(glyph, code)
    radicals = list(range(0x2E80, 0x2FE0))
    glyphs = raw.glyphIndexesForString("".join(chr(c) for c in radicals))
    return {code: glyph_of[glyph] for code, glyph in zip(radicals, glyphs)
            if glyph and glyph in glyph_of}
