"""Checking a sync's rows: every value read the way the registration software and Excel write it, every problem kept.

`check_rows` reads the database (industries, units, the geocoder) and never writes; one rejected row
and the writer is never called.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from django.utils import timezone

from businesses.models import Business, Industry
from businesses.sync.messages import Clean, Rejections
from businesses.sync.places import khu_pho_index, locate_addresses, short_name, units_at_points
from businesses.sync_files import BY_NAME, DEFAULT_VSIC, REQUIRED, folded_key, is_blank
from gisportal.errors import InvalidInput
from gisportal.text import nfc, text_problem
from layers.crs import check_lon_lat

# Folded status words → Business.Status; the English values are accepted as they are.
STATUS_WORDS = {
    **{s.value: s.value for s in Business.Status},
    "hoat dong": "active",
    "dang hoat dong": "active",
    "tam ngung": "suspended",
    "tam ngung kinh doanh": "suspended",
    "tam ngung hoat dong": "suspended",
    "cham dut": "terminated",
    "cham dut hoat dong": "terminated",
    "thu hoi": "revoked",
    "bi thu hoi": "revoked",
}
LICENCE_WORDS = {
    **{lic.value: lic.value for lic in Business.Licence},
    "ban le ruou": "alcohol_retail",
    "ruou": "alcohol_retail",
    "ban le thuoc la": "tobacco_retail",
    "thuoc la": "tobacco_retail",
    "khi dau mo hoa long": "lpg",
    "gas": "lpg",
}
LICENCE_ORDER = {lic.value: i for i, lic in enumerate(Business.Licence)}
VERSION_WORDS = {"vsic2018": "VSIC2018", "2018": "VSIC2018", "vsic2025": "VSIC2025", "2025": "VSIC2025"}

# Markup, not a shop name: a tag opening or closing, a comment, or an HTML entity.
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!?]|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+)?")

# The text fields of a business the file fills in, as they are compared and written.
TEXT_FIELDS = ("signboard", "owner_name", "owner_phone", "address_legacy", "address_current", "street_block")


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value))


def _split(value: Any) -> list[str]:
    """A `;`-separated cell (or a JSON list) as its non-empty parts."""
    if value is None or value == "":
        return []
    parts = value if isinstance(value, list | tuple) else re.split(r"[;,]", _text(value))
    return [t for t in (_text(p) for p in parts) if t]


def _date(value: Any) -> dt.date:
    """ISO (2024-03-05) or Vietnamese (05/03/2024) dates, and real dates from a spreadsheet."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if m := _ISO.fullmatch(text):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.fullmatch(text):
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    raise ValueError(text)


