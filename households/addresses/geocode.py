"""Forward and reverse geocoding of house numbers.

Forward: the address is read by the parser (``parse_address``), then matched against an in-memory
index of the city's live house numbers, loaded once per process and reloaded when the data changes
(a stamp of the tables' highest ids, one cheap query). The benchmark decided: a SQL query per address
costs about a millisecond, the dictionary look-up microseconds, and batch geocoding must reach
thousands of addresses a second. Levels, best first:

- ``house``: the very number on that street;
- ``alley``: the number is unknown but its alley is (123/4/5A → a house of alley 123/4, or the alley's
  entrance, house 123);
- ``street``: the street is known, not the number: the nearest number on the same side, else the street;
- ``ward``: only the ward is known: a point inside it.

Old ward names ('Phường 2, Quận 3') lead to today's ward through ``AdminUnit.successor`` (a ward split in
2025 to all its successors, ``AdminUnit.successors``: the street and number decide); misspelt
street and ward names are matched to the closest known one, at a lower score.

Scores: 1.0 for the very house in a named ward; misspelt names multiply in their edit ratio; without a
ward at most 0.9, and at most 0.72 when several wards have that street. On the benchmark's held-out
set every match scoring 0.8 or more was the right house: an import may take those without review.

Reverse: a point → the nearest live house numbers within a radius, from the indexed metric column.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
from django.db import connection

from gisportal.text import fold
from households.addresses import fuzzy
from households.addresses.parser import AddressError, HouseNumber, ParsedAddress, parse_address, street_key
from households.addresses.ward_names import WardNames

LEVELS = ("house", "alley", "street", "ward", "none")
SCORES = {"house": 1.0, "alley": 0.75, "alley_entrance": 0.7, "near_number": 0.55, "street": 0.45, "ward": 0.2}
AMBIGUOUS = 0.8  # each of several equally good places scores less
NO_WARD = 0.9  # the address named no ward (or none we know): the street alone placed it
STREET_FLOOR = 0.75  # edit ratio below which a misspelt street is not taken for a known one
_LEADING = re.compile(r"[A-Z]*(\d+)")
_HYPHENS = re.compile(r"\s+[-–]\s+(?!\d)")  # 'A - B', not '123 - 125'


@dataclass(frozen=True)
class Match:
    """A place an address may mean: level, score (0–1), the canonical address found and its point."""

    level: str
    score: float
    address: str | None = None
    lon: float | None = None
    lat: float | None = None
    house_number_id: int | None = None
    number: str | None = None
    street_id: int | None = None
    street: str | None = None
    ward_id: int | None = None
    ward: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


NONE = Match("none", 0.0)


@dataclass
class _Street:
    name: str
    ward: int
    lon: float
    lat: float
    mains: dict[int, tuple[np.ndarray, np.ndarray]]  # parity → (sorted main numbers, house indices)


class GeocodeIndex:
    """Every live house number, street and ward name, in dictionaries (about 1 s and 100 MB per 250,000)."""

    def __init__(self, stamp: tuple) -> None:
        self.stamp = stamp
        self.wards = WardNames.load()
        self.ward_point: dict[int, tuple[float, float]] = {}
        self.streets: dict[int, _Street] = {}
        # A street is known by its key ('26/3') and its whole folded name ('duong 26/3'): a typo in
        # the word "Đường" ('Đưng 26/3') is then still one letter away from something.
        self.street_at: dict[tuple[int, str], int] = {}  # (ward, key or name) → street
        self.names_of_ward: dict[int, set[str]] = defaultdict(set)
        self.streets_by_name: dict[str, list[int]] = defaultdict(list)
        self.house_at: dict[tuple[int, str], int] = {}  # (street, number) → house index
        self.alley: dict[tuple[int, str], list[int]] = defaultdict(list)  # (street, alley path) → houses
        self._load()

    def _load(self) -> None:
        with connection.cursor() as cur:
            cur.execute(_WARD_POINTS, [list(self.wards.names)])
            self.ward_point = {w: (lon, lat) for w, lon, lat in cur.fetchall()}
            cur.execute(_STREETS)
            streets = cur.fetchall()
            cur.execute(_HOUSES)
            houses = cur.fetchall()
        for sid, name, ward, lon, lat in streets:
            self.streets[sid] = _Street(name, ward, lon, lat, {})
            for variant in {street_key(name) or fold(name), fold(name)}:
                self.street_at.setdefault((ward, variant), sid)
                self.names_of_ward[ward].add(variant)
                self.streets_by_name[variant].append(sid)
        n = len(houses)
        self.h_id = np.empty(n, dtype=np.int64)
        self.h_lon = np.empty(n)
        self.h_lat = np.empty(n)
        self.h_number: list[str] = [""] * n
        self.h_address: list[str] = [""] * n
        self.h_street = np.empty(n, dtype=np.int64)
        self.h_last = np.zeros(n, dtype=np.int64)  # leading digits of the last part, for "nearest in the alley"
        front: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for i, (pk, sid, number, main, alleys, address, lon, lat) in enumerate(houses):
            self.h_id[i], self.h_street[i], self.h_lon[i], self.h_lat[i] = pk, sid, lon, lat
            self.h_number[i], self.h_address[i] = number, address
            self.house_at[(sid, number)] = i
            if alleys:
                self.alley[(sid, number.rsplit("/", 1)[0])].append(i)
                m = _LEADING.match(alleys[-1])
                self.h_last[i] = int(m[1]) if m else 0
            else:
                self.h_last[i] = main
                front[sid].append((main, i))
        self.fuzzy_ward = {w: fuzzy.NameIndex(names) for w, names in self.names_of_ward.items()}
        self.fuzzy_city = fuzzy.NameIndex(self.streets_by_name)
        for sid, pairs in front.items():
            if sid in self.streets:
                for parity in (0, 1):
                    side = sorted(p for p in pairs if p[0] % 2 == parity)
                    self.streets[sid].mains[parity] = (
                        np.array([m for m, _ in side], dtype=np.int64),
                        np.array([i for _, i in side], dtype=np.int64),
                    )

    # --- matching ------------------------------------------------------------------------------------

    def match_text(self, text: str, parsed: ParsedAddress, wards: set[int] | None, limit: int) -> list[Match]:
        """``match``, then a second reading when the first found no house: 'A - B - C' read as 'A, B, C'.

        The parser keeps hyphens (real street names hold them: 'An Phú Tây - Hưng Long'), so the
        hyphen-as-comma reading is only tried when it can only help.
        """
        matches = self.match(parsed, wards, limit)
        if (not matches or matches[0].level != "house") and _HYPHENS.search(text):
            try:
                second = self.match(parse_address(_HYPHENS.sub(", ", text)), wards, limit)
            except AddressError:
                second = []
            if second and (not matches or second[0].score > matches[0].score):
                matches = second
        return matches

    def match(self, parsed: ParsedAddress, wards: set[int] | None = None, limit: int = 5) -> list[Match]:
        """The best places for a parsed address, best first; ``wards`` restricts the search."""
        house, names_alley = parsed.house, parsed.names_alley
        if wards:
            candidate_wards, ward_conf = set(wards), 1.0
        else:
            candidate_wards, ward_conf = self.wards.resolve(parsed.ward_key, parsed.district_key)
        streets = self._streets(parsed.street_key, candidate_wards, restrict=bool(wards))
        if not streets and parsed.street_key and (split := self._known_prefix(parsed.street_key, candidate_wards)):
            # 'nguyen dinh chieu p ban co', 'nguyen dinh chieu so 12': a known street glued to what
            # the parser could not cut off (no comma, no dot); the rest is read on its own.
            known, rest = split
            extra = _parse(rest)
            if extra is not None:
                if house is None and extra.house is not None:
                    house, names_alley = extra.house, extra.names_alley
                if not candidate_wards and extra.ward_key:
                    candidate_wards, ward_conf = self.wards.resolve(extra.ward_key, parsed.district_key)
            streets = self._streets(known, candidate_wards, restrict=bool(wards))
        factor = (0.9 + 0.1 * ward_conf) if candidate_wards else NO_WARD
        if len(streets) > 1:
            factor *= AMBIGUOUS
        results = []
        for sid, street_conf in streets:
            level, score, index, point = self._in_street(sid, house, names_alley)
            results.append(self._result(level, score * street_conf * factor, sid, index, point))
        if not results:
            for ward in sorted(candidate_wards)[:limit]:
                if ward in self.ward_point:
                    lon, lat = self.ward_point[ward]
                    name = self.wards.names.get(ward)
                    score = round(SCORES["ward"] * ward_conf, 3)
                    results.append(Match("ward", score, name, lon, lat, ward_id=ward, ward=name))
        results.sort(key=lambda m: -m.score)
        return results[:limit]

    def _streets(self, key: str | None, wards: set[int], restrict: bool) -> list[tuple[int, float]]:
        """(street, confidence) candidates: exact in the named wards, then misspelt there, then city-wide."""
        if not key:
            return []
        found = [(self.street_at[(w, key)], 1.0) for w in wards if (w, key) in self.street_at]
        if found:
            return found
        if wards:
            near = [(w, *self.fuzzy_ward[w].closest(key, STREET_FLOOR)) for w in wards if w in self.fuzzy_ward]
            best = max((ratio for _w, name, ratio in near if name), default=0.0)
            if best:
                return [(self.street_at[(w, name)], ratio) for w, name, ratio in near if name and ratio == best]
            if restrict:
                return []
        # No ward, or a ward without such a street (a wrong or misread ward): the street decides.
        if key in self.streets_by_name:
            return [(sid, 1.0 if not wards else 0.85) for sid in self.streets_by_name[key]]
        name, ratio = self.fuzzy_city.closest(key, STREET_FLOOR)
        return [(sid, ratio) for sid in self.streets_by_name.get(name, [])] if name else []

    def _known_prefix(self, key: str, wards: set[int]) -> tuple[str, str] | None:
        """(the longest known street name that ``key`` starts with, the rest), or None."""
        names = set().union(*(self.names_of_ward.get(w, set()) for w in wards)) if wards else self.streets_by_name
        best = max((n for n in names if key.startswith(n + " ") or key.startswith(n + "-")), key=len, default=None)
        return (best, key[len(best) :].strip(" -.,")) if best else None

    def _in_street(
        self, sid: int, house: HouseNumber | None, names_alley: bool
    ) -> tuple[str, float, int | None, tuple]:
        """(level, score, house index or None, fallback point) for a number on a known street."""
        street = self.streets[sid]
        here = (street.lon, street.lat)
        if house is None:
            return "street", SCORES["street"], None, here
        number = house.canonical()
        if not names_alley and (i := self.house_at.get((sid, number))) is not None:
            return "house", SCORES["house"], i, here
        path = number if names_alley else house.alley_path()
        want = _last_number(house) if not names_alley else 0
        while path:
            if members := self.alley.get((sid, path)):
                best = min(members, key=lambda i: abs(int(self.h_last[i]) - want))
                return "alley", SCORES["alley"], best, here
            if (i := self.house_at.get((sid, path))) is not None:
                return "alley", SCORES["alley_entrance"], i, here  # the alley starts beside its number
            path, want = (path.rsplit("/", 1)[0] if "/" in path else ""), _leading(path.rsplit("/", 1)[-1])
        sides = street.mains.get(house.main % 2)
        if sides is not None and len(sides[0]):
            mains, idx = sides
            j = int(np.searchsorted(mains, house.main))
            near = min((k for k in (j - 1, j) if 0 <= k < len(mains)), key=lambda k: abs(int(mains[k]) - house.main))
            return "street", SCORES["near_number"], int(idx[near]), here
        return "street", SCORES["street"], None, here

    def _result(self, level: str, score: float, sid: int, index: int | None, point: tuple) -> Match:
        street = self.streets[sid]
        ward_name = self.wards.names.get(street.ward)
        if index is None:
            address = f"{street.name}, {ward_name}" if ward_name else street.name
            return Match(
                level,
                round(score, 3),
                address,
                point[0],
                point[1],
                None,
                None,
                sid,
                street.name,
                street.ward,
                ward_name,
            )
        return Match(
            level,
            round(score, 3),
            self.h_address[index],
            float(self.h_lon[index]),
            float(self.h_lat[index]),
            int(self.h_id[index]),
            self.h_number[index],
            sid,
            street.name,
            street.ward,
            ward_name,
        )


def _parse(text: str) -> ParsedAddress | None:
    try:
        return parse_address(text)
    except AddressError:
        return None


def _leading(text: str) -> int:
    m = _LEADING.match(text)
    return int(m[1]) if m else 0


def _last_number(house: HouseNumber) -> int:
    return _leading(house.alleys[-1]) if house.alleys else house.main


# --- SQL ---------------------------------------------------------------------------------------------

_STAMP = """
SELECT (SELECT max(id) FROM households_housenumber),
       (SELECT max(history_id) FROM households_historicalhousenumber),
       (SELECT max(id) FROM households_street),
       (SELECT max(history_id) FROM households_historicalstreet),
       (SELECT max(id) FROM layers_adminunit),
       (SELECT max(history_id) FROM layers_historicaladminunit)
