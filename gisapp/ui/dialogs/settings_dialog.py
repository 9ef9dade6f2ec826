"""SettingsDialog: the interface language, applied at the next start (the window layout is
kept by the main window itself, and View > Reset Window Layout restores the default)."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from gisapp.i18n import _
from gisapp.ui.settings import LANGUAGE

# each language named in itself, as language menus do
LANGUAGE_CHOICES = (("zh_CN", "简体中文"), ("en", "English"))


class SettingsDialog(QDialog):
    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Settings"))
        self.settings = settings
        self.language = QComboBox(self)
        self.language.addItem(_("System language"), "")
        for code, name in LANGUAGE_CHOICES:
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(LANGUAGE.read(settings))))
        note = QLabel(_("A new language is used from the next start of gisapp."), self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(_("Interface language"), self.language)
        form.addRow("", note)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def accept(self) -> None:
        LANGUAGE.write(self.settings, self.language.currentData())
        self.settings.sync()
        super().accept()