def _coordinate(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return float(value)
    text = _text(value)
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # 10,7812: the Vietnamese decimal comma
    return float(text)


def _word(table: dict[str, str], text: str) -> str | None:
    return table.get(text.lower()) or table.get(folded_key(text))


class Checker:
    """Checks rows one by one against reference data loaded once."""

    def __init__(self, columns: set[str], today: dt.date) -> None:
        self.columns = columns
        self.today = today
        self.rejections = Rejections()
        self.first_row: dict[str, int] = {}
        self.industries = {
            (version, code): (pk, section)
            # A section letter (level 1) groups lines; a business registers a line (2-5 digits).
            for version, code, pk, section in Industry.objects.filter(level__gte=2).values_list(
                "version", "code", "id", "section"
            )
        }

    def check(self, raw: dict) -> Clean:
        clean = Clean(row=int(raw["_row"]), registration_no=_text(raw.get("registration_no")))
        add = self.rejections.add
        if raw.get("_extra"):
            add(clean, "", "extra", n=raw["_extra"])
        for name in REQUIRED:
            if is_blank(raw.get(name)):
                add(clean, name, "missing")
        self._texts(raw, clean)
        regno = clean.registration_no
        if regno and (first := self.first_row.setdefault(regno, clean.row)) != clean.row:
            add(clean, "registration_no", "duplicate", value=regno, first_row=first)
        self._industry(raw, clean)
        self._status(raw, clean)
        self._dates(raw, clean)
        self._licences(raw, clean)
        self._point(raw, clean)
        clean.khu_pho_name = _text(raw.get("khu_pho"))
        return clean

    def _texts(self, raw: dict, clean: Clean) -> None:
        for name in ("registration_no", *TEXT_FIELDS, "khu_pho"):
            if name not in self.columns:
                continue
            value = _text(raw.get(name))
            if name == "owner_phone" and isinstance(raw.get(name), int | float) and len(value) == 9:
                value = "0" + value  # a phone typed as a number loses its leading 0 in Excel
            if _CONTROL.search(value):
                self.rejections.add(clean, name, "control")
            elif _HTML.search(value):
                self.rejections.add(clean, name, "html")  # not echoed: owner fields are private
            elif problem := text_problem(value):
                # bidi controls, look-alike letters, spreadsheet formulas: as the portal's own forms refuse them
                self.rejections.add(clean, name, problem[0])
            limit = BY_NAME[name].max_length
            if limit and len(value) > limit:
                self.rejections.add(clean, name, "long", length=len(value), limit=limit)
            if name in TEXT_FIELDS:
                clean.values[name] = value

    def _industry(self, raw: dict, clean: Clean) -> None:
        given = _text(raw.get("industry_version"))
        version = VERSION_WORDS.get(folded_key(given).replace(" ", "")) if given else DEFAULT_VSIC
        if version is None:
            self.rejections.add(clean, "industry_version", "version", value=given)
            return
        if code := _text(raw.get("industry_code")).upper():
            if found := self._lookup(clean, "industry_code", version, code, raw.get("industry_code")):
                clean.values["industry_id"], clean.values["section"] = found
        if "other_industry_codes" in self.columns:
            others = [
                self._lookup(clean, "other_industry_codes", version, c.upper())
                for c in _split(raw["other_industry_codes"])
            ]
            clean.other_ids = frozenset(pk for pk, _ in filter(None, others))

    def _lookup(self, clean: Clean, column: str, version: str, code: str, raw: Any = None) -> tuple[int, str] | None:
        found = self.industries.get((version, code))
        if found is None:
            # 111 typed as a number in Excel was probably 0111.
            zero = isinstance(raw, int | float) and len(code) < 4
            self.rejections.add(clean, column, "industry_zero" if zero else "industry", code=code, version=version)
        return found

    def _status(self, raw: dict, clean: Clean) -> None:
        if "status" not in self.columns:
            return
        text = _text(raw.get("status"))
        if not text:
            # An empty status is not "active": it could silently reopen a terminated shop.
            self.rejections.add(clean, "status", "missing")
        elif status := _word(STATUS_WORDS, text):
            clean.values["status"] = status
        else:
            self.rejections.add(clean, "status", "status", value=text)

    def _dates(self, raw: dict, clean: Clean) -> None:
        for name in ("registered_on", "status_changed_on"):
            if name not in self.columns:
                continue
            value, day = raw.get(name), None
            if not is_blank(value):
                try:
                    day = _date(value)
                except ValueError:
                    self.rejections.add(clean, name, "date", value=_text(value))
                    continue
                if day > self.today:
                    self.rejections.add(clean, name, "future", value=day.isoformat())
                    continue
            clean.values[name] = day
        registered, changed = clean.values.get("registered_on"), clean.values.get("status_changed_on")
        if registered and changed and changed < registered:
            self.rejections.add(
                clean, "status_changed_on", "before", value=changed.isoformat(), registered_on=registered.isoformat()
            )

    def _licences(self, raw: dict, clean: Clean) -> None:
        if "licences" not in self.columns:
            return
        found = set()
        for part in _split(raw.get("licences")):
            if value := _word(LICENCE_WORDS, part):
                found.add(value)
            else:
                self.rejections.add(clean, "licences", "licence", value=part)
        clean.values["licences"] = sorted(found, key=LICENCE_ORDER.__getitem__)

    def _point(self, raw: dict, clean: Clean) -> None:
        if is_blank(raw.get("lat")) and is_blank(raw.get("lon")):
            clean.geocode = True  # placed by its address (places.locate_addresses)
            return
        try:
            lat, lon = _coordinate(raw["lat"]), _coordinate(raw["lon"])
        except ValueError:
            lat = lon = math.nan
        try:
            check_lon_lat(lon, lat)
        except InvalidInput as exc:
            self.rejections.add(
                clean,
                "lat,lon",
                "coordinates",
                vi=exc.message,
                en=exc.message_en,
                lat=_text(raw["lat"]),
                lon=_text(raw["lon"]),
                problem=exc.code,
            )
            return
        clean.lon, clean.lat = lon, lat


def check_rows(rows: list[dict], today: dt.date | None = None) -> tuple[list[Clean], Rejections]:
    """Every row checked, with every problem found. Reads the database, never writes."""
    today = today or timezone.localdate()
    columns = {k for r in rows for k in r if not k.startswith("_")}
    checker = Checker(columns, today)
    cleans = [checker.check(r) for r in rows]
    rejections = checker.rejections
    locate_addresses(cleans, rejections)
    places = units_at_points([c for c in cleans if c.lon is not None], today)
    named = khu_pho_index(today) if "khu_pho" in columns else {}
    for c in cleans:
        if c.lon is None:
            continue
        ward, kp = places[c.row]
        if ward is None:
            rejections.add(c, "lat,lon", "outside", lat=c.lat, lon=c.lon)
            continue
        if c.khu_pho_name:
            kps = named.get(ward, {})
            kp = kps.get(folded_key(c.khu_pho_name)) or kps.get(short_name(c.khu_pho_name))
            if kp is None:
                rejections.add(c, "khu_pho", "khu_pho", value=c.khu_pho_name)
                continue
        c.values["ward_id"], c.values["khu_pho_id"] = ward, kp
    rejections.items.sort(key=lambda r: r["row"])
    return cleans, rejections
