"""Vietnamese street addresses as people in Ho Chi Minh City write them, split into components.

Addresses arrive from forms, spreadsheets and old POI files: with or without accents, in any case, NFC
or NFD, with abbreviations (Q.1, P9, F9, KP.3, HXH, Đ.), English forms ("109F/10bis, Ben Van Don
Street, Ward 9, District 4") and stray commas.  We read them segment by segment (commas), classify each
segment with named patterns matched on the folded (accent-free, lower-case) text, then resolve the
segments into one house number, street, khu phố, ward, district and city, saying which parts were
missing and which were guessed rather than read.

Accent-free matching makes "Dương Bá Trạc" look like "đường Bá Trạc" and "Lò Lu" like "lô Lu", so a
keyword that the fold makes ambiguous only counts when it was typed either without any accent or with
exactly its own accents (see ``_ACCENTED``).  Fully accent-free input keeps that ambiguity: "Duong Ba
Trac" at the start of a segment is read as the street Ba Trac.

Names are title-cased but never re-accented: ASCII input stays ASCII because we cannot know the tones.
The one exception is the closed list of the city's legacy districts (``_DISTRICTS``), whose accented
names we do know.  Districts were abolished by the 2025 reform, but old addresses name them, so the
district is kept as a legacy level.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from gisportal.text import fold, nfc
from households.addresses.classify import _classify_text, _house, _Part, _street, _title
from households.addresses.parsed import CITY, COMPONENTS, AddressError, HouseNumber, ParsedAddress
from households.addresses.segments import _Seg, _segments
from households.addresses.vocabulary import _DISTRICTS, _EDGES


@dataclass
class _Found:
    """The segments chosen so far, by index into the part list, and what was guessed on the way."""

    parts: list[_Part]
    guessed: list[str]
    used: set[int]

    def meaningful(self) -> list[int]:
        return [i for i, p in enumerate(self.parts) if p.kind not in ("junk", "country")]

    def last(self, kind: str) -> int | None:
        found = [i for i in self.meaningful() if self.parts[i].kind == kind]
        return found[-1] if found else None


def _district(f: _Found) -> tuple[int | None, str | None]:
    """The last explicit district, else a bare legacy name standing last before the city ('…, Gò Vấp')."""
    if (i := f.last("district")) is not None:
        f.used.add(i)
        return i, f.parts[i].value
    tail = [i for i in f.meaningful() if f.parts[i].kind != "city"]
    if tail and f.parts[tail[-1]].kind == "name" and (known := _DISTRICTS.get(f.parts[tail[-1]].seg.key)):
        if known[1] == "Thủ Đức":  # quận or thành phố: the level is our guess
            f.guessed.append("district")
        f.used.add(tail[-1])
        return tail[-1], " ".join(known)
    return None, None


def _ward(f: _Found, d_i: int | None, district: str | None) -> tuple[int | None, str | None]:
    """The last explicit ward, else what stands just before the district ('Trường Thọ, Thủ Đức',
    'Trường Chinh, 14, Tân Bình'), as a xã in a huyện and a phường elsewhere."""
    i, ward = f.last("ward"), None
    if i is not None:
        ward = f.parts[i].value
    elif d_i is not None and (before := [j for j in f.meaningful() if j < d_i]):
        i, p = before[-1], f.parts[before[-1]]
        if p.kind == "name":
            ward = f"{'Xã' if (district or '').startswith('Huyện') else 'Phường'} {_title(p.seg.text)}"
        elif p.kind == "house" and p.house and not (p.lead or p.value or p.names_alley) and p.house.main <= 30:
            ward = f"Phường {p.house.main}" if p.house.canonical() == str(p.house.main) else None
        if ward:
            f.guessed.append("ward")
    if ward and i is not None:
        f.used.add(i)
        return i, ward
    return None, None


def _house_and_street(f: _Found, bound: int) -> tuple[HouseNumber | None, bool, str | None]:
    """The first segment naming a street, the house number nearest before it, and whether the number
    names an alley.  Names before the house are buildings; with no street word, the last plain name
    between the house and ``bound`` (the ward) is taken as the street."""
    parts, meaningful = f.parts, f.meaningful()
    houses = [i for i in meaningful if parts[i].kind == "house" and i not in f.used]
    streets = [i for i in meaningful if parts[i].kind == "street" or (parts[i].kind == "house" and parts[i].value)]
    street_i = streets[0] if streets else None
    house_i = None
    if street_i is not None and parts[street_i].kind == "house":
        house_i = street_i
    elif houses:
        before = [i for i in houses if street_i is None or i < street_i]
        house_i = before[-1] if before else houses[0]

    house, names_alley, street = None, False, None
    if house_i is not None:
        hp = parts[house_i]
        house, names_alley = hp.house, hp.names_alley
        prev = houses.index(house_i) - 1
        if prev >= 0 and houses[prev] == house_i - 1 and parts[house_i - 1].names_alley and not hp.lead:
            alley = parts[house_i - 1].house  # "Lane 64/50, 8": a house in the alley named just before it
            assert alley is not None and house is not None  # both parts are of kind "house"
            house = HouseNumber(alley.main, alley.main_suffix, (*alley.alleys, house.canonical()), alley.prefix)
            names_alley = False
        if hp.ranged or len(houses) > 1:
            f.guessed.append("house")

    if street_i is not None:
        street = parts[street_i].value
    else:
        names = [i for i in meaningful if parts[i].kind == "name" and i not in f.used and i < bound]
        names = [i for i in names if house_i is None or i > house_i]
        if names:
            street = _street(parts[names[-1]].seg)
            f.guessed.append("street")
    if (
        house
        and house_i is not None
        and street is None
        and not parts[house_i].lead
        and str(house.main) == house.canonical()
    ):
        f.guessed.append("house")  # "914, Phường Hiệp Bình Phước": a bare number read as the house
    return house, names_alley, street


def _resolve(raw: str, parts: list[_Part]) -> ParsedAddress:
    """Weigh the classified segments against each other: admin levels from the right, house and street
    from the left.  A guess needs something read to lean on, so a lone name is not an address."""
    f = _Found(parts, [], set())
    city_i = f.last("city")
    d_i, district = _district(f)
    w_i, ward = _ward(f, d_i, district)
    k_i = f.last("khu_pho")
    khu_pho, khu_kind = (parts[k_i].value, parts[k_i].khu_kind) if k_i is not None else (None, None)
    bound = min(i for i in (w_i, d_i, city_i, len(parts)) if i is not None)
    anchored = bool(district or ward or khu_pho) or any(p.kind == "house" for p in parts)
    house, names_alley, street = _house_and_street(f, bound if anchored else -1)

    found = {"house": house, "street": street, "khu_pho": khu_pho, "ward": ward, "district": district}
    if not any(found.values()):
        raise AddressError(
            f"Không nhận ra địa chỉ {raw!r}: không có số nhà, đường hay phường"
            " / Unrecognised address: no house number, street or ward"
        )
    if city_i is None:
        f.guessed.append("city")
    return ParsedAddress(
        raw=raw,
        house=house,
        is_alley=bool(house and (names_alley or house.alleys)),
        street=street,
        street_key=_key(street, strip_street=True),
        khu_pho=khu_pho,
        ward=ward,
        ward_key=_key(ward),
        district=district,
        district_key=_key(district),
        city=CITY,
        missing=tuple(c for c in COMPONENTS if not found[c]),
        guessed=tuple(dict.fromkeys(f.guessed)),
        names_alley=names_alley,
        khu_pho_kind=khu_kind,
    )


@lru_cache(maxsize=16384)  # canonical names recur (every address of a ward names it): fold each once
def _key(value: str | None, strip_street: bool = False) -> str | None:
    """Folded form for matching; a street's without our own word "Đường" ('Đường số 7' → 'so 7')."""
    if value is None:
        return None
    return fold(value.removeprefix("Đường ") if strip_street else value)


