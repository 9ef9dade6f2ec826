"""The gettext catalogue: language choice, complete Chinese translations, a Chinese window."""

from __future__ import annotations

import ast
import gettext
import shutil
import string
import subprocess
from pathlib import Path

import pytest

from gisapp import i18n
from gisapp.i18n import _, detect_language, set_language
from gisapp.ui.main_window import MainWindow

PACKAGE = Path(i18n.__file__).parent
CATALOGUE = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES"


def messages_in_code() -> dict[str, str]:
    """Every literal passed to _() or N_() in the package -> where it is."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("_", "N_") and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found[node.args[0].value] = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
    return found


def fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_every_message_in_the_code_has_a_chinese_translation_with_the_same_fields():
    catalogue = gettext.translation(i18n.DOMAIN, i18n.LOCALE_DIR, languages=["zh_CN"])
    messages = messages_in_code()
    assert len(messages) >= 20
    untranslated = [f"{where}: {m!r}" for m, where in messages.items()
                    if catalogue.gettext(m) == m]
    assert not untranslated, ("add these to resources/i18n/zh_CN/LC_MESSAGES/gisapp.po and "
                              "compile it (resources/i18n/README.md):\n" + "\n".join(untranslated))
    for message in messages:
        assert fields(catalogue.gettext(message)) == fields(message), message


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt not installed")
def test_the_committed_mo_is_compiled_from_the_po(tmp_path):
    compiled = tmp_path / "gisapp.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(CATALOGUE / "gisapp.po")],
                   check=True)
    with open(compiled, "rb") as fresh, open(CATALOGUE / "gisapp.mo", "rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == \
            gettext.GNUTranslations(fresh)._catalog, "recompile gisapp.mo (resources/i18n)"


@pytest.mark.parametrize("environ, system, expected", [
    ({"GISAPP_LANG": "en", "LANG": "zh_CN.UTF-8"}, None, "en"),
    ({"GISAPP_LANG": "zh_CN", "LANG": "en_US.UTF-8"}, "en_US", "zh_CN"),
    ({"GISAPP_LANG": "zh-CN"}, "en_US", "zh_CN"),
    ({}, "zh_CN", "zh_CN"),
    ({}, "zh_TW", "zh_CN"),
    ({}, "de_DE", "en"),
    ({"LANG": "zh_CN.UTF-8"}, None, "zh_CN"),
    ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, None, "zh_CN"),
    ({"LC_ALL": "fr_FR.UTF-8", "LANG": "zh_CN.UTF-8"}, None, "en"),
    ({"LANG": "C"}, "C", "en"),
])
def test_language_detection(environ, system, expected, monkeypatch):
    monkeypatch.setattr(i18n, "_python_locale", lambda: None)
    assert detect_language(system, environ) == expected


def test_an_unknown_override_warns_and_falls_back_to_the_system():
    with pytest.warns(UserWarning, match="GISAPP_LANG"):
        assert detect_language("zh_CN", {"GISAPP_LANG": "klingon"}) == "zh_CN"


def test_set_language_switches_and_refuses_unknown_languages():
    set_language("zh_CN")
    assert (i18n.language(), _("Layers")) == ("zh_CN", "图层")
    set_language("en")
    assert (i18n.language(), _("Layers")) == ("en", "Layers")
    with pytest.raises(ValueError, match="fr"):
        set_language("fr")


def test_the_window_in_chinese(qtbot, settings, tiny_project):
    set_language("zh_CN")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus[:3] == ["文件(&F)", "编辑(&E)", "视图(&V)"] and "分析(&A)" in menus
    assert window.summary_label.text() == "未打开项目"
    assert window.open_project(tiny_project)
    assert window.summary_label.text() == "网格 3 · 污染源 3 · 网格员 2 · 轨迹点 7"
    assert window.layers_dock.windowTitle() == "图层"
    assert window.layers_dock.list.item(0).text() == "污染源"
    assert window.layers_dock.list.item(1).text() == "巡查轨迹 2024-05-03"
