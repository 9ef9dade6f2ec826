"""The Basemap menu: none, a catalogue basemap (Tianditu, OpenStreetMap, Amap) or an offline
MBTiles file; and the dialog for the user's Tianditu key.

The menu makes the TileLayers and says so (``layers_changed``); the window puts them at the
bottom of the map. XYZ tiles are read from the tile cache first and fetched (TileFetcher) only
when missing, and what is fetched is cached. The choice and the key are settings of this
workstation (QSettings), not of the project: an offline workstation picks an MBTiles file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QLabel, QLineEdit, QMenu,
                               QVBoxLayout, QWidget)

from gisapp.errors import InputError
from gisapp.i18n import _
from gisapp.layers.basemap import TileLayer
from gisapp.tiles.cache import TileCache
from gisapp.tiles.catalogue import BASEMAPS, TileSource, basemap
from gisapp.tiles.mbtiles import MBTiles
from gisapp.ui.settings import BASEMAP, TIANDITU_KEY, TILE_CACHE_DIR
from gisapp.ui.tile_fetcher import TileFetcher

MBTILES_PREFIX = "mbtiles:"
TIANDITU_SIGN_UP = "https://console.tianditu.gov.cn/api/key"


def tile_cache_dir(settings: QSettings) -> Path:
    """Where fetched tiles are kept: the setting, else the user's cache folder."""
    chosen = TILE_CACHE_DIR.read(settings)
    if chosen:
        return Path(chosen)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    return Path(base or Path.home() / ".cache" / "gisapp") / "tiles"


