"""Regenerate the committed demo boundaries (data/boundaries/demo_district.geojson).

    .venv/bin/python scripts/make_demo_boundaries.py [--seed 7] [--out PATH]

build_demo loads this file for the default seed instead of generating the grids again; the
test suite checks that the file still equals what this script produces.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gisapp.demo.boundaries import DEFAULT_SEED, committed_path, generate_boundaries, write_geojson


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=None,
                        help=f"output GeoJSON (default: {committed_path()})")
    args = parser.parse_args(argv)
    out = args.out or committed_path()
    grids = generate_boundaries(args.seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_geojson(grids, out)
    counts = grids["level"].value_counts().sort_index().to_dict()
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB): grids per level {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
