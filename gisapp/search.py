"""Find grids, sources and inspectors by name, code or pinyin (full or initials).

Chinese names are matched through pypinyin: ``"cql"`` (initials) and ``"changquan"`` (full
pinyin, no spaces) both find 昌泉路街道. Initials accept every reading of a polyphonic
character (重 is z or c); full pinyin uses pypinyin's phrase-aware reading.

>>> index = SearchIndex([Entry("grid", "410199001", "昌泉路街道", "410199001"),
...                      Entry("source", "S1", "重庆火锅店", "S1")])
>>> [hit.key for hit in index.search("cqljd")]
['410199001']
>>> [hit.key for hit in index.search("chongqing")], [hit.key for hit in index.search("zqhg")]
(['S1'], ['S1'])
>>> [hit.key for hit in index.search("4101")]
['410199001']
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from pypinyin import Style, lazy_pinyin, pinyin

KINDS = ("grid", "inspector", "source")  # equally good hits are listed in this order
ID_COLUMNS = {"grid": "grid_code", "source": "source_id", "inspector": "inspector_id"}

# how well a hit matches, best first
_EXACT, _NAME_PREFIX, _NAME_CONTAINS, _SPELLED, _INITIALS_PREFIX, _PINYIN_PREFIX, \
    _INITIALS_CONTAINS, _PINYIN_CONTAINS, _CODE_CONTAINS = range(9)


@dataclass(frozen=True)
class Entry:
    """Something that can be found: ``kind`` (one of KINDS), its id (``key``), its name and a
    short description shown beside it (its code, category ...)."""

    kind: str
    key: str
    name: str
    detail: str = ""


@dataclass(frozen=True)
class SearchHit:
    entry: Entry
    rank: int  # lower is better

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def key(self) -> str:
        return self.entry.key

    @property
    def name(self) -> str:
        return self.entry.name


@dataclass
class _Keys:
    key: str
    name: str
    pinyin: str                      # full pinyin, no spaces
    initials: str                    # the initials of that reading
    alternatives: list[frozenset] = field(default_factory=list)  # per character, all initials


class SearchIndex:
    """An index of entries, built once (a few milliseconds per thousand names) and kept up to
    date with ``replace`` as rows are edited; its answers never depend on the order in which
    entries came in.

    >>> index = SearchIndex([Entry("grid", "G1", "西街道"), Entry("grid", "G2", "东街道")])
    >>> index.replace("grid", ["G1", "G3"], [Entry("grid", "G3", "西一社区")])
    >>> [hit.key for hit in index.search("jd")], [hit.key for hit in index.search("xi")]
    (['G2'], ['G3'])
    """

    def __init__(self, entries: list[Entry]):
        self._reset(entries)

    @classmethod
    def of_tables(cls, grids: pd.DataFrame, sources: pd.DataFrame,
                  inspectors: pd.DataFrame) -> SearchIndex:
        """Every grid, source and inspector of a project's tables."""
        return cls([*entries_of("grid", grids), *entries_of("source", sources),
                    *entries_of("inspector", inspectors)])

    @property
    def entries(self) -> list[Entry]:
        return [entry for entry in self._entries if entry is not None]

    def __len__(self) -> int:
        return len(self._entries) - self._dropped

    def replace(self, kind: str, keys, entries) -> None:
        """Drop the entries of ``kind`` with these keys (None: all of that kind), then add
        ``entries`` (what the rows of those keys are now; none for deleted rows)."""
        if keys is None:
            keys = [key for k, key in self._at if k == kind]
        for key in keys:
            for at in self._at.pop((kind, str(key)), ()):
                self._entries[at] = self._keys[at] = None
                self._dropped += 1
        self._add(entries)
        if self._dropped > len(self._entries) // 2:
            self._reset(self.entries)

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """The entries matching ``query``, best first (then by kind, shorter names first,
        then by key)."""
        q = query.strip().lower()
        if not q:
            return []
        letters = "".join(q.split()).replace("'", "")
        hits = []
        for entry, keys in zip(self._entries, self._keys):
            if entry is not None:
                rank = _rank(q, letters, keys)
                if rank is not None:
                    hits.append(SearchHit(entry, rank))
        return heapq.nsmallest(limit, hits, key=_order)

    def _reset(self, entries) -> None:
        self._entries: list[Entry | None] = []  # None: dropped by ``replace``
        self._keys: list[_Keys | None] = []
        self._at: dict[tuple[str, str], tuple[int, ...]] = {}  # (kind, key) -> positions
        self._dropped = 0
        self._add(entries)

    def _add(self, entries) -> None:
        at = self._at
        for entry in entries:
            key = (entry.kind, entry.key)
            at[key] = at.get(key, ()) + (len(self._entries),)
            self._entries.append(entry)
            self._keys.append(_keys(entry))


