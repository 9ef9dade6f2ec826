"""The PDF report and atlas read back with poppler (pdftotext, pdffonts, pdfimages, pdfinfo):
Chinese text that can be found, inspector names and figures, the pages expected, fonts
embedded, vector maps (no images); PNG export at a DPI; a cancelled export leaves no file."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from PySide6.QtGui import QImage

from gisapp.errors import Cancelled
from gisapp.layers.exports import export_map_png, png_size
from gisapp.layers.page import (ReportOptions, fix_to_unicode, plan_report, radical_twins,
                                write_report_pdf)
from gisapp.layers.report_layers import PolygonLayer
from gisapp.layers.view import MapView
from tests.browser.report_demo import XSS_NAME, demo_report

poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                             reason="poppler-utils not installed (scripts/setup.sh)")


def pdf_text(path, first: int | None = None, last: int | None = None) -> str:
    pages = ([f"-f", str(first)] if first else []) + ([f"-l", str(last)] if last else [])
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                          text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture(scope="module")
def report(tmp_path_factory, qapp):
    data = demo_report()
    pages = plan_report(data, ReportOptions())
    path = write_report_pdf(tmp_path_factory.mktemp("pdf") / "报告.pdf", data, pages=pages)
    return path, data, pages


@pytest.fixture(scope="module")
def atlas(tmp_path_factory, qapp):
    data = demo_report()
    options = ReportOptions(atlas_level=3, paper="A4", orientation="landscape")
    pages = plan_report(data, options)
    path = write_report_pdf(tmp_path_factory.mktemp("atlas") / "图集.pdf", data, options,
                            pages=pages)
    return path, data, pages


@poppler
def test_the_report_reads_as_chinese_text_with_names_and_figures(report):
    path, data, pages = report
    text = pdf_text(path)
    assert "绿源区" in text and "月度巡查覆盖报告" in text and "网格化环境监管" in text
    assert "2026年10月网格员巡查通报" in text
    assert "⽹" not in text and "⽉" not in text  # Kangxi radicals repaired
    for name in data.bulletin["姓名"].head(10):
        assert name in text
    first = data.bulletin.iloc[0]
    assert f"{first['巡查里程（公里）']:.1f}" in text
    assert f"{first['网格面积覆盖率（%）']:.1f}" in text
    for street in data.streets["street"]:
        assert street in text  # the chart and its table
    assert "坐标系" in text and "EPSG:4326" in text and "数据来源" in text
    assert XSS_NAME in text  # a missed source, in the missed-sources table as text
    assert pdf_pages(path) == len(pages)


@poppler
def test_fonts_are_embedded_and_maps_are_vector(report):
    path, _data, _pages = report
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # emb
    assert any("NotoSansCJK" in line for line in fonts)
    images = subprocess.run(["pdfimages", "-list", str(path)], check=True,
                            capture_output=True, text=True).stdout.splitlines()[2:]
    assert images == []  # no picture of a map: paths and text only


@poppler
def test_the_atlas_has_a_page_per_grid_and_contents_with_page_numbers(atlas):
    path, data, pages = atlas
    grids = data.grids[data.grids["level"] == 3]
    contents = [p for p in pages if type(p).__name__ == "ContentsPage"]
    grid_pages = [p for p in pages if type(p).__name__ == "AtlasPage"]
    assert len(grid_pages) == len(grids) and contents
    assert pdf_pages(path) == len(pages)
    first_contents = pages.index(contents[0]) + 1
    contents_text = pdf_text(path, first_contents, first_contents + len(contents) - 1)
    for page in grid_pages[:5] + grid_pages[-3:]:
        number = pages.index(page) + 1
        line = next(line for line in contents_text.splitlines() if page.code in line)
        assert line.split()[-1] == str(number)  # the contents point at the right page
        text = pdf_text(path, number, number)
        assert page.name in text and page.code in text
        row = data.grid_row(page.code)
        assert f"{row['swept_percent']:.1f}" in text
        names = data.inspector_names
        for inspector in str(row["inspectors"]).split("; "):
            assert names[inspector] in text
        persons = data.persons[data.persons["grid_code"] == page.code]
        assert all(name in text for name in persons["name"])


@poppler
def test_an_atlas_page_names_its_visited_and_missed_sources(atlas):
    path, data, pages = atlas
    missed = data.sources[data.sources["state"] == "missed"].iloc[0]
    page = next(p for p in pages if getattr(p, "code", None) == missed["grid_code"])
    text = pdf_text(path, pages.index(page) + 1, pages.index(page) + 1)
    assert missed["name"] in text
    visited = data.sources[(data.sources["state"] == "visited")
                           & (data.sources["grid_code"] == page.code)]
    found = sum(name in text for name in visited["name"])
    assert found >= len(visited) * 0.6  # labels that would overlap are left out


def test_a_cancelled_report_leaves_no_file(tmp_path, qapp):
    data = demo_report()

    def cancel(done, total, text=""):
        if done >= 3:
            raise Cancelled("test")
    with pytest.raises(Cancelled):
        write_report_pdf(tmp_path / "report.pdf", data, progress=cancel)
    assert list(tmp_path.iterdir()) == []


def test_fix_to_unicode_names_ideographs_not_radicals(tmp_path, qapp):
    twins = radical_twins()
    if not twins:
        pytest.skip("no CJK font installed")
    assert twins[0x2F79] == ord("网") and twins[0x2F49] == ord("月")
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QPainter, QPdfWriter
    from gisapp.layers.page import font
    path = tmp_path / "网格.pdf"
    writer = QPdfWriter(str(path))
    painter = QPainter(writer)
    painter.setFont(font(20))
    painter.drawText(QPointF(50, 100), "网格月报")
    painter.end()
    assert fix_to_unicode(path) >= 2
    if shutil.which("pdftotext"):
        assert "网格月报" in pdf_text(path)


def test_png_export_matches_the_dpi(tmp_path, qapp):
    data = demo_report()
    grids = data.grids[data.grids["level"] == 2]
    layer = PolygonLayer(grids.geometry.values, "streets", "streets",
                         fills=["#66bd63"] * len(grids))
    view = MapView.fit(layer.extent(), 400, 300)
    path = export_map_png([layer], view, tmp_path / "map.png", dpi=240)
    image = QImage(str(path))
    assert (image.width(), image.height()) == png_size(view, 240) == (1000, 750)
    assert round(image.dotsPerMeterX() * 0.0254) == 240
    pixels = np.frombuffer(image.convertToFormat(QImage.Format.Format_RGB888).constBits(),
                           np.uint8)
    assert (pixels != 255).any()  # something was drawn

    def cancel(done, total, text=""):
        if done >= 1:
            raise Cancelled("test")
    with pytest.raises(Cancelled):
        export_map_png([layer], view, tmp_path / "cancelled.png", dpi=240, progress=cancel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png"]
