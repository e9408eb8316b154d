"""Address suggestions while one types: '104 nguyen dinh' → the houses and streets that text may become.

The forward geocoder (``households.geocode``) reads a whole address; a search box sees half of one.
Suggestions come from the same in-memory index, so they cost dictionary look-ups, not queries:

- the text is folded (accents, đ, case: 'nguyen dinh chieu' finds 'Nguyễn Đình Chiểu');
- a leading house number, deep alleys included ('123/4/5a'), is a prefix of the numbers offered:
  '12' offers 12, 12A, 12/1, 12/1/3 …, in the street's natural order;
- the rest is the start of any word of a street's name ('dinh chieu' finds 'Nguyễn Đình Chiểu');
- after a comma, a ward, today's or a pre-merger one ('Phường 2, Quận 3'), narrows the streets to
  today's ward that replaced it;
- a whole address the geocoder places at a house or an alley comes first, as it would be found.
"""

from __future__ import annotations

import re

from gisportal.text import fold
from households.addresses.geocode import GeocodeIndex, Match, get_index
from households.addresses.parser import AddressError, parse_address

MIN_CHARS = 2  # fewer than this many letters of street name suggest nothing: every street would match
_NUMBER = re.compile(r"^\s*([0-9][0-9a-z/]*)(?:\s+|$)")
_DIGITS = re.compile(r"(\d+)")
# The house numbers of each street in natural order, per index (rebuilt with it when the data changes).
_by_street: list[tuple[GeocodeIndex, dict[int, list[int]]]] = []


def _natural(number: str) -> list:
    """'12/3A' → [12, '/', 3, 'A']: 2 before 10, 12 before 12A before 12/1."""
    return [int(p) if p.isdigit() else p for p in _DIGITS.split(number) if p]


def _houses_of(index: GeocodeIndex) -> dict[int, list[int]]:
    if _by_street and _by_street[0][0] is index:
        return _by_street[0][1]
    by: dict[int, list[int]] = {}
    for i, sid in enumerate(index.h_street.tolist()):
        by.setdefault(sid, []).append(i)
    for members in by.values():
        members.sort(key=lambda i: _natural(index.h_number[i]))
    _by_street[:] = [(index, by)]
    return by


def _wards_named(index: GeocodeIndex, places: list[str]) -> set[int]:
    """Today's wards that the text after the first comma names ('phuong 2, quan 3'); empty when none."""
    if not places:
        return set()
    district = places[1] if len(places) > 1 else None
    wards, _confidence = index.wards.resolve(places[0], district)
    return wards


def _streets_matching(index: GeocodeIndex, text: str, wards: set[int]) -> list[int]:
    """Streets whose folded name has a word starting with ``text``; names starting with it first."""
    needle = " " + text
    found = []
    for sid, street in index.streets.items():
        if wards and street.ward not in wards:
            continue
        name = " " + fold(street.name)
        at = name.find(needle)
        if at >= 0:
            found.append((at != 0, street.name, sid))
    return [sid for _later, _name, sid in sorted(found)]


def suggest(text: str, wards: set[int] | None = None, limit: int = 8) -> list[Match]:
    """Places the typed text may lead to, best first, at most ``limit``; ``wards`` restricts them."""
    index = get_index()
    folded = fold(text).strip()
    head, *places = [part.strip() for part in folded.split(",")]
    named = _wards_named(index, [p for p in places if p])
    scope = (set(wards) & named if named else set(wards)) if wards else named
    out: list[Match] = []
    seen: set[tuple] = set()

    def add(match: Match) -> None:
        key = (match.house_number_id, match.street_id if match.house_number_id is None else None)
        if key not in seen and len(out) < limit:
            seen.add(key)
            out.append(match)

    # A whole address, as the geocoder reads it (misspellings, abbreviations, old ward names).
    try:
        parsed = parse_address(text)
        for m in index.match_text(text, parsed, wards, limit):
            if m.level in ("house", "alley"):
                add(m)
    except AddressError:
        pass

    number = None
    if lead := _NUMBER.match(head):
        number, head = lead[1].upper(), head[lead.end() :]
    head = re.sub(r"^(duong|d\.)\s*", "", head).strip() or head.strip()
    if len(head.replace(" ", "")) < MIN_CHARS:
        return out
    streets = _streets_matching(index, head, scope)
    houses = _houses_of(index) if number else {}
    for sid in streets:
        if len(out) >= limit:
            break
        if number is None:
            street = index.streets[sid]
            add(index._result("street", 0.45, sid, None, (street.lon, street.lat)))
            continue
        members = houses.get(sid, [])
        exact = [i for i in members if index.h_number[i] == number]
        deeper = [i for i in members if index.h_number[i] != number and index.h_number[i].startswith(number)]
        for i in exact + deeper:
            if len(out) >= limit:
                break
            level = "house" if i in exact else "alley"
            add(index._result(level, 1.0 if level == "house" else 0.75, sid, i, ()))
    return out
