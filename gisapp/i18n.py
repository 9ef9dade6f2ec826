"""The one gettext catalogue: ``_()`` for core and UI alike, in the language chosen at start.

Source strings are English. Translations live in ``resources/i18n/<lang>/LC_MESSAGES/gisapp.po``
and are compiled to the ``gisapp.mo`` beside it (committed; see ``resources/i18n/README.md``).

The language is Simplified Chinese on a Chinese system and English otherwise; the environment
variable ``GISAPP_LANG`` (``zh_CN`` or ``en``) overrides the system. Until ``set_language`` is
called, the first ``_()`` picks the language that way, so a script or the CLI needs no setup.

>>> set_language("en"); _("Layers")
'Layers'
>>> set_language("zh_CN"); _("Layers")
'图层'
>>> set_language("en")
"""

from __future__ import annotations

import gettext
import locale
import os
import warnings
from pathlib import Path

DOMAIN = "gisapp"
LANGUAGES = ("zh_CN", "en")
LOCALE_DIR = Path(__file__).resolve().parents[1] / "resources" / "i18n"
ENVIRONMENT_VARIABLE = "GISAPP_LANG"

_translation: gettext.NullTranslations | None = None
_language: str | None = None


def _(message: str) -> str:
    """``message`` (English) in the current language."""
    if _translation is None:
        set_language(detect_language())
    return _translation.gettext(message)


def N_(message: str) -> str:
    """Mark a string for the catalogue where it is defined; translate it with ``_()`` when shown."""
    return message


def language() -> str:
    """The current language code: ``zh_CN`` or ``en``."""
    if _language is None:
        set_language(detect_language())
    return _language


def set_language(lang: str) -> None:
    """Switch ``_()`` to ``lang`` (one of LANGUAGES); a missing catalogue is an install error."""
    global _translation, _language
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    if lang == "en":
        _translation = gettext.NullTranslations()  # the source strings are English
    else:
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])
    _language = lang


def detect_language(system_locale: str | None = None,
                    environ: dict[str, str] | None = None) -> str:
    """``GISAPP_LANG`` if it names a language, else zh_CN on a Chinese system, else en.

    ``system_locale`` is the platform's own answer where the caller has one (the UI passes
    ``QLocale.system().name()``, which is right on Windows and macOS too); without it the
    POSIX variables gettext reads are used, then Python's locale.

    >>> detect_language(environ={"GISAPP_LANG": "en", "LANG": "zh_CN.UTF-8"})
    'en'
    >>> detect_language(environ={"LANG": "zh_TW.UTF-8"})
    'zh_CN'
    >>> detect_language("de_DE", environ={})
    'en'
    """
    environ = os.environ if environ is None else environ
    override = environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if override:
        chosen = _normalise(override)
        if chosen:
            return chosen
        warnings.warn(f"{ENVIRONMENT_VARIABLE}={override!r}: not one of "
                      f"{', '.join(LANGUAGES)}; using the system language", stacklevel=2)
    for candidate in (system_locale, *_posix_locales(environ), _python_locale()):
        if candidate and candidate not in ("C", "POSIX"):
            return "zh_CN" if _normalise(candidate) == "zh_CN" else "en"
    return "en"


def _normalise(code: str) -> str | None:
    """'zh', 'zh-CN', 'zh_CN.UTF-8', 'Chinese (Simplified)_China' -> 'zh_CN'; 'en_US' -> 'en'."""
    code = code.strip().replace("-", "_").lower()
    if code.startswith(("zh", "chinese")):
        return "zh_CN"
    if code.startswith(("en", "english")):
        return "en"
    return None


def _posix_locales(environ) -> list[str]:
    # gettext's own order; LANGUAGE may list several, the first decides
    names = [environ.get(v, "") for v in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")]
    return [n.split(":")[0] for n in names if n]


def _python_locale() -> str | None:
    try:
        return locale.getlocale()[0]
    except ValueError:  # an unparsable locale name in the environment
        return None
