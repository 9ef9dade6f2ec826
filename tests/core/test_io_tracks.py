"""Track readers: CSV/XLSX platform exports, GPX and KML, on tiny hand-made files and real ones."""

from __future__ import annotations

import datetime as dt
import doctest

import numpy as np
import pandas as pd
import pytest

from gisapp.errors import Cancelled, InputError
from gisapp.io import platform_csv, track_columns
from gisapp.io.gpx import read_gpx
from gisapp.io.kml_tracks import read_kml_tracks
from gisapp.io.platform_csv import (read_tracks, read_tracks_csv, read_tracks_table,
                                    read_tracks_xlsx)


def utc_ms(text: str) -> int:
    """'2026-10-08T00:30:05' (UTC) -> epoch milliseconds."""
    return int(np.datetime64(text, "ms").astype(np.int64))


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rejected(report) -> list[tuple[int, str]]:
    return [(int(r.row), r.problem) for r in report.rejected.itertuples()]


# --- CSV: columns, encodings, separators ----------------------------------------------------

def test_english_headers_naive_time_is_shanghai(tmp_path):
    path = write(tmp_path, "fixes.csv",
                 "inspector_id,time,lon,lat,accuracy\n"
                 "WG02,2026-10-08 08:30:05,113.651,34.752,5\n"
                 "WG01,2026-10-08 08:30:10,113.652,34.753,\n"
                 "WG01,2026-10-08 08:30:05,113.650,34.751,12.5\n")
    fixes, report = read_tracks_csv(path)
    assert fixes.inspector_ids.tolist() == ["WG01", "WG02"]
    assert fixes.inspector.tolist() == [0, 0, 1]  # by inspector, then time
    assert fixes.time_ms.tolist() == [utc_ms("2026-10-08T00:30:05"),
                                      utc_ms("2026-10-08T00:30:10"),
                                      utc_ms("2026-10-08T00:30:05")]
    assert fixes.lon.tolist() == [113.650, 113.652, 113.651]
    assert fixes.lat.tolist() == [34.751, 34.753, 34.752]
    assert fixes.accuracy_m[0] == 12.5 and np.isnan(fixes.accuracy_m[1])
    assert fixes.accuracy_m[2] == 5.0
    assert (report.rows_read, report.rows_kept, report.n_rejected) == (3, 3, 0)


def test_chinese_headers_in_gbk(tmp_path):
    path = write(tmp_path, "轨迹.csv",
                 "网格员编号,定位时间,经度,纬度\n"
                 "中原区001,2026/10/08 08:30:05,113.651,34.752\n"
                 "中原区001,2026/10/08 08:31:05,113.652,34.753\n", encoding="gbk")
    fixes, _ = read_tracks_csv(path)
    assert fixes.inspector_ids.tolist() == ["中原区001"]
    assert fixes.time_ms.tolist() == [utc_ms("2026-10-08T00:30:05"),
                                      utc_ms("2026-10-08T00:31:05")]


def test_semicolon_separator_bom_and_spaced_headers(tmp_path):
    path = write(tmp_path, "fixes.csv",
                 "\ufeffDevice ID ; GPS Time ; Longitude ; Latitude\n"
                 "d1;2026-10-08 08:30:05;113.5;34.5\n")
    fixes, _ = read_tracks_csv(path)
    assert fixes.inspector_ids.tolist() == ["d1"]
    assert fixes.lon.tolist() == [113.5] and fixes.lat.tolist() == [34.5]


def test_tab_separated_txt_through_read_tracks(tmp_path):
    path = write(tmp_path, "fixes.txt", "imei\ttimestamp\tlng\tlat\n"
                                        "860001\t2026-10-08 08:30:05\t113.5\t34.5\n")
    fixes, _ = read_tracks(path)
    assert fixes.inspector_ids.tolist() == ["860001"]


def test_title_line_above_the_header_counts_as_a_row(tmp_path):
    path = write(tmp_path, "fixes.csv",
                 "巡查轨迹导出 2026-10-08\n"
                 "工号,时间,经度,纬度\n"
                 "007,2026-10-08 08:30:05,113.5,34.5\n"
                 "007,not a time,113.5,34.5\n")
    fixes, report = read_tracks_csv(path)
    assert fixes.inspector_ids.tolist() == ["007"]  # leading zeros kept: ids are text
    assert rejected(report) == [(4, "time 'not a time' cannot be read as a date and time")]


