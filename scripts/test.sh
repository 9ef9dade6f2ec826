#!/usr/bin/env bash
# Set everything up with the test extras and run the whole suite offscreen.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
