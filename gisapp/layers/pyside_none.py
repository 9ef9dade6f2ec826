"""Keep None alive under PySide6 6.12 on CPython 3.11: a stopgap, to go with the pin below.

PySide6 6.12.0 returns None from every void method (QPainter.drawPath, setPen, save ...)
without taking a reference to it. On CPython 3.12+ None is immortal and nothing happens; on
3.11 each call takes one reference from None, and after some tens of thousands of calls (a
few hundred map renders, a minute of track replay) Python aborts with "none_dealloc:
deallocating None". PySide6 6.11.3 does not have the fault (measured on this venv's Python
3.11.7: 0 references lost per 2,000 calls against 2,000 with 6.12.0).

The lasting fix is ``PySide6-Essentials<6.12`` (or Python >= 3.12). Until then
``protect_none()`` adds 2**40 references to None once, which at a million void calls a
second lasts twelve days. It does nothing on other versions.
"""

from __future__ import annotations

import ctypes
import sys

_EXTRA_REFERENCES = 1 << 40
_protected = False


def protect_none() -> bool:
    """Give None the references PySide6 6.12 will take from it; True when that was needed."""
    global _protected
    if _protected:
        return True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    try:
        import PySide6
    except ImportError:  # a core-only process (the tier test blocks Qt): nothing to protect
        return False
    if not PySide6.__version__.startswith("6.12."):
        return False
    # ob_refcnt is the first field of every CPython object (a Py_ssize_t at id(object))
    ctypes.c_ssize_t.from_address(id(None)).value += _EXTRA_REFERENCES
    _protected = True
    return True
