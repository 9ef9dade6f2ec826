#!/usr/bin/env bash
# One-time (idempotent) setup: system pieces Qt and the tests need on Debian/Ubuntu,
# then a virtual environment in .venv with gisapp installed in editable mode.
#   scripts/setup.sh          runtime only
#   scripts/setup.sh test     runtime + test extras
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

system_packages=(
    # Qt's xcb/offscreen platform plugins and their libraries
    libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
    libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
    libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxrender1 libxi6
    # Chinese text must render, never boxes
    fonts-noto-cjk
    # a virtual screen for the window and screenshots; PDF to PNG and text (report tests)
    xvfb xauth poppler-utils
    # the offline HTML report is opened in a real headless browser by tests/browser
    chromium
)
missing=()
for p in "${system_packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    if command -v apt-get >/dev/null 2>&1; then
        sudo_cmd=""
        [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
        echo "setup: installing system packages: ${missing[*]}"
        $sudo_cmd apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "setup: not a Debian/Ubuntu system; please install: ${missing[*]}" >&2
    fi
fi

python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$python_bin" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "$extras" = "test" ]; then
    .venv/bin/python -m pip install -q -e ".[test]"
else
    .venv/bin/python -m pip install -q -e .
fi
echo "setup: done (.venv)"
