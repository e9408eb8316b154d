"""Ward names as addresses write them → today's wards, pre-merger names through ``AdminUnit.successor``.

'Phường 2, Quận 3' names a ward merged away on 1 July 2025: its unit carries ``valid_to`` and a
``successor``, which leads to today's ward. Numbered wards repeat across the old districts, so a
district in the address narrows the choice; without one, every ward of that name stays a candidate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from households import fuzzy
from layers.models import AdminUnit
from layers.text import fold

_LEVEL_WORDS = ("phuong ", "xa ", "thi tran ", "dac khu ")


@dataclass
class WardNames:
    by_key: dict[str, list[tuple[str | None, int]]] = field(default_factory=dict)  # key → [(district key, ward)]
    by_code: dict[str, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # today's wards
    fuzzy: fuzzy.NameIndex = field(default_factory=lambda: fuzzy.NameIndex(()))

    @classmethod
    def load(cls, day: dt.date | None = None) -> WardNames:
        day = day or dt.date.today()
        units = {
            u["id"]: u
            for u in AdminUnit.objects.filter(level=AdminUnit.Level.WARD).values(
                "id", "name", "code", "parent__name", "successor_id", "valid_from", "valid_to"
            )
        }

        def current(unit_id: int | None) -> int | None:
            for _ in range(6):  # a chain of mergers is short; a loop in bad data must not hang
                unit = units.get(unit_id)
                if unit is None:
                    return None
                if unit["valid_from"] <= day and (unit["valid_to"] is None or unit["valid_to"] >= day):
                    return unit_id
                unit_id = unit["successor_id"]
            return None

        names = cls()
        by_key: dict[str, list[tuple[str | None, int]]] = defaultdict(list)
        for unit in units.values():
            today = current(unit["id"])
            if today is None:
                continue
            district = fold(unit["parent__name"]) if unit["parent__name"] else None
            key = fold(unit["name"])
            by_key[key].append((district, today))
            for word in _LEVEL_WORDS:
                if key.startswith(word) and not key[len(word) :].isdigit():
                    by_key[key[len(word) :]].append((district, today))  # 'Bàn Cờ' alone
            names.by_code[unit["code"]] = today
            if today == unit["id"]:
                names.names[today] = unit["name"]
        names.by_key = dict(by_key)
        names.fuzzy = fuzzy.NameIndex(names.by_key)
        return names

    def resolve(self, ward_key: str | None, district_key: str | None = None) -> tuple[set[int], float]:
        """Today's wards an address's ward (and legacy district) may mean, and how sure: 1 exact, <1 misspelt."""
        if not ward_key:
            return set(), 0.0
        confidence = 1.0
        entries = self.by_key.get(ward_key)
        if entries is None:
            key, confidence = self.fuzzy.closest(ward_key, floor=0.8)
            if key is None:
                return set(), 0.0
            entries = self.by_key[key]
        if district_key:
            narrowed = {ward for district, ward in entries if district == district_key}
            if narrowed:
                return narrowed, confidence
        return {ward for _district, ward in entries}, confidence
