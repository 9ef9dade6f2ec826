"""Text encodings of Chinese files: decode strictly as UTF-8, then GB18030, and find what breaks.

GB18030 is the superset of GBK and GB2312, so one attempt covers the three. Decoding is strict:
a file is never read with replacement characters, because a wrong guess would otherwise turn
every Chinese name into mojibake without a word.
"""

from __future__ import annotations

from collections.abc import Sequence

from gisapp.i18n import _

TEXT_ENCODINGS = ("utf-8", "gb18030")
_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030/GBK", "utf-16": "UTF-16"}


def label(encoding: str) -> str:
    """How an encoding is named to a person.

    >>> label("gb18030")
    'GB18030/GBK'
    """
    return _LABELS.get(encoding, encoding)


def decode_strict(data: bytes, encodings: Sequence[str] = TEXT_ENCODINGS
                  ) -> tuple[str, str] | None:
    """``(text, encoding)`` for the first encoding that decodes all of ``data``, else None.

    >>> decode_strict("中原区".encode("gbk"))
    ('中原区', 'gb18030')
    >>> decode_strict(b"caf\\xe9") is None
    True
    """
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def locate_undecodable(items: Sequence[bytes], encodings: Sequence[str] = TEXT_ENCODINGS
                       ) -> tuple[int, str]:
    """``(index, problem)`` naming the item that keeps ``items`` from having one encoding.

    Call it only once the whole text failed to decode: either one item decodes with none of
    the encodings, or the items mix encodings (each decodes, but not all with the same one).

    >>> index, problem = locate_undecodable([b"ok", b"caf\\xe9"])
    >>> index
    1
    >>> print(problem)
    text "caf\\xe9" is neither UTF-8 nor GB18030/GBK
    >>> locate_undecodable(["名".encode("utf-8"), "名".encode("gbk")])
    (1, 'text mixes encodings: this row is not UTF-8, but an earlier row is not GB18030/GBK')
    """
    first_failure: dict[str, int] = {}
    for index, item in enumerate(items):
        failed = []
        for encoding in encodings:
            try:
                item.decode(encoding)
            except UnicodeDecodeError:
                failed.append(encoding)
                first_failure.setdefault(encoding, index)
        if len(failed) == len(encodings):
            shown = item.decode("utf-8", errors="backslashreplace")
            names = [label(e) for e in encodings]
            if len(names) == 2:
                return index, _('text "{text}" is neither {first} nor {second}').format(
                    text=shown, first=names[0], second=names[1])
            return index, _('text "{text}" is not {encodings}').format(
                text=shown, encodings=_(", ").join(names))
        if len(first_failure) == len(encodings):
            other = next(e for e in encodings if e not in failed)
            return index, _("text mixes encodings: this row is not {encoding}, but an earlier "
                            "row is not {other}").format(encoding=label(failed[0]),
                                                         other=label(other))
    raise ValueError("every item decodes with one encoding; nothing to locate")
