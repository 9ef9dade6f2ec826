"""The desktop application: QApplication, language and translators, fonts, the main window."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Sequence

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from gisapp import __version__
from gisapp.i18n import _, detect_language, set_language
from gisapp.ui.main_window import MainWindow
from gisapp.ui.settings import (APPLICATION, ORGANISATION, RECENT_PROJECTS, interface_language,
                                open_settings)

# Fonts that hold Simplified Chinese, in order of preference (Linux, Windows, macOS).
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
             "WenQuanYi Micro Hei")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the application; ``argv`` are the arguments after the program name (default:
    ``sys.argv[1:]``): an optional project to open, else the most recent one is opened.
    Returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    existing = QApplication.instance()
    app = create_application(argv, open_settings())
    # a QApplication made here has taken its own options (-platform, -style) out of argv
    arguments = argv if existing else app.arguments()[1:]
    window = start(arguments, open_settings())
    sys.excepthook = _excepthook(window)
    return app.exec()


def create_application(argv: Sequence[str] = (),
                       settings: QSettings | None = None) -> QApplication:
    """The QApplication (made once) in the user's language, with a font that shows Chinese.

    The language: GISAPP_LANG, else the one chosen in the settings dialog (``settings``),
    else the system's."""
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "gisapp",
                                                   *argv])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    # the user's preferred UI language (LANGUAGE on Linux, the OS setting on Windows/macOS)
    system = QLocale.system()
    system_language = (system.uiLanguages() or [system.name()])[0]
    language = (interface_language(settings, system_language) if settings is not None
                else detect_language(system_language))
    set_language(language)
    if language == "zh_CN":
        install_qt_translator(app, "zh_CN")
    use_cjk_font(app)
    return app


def start(arguments: Sequence[str], settings: QSettings) -> MainWindow:
    """Show the main window with the project named in ``arguments`` or the most recent one."""
    window = MainWindow(settings)
    window.show()
    paths = [a for a in arguments if not a.startswith("-")]
    if paths:
        window.open_project(paths[0])
    else:
        recent = [p for p in RECENT_PROJECTS.read(settings) if Path(p).is_file()]
        if recent:
            window.open_project(recent[0])
    return window


def install_qt_translator(app: QApplication, language: str) -> bool:
    """Qt's own texts (standard buttons, file dialogs) from PySide6's qtbase_<lang>.qm."""
    translator = QTranslator(app)  # parented: lives as long as the application
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(f"qtbase_{language}", folder):
        return app.installTranslator(translator)
    return False


def use_cjk_font(app: QApplication) -> str | None:
    """Put an installed CJK font right after the default one, so Latin text keeps its font and
    Chinese gets Simplified glyph forms instead of whatever fallback the system picks."""
    families = set(QFontDatabase.families())
    chosen = next((family for family in CJK_FONTS if family in families), None)
    if chosen:
        font = QFont(app.font())
        font.setFamilies([font.family(), chosen])
        app.setFont(font)
    return chosen


def _excepthook(window: MainWindow):
    """A bug shows its traceback in a dialog instead of vanishing into a terminal."""
    def hook(kind, value, tb):
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.__stderr__.write(text)
        box = QMessageBox(QMessageBox.Icon.Critical, _("Unexpected error"),
                          _("gisapp hit an error it did not expect. Details:"),
                          parent=window)
        box.setDetailedText(text)
        box.exec()
    return hook
