"""TileLayer: a basemap of XYZ tiles from local stores (cache, MBTiles), fetched when missing.

The layer only draws tiles it already has as images. A missing tile is looked up in the local
stores (the disk cache first, then offline MBTiles files); if none has it and the layer was
given a ``fetch`` function (the window passes the network fetcher of gisapp.ui), the layer asks
for it and draws it when ``tile_arrived`` is called. Meanwhile the nearest coarser tile it
has is drawn enlarged in its place. Without stores or a fetcher (offline, in a PDF export)
the layer draws what it has, and the rest of the map is unaffected.

GCJ-02 sources (Amap) are drawn with each tile moved onto WGS-84 (gisapp.tiles.shift).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Protocol

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from gisapp.layers.base import MapLayer
from gisapp.layers.legend import LegendEntry, Symbol
from gisapp.layers.view import MapView
from gisapp.tiles.catalogue import TileSource
from gisapp.tiles.mercator import tile_extent, tile_range, zoom_for_scale
from gisapp.tiles.shift import shifted_tile_extents

TileKey = tuple[int, int, int]  # zoom, x, y (XYZ)
Fetch = Callable[[TileSource, int, int, int, Callable[[bytes], None]], None]
_PARENT_LEVELS = 5  # how many zooms up a placeholder may come from
_GCJ_MARGIN_M = 1500.0  # GCJ-02 offsets stay under this in China: tiles to look at around


class TileStore(Protocol):
    def get(self, zoom: int, x: int, y: int) -> bytes | None: ...


class TileLayer(MapLayer):
    cache_separately = True  # tiles arrive one by one: redraw the basemap alone

    def __init__(self, source: TileSource, name: str, stores: list[TileStore] = (),
                 fetch: Fetch | None = None, key: str | None = None,
                 memory_tiles: int = 384):
        super().__init__(name, key or f"basemap:{source.id}")
        self.source = source
        self.stores = list(stores)
        self.fetch = fetch
        self.memory_tiles = memory_tiles
        self._images: OrderedDict[TileKey, QImage | None] = OrderedDict()  # None: known bad
        self._asked: set[TileKey] = set()

    # ---- tiles -----------------------------------------------------------------------------
    def zoom_for(self, view: MapView) -> int:
        return zoom_for_scale(view.scale, self.source.min_zoom, self.source.max_zoom,
                              self.source.tile_size)

    def tile_image(self, key: TileKey, ask: bool = True) -> QImage | None:
        """The tile as an image: from memory, else the stores, else (``ask``) fetch it."""
        if key in self._images:
            self._images.move_to_end(key)
            return self._images[key]
        for store in self.stores:
            data = store.get(*key)
            if data:
                return self._remember(key, data)
        if ask and self.fetch is not None and key not in self._asked:
            self._asked.add(key)
            self.fetch(self.source, *key, lambda data, key=key: self.tile_arrived(key, data))
        return None

    def tile_arrived(self, key: TileKey, data: bytes | None) -> None:
        """A fetched tile (None: the fetch failed; it may be asked for again later, when the
        fetcher allows): keep its image and redraw."""
        self._asked.discard(key)
        if data and self._remember(key, data) is not None:
            self.changed()

    def _remember(self, key: TileKey, data: bytes) -> QImage | None:
        image = QImage.fromData(data)
        image = None if image.isNull() else image.convertToFormat(
            QImage.Format.Format_ARGB32_Premultiplied)
        self._images[key] = image
        self._images.move_to_end(key)
        while len(self._images) > self.memory_tiles:
            self._images.popitem(last=False)
        return image

    # ---- drawing ---------------------------------------------------------------------------
    def paint(self, painter: QPainter, view: MapView) -> None:
        zoom = self.zoom_for(view)
        extent = view.extent
        gcj = self.source.datum == "gcj02"
        if gcj:
            extent = (extent[0] - _GCJ_MARGIN_M, extent[1] - _GCJ_MARGIN_M,
                      extent[2] + _GCJ_MARGIN_M, extent[3] + _GCJ_MARGIN_M)
        cols, rows = tile_range(extent, zoom)
        if not len(cols) or not len(rows):
            return
        if gcj:
            extents = shifted_tile_extents(zoom, cols, rows)
        else:
            extents = np.array([[tile_extent(zoom, x, y) for x in cols] for y in rows])
        # pixel edges rounded once: neighbours share them exactly, so no seams between tiles
        left, top = view.to_pixel(extents[..., 0], extents[..., 3])
        right, bottom = view.to_pixel(extents[..., 2], extents[..., 1])
        left, top, right, bottom = (np.round(v) for v in (left, top, right, bottom))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for i, y in enumerate(rows):
            for j, x in enumerate(cols):
                if right[i, j] <= 0 or left[i, j] >= view.width or bottom[i, j] <= 0 \
                        or top[i, j] >= view.height:
                    continue  # a GCJ-02 margin tile that stays outside the view
                target = QRectF(left[i, j], top[i, j], right[i, j] - left[i, j],
                                bottom[i, j] - top[i, j])
                image = self.tile_image((zoom, x, y))
                if image is not None:
                    painter.drawImage(target, image)
                else:
                    self._paint_placeholder(painter, target, zoom, x, y)
        painter.restore()

    def _paint_placeholder(self, painter: QPainter, target: QRectF, zoom: int, x: int,
                           y: int) -> None:
        """The part of the nearest coarser tile we have, enlarged, until the tile comes."""
        for levels in range(1, min(_PARENT_LEVELS, zoom - self.source.min_zoom) + 1):
            parent = self.tile_image((zoom - levels, x >> levels, y >> levels), ask=False)
            if parent is None:
                continue
            part = parent.width() / 2 ** levels
            source = QRectF((x - ((x >> levels) << levels)) * part,
                            (y - ((y >> levels) << levels)) * part, part, part)
            painter.drawImage(target, parent, source)
            return

    def legend(self) -> list[LegendEntry]:
        return [LegendEntry(self.name, Symbol("image", "#c9d7c4"))]

    @property
    def attribution(self) -> str:
        return self.source.attribution
