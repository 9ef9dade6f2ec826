"""Core tests read English unless they switch language themselves; the language is put back.

Error messages, rejected-row problems and bulletins go through gettext, so a test run on a
Chinese system would otherwise read Chinese where the tests expect the English source text.
"""

from __future__ import annotations

import pytest

from gisapp import i18n


@pytest.fixture(autouse=True)
def english():
    previous = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(previous)
