"""Changes: which tables and rows an edit or import touched, so views redraw only those.

Modelled on Anki's ``OpChanges``: every mutation returns one, the undo stack passes it on, and
each view looks only at the tables it shows.

>>> split = Changes({"grids": {"410199001001", "410199001013"}}, geometry_changed=True)
>>> moved = Changes({"sources": {"S00001"}})
>>> both = split | moved
>>> sorted(both.tables), both.geometry_changed
(['grids', 'sources'], True)
>>> sorted(both.ids_in("grids"))
['410199001001', '410199001013']
>>> both.touches("inspectors"), bool(Changes())
(False, False)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Changes:
    """Tables touched, the ids touched in each (as strings), and whether any geometry changed.

    ``ids`` maps a table name to the ids of its rows that were added, changed or deleted; a
    table may be listed in ``tables`` with no ids (for example "all rows may have changed").
    """

    ids: Mapping[str, Iterable[str]] = field(default_factory=dict)
    geometry_changed: bool = False
    tables: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        ids = {str(t): frozenset(str(i) for i in v) for t, v in dict(self.ids).items()}
        object.__setattr__(self, "ids", MappingProxyType(ids))
        object.__setattr__(self, "tables", frozenset(self.tables) | frozenset(ids))
        object.__setattr__(self, "geometry_changed", bool(self.geometry_changed))

    def __hash__(self) -> int:
        return hash((self.tables, frozenset(self.ids.items()), self.geometry_changed))

    def __bool__(self) -> bool:
        return bool(self.tables) or self.geometry_changed

    def __or__(self, other: Changes) -> Changes:
        return self.union(other)

    def union(self, other: Changes) -> Changes:
        """Everything either of the two touched."""
        ids = {t: set(v) for t, v in self.ids.items()}
        for table, values in other.ids.items():
            ids.setdefault(table, set()).update(values)
        return Changes(ids, self.geometry_changed or other.geometry_changed,
                       self.tables | other.tables)

    def touches(self, table: str) -> bool:
        return table in self.tables

    def ids_in(self, table: str) -> frozenset[str]:
        return self.ids.get(table, frozenset())