def entries_of(kind: str, table: pd.DataFrame, keys=None) -> list[Entry]:
    """The entries of ``kind`` for the rows of ``table`` (only those with an id in ``keys``).

    >>> table = pd.DataFrame({"source_id": ["S1", "S2"], "name": ["工地", None]})
    >>> entries_of("source", table, {"S2"})
    [Entry(kind='source', key='S2', name='', detail='S2')]
    """
    ids, names = table[ID_COLUMNS[kind]], table["name"]
    if keys is not None:
        keys = set(keys)
        wanted = ids.astype(str).isin(list(keys)).to_numpy(bool, copy=True)
        missing = ids.isna().to_numpy(bool)
        if missing.any():  # a missing id is keyed by its str(), as the entries carry it
            wanted[missing] = [str(v) in keys for v in ids[missing].to_numpy(dtype=object)]
        ids, names = ids[wanted], names[wanted]
    return [Entry(kind, str(key), _text(name), str(key)) for key, name in
            zip(ids.to_numpy(dtype=object), names.to_numpy(dtype=object))]


def _order(hit: SearchHit) -> tuple:
    # every field of the entry breaks ties, so equal hits come in one order however the
    # index was built
    entry = hit.entry
    return (hit.rank, KINDS.index(entry.kind) if entry.kind in KINDS else 9, len(entry.name),
            entry.key, entry.name, entry.detail)


def _rank(q: str, letters: str, k: _Keys) -> int | None:
    if q == k.key or q == k.name:
        return _EXACT
    if k.name.startswith(q) or k.key.startswith(q):
        return _NAME_PREFIX
    if q in k.name:
        return _NAME_CONTAINS
    if letters.isascii() and letters.isalnum():
        at = _initials_at(letters, k)
        if letters == k.pinyin or (at == 0 and len(letters) == len(k.initials)):
            return _SPELLED  # the whole name, in full pinyin or in initials
        if at == 0:
            return _INITIALS_PREFIX
        if k.pinyin.startswith(letters):
            return _PINYIN_PREFIX
        if at is not None:
            return _INITIALS_CONTAINS
        if len(letters) >= 2 and letters in k.pinyin:
            return _PINYIN_CONTAINS
    if len(q) >= 3 and q in k.key:
        return _CODE_CONTAINS
    return None


def _initials_at(letters: str, k: _Keys) -> int | None:
    """Where ``letters`` match consecutive initials (any reading of each character)."""
    found = k.initials.find(letters)
    if found >= 0:
        return found
    if not k.alternatives:
        return None
    n = len(letters)
    for start in range(len(k.alternatives) - n + 1):
        if all(letters[j] in k.alternatives[start + j] for j in range(n)):
            return start
    return None


def _keys(entry: Entry) -> _Keys:
    return _keys_of(entry.key, entry.name)


@lru_cache(maxsize=1 << 16)  # an edited project's index is rebuilt with mostly the same names
def _keys_of(key: str, name: str) -> _Keys:
    name = name.lower()
    chars = [c for c in name if not c.isspace()]
    readings = lazy_pinyin("".join(chars), errors=lambda text: list(text))
    # lazy_pinyin gives one reading per Chinese character and one item per other character
    if len(readings) != len(chars):
        readings = [lazy_pinyin(c, errors=lambda text: list(text))[0] for c in chars]
    initials = "".join(r[0] for r in readings if r)
    alternatives = []
    polyphonic = False
    for char, reading in zip(chars, readings):
        options = {reading[0]} if reading else set()
        if _is_cjk(char):
            for other in pinyin(char, style=Style.FIRST_LETTER, heteronym=True)[0]:
                if other and other[0].isascii():
                    options.add(other[0].lower())
        polyphonic |= len(options) > 1
        alternatives.append(frozenset(options))
    return _Keys(key.lower(), name, "".join(readings), initials,
                 alternatives if polyphonic else [])


def _is_cjk(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _text(value) -> str:
    missing = value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
    return "" if missing else str(value)
