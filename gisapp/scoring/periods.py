"""Months and quarters as the assessment names them: ``"2026-10"``, ``"2026Q3"``."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from gisapp.errors import InputError
from gisapp.i18n import _


def parse_month(month) -> str:
    """``"2026-10"`` (also 2026-10-01, 2026/10, 2026年10月, 202610, a date) -> ``"2026-10"``."""
    if isinstance(month, (dt.date, pd.Timestamp)):
        return f"{month.year:04d}-{month.month:02d}"
    match = re.fullmatch(r"\s*(\d{4})\s*(?:[-/.年]\s*)?(\d{1,2})\s*(?:月|[-/.]\d{1,2}(?:日)?)?\s*",
                         str(month))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InputError(None, _("{value} is not a month; write it like 2026-10")
                         .format(value=repr(str(month))))
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def parse_quarter(quarter) -> tuple[int, int]:
    """``"2026Q3"`` (also 2026-Q3, 2026q3) -> (2026, 3)."""
    match = re.fullmatch(r"\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*", str(quarter))
    if not match:
        raise InputError(None, _("{value} is not a quarter; write it like 2026Q3")
                         .format(value=repr(str(quarter))))
    return int(match.group(1)), int(match.group(2))


def quarter_months(quarter) -> list[str]:
    """The three months of a quarter.

    >>> quarter_months("2026Q3")
    ['2026-07', '2026-08', '2026-09']
    """
    year, q = parse_quarter(quarter)
    return [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]


def month_bounds(month) -> tuple[dt.date, dt.date]:
    """First day of ``month`` and first day of the next: the [start, end) of coverage."""
    year, number = map(int, parse_month(month).split("-"))
    start = dt.date(year, number, 1)
    return start, dt.date(year + number // 12, number % 12 + 1, 1)