@pytest.mark.parametrize("stamps", [["1791419405", "1791419465"],
                                    ["1791419405000", "1791419465000"],
                                    ["1791419405.0", "1791419465000"]])
def test_epoch_seconds_and_milliseconds(tmp_path, stamps):
    path = write(tmp_path, "fixes.csv", "user_id,time,lon,lat\n"
                 + "".join(f"u,{s},113.5,34.5\n" for s in stamps))
    fixes, _ = read_tracks_csv(path)
    assert fixes.time_ms.tolist() == [utc_ms("2026-10-08T00:30:05"),
                                      utc_ms("2026-10-08T00:31:05")]


def test_times_with_a_zone_ignore_the_timezone_option(tmp_path):
    path = write(tmp_path, "fixes.csv",
                 "tracker,t,x,y\n"
                 "a,2008-12-11 04:42:14+00,116.39,39.89\n"
                 "b,2026-10-08T00:30:05Z,116.39,39.89\n"
                 "c,2026-10-08T08:30:05.250+08:00,116.39,39.89\n")
    fixes, _ = read_tracks_csv(path, timezone="Europe/Berlin")
    assert fixes.time_ms.tolist() == [utc_ms("2008-12-11T04:42:14"),
                                      utc_ms("2026-10-08T00:30:05"),
                                      utc_ms("2026-10-08T00:30:05.250")]


def test_timezone_option_sets_naive_times(tmp_path):
    path = write(tmp_path, "fixes.csv", "person,time,lon,lat\np,2026-10-08 08:30:05,113.5,34.5\n")
    fixes, _ = read_tracks_csv(path, timezone="UTC")
    assert fixes.time_ms.tolist() == [utc_ms("2026-10-08T08:30:05")]


@pytest.mark.parametrize("stamp", ["2026-10-08 08:30:05", "2026-10-08T08:30:05.250",
                                   "2026-10-08 00:30:05+00", "1791419405"])
def test_common_layouts_take_the_fast_path(tmp_path, monkeypatch, stamp):
    def no_slow_path(*args):
        raise AssertionError("the slow path ran")
    monkeypatch.setattr(platform_csv, "_read_slow", no_slow_path)
    path = write(tmp_path, "fast.csv", f"device_id,time,lon,lat,acc\nd,{stamp},113.5,34.5,\n")
    fixes, _ = read_tracks_csv(path)
    assert fixes.time_ms[0] // 1000 == utc_ms("2026-10-08T00:30:05") // 1000


def test_mixed_time_formats_in_one_column(tmp_path):
    path = write(tmp_path, "fixes.csv",
                 "person,time,lon,lat\n"
                 "p,2026-10-08 08:30:05,113.5,34.5\n"
                 "p,2026/10/8 8:31:05,113.5,34.5\n"
                 "p,2026-10-08T00:32:05Z,113.5,34.5\n"
                 "p,1791419585,113.5,34.5\n")
    fixes, _ = read_tracks_csv(path)
    assert fixes.time_ms.tolist() == [utc_ms(f"2026-10-08T00:3{m}:05") for m in range(4)]


def test_explicit_fields_override_detection(tmp_path):
    path = write(tmp_path, "fixes.csv", "a,b,c,d,name\n"
                                        "k1,2026-10-08 08:30:05,113.5,34.5,张三\n")
    fixes, _ = read_tracks_csv(path, id_field="a", time_field="b", lon_field="c",
                               lat_field="d")
    assert fixes.inspector_ids.tolist() == ["k1"]
    with pytest.raises(InputError, match=r"column 'zz' \(time_field\) not found"):
        read_tracks_csv(path, id_field="a", time_field="zz", lon_field="c", lat_field="d")


def test_name_is_the_last_resort_for_the_inspector(tmp_path):
    path = write(tmp_path, "fixes.csv", "姓名,时间,经度,纬度\n张三,2026-10-08 08:30:05,113.5,34.5\n")
    fixes, _ = read_tracks_csv(path)
    assert fixes.inspector_ids.tolist() == ["张三"]


