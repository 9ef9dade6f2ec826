"""Fixes: GPS fixes as parallel numpy columns, never one Python object per fix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Fixes:
    """A set of GPS fixes.

    inspector      int32 codes into ``inspector_ids``
    inspector_ids  object array of the distinct inspector ids (str)
    time_ms        int64 milliseconds since 1970-01-01 UTC
    lon, lat       float64, WGS-84 degrees
    accuracy_m     float32, NaN when the device did not say
    """

    inspector: np.ndarray
    inspector_ids: np.ndarray
    time_ms: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    accuracy_m: np.ndarray

    def __len__(self) -> int:
        return int(self.time_ms.shape[0])

    @classmethod
    def empty(cls) -> "Fixes":
        return cls(np.empty(0, np.int32), np.empty(0, object), np.empty(0, np.int64),
                   np.empty(0), np.empty(0), np.empty(0, np.float32))

    @classmethod
    def from_ids(cls, ids, time_ms, lon, lat, accuracy_m=None) -> "Fixes":
        """Build from a per-fix array of inspector ids (any hashable -> str)."""
        ids = np.asarray(ids)
        uniques, codes = np.unique(ids.astype(str), return_inverse=True)
        n = len(codes)
        acc = (np.full(n, np.nan, np.float32) if accuracy_m is None
               else np.asarray(accuracy_m, np.float32))
        return cls(codes.astype(np.int32), uniques.astype(object),
                   np.asarray(time_ms, np.int64), np.asarray(lon, np.float64),
                   np.asarray(lat, np.float64), acc)

    def ids(self) -> np.ndarray:
        """Per-fix inspector id strings (allocates; avoid on big sets)."""
        return self.inspector_ids[self.inspector]

    def take(self, index) -> "Fixes":
        return Fixes(self.inspector[index], self.inspector_ids, self.time_ms[index],
                     self.lon[index], self.lat[index], self.accuracy_m[index])

    def sorted(self) -> "Fixes":
        """Sorted by inspector id, then time (the order partitions are stored in)."""
        rank = np.argsort(np.argsort(self.inspector_ids.astype(str)))
        order = np.lexsort((self.time_ms, rank[self.inspector]))
        return self.take(order)

    @staticmethod
    def concat(parts: list["Fixes"]) -> "Fixes":
        parts = [p for p in parts if len(p)]
        if not parts:
            return Fixes.empty()
        all_ids = np.unique(np.concatenate([p.inspector_ids.astype(str) for p in parts]))
        codes = [np.searchsorted(all_ids, p.inspector_ids.astype(str))[p.inspector]
                 for p in parts]
        return Fixes(np.concatenate(codes).astype(np.int32), all_ids.astype(object),
                     np.concatenate([p.time_ms for p in parts]),
                     np.concatenate([p.lon for p in parts]),
                     np.concatenate([p.lat for p in parts]),
                     np.concatenate([p.accuracy_m for p in parts]))
