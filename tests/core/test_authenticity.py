"""Review flags on hand-built days with known answers, and on the demo month's faked days."""

from __future__ import annotations

import datetime as dt
import doctest

import numpy as np
import pandas as pd
import pytest

from gisapp import authenticity
from gisapp.authenticity import AuthenticityParams, review
from gisapp.fixes import Fixes
from gisapp.geodesy import LocalProjection

P = LocalProjection.around(113.62, 34.75)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hh: float) -> int:
    """UTC ms of ``day`` at ``hh`` hours (fractional) Asia/Shanghai."""
    moment = dt.datetime.combine(day, dt.time(), SHANGHAI) + dt.timedelta(hours=hh)
    return int(moment.timestamp() * 1000)


def day_fixes(x, y, day, start_h=8.0, every_s=10.0, inspector="W1") -> Fixes:
    lon, lat = P.inverse(np.asarray(x, float), np.asarray(y, float))
    t = at(day, start_h) + (np.arange(len(lon)) * every_s * 1000).astype(np.int64)
    return Fixes.from_ids([inspector] * len(t), t, lon, lat)


def patrol(seed, hours=8.0, every_s=10.0):
    """A random patrol at walking pace: a smooth heading, 10-15 m per fix."""
    rng = np.random.default_rng(seed)
    n = int(hours * 3600 / every_s)
    heading = np.cumsum(rng.normal(0, 0.25, n))
    step = rng.uniform(10, 15, n)
    return np.cumsum(step * np.cos(heading)), np.cumsum(step * np.sin(heading))


TUESDAY = dt.date(2026, 10, 13)      # a working day
WEDNESDAY = dt.date(2026, 10, 14)
THURSDAY = dt.date(2026, 10, 15)
NATIONAL_DAY = dt.date(2026, 10, 2)  # a public holiday


def kinds(flags: pd.DataFrame) -> list[tuple[str, str]]:
    return sorted(zip(flags["kind"], flags["start"].dt.strftime("%Y-%m-%d")))


def test_a_phone_left_at_home_all_day_is_flagged_stationary():
    rng = np.random.default_rng(0)
    n = 9 * 360  # 08:00-17:00, every 10 s
    home = day_fixes(300 + rng.normal(0, 3, n), 200 + rng.normal(0, 3, n), TUESDAY)
    genuine = day_fixes(*patrol(1), WEDNESDAY)
    flags = review(Fixes.concat([home, genuine]), projection=P)
    assert kinds(flags) == [("stationary_day", "2026-10-13")]
    flag = flags.iloc[0]
    assert flag.start == pd.Timestamp("2026-10-13 08:00", tz="Asia/Shanghai")
    assert flag.end == pd.Timestamp("2026-10-13 16:59:50", tz="Asia/Shanghai")
    x, y = P.forward(flag.lon, flag.lat)
    assert np.hypot(x - 300, y - 200) < 5
    assert "stationary all day" in flag.reason


def test_a_short_stationary_recording_is_not_judged():
    rng = np.random.default_rng(0)
    n = 300  # 50 minutes
    flags = review(day_fixes(rng.normal(0, 3, n), rng.normal(0, 3, n), TUESDAY), projection=P)
    assert flags.empty


def test_a_day_that_repeats_an_earlier_day_is_flagged_as_a_copy():
    first, second = patrol(1), patrol(2)
    rng = np.random.default_rng(5)
    copy = (first[0] + rng.normal(0, 2, len(first[0])), first[1] + rng.normal(0, 2, len(first[0])))
    track = Fixes.concat([day_fixes(*first, TUESDAY), day_fixes(*second, WEDNESDAY),
                          day_fixes(*copy, THURSDAY)])
    flags = review(track, projection=P)
    assert kinds(flags) == [("copied_day", "2026-10-15")]
    assert "repeats 2026-10-13" in flags.iloc[0].reason


def test_the_same_route_walked_at_other_times_is_not_a_copy():
    x, y = patrol(1)
    later = day_fixes(x, y, WEDNESDAY, start_h=8.5)  # the same streets, half an hour later
    flags = review(Fixes.concat([day_fixes(x, y, TUESDAY), later]), projection=P)
    assert flags.empty


def test_many_jumps_in_a_day_are_flagged_as_teleports():
    x, y = patrol(3, hours=2)
    x, y = x.copy(), y.copy()
    bad = np.arange(20, 700, 50)[:12]
    y[bad] += 1500  # 12 fixes 1.5 km off and back
    flags = review(day_fixes(x, y, TUESDAY), projection=P)
    assert kinds(flags) == [("teleports", "2026-10-13")]
    assert flags.iloc[0].reason.startswith("12 fixes jumped")


