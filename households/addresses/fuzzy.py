"""Closest names for misspelt ones, through rapidfuzz.

The measure is the edit ratio: 1 − edit distance / longer length, where two swapped letters count as
one edit (optimal string alignment), the commonest slip ('Bna Co', 'Duong os 7'). It tells 'Võ Văn Tần'
from 'Võ Văn Kiệt' where shared trigrams tie. Keys are folded ('nguyen dinh chieu').
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA


def closest(key: str, candidates: Iterable[str], floor: float = 0.75) -> tuple[str | None, float]:
    """The candidate nearest to ``key`` and its edit ratio, or (None, 0) when none reaches ``floor``.

    Of equally near candidates the greatest in sort order wins, so the answer never depends on the
    order the candidates came in.
    """
    return _best(key, sorted(candidates, reverse=True), floor)


def _best(key: str, ordered: list[str], floor: float) -> tuple[str | None, float]:
    found = process.extractOne(key, ordered, scorer=OSA.normalized_similarity, score_cutoff=floor)
    return (found[0], found[1]) if found else (None, 0.0)


class NameIndex:
    """A fixed set of names, each found again through its misspellings (a ward's streets, the city's wards)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = set(names)
        self._ordered = sorted(self.names, reverse=True)  # ties go to the greatest name, as in ``closest``

    def closest(self, key: str, floor: float = 0.75) -> tuple[str | None, float]:
        """Like ``closest``: the nearest name and its edit ratio, or (None, 0) below ``floor``."""
        if key in self.names:
            return key, 1.0
        return _best(key, self._ordered, floor)
