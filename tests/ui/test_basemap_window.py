"""Basemaps in the window: an offline MBTiles file, tiles fetched from a (local, fake) tile
server into the cache and read back from it offline, failures noted, Tianditu's key."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from gisapp.layers.basemap import TileLayer
from gisapp.tiles.catalogue import TileSource
from gisapp.tiles.mbtiles import write_mbtiles
from gisapp.tiles.mercator import map_to_tile, tile_range, zoom_for_scale
from gisapp.ui.main_window import MainWindow
from gisapp.ui.settings import BASEMAP, TIANDITU_KEY, TILE_CACHE_DIR
from gisapp.ui.tile_fetcher import TileFetcher
from tests.layers.pixels import count, near, rgb
from tests.layers.test_basemap import png
from gisapp.layers.styles import SOURCE_COLORS

EVEN, ODD = "#3366cc", "#cc9933"  # tile colours by (x + y) % 2


def tile_colour(x: int, y: int) -> str:
    return EVEN if (x + y) % 2 == 0 else ODD


@pytest.fixture
def cache_dir(tmp_path, settings):
    TILE_CACHE_DIR.write(settings, str(tmp_path / "tile-cache"))
    return tmp_path / "tile-cache"


@pytest.fixture
def window(qtbot, settings, tiny_project, cache_dir):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    assert window.open_project(tiny_project)
    return window


@pytest.fixture
def tile_server():
    """A tile server on 127.0.0.1: /{z}/{x}/{y}.png is a tile of its colour, anything else 404."""
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            requests.append(self.path)
            parts = self.path.strip("/").removesuffix(".png").split("/")
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                body = png(tile_colour(int(parts[1]), int(parts[2])))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
            else:
                body = b"<html>no such tile</html>"
                self.send_response(404)
                self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.requests = requests
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def free_pixel(window, layer: TileLayer) -> tuple[int, int, str]:
    """A canvas pixel in the empty top-left corner, well inside one tile, and that tile's
    colour."""
    view = window.canvas.view
    zoom = layer.zoom_for(view)
    for py in range(6, 60, 7):
        for px in range(6, 60, 7):
            tx, ty = (float(v) for v in map_to_tile(*view.to_map(px + 0.5, py + 0.5), zoom))
            if 0.1 < tx % 1 < 0.9 and 0.1 < ty % 1 < 0.9:
                return px, py, tile_colour(int(tx), int(ty))
    raise AssertionError("no pixel away from tile edges")


def shown(window) -> np.ndarray:
    return rgb(window.canvas.grab().toImage())


def test_an_offline_mbtiles_basemap_is_drawn_under_the_map(window, qtbot, tmp_path, settings):
    view = window.canvas.view
    zoom = zoom_for_scale(view.scale)  # the zoom the view needs (14 here)
    cols, rows = tile_range(view.extent, zoom)
    tiles = {(zoom, x, y): png(tile_colour(x, y)) for x in cols for y in rows}
    path = write_mbtiles(tmp_path / "district.mbtiles", tiles,
                         {"name": "离线底图", "minzoom": "10", "maxzoom": "18"})
    assert window.basemap_menu.open_mbtiles(path)
    layer = window.canvas.layers[0]
    assert isinstance(layer, TileLayer) and layer.name == "离线底图"
    assert layer.zoom_for(view) == zoom  # the view's own zoom is in the file
    px, py, colour = free_pixel(window, layer)
    pixels = shown(window)
    assert near(pixels[py, px], colour, 1)
    assert count(pixels, SOURCE_COLORS["industrial"]) > 20  # the map is drawn over it
    assert window.basemap_menu.mbtiles_action.isChecked()
    assert BASEMAP.read(settings) == f"mbtiles:{path.resolve()}"
    # the basemap is listed (at the bottom) in the layers panel and can be hidden there
    dock = window.layers_dock
    assert dock.list.item(dock.list.count() - 1).text() == "离线底图"
    layer.visible = False
    assert not near(shown(window)[py, px], colour, 1)
    # a new window shows the same basemap again
    again = MainWindow(settings)
    qtbot.addWidget(again)
    assert isinstance(again.canvas.layers[0], TileLayer)
    window.basemap_menu.choose("")
    assert not any(isinstance(l, TileLayer) for l in window.canvas.layers)
    assert window.basemap_menu.none_action.isChecked()


def test_tiles_are_fetched_without_blocking_cached_and_read_back_offline(window, qtbot,
                                                                        tile_server, cache_dir):
    source = TileSource("local", "Local test tiles", tile_server.url + "/{z}/{x}/{y}.png",
                        max_zoom=19)
    menu = window.basemap_menu
    [layer] = menu.show_sources((source,), "local")
    assert window.canvas.layers[0] is layer
    window.canvas.grab()  # the first paint asks for the tiles in view and returns at once
    assert menu.fetcher.busy > 0
    qtbot.waitUntil(lambda: menu.fetcher.busy == 0 and len(tile_server.requests) > 0,
                    timeout=10_000)
    px, py, colour = free_pixel(window, layer)
    qtbot.waitUntil(lambda: near(shown(window)[py, px], colour, 1), timeout=5_000)
    fetched = len(tile_server.requests)
    cached = sorted(cache_dir.glob("local/*/*/*.png"))
    assert len(cached) == fetched  # every fetched tile is in the cache
    # offline now: a fresh layer reads the same tiles from the cache, nothing is fetched
    tile_server.shutdown()
    [fresh] = menu.show_sources((source,), "local")
    assert near(shown(window)[py, px], colour, 1)
    assert len(tile_server.requests) == fetched and menu.fetcher.busy == 0


def test_failed_tiles_are_silent_but_noted_and_the_map_still_works(window, qtbot, tile_server):
    source = TileSource("broken", "Broken tiles", tile_server.url + "/missing/{z}/{x}/{y}.png")
    window.basemap_menu.show_sources((source,), "broken")
    window.canvas.grab()
    qtbot.waitUntil(lambda: "could not be loaded" in window.statusBar().currentMessage(),
                    timeout=10_000)
    assert "404" in window.statusBar().currentMessage() or \
        "Not Found" in window.statusBar().currentMessage()
    pixels = shown(window)
    assert count(pixels, SOURCE_COLORS["industrial"]) > 20
    asked = len(tile_server.requests)
    window.canvas.grab()  # a failed tile is not asked for again at once
    assert len(tile_server.requests) == asked


def test_tianditu_without_a_key_says_so(window, settings, monkeypatch):
    asked = []
    monkeypatch.setattr(TileFetcher, "fetch", lambda self, source, z, x, y, deliver:
                        asked.append(source.tile_url(z, x, y, self.key_for(source))))
    assert not window.basemap_menu.choose("tianditu_vector", ask_key=False)
    assert "API key" in window.statusBar().currentMessage()
    assert not any(isinstance(l, TileLayer) for l in window.canvas.layers)
    assert window.basemap_menu.none_action.isChecked()
    TIANDITU_KEY.write(settings, "0123456789abcdef")
    assert window.basemap_menu.choose("tianditu_vector", ask_key=False)
    names = [l.name for l in window.canvas.layers if isinstance(l, TileLayer)]
    assert names == ["Tianditu streets", "Tianditu street labels"]  # labels above the streets
    window.canvas.grab()
    assert asked and all("tk=0123456789abcdef" in url for url in asked)
    assert {("LAYER=vec" in u, "LAYER=cva" in u) for u in asked} == {(True, False),
                                                                     (False, True)}
    assert BASEMAP.read(settings) == "tianditu_vector"
