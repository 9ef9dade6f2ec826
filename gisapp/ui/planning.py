"""PlanningPanels: the planner's panels around the edit session: assignments (a dock, and an
inspector dragged from its roster onto a grid on the map), the workload balance (a dock and
its suggestion on the map), incidents (File → Import Incidents, a layer and a dock), the
division as it stood on a date (View → Division on Date), a grid's history with restore,
what changed between two dates (Edit → Changes Between Dates), and File → Export Division
Table.

Wiring only: assignments, balances and restores are undoable edits pushed through the
EditingController; the core answers every question (gisapp.inspectors, gisapp.workload,
gisapp.incidents, gisapp.history, gisapp.reports.division).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import shapely
from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDateEdit, QFileDialog, QLabel, QToolBar

from gisapp import schema
from gisapp.assignment_edits import ApplyBalance, AssignRole, UnassignRole, day_before
from gisapp.changes import Changes
from gisapp.errors import GisappError, GridEditError
from gisapp.history import division_on
from gisapp.i18n import _
from gisapp.incidents import import_incidents
from gisapp.inspectors import INSPECTOR_ROLE, assignment_warnings
from gisapp.layers.balance import BalanceLayer
from gisapp.layers.history import DivisionOnDateLayer
from gisapp.layers.incidents import IncidentLayer
from gisapp.reports.division import export_division
from gisapp.restoring import restore_edits
from gisapp.ui.dialogs.changes_between import ChangesBetweenDialog, ChangeTarget
from gisapp.ui.dialogs.grid_history import GridHistoryDialog
from gisapp.ui.docks.assignment_dock import AssignmentDock, dropped_inspector
from gisapp.ui.docks.balance_dock import BalanceDock
from gisapp.ui.docks.incidents_dock import IncidentsDock
from gisapp.ui.selection import GRIDS
from gisapp.ui.tools.base import MapEvent

UNIT_LEVEL = 3  # an inspector dropped on the map patrols the level-3 grid there


class PlanningPanels(QObject):
    def __init__(self, controller):
        super().__init__(controller)
        self.controller = controller
        self.window = window = controller.window
        self.incident_layer: IncidentLayer | None = None
        self.balance_layer: BalanceLayer | None = None
        self.division_layer: DivisionOnDateLayer | None = None
        self.history_dialog: GridHistoryDialog | None = None
        self.changes_dialog: ChangesBetweenDialog | None = None
        self.removed_layer: DivisionOnDateLayer | None = None  # a deleted grid's outline
        self._build_docks()
        self._build_actions()
        self._build_history_bar()
        window.selection.changed.connect(self._selection_changed)
        window.identify_dock.tree.itemDoubleClicked.connect(self._identify_double_clicked)
        window.canvas.setAcceptDrops(True)
        window.canvas.installEventFilter(self)

    # ---- building --------------------------------------------------------------------------
    def _build_docks(self) -> None:
        window = self.window
        self.assignment_dock = AssignmentDock(window)
        self.balance_dock = BalanceDock(window)
        self.incidents_dock = IncidentsDock(window)
        right = Qt.DockWidgetArea.RightDockWidgetArea
        for dock in (self.assignment_dock, self.balance_dock, self.incidents_dock):
            window.addDockWidget(right, dock)
            window.tabifyDockWidget(window.ranking_dock, dock)
            dock.hide()
        window.ranking_dock.raise_()
        self.assignment_dock.assign_requested.connect(self.assign)
        self.assignment_dock.unassign_requested.connect(self.unassign)
        self.assignment_dock.warning_chosen.connect(self._warning_chosen)
        self.balance_dock.suggestion_changed.connect(self._show_suggestion)
        self.balance_dock.apply_requested.connect(self.apply_balance)
        self.balance_dock.street_chosen.connect(self._street_chosen)
        self.balance_dock.coverage_requested.connect(self._balance_coverage)
        self.incidents_dock.overdue_changed.connect(self._overdue_changed)
        # a hidden dock computes nothing after an edit: it catches up when it is shown
        self._stale: set[str] = set()
        self.assignment_dock.visibilityChanged.connect(
            lambda shown: shown and self._catch_up("assignments"))
        self.balance_dock.visibilityChanged.connect(
            lambda shown: shown and self._catch_up("balance"))
        self.incidents_dock.incident_chosen.connect(window._zoom_to_lonlat)

    def _build_actions(self) -> None:
        window = self.window
        self.import_incidents_action = QAction(_("Import &Incidents…"), window)
        self.import_incidents_action.triggered.connect(self.import_incidents_dialog)
        self.export_division_action = QAction(_("Export &Division Table…"), window)
        self.export_division_action.setToolTip(_("The grid division summary table "
                                                 "(网格划分汇总表) as XLSX or CSV"))
        self.export_division_action.triggered.connect(self.export_division_dialog)
        self.history_action = QAction(_("Grid &History…"), window)
        self.history_action.setShortcut(QKeySequence("Ctrl+H"))
        self.history_action.triggered.connect(lambda: self.show_grid_history())
        self.changes_action = QAction(_("&Changes Between Dates…"), window)
        self.changes_action.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.changes_action.setToolTip(_("List what changed in the grids, sources and "
                                         "assignments between two dates"))
        self.changes_action.triggered.connect(lambda: self.show_changes_between())
        self.division_date_action = QAction(_("Division on &Date…"), window)
        self.division_date_action.setCheckable(True)
        self.division_date_action.setToolTip(_("Show the grid division as it stood on a "
                                               "date (read-only)"))
        self.division_date_action.toggled.connect(self.show_division_on_date)
        for action in (self.import_incidents_action, self.export_division_action):
            action.setEnabled(False)
        file_menu = window.menuBar().actions()[0].menu()  # File: before Settings
        file_menu.insertAction(window.settings_action, self.import_incidents_action)
        file_menu.insertAction(window.settings_action, self.export_division_action)
        file_menu.insertSeparator(window.settings_action)
        self.controller.edit_menu.addSeparator()
        self.controller.edit_menu.addAction(self.history_action)
        self.controller.edit_menu.addAction(self.changes_action)
        view = window.view_menu
        view.addAction(self.division_date_action)
        for dock in (self.assignment_dock, self.balance_dock, self.incidents_dock):
            view.addAction(dock.toggleViewAction())

    def _build_history_bar(self) -> None:
        window = self.window
        bar = QToolBar(_("Division on date"), window)
        bar.setObjectName("division_date_toolbar")
        self.division_date = QDateEdit(QDate.currentDate(), bar)
        self.division_date.setCalendarPopup(True)
        self.division_date.setDisplayFormat("yyyy-MM-dd")
        self.division_date.dateChanged.connect(
            lambda _d: self.division_date_action.isChecked() and self.show_division_on_date(True))
        bar.addWidget(QLabel(" " + _("Division on") + " ", bar))
        bar.addWidget(self.division_date)
        bar.addAction(self.division_date_action)
        bar.addAction(self.changes_action)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        bar.hide()
        self.history_bar = bar

    # ---- the controller's hooks ------------------------------------------------------------
    def layers(self) -> list:
        return [layer for layer in (self.incident_layer, self.balance_layer,
                                    self.division_layer, self.removed_layer)
                if layer is not None and len(layer)]

    @property
    def project(self):
        return self.controller.project

    def project_shown(self, project) -> None:
        self.balance_layer = None
        self.division_layer = None
        self.division_date_action.blockSignals(True)
        self.division_date_action.setChecked(False)
        self.division_date_action.blockSignals(False)
        if self.changes_dialog is not None:  # it lists another project's changes
            self.changes_dialog.close()
            self.changes_dialog = None
        self.removed_layer = None
        self.incident_layer = IncidentLayer(project.incidents, _("Incidents"))
        self.assignment_dock.set_project(project)
        self.balance_dock.set_project(project)
        self.incidents_dock.set_project(project)
        self._selection_changed(GRIDS)
        self._stale = {"assignments"}  # the warnings: when the dock is first shown
        if self.assignment_dock.isVisible():
            self._catch_up("assignments")
        for action in (self.import_incidents_action, self.export_division_action):
            action.setEnabled(True)

    def set_editable(self, on: bool) -> None:
        self.assignment_dock.set_editable(on)
        self.balance_dock.set_editable(on)
        if self.history_dialog is not None:
            self.history_dialog.editable = on
            self.history_dialog._enable()

    def changes_applied(self, changes: Changes) -> None:
        if changes.touches(schema.ASSIGNMENTS) or changes.touches(schema.GRIDS):
            self._stale.add("assignments")
        if changes.touches(schema.ASSIGNMENTS) or changes.touches(schema.GRIDS) \
                or changes.touches(schema.SOURCES):
            self._stale.add("balance")
        for name, dock in (("assignments", self.assignment_dock),
                           ("balance", self.balance_dock)):
            if dock.isVisible():
                self._catch_up(name)
        if changes.touches(schema.INCIDENTS):
            self._refresh_incidents()
        if self.history_dialog is not None and self.history_dialog.isVisible():
            self.history_dialog.refresh()
        if self.changes_dialog is not None and self.changes_dialog.isVisible():
            self.changes_dialog.refresh()

    # ---- assignments -----------------------------------------------------------------------
    def assign(self, grid_code: str, role: str, who: str, valid_from: str) -> bool:
        return self.controller.push(AssignRole(grid_code, role, who, valid_from))

    def unassign(self, grid_code: str, role: str, who: str, valid_from: str) -> bool:
        return self.controller.push(UnassignRole(grid_code, role, who, day_before(valid_from)))

    def grid_for_drop(self, x: float, y: float) -> str | None:
        """The grid an inspector dropped at map (x, y) patrols: the level-3 grid there (else
        the finest grid above it)."""
        index = self.window.index
        if index is None:
            return None
        chain = index.grids_at(x, y)
        levels = dict(zip(index.grid_codes, index.grid_levels))
        eligible = [c for c in chain if levels.get(c, 0) <= UNIT_LEVEL]
        return eligible[-1] if eligible else None

    def drop_inspector(self, inspector_id: str, x: float, y: float) -> bool:
        code = self.grid_for_drop(x, y)
        if code is None:
            self.controller.show_message(_("Drop the inspector on a grid."))
            return False
        if self.assign(code, INSPECTOR_ROLE, inspector_id,
                       self.assignment_dock.valid_from.isoformat()):
            self.window.selection.select(GRIDS, [code])
            return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.window.canvas:
            return False
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            inspector_id = dropped_inspector(event.mimeData())
            if inspector_id is None:
                return False  # a project file: the window opens it
            if not self.controller.session.editing:
                event.ignore()
                if kind == QEvent.Type.DragEnter:
                    self.controller.show_message(_("Start editing first (Edit → Start "
                                                   "Editing)."))
                return True
            event.acceptProposedAction()
            if kind == QEvent.Type.Drop:
                position = event.position()
                map_event = MapEvent.at_pixel(self.window.canvas.view, position.x(),
                                              position.y())
                self.drop_inspector(inspector_id, map_event.x, map_event.y)
            return True
        return False

    def _selection_changed(self, kind: str) -> None:
        if kind != GRIDS:
            return
        codes = sorted(self.window.selection.ids(GRIDS))
        self.assignment_dock.set_grid(codes[0] if len(codes) == 1 else None)

    def _catch_up(self, name: str) -> None:
        if name not in self._stale or self.project is None:
            return
        self._stale.discard(name)
        if name == "assignments":
            self.assignment_dock.refresh()
            self._refresh_warnings()
        else:
            self.balance_dock.refresh()

    def _balance_coverage(self, start: dt.date, end: dt.date):
        """Last month's coverage for the balance view, in the worker with progress and Cancel."""
        from gisapp.coverage import compute_coverage
        from gisapp.parameters import coverage_params
        from gisapp.ui.workers import Task
        if self.project is None:
            return None
        task = Task(_("Coverage {start} – {end}").format(start=start, end=end),
                    compute_coverage, self.project, start, end,
                    coverage_params(self.project.meta))
        task.succeeded.connect(lambda result: self.balance_dock.set_coverage(result.inspectors))
        return self.window._run(task)

    def _street_chosen(self, code: str) -> None:
        index = self.window.index
        if self.balance_dock.isVisible() and index is not None:
            self.window.canvas.zoom_to(index.extent(GRIDS, [code]))

    def _refresh_warnings(self) -> None:
        if self.project is None:
            self.assignment_dock.set_warnings(None)
            return
        self.assignment_dock.set_warnings(assignment_warnings(
            self.project, self.assignment_dock.valid_from))

    def _warning_chosen(self, grid_code: str, inspector_id: str) -> None:
        if grid_code and self.window.index is not None \
                and grid_code in set(self.window.index.grid_codes):
            self.window._zoom_and_select(GRIDS, [grid_code])
        elif inspector_id:
            self.window._zoom_and_select("inspectors", [inspector_id])

    # ---- balance ---------------------------------------------------------------------------
    def _show_suggestion(self, suggestion) -> None:
        project = self.project
        if suggestion is None or project is None:
            self.balance_layer = None
        else:
            grids = project.grids
            units = grids[grids["parent_code"].astype("string") == suggestion.street_code]
            owner = {code: inspector for inspector, codes in suggestion.assigned_after.items()
                     for code in codes}
            frame = gpd.GeoDataFrame({
                "grid_code": units["grid_code"].astype(str).to_numpy(),
                "inspector_id": [owner.get(str(c)) for c in units["grid_code"]]},
                geometry=gpd.GeoSeries(units.geometry.values, crs=schema.STORAGE_CRS))
            self.balance_layer = BalanceLayer(_("Balance suggestion"), frame,
                                              suggestion.moves, self.balance_dock.colors)
            extent = self.balance_layer.extent()
            if extent is not None:
                self.window.canvas.zoom_to(extent)
        self.window._show_layers()

    def apply_balance(self, suggestion) -> bool:
        edit = ApplyBalance.of(suggestion, self.balance_dock.day)
        if not self.controller.push(edit):
            return False
        self.balance_dock.show_suggestion(None)
        self.balance_dock.refresh()
        return True

    # ---- incidents -------------------------------------------------------------------------
    def import_incidents_dialog(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self.window, _("Import Incidents"), "",
            ";;".join([_("Incident tables (*.csv *.xlsx)"), _("All files (*)")]))
        if path:
            self.import_incidents_file(path)

    def import_incidents_file(self, path: str | Path) -> bool:
        """Import and route the incidents of a CSV/XLSX file into the project (in memory:
        saved with the project)."""
        project = self.project
        if project is None:
            return False
        if self.controller.read_only:
            self.controller.show_message(_("The project is open read-only."))
            return False
        try:
            result, _routes = import_incidents(project, path, save=False)
        except (GisappError, OSError, ValueError) as error:
            self.window._show_error(_("Cannot import the incidents"), str(error))
            return False
        self.controller.session.mark_dirty()
        self._refresh_incidents()
        self.incidents_dock.show()
        self.incidents_dock.raise_()
        self.controller.show_message(_("{count} incidents imported from {file}").format(
            count=result.rows_kept,
            file=Path(path).name))
        self.window.summary_label.setText(self.window._summary_text(project.summary()))
        self.window._update_title()
        return True

    def _refresh_incidents(self) -> None:
        project = self.project
        if project is None:
            return
        self.incident_layer = IncidentLayer(project.incidents, _("Incidents"))
        self.incidents_dock.refresh()  # sets the overdue ones on the new layer
        self.window._show_layers()

    def _overdue_changed(self, ids: list) -> None:
        if self.incident_layer is not None:
            self.incident_layer.set_overdue(ids)

    # ---- history ---------------------------------------------------------------------------
    def show_division_on_date(self, on: bool) -> None:
        project = self.project
        if on and project is not None:
            day = self.division_date.date().toPython()
            self.division_layer = DivisionOnDateLayer(
                division_on(project, day), day,
                _("Division on {day}").format(day=day.isoformat()))
            self.history_bar.show()
            self.controller.show_message(_("Showing the division as it stood on {day} "
                                           "(dashed, read-only)").format(day=day.isoformat()))
        else:
            self.division_layer = None
        self.window._show_layers()

    def show_grid_history(self, code: str | None = None) -> GridHistoryDialog | None:
        project = self.project
        if project is None:
            return None
        if code is None:
            codes = sorted(self.window.selection.ids(GRIDS))
            if len(codes) != 1:
                self.controller.show_message(_("Select one grid to see its history."))
                return None
            code = codes[0]
        if self.history_dialog is not None:
            self.history_dialog.close()
        dialog = GridHistoryDialog(project, code, self.controller.session.editing, self.window)
        dialog.restore_requested.connect(self.restore)
        dialog.show()
        self.history_dialog = dialog
        return dialog

    def show_changes_between(self, first: dt.date | None = None, last: dt.date | None = None
                             ) -> ChangesBetweenDialog | None:
        """The changes between two dates (default: from the first of last month to today)."""
        project = self.project
        if project is None:
            return None
        dialog = self.changes_dialog
        if dialog is None:
            dialog = ChangesBetweenDialog(project, first, last, self.window)
            dialog.change_chosen.connect(self.show_change)
            dialog.history_requested.connect(self.show_grid_history)
            dialog.finished.connect(lambda _result: self._show_removed(None))
            self._place_below_map_centre(dialog)
            self.changes_dialog = dialog
        elif first is not None or last is not None:
            dialog.set_dates(first or dialog.first, last or dialog.last)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def show_change(self, target: ChangeTarget) -> None:
        """Zoom to a listed change: select the feature if it is still there, else show where
        its history record puts it."""
        index = self.window.index
        if target.kind is not None and index is not None \
                and index.extent(target.kind, [target.feature_id]) is not None:
            self._show_removed(None)
            self.window._zoom_and_select(target.kind, [target.feature_id])
        elif target.bounds is not None:
            if target.kind is not None:
                self.window.selection.clear(target.kind)
            self._show_removed(target)
            self.controller._zoom_to_lonlat_box(target.bounds)
            self.controller.show_message(_("{id} is no longer in the project: the map shows "
                                           "where it was.").format(id=target.feature_id))
        else:
            self._show_removed(None)
            self.controller.show_message(_("{id} is not on the map.").format(
                id=target.feature_id))

    def _show_removed(self, target: ChangeTarget | None) -> None:
        """Outline a grid that is no longer in the table as its history record keeps it
        (dashed, like the division on a date); None takes the outline away."""
        layer = None
        record = target.record if target is not None else {}
        if target is not None and target.kind == GRIDS and record.get("geometry"):
            shape = shapely.from_wkt(record["geometry"], on_invalid="ignore")
            if shape is not None:
                frame = gpd.GeoDataFrame(
                    {"level": [int(record.get("level") or 3)],
                     "name": [record.get("name") or target.feature_id]},
                    geometry=[shape], crs=schema.STORAGE_CRS)
                layer = DivisionOnDateLayer(frame, dt.date.today(), _(  # day: a label only
                    "Grid {code} (removed)").format(code=target.feature_id))
        if layer is None and self.removed_layer is None:
            return
        self.removed_layer = layer
        self.window._show_layers()

    def _place_below_map_centre(self, dialog: ChangesBetweenDialog) -> None:
        """Put the dialog over the lower part of the map, so the feature a chosen row zooms
        to (in the map's centre) stays in sight."""
        canvas = self.window.canvas
        if not canvas.isVisible():
            return
        bottom_left = canvas.mapToGlobal(canvas.rect().bottomLeft())
        width = min(dialog.width(), canvas.width())
        x = bottom_left.x() + (canvas.width() - width) // 2
        y = bottom_left.y() - dialog.height() - 8
        y = max(y, canvas.mapToGlobal(canvas.rect().center()).y() + 40)
        screen = canvas.screen().availableGeometry()
        dialog.move(x, max(screen.top(), min(y, screen.bottom() - dialog.height())))

    def restore(self, code: str, version: dict) -> bool:
        try:
            edits = restore_edits(self.project, code, version)
        except GridEditError as error:
            self.controller.show_message(_("Refused: {reason}").format(reason=error))
            return False
        return self.controller.push_all(edits, _("Restore grid {code}").format(code=code))

    def _identify_double_clicked(self, item, _column) -> None:
        code = item.data(0, Qt.ItemDataRole.UserRole)
        if code:
            self.show_grid_history(str(code))

    # ---- the division table ----------------------------------------------------------------
    def export_division_dialog(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self.window, _("Export Division Table"), "网格划分汇总表.xlsx",
            ";;".join([_("Excel workbook (*.xlsx)"), _("CSV table (*.csv)")]))
        if path:
            self.export_division_table(path)

    def export_division_table(self, path: str | Path, day: dt.date | None = None) -> Path | None:
        project = self.project
        if project is None:
            return None
        try:
            written = export_division(project, path, date=day or dt.date.today())
        except (GisappError, OSError, ValueError) as error:
            self.window._show_error(_("Cannot write the division table"), str(error))
            return None
        self.controller.show_message(_("Wrote {path}").format(path=written))
        return written

