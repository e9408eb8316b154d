"""Ward names as addresses write them → today's wards, pre-merger names through ``AdminUnit.successor``.

'Phường 2, Quận 3' names a ward merged away on 1 July 2025: its unit carries ``valid_to`` and a
``successor``, which leads to today's ward. Numbered wards repeat across the old districts, so a
district in the address narrows the choice; without one, every ward of that name stays a candidate.
A ward split in 2025 ('Phường 4, Quận 3' → Bàn Cờ and Xuân Hòa, ``AdminUnit.successors``) leads to
all its successors: the street, the number or the point decides, and a caller left with two says so.
An old code leads the same way (``by_codes``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from gisportal.errors import InvalidInput
from gisportal.params import is_whole
from gisportal.text import fold, nfc
from households.addresses import fuzzy
from households.addresses.parser import AddressError, parse_address
from layers.models import AdminUnit

_LEVEL_WORDS = ("phuong ", "xa ", "thi tran ", "dac khu ")


@dataclass
class WardNames:
    by_key: dict[str, list[tuple[str | None, int]]] = field(default_factory=dict)  # key → [(district key, ward)]
    by_code: dict[str, int] = field(default_factory=dict)  # a code → today's ward (one: the first successor)
    by_codes: dict[str, set[int]] = field(default_factory=dict)  # a code → every ward of today it leads to
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

        nexts: dict[int, list[int]] = defaultdict(list)
        for unit in units.values():
            if unit["successor_id"]:
                nexts[unit["id"]].append(unit["successor_id"])
        through = AdminUnit.successors.through.objects.filter(from_adminunit__level=AdminUnit.Level.WARD)
        for a, b in through.values_list("from_adminunit_id", "to_adminunit_id"):
            if b not in nexts[a]:
                nexts[a].append(b)

        def currents(unit_id: int) -> list[int]:
            """Today's wards a unit leads to, first successor first; a loop in bad data must not hang."""
            found, frontier = [], [unit_id]
            for _ in range(6):  # a chain of mergers is short
                following = []
                for uid in frontier:
                    unit = units.get(uid)
                    if unit is None:
                        continue
                    if unit["valid_from"] <= day and (unit["valid_to"] is None or unit["valid_to"] >= day):
                        found += [uid] if uid not in found else []
                    else:
                        following += nexts.get(uid, [])
                if not following:
                    break
                frontier = following
            return found

        names = cls()
        by_key: dict[str, list[tuple[str | None, int]]] = defaultdict(list)
        for unit in units.values():
            todays = currents(unit["id"])
            if not todays:
                continue
            district = fold(unit["parent__name"]) if unit["parent__name"] else None
            key = fold(unit["name"])
            for today in todays:
                by_key[key].append((district, today))
                for word in _LEVEL_WORDS:
                    if key.startswith(word) and not key[len(word) :].isdigit():
                        by_key[key[len(word) :]].append((district, today))  # 'Bàn Cờ' alone
            # A code is shared by a ward of today and the old ward that lent it (27154: Bàn Cờ and
            # Phường 3 of Quận 3): today's unit keeps the code.
            if unit["code"] not in names.by_code or todays == [unit["id"]]:
                names.by_code[unit["code"]] = todays[0]
                names.by_codes[unit["code"]] = set(todays)
            if todays == [unit["id"]]:
                names.names[unit["id"]] = unit["name"]
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


# --- a ward as a parameter ----------------------------------------------------------------------
# Official codes are GSO's: today's ('27154' is Phường Bàn Cờ) or a predecessor's ('27157', Phường 2 of
# Quận 3 until 30 June 2025, leads to Bàn Cờ). Names are today's ('Phường Bàn Cờ', 'Bàn Cờ') or a
# predecessor's with its old district ('Phường 2, Quận 3'). Anything that leads to more than one ward (a
# number that is one ward's id and another's code, a name repeated across old districts, a ward split
# in 2025) is refused with the candidates named, never decided by a guess.


# One value, so that it can also ride along another query (find_ward's by id).
_STAMP_SQL = """
    SELECT row(count(*), max(id), sum(version), (SELECT count(*) FROM layers_adminunit_successors),
               current_date)::text
      FROM layers_adminunit WHERE level = 'ward'"""
