"""Cleaning, sessions and stops on tiny hand-built tracks with known answers."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from gisapp import geodesy, tracks
from gisapp.fixes import Fixes
from gisapp.geodesy import LocalProjection
from gisapp.tracks import CleaningParams, clean, clean_track, sessions, stops

P = LocalProjection.around(113.62, 34.75)
T0 = 1_791_853_200_000  # 2026-10-13 09:00 Asia/Shanghai, in UTC ms


def fixes_from_xy(x, y, t_s, inspector="W1", accuracy=None) -> Fixes:
    """Fixes from metres about the projection centre and seconds after T0."""
    lon, lat = P.inverse(np.asarray(x, float), np.asarray(y, float))
    time_ms = T0 + np.round(np.asarray(t_s, float) * 1000).astype(np.int64)
    return Fixes.from_ids([inspector] * len(time_ms), time_ms, lon, lat, accuracy)


def walk(n, step_m=14.0, every_s=10.0, x0=0.0):
    """A straight walk east: n fixes, ``step_m`` apart, every ``every_s`` seconds."""
    return x0 + np.arange(n) * step_m, np.zeros(n), np.arange(n) * every_s


# ---- projection ----------------------------------------------------------------------------
def test_local_projection_matches_pyproj_transverse_mercator_within_a_millimetre():
    exact = Transformer.from_crs("EPSG:4326", P.proj4, always_xy=True)
    rng = np.random.default_rng(1)
    lon = 113.62 + rng.uniform(-0.3, 0.3, 5000)
    lat = 34.75 + rng.uniform(-0.3, 0.3, 5000)
    ex, ey = exact.transform(lon, lat)
    x, y = P.forward(lon, lat)
    assert np.max(np.hypot(x - ex, y - ey)) < 1e-3


def test_local_projection_distances_are_true_across_a_district():
    # 30 km east-west at 35 N: the geodesic and the projected distance agree within 1 m
    # (an equirectangular projection about the centre would be metres off up here)
    from pyproj import Geod
    lon = np.array([113.45, 113.78])
    lat = np.array([34.88, 34.88])
    _, _, geodesic = Geod(ellps="GRS80").inv(lon[0], lat[0], lon[1], lat[1])
    x, y = P.forward(lon, lat)
    assert abs(np.hypot(x[1] - x[0], y[1] - y[0]) - geodesic) < 1.0


def test_inverse_round_trips():
    lon, lat = P.inverse(*P.forward(np.array([113.5, 113.7]), np.array([34.7, 34.8])))
    np.testing.assert_allclose(lon, [113.5, 113.7], atol=1e-9)
    np.testing.assert_allclose(lat, [34.7, 34.8], atol=1e-9)


# ---- cleaning ------------------------------------------------------------------------------
def test_a_single_gps_jump_is_dropped_and_counted():
    x, y, t = walk(20)
    y[7] += 800.0  # one fix 800 m off the street: 80 m/s in, 80 m/s out
    kept, stats = clean(fixes_from_xy(x, y, t), projection=P)
    assert len(kept) == 19
    assert T0 + 70_000 not in kept.time_ms
    row = stats.table.loc["W1"]
    assert (row.fixes, row.kept, row.dropped_jump, row.dropped) == (20, 19, 1, 1)


def test_a_jump_of_two_fixes_is_dropped():
    x, y, t = walk(20)
    x[[9, 10]] = 2000.0  # two fixes at a cell tower 2 km away
    y[[9, 10]] = 1500.0
    kept, stats = clean(fixes_from_xy(x, y, t), projection=P)
    assert stats.total()["dropped_jump"] == 2
    dropped = np.setdiff1d(T0 + (t * 1000).astype(np.int64), kept.time_ms)
    assert dropped.tolist() == (T0 + np.array([90_000, 100_000])).tolist()


def test_a_real_fast_drive_is_kept():
    # 50 m/s (180 km/h) on an expressway: faster than the limit, but every fix follows the
    # last, so skipping one is just as fast: nothing is a jump
    x, y, t = walk(30, step_m=500.0)
    _, stats = clean(fixes_from_xy(x, y, t), projection=P)
    assert stats.total()["dropped"] == 0


def test_a_jump_during_a_drive_is_dropped_and_the_drive_kept():
    x, y, t = walk(30, step_m=300.0)  # 30 m/s
    y[12] -= 700.0
    kept, stats = clean(fixes_from_xy(x, y, t), projection=P)
    assert stats.total()["dropped_jump"] == 1 and len(kept) == 29


def test_a_jump_at_the_start_of_a_session_is_dropped():
    x, y, t = walk(10)
    x[0] = -3000.0  # the first fix after switching on, 3 km off
    kept, stats = clean(fixes_from_xy(x, y, t), projection=P)
    assert stats.total()["dropped_jump"] == 1
    assert kept.time_ms[0] == T0 + 10_000


def test_exact_duplicates_are_dropped_and_counted():
    x, y, t = walk(10)
    fixes = fixes_from_xy(x, y, t)
    twice = Fixes.concat([fixes, fixes.take(np.array([2, 5, 5]))])
    kept, stats = clean(twice, projection=P)
    assert len(kept) == 10
    assert stats.total()["dropped_duplicate"] == 3


def test_same_time_elsewhere_is_not_a_duplicate():
    fixes = fixes_from_xy([0.0, 0.5, 14.0], [0.0, 0.0, 0.0], [0, 0, 10])
    _, stats = clean(fixes, projection=P)
    assert stats.total()["dropped_duplicate"] == 0


def test_bad_accuracy_is_dropped_but_unknown_accuracy_is_kept():
    x, y, t = walk(6)
    accuracy = np.array([5, 150, np.nan, 99, 101, 10], np.float32)
    kept, stats = clean(fixes_from_xy(x, y, t, accuracy=accuracy), projection=P)
    assert stats.total()["dropped_accuracy"] == 2
    np.testing.assert_array_equal(kept.accuracy_m, [5, np.nan, 99, 10])


def test_invalid_coordinates_are_dropped():
    x, y, t = walk(5)
    fixes = fixes_from_xy(x, y, t)
    fixes.lon[1], fixes.lat[1] = np.nan, 34.75
    fixes.lon[3], fixes.lat[3] = 0.0, 0.0
    _, stats = clean(fixes, projection=P)
    assert stats.total()["dropped_invalid"] == 2


def test_clean_sorts_by_time_and_keeps_inspectors_apart():
    a = fixes_from_xy(*walk(5), inspector="A")
    b = fixes_from_xy(*walk(5, x0=5000.0), inspector="B")  # 5 km away at the same times
    both = Fixes.concat([a, b])
    shuffled = both.take(np.random.default_rng(0).permutation(len(both)))
    kept, stats = clean(shuffled, projection=P)
    assert stats.total()["dropped"] == 0
    assert stats.table.index.tolist() == ["A", "B"]
    for code in range(2):
        assert np.all(np.diff(kept.time_ms[kept.inspector == code]) > 0)


# ---- sessions ------------------------------------------------------------------------------
def test_sessions_split_at_gaps_longer_than_gap_s():
    t = np.r_[np.arange(6) * 10.0, 50 + 601 + np.arange(3) * 10.0, 671 + 600 + np.arange(2) * 10]
    x = np.arange(len(t)) * 10.0
    table = sessions(fixes_from_xy(x, np.zeros(len(t)), t), gap_s=600, projection=P)
    # the second gap is exactly 600 s: not longer, so no split
    assert table["fixes"].tolist() == [6, 5]
    assert table["duration_s"].tolist() == [50.0, 630.0]
    np.testing.assert_allclose(table["distance_m"], [50.0, 40.0], atol=1e-3)
    assert table["start"].iloc[1] == pd.Timestamp("2026-10-13 09:10:51", tz="Asia/Shanghai")


def test_track_sessions_ignore_dropped_fixes():
    x, y, t = walk(10)
    t[5:] += 900  # a 15-minute silence
    track = clean_track(fixes_from_xy(x, y, t), CleaningParams(), P)
    assert track.session.tolist() == [0] * 5 + [1] * 5
    within = track.segments()[2]
    assert within.sum() == 8


# ---- stops ---------------------------------------------------------------------------------
def stop_track():
    """Walk 10 fixes, stand 3 minutes (19 fixes within 6 m), walk on 10 fixes."""
    rng = np.random.default_rng(3)
    walk_in = np.arange(10) * 14.0
    stand = 140.0 + rng.uniform(-3, 3, 19)
    walk_out = 146.0 + np.arange(1, 11) * 14.0
    x = np.r_[walk_in, stand, walk_out]
    y = np.r_[np.zeros(10), rng.uniform(-3, 3, 19), np.zeros(10)]
    return x, y, np.arange(len(x)) * 10.0


def test_a_three_minute_stop_is_found_with_its_times():
    x, y, t = stop_track()
    found = stops(fixes_from_xy(x, y, t), min_duration_s=60, max_diameter_m=20, projection=P)
    assert len(found) == 1
    stop = found.iloc[0]
    # the last walking fix (14 m before) is within 20 m of the first standing ones
    assert stop.start == pd.Timestamp("2026-10-13 09:01:30", tz="Asia/Shanghai")
    assert stop.end == pd.Timestamp("2026-10-13 09:04:40", tz="Asia/Shanghai")
    assert stop.duration_s == 190.0 and stop.fixes == 20
    assert stop.diameter_m < 20


def test_a_slow_walk_is_not_a_stop():
    x, y, t = walk(40, step_m=4.0)  # 0.4 m/s, 160 m in total
    assert stops(fixes_from_xy(x, y, t), 60, 20, projection=P).empty


def test_a_short_pause_is_not_a_stop():
    x = np.r_[np.arange(10) * 14.0, np.full(5, 140.0), 140 + np.arange(1, 10) * 14.0]
    t = np.arange(len(x)) * 10.0  # 40 s standing + 10 s either side within 20 m: < 60 s
    assert stops(fixes_from_xy(x, np.zeros(len(x)), t), 60, 20, projection=P).empty


def test_stops_agree_with_movingpandas_on_the_hand_built_track():
    mpd = pytest.importorskip("movingpandas")
    gpd = pytest.importorskip("geopandas")
    x, y, t = stop_track()
    fixes = fixes_from_xy(x, y, t)
    frame = gpd.GeoDataFrame(
        {"t": pd.to_datetime(fixes.time_ms, unit="ms")},
        geometry=gpd.points_from_xy(*P.forward(fixes.lon, fixes.lat)), crs=P.proj4)
    trajectory = mpd.Trajectory(frame.set_index("t"), 1)
    theirs = mpd.TrajectoryStopDetector(trajectory).get_stop_time_ranges(
        min_duration=pd.Timedelta(seconds=60), max_diameter=20)
    ours = stops(fixes, 60, 20, projection=P)
    assert len(theirs) == len(ours) == 1
    # movingpandas starts the stop once a trailing window fits; ours at its earliest fix
    lag = pd.Timestamp(theirs[0].t_0) - ours.start[0].tz_convert(None)
    assert abs(lag.total_seconds()) <= 10
    assert pd.Timestamp(theirs[0].t_n) == ours.end[0].tz_convert(None)


def test_doctests():
    for module in (tracks, geodesy):
        assert doctest.testmod(module).failed == 0
