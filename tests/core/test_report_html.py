"""The offline HTML map read as text: nothing fetched from the network, Leaflet inside,
user names escaped, tracks small; a cancelled export leaves no file; a basemap from an
MBTiles file is copied beside the page."""

from __future__ import annotations

import json
import re

import pytest

from gisapp.errors import Cancelled
from gisapp.reports.html import write_report_html
from gisapp.tiles.mbtiles import write_mbtiles
from tests.browser.report_demo import TEMPLATE_NAME, XSS_NAME, demo_report


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = write_report_html(tmp_path_factory.mktemp("html") / "地图.html", demo_report())
    return path, path.read_text(encoding="utf-8")


def test_nothing_is_loaded_from_elsewhere(page):
    _path, text = page
    sources = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", text)
    assert [s for s in sources if not s.startswith(("#", "data:", "https://leafletjs.com"))] \
        == []  # the one link is Leaflet's credit, an anchor nobody has to follow
    assert "cdn.jsdelivr" not in text and "cdnjs" not in text and "<link" not in text
    assert "@import" not in text and "url(images/" not in text
    assert "Leaflet 1.9.4" in text  # the library itself is in the page


def test_user_names_are_never_markup_or_templates(page):
    _path, text = page
    assert XSS_NAME not in text  # only as \u003cimg …\u003e inside a script's JSON
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in text
    assert "49" not in re.findall(r'"t":"([^"]*)"', text)  # {{7*7}} was not evaluated
    assert "\\u007b{7*7}}" in text


def test_the_page_is_small_and_titled(page):
    path, text = page
    assert path.stat().st_size < 15_000_000
    assert "<title>绿源区巡查覆盖图（2026年10月）</title>" in text
    for layer in ("区界", "街道界", "巡查轨迹", "已巡查污染源", "漏查污染源"):
        assert json.dumps(layer) in text  # the layer control's names


def test_a_cancelled_export_leaves_no_file(tmp_path):
    def cancel(done, total, text=""):
        if done >= 3:
            raise Cancelled("test")
    with pytest.raises(Cancelled):
        write_report_html(tmp_path / "map.html", demo_report(), progress=cancel)
    assert list(tmp_path.iterdir()) == []


def test_mbtiles_tiles_go_beside_the_page(tmp_path):
    tile = bytes.fromhex("89504e470d0a1a0a") + b"tile"
    from gisapp.tiles.mercator import lonlat_to_tile
    x, y = (int(v) for v in lonlat_to_tile(113.65, 34.75, 12))
    store = write_mbtiles(tmp_path / "base.mbtiles", {(12, x, y): tile},
                          {"attribution": "<b>测试</b>"})
    path = write_report_html(tmp_path / "out" / "map.html", demo_report(), tiles=store) \
        if (tmp_path / "out").mkdir() is None else None
    copied = tmp_path / "out" / "map_files" / "tiles" / "12" / str(x) / f"{y}.png"
    assert copied.read_bytes() == tile
    text = path.read_text(encoding="utf-8")
    assert "map_files/tiles/{z}/{x}/{y}.png" in text
    assert "<b>测试</b>" not in text
