"""TrackLayer at scale: the chunk index, the raster pyramid, and the replay up to a time."""

from __future__ import annotations

import datetime as dt
import doctest

import numpy as np
import pytest
from pyproj import Transformer

from gisapp.fixes import Fixes
from gisapp.layers import tracks
from gisapp.layers.render import BACKGROUND, render_image
from gisapp.layers.styles import TrackStyle
from gisapp.layers.tracks import ChunkIndex, TrackData, TrackLayer
from gisapp.layers.view import MapView
from tests.layers.pixels import color, near, rgb
from tests.layers.test_layers import MINUTE, WALKS, inked, pixel_of, view_of

TO_MAP = Transformer.from_crs(4326, 3857, always_xy=True)


def test_doctests():
    assert doctest.testmod(tracks).failed == 0


def random_walks(n_inspectors=6, fixes_each=3000, seed=3) -> Fixes:
    rng = np.random.default_rng(seed)
    ids, times, lon, lat = [], [], [], []
    for i in range(n_inspectors):
        steps = rng.normal(0, 0.0004, (fixes_each, 2)).cumsum(axis=0)
        ids += [f"i{i}"] * fixes_each
        times.append(np.arange(fixes_each) * 10_000)
        lon.append(116.32 + steps[:, 0] * 0.3)
        lat.append(40.0 + steps[:, 1] * 0.3)
    return Fixes.from_ids(ids, np.concatenate(times), np.concatenate(lon), np.concatenate(lat))


def test_the_chunk_index_finds_every_fix_in_view_and_its_neighbours():
    data = TrackData(random_walks(), TrackStyle())
    rng = np.random.default_rng(0)
    for _ in range(20):
        cx, cy = data.x[rng.integers(data.count)], data.y[rng.integers(data.count)]
        half = rng.uniform(50, 800)
        extent = (cx - half, cy - half, cx + half, cy + half)
        index, runs = data.chunks.query(extent)
        inside = np.flatnonzero((data.x >= extent[0]) & (data.x <= extent[2])
                                & (data.y >= extent[1]) & (data.y <= extent[3]))
        needed = np.unique(np.concatenate([inside, inside[inside > 0] - 1,
                                           inside[inside < data.count - 1] + 1]))
        assert np.isin(needed, index).all()
        assert (np.diff(index) > 0).all()  # ascending, no fix twice
        assert runs[0] == 0 and (np.diff(index)[runs[1:] - 1] > 1).all()  # runs break on gaps
        assert data.chunks.count(extent) >= len(index) - tracks.CHUNK
    assert ChunkIndex(np.empty(0), np.empty(0)).query((0, 0, 1, 1))[0].size == 0


def test_the_raster_pyramid_draws_what_the_vectors_draw(qapp, monkeypatch):
    layer = TrackLayer(random_walks(), "tracks", TrackStyle(colors=("#1b9e77",)))
    view = MapView.fit(layer.extent(), 500, 400)
    assert not layer.uses_raster(view)
    background = color(BACKGROUND).astype(int)
    inked_vector = np.abs(rgb(render_image([layer], view)).astype(int) - background).sum(2) > 90
    monkeypatch.setattr(tracks, "VECTOR_BUDGET", 1000)  # these 18,000 fixes count as many
    monkeypatch.setattr(tracks, "RASTER_MIN_CELL", 2.0)
    assert layer.uses_raster(view)
    inked_raster = np.abs(rgb(render_image([layer], view)).astype(int) - background).sum(2) > 90
    bands = layer.data.rasters.bands
    assert [b.cell for b in bands][:3] == [2.0, 4.0, 8.0]
    assert all(b.indices.dtype == np.uint8 for b in bands)
    layer.set_time(60_000)  # a replay always draws vectors (the pyramid has no time)
    assert not layer.uses_raster(view)
    near_raster = inked_raster.copy()  # within a pixel of a raster-inked pixel
    for dy, dx in [(0, 1), (0, -1), (1, 0), (-1, 0)]:
        near_raster |= np.roll(inked_raster, (dy, dx), axis=(0, 1))
    assert inked_vector.sum() > 3000
    assert (inked_vector & near_raster).sum() > 0.9 * inked_vector.sum()
    assert inked_raster.sum() < 1.5 * inked_vector.sum()


def test_the_coarser_band_keeps_the_commonest_colour():
    band = np.array([[1, 1, 0, 3], [2, 1, 3, 2]], np.uint8)
    assert tracks._reduce(band).tolist() == [[1, 3]]
    assert tracks._reduce(np.zeros((3, 3), np.uint8)).shape == (2, 2)


def replay_layer() -> tuple[TrackLayer, MapView]:
    layer = TrackLayer(WALKS, "tracks")
    return layer, view_of()


def test_replay_marks_the_interpolated_position_and_ends_the_track_there(qapp):
    layer, view = replay_layer()
    style = layer.style
    layer.set_time(30_000)  # half way along a's first minute; b has not started
    x, y = layer.position_of("a")
    assert (x, y) == pytest.approx(TO_MAP.transform(116.310, 39.99), abs=0.01)
    assert layer.position_of("b") is None
    pixels = rgb(render_image([layer], view))
    px, py = pixel_of(view, 116.310, 39.99)
    assert near(pixels[py, px], style.colors[0], 0)  # the marker, in a's colour
    ring = pixels[py, px + int(style.marker_radius) - 1:].astype(int)[:4]
    assert ring.sum(axis=1).min() < 3 * 60  # with a dark ring around it
    assert inked(pixels, *pixel_of(view, 116.3065, 39.99)) == style.colors[0]  # drawn so far
    assert inked(pixels, *pixel_of(view, 116.3135, 39.99)) is None  # not yet walked
    assert inked(pixels, *pixel_of(view, 116.330, 39.99)) is None  # b: nothing yet
    assert layer.legend()[-1].symbol.kind == "marker"


def test_replay_after_a_silence_keeps_the_last_position(qapp):
    layer, view = replay_layer()
    layer.set_time(30 * MINUTE)  # a went silent at 1 min until 60 min: 10 min max gap
    data = layer.data
    groups, x, y, last, recording = data.positions_at(30 * MINUTE)
    assert groups.tolist() == [0] and recording.tolist() == [False]
    assert (x[0], y[0]) == pytest.approx(TO_MAP.transform(116.315, 39.99), abs=0.01)
    pixels = rgb(render_image([layer], view))
    px, py = pixel_of(view, 116.315, 39.99)
    assert near(pixels[py, px], "#ffffff", 0)  # a hollow marker: not recording now
    layer.set_time(62 * MINUTE + 30_000)  # a finished, b half way along its first minute
    assert layer.position_of("b") == pytest.approx(TO_MAP.transform(116.330, 39.99), abs=0.01)
    assert layer.position_of("a") == pytest.approx(TO_MAP.transform(116.315, 40.01), abs=0.01)
    layer.set_time(None)  # the whole span again, no markers
    assert layer.position_of("a") is None


def test_days_and_time_span():
    layer = TrackLayer(WALKS, "tracks")
    assert layer.days() == [dt.date(1970, 1, 1)]
    assert layer.time_span() == (0, 63 * MINUTE)
    assert TrackLayer(Fixes.empty(), "none").time_span() is None


def test_style_state_round_trip():
    layer = TrackLayer(WALKS, "tracks")
    layer.apply_style_state({"line_width": 2.0, "opacity": 0.4, "visible": False})
    assert (layer.style.line_width, layer.opacity, layer.visible) == (2.0, 0.4, False)
    assert layer.style_state() == {"visible": False, "opacity": 0.4, "line_width": 2.0}
    layer.apply_style_state({"line_width": 99})  # out of range: ignored
    assert layer.style.line_width == 2.0
