"""LayersDock: one checkbox per map layer, topmost first, switching the layer's visibility."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QListWidget, QListWidgetItem, QWidget

from gisapp.i18n import _
from gisapp.layers.base import MapLayer


class LayersDock(QDockWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(_("Layers"), parent)
        self.setObjectName("layers_dock")  # saveState() needs it
        self.list = QListWidget(self)
        self.setWidget(self.list)
        self._layers: list[MapLayer] = []
        self.list.itemChanged.connect(self._item_changed)

    def set_layers(self, layers: list[MapLayer]) -> None:
        """``layers`` bottom first, as the canvas draws them; the list shows the top first."""
        for layer in self._layers:
            layer.remove_listener(self._layer_changed)
        self._layers = list(reversed(layers))
        self.list.blockSignals(True)
        self.list.clear()
        for layer in self._layers:
            item = QListWidgetItem(layer.name, self.list)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(_check_state(layer.visible))
            layer.add_listener(self._layer_changed)
        self.list.blockSignals(False)

    def item_for(self, layer: MapLayer) -> QListWidgetItem:
        return self.list.item(self._layers.index(layer))

    def _item_changed(self, item: QListWidgetItem) -> None:
        layer = self._layers[self.list.row(item)]
        layer.visible = item.checkState() == Qt.CheckState.Checked

    def _layer_changed(self, layer: MapLayer) -> None:
        # the layer may be switched elsewhere (a later menu or tool): keep the box in step
        item = self.item_for(layer)
        if item.checkState() != _check_state(layer.visible):
            self.list.blockSignals(True)
            item.setCheckState(_check_state(layer.visible))
            self.list.blockSignals(False)


def _check_state(visible: bool) -> Qt.CheckState:
    return Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked
