"""TileCache: tiles as files ``<root>/<source id>/<z>/<x>/<y>.<ext>``, read before the network.

The layout is the one most tile tools write (and read), so a folder of tiles fetched on a
connected machine can be copied onto an offline workstation as it is. Writes go to a temporary
name first and are renamed, so a tile file is never half written.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path


class TileCache:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, source_id: str, zoom: int, x: int, y: int, extension: str = "png") -> Path:
        return self.root / source_id / str(zoom) / str(x) / f"{y}.{extension}"

    def get(self, source_id: str, zoom: int, x: int, y: int,
            extension: str = "png") -> bytes | None:
        """The cached bytes of a tile, or None when it is not cached (or unreadable)."""
        try:
            data = self.path(source_id, zoom, x, y, extension).read_bytes()
        except OSError:
            return None
        return data or None

    def put(self, source_id: str, zoom: int, x: int, y: int, data: bytes,
            extension: str = "png") -> Path:
        """Store a tile (replacing an older copy) and return its path."""
        final = self.path(source_id, zoom, x, y, extension)
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, final)
        return final

    def store_for(self, source_id: str, extension: str = "png") -> "CachedSource":
        """This cache seen as the tile store of one source."""
        return CachedSource(self, source_id, extension)


class CachedSource:
    """``get(z, x, y)`` over one source's folder in a TileCache (the TileStore protocol)."""

    def __init__(self, cache: TileCache, source_id: str, extension: str = "png"):
        self.cache = cache
        self.source_id = source_id
        self.extension = extension

    def get(self, zoom: int, x: int, y: int) -> bytes | None:
        return self.cache.get(self.source_id, zoom, x, y, self.extension)

    def put(self, zoom: int, x: int, y: int, data: bytes) -> Path:
        return self.cache.put(self.source_id, zoom, x, y, data, self.extension)