"""
_WARD_POINTS = """
SELECT id, ST_X(p), ST_Y(p)
  FROM (SELECT id, ST_PointOnSurface(boundary) AS p FROM layers_adminunit WHERE id = ANY(%s)) w
"""
_STREETS = """
SELECT id, name, ward_id, ST_X(p), ST_Y(p) FROM (SELECT *, ST_PointOnSurface(geom) AS p FROM households_street) s
"""
_HOUSES = """
SELECT id, street_id, number, main, alleys, address, ST_X(geom), ST_Y(geom)
  FROM households_housenumber WHERE status = 'active'
"""
# The nearest live numbers, nearest first: a KNN walk of the GiST index on the metric column.
_REVERSE = """
SELECT h.id, h.number, h.address, h.street_id, s.name, h.ward_id, ST_X(h.geom), ST_Y(h.geom),
       ST_Distance(h.geom_m, q.p) AS distance
  FROM households_housenumber h
  JOIN households_street s ON s.id = h.street_id,
       (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 32648) AS p) q
 WHERE h.status = 'active' AND ST_DWithin(h.geom_m, q.p, %(radius)s)
 ORDER BY h.geom_m <-> q.p
 LIMIT %(limit)s
"""

_index: GeocodeIndex | None = None
_lock = threading.Lock()


def stamp() -> tuple:
    with connection.cursor() as cur:
        cur.execute(_STAMP)
        return cur.fetchone()


def get_index() -> GeocodeIndex:
    """The process's index, reloaded when house numbers, streets or wards have changed since it was built."""
    global _index
    current = stamp()
    if _index is None or _index.stamp != current:
        with _lock:
            if _index is None or _index.stamp != current:
                _index = GeocodeIndex(current)
    return _index