def test_bare_id_column_is_the_inspector_unless_it_counts_rows(tmp_path):
    devices = write(tmp_path, "devices.csv", "id,time,lon,lat\n"
                                             "WG7,2026-10-08 08:30:05,113.5,34.5\n"
                                             "WG8,2026-10-08 08:30:05,113.5,34.5\n")
    assert read_tracks_csv(devices)[0].inspector_ids.tolist() == ["WG7", "WG8"]
    counter = write(tmp_path, "counter.csv", "id,time,lon,lat\n"
                                             "1,2026-10-08 08:30:05,113.5,34.5\n"
                                             "2,2026-10-08 08:30:06,113.5,34.5\n")
    with pytest.raises(InputError, match="no inspector id column"):
        read_tracks_csv(counter)


def test_missing_id_column_names_file_columns_and_expected_names(tmp_path):
    path = write(tmp_path, "noid.csv", "time,lon,lat\n2026-10-08 08:30:05,113.5,34.5\n")
    with pytest.raises(InputError) as err:
        read_tracks_csv(path)
    message = str(err.value)
    assert str(path) in message
    assert "no inspector id column" in message
    assert "网格员编号" in message and "device_id" in message and "inspector_id=" in message
    assert "Columns found: 'time', 'lon', 'lat'" in message
    fixes, _ = read_tracks_csv(path, inspector_id="WG09")
    assert fixes.inspector_ids.tolist() == ["WG09"]


@pytest.mark.parametrize("text, said", [("", "no fixes: the file is empty"),
                                        ("\n \n", "no fixes: the file is empty"),
                                        ("id,time,lon,lat\n", "no fixes: the file has a header"),
                                        ("tracker;t;X;Y\n\n", "no fixes: the file has a header")])
def test_empty_file_or_header_only_has_no_fixes(tmp_path, text, said):
    with pytest.raises(InputError, match=said):
        read_tracks_csv(write(tmp_path, "empty.csv", text))


# --- CSV: rejected rows ---------------------------------------------------------------------

def test_each_bad_row_is_named_with_its_problem_and_fields(tmp_path):
    path = write(tmp_path, "bad.csv",
                 "网格员编号,定位时间,经度,纬度\n"
                 "A,2026-10-08 08:30:05,113.651,34.752\n"        # row 2 good
                 "A,2026-13-45 08:30:05,113.651,34.752\n"        # row 3 no such date
                 "A,1999-12-31 23:00:00,113.651,34.752\n"        # row 4 before 2000
                 "A,2999-01-01 00:00:00,113.651,34.752\n"        # row 5 future
                 "A,2026-10-08 08:31:05,abc,34.752\n"            # row 6 lon not a number
                 "A,2026-10-08 08:32:05,190.5,34.752\n"          # row 7 lon out of range
                 "A,2026-10-08 08:33:05,113.651,\n"              # row 8 lat empty
                 "A,2026-10-08 08:34:05,34.752,113.651\n"        # row 9 swapped
                 ",2026-10-08 08:35:05,113.651,34.752\n"         # row 10 no id
                 "A,2026-10-08 08:30:05,113.651,34.752\n"        # row 11 duplicate of row 2
                 "A,2026-10-08 08:36:05,0,0\n"                   # row 12 no GPS fix
                 "A,,113.651,34.752\n"                           # row 13 no time
                 "A,2026-10-08 08:37:05,113.652,34.753\n")       # row 14 good
    fixes, report = read_tracks_csv(path)
    assert rejected(report) == [
        (3, "time '2026-13-45 08:30:05' cannot be read as a date and time"),
        (4, "time '1999-12-31 23:00:00' is implausible: before 2000-01-01"),
        (5, "time '2999-01-01 00:00:00' is implausible: more than a day in the future"),
        (6, "lon 'abc' is not a number"),
        (7, "lon 190.5 is out of range (-180..180)"),
        (8, "no latitude: '纬度' is empty"),
        (9, "lat/lon swapped: this fix has the latitude in the longitude column and the "
            "longitude in the latitude column (the rest of the file is in China)"),
        (10, "no inspector id: '网格员编号' is empty"),
        (12, "position 0,0: the device had no GPS fix"),
        (13, "no time: '定位时间' is empty"),
    ]
    rows = report.rejected.set_index("row")
    assert rows.loc[6, "经度"] == "abc" and rows.loc[3, "定位时间"] == "2026-13-45 08:30:05"
    assert rows.loc[10, "网格员编号"] == ""
    assert fixes.time_ms.tolist() == [utc_ms("2026-10-08T00:30:05"),
                                      utc_ms("2026-10-08T00:37:05")]
    assert report.notes == ["1 exact duplicate fix (same inspector, time and position) "
                            "dropped; one of each kept"]
    assert (report.rows_read, report.rows_kept, report.n_rejected) == (13, 2, 10)


