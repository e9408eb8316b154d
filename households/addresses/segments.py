"""An address cut into segments: on commas, before a component keyword inside a comma-less run, and with
a city or legacy district peeled off the end. Each segment keeps its text and its fold, character for character."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gisportal.text import fold
from households.addresses.vocabulary import (
    _ACCENTED,
    _CITY,
    _CITY_TAIL,
    _COUNTRY,
    _DISTRICTS,
    _EDGES,
    _INNER_BREAK,
    _LEVEL_TOKENS,
    _PARENTHESES,
    _POSTCODE,
    _SEPARATORS,
)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return (fold(ch) or ch)[:1] if ch.strip() else ch


class _FoldTable(dict):
    """``str.translate`` table of ``_fold_char``, filled on first sight of a character: a segment folds in
    one C-level pass instead of a Python call per character (``parse_house_number`` 51,000 → 72,000/s)."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


@dataclass
class _Seg:
    """A piece of the address: NFC text and its fold, character for character, so spans map back."""

    text: str
    key: str = ""

    def __post_init__(self) -> None:
        self.key = self.text.translate(_FOLD_TABLE)

    def typed_as(self, m: re.Match, group: str = "kw") -> bool:
        """The keyword in ``group`` was typed without accents or with its own (guards ``_ACCENTED``)."""
        word = self.text[m.start(group) : m.end(group)].lower()
        if m.group(group) == "d":  # "Đ " for đường, never a plain "D"
            return word == "đ" or m.string[m.end(group) : m.end(group) + 1] == "."
        forms = _ACCENTED.get(m.group(group))
        return forms is None or word.isascii() or word in forms

    def sub(self, start: int, end: int | None = None) -> str:
        return self.text[start:end].strip(_EDGES)


def _segments(text: str) -> list[_Seg]:
    """Split on commas, then before a component keyword inside a comma-less segment, then peel a
    comma-less city and district off the end."""
    out = []
    for piece in _SEPARATORS.split(_PARENTHESES.sub(" ", text)):
        seg = _Seg(_POSTCODE.sub("", piece.strip(_EDGES)))
        cuts = [0] + [m.start() + 1 for m in _INNER_BREAK.finditer(seg.key) if _breaks_here(seg, m)]
        out += [_Seg(seg.sub(a, b)) for a, b in zip(cuts, cuts[1:] + [None], strict=True)]
    out = [s for s in out if s.text]
    last = max((i for i, s in enumerate(out) if not (_CITY.fullmatch(s.key) or _COUNTRY.fullmatch(s.key))), default=0)
    return out[:last] + _peel(out[last]) + out[last + 1 :] if out else out


def _breaks_here(seg: _Seg, m: re.Match) -> bool:
    """Whether an ``_INNER_BREAK`` keyword starts a component.  Without accents, "quan" (Lạc Long Quân)
    and "duong" (An Dương Vương) are too common inside names to trust; "ấp" needs a number (Ấp Bắc)."""
    kw = m["kw"]
    if not kw:
        return True
    if not seg.typed_as(m):
        return False
    accented = not seg.text[m.start("kw") : m.end("kw")].isascii()
    if kw == "ap":
        return m["next"].isdigit()
    if kw == "quan":
        return accented or m["next"].isdigit()
    if kw == "xa":  # not "xa lộ" (highway) nor "cư xá" (housing estate)
        return accented or not (seg.key.startswith("lo ", m.start("next")) or seg.key[: m.start()].endswith("cu"))
    if kw == "duong":  # "123 duong Le Loi": only straight after a house number
        return accented or bool(re.search(r"\d[a-z]{0,3}/?$", seg.key[: m.start()]))
    return True


def _peel(seg: _Seg) -> list[_Seg]:
    """'Phường 5 Gò Vấp Hồ Chí Minh' → 'Phường 5', 'Gò Vấp', 'Hồ Chí Minh', unless the words left in
    front are only level words ('Thị trấn Nhà Bè', 'Phường Tân Phú' stay whole)."""
    tail: list[_Seg] = []
    # 'Phường Sài Gòn' is a ward since July 2025, not a ward word and the city: level words alone stay whole.
    if (
        (m := _CITY_TAIL.search(seg.key))
        and not _CITY.fullmatch(seg.key)
        and set(re.findall(r"[a-z0-9]+", seg.key[: m.start()])) - _LEVEL_TOKENS
    ):
        seg, tail = _Seg(seg.sub(0, m.start())), [_Seg(seg.sub(m.start()))]
    for name in _DISTRICTS:
        cut = len(seg.key) - len(name)
        if seg.key.endswith(" " + name) and set(re.findall(r"[a-z0-9]+", seg.key[:cut])) - _LEVEL_TOKENS:
            return [_Seg(seg.sub(0, cut)), _Seg(seg.sub(cut)), *tail]
    return [seg, *tail]
