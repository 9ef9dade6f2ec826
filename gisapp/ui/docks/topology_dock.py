"""TopologyDock: the problems the topology check found (gaps, overlaps, grids outside their
parent, sources outside their grid ...), one line each with zoom-to; a full check; and
"Fix slivers" for gaps and overlaps under an area."""

from __future__ import annotations

import geopandas as gpd
import shapely
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gisapp.i18n import N_, _
from gisapp.ui.docks.coverage_dock import scrolled

KIND_LABELS = {
    "invalid": N_("Invalid boundary"), "duplicate_code": N_("Duplicate code"),
    "orphan": N_("No parent"), "gap": N_("Gap"), "overlap": N_("Overlap"),
    "outside_parent": N_("Outside parent"), "key_source_outside": N_("Key grid outside"),
    "source_outside": N_("Source outside"),
}
OK_STYLE = "color: #1a7f37; font-weight: bold"
PROBLEM_STYLE = "color: #b2182b; font-weight: bold"
DEFAULT_SLIVER_M2 = 50.0


class TopologyDock(QDockWidget):
    check_requested = Signal()
    fix_requested = Signal(float)  # fix gaps and overlaps up to this many m²
    zoom_requested = Signal(object)  # (lon_min, lat_min, lon_max, lat_max) of a problem

    def __init__(self, parent: QWidget | None = None):
        super().__init__(_("Topology"), parent)
        self.setObjectName("topology_dock")
        body = QWidget(self)
        self.status = QLabel(_("Not checked yet."), body)
        self.tree = QTreeWidget(body)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels([_("Problem"), _("Area (m²)"), _("Details")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self._zoom(item))
        self.tree.currentItemChanged.connect(lambda item, _old: self._zoom(item))
        self.check_button = QPushButton(_("Check All"), body)
        self.check_button.setToolTip(_("Check the whole division: gaps, overlaps, grids "
                                       "outside their parent, sources outside their grid"))
        self.check_button.clicked.connect(self.check_requested)
        self.sliver_area = QDoubleSpinBox(body)
        self.sliver_area.setRange(0.01, 1_000_000.0)
        self.sliver_area.setDecimals(2)
        self.sliver_area.setSuffix(" m²")
        self.sliver_area.setValue(DEFAULT_SLIVER_M2)
        self.fix_button = QPushButton(_("Fix Slivers"), body)
        self.fix_button.setToolTip(_("Give every gap and overlap up to this area to the grid "
                                     "sharing its longest edge, in one edit"))
        self.fix_button.clicked.connect(lambda: self.fix_requested.emit(
            float(self.sliver_area.value())))
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addStretch(1)
        row.addWidget(QLabel(_("Slivers up to"), body))
        row.addWidget(self.sliver_area)
        row.addWidget(self.fix_button)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        self.setWidget(scrolled(body))
        self.problems: gpd.GeoDataFrame | None = None
        self.set_editable(False)

    def set_editable(self, on: bool) -> None:
        self.fix_button.setEnabled(on)
        self.sliver_area.setEnabled(on)

    def set_problems(self, problems: gpd.GeoDataFrame | None, messages: list[str],
                     note: str = "") -> None:
        """Show the problems (None: not checked) with their messages (one per row)."""
        self.problems = problems
        self.tree.blockSignals(True)
        self.tree.clear()
        if problems is None:
            self.status.setText(_("Not checked yet."))
            self.status.setStyleSheet("")
        elif not len(problems):
            self.status.setText(_("The division is valid: no gap, no overlap.") + note)
            self.status.setStyleSheet(OK_STYLE)
        else:
            self.status.setText(_("{count} problems found").format(count=len(problems)) + note)
            self.status.setStyleSheet(PROBLEM_STYLE)
            for row, message in zip(problems.itertuples(index=False), messages):
                kind = _(KIND_LABELS.get(row.kind, row.kind))
                area = f"{float(row.area_m2):,.2f}" if float(row.area_m2 or 0) > 0 else ""
                item = QTreeWidgetItem(self.tree, [kind, area, message])
                item.setToolTip(2, message)
                item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
                geometry = row.geometry
                if geometry is not None and not shapely.is_empty(geometry):
                    item.setData(0, Qt.ItemDataRole.UserRole, tuple(geometry.bounds))
            for column in range(2):
                self.tree.resizeColumnToContents(column)
        self.tree.blockSignals(False)

    def messages(self) -> list[str]:
        return [self.tree.topLevelItem(i).text(2) for i in range(self.tree.topLevelItemCount())]

    def _zoom(self, item: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        bounds = item.data(0, Qt.ItemDataRole.UserRole)
        if bounds:
            self.zoom_requested.emit(tuple(bounds))