@pytest.mark.parametrize("good, bad", [("2026-02-28 08:30:05", "2026-02-30 08:30:05"),
                                       ("2026/02/28 08:30:05", "2026/02/30 08:30:05"),
                                       ("2026/2/28 8:30:05", "2026/2/29 8:30:05"),
                                       ("2026-02-28T00:30:05Z", "2026-02-28T24:30:05Z")])
def test_impossible_dates_are_not_rolled_over(tmp_path, good, bad):
    path = write(tmp_path, "feb.csv", f"tracker,t,x,y\na,{good},116.3,39.9\n"
                                      f"a,{bad},116.3,39.9\n")
    fixes, report = read_tracks_csv(path)
    assert fixes.time_ms.tolist() == [utc_ms("2026-02-28T00:30:05")]
    assert rejected(report) == [(3, f"time {bad!r} cannot be read as a date and time")]


def test_a_row_with_two_problems_lists_both(tmp_path):
    path = write(tmp_path, "two.csv", "tracker,t,x,y\n"
                                      "a,2026-10-08 08:30:05,116.3,39.9\n"
                                      "a,yesterday,116.3,north\n")
    _, report = read_tracks_csv(path)
    assert rejected(report) == [(3, "time 'yesterday' cannot be read as a date and time; "
                                    "lat 'north' is not a number")]


def test_lat_out_of_range(tmp_path):
    path = write(tmp_path, "range.csv", "tracker,t,x,y\n"
                                        "a,2026-10-08 08:30:05,13.7,46.4\n"
                                        "a,2026-10-08 08:30:06,13.7,95\n")
    _, report = read_tracks_csv(path)
    assert rejected(report) == [(3, "lat 95 is out of range (-90..90)")]


def test_whole_file_swapped_is_refused_naming_columns_and_medians(tmp_path):
    path = write(tmp_path, "swapped.csv", "网格员编号,定位时间,经度,纬度\n"
                 "A,2026-10-08 08:30:05,34.75,113.65\n"
                 "A,2026-10-08 08:30:06,34.76,113.66\n"
                 "A,2026-10-08 08:30:07,34.77,113.67\n")
    with pytest.raises(InputError) as err:
        read_tracks_csv(path)
    message = str(err.value)
    assert "the lon and lat columns appear swapped" in message
    assert "'经度' (read as longitude) has median 34.76" in message
    assert "'纬度' (read as latitude) has median 113.66" in message
    fixes, _ = read_tracks_csv(path, lon_field="纬度", lat_field="经度")
    assert fixes.lon.tolist() == [113.65, 113.66, 113.67]


def test_slow_path_names_the_one_bad_row_among_thousands(tmp_path):
    lines = ["inspector_id,time,lon,lat"]
    start = dt.datetime(2026, 10, 8, 8, 0, 0)
    for i in range(5000):
        row = 2 + i
        stamp = str(start + dt.timedelta(seconds=i))
        if row == 2718:
            stamp = "2026-10-08 25:61:00"
        lines.append(f"WG{i % 3},{stamp},{113.6 + i * 1e-5:.5f},34.75")
    fixes, report = read_tracks_csv(write(tmp_path, "many.csv", "\n".join(lines) + "\n"))
    assert rejected(report) == [(2718, "time '2026-10-08 25:61:00' cannot be read as a date "
                                       "and time")]
    assert report.rejected.loc[0, "inspector_id"] == "WG1"  # row 2718 is i = 2716
    assert len(fixes) == 4999 and report.rows_read == 5000 and not report.warnings


