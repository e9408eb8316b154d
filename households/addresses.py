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

import re
from dataclasses import dataclass, fields
from functools import lru_cache

from layers.text import fold, nfc

__all__ = ["AddressError", "HouseNumber", "ParsedAddress", "parse_address", "parse_house_number", "street_key"]

CITY = "Thành phố Hồ Chí Minh"
COMPONENTS = ("house", "street", "khu_pho", "ward", "district")


class AddressError(ValueError):
    """The text holds no address at all (empty, or nothing we recognise); never raised for a mere gap."""


@dataclass(frozen=True)
class HouseNumber:
    """A house number: main number, letter suffix, alley path.  '109F/10bis' → main 109, 'F', ('10bis',).

    Single letters are upper-cased ('12a' → '12A'); 'bis' and 'ter' stay lower-case, as on the city's
    number plates ('12bis').  ``prefix`` holds a lot or block letter glued in front ('B8/214', 'K52').
    """

    main: int
    main_suffix: str
    alleys: tuple[str, ...]
    prefix: str = ""

    def canonical(self) -> str:
        """'123/4/5A': the number as a single comparable string."""
        return "/".join((f"{self.prefix}{self.main}{self.main_suffix}", *self.alleys))

    def sort_key(self) -> str:
        """A string that sorts as numbers are walked along a street: 12 < 12/1 < 12A < 12bis < 13 < 120."""
        head = f"{self.prefix:<2}{self.main:05d}{self.main_suffix:<3}"
        return head + "".join("/" + _sort_part(alley) for alley in self.alleys)

    def alley_path(self) -> str:
        """'123/4' for '123/4/5A': the alley the house stands in ('' for a street-front number)."""
        return "/".join(self.canonical().split("/")[:-1])


