"""IdentifyDock: what the identify tool found: the source's attributes, the grid chain at every
level with its responsible persons on a chosen day, and coverage flags near the click."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gisapp.i18n import _
from gisapp.ui import labels
from gisapp.ui.docks.coverage_dock import scrolled
from gisapp.ui.selection import IdentifyResult

_SOURCE_FIELDS = ("source_id", "name", "category", "is_key", "grid_code", "key_grid_code",
                  "address")


class IdentifyDock(QDockWidget):
    date_changed = Signal(object)  # the dt.date whose responsible persons to show

    def __init__(self, parent: QWidget | None = None):
        super().__init__(_("Identify"), parent)
        self.setObjectName("identify_dock")
        body = QWidget(self)
        self.date_edit = QDateEdit(QDate.currentDate(), body)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.dateChanged.connect(
            lambda d: self.date_changed.emit(dt.date(d.year(), d.month(), d.day())))
        self.tree = QTreeWidget(body)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([_("Field"), _("Value")])
        self.tree.setAlternatingRowColors(True)
        self.tree.setMinimumHeight(3 * self.fontMetrics().height())  # fits a short window
        self.hint = QLabel(_("Choose the Identify tool and click the map."), body)
        self.hint.setToolTip(self.hint.text())  # not wrapped: see RankingDock
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Responsible persons on"), body))
        row.addWidget(self.date_edit, 1)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.hint)
        layout.addWidget(self.tree, 1)
        self.setWidget(scrolled(body))
        self.result: IdentifyResult | None = None

    def set_date(self, day: dt.date) -> None:
        self.date_edit.setDate(QDate(day.year, day.month, day.day))

    def clear(self) -> None:
        self.result = None
        self.tree.clear()
        self.hint.show()

    def show_result(self, result: IdentifyResult) -> None:
        self.result = result
        self.hint.hide()
        self.tree.clear()
        if result.source is not None:
            self._add_source(result.source)
        for flag in result.flags:
            self._add_flag(flag)
        self._add_chain(result)
        self._add_position(result)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)

    # ---- sections --------------------------------------------------------------------------
    def _section(self, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self.tree, [title])
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        item.setFirstColumnSpanned(True)
        return item

    def _add_source(self, source: dict) -> None:
        section = self._section(_("Source: {name}").format(name=_text(source.get("name"))))
        for field in _SOURCE_FIELDS:
            value = source.get(field)
            if field == "category":
                text = labels.label(labels.SOURCE_CATEGORIES, _text(value))
            elif field == "is_key":
                text = _("yes") if bool(value) else _("no")
            else:
                text = _text(value)
            QTreeWidgetItem(section, [labels.label(labels.COLUMNS, field), text])

    def _add_flag(self, flag: dict) -> None:
        kind = labels.label(labels.FLAG_KINDS, str(flag.get("kind", "")))
        section = self._section(_("Flag: {kind}").format(kind=kind))
        QTreeWidgetItem(section, [_("Inspector"), _text(flag.get("inspector_id"))])
        QTreeWidgetItem(section, [_("From"), _time(flag.get("start"))])
        QTreeWidgetItem(section, [_("To"), _time(flag.get("end"))])
        reason = QTreeWidgetItem(section, [_("Reason"), _text(flag.get("reason"))])
        reason.setToolTip(1, _text(flag.get("reason")))

    def _add_chain(self, result: IdentifyResult) -> None:
        section = self._section(_("Grid chain on {day}").format(day=result.on.isoformat()))
        if not result.chain:
            QTreeWidgetItem(section, [_("Outside every grid"), ""])
        for link in result.chain:
            grid = QTreeWidgetItem(section, [labels.label(labels.LEVELS, link.level),
                                             f"{link.name} ({link.grid_code})"])
            grid.setData(0, Qt.ItemDataRole.UserRole, link.grid_code)
            if not link.persons:
                QTreeWidgetItem(grid, [_("Responsible persons"), _("none assigned")])
            for person in link.persons:
                text = person.name + (f"  {person.phone}" if person.phone else "")
                if person.inspector_id:
                    text += f"  [{person.inspector_id}]"
                QTreeWidgetItem(grid, [labels.label(labels.ROLES, person.role), text])

    def _add_position(self, result: IdentifyResult) -> None:
        section = self._section(_("Position"))
        QTreeWidgetItem(section, [_("Longitude, latitude"),
                                  f"{result.lon:.6f}, {result.lat:.6f}"])

    # ---- for tests and other docks -----------------------------------------------------------
    def texts(self) -> list[str]:
        """Every row as 'field: value', depth first."""
        out = []

        def walk(item: QTreeWidgetItem) -> None:
            out.append(f"{item.text(0)}: {item.text(1)}" if item.text(1) else item.text(0))
            for i in range(item.childCount()):
                walk(item.child(i))
        for i in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(i))
        return out


def _text(value) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _time(value) -> str:
    if value is None or _text(value) == "":
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
