"""ui.app: the application's language, Qt's own translations, fonts, the project opened at start."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QTimer, QTranslator
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication

from gisapp import i18n
from gisapp.ui import app as app_module
from gisapp.ui.main_window import MainWindow
from gisapp.ui.settings import RECENT_PROJECTS, add_recent_project


def test_start_opens_the_project_given(qtbot, settings, tiny_project):
    window = app_module.start([str(tiny_project)], settings)
    qtbot.addWidget(window)
    assert window.isVisible() and window.project.path == tiny_project


def test_start_without_a_path_opens_the_most_recent_existing_project(qtbot, settings,
                                                                     tiny_project, tmp_path):
    add_recent_project(settings, tiny_project)
    add_recent_project(settings, tmp_path / "deleted.gpkg")  # most recent, but gone
    window = app_module.start([], settings)
    qtbot.addWidget(window)
    assert window.project is not None and window.project.path == tiny_project.resolve()


def test_start_with_nothing_recent_shows_an_empty_window(qtbot, settings):
    window = app_module.start([], settings)
    qtbot.addWidget(window)
    assert window.project is None and RECENT_PROJECTS.read(settings) == []


def test_chinese_application_translates_qt_dialogs_and_has_a_cjk_font(qapp, monkeypatch):
    monkeypatch.setenv("GISAPP_LANG", "zh_CN")
    font = qapp.font()
    try:
        assert app_module.create_application([]) is qapp
        assert i18n.language() == "zh_CN"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
        if "Noto Sans CJK SC" in QFontDatabase.families():
            assert "Noto Sans CJK SC" in qapp.font().families()
    finally:
        for translator in qapp.findChildren(QTranslator):
            qapp.removeTranslator(translator)
            translator.deleteLater()
        qapp.setFont(font)
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_english_application_installs_no_qt_translator(qapp, monkeypatch):
    monkeypatch.setenv("GISAPP_LANG", "en")
    app_module.create_application([])
    assert i18n.language() == "en"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_main_opens_the_project_runs_and_returns_the_exit_code(qapp, monkeypatch, settings,
                                                               tiny_project):
    monkeypatch.setenv("GISAPP_LANG", "en")
    monkeypatch.setattr(app_module, "open_settings", lambda: settings)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # main installs its own
    before = set(QApplication.topLevelWidgets())
    QTimer.singleShot(0, lambda: QCoreApplication.exit(3))
    try:
        assert app_module.main([str(tiny_project)]) == 3
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w not in before]
        assert [w.windowTitle() for w in windows] == ["测试区 — gisapp"]
        assert sys.excepthook is not sys.__excepthook__
    finally:  # a window left open would catch the next tests' mouse
        for window in set(QApplication.topLevelWidgets()) - before:
            window.close()
            window.deleteLater()
