"""MainWindow: menus, toolbar, the map and its tools, docks and the status bar; wiring only,
no domain logic: each slot hands a signal to the object that knows what to do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QToolBar, QWidget

from gisapp.errors import GisappError
from gisapp.i18n import _
from gisapp.layers.base import MapLayer
from gisapp.layers.coverage import (CoverageReview, ReviewRequest, ReviewTrackLayer,
                                    build_review, coverage_layers)
from gisapp.layers.grids import GridLayer
from gisapp.layers.project_layers import STYLES_META_KEY, layer_styles, project_layers
from gisapp.layers.selection import SelectionLayer
from gisapp.layers.tracks import TrackLayer
from gisapp.layers.view import lonlat_to_map
from gisapp.project import Project
from gisapp.search import SearchHit
from gisapp.ui.basemap_menu import BasemapMenu
from gisapp.ui.canvas import MapCanvas
from gisapp.ui.dialogs.settings_dialog import SettingsDialog
from gisapp.ui.editing import EditingController
from gisapp.ui.docks.attributes_dock import AttributesDock
from gisapp.ui.docks.coverage_dock import INSPECTOR, CoverageDock
from gisapp.ui.docks.identify_dock import IdentifyDock
from gisapp.ui.docks.layers_dock import LayersDock
from gisapp.ui.docks.ranking_dock import RankingDock
from gisapp.ui.docks.time_dock import TimeDock
from gisapp.ui.search import SearchBox
from gisapp.ui.selection import (GRIDS, INSPECTORS, SEARCH_KINDS, SOURCES, FeatureIndex,
                                 IdentifyResult, Selection)
from gisapp.ui.settings import (RECENT_PROJECTS, TRACK_COLOURING, WINDOW_GEOMETRY, WINDOW_STATE,
                                add_recent_project, open_settings)
from gisapp.ui import labels
from gisapp.ui.tools.base import PICK_TOLERANCE_PX, ToolController
from gisapp.ui.tools.identify import IdentifyTool
from gisapp.ui.tools.pan import PanTool
from gisapp.ui.tools.select import SelectTool
from gisapp.ui.workers import ProgressPanel, Task
from gisapp.workload import metric_crs

PROJECT_SUFFIX = ".gpkg"


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings if settings is not None else open_settings()
        self.project: Project | None = None
        self.index: FeatureIndex | None = None  # the open project's features, for the tools
        self.selection = Selection(self)
        self.task: Task | None = None  # the long work running now (one at a time)
        self.review: CoverageReview | None = None
        self._project_layers: list[MapLayer] = []
        self._review_layers: list[MapLayer] = []
        self.selection_layer: SelectionLayer | None = None
        self.canvas = MapCanvas(self)
        self.setCentralWidget(self.canvas)
        self.layers_dock = LayersDock(self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.layers_dock)
        self._build_map_parts()
        self._build_docks()
        self._build_tools()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._connect_docks()
        self.editing = EditingController(self)  # edit session, edit tools, planner's panels
        self.setAcceptDrops(True)
        self.canvas.cursor_moved.connect(self._show_cursor)
        self.canvas.cursor_left.connect(lambda: (self.cursor_label.clear(),
                                                 self.metric_label.clear()))
        self._update_title()
        self.resize(1280, 800)
        self._default_state = self.saveState()  # for View > Reset Window Layout
        self.restoreGeometry(WINDOW_GEOMETRY.read(self.settings))
        self.restoreState(WINDOW_STATE.read(self.settings))
        self.basemap_menu.restore()  # the basemap of last time, if it can be shown

    # ---- building --------------------------------------------------------------------------
    def _build_map_parts(self) -> None:
        """Basemap menu, time dock, scale bar and north arrow, box zoom, saving styles."""
        self._basemap_layers: list[MapLayer] = []
        self._saved_styles = ""  # the project's layer styles as last opened or saved
        self._styles_modified = False
        self.time_dock = TimeDock(self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.time_dock)
        self.basemap_menu = BasemapMenu(self.settings, self)
        self.basemap_menu.layers_changed.connect(self._basemap_changed)
        self.basemap_menu.message.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.layers_dock.layers_reordered.connect(self._layers_reordered)
        self.layers_dock.zoom_to_layer_requested.connect(self.canvas.zoom_to_layer)
        self.save_action = QAction(_("&Save Project"), self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self.save_project)
        self.save_action.setEnabled(False)
        self.zoom_box_action = QAction(_("Zoom to &Box"), self)
        self.zoom_box_action.setShortcut(QKeySequence("Z"))
        self.zoom_box_action.setToolTip(_("Zoom to a box: drag it on the map (Shift + drag "
                                          "always does)"))
        self.zoom_box_action.triggered.connect(self._arm_box_zoom)
        self.zoom_layer_action = QAction(_("Zoom to &Layer"), self)
        self.zoom_layer_action.setToolTip(_("Zoom to the layer chosen in the Layers panel"))
        self.zoom_layer_action.triggered.connect(self._zoom_to_current_layer)
        self.scale_bar_action = QAction(_("Scale &Bar"), self)
        self.scale_bar_action.setCheckable(True)
        self.scale_bar_action.setChecked(self.canvas.scale_bar_visible)
        self.scale_bar_action.toggled.connect(self.canvas.set_scale_bar_visible)
        self.north_arrow_action = QAction(_("&North Arrow"), self)
        self.north_arrow_action.setCheckable(True)
        self.north_arrow_action.setChecked(self.canvas.north_arrow_visible)
        self.north_arrow_action.toggled.connect(self.canvas.set_north_arrow_visible)
        self.metric_label = QLabel()

    def _build_docks(self) -> None:
        self.identify_dock = IdentifyDock(self)
        self.coverage_dock = CoverageDock(self)
        self.ranking_dock = RankingDock(self)
        self.attributes_dock = AttributesDock(self)
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.addDockWidget(right, self.coverage_dock)
        self.tabifyDockWidget(self.coverage_dock, self.identify_dock)
        self.coverage_dock.raise_()
        self.addDockWidget(right, self.ranking_dock)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.attributes_dock)
        self.attributes_dock.hide()  # View > Attributes, or the search and the select tool
        self.resizeDocks([self.coverage_dock], [340], Qt.Orientation.Horizontal)
        self.resizeDocks([self.coverage_dock, self.ranking_dock], [38, 62],
                         Qt.Orientation.Vertical)

    def _build_tools(self) -> None:
        self.tools = ToolController(self.canvas, self)
        self.pan_tool, self.identify_tool = PanTool(self), IdentifyTool(self)
        self.select_tool = SelectTool(self.selection, self)
        for tool in (self.pan_tool, self.identify_tool, self.select_tool):
            self.tools.add(tool)
            tool.message.connect(lambda text: self.statusBar().showMessage(text, 5_000))
        self.tools.activate(self.pan_tool.tool_id)
        self.tools.tool_changed.connect(self._tool_changed)
        self.identify_tool.identified.connect(self._identified)
        self.tools.tooltip_source = self._flag_tooltip
        self.select_tool.kind = self.attributes_dock.current_kind()

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
        self.zoom_selection_action = QAction(_("Zoom to &Selection"), self)
        self.zoom_selection_action.setShortcut(QKeySequence("Ctrl+J"))
        self.zoom_selection_action.triggered.connect(lambda: self.zoom_to_selection())
        self.zoom_selection_action.setEnabled(False)
        self.review_action = QAction(_("&Coverage Review…"), self)
        self.review_action.setShortcut(QKeySequence("Ctrl+R"))
        self.review_action.triggered.connect(self._show_coverage_dock)
        self.settings_action = QAction(_("&Settings…"), self)
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.open_settings_dialog)
        self.reset_layout_action = QAction(_("Reset Window &Layout"), self)
        self.reset_layout_action.triggered.connect(lambda: self.restoreState(self._default_state))
        self.export_report_action = QAction(_("Export &Report…"), self)
        self.export_report_action.setToolTip(_("The month's report for the meeting: PDF and "
                                               "atlas, offline HTML map, Excel, PNG"))
        self.export_report_action.triggered.connect(self.open_export_report_dialog)
        self.export_png_action = QAction(_("Export Map as &PNG…"), self)
        self.export_png_action.triggered.connect(lambda: self.export_map_png())

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(_("&File"))
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu(_("Open &Recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        file_menu.addAction(self.save_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_report_action)
        file_menu.addAction(self.export_png_action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        view_menu = self.menuBar().addMenu(_("&View"))
        view_menu.addAction(self.zoom_district_action)
        view_menu.addAction(self.zoom_selection_action)
        view_menu.addAction(self.zoom_layer_action)
        view_menu.addAction(self.zoom_box_action)
        view_menu.addSeparator()
        view_menu.addAction(self.scale_bar_action)
        view_menu.addAction(self.north_arrow_action)
        view_menu.addSeparator()
        view_menu.addAction(self.layers_dock.toggleViewAction())
        view_menu.addAction(self.time_dock.toggleViewAction())
        for dock in (self.attributes_dock, self.identify_dock, self.coverage_dock,
                     self.ranking_dock):
            view_menu.addAction(dock.toggleViewAction())
        self.view_menu = view_menu
        self.menuBar().addMenu(self.basemap_menu)
        analysis_menu = self.menuBar().addMenu(_("&Analysis"))
        analysis_menu.addAction(self.review_action)

    def _build_toolbar(self) -> None:
        self.map_toolbar = QToolBar(_("Map tools"), self)
        self.map_toolbar.setObjectName("map_toolbar")  # saveState() needs it
        for action in self.tools.actions.values():
            self.map_toolbar.addAction(action)
        self.map_toolbar.addSeparator()
        self.map_toolbar.addAction(self.zoom_district_action)
        self.map_toolbar.addAction(self.zoom_selection_action)
        self.map_toolbar.addAction(self.zoom_box_action)
        self.map_toolbar.addSeparator()
        self.search_box = SearchBox(self.map_toolbar)
        self.search_box.set_index(None)
        self.search_box.found.connect(self._search_found)
        self.map_toolbar.addWidget(self.search_box)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.map_toolbar)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.map_toolbar.toggleViewAction())
        self.view_menu.addAction(self.reset_layout_action)

    def _connect_docks(self) -> None:
        self.selection.changed.connect(self._selection_changed)
        self.attributes_dock.selection_edited.connect(
            lambda kind, ids: self.selection.select(kind, ids))
        self.attributes_dock.zoom_requested.connect(self.zoom_to_selection)
        self.attributes_dock.kind_changed.connect(self._attributes_kind_changed)
        self.identify_dock.date_changed.connect(self._identify_date_changed)
        self.coverage_dock.review_requested.connect(self.start_review)
        self.coverage_dock.clear_requested.connect(self.clear_review)
        self.coverage_dock.colouring_changed.connect(self._colouring_changed)
        self.coverage_dock.source_chosen.connect(
            lambda source_id: self._zoom_and_select(SOURCES, [source_id]))
        self.coverage_dock.flag_chosen.connect(self._zoom_to_lonlat)
        self.coverage_dock.colouring.setCurrentIndex(max(0, self.coverage_dock.colouring.findData(
            TRACK_COLOURING.read(self.settings))))
        self.ranking_dock.inspector_chosen.connect(self._ranking_chosen)
        self.ranking_dock.review_requested.connect(self._review_inspector)

    def _build_status_bar(self) -> None:
        self.summary_label = QLabel(_("No project open"))
        self.cursor_label = QLabel()
        self.cursor_label.setMinimumWidth(self.fontMetrics().horizontalAdvance(
            _("Lon {lon:.6f}°  Lat {lat:.6f}°").format(lon=-180, lat=-90)) + 12)
        self.progress_panel = ProgressPanel(self)
        self.statusBar().addWidget(self.summary_label, 1)
        self.statusBar().addPermanentWidget(self.progress_panel)
        self.time_dock.task_started.connect(self.progress_panel.watch)
        self.statusBar().addPermanentWidget(self.cursor_label)
        self.statusBar().addPermanentWidget(self.metric_label)

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
        """Open and show the project at ``path``; say why in a dialog when it cannot be opened.

        Synchronous: the GeoPackage holds the edited tables only (a second or so even for a
        city); tracks are read by the layers and the coverage review, the long part in a
        worker. (A nested event loop here would swallow events meant for the caller's loop.)
        """
        if not self.editing.may_close_project():  # unsaved edits: Save / Discard / Cancel
            return False
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

    def set_project(self, project: Project, index: FeatureIndex | None = None) -> None:
        """Show an already opened project (``index``: its FeatureIndex, if already built)."""
        self.project = project
        self.index = index or FeatureIndex(project)
        self._set_index(project)
        layers = project_layers(project)
        self._project_layers = layers
        self._show_layers()
        self._project_layers_shown(project)
        self.editing.project_shown(project)  # the edit lock, or read-only
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

    def _set_index(self, project: Project) -> None:
        """Give the tools, docks and search box the new project's features."""
        self.clear_review()
        self.selection.clear()
        self.identify_tool.index = self.select_tool.index = self.index
        self.index.on_date = self.identify_dock.date_edit.date().toPython()
        self.identify_dock.clear()
        self.search_box.set_index(self.index.search_index)
        self.selection_layer = SelectionLayer(project.grids, project.sources, _("Selection"))
        self.attributes_dock.set_tables(_table(project.grids), _table(project.sources),
                                        self._inspector_table(project))
        self.coverage_dock.set_project([p.month for p in project.partitions],
                                       project.inspectors, project.grids)
        self.zoom_selection_action.setEnabled(True)

    def _inspector_table(self, project: Project):
        """Inspectors with the grids they are assigned to on the identify date."""
        table = _table(project.inspectors)
        table["grids"] = [", ".join(self.index.hierarchy.name(g) for g in
                                    self.index.inspector_grids(str(i)))
                          for i in table["inspector_id"]]
        return table

    def _show_layers(self) -> None:
        """The project's layers, the coverage review's above them, the selection on top."""
        listed = [*self._basemap_layers, *self._project_layers, *self._review_layers,
                  *self.editing.layers()]
        # the highlight is drawn on top of everything and not listed as a layer
        highlight = [self.selection_layer] if self.selection_layer is not None else []
        self.canvas.set_layers(listed + highlight)
        self.layers_dock.set_layers(listed)

    def _run(self, task: Task) -> Task:
        """Start long work in the worker, shown in the status bar with Cancel."""
        self.task = task
        self.progress_panel.watch(task)
        return task.start()

    # ---- selection, identify, search -----------------------------------------------------------
    def _tool_changed(self, tool) -> None:
        if tool is self.identify_tool:
            self.identify_dock.show()
            self.identify_dock.raise_()
        if tool is self.select_tool:
            self.attributes_dock.show()

    def _attributes_kind_changed(self, kind: str) -> None:
        self.select_tool.kind = kind

    def _selection_changed(self, kind: str) -> None:
        self.attributes_dock.show_selection(kind, self.selection.ids(kind))
        if self.selection_layer is None or self.index is None:
            return
        grids = set(self.selection.ids(GRIDS))
        for inspector_id in self.selection.ids(INSPECTORS):
            grids.update(self.index.inspector_grids(inspector_id))
        self.selection_layer.set_selected(grids, self.selection.ids(SOURCES))

    def zoom_to_selection(self, kind: str | None = None) -> None:
        """Fit the selection of ``kind`` (none of it or no kind: everything selected)."""
        if self.index is None:
            return
        extent = (self.index.extent(kind, self.selection.ids(kind))
                  if kind and self.selection.ids(kind)
                  else self.index.extent_of_selection(self.selection))
        if extent is None:
            self.statusBar().showMessage(_("Nothing is selected"), 5_000)
            return
        self.canvas.zoom_to(extent)

    def _zoom_and_select(self, kind: str, ids) -> None:
        self.selection.select(kind, ids)
        self.zoom_to_selection(kind)

    def _zoom_to_lonlat(self, lon: float, lat: float) -> None:
        x, y = (float(v) for v in lonlat_to_map(lon, lat))
        self.canvas.zoom_to((x - 300, y - 300, x + 300, y + 300))

    def _search_found(self, hit: SearchHit) -> None:
        kind = SEARCH_KINDS[hit.kind]
        self.attributes_dock.set_current_kind(kind)
        self._zoom_and_select(kind, [hit.key])
        self.statusBar().showMessage(hit.name, 5_000)

    def _identified(self, result: IdentifyResult) -> None:
        self.identify_dock.show_result(result)
        self.identify_dock.show()
        self.identify_dock.raise_()

    def _flag_tooltip(self, event) -> str | None:
        """The reasons of the review's flags under the mouse, whatever the tool."""
        if self.index is None:
            return None
        flags = self.index.flags_near(event.x, event.y, PICK_TOLERANCE_PX * event.view.scale)
        return "\n".join(f"{labels.label(labels.FLAG_KINDS, f['kind'])}: {f['reason']}"
                         for f in flags) or None

    def _identify_date_changed(self, day) -> None:
        if self.index is not None:
            self.index.on_date = day
            self.identify_tool.repeat()

    # ---- coverage review -----------------------------------------------------------------------
    def _show_coverage_dock(self) -> None:
        self.coverage_dock.show()
        self.coverage_dock.raise_()

    def start_review(self, request: ReviewRequest) -> Task | None:
        """Compute the review in the worker; the map shows it when it is done."""
        if self.project is None:
            return None
        if self.task is not None and self.task.running:
            self.statusBar().showMessage(_("Wait for the running task, or cancel it"), 5_000)
            return None
        self.clear_review()
        task = Task(_("Coverage review"), build_review, self.project, request,
                    result=self.coverage_dock.cached_result(request))
        task.succeeded.connect(self._review_done)
        task.cancelled.connect(lambda: self.statusBar().showMessage(
            _("Coverage review cancelled"), 15_000))
        task.failed.connect(lambda error: self._show_error(
            _("Coverage review failed"), f"{error}\n\n{task.traceback}"))
        task.finished.connect(lambda: self.coverage_dock.set_running(False))
        self.coverage_dock.set_running(True)
        self.statusBar().showMessage(_("Computing coverage…"))
        return self._run(task)

    def _review_done(self, review: CoverageReview) -> None:
        self.review = review
        names = {"focus": _("Outside the reviewed grids"), "swept": _("Swept area"),
                 "track": _("Reviewed track"),
                 "sources": _("Visited and missed sources"), "flags": _("Authenticity flags")}
        self._review_layers = coverage_layers(review, names, TRACK_COLOURING.read(self.settings))
        self._show_layers()
        self.index.set_flags(review.flags)
        self.identify_dock.set_date(min(review.request.last_day, dt.date.today()))
        track = self._track_layer()
        self.coverage_dock.show_review(review, track.class_labels() if track else [])
        period = f"{review.request.start.isoformat()} – {review.request.last_day.isoformat()}"
        self.ranking_dock.set_result(review.result, _("Coverage {period}").format(period=period))
        self.ranking_dock.choose(review.request.inspector_id)
        extent = self.index.extent(GRIDS, review.grid_codes)
        if extent is not None:
            self.canvas.zoom_to(extent)
        self.statusBar().showMessage(_("Coverage review done: {missed:,} missed sources, "
                                       "{flags:,} flags").format(missed=len(review.missed),
                                                                 flags=len(review.flags)), 15_000)

    def clear_review(self) -> None:
        self.review = None
        if self._review_layers:
            self._review_layers = []
            self._show_layers()
        if self.index is not None:
            self.index.set_flags(self.index.flags.iloc[0:0])
        self.coverage_dock.show_review(None)

    def _track_layer(self) -> ReviewTrackLayer | None:
        return next((l for l in self._review_layers if isinstance(l, ReviewTrackLayer)), None)

    def _colouring_changed(self, mode: str) -> None:
        TRACK_COLOURING.write(self.settings, mode)
        track = self._track_layer()
        if track is not None:
            track.set_mode(mode)
            self.coverage_dock.set_legend(track.class_labels())

    def _ranking_chosen(self, inspector_id: str) -> None:
        """Zoom to the inspector's grids in the ranked period and select them."""
        if self.index is None or self.coverage_dock.review is None:
            return
        request = self.coverage_dock.review.request
        grids = self.index.inspector_grids(inspector_id, request.start, request.last_day)
        self.attributes_dock.set_current_kind(GRIDS)
        self._zoom_and_select(GRIDS, grids)

    def _review_inspector(self, inspector_id: str) -> None:
        if self.coverage_dock.set_subject(INSPECTOR, inspector_id):
            request = self.coverage_dock.request()
            if request is not None:
                self.start_review(request)

    # ---- map: basemap, layer order and styles, time replay ---------------------------------
    def _project_layers_shown(self, project: Project) -> None:
        """A new project's layers are on the map: metric CRS, time dock, styles baseline."""
        try:
            crs = project.meta.get("metric_crs") or (metric_crs(project.grids)
                                                     if len(project.grids) else None)
        except ValueError:  # grids outside China: no CGCS2000 zone
            crs = None
        self.canvas.set_metric_crs(crs)
        tracks = next((l for l in self._project_layers if isinstance(l, TrackLayer)), None)
        self.time_dock.set_project(project, tracks)
        self._saved_styles = layer_styles(self._project_layers)
        for layer in self._project_layers:
            layer.add_listener(self._styles_changed)
        self.save_action.setEnabled(True)
        self._styles_changed()

    def _basemap_changed(self, layers: list[MapLayer]) -> None:
        self._basemap_layers = list(layers)
        self._show_layers()

    def _layers_reordered(self, layers: list[MapLayer]) -> None:
        """The Layers panel moved a layer: keep the new order within each group."""
        self._basemap_layers = [l for l in layers if l in self._basemap_layers]
        self._project_layers = [l for l in layers if l in self._project_layers]
        self._review_layers = [l for l in layers if l in self._review_layers]
        self._show_layers()
        self._styles_changed()

    def _styles_changed(self, _layer: MapLayer | None = None) -> None:
        modified = (self.project is not None
                    and layer_styles(self._project_layers) != self._saved_styles)
        if modified != self._styles_modified:
            self._styles_modified = modified
            self._update_title()

    @property
    def styles_modified(self) -> bool:
        """Layer order, visibility, opacity or style changed since the project was saved."""
        return self._styles_modified

    def save_project(self) -> bool:
        """Save the project, with the layer styles as they are now."""
        if self.project is None:
            return False
        if self.editing.read_only:  # another window or planner holds the edit lock
            self.statusBar().showMessage(_("The project is open read-only."), 10_000)
            return False
        self.project.meta[STYLES_META_KEY] = layer_styles(self._project_layers)
        try:
            self.project.save()
        except (GisappError, OSError) as error:
            self._show_error(_("Cannot save the project"), str(error))
            return False
        self._saved_styles = self.project.meta[STYLES_META_KEY]
        self.editing.project_saved()
        self._styles_changed()
        self.statusBar().showMessage(_("Saved {path}").format(path=self.project.path), 5_000)
        return True

    def _arm_box_zoom(self) -> None:
        self.tools.activate(self.pan_tool.tool_id)  # other tools take the drag themselves
        self.canvas.arm_box_zoom()

    def _zoom_to_current_layer(self) -> None:
        layer = self.layers_dock.current_layer()
        if layer is not None:
            self.canvas.zoom_to_layer(layer)

    # ---- exports ---------------------------------------------------------------------------
    def open_export_report_dialog(self):
        """File > Export Report…: the dialog runs its own export task."""
        if self.project is None:
            self.statusBar().showMessage(_("Open a project first"), 5_000)
            return None
        from gisapp.ui.dialogs.export_report import ExportReportDialog
        dialog = ExportReportDialog(self.project, self)
        dialog.exported.connect(lambda paths: self.statusBar().showMessage(
            _("Wrote {files}").format(files=", ".join(str(p) for p in paths)), 15_000))
        dialog.open()
        return dialog

    def export_map_png(self, path: str | Path | None = None, dpi: int | None = None):
        """File > Export Map as PNG…: the map as shown (layers, extent, scale bar and north
        arrow) at a chosen DPI, written in the worker with progress and Cancel."""
        from PySide6.QtWidgets import QInputDialog
        from gisapp.layers.exports import MAX_DPI, MIN_DPI, export_map_png
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(self, _("Export Map as PNG"), "",
                                                        _("PNG image (*.png)"))
            if not path:
                return None
        if dpi is None:
            dpi, ok = QInputDialog.getInt(self, _("Export Map as PNG"), _("Resolution (dpi)"),
                                          150, MIN_DPI, MAX_DPI, 50)
            if not ok:
                return None
        if self.task is not None and self.task.running:
            self.statusBar().showMessage(_("Wait for the running task, or cancel it"), 5_000)
            return None
        layers = [layer for layer in self.canvas.layers if layer is not self.selection_layer]
        task = Task(_("Export map as PNG"), export_map_png, layers, self.canvas.view, path,
                    dpi, decorations=self.canvas.scale_bar_visible)
        task.succeeded.connect(lambda written: self.statusBar().showMessage(
            _("Wrote {files}").format(files=str(written)), 15_000))
        task.failed.connect(lambda error: self._show_error(_("Cannot export the map"),
                                                           str(error)))
        return self._run(task)

    # ---- settings --------------------------------------------------------------------------
    def open_settings_dialog(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self)
        dialog.open()
        return dialog

    # ---- display ---------------------------------------------------------------------------
    def _update_title(self) -> None:
        if self.project is None:
            self.setWindowTitle("gisapp")
        else:
            editing = getattr(self, "editing", None)
            modified = "*" if self.styles_modified or (editing and editing.modified) else ""
            read_only = f" [{_('read-only')}]" if editing and editing.read_only else ""
            self.setWindowTitle(f"{self.project.meta.get('name') or self.project.path.stem}"
                                f"{modified}{read_only} — gisapp")

    @staticmethod
    def _summary_text(summary: dict[str, int]) -> str:
        return _("Grids {grids:,} · Sources {sources:,} · Inspectors {inspectors:,} · "
                 "Fixes {fixes:,}").format(**summary)

    def _show_cursor(self, lon: float, lat: float) -> None:
        self.cursor_label.setText(_("Lon {lon:.6f}°  Lat {lat:.6f}°").format(lon=lon, lat=lat))
        metres = self.canvas.metric_position(lon, lat)
        self.metric_label.setText("" if metres is None else _(
            "E {x:.1f} m  N {y:.1f} m ({crs})").format(x=metres[0], y=metres[1],
                                                        crs=self.canvas.metric_crs))

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
        if not self.editing.may_close_project():  # unsaved edits: Save / Discard / Cancel
            event.ignore()
            return
        self.editing.closed()  # releases the edit lock
        self.time_dock.stop()  # no replay timer or track loading outlives the window
        if self.task is not None and self.task.running:
            self.task.cancel()
        WINDOW_GEOMETRY.write(self.settings, self.saveGeometry())
        WINDOW_STATE.write(self.settings, self.saveState())
        self.settings.sync()
        super().closeEvent(event)


def _table(frame):
    """A table for display: no geometry column."""
    return frame.drop(columns=[c for c in ("geometry",) if c in frame.columns]).reset_index(
        drop=True)


def _dropped_project(event: QDragEnterEvent | QDropEvent) -> str | None:
    """The first local .gpkg file among the dropped URLs."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(PROJECT_SUFFIX):
            return url.toLocalFile()
    return None
