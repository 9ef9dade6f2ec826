"""Exports of one month for a meeting, as the CLI's ``report`` and the window's Export Report
dialog run them: the figures are computed once (gisapp.reports.report_tables), then each asked
output is written: the PDF report and atlas, the offline HTML map, the XLSX workbook and a PNG
of the district map; and a PNG of any map view at a chosen DPI (File > Export Map as PNG).

Each writer writes a temporary file beside its target and renames it at the end, and every
progress step may raise :class:`gisapp.errors.Cancelled`: a failed or cancelled export leaves
no half-written file under a target's name (targets already finished stay).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from gisapp.layers.decorations import paint_north_arrow, paint_scale_bar
from gisapp.layers.page import (ReportOptions, district_layers, ensure_gui, font,
                                plan_report, write_report_pdf)
from gisapp.layers.render import render_map
from gisapp.layers.view import MapView, union_extent
from gisapp.progress import Progress, step
from gisapp.reports.html import write_report_html
from gisapp.reports.report_tables import ReportData, build_report_data
from gisapp.reports.xlsx import atomic_target
from gisapp.reports.xlsx_report import write_report_xlsx
from gisapp.scoring.language import translator

MIN_DPI, MAX_DPI = 72, 1200
BASE_DPI = 96  # a view pixel at 96 dpi is one screen pixel at 100 % scale


@dataclass(frozen=True)
class ReportRequest:
    """The month and the files to write (None: not this one) with their options."""

    month: str
    pdf: Path | None = None
    html: Path | None = None
    xlsx: Path | None = None
    png: Path | None = None
    options: ReportOptions = ReportOptions()
    language: str = "zh_CN"
    dpi: int = 150
    png_size: tuple[int, int] = (1400, 1000)  # view pixels (at 96 dpi) of the PNG's map
    tiles: Path | None = None  # MBTiles or tile folder for the HTML basemap
    rules: str | None = None
    sheet: Path | None = None

    @property
    def targets(self) -> list[Path]:
        return [Path(p) for p in (self.pdf, self.html, self.xlsx, self.png) if p]


@dataclass
class ReportResult:
    data: ReportData
    written: list[Path] = field(default_factory=list)
    pages: int = 0


# share of the progress bar each part takes
_WEIGHTS = {"data": 35, "pdf": 35, "html": 15, "xlsx": 5, "png": 10}


def export_report(project, request: ReportRequest, progress: Progress | None = None,
                  data: ReportData | None = None) -> ReportResult:
    """Compute the month (unless ``data`` is given) and write every requested file."""
    ensure_gui()
    parts = ["data"] * (data is None) + [k for k in ("pdf", "html", "xlsx", "png")
                                         if getattr(request, k)]
    total = sum(_WEIGHTS[p] for p in parts) * 100
    done = 0

    def stage(name: str):
        offset = done

        def report(d, t, text=""):
            step(progress, offset + int(_WEIGHTS[name] * 100 * d / max(t, 1)), total,
                 f"{name}: {text}" if text else name)
        return report

    if data is None:
        atlas = request.options.atlas_level is not None
        data = build_report_data(project, request.month, language=request.language,
                                 rules=request.rules, sheet=request.sheet,
                                 tracks=bool(request.html) or (bool(request.pdf) and atlas),
                                 swept=bool(request.pdf or request.html or request.png),
                                 progress=stage("data"))
        done += _WEIGHTS["data"] * 100
    result = ReportResult(data)
    if request.pdf:
        pages = plan_report(data, request.options)
        write_report_pdf(request.pdf, data, request.options, stage("pdf"), pages=pages)
        result.written.append(Path(request.pdf))
        result.pages = len(pages)
        done += _WEIGHTS["pdf"] * 100
    if request.html:
        write_report_html(request.html, data, colour_by=request.options.colour_by,
                          tiles=request.tiles, progress=stage("html"))
        result.written.append(Path(request.html))
        done += _WEIGHTS["html"] * 100
    if request.xlsx:
        write_report_xlsx(request.xlsx, data, progress=stage("xlsx"))
        result.written.append(Path(request.xlsx))
        done += _WEIGHTS["xlsx"] * 100
    if request.png:
        width, height = request.png_size
        layers = district_layers(data, request.options.colour_by,
                                 translator(data.language))
        extent = union_extent([layers[0].extent()]) or (0.0, 0.0, 1.0, 1.0)
        view = MapView.fit(extent, width, height, margin=0.04)
        export_map_png(layers, view, request.png, request.dpi, progress=stage("png"))
        result.written.append(Path(request.png))
        done += _WEIGHTS["png"] * 100
    step(progress, total, total, "")
    return result


def png_size(view: MapView, dpi: float) -> tuple[int, int]:
    """Pixels of the PNG of ``view`` at ``dpi``: the view's size at 96 dpi, scaled.

    >>> png_size(MapView(0.0, 0.0, 1.0, 800, 600), 300)
    (2500, 1875)
    """
    ratio = dpi / BASE_DPI
    return round(view.width * ratio), round(view.height * ratio)


def export_map_png(layers, view: MapView, path: str | Path, dpi: float = 150,
                   decorations: bool = True, background: str | None = "#ffffff",
                   progress: Progress | None = None) -> Path:
    """``view`` with ``layers`` (bottom first) as a PNG at ``dpi``: the view's size at 96 dpi
    scaled by dpi / 96 (an 800 px view at 300 dpi is 2500 px wide), the DPI written into the
    file, with a scale bar and a north arrow. Written to a temporary file and renamed."""
    ensure_gui()
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise ValueError(f"dpi {dpi}: between {MIN_DPI} and {MAX_DPI}")
    path = Path(path)
    step(progress, 0, 3, "render")
    width, height = png_size(view, dpi)
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    ratio = dpi / BASE_DPI
    image.setDevicePixelRatio(ratio)
    image.fill(QColor(background) if background else Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        painter.setFont(font(11))
        render_map(layers, view, painter, background=background)
        if decorations:
            painter.setClipRect(QRectF(0, 0, view.width, view.height))
            paint_scale_bar(painter, view)
            paint_north_arrow(painter, view)
    finally:
        painter.end()
    step(progress, 1, 3, "write")
    dots_per_metre = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    with atomic_target(path) as temporary:
        if not image.save(str(temporary), "PNG"):
            raise OSError(f"{path}: could not write the PNG")
        step(progress, 2, 3, "write")
    step(progress, 3, 3, "")
    return path
