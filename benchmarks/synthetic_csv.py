"""A synthetic platform export for reader benchmarks: ``id,time,lon,lat`` with naive local times.

Rows come interleaved by time across inspectors, as a tracking platform dumps them, with
6-decimal coordinates around Zhengzhou and one fix per inspector every 25-35 s.

    python benchmarks/synthetic_csv.py /tmp/fixes_10m.csv 10000000
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

_START = np.datetime64("2026-10-08T07:00:00", "s")  # naive, Asia/Shanghai


def write_synthetic_platform_csv(path, n_fixes: int, seed: int = 0, n_inspectors: int = 500,
                                 chunk: int = 1_000_000) -> Path:
    """Write ``n_fixes`` clean fixes to ``path`` (UTF-8, ',' separated); return the path."""
    path = Path(path)
    rng = np.random.default_rng(seed)
    ids = np.array([f"WG{k:05d}" for k in range(n_inspectors)], dtype=object)
    home_lon = 113.55 + rng.random(n_inspectors) * 0.15
    home_lat = 34.70 + rng.random(n_inspectors) * 0.10
    options = pacsv.WriteOptions(quoting_style="none", include_header=False)
    # inspector k reports once a round (30 s), at its own offset plus up to 5 s of jitter,
    # so its fixes are 25-35 s apart and no two share a second; rows are in time order.
    offset = rng.uniform(0, 25, n_inspectors)
    per_chunk = max(1, chunk // n_inspectors)
    with open(path, "wb") as out:
        out.write(b"id,time,lon,lat\n")
        written, first_round = 0, 0
        while written < n_fixes:
            rounds = np.arange(first_round, first_round + per_chunk)
            who = np.tile(np.arange(n_inspectors), per_chunk)
            seconds = (np.repeat(rounds * 30.0, n_inspectors) + offset[who]
                       + rng.uniform(0, 5, who.size))
            order = np.argsort(seconds, kind="stable")[:n_fixes - written]
            who, seconds = who[order], seconds[order]
            times = _START + seconds.astype(np.int64).astype("timedelta64[s]")
            text = np.char.replace(np.datetime_as_string(times), "T", " ")
            lon = np.round(home_lon[who] + rng.normal(0, 0.005, who.size), 6)
            lat = np.round(home_lat[who] + rng.normal(0, 0.005, who.size), 6)
            batch = pa.table([pa.array(ids[who], pa.string()), pa.array(text, pa.string()),
                              pa.array(lon), pa.array(lat)],
                             names=["id", "time", "lon", "lat"])
            pacsv.write_csv(batch, out, write_options=options)
            written += who.size
            first_round += per_chunk
    return path


if __name__ == "__main__":
    write_synthetic_platform_csv(sys.argv[1], int(sys.argv[2]),
                                 int(sys.argv[3]) if len(sys.argv) > 3 else 0)
