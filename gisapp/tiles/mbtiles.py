"""MBTiles: a whole tiled basemap in one SQLite file, for workstations without internet.

The MBTiles 1.3 layout: a ``metadata`` table of name/value pairs and a ``tiles`` table of
(zoom_level, tile_column, tile_row, tile_data), rows numbered from the south (TMS). Only
raster tiles (png, jpg, webp) can be drawn; a vector-tile file is refused with a reason.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Mapping

from gisapp.errors import InputError
from gisapp.tiles.catalogue import TileSource
from gisapp.tiles.mercator import flip_y

RASTER_FORMATS = ("png", "jpg", "jpeg", "webp")


class MBTiles:
    """An MBTiles file opened read-only; ``get(z, x, y)`` takes XYZ rows (flipped here)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(self.path, "no such MBTiles file")
        try:
            self._db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            self.metadata = dict(self._db.execute("SELECT name, value FROM metadata"))
            zooms = self._db.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles")
            self._zoom_span = zooms.fetchone()
        except sqlite3.DatabaseError as error:
            raise InputError(self.path, f"not an MBTiles file ({error})") from error
        tile_format = self.metadata.get("format", "png").lower()
        if tile_format not in RASTER_FORMATS:
            self.close()
            raise InputError(self.path, f"holds {tile_format} tiles; only raster tiles "
                                        f"({', '.join(RASTER_FORMATS)}) can be shown")
        self.format = tile_format
        # MBTiles is TMS by definition; a few tools write XYZ rows and say so
        self._xyz = self.metadata.get("scheme", "tms").lower() == "xyz"

    def source(self) -> TileSource:
        """The file described as a TileSource (no URL: nothing is fetched for it)."""
        low, high = self._zoom_span
        return TileSource(
            id=f"mbtiles:{self.path.stem}", name=self.metadata.get("name") or self.path.stem,
            min_zoom=int(self.metadata.get("minzoom", low if low is not None else 0)),
            max_zoom=int(self.metadata.get("maxzoom", high if high is not None else 18)),
            datum="gcj02" if self.metadata.get("gisapp:datum") == "gcj02" else "wgs84",
            attribution=self.metadata.get("attribution", ""), extension=self.format)

    def get(self, zoom: int, x: int, y: int) -> bytes | None:
        row = y if self._xyz else flip_y(zoom, y)
        found = self._db.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
            "AND tile_row = ?", (zoom, x, row)).fetchone()
        return bytes(found[0]) if found and found[0] else None

    def close(self) -> None:
        self._db.close()


def write_mbtiles(path: str | Path, tiles: Mapping[tuple[int, int, int], bytes],
                  metadata: Mapping[str, str] | None = None) -> Path:
    """Write ``tiles`` ({(z, x, y) XYZ: bytes}) as a new MBTiles file (rows flipped to TMS),
    e.g. to pack a tile cache for an offline workstation."""
    path = Path(path)
    if path.exists():
        raise InputError(path, "already exists; choose another name")
    metadata = {"name": path.stem, "format": "png", "type": "baselayer", "version": "1.0",
                **(metadata or {})}
    if tiles:
        zooms = [z for z, _x, _y in tiles]
        metadata.setdefault("minzoom", str(min(zooms)))
        metadata.setdefault("maxzoom", str(max(zooms)))
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, "
                   "tile_row INTEGER, tile_data BLOB)")
        db.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
        db.executemany("INSERT INTO metadata VALUES (?, ?)",
                       [(k, str(v)) for k, v in metadata.items()])
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                       [(z, x, flip_y(z, y), sqlite3.Binary(data))
                        for (z, x, y), data in tiles.items()])
    return path
