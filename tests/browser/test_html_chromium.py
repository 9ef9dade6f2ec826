"""The offline HTML map in a real headless Chromium (Debian's package) with the network
blocked: the map draws, a layer toggles off and on, a click opens a popup, every request stays
on file:// (or data:), and the hostile names render as text with no alert.

The screenshot is kept as tests/browser/artifacts/map.png-like files under pytest's tmp dir,
and copied to $GISAPP_SCREENSHOTS when that is set, to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gisapp.reports.html import MISSED_COLOUR, write_report_html
from tests.browser.chromium import Chromium, chromium_binary
from tests.browser.report_demo import TEMPLATE_NAME, XSS_NAME, demo_report

pytestmark = pytest.mark.skipif(chromium_binary() is None,
                                reason="Debian's chromium is not installed (scripts/setup.sh)")

PATHS = "document.querySelectorAll('.leaflet-container path').length"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    path = write_report_html(folder / "地图.html", demo_report())
    with Chromium(width=1280, height=900) as browser:
        seconds = browser.open(path.as_uri())
        browser.settle(0.5)
        shot = browser.screenshot(folder / "map.png")
        if os.environ.get("GISAPP_SCREENSHOTS"):
            shutil.copy(shot, Path(os.environ["GISAPP_SCREENSHOTS"]) / "report_map.png")
        yield browser, path, seconds


def test_the_map_draws_offline(page):
    browser, _path, seconds = page
    assert browser.evaluate(PATHS) > 1000  # grids, sources, tracks as SVG paths
    assert browser.evaluate("document.querySelectorAll('.leaflet-tile').length") == 0
    assert seconds < 10
    assert browser.exceptions == []


def test_no_request_leaves_the_file(page):
    browser, path, _seconds = page
    assert browser.requests, "the network domain recorded nothing"
    assert [u for u in browser.requests if not u.startswith(("file://", "data:"))] == []
    assert browser.requests[0] == path.as_uri()


def test_a_layer_toggles_off_and_on(page):
    browser, _path, _seconds = page
    data = demo_report()
    visited = int((data.sources["state"] == "visited").sum())
    before = browser.evaluate(PATHS)
    box = _checkbox(browser, "已巡查污染源")
    assert box["checked"]
    browser.click(box["x"], box["y"])
    browser.settle(0.3)
    assert browser.evaluate(PATHS) == before - visited
    browser.click(box["x"], box["y"])
    browser.settle(0.3)
    assert browser.evaluate(PATHS) == before


def test_clicking_a_missed_source_opens_its_popup_as_text(page):
    browser, _path, _seconds = page
    centre = browser.evaluate(f"""(() => {{
        const marks = [...document.querySelectorAll('.leaflet-container path')]
            .filter(p => p.getAttribute('fill') === '{MISSED_COLOUR}');
        return marks.map(p => {{ const r = p.getBoundingClientRect();
                                 return [r.x + r.width / 2, r.y + r.height / 2]; }});
    }})()""")
    assert len(centre) == int((demo_report().sources["state"] == "missed").sum())
    titles = []
    for x, y in centre:
        browser.click(x, y)
        browser.settle(0.3)
        title = browser.evaluate(
            "(document.querySelector('.leaflet-popup-content .gisapp-popup b') || {}).textContent")
        assert title, "no popup opened"
        titles.append(title)
        assert browser.evaluate("document.querySelectorAll('.leaflet-popup-content img').length") == 0
        browser.evaluate("document.querySelector('.leaflet-popup-close-button').click()")
    assert XSS_NAME in titles  # shown as the text it is
    assert browser.dialogs == []  # and no alert fired
    rows = browser.evaluate("""(() => {
        const p = gisappPopups; return Object.values(p).map(v => v.t); })()""")
    assert TEMPLATE_NAME in rows  # the Jinja tag came through literally


def _checkbox(browser, name: str) -> dict:
    return browser.evaluate(f"""(() => {{
        const label = [...document.querySelectorAll('.leaflet-control-layers label')]
            .find(l => l.textContent.trim() === {name!r});
        const box = label.querySelector('input');
        const r = box.getBoundingClientRect();
        return {{x: r.x + r.width / 2, y: r.y + r.height / 2, checked: box.checked}};
    }})()""")
