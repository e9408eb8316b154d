"""The address parser's vocabulary: keywords, legacy districts and the named patterns, all on folded text.

Accent-free matching makes "Dương Bá Trạc" look like "đường Bá Trạc", so a keyword the fold makes
ambiguous (``_ACCENTED``) only counts when typed without accents or with exactly its own.
"""

from __future__ import annotations

import re

from gisportal.text import fold

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
