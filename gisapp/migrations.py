"""Schema migrations: each step turns the tables of version N into version N+1, in memory.

Opening an old project migrates it; the file itself is rewritten only on the next save, so
opening never changes what is on disk.
"""

from __future__ import annotations

from typing import Callable

import pandas as pd

from gisapp import schema
from gisapp.errors import ProjectError

Tables = dict[str, pd.DataFrame]


def _v1_to_v2(tables: Tables) -> list[str]:
    """Version 1 had no validity dates on assignments and no record of imported files."""
    assignments = tables.get(schema.ASSIGNMENTS)
    if assignments is not None:
        if "valid_from" not in assignments.columns:
            assignments["valid_from"] = pd.Series(pd.NA, index=assignments.index,
                                                  dtype="string")
        if "valid_to" not in assignments.columns:
            assignments["valid_to"] = pd.Series(pd.NA, index=assignments.index,
                                                dtype="string")
    return ["assignments gained valid_from/valid_to (empty: valid since ever)"]


MIGRATIONS: dict[int, Callable[[Tables], list[str]]] = {1: _v1_to_v2}


def migrate(tables: Tables, version: int, file: str) -> list[str]:
    """Bring tables from ``version`` to schema.SCHEMA_VERSION; returns what was done."""
    if version > schema.SCHEMA_VERSION:
        raise ProjectError(
            f"{file}: written by a newer gisapp (schema {version}, this version reads up to "
            f"{schema.SCHEMA_VERSION}); update gisapp to open it")
    notes = []
    while version < schema.SCHEMA_VERSION:
        if version not in MIGRATIONS:
            raise ProjectError(f"{file}: no migration from schema {version}")
        notes += [f"schema {version}→{version + 1}: {n}" for n in MIGRATIONS[version](tables)]
        version += 1
    return notes