class BasemapMenu(QMenu):
    layers_changed = Signal(list)  # the basemap's TileLayers, bottom first ([]: none)
    message = Signal(str)  # for the status bar

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(_("&Basemap"), parent)
        self.settings = settings
        self.cache = TileCache(tile_cache_dir(settings))
        self.fetcher = TileFetcher(self.cache, self._key_for, self)
        self.fetcher.note.connect(self.message)
        self.layers: list[TileLayer] = []
        self.current = ""
        self._mbtiles: MBTiles | None = None
        self._group = QActionGroup(self)
        self._group.setExclusive(True)
        self.none_action = self._choice(_("No Basemap"), "")
        self.addSeparator()
        self.basemap_actions = {b.id: self._choice(_(b.name), b.id) for b in BASEMAPS}
        self.addSeparator()
        self.mbtiles_action = QAction(_("Offline MBTiles File…"), self)
        self.mbtiles_action.setCheckable(True)
        self._group.addAction(self.mbtiles_action)
        self.mbtiles_action.triggered.connect(lambda: self.open_mbtiles_dialog())
        self.addAction(self.mbtiles_action)
        self.addSeparator()
        self.key_action = self.addAction(_("Tianditu Key…"))
        self.key_action.triggered.connect(lambda: self.edit_key())
        cache_info = self.addAction(_("Tile cache: {folder}").format(folder=self.cache.root))
        cache_info.setEnabled(False)
        self._check("")

    def _choice(self, text: str, basemap_id: str) -> QAction:
        action = QAction(text, self)
        action.setCheckable(True)
        action.triggered.connect(lambda _checked=False, b=basemap_id: self.choose(b))
        self._group.addAction(action)
        self.addAction(action)
        return action

    def _key_for(self, source: TileSource) -> str:
        return TIANDITU_KEY.read(self.settings).strip() if source.needs_key else ""

    # ---- choosing --------------------------------------------------------------------------
    def restore(self) -> None:
        """Show the basemap chosen last time (quietly none if it cannot be shown now)."""
        chosen = BASEMAP.read(self.settings)
        if chosen.startswith(MBTILES_PREFIX):
            self.open_mbtiles(chosen[len(MBTILES_PREFIX):], quiet=True)
        elif chosen:
            self.choose(chosen, ask_key=False)

    def choose(self, basemap_id: str, ask_key: bool = True) -> bool:
        """Show the catalogue basemap ``basemap_id`` ("" for none). A Tianditu basemap without
        a key says so (and, with ``ask_key``, asks for one); it then stays unchanged."""
        chosen = basemap(basemap_id) if basemap_id else None
        if basemap_id and chosen is None:
            return False
        if chosen is not None and chosen.needs_key and not TIANDITU_KEY.read(self.settings):
            self.message.emit(_("Tianditu needs your API key (tk): Basemap ▸ Tianditu Key…"))
            if not (ask_key and self.edit_key()):
                self._check(self.current)
                return False
        self.show_sources(chosen.sources if chosen else (), basemap_id)
        return True

    def show_sources(self, sources: tuple[TileSource, ...], choice: str) -> list[TileLayer]:
        """Show XYZ ``sources`` (bottom first) as the basemap, cached and fetched; ``choice`` is
        what the setting remembers (a catalogue id)."""
        layers = [TileLayer(source, _(source.name),
                            [self.cache.store_for(source.id, source.extension)],
                            self.fetcher.fetch) for source in sources]
        self._set_layers(layers, choice)
        return layers

    def open_mbtiles_dialog(self) -> bool:
        path, _filter = QFileDialog.getOpenFileName(
            self.parentWidget(), _("Open an Offline Basemap"), "",
            ";;".join([_("MBTiles files (*.mbtiles)"), _("All files (*)")]))
        if not path:
            self._check(self.current)
            return False
        return self.open_mbtiles(path)

    def open_mbtiles(self, path: str | Path, quiet: bool = False) -> bool:
        """Show an MBTiles file as the basemap (drawn from the file only, never fetched)."""
        try:
            tiles = MBTiles(path)
        except InputError as error:
            if not quiet:
                self.message.emit(str(error))
            self._check(self.current)
            return False
        source = tiles.source()
        layer = TileLayer(source, source.name, [tiles], None, key=f"basemap:{source.id}")
        self._set_layers([layer], MBTILES_PREFIX + str(Path(path).resolve()), tiles)
        return True

    def _set_layers(self, layers: list[TileLayer], choice: str,
                    mbtiles: MBTiles | None = None) -> None:
        self.fetcher.clear()
        if self._mbtiles is not None:
            self._mbtiles.close()
        self._mbtiles = mbtiles
        self.layers, self.current = layers, choice
        BASEMAP.write(self.settings, choice)
        self._check(choice)
        self.layers_changed.emit(list(layers))

    def _check(self, choice: str) -> None:
        if choice.startswith(MBTILES_PREFIX):
            self.mbtiles_action.setChecked(True)
        else:
            self.basemap_actions.get(choice, self.none_action).setChecked(True)

    # ---- the key ---------------------------------------------------------------------------
    def edit_key(self) -> bool:
        """Ask for the Tianditu key; True when one was given."""
        dialog = TiandituKeyDialog(TIANDITU_KEY.read(self.settings), self.parentWidget())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        key = dialog.key()
        TIANDITU_KEY.write(self.settings, key)
        if key and basemap(self.current) is not None and basemap(self.current).needs_key:
            self.choose(self.current)  # new layers fetch with the new key
        return bool(key)


class TiandituKeyDialog(QDialog):
    def __init__(self, key: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Tianditu Key"))
        layout = QVBoxLayout(self)
        text = QLabel(_("Tianditu basemaps need a free API key (tk) of type “browser”. "
                        "Apply for one at <a href=\"{url}\">{url}</a> and paste it here. "
                        "It is kept in this computer's settings.").format(url=TIANDITU_SIGN_UP),
                      self)
        text.setWordWrap(True)
        text.setOpenExternalLinks(True)
        layout.addWidget(text)
        self.edit = QLineEdit(key, self)
        self.edit.setPlaceholderText(_("32 letters and digits"))
        layout.addWidget(self.edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(460, self.sizeHint().height())

    def key(self) -> str:
        return self.edit.text().strip()
