"""EditingController: the edit session of the map window: Start editing / Save / Discard, the
undo stack and its history dock, the edit tools (draw, reshape, split, sources), the grid
edits on the selection (merge, move to parent, delete), attribute edits from the attribute
table, and the topology check after every edit (layer and dock).

Wiring only: every change is a core Edit pushed on the undo stack; ``changes_applied`` then
tells which tables and grids changed, and only those views are refreshed (the grid layers of
the levels touched, the source layer, the tables touched, the topology of the neighbourhood).
The planner's panels (assignments, balance, incidents, history) are in gisapp/ui/planning.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QToolBar

from gisapp import schema
from gisapp.changes import Changes
from gisapp.columns import one_of
from gisapp.edits import (
    DeleteGrid,
    EditAttributes,
    FixSlivers,
    MergeGrids,
    MoveGridToParent,
)
from gisapp.errors import GisappError
from gisapp.grids import MetricFrame
from gisapp.i18n import _
from gisapp.layers.grids import GridLayer
from gisapp.layers.sources import SourceLayer
from gisapp.layers.topology import TopologyLayer
from gisapp.layers.view import lonlat_to_map
from gisapp.project import Project
from gisapp.topology import TopologyReport, check_division, check_neighbourhood
from gisapp.ui import labels
from gisapp.ui.dialogs.grid_history import MoveToParentDialog
from gisapp.ui.docks.topology_dock import TopologyDock
from gisapp.ui.edit_session import EditSession, holder_text
from gisapp.ui.planning import PlanningPanels
from gisapp.ui.selection import GRIDS, INSPECTORS, SOURCES
from gisapp.ui.tools.draw_grid import DrawGridTool
from gisapp.ui.tools.edit_base import EditContext
from gisapp.ui.tools.overlay import SketchOverlay
from gisapp.ui.tools.reshape import ReshapeTool
from gisapp.ui.tools.sources import SourceTool
from gisapp.ui.tools.split_grid import SplitGridTool
from gisapp.ui.undo import UndoHistoryDock

EDIT_LEVELS = (2, 3, 4)
MESSAGE_MS = 10_000
_KINDS = {schema.GRIDS: GRIDS, schema.SOURCES: SOURCES, schema.INSPECTORS: INSPECTORS}


class EditingController(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = EditSession(self)
        self.stack = self.session.stack
        self.context = EditContext(self.stack, self)
        self.problems = None  # the topology problems shown (GeoDataFrame), None: not checked
        self.topology_layer = TopologyLayer(_("Topology problems"))
        self.lock_warning: QMessageBox | None = None
        self._stale_tables: set[str] = set()  # tables to show again when the dock is shown
        self._build_docks()
        self._build_tools()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self.stack.changes_applied.connect(self._changes_applied)
        self.stack.refused.connect(self._refused)
        self.session.modified_changed.connect(lambda _m: window._update_title())
        self.session.editing_changed.connect(lambda _on: self._update_actions())
        self.session.read_only_changed.connect(lambda _on: self._update_actions())
        window.selection.changed.connect(lambda _kind: self._update_actions())
        window.attributes_dock.value_edited.connect(self._attribute_edited)
        window.attributes_dock.visibilityChanged.connect(
            lambda shown: shown and self._refresh_stale_tables())
        self.planning = PlanningPanels(self)
        self._update_actions()

    # ---- building --------------------------------------------------------------------------
    def _build_docks(self) -> None:
        window = self.window
        self.topology_dock = TopologyDock(window)
        self.undo_dock = UndoHistoryDock(self.stack, window)
        right = Qt.DockWidgetArea.RightDockWidgetArea
        window.addDockWidget(right, self.topology_dock)
        window.tabifyDockWidget(window.identify_dock, self.topology_dock)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.undo_dock)
        self.undo_dock.hide()
        self.topology_dock.hide()
        self.topology_dock.check_requested.connect(self.check_all)
        self.topology_dock.fix_requested.connect(self.fix_slivers)
        self.topology_dock.zoom_requested.connect(self._zoom_to_lonlat_box)

    def _build_tools(self) -> None:
        window = self.window
        self.draw_tool = DrawGridTool(self.context, self)
        self.reshape_tool = ReshapeTool(self.context, self)
        self.split_tool = SplitGridTool(self.context, self)
        self.source_tool = SourceTool(self.context, self)
        self.edit_tools = (self.draw_tool, self.reshape_tool, self.split_tool, self.source_tool)
        for tool in self.edit_tools:
            window.tools.add(tool)
            tool.message.connect(self.show_message)
        self.overlay = SketchOverlay(window.canvas)
        window.tools.tool_changed.connect(self.overlay.set_tool)

    def _build_actions(self) -> None:
        window = self.window
        self.undo_action = self.stack.undo_action(window)
        self.redo_action = self.stack.redo_action(window)
        self.start_action = QAction(_("Start &Editing"), window)
        self.start_action.setCheckable(True)
        self.start_action.setShortcut(QKeySequence("Ctrl+E"))
        self.start_action.setToolTip(_("Edit the grids, sources and assignments of the "
                                       "project; nothing is written until Save"))
        self.start_action.triggered.connect(self.set_editing)
        self.save_edits_action = QAction(_("Save &Edits"), window)
        self.save_edits_action.triggered.connect(self.save)
        self.discard_action = QAction(_("&Discard Edits"), window)
        self.discard_action.setToolTip(_("Go back to the project as last saved"))
        self.discard_action.triggered.connect(self.discard)
        self.merge_action = QAction(_("&Merge Selected Grids"), window)
        self.merge_action.setShortcut(QKeySequence("Ctrl+M"))
        self.merge_action.triggered.connect(self.merge_selected)
        self.move_parent_action = QAction(_("Move Grid to &Parent…"), window)
        self.move_parent_action.triggered.connect(self.move_selected_to_parent)
        self.delete_grids_action = QAction(_("Delete Selected Grids"), window)
        self.delete_grids_action.triggered.connect(self.delete_selected)
        self.check_action = QAction(_("&Check Topology"), window)
        self.check_action.setToolTip(_("Check the whole division for gaps, overlaps and "
                                       "strays"))
        self.check_action.triggered.connect(self.check_all)
        self.fix_action = QAction(_("&Fix Slivers"), window)
        self.fix_action.triggered.connect(
            lambda: self.fix_slivers(float(self.topology_dock.sliver_area.value())))

    def _build_menus(self) -> None:
        window = self.window
        menu = window.menuBar().addMenu(_("&Edit"))
        window.menuBar().insertMenu(window.view_menu.menuAction(), menu)
        for action in (self.undo_action, self.redo_action, None, self.start_action,
                       self.save_edits_action, self.discard_action, None):
            menu.addAction(action) if action is not None else menu.addSeparator()
        for tool in self.edit_tools:
            menu.addAction(window.tools.actions[tool.tool_id])
        menu.addSeparator()
        for action in (self.merge_action, self.move_parent_action, self.delete_grids_action,
                       None, self.check_action, self.fix_action):
            menu.addAction(action) if action is not None else menu.addSeparator()
        self.edit_menu = menu
        window.view_menu.addSeparator()
        window.view_menu.addAction(self.topology_dock.toggleViewAction())
        window.view_menu.addAction(self.undo_dock.toggleViewAction())

    def _build_toolbar(self) -> None:
        window = self.window
        bar = QToolBar(_("Editing"), window)
        bar.setObjectName("editing_toolbar")
        for action in (self.start_action, self.save_edits_action,
                       self.stack.toolbar_action(False, bar),
                       self.stack.toolbar_action(True, bar)):
            bar.addAction(action)
        bar.addSeparator()
        for tool in self.edit_tools:
            bar.addAction(window.tools.actions[tool.tool_id])
        self.level_box = QComboBox(bar)
        for level in EDIT_LEVELS:
            self.level_box.addItem(labels.label(labels.LEVELS, level), level)
        self.level_box.setCurrentIndex(EDIT_LEVELS.index(self.context.level))
        self.level_box.setToolTip(_("The level of the grids drawn and split"))
        self.level_box.currentIndexChanged.connect(
            lambda i: self.context.set_level(int(self.level_box.itemData(i))))
        self.category_box = QComboBox(bar)
        for category in schema.SOURCE_CATEGORIES:
            self.category_box.addItem(labels.label(labels.SOURCE_CATEGORIES, category),
                                      category)
        self.category_box.setCurrentIndex(self.category_box.findData(
            self.context.source_category))
        self.category_box.setToolTip(_("The category of the sources added"))
        self.category_box.currentIndexChanged.connect(
            lambda i: setattr(self.context, "source_category", self.category_box.itemData(i)))
        bar.addWidget(QLabel(" " + _("Level") + " ", bar))
        bar.addWidget(self.level_box)
        bar.addWidget(QLabel(" " + _("New sources") + " ", bar))
        bar.addWidget(self.category_box)
        bar.addSeparator()
        bar.addAction(self.merge_action)
        bar.addAction(self.move_parent_action)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        window.view_menu.addAction(bar.toggleViewAction())
        self.toolbar = bar

    # ---- the window's hooks ----------------------------------------------------------------
    @property
    def project(self) -> Project | None:
        return self.session.project

    @property
    def modified(self) -> bool:
        return self.session.modified

    @property
    def read_only(self) -> bool:
        return self.session.read_only

    def layers(self) -> list:
        """The layers this session draws above the project's (the planning panels' too)."""
        shown = [self.topology_layer] if len(self.topology_layer) else []
        return [*self.planning.layers(), *shown]

    def project_shown(self, project: Project) -> None:
        """The window shows ``project``: take its lock (or open it read-only), start over."""
        holder = self.session.open(project)
        self.problems = None
        self.topology_layer.set_problems(None)  # the window shows the layers afterwards
        self.topology_dock.set_problems(None, [])
        self._stale_tables.clear()
        self.planning.project_shown(project)
        if holder is not None:
            self._warn_locked(holder)
        if self.session.editing:
            self.check_all()
        self._update_actions()
        self.window._show_layers()

    def may_close_project(self) -> bool:
        """Ask about unsaved edits (Save / Discard / Cancel); False: keep the project open."""
        if not self.session.modified:
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.StandardButton.Save:
            return self.window.save_project()
        return answer == QMessageBox.StandardButton.Discard

    def ask_unsaved(self) -> QMessageBox.StandardButton:
        box = QMessageBox(QMessageBox.Icon.Warning, _("Unsaved edits"),
                          _("The project has edits that are not saved yet."),
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self.window)
        box.setInformativeText(_("Save them before going on?"))
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.setObjectName("unsaved_edits_box")
        return QMessageBox.StandardButton(box.exec())

    def project_saved(self) -> None:
        self.session.saved()
        self.window._update_title()

    def closed(self) -> None:
        """The window closes: release the project's lock."""
        self.session.close()

    # ---- the session -----------------------------------------------------------------------
    def set_editing(self, on: bool) -> bool:
        """Start or stop editing; stopping with unsaved edits asks what to do with them."""
        if not on and self.session.modified and not self.may_close_project():
            self.start_action.setChecked(True)
            return False
        if not on and self.session.modified:  # the answer was Discard
            self.discard()
        started = self.session.set_editing(on)
        if on and not started:
            self.start_action.setChecked(False)
            if self.read_only:
                self.show_message(_("The project is open read-only: {holder} is editing it.")
                                  .format(holder=holder_text(self.session.holder)))
            return False
        if on:
            self.check_all()
            self.topology_dock.show()
            self.topology_dock.raise_()
            self.show_message(_("Editing: nothing is written to the project until you save."))
        return started

    def save(self) -> bool:
        return self.window.save_project()

    def discard(self) -> None:
        """Drop the unsaved edits: the project as last saved, read again; the view stays."""
        project = self.project
        if project is None:
            return
        view = self.window.canvas.view
        try:
            saved = Project.open(project.path)
        except (GisappError, OSError) as error:
            self.window._show_error(_("Cannot open the project"), str(error))
            return
        self.session.drop_unsaved()
        self.window.set_project(saved)
        self.window.canvas.set_view(view)
        self.show_message(_("Edits discarded"))

    def _warn_locked(self, holder: dict) -> None:
        text = _("{holder} is editing this project, so it is open read-only here. Your "
                 "changes could not be saved.").format(holder=holder_text(holder))
        self.show_message(text)
        box = QMessageBox(QMessageBox.Icon.Warning, _("Open read-only"), text,
                          QMessageBox.StandardButton.Ok, self.window)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setObjectName("read_only_box")
        box.show()
        self.lock_warning = box

    def _update_actions(self) -> None:
        has_project = self.project is not None
        editing = self.session.editing
        self.start_action.setEnabled(has_project and not self.read_only)
        self.start_action.setChecked(editing)
        self.save_edits_action.setEnabled(editing)
        self.discard_action.setEnabled(editing)
        for tool in self.edit_tools:
            self.window.tools.actions[tool.tool_id].setEnabled(editing)
        grids = self.window.selection.ids(GRIDS)
        self.merge_action.setEnabled(editing and len(grids) >= 2)
        self.move_parent_action.setEnabled(editing and len(grids) == 1)
        self.delete_grids_action.setEnabled(editing and len(grids) >= 1)
        self.check_action.setEnabled(has_project)
        self.fix_action.setEnabled(editing)
        self.topology_dock.set_editable(editing)
        self.window.attributes_dock.set_editable(editing)
        if not editing and self.window.tools.active in self.edit_tools:
            self.window.tools.activate(self.window.pan_tool.tool_id)
        self.planning.set_editable(editing)

    # ---- edits on the selection ------------------------------------------------------------
    def push(self, edit) -> bool:
        """Apply an edit and make it an undo step (the refusal goes to the status bar)."""
        if not self.session.editing:
            self.show_message(_("Start editing first (Edit → Start Editing)."))
            return False
        if self.stack.push(edit):
            self.show_message(edit.label)
            return True
        return False

    def push_all(self, edits, label: str) -> bool:
        if not self.session.editing:
            self.show_message(_("Start editing first (Edit → Start Editing)."))
            return False
        if self.stack.push_all(edits, label):
            self.show_message(label)
            return True
        return False

    def merge_selected(self) -> bool:
        codes = sorted(self.window.selection.ids(GRIDS))
        if len(codes) < 2:
            self.show_message(_("Select at least two grids to merge."))
            return False
        edit = MergeGrids(tuple(codes))
        if not self.push(edit):
            return False
        kept = [c for c in codes if c in set(self.project.grids["grid_code"].astype(str))]
        self.window.selection.select(GRIDS, kept)
        return True

    def move_selected_to_parent(self) -> MoveToParentDialog | None:
        codes = sorted(self.window.selection.ids(GRIDS))
        if len(codes) != 1:
            self.show_message(_("Select one grid to move."))
            return None
        dialog = MoveToParentDialog(codes[0], parent_choices(self.project.grids, codes[0]),
                                    self.window)
        dialog.accepted.connect(lambda: dialog.parent_code and self.push(
            MoveGridToParent(codes[0], dialog.parent_code)))
        dialog.open()
        return dialog

    def delete_selected(self) -> bool:
        codes = sorted(self.window.selection.ids(GRIDS))
        if not codes:
            return False
        edits = [DeleteGrid(c) for c in codes]
        label = edits[0].label if len(edits) == 1 else _("Delete {count} grids").format(
            count=len(edits))
        return self.push_all(edits, label)

    def fix_slivers(self, max_area_m2: float) -> bool:
        return self.push(FixSlivers(float(max_area_m2)))

    def _attribute_edited(self, kind: str, key: str, column: str, old, new) -> None:
        table = {GRIDS: schema.GRIDS, SOURCES: schema.SOURCES,
                 INSPECTORS: schema.INSPECTORS}[kind]
        self.push(EditAttributes(table, key, column, old, new))

    # ---- topology --------------------------------------------------------------------------
    def check_all(self) -> TopologyReport | None:
        project = self.project
        if project is None:
            return None
        report = check_division(project.grids, project.sources, frame=_metric_frame(project))
        self._show_problems(report.problems)
        return report

    def _recheck(self, codes) -> None:
        """Check the neighbourhood of the grids an edit touched; keep the other problems."""
        project = self.project
        codes = {str(c) for c in codes}
        if project is None or not codes:
            return
        report = check_neighbourhood(project.grids, codes, project.sources,
                                     frame=_metric_frame(project))
        problems = report.problems
        if self.problems is not None and len(self.problems):
            tagged = self.problems.assign(_row=np.arange(len(self.problems)))
            involved = TopologyReport(tagged).restricted_to(report.scope).problems["_row"]
            kept = self.problems.drop(index=self.problems.index[involved.to_numpy(int)])
            parts = [p for p in (kept, problems) if len(p)]
            problems = pd.concat(parts, ignore_index=True) if parts else problems
        self._show_problems(problems.reset_index(drop=True))

    def _show_problems(self, problems) -> None:
        listed = len(self.topology_layer) > 0
        self.problems = problems
        self.topology_layer.set_problems(problems)
        self.topology_dock.set_problems(problems, TopologyReport(problems).messages())
        if listed != (len(self.topology_layer) > 0):  # listed in the Layers panel only then
            self.window._show_layers()

    # ---- after an edit ---------------------------------------------------------------------
    def _changes_applied(self, changes: Changes) -> None:
        """Bring every view up to date with what an edit changed, touching only that: the
        layers update the grids and sources named in ``changes`` (the canvas then redraws
        only where they were and are), the feature index and the selection highlight take
        the edited rows, and only their neighbourhood is checked again."""
        project, window = self.project, self.window
        if project is None:
            return
        grids = changes.touches(schema.GRIDS)
        sources = changes.touches(schema.SOURCES)
        grid_ids, source_ids = changes.ids_in(schema.GRIDS), changes.ids_in(schema.SOURCES)
        for layer in window._project_layers:
            if grids and isinstance(layer, GridLayer):
                self._update_layer(layer, project.grids, grid_ids)
            elif sources and isinstance(layer, SourceLayer):
                self._update_layer(layer, project.sources, source_ids)
        if window.index is not None:
            window.index.apply_changes(changes)
        if (grids or sources) and window.selection_layer is not None:
            window.selection_layer.set_tables(project.grids, project.sources)
        for table in (schema.GRIDS, schema.SOURCES, schema.INSPECTORS):
            if changes.touches(table) or (table == schema.INSPECTORS
                                          and changes.touches(schema.ASSIGNMENTS)):
                self._refresh_table(table)
        if grids or sources:
            codes = set(grid_ids)
            if source_ids:
                moved = project.sources[one_of(project.sources["source_id"], source_ids)]
                codes |= set(moved["grid_code"].dropna().astype(str))
            self._recheck(codes)
        self.planning.changes_applied(changes)
        window.summary_label.setText(window._summary_text(project.summary()))
        window._update_title()

    def _update_layer(self, layer, table, ids) -> None:
        """Update ``layer`` with the rows ``ids`` of the edited ``table``; with no ids (the
        whole table may have changed) build it again, keeping the user's style."""
        if ids:
            layer.update(table, ids)
            return
        window = self.window
        if isinstance(layer, GridLayer):
            new = GridLayer(table, layer.level, layer.name, layer.style, layer.key)
        else:
            new = SourceLayer(table, layer.name, style=layer.style, key=layer.key)
        new.apply_style_state(layer.style_state())
        layer.remove_listener(window._styles_changed)
        new.add_listener(window._styles_changed)
        window._project_layers[window._project_layers.index(layer)] = new
        window._show_layers()

    def _refresh_table(self, table: str) -> None:
        """Show the edited table (a hidden attribute dock gets it when it is shown)."""
        window, project = self.window, self.project
        if not window.attributes_dock.isVisible():
            self._stale_tables.add(table)
            return
        self._stale_tables.discard(table)
        if table == schema.INSPECTORS:
            frame = window._inspector_table(project)
        else:
            frame = _display(project.tables[table])
        window.attributes_dock.pages[_KINDS[table]].set_frame(frame)

    def _refresh_stale_tables(self) -> None:
        if self.project is not None:
            for table in sorted(self._stale_tables):
                self._refresh_table(table)

    # ---- messages and zoom -----------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.window.statusBar().showMessage(text, MESSAGE_MS)

    def _refused(self, text: str) -> None:
        self.show_message(_("Refused: {reason}").format(reason=text))

    def _zoom_to_lonlat_box(self, bounds) -> None:
        lon0, lat0, lon1, lat1 = bounds
        (x0, x1), (y0, y1) = lonlat_to_map([lon0, lon1], [lat0, lat1])
        pad = max(float(x1 - x0), float(y1 - y0), 200.0) * 0.6
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        self.window.canvas.zoom_to((cx - pad, cy - pad, cx + pad, cy + pad))


def parent_choices(grids: pd.DataFrame, code: str) -> list[tuple[str, str]]:
    """The possible new parents of grid ``code``: the grids of the level above, those that
    touch it first, its present parent left out; as (code, "name (code)")."""
    row = grids[grids["grid_code"].astype(str) == code]
    if not len(row):
        return []
    level = int(row["level"].iloc[0])
    current = row["parent_code"].iloc[0]
    geometry = row.geometry.iloc[0]
    above = grids[(grids["level"] == level - 1) & (grids["grid_code"] != current)]
    touching = above.geometry.intersects(geometry).to_numpy(bool)
    order = np.lexsort((above["grid_code"].astype(str).to_numpy(), ~touching))
    return [(str(above["grid_code"].iloc[i]),
             f"{above['name'].iloc[i]} ({above['grid_code'].iloc[i]})") for i in order]


def _metric_frame(project: Project) -> MetricFrame:
    """The project's metric CRS, as the edits use it (else the zone at the grids' centre)."""
    crs = project.meta.get("metric_crs")
    return MetricFrame(str(crs)) if crs else MetricFrame.around(project.grids.geometry.values)


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for display: no geometry column."""
    return pd.DataFrame(frame.drop(columns=[c for c in ("geometry",) if c in frame.columns])
                        ).reset_index(drop=True)
