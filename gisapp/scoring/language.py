"""The gettext catalogue in a chosen language, for tables written in one language on purpose.

A bulletin is an official Chinese document even when the program runs in English, so the
table builders take ``language`` and translate through :func:`translator` — the same catalogue
as :func:`gisapp.i18n._`, without switching the application's language. ``language=None``
means the application's current language (``gisapp.i18n._`` itself).

Inside a function write ``_ = translator(language)`` and then ``_("…")`` as anywhere else:
the catalogue tools and ``tests/ui/test_i18n.py`` find the strings by the name ``_``.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import lru_cache

from gisapp import i18n


def translator(language: str | None) -> Callable[[str], str]:
    """``gettext`` of ``language`` (``"zh_CN"`` or ``"en"``); None: the application's."""
    if language is None:
        return i18n._
    return _catalogue(language).gettext


def resolved(language: str | None) -> str:
    """The language code that ``language`` stands for (None: the application's)."""
    if language is None:
        return i18n.language()
    _catalogue(language)  # refuses unknown codes
    return language


def pick(chinese: str, english: str | None, language: str | None) -> str:
    """A text a rule set gives in Chinese and perhaps English, in ``language``."""
    return english if english and resolved(language) == "en" else chinese


@lru_cache(maxsize=None)
def _catalogue(language: str) -> gettext.NullTranslations:
    if language not in i18n.LANGUAGES:
        raise ValueError(f"language {language!r}: choose one of {', '.join(i18n.LANGUAGES)}")
    if language == "en":
        return gettext.NullTranslations()  # the source strings are English
    return gettext.translation(i18n.DOMAIN, i18n.LOCALE_DIR, languages=[language])


def points_text(value: float) -> str:
    """30 -> '30', 2.5 -> '2.5', 94.6667 -> '94.67'.

    >>> points_text(30.0), points_text(2.5), points_text(94.66666)
    ('30', '2.5', '94.67')
    """
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
