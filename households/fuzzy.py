"""Closest names for misspelt ones.

``NameIndex`` answers one slip (a letter dropped, doubled, replaced, or two swapped) with a few dictionary
look-ups: every name is stored under each of its one-letter deletions, and a misspelt key meets its name
under a shared deletion (the SymSpell idea). Anything further off goes to ``closest``: a trigram
shortlist (pg_trgm's measure), then edit distance to decide. Keys are folded ('nguyen dinh chieu').
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=65536)
def trigrams(key: str) -> frozenset[str]:
    """pg_trgm's trigrams: each word padded with two spaces in front and one behind."""
    grams: set[str] = set()
    for word in key.split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(): shared trigrams over all trigrams."""
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    shared = len(ta & tb)
    return shared / (len(ta) + len(tb) - shared)


def edit_ratio(a: str, b: str, max_edits: int | None = None) -> float:
    """1 − edit distance / longer length, 1.0 for equal strings; two swapped letters count as one edit
    (optimal string alignment), the commonest slip ('Bna Co', 'Duong os 7'). With ``max_edits`` only
    the diagonal band that can stay within it is computed, and anything further off scores 0."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    k = max(len(a), len(b)) if max_edits is None else max_edits
    if abs(len(a) - len(b)) > k:
        return 0.0
    far = k + 1
    before, previous = None, [j if j <= k else far for j in range(len(b) + 1)]
    for i, ca in enumerate(a, start=1):
        lo, hi = max(1, i - k), min(len(b), i + k)
        current = [far] * (len(b) + 1)
        current[0] = i if i <= k else far
        for j in range(lo, hi + 1):
            cb = b[j - 1]
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if before is not None and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current[j] = min(cost, far)
        before, previous = previous, current
    distance = previous[-1]
    return 0.0 if distance > k else 1.0 - distance / max(len(a), len(b))


def closest(key: str, candidates: Iterable[str], floor: float = 0.75) -> tuple[str | None, float]:
    """The candidate nearest to ``key`` and its edit ratio, or (None, 0) when none reaches ``floor``.

    A typo ('nguyen dinh chiue') keeps most trigrams of its word: the five best by trigrams are
    compared by edit distance, which tells 'Võ Văn Tần' from 'Võ Văn Kiệt' where trigrams tie.
    """
    shortlist = sorted(((similarity(key, c), c) for c in candidates), reverse=True)[:5]
    best, best_ratio = None, 0.0
    for sim, cand in shortlist:
        if sim <= 0.2:
            break
        ratio = edit_ratio(key, cand)
        if ratio > best_ratio:
            best, best_ratio = cand, ratio
    return (best, best_ratio) if best_ratio >= floor else (None, 0.0)


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


class NameIndex:
    """Names, found again through one slip in a few look-ups (~20 µs where ``closest`` takes ~1 ms)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = set(names)
        self._by_deletion: dict[str, set[str]] = defaultdict(set)
        for name in self.names:
            for variant in _deletions(name):
                self._by_deletion[variant].add(name)

    def closest(self, key: str, floor: float = 0.75) -> tuple[str | None, float]:
        """Like ``closest``: the nearest name and its edit ratio, or (None, 0) below ``floor``."""
        if key in self.names:
            return key, 1.0
        deletions = _deletions(key)
        found = set(self._by_deletion.get(key, ()))  # a letter too few
        found.update(d for d in deletions if d in self.names)  # a letter too many
        for d in deletions:  # a letter replaced, or two swapped
            found.update(self._by_deletion.get(d, ()))
        if not found:
            return closest(key, self.names, floor)
        ratio, best = max((edit_ratio(key, name, max_edits=2), name) for name in found)
        return (best, ratio) if ratio >= floor else (None, 0.0)
