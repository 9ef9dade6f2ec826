"""File > Export Report…: choose the month, the files (PDF report and atlas, offline HTML map,
XLSX workbook, PNG map) and their options, look at the pages before writing them, and export
with progress and Cancel. The work runs in gisapp.layers.exports through a worker Task; the
dialog only gathers choices and shows what the Task reports.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)

from gisapp.i18n import _, language
from gisapp.layers.exports import MAX_DPI, MIN_DPI, ReportRequest, export_report
from gisapp.layers.page import PageContext, ReportOptions, plan_report, render_page
from gisapp.reports.report_tables import ReportData, build_report_data
from gisapp.ui.workers import Task

OUTPUTS = ("pdf", "html", "xlsx", "png")
PREVIEW_WIDTH = 360


class ExportReportDialog(QDialog):
    """Emits ``exported(list of paths)`` when an export finished."""

    exported = Signal(list)

    def __init__(self, project, parent: QWidget | None = None, folder: str | Path | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Export Report"))
        self.project = project
        self.folder = Path(folder) if folder else Path(project.path).parent
        self.task: Task | None = None
        self.data: ReportData | None = None  # computed for the preview, reused by the export
        self.pages: list = []
        self.page_index = 0
        self._build()
        self._fill_defaults()

    # ---- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.month = QComboBox()
        months = sorted({p.month for p in self.project.partitions}, reverse=True)
        self.month.addItems(months)
        self.language_box = QComboBox()
        self.language_box.addItem("中文", "zh_CN")
        self.language_box.addItem("English", "en")
        self.language_box.setCurrentIndex(0 if language() == "zh_CN" else 1)
        files = QGroupBox(_("Files"))
        grid = QGridLayout(files)
        self.enabled: dict[str, QCheckBox] = {}
        self.paths: dict[str, QLineEdit] = {}
        labels = {"pdf": _("PDF report"), "html": _("Interactive map (HTML)"),
                  "xlsx": _("Excel workbook"), "png": _("Map image (PNG)")}
        for row, key in enumerate(OUTPUTS):
            box = QCheckBox(labels[key])
            edit = QLineEdit()
            browse = QPushButton(_("Browse…"))
            browse.clicked.connect(lambda _checked=False, k=key: self._browse(k))
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(browse.setEnabled)
            grid.addWidget(box, row, 0)
            grid.addWidget(edit, row, 1)
            grid.addWidget(browse, row, 2)
            self.enabled[key], self.paths[key] = box, edit
        pdf = QGroupBox(_("PDF options"))
        form = QFormLayout(pdf)
        self.paper = QComboBox()
        self.paper.addItems(["A4", "A3"])
        self.orientation = QComboBox()
        self.orientation.addItem(_("Portrait"), "portrait")
        self.orientation.addItem(_("Landscape"), "landscape")
        self.atlas = QComboBox()
        self.atlas.addItem(_("No atlas"), None)
        for level, name in ((2, _("Streets (level 2)")), (3, _("Communities (level 3)")),
                            (4, _("Key-source grids (level 4)"))):
            self.atlas.addItem(name, level)
        self.colour_by = QComboBox()
        self.colour_by.addItem(_("Grid area swept (%)"), "swept")
        self.colour_by.addItem(_("Sources visited (%)"), "visited")
        form.addRow(_("Paper"), self.paper)
        form.addRow(_("Orientation"), self.orientation)
        form.addRow(_("Atlas, one page per grid"), self.atlas)
        form.addRow(_("Grids coloured by"), self.colour_by)
        other = QGroupBox(_("Other files"))
        other_form = QFormLayout(other)
        self.dpi = QSpinBox()
        self.dpi.setRange(MIN_DPI, MAX_DPI)
        self.dpi.setValue(150)
        self.dpi.setSuffix(" dpi")
        self.tiles = QLineEdit()
        self.tiles.setPlaceholderText(_("none (no basemap)"))
        other_form.addRow(_("PNG resolution"), self.dpi)
        other_form.addRow(_("HTML basemap (MBTiles)"), self.tiles)
        head = QFormLayout()
        head.addRow(_("Month"), self.month)
        head.addRow(_("Language"), self.language_box)
        left = QVBoxLayout()
        left.addLayout(head)
        left.addWidget(files)
        left.addWidget(pdf)
        left.addWidget(other)
        left.addStretch(1)
        # preview
        self.preview_label = QLabel(_("Preview the pages before exporting."))
        self.preview_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview_label.setMinimumSize(PREVIEW_WIDTH, int(PREVIEW_WIDTH * 1.414))
        self.preview_label.setStyleSheet("background: #8a9299; color: white;")
        self.preview_button = QPushButton(_("Preview"))
        self.preview_button.clicked.connect(self.preview)
        self.previous_button = QPushButton("◀")
        self.next_button = QPushButton("▶")
        self.page_label = QLabel("")
        self.previous_button.clicked.connect(lambda: self.show_page(self.page_index - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page_index + 1))
        navigation = QHBoxLayout()
        navigation.addWidget(self.preview_button)
        navigation.addStretch(1)
        navigation.addWidget(self.previous_button)
        navigation.addWidget(self.page_label)
        navigation.addWidget(self.next_button)
        right = QVBoxLayout()
        right.addWidget(self.preview_label, 1)
        right.addLayout(navigation)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel("")
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(_("Export"),
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.export)
        self.cancel_button.clicked.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        for widget in (self.paper, self.orientation, self.atlas, self.colour_by):
            widget.currentIndexChanged.connect(self._options_changed)
        self.month.currentIndexChanged.connect(self._month_changed)
        self.language_box.currentIndexChanged.connect(self._month_changed)
        self._update_navigation()

    def _fill_defaults(self) -> None:
        self._month_changed()
        self.enabled["pdf"].setChecked(True)
        for key in OUTPUTS[1:]:
            self.enabled[key].setChecked(False)
            self.paths[key].setEnabled(False)

    def _default_path(self, key: str) -> Path:
        month = self.month.currentText() or "month"
        stem = f"{self.project.meta.get('name') or self.project.path.stem}_{month}"
        return self.folder / f"{stem}.{key}"

    def _month_changed(self) -> None:
        for key in OUTPUTS:
            self.paths[key].setText(str(self._default_path(key)))
        self.data, self.pages = None, []
        self.preview_label.setText(_("Preview the pages before exporting."))
        self._update_navigation()

    def _browse(self, key: str) -> None:
        filters = {"pdf": _("PDF (*.pdf)"), "html": _("Web page (*.html)"),
                   "xlsx": _("Excel workbook (*.xlsx)"), "png": _("PNG image (*.png)")}
        path, _filter = QFileDialog.getSaveFileName(self, _("Export Report"),
                                                    self.paths[key].text(), filters[key])
        if path:
            self.paths[key].setText(path)

    # ---- what was chosen ---------------------------------------------------------------------
    def options(self) -> ReportOptions:
        return ReportOptions(self.paper.currentText(), self.orientation.currentData(),
                             self.atlas.currentData(), self.colour_by.currentData())

    def request(self) -> ReportRequest:
        chosen = {key: Path(self.paths[key].text()) for key in OUTPUTS
                  if self.enabled[key].isChecked() and self.paths[key].text().strip()}
        tiles = self.tiles.text().strip() or None
        return ReportRequest(self.month.currentText(), options=self.options(),
                             language=self.language_box.currentData(), dpi=self.dpi.value(),
                             tiles=Path(tiles) if tiles else None, **chosen)

    # ---- preview -----------------------------------------------------------------------------
    def preview(self) -> Task | None:
        """Compute the month (in the worker) and show the first page."""
        if self.data is not None:
            self._options_changed()
            return None
        task = Task(_("Computing the month"), build_report_data, self.project,
                    self.month.currentText(), language=self.language_box.currentData())
        task.succeeded.connect(self._data_ready)
        return self._start(task)

    def _data_ready(self, data: ReportData) -> None:
        self.data = data
        self.status.setText("")
        self._options_changed()

    def _options_changed(self) -> None:
        if self.data is None:
            return
        self.pages = plan_report(self.data, self.options())
        self.show_page(min(self.page_index, len(self.pages) - 1))

    def show_page(self, index: int) -> None:
        if not self.pages:
            return
        self.page_index = max(0, min(index, len(self.pages) - 1))
        context = PageContext(self.data, self.options(), self.page_index + 1, len(self.pages))
        ratio = self.devicePixelRatioF()
        image = render_page(self.pages[self.page_index], context,
                            int(self.preview_label.width() * ratio))
        image.setDevicePixelRatio(ratio)
        self.preview_label.setPixmap(QPixmap.fromImage(image))
        self._update_navigation()

    def _update_navigation(self) -> None:
        count = len(self.pages)
        self.page_label.setText(_("Page {page} of {pages}").format(
            page=self.page_index + 1, pages=count) if count else "")
        self.previous_button.setEnabled(count > 0 and self.page_index > 0)
        self.next_button.setEnabled(count > 0 and self.page_index < count - 1)

    # ---- export ------------------------------------------------------------------------------
    def export(self) -> Task | None:
        request = self.request()
        if not request.targets:
            self.status.setText(_("Choose at least one file to write."))
            return None
        data = self.data if (self.data is not None and self.data.month == request.month
                             and self.data.language == request.language) else None
        task = Task(_("Exporting the report"), export_report, self.project, request, data=data)
        task.succeeded.connect(self._exported)
        return self._start(task)

    def _exported(self, result) -> None:
        self.data = result.data
        self.status.setText(_("Wrote {files}").format(
            files=", ".join(str(p) for p in result.written)))
        self.exported.emit(list(result.written))

    def _start(self, task: Task) -> Task:
        if self.task is not None and self.task.running:
            self.status.setText(_("Wait for the running task, or cancel it"))
            return self.task
        self.task = task
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText(task.label)
        self.export_button.setEnabled(False)
        self.preview_button.setEnabled(False)
        task.progressed.connect(self._progressed)
        task.failed.connect(lambda error: self.status.setText(
            _("Failed: {error}").format(error=error)))
        task.cancelled.connect(lambda: self.status.setText(
            _("Cancelled; no file was left half written")))
        task.finished.connect(self._finished)
        return task.start()

    def _progressed(self, done: int, total: int, text: str) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        if text and self.task is not None:
            self.status.setText(f"{self.task.label}: {text}")

    def _finished(self) -> None:
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)
        self.preview_button.setEnabled(True)

    def cancel(self) -> None:
        """Cancel the running task, or close the dialog when nothing runs."""
        if self.task is not None and self.task.running:
            self.task.cancel()
            self.status.setText(_("Cancelling…"))
            return
        self.reject()

    def closeEvent(self, event) -> None:
        if self.task is not None and self.task.running:
            self.task.cancel()
        super().closeEvent(event)
