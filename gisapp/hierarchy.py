"""The grid chain of a point, a grid or a source at every level (district -> street ->
community -> key enterprise), with the persons responsible for each grid on a date.

Assignments are valid from ``valid_from`` to ``valid_to``, both inclusive local dates
(YYYY-MM-DD); an empty ``valid_to`` means still valid, an empty ``valid_from`` always was.

>>> import geopandas as gpd, pandas as pd, shapely
>>> grids = gpd.GeoDataFrame({"grid_code": ["D", "D1"], "name": ["区", "街道"], "level": [1, 2],
...     "parent_code": [None, "D"], "kind": ["district", "street"]},
...     geometry=[shapely.box(0, 0, 2, 2), shapely.box(0, 0, 1, 2)])
>>> assignments = pd.DataFrame({"grid_code": ["D1", "D1"], "role": ["inspector", "inspector"],
...     "inspector_id": ["W1", "W2"], "person_name": ["张三", "李四"], "phone": ["", ""],
...     "valid_from": ["2026-01-01", "2026-10-16"], "valid_to": ["2026-10-15", None]})
>>> hierarchy = GridHierarchy(grids, assignments)
>>> [(link.level, link.name, link.names("inspector")) for link in
...  hierarchy.chain_at(0.5, 1.0, dt.date(2026, 10, 20))]
[(1, '区', []), (2, '街道', ['李四'])]
>>> hierarchy.inspector_grids("W1", dt.date(2026, 10, 1), dt.date(2026, 10, 31))
['D1']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from gisapp.schema import ASSIGNMENT_ROLES

INSPECTOR_ROLE = "inspector"


@dataclass(frozen=True)
class Person:
    """One assignment of a person to a grid in a role (schema.ASSIGNMENT_ROLES)."""

    role: str
    name: str
    phone: str = ""
    inspector_id: str = ""


@dataclass(frozen=True)
class GridLink:
    """One grid of a chain with the persons responsible for it on the chain's date."""

    level: int
    grid_code: str
    name: str
    kind: str
    persons: tuple[Person, ...] = ()

    def names(self, role: str) -> list[str]:
        """The names of the persons in ``role``, in assignment order."""
        return [p.name for p in self.persons if p.role == role]