_cached: tuple[str, WardNames] | None = None
# Today's ward by id and the names' stamp, in one statement written out: composing it through the ORM (valid_on,
# defer, annotate) and building the unit through a raw queryset cost more than running it (1.9 against 0.7 ms,
# the name check in one ward, bench/radius.py). The boundaries are left deferred, as the ORM query left them; the
# day's test is AdminUnitQuerySet.valid_on's (tests/businesses/test_namecheck.py: merged away, not yet in force).
_WARD_FIELDS = [f.attname for f in AdminUnit._meta.concrete_fields if f.attname not in ("boundary", "boundary_3857")]
_WARD_BY_ID_SQL = f"""
SELECT {", ".join(_WARD_FIELDS)}, ({_STAMP_SQL}) AS names_stamp
  FROM layers_adminunit
 WHERE id = %(id)s AND level = 'ward' AND valid_from <= %(day)s AND (valid_to IS NULL OR valid_to >= %(day)s)"""


def _names_at(stamp: str) -> WardNames:
    global _cached
    if _cached is None or _cached[0] != stamp:
        _cached = (stamp, WardNames.load())
    return _cached[1]


def current_names() -> WardNames:
    """``WardNames.load()`` kept per process while the wards are unchanged: building it costs ~50 ms for the
    real city, the stamp (count, highest id, sum of versions, successor links, the day) one cheap query."""
    with connection.cursor() as cur:
        cur.execute(_STAMP_SQL)
        return _names_at(cur.fetchone()[0])


def find_ward(raw: object, param: str = "ward", by_id: bool = True) -> AdminUnit | None:
    """Today's ward for an id, a code (today's or a predecessor's) or a name; blank → None; else a 400."""
    text = nfc(str(raw or ""))
    if not text:
        return None
    names: WardNames | None = None
    if by_id and is_whole(text):
        # The name check's hot path asks by id: the unit and the names' stamp come in one query, and a code,
        # which goes first, is looked up in names known to be current.
        with connection.cursor() as cur:
            cur.execute(_WARD_BY_ID_SQL, {"id": int(text), "day": dt.date.today()})
            row = cur.fetchone()
        unit = None if row is None else AdminUnit.from_db(connection.alias, _WARD_FIELDS, row[:-1])
        if unit is not None:
            names = _names_at(row[-1])
            if text not in names.by_codes:
                return unit
    if names is None:
        names = current_names()
    found: set[int] = set()
    if is_whole(text):
        # A code: the id, when asked for, was probed above (it named no ward, or the number is a code, which wins).
        found |= names.by_codes.get(text, set())
    else:
        found = _by_name(text, names)
    if not found:
        raise InvalidInput(
            f"Không có phường, xã nào mã hoặc tên '{text}' (tham số {param}).",
            f"No ward or commune with id, code or name {text!r} (parameter {param}).",
            {param: text},
            code="unknown_ward",
        )
    if len(found) > 1:
        candidates = sorted(names.names.get(w, str(w)) for w in found)
        listed = ", ".join(candidates)
        raise InvalidInput(
            f"'{text}' ứng với {len(found)} phường, xã ({listed}): hãy ghi phường, xã hiện nay hoặc mã của nó.",
            f"{text!r} matches {len(found)} wards ({listed}): give today's ward or its code.",
            {param: text, "candidates": candidates},
            code="ambiguous_ward",
        )
    return AdminUnit.objects.defer("boundary", "boundary_3857").get(pk=found.pop())  # the unit, not its shapes


def _by_name(text: str, names: WardNames) -> set[int]:
    """Exact names only (a parameter is not an address typed in a hurry: no misspelling is forgiven)."""
    try:
        parsed = parse_address(text)
        ward_key, district_key = parsed.ward_key, parsed.district_key
    except AddressError:
        ward_key, district_key = None, None
    for key in filter(None, (ward_key, fold(text))):
        wards, confidence = names.resolve(key, district_key)
        if wards and confidence == 1.0:
            return wards
    return set()