def test_slow_path_for_a_bad_number_and_a_blank_line(tmp_path):
    lines = ["tracker,t,x,y"]
    lines += [f"a,2026-10-08 08:30:{s:02d},116.3,39.9" for s in range(10)]
    lines[5] = ""                                    # a blank line is row 6
    lines[8] = "a,2026-10-08 08:30:07,116.3,39,9"    # four fields: row 9
    lines[10] = "a,2026-10-08 08:30:09,116.3.1,39.9"  # row 11
    fixes, report = read_tracks_csv(write(tmp_path, "blank.csv", "\n".join(lines) + "\n"))
    assert rejected(report) == [(9, "row has 5 fields, expected 4"),
                                (11, "lon '116.3.1' is not a number")]
    assert report.rejected.loc[0, "(extra fields)"] == "9"
    assert len(fixes) == 7 and report.rows_read == 9


def test_a_short_row_alone_keeps_the_fast_path(tmp_path):
    path = write(tmp_path, "short.csv", "tracker,t,x,y\n"
                                        "a,2026-10-08 08:30:05,116.3,39.9\n"
                                        "a,2026-10-08 08:30:06,116.3\n"
                                        "a,2026-10-08 08:30:07,116.3,39.9\n")
    fixes, report = read_tracks_csv(path)
    assert rejected(report) == [(3, "row has 3 fields, expected 4")]
    assert report.rejected.loc[0, "t"] == "2026-10-08 08:30:06"
    assert len(fixes) == 2 and report.rows_read == 3


def test_gbk_text_after_an_ascii_start_is_still_read(tmp_path, monkeypatch):
    monkeypatch.setattr(platform_csv, "_HEAD_BYTES", 64)  # the sniffed start is plain ASCII
    text = ("tracker,t,x,y\n" + "a,2026-10-08 08:30:05,116.3,39.9\n" * 3
            + "网格员乙,2026-10-08 08:30:06,116.3,39.9\n")
    fixes, _ = read_tracks_csv(write(tmp_path, "late.csv", text, encoding="gbk"))
    assert fixes.inspector_ids.tolist() == ["a", "网格员乙"]


def test_missing_file_and_binary_file_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_tracks(tmp_path / "gone.csv")
    (tmp_path / "binary.csv").write_bytes(b"PK\x03\x04\x00\x00binary\x00junk\n")
    with pytest.raises(InputError, match="a binary file, not a text table"):
        read_tracks_csv(tmp_path / "binary.csv")


def test_quoted_fields_keep_row_numbers(tmp_path):
    path = write(tmp_path, "quoted.csv",
                 '"tracker","t","x","y","note"\n'
                 '"a","2026-10-08 08:30:05","116.3","39.9","two\nlines"\n'
                 '"a","2026-10-08 08:30:06","116.3","999","x"\n')
    _, report = read_tracks_csv(path)
    assert rejected(report) == [(4, "lat 999 is out of range (-90..90)")]


def test_all_rows_rejected_raises_with_the_report(tmp_path):
    path = write(tmp_path, "old.csv", "tracker,t,x,y\n"
                                      "a,1990-01-01 00:00:00,116.3,39.9\n"
                                      "a,1990-01-01 00:00:01,116.3,39.9\n")
    with pytest.raises(InputError, match=r"no fixes: all 2 rows were rejected: time "
                                         r"'1990-01-01 00:00:00' is implausible") as err:
        read_tracks_csv(path)
    assert err.value.report.n_rejected == 2


def test_progress_reports_and_can_cancel(tmp_path):
    path = write(tmp_path, "fixes.csv", "tracker,t,x,y\na,2026-10-08 08:30:05,116.3,39.9\n")
    seen = []
    read_tracks_csv(path, progress=lambda done, total, text: seen.append((done, total)))
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)

    def cancel(done, total, text):
        if done == 1:
            raise Cancelled()
    with pytest.raises(Cancelled):
        read_tracks_csv(path, progress=cancel)


# --- XLSX -----------------------------------------------------------------------------------

