"""LayersDock: the map's layers, topmost first: visibility, order, opacity, style, a legend.

Each layer is a checkable row (its symbol as the icon); rows are reordered by dragging or
with the up/down buttons. Below the list, the opacity of the current row and a legend of
the visible layers, one swatch per layer and per class (source category, grid level).
The dock changes the layers themselves (visible, opacity, style) and asks for a new order
(``layers_reordered``); it listens to the layers, so changes made elsewhere show here too.
"""

from __future__ import annotations

from itertools import count

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QColorDialog, QDockWidget, QHBoxLayout,
                               QLabel, QListWidget, QListWidgetItem, QMenu, QSlider,
                               QToolButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from gisapp.i18n import _
from gisapp.layers.base import MapLayer
from gisapp.layers.grids import GridLayer
from gisapp.layers.legend import LegendEntry, symbol_image

_LAYER_ROLE = Qt.ItemDataRole.UserRole + 1
_SYMBOL_ROLE = Qt.ItemDataRole.UserRole + 2
_ICON = QSize(22, 14)


class LayersDock(QDockWidget):
    layers_reordered = Signal(list)  # the layers in their new order, bottom first
    zoom_to_layer_requested = Signal(object)  # a MapLayer

    def __init__(self, parent: QWidget | None = None):
        super().__init__(_("Layers"), parent)
        self.setObjectName("layers_dock")  # saveState() needs it
        self._layers: list[MapLayer] = []  # top first, as listed
        self._serials = count(1)
        self._by_serial: dict[int, MapLayer] = {}
        self._legend_signature: tuple = ()
        self._build()

    def _build(self) -> None:
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        self.list = QListWidget(body)
        self.list.setIconSize(_ICON)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentRowChanged.connect(lambda _row: self._show_current())
        self.list.model().rowsMoved.connect(lambda *_args: self._order_from_list())
        layout.addWidget(self.list, 3)

        buttons = QHBoxLayout()
        self.up_button = _tool_button("↑", _("Move the layer up (drawn above)"), self.move_up)
        self.down_button = _tool_button("↓", _("Move the layer down (drawn below)"),
                                        self.move_down)
        self.zoom_button = _tool_button("⤢", _("Zoom to the layer"), self._zoom_current)
        for button in (self.up_button, self.down_button, self.zoom_button):
            buttons.addWidget(button)
        buttons.addSpacing(6)
        self.opacity_label = QLabel(_("Opacity"), body)
        buttons.addWidget(self.opacity_label)
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal, body)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setToolTip(_("Opacity of the layer"))
        self.opacity_slider.valueChanged.connect(self._opacity_changed)
        buttons.addWidget(self.opacity_slider, 1)
        self.opacity_value = QLabel("100 %", body)
        self.opacity_value.setMinimumWidth(self.fontMetrics().horizontalAdvance("100 %") + 4)
        buttons.addWidget(self.opacity_value)
        layout.addLayout(buttons)

        layout.addWidget(QLabel(_("Legend"), body))
        self.legend = QTreeWidget(body)
        self.legend.setHeaderHidden(True)
        self.legend.setIconSize(_ICON)
        self.legend.setRootIsDecorated(False)
        self.legend.setIndentation(14)
        self.legend.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.legend.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.legend, 4)
        self.setWidget(body)
        self._show_current()

    # ---- layers ----------------------------------------------------------------------------
    @property
    def layers(self) -> list[MapLayer]:
        """Bottom first, as the canvas draws them."""
        return list(reversed(self._layers))

    def set_layers(self, layers: list[MapLayer]) -> None:
        """``layers`` bottom first, as the canvas draws them; the list shows the top first."""
        current = self.current_layer()
        for layer in self._layers:
            layer.remove_listener(self._layer_changed)
        self._layers = list(reversed(layers))
        self._by_serial.clear()
        self.list.blockSignals(True)
        self.list.clear()
        for layer in self._layers:
            serial = next(self._serials)
            self._by_serial[serial] = layer
            item = QListWidgetItem(layer.name, self.list)
            item.setData(_LAYER_ROLE, serial)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                          | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
            item.setCheckState(_check_state(layer.visible))
            item.setIcon(_layer_icon(layer))
            item.setData(_SYMBOL_ROLE, repr(_first_symbol(layer)))
            layer.add_listener(self._layer_changed)
        if current in self._layers:
            self.list.setCurrentRow(self._layers.index(current))
        self.list.blockSignals(False)
        self._show_current()
        self._update_legend()

    def item_for(self, layer: MapLayer) -> QListWidgetItem:
        return self.list.item(self._layers.index(layer))

    def layer_of(self, item: QListWidgetItem) -> MapLayer:
        return self._by_serial[item.data(_LAYER_ROLE)]

    def current_layer(self) -> MapLayer | None:
        item = self.list.currentItem()
        return self.layer_of(item) if item is not None else None

    def select_layer(self, layer: MapLayer) -> None:
        self.list.setCurrentRow(self._layers.index(layer))

    # ---- order -----------------------------------------------------------------------------
    def move_up(self) -> None:
        self._move(-1)

    def move_down(self) -> None:
        self._move(+1)

    def _move(self, step: int) -> None:
        layer = self.current_layer()
        if layer is None:
            return
        row = self._layers.index(layer)
        target = row + step
        if not 0 <= target < len(self._layers):
            return
        order = list(self._layers)
        order.insert(target, order.pop(row))
        self._layers = order  # so the rebuild from the canvas keeps the current row
        self.layers_reordered.emit(list(reversed(order)))
        if [self.layer_of(self.list.item(i)) for i in range(self.list.count())] != order:
            self.set_layers(list(reversed(order)))  # no canvas attached: show it ourselves
        self.select_layer(layer)

    def _order_from_list(self) -> None:
        """After a drag in the list: the rows' order is the new order."""
        order = [self.layer_of(self.list.item(i)) for i in range(self.list.count())]
        if order != self._layers:
            current = self.current_layer()
            self._layers = order
            self.layers_reordered.emit(list(reversed(order)))
            if current is not None:
                self.select_layer(current)

    # ---- visibility, opacity, style --------------------------------------------------------
    def _item_changed(self, item: QListWidgetItem) -> None:
        self.layer_of(item).visible = item.checkState() == Qt.CheckState.Checked

    def _opacity_changed(self, value: int) -> None:
        self.opacity_value.setText(f"{value} %")
        layer = self.current_layer()
        if layer is not None:
            layer.opacity = value / 100

    def _show_current(self) -> None:
        layer = self.current_layer()
        enabled = layer is not None
        for widget in (self.opacity_slider, self.up_button, self.down_button, self.zoom_button):
            widget.setEnabled(enabled)
        if layer is not None:
            row = self._layers.index(layer)
            self.up_button.setEnabled(row > 0)
            self.down_button.setEnabled(row < len(self._layers) - 1)
            self.zoom_button.setEnabled(layer.extent() is not None)
        value = round((layer.opacity if layer is not None else 1.0) * 100)
        self.opacity_slider.blockSignals(True)
        self.opacity_slider.setValue(value)
        self.opacity_slider.blockSignals(False)
        self.opacity_value.setText(f"{value} %")

    def _zoom_current(self) -> None:
        layer = self.current_layer()
        if layer is not None:
            self.zoom_to_layer_requested.emit(layer)

    def _context_menu(self, position) -> None:
        item = self.list.itemAt(position)
        if item is None:
            return
        layer = self.layer_of(item)
        menu = QMenu(self)
        zoom = menu.addAction(_("Zoom to Layer"))
        zoom.setEnabled(layer.extent() is not None)
        zoom.triggered.connect(lambda: self.zoom_to_layer_requested.emit(layer))
        if isinstance(layer, GridLayer):
            menu.addAction(_("Line Colour…")).triggered.connect(
                lambda: self.choose_line_colour(layer))
            labels = menu.addAction(_("Show Labels"))
            labels.setCheckable(True)
            labels.setChecked(layer.labels_shown)
            labels.setEnabled(bool(layer.style.label_pixel_size))
            labels.toggled.connect(lambda on: setattr(layer, "labels_shown", on))
        menu.exec(self.list.viewport().mapToGlobal(position))

    def choose_line_colour(self, layer: GridLayer) -> None:
        color = QColorDialog.getColor(QColor(layer.style.line_color), self,
                                      _("Line colour of {layer}").format(layer=layer.name))
        if color.isValid():
            layer.set_style(line_color=color.name())

    def _layer_changed(self, layer: MapLayer) -> None:
        # the layer may be switched elsewhere (a menu, a tool, the time dock): keep in step
        if layer not in self._layers:
            return
        item = self.item_for(layer)
        self.list.blockSignals(True)
        if item.checkState() != _check_state(layer.visible):
            item.setCheckState(_check_state(layer.visible))
        if item.text() != layer.name:
            item.setText(layer.name)
        symbol = _first_symbol(layer)
        if item.data(_SYMBOL_ROLE) != repr(symbol):
            item.setData(_SYMBOL_ROLE, repr(symbol))
            item.setIcon(_layer_icon(layer))
        self.list.blockSignals(False)
        if layer is self.current_layer():
            self._show_current()
        self._update_legend()

    # ---- legend ----------------------------------------------------------------------------
    def _update_legend(self) -> None:
        shown = [layer for layer in self._layers if layer.visible]
        entries = [(layer, layer.legend()) for layer in shown]
        signature = tuple((id(layer), tuple(legend)) for layer, legend in entries)
        if signature == self._legend_signature:
            return
        self._legend_signature = signature
        self.legend.clear()
        for layer, legend in entries:
            if not legend:
                legend = [LegendEntry(layer.name, None)]
            parent = None
            for entry in legend:
                if entry.level == 0 or parent is None:
                    parent = QTreeWidgetItem(self.legend, [entry.label])
                    target = parent
                else:
                    target = QTreeWidgetItem(parent, [entry.label])
                if entry.symbol is not None:
                    target.setIcon(0, _icon(entry))
        self.legend.expandAll()

    def legend_labels(self) -> list[tuple[int, str]]:
        """(depth, text) of every legend row, top first (for tests and the printed page)."""
        rows = []
        for i in range(self.legend.topLevelItemCount()):
            item = self.legend.topLevelItem(i)
            rows.append((0, item.text(0)))
            rows.extend((1, item.child(j).text(0)) for j in range(item.childCount()))
        return rows


def _tool_button(text: str, tip: str, slot) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.clicked.connect(slot)
    return button


def _icon(entry: LegendEntry) -> QIcon:
    return QIcon(QPixmap.fromImage(symbol_image(entry.symbol, _ICON.width(), _ICON.height(),
                                                2.0)))


def _layer_icon(layer: MapLayer) -> QIcon:
    legend = layer.legend()
    return _icon(legend[0]) if legend and legend[0].symbol is not None else QIcon()


def _first_symbol(layer: MapLayer):
    legend = layer.legend()
    return legend[0].symbol if legend else None


def _check_state(visible: bool) -> Qt.CheckState:
    return Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked
