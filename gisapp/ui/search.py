"""SearchBox: a toolbar field that finds grids, sources and inspectors by name, code or pinyin
(full or initials) as the user types, and says which one was chosen."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from gisapp.i18n import N_, _
from gisapp.search import SearchHit, SearchIndex

KIND_LABELS = {"grid": N_("Grid"), "source": N_("Source"), "inspector": N_("Inspector")}
HIT_ROLE = Qt.ItemDataRole.UserRole
MAX_HITS = 15


class SearchBox(QLineEdit):
    found = Signal(object)  # the SearchHit the user chose

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setPlaceholderText(_("Search grid, source, inspector (name or pinyin)…"))
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("M" * 26))
        self.index: SearchIndex | None = None
        self.hits: list[SearchHit] = []
        self.model = QStandardItemModel(self)
        self._completer = QCompleter(self.model, self)
        # the index filters (pinyin, codes); the completer only shows what it found
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setMaxVisibleItems(MAX_HITS)
        self._completer.setWidget(self)
        self._completer.activated[QModelIndex].connect(self._activated)
        self.textEdited.connect(self._update)
        self.returnPressed.connect(self._submit)

    def set_index(self, index: SearchIndex | None) -> None:
        self.index = index
        self.clear()
        self.hits = []
        self.model.clear()
        self.setEnabled(index is not None)

    def search(self, text: str) -> list[SearchHit]:
        """Fill the completer with the hits for ``text`` and return them."""
        self.hits = self.index.search(text, MAX_HITS) if self.index is not None else []
        self.model.clear()
        for hit in self.hits:
            item = QStandardItem(hit_text(hit))
            item.setData(hit, HIT_ROLE)
            self.model.appendRow(item)
        return self.hits

    def choose(self, hit: SearchHit) -> None:
        self._completer.popup().hide()
        self.setText(hit.name or hit.key)
        self.found.emit(hit)

    def _update(self, text: str) -> None:
        if self.search(text):
            self._completer.complete()
        else:
            self._completer.popup().hide()

    def _activated(self, index: QModelIndex) -> None:
        hit = index.data(HIT_ROLE)
        if hit is not None:
            self.choose(hit)

    def _submit(self) -> None:
        popup = self._completer.popup()
        current = popup.currentIndex() if popup.isVisible() else QModelIndex()
        if current.isValid() and current.data(HIT_ROLE) is not None:
            self.choose(current.data(HIT_ROLE))
        elif self.search(self.text()):
            self.choose(self.hits[0])


def hit_text(hit: SearchHit) -> str:
    """'昌泉路街道 · Grid 410199001'."""
    kind = _(KIND_LABELS.get(hit.kind, hit.kind))
    return f"{hit.name} · {kind} {hit.key}"
