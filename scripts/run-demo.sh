#!/usr/bin/env bash
# Set everything up, write the demo district once, and open it in the window.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
demo_dir="${GISAPP_DEMO_DIR:-$HOME/.local/share/gisapp/demo}"
if [ ! -f "$demo_dir/demo_district.gpkg" ]; then
    .venv/bin/gisapp demo --out "$demo_dir"
fi
exec .venv/bin/gisapp open "$demo_dir/demo_district.gpkg"