def _clean(text: str) -> str:
    """NFC, one space, the look-alike Ð (U+00D0) as Đ; raises on an empty address."""
    text = nfc(text or "").replace("Ð", "Đ").replace("ð", "đ").strip(_EDGES)
    if not text:
        raise AddressError("Địa chỉ trống / Empty address")
    return text


def parse_address(text: str) -> ParsedAddress:
    """Split one address into components; raises AddressError only when nothing in it is recognisable."""
    clean = _clean(text)
    return _resolve(text, [_classify_text(seg.text) for seg in _segments(clean)])


def street_key(name: str) -> str | None:
    """The key ``parse_address`` gives this street ('Đường Nguyễn Đình Chiểu' → 'nguyen dinh chieu',
    'CMT8' → 'cach mang thang tam', 'Đường số 7' → 'so 7'), so stored streets and parsed ones compare."""
    try:
        return _key(_street(_Seg(_clean(name))), strip_street=True)
    except AddressError:
        return None


def parse_house_number(text: str) -> HouseNumber:
    """Read a house number on its own ('123/4/5A', 'Số 12', 'hẻm 34/2', '123 - 125' → 123)."""
    seg = _Seg(_clean(text))
    part = _house(seg)
    if part is None or part.value is not None or part.house is None:
        raise AddressError(f"Không phải số nhà: {text!r} / Not a house number: {text!r}")
    return part.house