def test_xlsx_with_excel_datetimes(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["网格员编号", "定位时间", "经度", "纬度", "精度"])
    sheet.append([1001, dt.datetime(2026, 10, 8, 8, 30, 5), 113.651, 34.752, 8])
    sheet.append([1001, "2026-10-08 08:31:05", "113.652", "34.753", None])
    sheet.append([])
    sheet.append([1002, dt.datetime(2026, 10, 8, 8, 30, 5), 113.651, "北纬34"])
    path = tmp_path / "fixes.xlsx"
    book.save(path)
    fixes, report = read_tracks_table(path)
    assert fixes.inspector_ids.tolist() == ["1001"]
    assert fixes.time_ms.tolist() == [utc_ms("2026-10-08T00:30:05"),
                                      utc_ms("2026-10-08T00:31:05")]
    assert fixes.accuracy_m[0] == 8 and np.isnan(fixes.accuracy_m[1])
    assert rejected(report) == [(5, "lat '北纬34' is not a number")]
    assert read_tracks(path)[0].time_ms.tolist() == fixes.time_ms.tolist()


def test_xlsx_missing_columns(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["名称", "备注"])
    book.active.append(["x", "y"])
    path = tmp_path / "wrong.xlsx"
    book.save(path)
    with pytest.raises(InputError, match="no time column"):
        read_tracks_xlsx(path)


# --- GPX and KML ----------------------------------------------------------------------------

GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="34.75" lon="113.65"><name>企业</name></wpt>
  <trk><name>上午巡查</name><trkseg>
    <trkpt lat="34.751" lon="113.651"><time>2026-10-08T00:30:05Z</time><hdop>1.5</hdop></trkpt>
    <trkpt lat="34.752" lon="113.652"><time>2026-10-08 08:31:05</time></trkpt>
    <trkpt lat="34.753" lon="113.653"></trkpt>
    <trkpt lat="94.753" lon="113.653"><time>2026-10-08T00:33:05Z</time></trkpt>
  </trkseg></trk>
</gpx>
"""


def test_gpx_points_are_numbered_and_checked(tmp_path):
    fixes, report = read_gpx(write(tmp_path, "WG05.gpx", GPX))
    assert fixes.inspector_ids.tolist() == ["WG05"]
    assert fixes.time_ms.tolist() == [utc_ms("2026-10-08T00:30:05"),
                                      utc_ms("2026-10-08T00:31:05")]
    assert fixes.accuracy_m[0] == 1.5 and np.isnan(fixes.accuracy_m[1])
    assert rejected(report) == [(3, "no time: 'time' is empty"),
                                (4, "lat 94.753 is out of range (-90..90)")]
    assert report.rejected.loc[0, "track"] == "上午巡查"
    assert "1 waypoint not read: they are plans, not fixes" in report.notes
    assert any("attributed to 'WG05'" in n for n in report.notes)
    assert any("dilution of precision" in n for n in report.notes)
    fixes, _ = read_tracks(tmp_path / "WG05.gpx", inspector_id="张三")
    assert fixes.inspector_ids.tolist() == ["张三"]


def test_gpx_without_track_points(tmp_path):
    path = write(tmp_path, "plan.gpx", GPX.split("<trk>")[0] + "</gpx>\n")
    with pytest.raises(InputError, match="no track points, only 1 waypoint,"):
        read_gpx(path)


def test_broken_xml_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not a readable GPX file"):
        read_gpx(write(tmp_path, "cut.gpx", GPX[:300]))


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">
<Document>
  <Placemark><name>巡查</name><gx:Track>
    <when>2026-10-08T00:30:05Z</when><when>2026-10-08T00:30:15Z</when>
    <gx:coord>113.651 34.751 90</gx:coord><gx:coord>113.652 34.752 91</gx:coord>
  </gx:Track></Placemark>
  <Placemark><name>规划路线</name><LineString>
    <coordinates>113.65,34.75,0 113.66,34.76,0</coordinates>
  </LineString></Placemark>
  <Placemark><name>起点</name><Point><coordinates>113.65,34.75</coordinates></Point></Placemark>
</Document>
</kml>
"""


def test_kml_gx_track_read_and_linestring_rejected(tmp_path):
    fixes, report = read_kml_tracks(write(tmp_path, "track.kml", KML), inspector_id="WG05")
    assert fixes.time_ms.tolist() == [utc_ms("2026-10-08T00:30:05"),
                                      utc_ms("2026-10-08T00:30:15")]
    assert fixes.lon.tolist() == [113.651, 113.652]
    reason = ("LineString '规划路线' has no times: a patrol track needs a time for every point "
              "(export it as a gx:Track or as GPX)")
    assert rejected(report) == [(3, reason), (4, reason)]
    assert "1 point placemark (markers, not a track) not read" in report.notes


