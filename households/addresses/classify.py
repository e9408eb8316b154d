"""What one segment of an address is, judged on its own: city, district, ward, khu phố, building, street,
house number (with the street behind it), a bare name, or junk. ``parser`` then weighs them together."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gisportal.text import fold
from households.addresses.parsed import CITY, HouseNumber
from households.addresses.segments import _Seg
from households.addresses.vocabulary import (
    _BUILDING,
    _CITY,
    _COUNTRY,
    _DISTRICT_ENGLISH,
    _DISTRICT_NAMED,
    _DISTRICT_NUMBER,
    _DISTRICTS,
    _EDGES,
    _HOUSE,
    _HOUSE_END,
    _HOUSE_LEAD,
    _KHU_PHO,
    _LEVEL_WORDS,
    _RANGE,
    _ROADS,
    _STREET_DATE,
    _STREET_ENGLISH,
    _STREET_NUMBER,
    _STREET_ROAD,
    _STREET_WORD,
    _WARD_ENGLISH,
    _WARD_NAMED,
    _WARD_NUMBER,
    _WARD_WORDS,
)


@dataclass
class _Part:
    kind: str  # city country district ward khu_pho building street house name junk
    seg: _Seg
    value: str | None = None  # canonical district / ward / khu phố / street
    house: HouseNumber | None = None
    lead: str = ""  # "hem" or "so" when a word introduced the number
    names_alley: bool = False
    ranged: bool = False
    khu_kind: str = ""


def _title(text: str) -> str:
    """'LÊ văn việt' → 'Lê Văn Việt'; words with digits and single letters upper-case ('16A', 'Hòa B')."""
    words, shouting = [], text.isupper()
    for word in text.split():
        if len(word) == 1 or any(c.isdigit() for c in word) or (word.isupper() and len(word) <= 3 and not shouting):
            words.append(word.upper())
        else:
            words.append(word[:1].upper() + word[1:].lower())
    return " ".join(words)


def _number_text(text: str) -> str:
    """'4b' → '4B', '10 bis' → '10bis', '03' → '3'."""
    text = text.replace(" ", "").upper()
    text = re.sub(r"(BIS|TER)$", lambda m: m.group(1).lower(), text)
    return (text.lstrip("0") or "0") if text.isdigit() else text


def _district_name(kw: str, seg: _Seg, start: int) -> str:
    name = seg.sub(start)
    level, accented = _DISTRICTS.get(fold(name), (None, _title(name)))
    return f"{_LEVEL_WORDS.get(kw, level or 'Quận')} {accented}"


def _street(seg: _Seg, start: int = 0) -> str | None:
    """Canonical street from ``seg.text[start:]`` without its keyword: 'Lê Văn Việt', 'Đường số 7'."""
    key = seg.key[start:].strip(_EDGES)
    offset = seg.key.index(key, start) if key else start
    m = _STREET_WORD.match(seg.key, offset)
    if m and seg.typed_as(m):
        offset = m.end()
    name, key = seg.sub(offset), seg.key[offset:].strip(_EDGES)
    if not re.search(r"[a-z0-9]", key):
        return None
    if m := _STREET_DATE.fullmatch(key):
        return f"Đường {int(m['d'])}/{int(m['m'])}"
    if m := _STREET_NUMBER.fullmatch(key):
        return f"Đường số {_number_text(m['num'])}"
    if m := _STREET_ROAD.fullmatch(key):
        return f"{_ROADS[m['kind']]} {_number_text(m['num'])}"
    if key == "cmt8":
        return "Cách Mạng Tháng Tám"
    if any(c.isdigit() for c in key.split()[0]):  # a code, not a name: "Đường D3", "Đường 38 CL"
        return f"Đường {_title(name)}"
    return _title(name)


def _house(seg: _Seg) -> _Part | None:
    """A segment that starts with a house number ('Hẻm 158/38/15', 'Số 12 đường số 7', '109F/10bis')."""
    lead = _HOUSE_LEAD.match(seg.key)
    if lead is None:
        return None
    for group in ("alley", "so"):
        if lead[group] and not seg.typed_as(lead, group):
            return None
    m = _HOUSE.match(seg.key, lead.end())
    if not m:
        return None
    end, ranged = m.end(), False
    while (r := _RANGE.match(seg.key, end)) and (other := _HOUSE.match(seg.key, r.end())):
        end, ranged = other.end(), True
    if not _HOUSE_END.match(seg.key, end):
        return None
    alleys = tuple(_number_text(a) for a in re.split(r"\s*/\s*", m["alleys"].strip())[1:])
    suffix = _number_text(m["suffix"] or "")
    house = HouseNumber(int(m["main"]), suffix, alleys, (m["prefix"] or "").upper())
    alley_word = bool(lead["alley"])
    part = _Part("house", seg, house=house, lead="hem" if alley_word else "so" if lead["so"] else "", ranged=ranged)
    part.names_alley = alley_word or bool(m["open"])
    part.value = _street(seg, end)
    return part


def _classify(seg: _Seg) -> _Part:
    """What one segment is, judged on its own; ``_resolve`` then weighs the segments together."""
    key = seg.key
    if not re.search(r"[a-z0-9]", key):
        return _Part("junk", seg)
    if _CITY.fullmatch(key):
        return _Part("city", seg, CITY)
    if _COUNTRY.fullmatch(key):
        return _Part("country", seg)
    if (m := _DISTRICT_NUMBER.fullmatch(key)) and seg.typed_as(m):
        return _Part("district", seg, f"Quận {int(m['num'])}")
    if (m := _DISTRICT_NAMED.fullmatch(key)) and seg.typed_as(m):
        return _Part("district", seg, _district_name(m["kw"], seg, m.start("name")))
    if m := _DISTRICT_ENGLISH.fullmatch(key):
        return _Part("district", seg, _district_name("", _Seg(seg.sub(0, m.end("name"))), 0))
    if (m := _WARD_NUMBER.fullmatch(key)) and seg.typed_as(m):
        return _Part("ward", seg, f"Phường {int(m['num'])}")
    if (m := _WARD_NAMED.fullmatch(key)) and seg.typed_as(m):
        return _Part("ward", seg, f"{_WARD_WORDS[m['kw']]} {_title(seg.sub(m.start('name')))}")
    if m := _WARD_ENGLISH.fullmatch(key):
        return _Part("ward", seg, f"Phường {_title(seg.sub(0, m.end('name')))}")
    if (m := _KHU_PHO.fullmatch(key)) and seg.typed_as(m, "kw" if m["kw"] else "kw2"):
        kind = "Ấp" if (m["kw"] or m["kw2"]) == "ap" else "Khu phố"
        name = _number_text(m["name"]) if m["name"] else _title(seg.sub(m.start("name2")))
        return _Part("khu_pho", seg, name, khu_kind=kind)
    if (m := _BUILDING.match(key)) and (not m["kw"] or seg.typed_as(m)):
        return _Part("building", seg)
    if (m := _STREET_WORD.match(key)) and seg.typed_as(m):
        return _Part("street", seg, _street(seg))
    if m := _STREET_ENGLISH.fullmatch(key):
        inner = _Seg(seg.sub(0, m.end("name")))
        part = _house(inner)
        if part is None or part.value is None:  # "12C Street" is the street called 12C
            return _Part("street", seg, _street(inner))
        return part
    if _STREET_DATE.fullmatch(key) and "thang" in key:
        return _Part("street", seg, _street(seg))
    if part := _house(seg):
        return part
    if re.search(r"[a-z]", key):
        return _Part("name", seg)
    return _Part("junk", seg)


@lru_cache(maxsize=16384)
def _classify_text(text: str) -> _Part:
    """``_classify`` remembered by segment text: 'Phường Bàn Cờ', 'KP 3', 'TP.HCM' recur in most addresses of
    a batch (three segments in four were hits on the geocoding benchmark). Safe: ``_resolve`` only reads parts."""
    return _classify(_Seg(text))