class GridHierarchy:
    """Grids with their parents, geometry and assignments, indexed once for many questions and
    kept up to date with ``update_grids`` and ``set_assignments`` as the project is edited."""

    def __init__(self, grids: pd.DataFrame, assignments: pd.DataFrame):
        self.parent: dict[str, str] = {}
        self._children: dict[str, list[str]] = {}
        self.update_grids(grids)
        self.set_assignments(assignments)

    def update_grids(self, grids: pd.DataFrame, changed=None) -> None:
        """Take the edited grid table; ``changed``: the codes of the rows added, changed or
        deleted since the last one (None: any row may have changed).

        >>> import geopandas as gpd
        >>> grids = gpd.GeoDataFrame({"grid_code": ["D", "D1"], "name": ["区", "街道"],
        ...     "level": [1, 2], "parent_code": [None, "D"]},
        ...     geometry=[shapely.box(0, 0, 2, 2), shapely.box(0, 0, 1, 2)])
        >>> hierarchy = GridHierarchy(grids, pd.DataFrame())
        >>> grids.loc[2] = ["D2", "新街道", 2, "D", shapely.box(1, 0, 2, 2)]
        >>> hierarchy.update_grids(grids, {"D2"})
        >>> hierarchy.subtree("D"), hierarchy.grids_at(1.5, 1.0)
        (['D', 'D1', 'D2'], ['D', 'D2'])
        """
        self._read_columns(grids)
        if changed is None:
            self.parent, self._children = {}, {}
            self._link_parents(self.codes, _text_column(grids, "parent_code"))
        else:
            self._unlink_parents(changed)
            rows = self._rows_of(changed)
            self._link_parents(self.codes[rows], _text_column(grids, "parent_code", rows))
        self._tree = self._bounds = None  # built when first asked

    def set_assignments(self, assignments: pd.DataFrame) -> None:
        """Take the edited assignments table."""
        self._assignments = _normalised(assignments)

    @property
    def names(self) -> np.ndarray:
        if self._names is None:
            self._names = _text_column(self._grids, "name")
        return self._names

    @property
    def kinds(self) -> np.ndarray:
        if self._kinds is None:
            self._kinds = _text_column(self._grids, "kind")
        return self._kinds

    @property
    def tree(self) -> shapely.STRtree:
        """The grids' geometry (in table order) for spatial queries."""
        if self._tree is None:
            self._tree = shapely.STRtree(self._geometry)
        return self._tree

    def _read_columns(self, grids: pd.DataFrame) -> None:
        self._grids = grids
        self.codes = grids["grid_code"].astype(str).to_numpy(dtype=object)
        self.levels = grids["level"].to_numpy(np.int64)
        self._row = dict(zip(self.codes.tolist(), range(len(self.codes))))
        self._geometry = np.asarray(grids.geometry.values, dtype=object)
        self._names = self._kinds = None  # read when first asked

    def _rows_of(self, codes) -> np.ndarray:
        """The rows of these codes in table order (every row of a repeated code)."""
        if len(self._row) == len(self.codes):
            return np.array(sorted(self._row[c] for c in codes if c in self._row), np.int64)
        return np.flatnonzero(pd.Series(self.codes).isin(list(codes)).to_numpy(bool))

    def _link_parents(self, codes, parents) -> None:
        for child, parent in zip(codes, parents):
            if parent and parent != child:
                if child in self.parent:  # a repeated code: its last row with a parent wins
                    self._unlink_parents([child])
                self.parent[child] = parent
                self._children.setdefault(parent, []).append(child)

    def _unlink_parents(self, codes) -> None:
        for child in codes:
            parent = self.parent.pop(child, None)
            if parent is not None:
                siblings = self._children[parent]
                siblings.remove(child)
                if not siblings:
                    del self._children[parent]

    def __contains__(self, grid_code: str) -> bool:
        return grid_code in self._row

    # ---- chains ----------------------------------------------------------------------------
    def grids_at(self, lon: float, lat: float) -> list[str]:
        """The grid containing the point at each level (boundaries included), coarsest
        first; at most one per level (the lowest code where neighbours share a boundary)."""
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        by_level: dict[int, str] = {}
        for i in sorted(hits, key=lambda i: (self.levels[i], self.codes[i])):
            by_level.setdefault(int(self.levels[i]), str(self.codes[i]))
        return [by_level[level] for level in sorted(by_level)]

    def grids_inside(self, box) -> list[str]:
        """The grids lying wholly inside ``box`` (lon/lat), in table order."""
        rows = self.tree.query(box, predicate="contains")
        return [str(self.codes[i]) for i in sorted(rows)]

    def bounds(self, grid_codes) -> tuple[float, float, float, float] | None:
        """The lon/lat bounds (xmin, ymin, xmax, ymax) of the grids; None if none is known."""
        rows = [self._row[c] for c in grid_codes if c in self._row]
        if not rows:
            return None
        if self._bounds is None:
            self._bounds = shapely.bounds(self._geometry)
        b = self._bounds[rows]
        return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()),
                float(b[:, 3].max()))

    def chain_at(self, lon: float, lat: float, on: dt.date) -> list[GridLink]:
        """The grids containing the point at every level, coarsest first, with the persons
        responsible for each on ``on``."""
        return [self.link(code, on) for code in self.grids_at(lon, lat)]

    def chain_of(self, grid_code: str, on: dt.date) -> list[GridLink]:
        """``grid_code`` and its ancestors (through parent_code), coarsest first."""
        if grid_code not in self._row:
            return []
        return [self.link(code, on) for code in reversed(self.ancestry(grid_code))]

    def ancestry(self, grid_code: str) -> list[str]:
        """``grid_code``, its parent, its grandparent ... (a loop in the data stops it)."""
        chain = [grid_code]
        while chain[-1] in self.parent and self.parent[chain[-1]] not in chain:
            chain.append(self.parent[chain[-1]])
        return chain

    def link(self, grid_code: str, on: dt.date) -> GridLink:
        i = self._row[grid_code]
        return GridLink(int(self.levels[i]), grid_code, str(self.names[i]), str(self.kinds[i]),
                        self.persons(grid_code, on))

    def persons(self, grid_code: str, on: dt.date) -> tuple[Person, ...]:
        """Everyone assigned to ``grid_code`` on ``on``, in schema role order."""
        a = self._valid(self._assignments, on, on)
        a = a[a["grid_code"] == grid_code]
        return tuple(Person(r.role, r.person_name, r.phone, r.inspector_id)
                     for r in a.itertuples(index=False))

    # ---- trees and assignments -------------------------------------------------------------
    def subtree(self, grid_code: str) -> list[str]:
        """``grid_code`` and all its descendants, depth first."""
        out, todo = [], [grid_code]
        while todo:
            code = todo.pop()
            if code in out:
                continue
            out.append(code)
            todo.extend(sorted(self._children.get(code, []), reverse=True))
        return out

    def geometry(self, grid_code: str):
        return self._geometry[self._row[grid_code]]

    def name(self, grid_code: str) -> str:
        return str(self.names[self._row[grid_code]]) if grid_code in self._row else ""

    def inspector_grids(self, inspector_id: str, start: dt.date, end: dt.date) -> list[str]:
        """Grids ``inspector_id`` is assigned to as inspector on some day of [start, end]
        (inclusive), sorted."""
        a = self._valid(self._assignments, start, end)
        a = a[(a["role"] == INSPECTOR_ROLE) & (a["inspector_id"] == inspector_id)]
        return sorted(set(a["grid_code"]))

    def grid_inspectors(self, grid_code: str, start: dt.date, end: dt.date) -> list[str]:
        """Inspectors assigned to ``grid_code`` or one of its descendants on some day of
        [start, end], sorted."""
        a = self._valid(self._assignments, start, end)
        a = a[(a["role"] == INSPECTOR_ROLE) & a["grid_code"].isin(self.subtree(grid_code))
              & (a["inspector_id"] != "")]
        return sorted(set(a["inspector_id"]))

    def grids_of_inspectors(self, start: dt.date, end: dt.date) -> dict[str, list[str]]:
        """inspector_id -> the grids assigned to him as inspector in [start, end]."""
        a = self._valid(self._assignments, start, end)
        a = a[(a["role"] == INSPECTOR_ROLE) & (a["inspector_id"] != "")]
        return {str(i): sorted(set(g)) for i, g in a.groupby("inspector_id")["grid_code"]}

    def sources_in(self, sources: pd.DataFrame, grid_code: str) -> np.ndarray:
        """Rows of ``sources`` whose grid_code or key_grid_code lies in the subtree."""
        codes = self.subtree(grid_code)
        inside = sources["grid_code"].astype("string").isin(codes).fillna(False).to_numpy(bool)
        if "key_grid_code" in sources:
            inside = inside | (sources["key_grid_code"].astype("string").isin(codes)
                               .fillna(False).to_numpy(bool))
        return np.flatnonzero(inside)

    @staticmethod
    def _valid(a: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
        # ISO dates compare as strings; "" = open end
        first, last = start.isoformat(), end.isoformat()
        return a[(a["valid_from"] <= last) & ((a["valid_to"] == "") | (a["valid_to"] >= first))]


def source_chain(hierarchy: GridHierarchy, source: pd.Series | dict, on: dt.date,
                 ) -> list[GridLink]:
    """The chain of a source: its key-enterprise grid (if it is one) and every grid above it,
    else its own grid and above; by the codes it carries, not by its position."""
    key = _text(source.get("key_grid_code"))
    home = _text(source.get("grid_code"))
    for code in (key, home):
        if code and code in hierarchy:
            return hierarchy.chain_of(code, on)
    return []


def _normalised(assignments: pd.DataFrame) -> pd.DataFrame:
    """Assignments with text columns ('' for missing), in schema role order."""
    columns = ["grid_code", "role", "inspector_id", "person_name", "phone", "valid_from",
               "valid_to"]
    frame = pd.DataFrame({c: (assignments[c].astype("string").fillna("").astype(str)
                              .to_numpy(dtype=object) if c in assignments
                              else np.full(len(assignments), "", object))
                          for c in columns})
    frame["valid_from"] = frame["valid_from"].str.slice(0, 10)
    frame["valid_to"] = frame["valid_to"].str.slice(0, 10)
    order = pd.Index(list(ASSIGNMENT_ROLES)).get_indexer(frame["role"].to_numpy(dtype=object))
    order[order < 0] = len(ASSIGNMENT_ROLES)
    return frame.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


def _text_column(frame: pd.DataFrame, column: str, rows=None) -> np.ndarray:
    """A column (at ``rows``) as str objects, '' for missing values (or no such column)."""
    if column not in frame:
        return np.full(len(frame) if rows is None else len(rows), "", object)
    values = frame[column] if rows is None else frame[column].iloc[rows]
    return values.astype("string").fillna("").to_numpy(dtype=object)


def _text(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)
