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

from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
from pypinyin import Style, lazy_pinyin, pinyin

KINDS = ("grid", "inspector", "source")  # equally good hits are listed in this order

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
    """An index of entries, built once (a few milliseconds per thousand names)."""

    def __init__(self, entries: list[Entry]):
        self.entries = list(entries)
        self._keys = [_keys(e) for e in self.entries]

    @classmethod
    def of_tables(cls, grids: pd.DataFrame, sources: pd.DataFrame,
                  inspectors: pd.DataFrame) -> SearchIndex:
        """Every grid, source and inspector of a project's tables."""
        entries = [Entry("grid", str(r.grid_code), _text(r.name), str(r.grid_code))
                   for r in grids[["grid_code", "name"]].itertuples(index=False)]
        entries += [Entry("source", str(r.source_id), _text(r.name), str(r.source_id))
                    for r in sources[["source_id", "name"]].itertuples(index=False)]
        entries += [Entry("inspector", str(r.inspector_id), _text(r.name), str(r.inspector_id))
                    for r in inspectors[["inspector_id", "name"]].itertuples(index=False)]
        return cls(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """The entries matching ``query``, best first (then by kind, shorter names first)."""
        q = query.strip().lower()
        if not q:
            return []
        letters = "".join(q.split()).replace("'", "")
        hits = []
        for entry, keys in zip(self.entries, self._keys):
            rank = _rank(q, letters, keys)
            if rank is not None:
                hits.append(SearchHit(entry, rank))
        hits.sort(key=lambda h: (h.rank, KINDS.index(h.kind) if h.kind in KINDS else 9,
                                 len(h.name), h.key))
        return hits[:limit]


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
    return "" if value is None or value is pd.NA else str(value)