def test_patrols_outside_working_hours_are_flagged():
    evening = day_fixes(*patrol(4, hours=1), TUESDAY, start_h=20.25)
    early = day_fixes(*patrol(5, hours=0.2), WEDNESDAY, start_h=6.5)  # 12 min: under 15 min
    flags = review(Fixes.concat([evening, early]), projection=P)
    assert kinds(flags) == [("off_hours", "2026-10-13")]
    assert flags.iloc[0].start == pd.Timestamp("2026-10-13 20:15", tz="Asia/Shanghai")


def test_patrols_on_a_public_holiday_are_flagged():
    holiday = day_fixes(*patrol(6, hours=3), NATIONAL_DAY)
    assert kinds(review(holiday, projection=P)) == [("non_working_day", "2026-10-02")]
    weekend_duty = AuthenticityParams(flag_non_working_days=False)
    assert review(holiday, weekend_duty, projection=P).empty


def test_visits_timed_to_pass_the_rule_are_flagged_but_slow_walks_past_are_not():
    from gisapp.coverage import compute_coverage
    from tests.core.test_coverage import OCTOBER, world

    def stand(x, y, seconds):
        return np.full(seconds // 10 + 1, x), np.full(seconds // 10 + 1, y)

    # four stops of 60-70 s at the four sources, riding between them
    legs = []
    for sx, sy in [(500, 500), (150, 150), (200, 200), (1500, 500)]:
        legs.append((np.linspace(sx + 400, sx + 60, 9), np.full(9, sy)))
        legs.append(stand(sx, sy, 60 + 10 * (sx == 500)))
        legs.append((np.linspace(sx + 60, sx + 400, 9), np.full(9, sy)))
    x = np.concatenate([leg[0] for leg in legs])
    y = np.concatenate([leg[1] for leg in legs])
    timed = day_fixes(x, y, TUESDAY)
    # the same sources walked past at 1.2 m/s: a minute and more inside 50 m, but moving
    walk = [(np.arange(sx - 80, sx + 80, 12.0), np.full(14, sy))
            for sx, sy in [(500, 500), (150, 150), (200, 200), (1500, 500)]]
    slow = day_fixes(np.concatenate([w[0] for w in walk]), np.concatenate([w[1] for w in walk]),
                     WEDNESDAY)
    inputs = world([timed, slow], [("W1", "G1", None, None), ("W1", "G2", None, None)])
    result = compute_coverage(inputs, *OCTOBER)
    assert set(result.dwells["start"].dt.strftime("%m-%d")) == {"10-13", "10-14"}
    assert kinds(result.flags) == [("short_visits", "2026-10-13")]
    assert result.flags.iloc[0].reason.startswith("4 of 4 visits")


def test_flags_name_their_inspector_and_keep_inspectors_apart():
    rng = np.random.default_rng(0)
    n = 9 * 360
    a = day_fixes(rng.normal(0, 3, n), rng.normal(0, 3, n), TUESDAY, inspector="A")
    b = day_fixes(*patrol(1), TUESDAY, inspector="B")
    flags = review(Fixes.concat([a, b]), projection=P)
    assert flags["inspector_id"].tolist() == ["A"]
    assert list(flags.columns) == authenticity.FLAG_COLUMNS


def test_thresholds_are_parameters():
    flags = review(day_fixes(*patrol(4, hours=1), TUESDAY, start_h=20.25),
                   AuthenticityParams(work_end_h=22), projection=P)
    assert flags.empty


def test_workdays_follow_the_chinese_calendar():
    def number(d):
        return (d - dt.date(1970, 1, 1)).days

    assert authenticity.is_workday(number(dt.date(2026, 10, 10)))     # a make-up Saturday
    assert not authenticity.is_workday(number(dt.date(2026, 10, 1)))  # National Day
    assert not authenticity.is_workday(number(dt.date(2040, 10, 6)))  # a Saturday, past the
    assert authenticity.is_workday(number(dt.date(2040, 10, 5)))      # calendar's years


def test_doctests():
    assert doctest.testmod(authenticity).failed == 0


@pytest.mark.slow
def test_demo_faked_inspector_is_flagged_on_the_faked_days_only():
    from tests.core.test_coverage import demo_month
    district, result = demo_month()
    faked = {(f["inspector_id"], f["date"], f["kind"].replace("stationary", "stationary_day"))
             for f in district.truth["faked"]}
    assert faked, "the demo fakes some days"
    serious = result.flags[result.flags["kind"].isin(["stationary_day", "copied_day"])]
    found = {(r.inspector_id, r.start.strftime("%Y-%m-%d"), r.kind)
             for r in serious.itertuples()}
    assert found == faked
    copied = [f for f in district.truth["faked"] if f["kind"] == "copied_day"]
    for f in copied:
        reason = serious.loc[serious["kind"] == "copied_day", "reason"].iloc[0]
        assert f"repeats {f['copied_from']}" in reason
