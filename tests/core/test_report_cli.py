"""`gisapp report` on the command line: the files asked for, exit 2 on bad input with no file."""

from __future__ import annotations

import openpyxl
from PySide6.QtGui import QImage

from gisapp import cli
from tests.browser.report_demo import MONTH, demo_project


def test_report_writes_each_file_asked_for(tmp_path, capsys, qapp):  # qapp: a QApplication
    # before the CLI makes a QGuiApplication, which the widget tests after it could not use
    project = demo_project()
    code = cli.main(["report", str(project.path), "--month", MONTH,
                     "--xlsx", str(tmp_path / "r.xlsx"), "--png", str(tmp_path / "r.png"),
                     "--dpi", "120", "--html", str(tmp_path / "r.html"),
                     "--language", "en"])
    assert code == cli.EXIT_OK
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'r.xlsx'}" in out and f"wrote {tmp_path / 'r.png'}" in out
    assert openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames[0] == "Monthly bulletin"
    image = QImage(str(tmp_path / "r.png"))
    assert (image.width(), image.height()) == (round(1400 * 120 / 96), round(1000 * 120 / 96))
    assert (tmp_path / "r.html").stat().st_size > 100_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.png", "r.xlsx"]


def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, qapp):
    project = demo_project()
    assert cli.main(["report", str(project.path), "--month", "2026-11",
                     "--xlsx", str(tmp_path / "r.xlsx")]) == cli.EXIT_BAD_INPUT
    assert "2026-11 has no patrol tracks" in capsys.readouterr().err
    assert cli.main(["report", str(project.path), "--month", MONTH]) == cli.EXIT_BAD_INPUT
    assert "--pdf, --html, --xlsx or --png" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