# --- the services ---------------------------------------------------------------------------------------


def geocode(text: str, wards: set[int] | None = None, limit: int = 5) -> tuple[ParsedAddress, list[Match]]:
    """One address → (how it was read, the best places); raises AddressError for text that is no address."""
    parsed = parse_address(text)
    return parsed, get_index().match_text(text, parsed, wards, limit)


def geocode_many(addresses: Iterable[str], wards: set[int] | None = None) -> list[Match]:
    """The best place for each address (``NONE`` where nothing matched), for imports without coordinates.

    Each distinct string is parsed and matched once; the index is checked once for the whole batch.
    """
    index = get_index()
    memo: dict[str, Match] = {}
    out = []
    for text in addresses:
        found = memo.get(text)
        if found is None:
            try:
                best = index.match_text(text, parse_address(text), wards, limit=1)
            except AddressError:
                best = []
            found = memo[text] = best[0] if best else NONE
        out.append(found)
    return out


def wards_named(text: str) -> list[str]:
    """Today's wards an address's ward may mean, by name: two for 'Phường 4, Quận 3' (split in 2025 between
    Bàn Cờ and Xuân Hòa), several for a bare 'Phường 2'; for a caller that must say why it could not decide."""
    try:
        parsed = parse_address(text)
    except AddressError:
        return []
    names = get_index().wards
    wards, _confidence = names.resolve(parsed.ward_key, parsed.district_key)
    return sorted(names.names.get(w, str(w)) for w in wards)


def reverse(lon: float, lat: float, radius_m: float = 50, limit: int = 10) -> list[dict]:
    """Live house numbers within ``radius_m`` of the point, nearest first, with their distance in metres."""
    with connection.cursor() as cur:
        cur.execute(_REVERSE, {"lon": lon, "lat": lat, "radius": radius_m, "limit": limit})
        return [
            {
                "house_number_id": pk,
                "number": number,
                "address": address,
                "street_id": street_id,
                "street": street,
                "ward_id": ward_id,
                "lon": x,
                "lat": y,
                "distance_m": round(distance, 1),
            }
            for pk, number, address, street_id, street, ward_id, x, y, distance in cur.fetchall()
        ]