@dataclass(frozen=True)
class ParsedAddress:
    """One address split into components; ``*_key`` fields are folded for matching, the rest for display."""

    raw: str
    house: HouseNumber | None
    is_alley: bool  # a hẻm / HXH / kiệt / ngõ address, or a number with alley segments
    street: str | None  # "Lê Văn Việt", "Đường số 7", "Đường 3/2"
    street_key: str | None  # "le van viet", "so 7", "3/2": without the word "đường"
    khu_pho: str | None  # "3", "Tiền Lân"
    ward: str | None  # "Phường 9", "Phường Hiệp Phú", "Xã Bình Hưng"
    ward_key: str | None
    district: str | None  # legacy level: "Quận 1", "Thành phố Thủ Đức", "Huyện Bình Chánh"
    district_key: str | None
    city: str | None  # always the city: read, or implied (this portal only serves HCMC)
    missing: tuple[str, ...]
    guessed: tuple[str, ...]
    names_alley: bool = False  # the number is the alley's own ("Hẻm 158/38/15", "HXH 330/"), not a house in it
    khu_pho_kind: str | None = None  # "Khu phố" in town, "Ấp" in the countryside

    def canonical(self) -> str:
        """'123/4/5A Lê Văn Việt, Khu phố 3, Phường Hiệp Phú, Thành phố Thủ Đức, Thành phố Hồ Chí Minh'."""
        head = ""
        if self.house:
            head = ("Hẻm " if self.names_alley else "") + self.house.canonical()
        if self.street:
            head = f"{head} {self.street}".strip()
        khu_pho = f"{self.khu_pho_kind} {self.khu_pho}" if self.khu_pho else None
        return ", ".join(p for p in (head, khu_pho, self.ward, self.district, self.city) if p)

    def as_dict(self) -> dict:
        """JSON-ready: every field (the house as parts and as a string) and the canonical address."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.house:
            data["house"] = {f.name: getattr(self.house, f.name) for f in fields(self.house)}
            data["house"] |= {"alleys": list(self.house.alleys), "canonical": self.house.canonical()}
        return data | {"missing": list(self.missing), "guessed": list(self.guessed), "canonical": self.canonical()}


# --- Vocabulary -------------------------------------------------------------------------------------

# Folded keywords that collide with ordinary words once accents are gone: dương/đường, phó/phổ/phố,
# xa/xã, quân/quận, áp/ấp, sở/số, lò/lô, ngô/ngõ, phương/phường, huyền/huyện...
_ACCENTED = {"duong": {"đường"}, "pho": {"phố"}, "xa": {"xã"}, "quan": {"quận"}, "ap": {"ấp"}, "so": {"số"}}
_ACCENTED |= {"lo": {"lô"}, "ngo": {"ngõ"}, "kiet": {"kiệt"}, "phuong": {"phường"}, "huyen": {"huyện"}}
_ACCENTED |= {"tang": {"tầng"}, "lau": {"lầu"}, "toa": {"tòa", "toà"}, "phong": {"phòng"}}

# Legacy districts (before the 2025 reform) by folded bare name: level and accented name.  Thủ Đức was a
# quận until 2020 and a thành phố (with the old Quận 2 and 9) from 2021; a bare "Thủ Đức" is read as the
# latter, and marked guessed.
_DISTRICTS = {
    fold(name): (level, name)
    for level, names in (
        ("Quận", ("Bình Thạnh", "Gò Vấp", "Phú Nhuận", "Tân Bình", "Tân Phú", "Bình Tân")),
        ("Thành phố", ("Thủ Đức",)),
        ("Huyện", ("Củ Chi", "Hóc Môn", "Bình Chánh", "Nhà Bè", "Cần Giờ")),
    )
    for name in names
}
_LEVEL_WORDS = {"quan": "Quận", "q": "Quận", "district": "Quận", "dist": "Quận", "huyen": "Huyện", "h": "Huyện"}
_LEVEL_WORDS |= {"thanh pho": "Thành phố", "tp": "Thành phố", "t.p": "Thành phố", "thi xa": "Thị xã", "tx": "Thị xã"}
_WARD_WORDS = {"phuong": "Phường", "p": "Phường", "f": "Phường", "ward": "Phường", "xa": "Xã"}
_WARD_WORDS |= {"thi tran": "Thị trấn", "tt": "Thị trấn", "dac khu": "Đặc khu"}  # Côn Đảo, since July 2025

# --- Patterns, all matched on the folded segment ----------------------------------------------------

# Whole-segment city: "TP.HCM", "tphcm", "Thành phố Hồ Chí Minh", "Sài Gòn", "Ho Chi Minh City".
_CITY = re.compile(r"(?:(?:thanh pho|tp|t\.p)\.?\s*)?(?:ho chi minh|hcm|hcmc|sai gon|saigon)(?:\s+city)?")
_COUNTRY = re.compile(r"viet\s?nam|vn")
# "Q.1", "Q1", "Quận 11", "District 4": numbered urban districts.
_DISTRICT_NUMBER = re.compile(r"(?P<kw>quan|q|district|dist)\.?\s*0*(?P<num>\d{1,2})")
# "Huyện Bình Chánh", "H. Củ Chi", "TP. Thủ Đức", "Q. Tân Bình"; a bare "q"/"h" needs its dot or a space.
_DISTRICT_NAMED = re.compile(
    r"(?P<kw>quan|huyen|thanh pho|thi xa|tp|t\.p|tx|q(?=[.\s])|h(?=\.))\.?\s*(?P<name>[a-z].*)"
)
_DISTRICT_ENGLISH = re.compile(r"(?P<name>[a-z].*?)\s+(?:district|dist\.?)")
# "Phường 9", "P9", "P.09", "F9" (F for phường, an old habit), "Ward 9".
_WARD_NUMBER = re.compile(r"(?P<kw>phuong|ward|p|f)\.?\s*0*(?P<num>\d{1,2})")
# "Phường Hiệp Phú", "P. Hiệp Phú", "Xã Bình Hưng", "TT. Củ Chi"; "xa lộ" is a highway, not a commune.
_WARD_NAMED = re.compile(r"(?P<kw>phuong|thi tran|dac khu|xa(?!\s+lo\b)|tt|p(?=[.\s]))\.?\s*(?P<name>[a-z].*)")
_WARD_ENGLISH = re.compile(r"(?P<name>[a-z].*?)\s+ward")
# "KP 3", "KP.3", "khu phố 3", "Ấp 03", "ấp 4b", "Ấp Tiền Lân" (ấp is the rural khu phố).
_KHU_PHO = re.compile(
    r"(?P<kw>khu pho|kp|k\.p|khu|ap)\.?\s*(?P<name>\d+[a-z]?)"  # numbered
    r"|(?P<kw2>khu pho|kp|ap)\.?\s+(?P<name2>[a-z].*)"  # named
)
# Buildings, projects, floors and lots: kept out of the house number.  "lô" needs a lot code ("Lô A",
# "Lô B12"), not a name ("Lò Lu"); "tầng"/"lầu" a floor number ("Tăng Nhơn Phú" is a ward).
_BUILDING = re.compile(
    r"(?P<kw>du an|lo(?=\s+(?:[a-z]?\d|[a-z]\b|dat\b))|tang(?=\s*(?:\d|tret))|lau(?=\s*\d)|can ho|chung cu"
    r"|cc|kdc|khu dan cu|khu do thi|kdt|toa nha|toa|cao oc|block|phong|building|apartment|tower|benh vien"
    r"|khu cong nghiep|kcn"
    r"|nga (?:ba|tu|nam|sau)|\d\s*-?\s*way)\b"  # intersections: "Ngã tư ...", "3 - Way ..."
    r"|.*\b(?:apartments?|building|tower|plaza|hospital|market|school|hotel|mall|cent(?:er|re)|residence)$"
)
# Street keyword in front: "Đường Lê Văn Việt", "Đ. 3/2", "Đ Số 7", "Phố Trần Xuân Soạn", "Street 48".
_STREET_WORD = re.compile(r"(?P<kw>(?:duong|dai lo|pho|street)\b|d(?=[.\s]))\.?\s*(?=\S)")
# Street keyword behind, in English: "Ben Van Don Street", "Le Loi St."
_STREET_ENGLISH = re.compile(r"(?P<name>.+?)\s+(?:street|st\.?|road|rd\.?|avenue|ave\.?|boulevard|blvd\.?)")
# A street that is a date ("3/2", "26/3", "3 tháng 2") or a number ("số 7", "16A") rather than a name.
_STREET_DATE = re.compile(r"(?P<d>\d{1,2})\s*(?:/|thang)\s*(?P<m>\d{1,2})")
_STREET_NUMBER = re.compile(r"(?:so\s*)?(?P<num>\d{1,4}[a-z]?)")
_STREET_ROAD = re.compile(r"(?P<kind>ql|tl|hl)\.?\s*(?P<num>\d+[a-z]?)")  # QL13 → Quốc Lộ 13
_ROADS = {"ql": "Quốc Lộ", "tl": "Tỉnh Lộ", "hl": "Hương Lộ"}

# What may stand before a house number: an alley word ("Hẻm", "HXH", "Lane") and/or "Số".
_HOUSE_LEAD = re.compile(
    r"(?:(?P<alley>hem xe hoi|hem xe may|hxh|hxm|hem|kiet|ngo|ngach|lane|alley)\b\.?\s*)?"
    r"(?:(?P<so>so nha|so|no|#)(?![a-z])\.?\s*)?"
)
# The number itself: lot letters, main number, suffix, alley path, and an open end ("330/", "343/..",
# "66/x") meaning "somewhere in this alley".  Spaces around slashes are typing noise ("1/ 113").
_HOUSE = re.compile(
    r"(?P<prefix>[a-z]{1,2}(?=\d))?(?P<main>\d{1,5})"
    r"(?P<suffix>\s?(?:bis|ter)(?![a-z])|[a-z]{1,2}(?![a-z]))?"
    r"(?P<alleys>(?:\s*/\s*[a-z]{0,2}\d+[a-z0-9]*(?:\s?bis)?)*)"
    r"(?P<open>\s*/(?:\s*(?:\.+|x(?![a-z0-9])|\?+))?)?"
)
# A second number after the first: "123 - 125", "48-50", "38/28 và 38/28B".  We keep the first.
_RANGE = re.compile(r"\s*(?:-|–|&|\+|va)\s*(?=[a-z]{0,2}\d)")
_HOUSE_END = re.compile(r"(?![a-z0-9])")

# Where a segment without commas starts a new component: "ấp 7 Xã Xuân Thới", "134 đường Lý Chính
# Thắng", "12 Lê Lợi P.Bến Thành Q.1".  Keyword plus a name needs the keyword's accents when it has any.
_INNER_BREAK = re.compile(
    r"\s(?=(?P<kw>phuong|ward|thi tran|huyen|district|thanh pho|tp|khu pho|quan|xa|ap|duong)\s*(?P<next>\S)"
    r"|(?:p|q|f|kp|tt|tp)\.\s*\w|(?:p|f|q|kp)\d+\b|tp\s*\.?\s*hcm\b)"
)
_CITY_TAIL = re.compile(r"\s(?:ho chi minh|sai gon|saigon|hcmc?)(?:\s+city)?$")
_LEVEL_TOKENS = {"phuong", "p", "xa", "thi", "tran", "tt", "quan", "q", "huyen", "h", "thanh", "pho", "tp", "duong"}
_LEVEL_TOKENS |= {"dac", "khu"}
_SEPARATORS = re.compile(r"[,;|_]")
_POSTCODE = re.compile(r"(?<=[^\d\s/])\s+\d{5,6}$")  # "District 4 72808", "Việt Nam 700000"
_PARENTHESES = re.compile(r"\([^)]*\)")
_EDGES = " .,-–:;"


# --- Segments ---------------------------------------------------------------------------------------


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


# --- Classifying a segment --------------------------------------------------------------------------


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


# --- Resolving the segments -------------------------------------------------------------------------


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
            ward = f"{'Xã' if district.startswith('Huyện') else 'Phường'} {_title(p.seg.text)}"
        elif p.kind == "house" and not (p.lead or p.value or p.names_alley) and p.house.main <= 30:
            ward = f"Phường {p.house.main}" if p.house.canonical() == str(p.house.main) else None
        if ward:
            f.guessed.append("ward")
    if ward:
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
    if house and street is None and not parts[house_i].lead and str(house.main) == house.canonical():
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


@lru_cache(maxsize=16384)
def _classify_text(text: str) -> _Part:
    """``_classify`` remembered by segment text: 'Phường Bàn Cờ', 'KP 3', 'TP.HCM' recur in most addresses of
    a batch (three segments in four were hits on the geocoding benchmark). Safe: ``_resolve`` only reads parts."""
    return _classify(_Seg(text))


def _sort_part(alley: str) -> str:
    """'5A' → '  00005A   ', '1N1' → '  00001N1  ': letters, zero-padded digits, the rest, at fixed widths."""
    m = re.match(r"([A-Z]*)(\d+)(.*)", alley)
    if not m:
        return alley
    return f"{m[1]:<2}{int(m[2]):05d}{m[3]:<4}"


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
    if part is None or part.value is not None:
        raise AddressError(f"Không phải số nhà: {text!r} / Not a house number: {text!r}")
    return part.house
