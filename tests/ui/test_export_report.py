"""File > Export Report… and Export Map as PNG…: the dialog previews pages, exports through the
worker with progress, Cancel leaves no file; the map PNG has the size its DPI says."""

from __future__ import annotations

import time

import pytest
from PySide6.QtGui import QImage

from gisapp.layers.exports import png_size
from gisapp.ui.dialogs.export_report import ExportReportDialog
from gisapp.ui.main_window import MainWindow
from tests.browser.report_demo import demo_project


@pytest.fixture(scope="module")
def project():
    return demo_project()


def test_the_dialog_previews_pages_and_exports(qtbot, project, tmp_path):
    dialog = ExportReportDialog(project, folder=tmp_path)
    qtbot.addWidget(dialog)
    assert dialog.month.currentText() == "2026-10"
    task = dialog.preview()
    assert task.wait(120_000) and task.state == "succeeded"
    assert len(dialog.pages) >= 5 and not dialog.preview_label.pixmap().isNull()
    assert dialog.page_label.text() == f"Page 1 of {len(dialog.pages)}"
    dialog.next_button.click()
    assert dialog.page_index == 1
    dialog.atlas.setCurrentIndex(dialog.atlas.findData(3))  # the preview follows
    assert len(dialog.pages) > 100
    dialog.enabled["xlsx"].setChecked(True)
    dialog.enabled["png"].setChecked(True)
    dialog.dpi.setValue(96)
    progress = []
    task = dialog.export()
    task.progressed.connect(lambda done, total, text: progress.append((done, total)))
    assert task.wait(180_000) and task.state == "succeeded", task.traceback
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(f"{project.meta['name']}_2026-10.{k}" for k in ("pdf", "xlsx", "png"))
    assert progress and progress[-1][0] == progress[-1][1]
    assert "Wrote" in dialog.status.text()


def test_cancel_leaves_no_half_written_file(qtbot, project, tmp_path):
    dialog = ExportReportDialog(project, folder=tmp_path)
    qtbot.addWidget(dialog)
    dialog.atlas.setCurrentIndex(dialog.atlas.findData(3))
    dialog.enabled["html"].setChecked(True)
    task = dialog.export()
    seen = []

    def cancel_once_writing(done, total, text):
        seen.append(text)
        if text.startswith("pdf"):  # the PDF is being written: stop there
            dialog.cancel_button.click()
    task.progressed.connect(cancel_once_writing)
    assert task.wait(180_000)
    assert task.state == "cancelled"
    assert any(t.startswith("pdf") for t in seen)
    assert list(tmp_path.iterdir()) == []
    assert "Cancelled" in dialog.status.text()


def test_the_window_exports_the_map_as_png_at_a_dpi(qtbot, settings, project, tmp_path):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    window.set_project(project)
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "Export &Report…" in texts and "Export Map as &PNG…" in texts
    task = window.export_map_png(tmp_path / "map.png", dpi=192)
    assert task.wait(60_000) and task.state == "succeeded", task.traceback
    image = QImage(str(tmp_path / "map.png"))
    view = window.canvas.view
    assert (image.width(), image.height()) == png_size(view, 192) == (2 * view.width,
                                                                      2 * view.height)
    assert round(image.dotsPerMeterX() * 0.0254) == 192
    dialog = window.open_export_report_dialog()
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and dialog.windowTitle() == "Export Report"
