"""Exceptions a person can act on: each names the file, the row and the problem."""

from __future__ import annotations

from pathlib import Path

from gisapp.i18n import _


class GisappError(Exception):
    """Base of the errors gisapp raises on purpose (the CLI exits 1 on the others)."""


class InputError(GisappError):
    """Bad input: the CLI prints it and exits 2, the UI shows it in a dialog.

    ``row`` follows what the user sees when opening the file: for CSV/XLSX the spreadsheet
    row number (the header is row 1, the first data row is row 2); for vector files and GPX
    the 1-based feature or point number.
    """

    def __init__(self, file: str | Path | None, problem: str, row: int | None = None,
                 column: str | None = None):
        self.file = str(file) if file is not None else None
        self.problem = problem
        self.row = row
        self.column = column
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """``file: row N: column 'c': problem`` in the current language (第 N 行 in Chinese)."""
        where = self.file or ""
        if self.row is not None:
            where = (_("{file}: row {row}").format(file=where, row=self.row) if where
                     else _("row {row}").format(row=self.row))
        if self.column:
            where = (_("{where}: column {column!r}").format(where=where, column=self.column)
                     if where else _("column {column!r}").format(column=self.column))
        if not where:
            return self.problem
        return _("{where}: {problem}").format(where=where, problem=self.problem)


class ProjectError(GisappError):
    """A project file that cannot be opened or saved (locked, newer schema, corrupt)."""


class Cancelled(GisappError):
    """Raised from a progress callback when the user pressed Cancel (or Ctrl+C)."""


class GridEditError(GisappError):
    """An edit refused before it changed anything; the message tells the user why."""
