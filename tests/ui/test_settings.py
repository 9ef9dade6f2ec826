"""Settings: typed keys, the interface language chosen in the dialog (used at the next start),
and the window layout kept between sessions."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialogButtonBox

from gisapp import i18n
from gisapp.ui import app as app_module
from gisapp.ui.dialogs.settings_dialog import SettingsDialog
from gisapp.ui.main_window import MainWindow
from gisapp.ui.settings import LANGUAGE, TRACK_COLOURING, Setting, interface_language


def reopened(settings: QSettings) -> QSettings:
    """The same settings file read afresh, as the next start reads it."""
    settings.sync()
    return QSettings(settings.fileName(), QSettings.Format.IniFormat)


def test_typed_settings_read_back_from_an_ini_file(settings):
    flag = Setting("test/flag", bool, False)
    number = Setting("test/number", int, 7)
    flag.write(settings, True)
    number.write(settings, 12)
    again = reopened(settings)
    assert flag.read(again) is True and number.read(again) == 12
    again.setValue("test/number", "twelve")  # hand-edited: the default, not a crash
    assert number.read(again) == 7
    assert LANGUAGE.read(again) == "" and TRACK_COLOURING.read(again) == "time"


@pytest.mark.parametrize("chosen, environ, system, expected", [
    ("", {}, "zh_CN", "zh_CN"),       # nothing chosen: the system's language
    ("", {}, "en_US", "en"),
    ("en", {}, "zh_CN", "en"),        # the choice beats the system
    ("zh_CN", {}, "de_DE", "zh_CN"),
    ("zh_CN", {"GISAPP_LANG": "en"}, "zh_CN", "en"),  # the environment beats the choice
    ("klingon", {}, "zh_CN", "zh_CN"),  # an unknown choice is ignored
])
def test_the_language_at_start(settings, chosen, environ, system, expected, monkeypatch):
    monkeypatch.setattr(i18n, "_python_locale", lambda: None)
    LANGUAGE.write(settings, chosen)
    assert interface_language(settings, system, environ) == expected


def test_the_language_chosen_in_the_dialog_is_used_at_the_next_start(qtbot, qapp, settings,
                                                                    monkeypatch):
    monkeypatch.delenv("GISAPP_LANG", raising=False)
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    assert dialog.language.currentData() == ""  # follows the system until chosen
    assert [dialog.language.itemText(i) for i in range(dialog.language.count())] == [
        "System language", "简体中文", "English"]
    dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert LANGUAGE.read(reopened(settings)) == "zh_CN"
    try:
        app_module.create_application([], reopened(settings))  # the next start
        assert i18n.language() == "zh_CN"
        window = MainWindow(reopened(settings))
        qtbot.addWidget(window)
        assert window.coverage_dock.windowTitle() == "覆盖核查"
        assert window.tools.actions["identify"].text() == "识别"
    finally:
        i18n.set_language("en")
    # cancelling the dialog changes nothing
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.language.setCurrentIndex(dialog.language.findData("en"))
    dialog.reject()
    assert LANGUAGE.read(reopened(settings)) == "zh_CN"


def test_the_window_layout_and_track_colouring_persist(qtbot, settings):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    assert window.ranking_dock.isVisible() and window.map_toolbar.isVisible()
    window.ranking_dock.hide()
    window.map_toolbar.hide()
    window.attributes_dock.show()
    window.coverage_dock.colouring.setCurrentIndex(1)
    window.close()
    second = MainWindow(reopened(settings))
    qtbot.addWidget(second)
    second.show()
    assert not second.ranking_dock.isVisible() and not second.map_toolbar.isVisible()
    assert second.attributes_dock.isVisible()
    assert second.coverage_dock.colouring.currentData() == "speed"
    second.reset_layout_action.trigger()
    assert second.ranking_dock.isVisible() and second.map_toolbar.isVisible()
    assert not second.attributes_dock.isVisible()


def test_the_settings_dialog_opens_from_the_file_menu(qtbot, settings):
    window = MainWindow(settings)
    qtbot.addWidget(window)
    file_menu = window.menuBar().actions()[0].menu()
    assert window.settings_action in file_menu.actions()
    window.settings_action.trigger()
    dialogs = window.findChildren(SettingsDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    dialogs[0].reject()