def test_kml_with_only_linestrings_imports_nothing(tmp_path):
    only_lines = KML.split("<Placemark><name>巡查")[0] + KML.split("</gx:Track></Placemark>")[1]
    with pytest.raises(InputError, match="no fixes: all 2 points were rejected: LineString"):
        read_kml_tracks(write(tmp_path, "route.kml", only_lines))


def test_read_tracks_refuses_unknown_suffixes_and_table_options(tmp_path):
    with pytest.raises(InputError, match=r"cannot read tracks from a \.shp file"):
        read_tracks(tmp_path / "fixes.shp")
    with pytest.raises(InputError, match="id_field name table columns; a .gpx file has none"):
        read_tracks(write(tmp_path, "a.gpx", GPX), id_field="x")
    with pytest.raises(InputError, match="unknown timezone 'Asia/Beijing'"):
        read_tracks(tmp_path / "a.gpx", timezone="Asia/Beijing")
    with pytest.raises(InputError, match="not both"):
        read_tracks(write(tmp_path, "b.csv", "a,t,x,y\n"), id_field="a", inspector_id="p")


# --- real-world samples ---------------------------------------------------------------------

def test_geolife_csv(shared_data):
    path = shared_data / "tracks" / "geolife_small.csv"
    fixes, report = read_tracks_csv(path)
    assert len(fixes) == 5908 and report.n_rejected == 0
    assert fixes.inspector_ids.tolist() == ["0", "19", "2"]  # tracker, not the row id
    # independently: pandas on the same file, times in UTC ("+00")
    expected = pd.read_csv(path, sep=";", dtype={"tracker": str})
    expected["ms"] = pd.to_datetime(expected["t"], utc=True).dt.as_unit("ms").astype("int64")
    expected = expected.sort_values(["tracker", "ms"], kind="stable")
    assert fixes.ids().tolist() == expected["tracker"].tolist()
    assert fixes.time_ms.tolist() == expected["ms"].tolist()
    assert fixes.lon.tolist() == expected["X"].tolist()
    assert fixes.lat.tolist() == expected["Y"].tolist()
    first_of_19 = np.flatnonzero(fixes.ids() == "19")[0]
    assert fixes.time_ms[first_of_19] == utc_ms("2008-12-11T04:42:14")
    assert (fixes.lon[first_of_19], fixes.lat[first_of_19]) == (116.391305, 39.898573)


def test_togeojson_run_gpx(shared_data):
    fixes, report = read_gpx(shared_data / "gpx_kml" / "togeojson_run.gpx")
    assert report.rows_read == 206 and len(fixes) == 205  # points 106 and 107 are one fix
    assert "1 exact duplicate fix (same inspector, time and position) dropped; one of each " \
           "kept" in report.notes
    assert fixes.time_ms[0] == utc_ms("2012-10-24T23:29:40")
    assert fixes.time_ms[-1] == utc_ms("2012-10-24T23:45:28")
    assert (fixes.lon[0], fixes.lat[0]) == (-77.02016168273985, 38.92747367732227)


def test_mojstrovka_gpx_timestamps_from_1901_are_refused(shared_data):
    with pytest.raises(InputError) as err:
        read_tracks(shared_data / "gpx_kml" / "Mojstrovka.gpx")
    message = str(err.value)
    assert "no fixes: all 184 points were rejected" in message
    assert "time '1901-12-13T20:45:52.2073437Z' is implausible: before 2000-01-01" in message
    assert err.value.report.rows_read == 184


def test_togeojson_multitrack_kml(shared_data):
    # one gx:MultiTrack holding one gx:Track of 16 timed points, plus start and end markers
    fixes, report = read_tracks(shared_data / "gpx_kml" / "togeojson_multitrack.kml")
    assert len(fixes) == 16 and report.n_rejected == 0
    assert fixes.time_ms[0] == utc_ms("2013-08-08T15:24:47")
    assert fixes.time_ms[-1] == utc_ms("2013-08-08T15:25:03")
    assert (fixes.lon[0], fixes.lat[0]) == (3.68217, 51.050583)
    assert "2 point placemarks (markers, not a track) not read" in report.notes


def test_track_columns_doctests():
    assert doctest.testmod(track_columns).failed == 0
