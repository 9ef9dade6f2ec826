"""MainWindow: menus, the map, the layers dock and the status bar; wiring only, no domain logic."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QWidget

from gisapp.errors import GisappError
from gisapp.i18n import _
from gisapp.layers.grids import GridLayer
from gisapp.layers.project_layers import project_layers
from gisapp.project import Project
from gisapp.ui.canvas import MapCanvas
from gisapp.ui.docks.layers_dock import LayersDock
from gisapp.ui.settings import (RECENT_PROJECTS, WINDOW_GEOMETRY, WINDOW_STATE,
                                add_recent_project, open_settings)

PROJECT_SUFFIX = ".gpkg"


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings if settings is not None else open_settings()
        self.project: Project | None = None
        self.canvas = MapCanvas(self)
        self.setCentralWidget(self.canvas)
        self.layers_dock = LayersDock(self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.layers_dock)
        self._build_actions()
        self._build_menus()
        self._build_status_bar()
        self.setAcceptDrops(True)
        self.canvas.cursor_moved.connect(self._show_cursor)
        self.canvas.cursor_left.connect(lambda: self.cursor_label.clear())
        self._update_title()
        self.resize(1280, 800)
        self.restoreGeometry(WINDOW_GEOMETRY.read(self.settings))
        self.restoreState(WINDOW_STATE.read(self.settings))

    # ---- building --------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.open_action = QAction(_("&Open Project…"), self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.open_dialog)
        self.quit_action = QAction(_("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.zoom_district_action = QAction(_("&Zoom to District"), self)
        self.zoom_district_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.zoom_district_action.triggered.connect(self.zoom_to_district)
        self.zoom_district_action.setEnabled(False)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(_("&File"))
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu(_("Open &Recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = self.menuBar().addMenu(_("&View"))
        view_menu.addAction(self.zoom_district_action)
        view_menu.addSeparator()
        view_menu.addAction(self.layers_dock.toggleViewAction())

    def _build_status_bar(self) -> None:
        self.summary_label = QLabel(_("No project open"))
        self.cursor_label = QLabel()
        self.cursor_label.setMinimumWidth(self.fontMetrics().horizontalAdvance(
            _("Lon {lon:.6f}°  Lat {lat:.6f}°").format(lon=-180, lat=-90)) + 12)
        self.statusBar().addWidget(self.summary_label, 1)
        self.statusBar().addPermanentWidget(self.cursor_label)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = RECENT_PROJECTS.read(self.settings)
        for number, path in enumerate(recent, start=1):
            prefix = f"&{number} " if number < 10 else ""
            action = self.recent_menu.addAction(f"{prefix}{Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.setData(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_project(p))
        if not recent:
            self.recent_menu.addAction(_("No recent projects")).setEnabled(False)
            return
        self.recent_menu.addSeparator()
        self.recent_menu.addAction(_("Clear Recent Projects"), self._clear_recent)

    def _clear_recent(self) -> None:
        RECENT_PROJECTS.write(self.settings, [])
        self._fill_recent_menu()

    # ---- projects --------------------------------------------------------------------------
    def open_dialog(self) -> None:
        recent = RECENT_PROJECTS.read(self.settings)
        folder = str(Path(recent[0]).parent) if recent else ""
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Open Project"), folder,
            ";;".join([_("gisapp projects (*.gpkg)"), _("All files (*)")]))
        if path:
            self.open_project(path)

    def open_project(self, path: str | Path) -> bool:
        """Open and show the project at ``path``; say why in a dialog when it cannot be opened."""
        try:
            project = Project.open(path)
        except GisappError as error:
            self._show_error(_("Cannot open the project"), str(error))
            return False
        except OSError as error:
            self._show_error(_("Cannot open the project"), f"{path}: {error.strerror or error}")
            return False
        self.set_project(project)
        add_recent_project(self.settings, project.path)
        self._fill_recent_menu()
        return True

    def set_project(self, project: Project) -> None:
        """Show an already opened project."""
        self.project = project
        layers = project_layers(project)
        self.canvas.set_layers(layers)
        self.layers_dock.set_layers(layers)
        self.zoom_district_action.setEnabled(True)
        self.zoom_to_district()
        self._update_title()
        self.summary_label.setText(self._summary_text(project.summary()))
        if project.notes:
            self.statusBar().showMessage("; ".join(project.notes), 15_000)

    def zoom_to_district(self) -> None:
        """Fit the district (the level-1 grids), or everything there is when it has none."""
        district = [layer for layer in self.canvas.layers
                    if isinstance(layer, GridLayer) and layer.level == 1 and len(layer)]
        extent = district[0].extent() if district else self.canvas.full_extent()
        self.canvas.zoom_to(extent)

    # ---- display ---------------------------------------------------------------------------
    def _update_title(self) -> None:
        if self.project is None:
            self.setWindowTitle("gisapp")
        else:
            self.setWindowTitle(f"{self.project.meta.get('name') or self.project.path.stem}"
                                " — gisapp")

    @staticmethod
    def _summary_text(summary: dict[str, int]) -> str:
        return _("Grids {grids:,} · Sources {sources:,} · Inspectors {inspectors:,} · "
                 "Fixes {fixes:,}").format(**summary)

    def _show_cursor(self, lon: float, lat: float) -> None:
        self.cursor_label.setText(_("Lon {lon:.6f}°  Lat {lat:.6f}°").format(lon=lon, lat=lat))

    def _show_error(self, title: str, message: str) -> None:
        QMessageBox.critical(self, title, message)

    # ---- window events ---------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_project(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_project(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_project(path)

    def closeEvent(self, event: QCloseEvent) -> None:
        WINDOW_GEOMETRY.write(self.settings, self.saveGeometry())
        WINDOW_STATE.write(self.settings, self.saveState())
        self.settings.sync()
        super().closeEvent(event)


def _dropped_project(event: QDragEnterEvent | QDropEvent) -> str | None:
    """The first local .gpkg file among the dropped URLs."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(PROJECT_SUFFIX):
            return url.toLocalFile()
    return None
