"""ImportReport: what a reader kept, what it rejected (row by row, with the reason) and notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gisapp.errors import InputError
from gisapp.i18n import N_, _

_MAX_ROWS_IN_MESSAGE = 5
# the rejects report's own columns, headed in the current language; the row's fields follow
_REJECTS_HEADERS = {"file": N_("file"), "row": N_("row"), "problem": N_("problem")}


@dataclass
class ImportReport:
    """Outcome of reading one file.

    ``rejected`` has one line per rejected row: ``row`` (numbered as in InputError), ``problem``,
    then the row's original fields as text, so a rejects report can be fixed and re-imported.
    """

    file: str
    kind: str
    rows_read: int = 0
    rows_kept: int = 0
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _rejected: list[pd.DataFrame] = field(default_factory=list, repr=False)

    def reject(self, rows, problem: str, raw: pd.DataFrame | None = None) -> None:
        """Record rejected rows (an array of row numbers) for one problem.

        ``raw`` holds the original fields of exactly those rows, in the same order.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        frame = pd.DataFrame({"row": rows, "problem": problem})
        if raw is not None:
            raw = raw.reset_index(drop=True).astype("string")
            raw = raw.drop(columns=[c for c in ("row", "problem") if c in raw.columns])
            frame = pd.concat([frame, raw], axis=1)
        self._rejected.append(frame)

    @property
    def rejected(self) -> pd.DataFrame:
        if not self._rejected:
            return pd.DataFrame({"row": pd.Series(dtype="int64"),
                                 "problem": pd.Series(dtype="string")})
        frame = pd.concat(self._rejected, ignore_index=True)
        # one line per row: a row with two problems lists both
        both = _("; ").join
        frame = (frame.groupby("row", sort=True, as_index=False)
                 .agg({c: (both if c == "problem" else "first") for c in frame.columns
                       if c != "row"}))
        return frame

    @property
    def n_rejected(self) -> int:
        return 0 if not self._rejected else int(self.rejected["row"].nunique())

    def error(self) -> InputError:
        """The error to raise when rejects were not accepted: names the first bad rows."""
        rej = self.rejected
        first = rej.iloc[0]
        if len(rej) == 1:
            return InputError(self.file, str(first["problem"]), row=int(first["row"]))
        listed = _("; ").join(_("row {row}: {problem}").format(row=int(r.row), problem=r.problem)
                              for r in rej.head(_MAX_ROWS_IN_MESSAGE).itertuples())
        more = len(rej) - _MAX_ROWS_IN_MESSAGE
        if more > 0:
            listed += _("; and {more} more rows").format(more=more)
        return InputError(self.file, _("{bad} bad rows of {total} ({listed}); nothing was "
                                       "imported. Fix them, or accept a report of rejected "
                                       "rows with --accept-rejects REPORT.csv").format(
                                           bad=len(rej), total=self.rows_read, listed=listed))

    def raise_if_rejected(self) -> None:
        if self._rejected:
            raise self.error()

    def write_rejects(self, path: str | Path) -> Path:
        """Write the rejected rows as UTF-8 CSV (with BOM, so Excel shows Chinese).

        The first columns (file, row, problem) are headed in the current language (文件, 行号,
        问题 in Chinese); the row's own fields follow under the file's headers.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        rej = self.rejected
        header = {column: _(text) for column, text in _REJECTS_HEADERS.items()}
        own = pd.DataFrame({header["file"]: self.file, header["row"]: rej["row"],
                            header["problem"]: rej["problem"]})
        fields = rej.drop(columns=["row", "problem"])  # may repeat a header: kept as found
        pd.concat([own, fields], axis=1).to_csv(path, index=False, encoding="utf-8-sig")
        return path
