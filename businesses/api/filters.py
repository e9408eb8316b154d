"""Filters of business lists, parsed once for the list, the statistics and the exports, and scoped by role.

`business_rows(user, params)` is the one entry point: the rows this user may list, narrowed by
the query parameters. A malformed parameter is a 400 that names it; unknown parameters (paging,
grouping, format) are left to the caller.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import Q, QuerySet

from businesses.models import Business, Industry
from gisportal.errors import InvalidInput
from gisportal.params import is_whole
from gisportal.permissions import Domain, khu_pho_bound, scope_private, sees_domain, ward_ids
from gisportal.text import nfc
from households.addresses.ward_names import find_ward
from layers.models import AdminUnit
from layers.registry import concrete_field

# What a citizen may see of the registry: businesses that are trading (or paused), never the closed ones.
PUBLIC_STATUSES = (Business.Status.ACTIVE, Business.Status.SUSPENDED)

PARAMS = (
    "industry",
    "vsic",
    "section",
    "ward",
    "khu_pho",
    "street_block",
    "status",
    "licence",
    "registered_from",
    "registered_to",
    "bbox",
    "q",
    "missing_from_sync",
)
REPEATABLE = {"status", "licence"}
MAX_TEXT = 200
_INDUSTRY_CODE = re.compile(r"^(?:[A-Z]|\d{2,5})$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass
class BusinessFilter:
    """The parsed filter: a Q over `Business`, and the parameters as the client gave them (for the export log)."""

    q: Q = field(default_factory=Q)
    given: dict[str, Any] = field(default_factory=dict)

    def narrow(self, condition: Q) -> None:
        self.q &= condition


def bad(name: str, raw: Any, vi: str, en: str) -> InvalidInput:
    """The 400 of one filter parameter, named in both messages and in details."""
    return InvalidInput(
        f"Tham số {name} không hợp lệ ('{raw}'): {vi}",
        f"Invalid parameter {name} ({raw!r}): {en}",
        {"param": name, "value": raw},
        code="invalid_filter",
    )


def _values(params: Mapping, name: str) -> list[str]:
    """Every value of a repeatable parameter; `status=active,suspended` and `status=a&status=b` alike."""
    raw = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
    return [v.strip() for item in raw if item for v in str(item).split(",") if v.strip()]


def _date(params: Mapping, name: str) -> dt.date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise bad(name, raw, "dùng dạng YYYY-MM-DD.", "use YYYY-MM-DD.") from None


def _id(name: str, raw: str) -> int:
    if not is_whole(raw):
        raise bad(name, raw, "phải là số.", "must be an integer id.")
    return int(raw)


def _ward(raw: str) -> AdminUnit | None:
    """A ward by id, or by official code or name, today's or a predecessor's (``ward_names.find_ward``);
    a number that is both the id of one ward and the code of another is refused."""
    by_id = set(AdminUnit.objects.wards().filter(pk=int(raw))) if is_whole(raw) else set()
    try:
        found: set[AdminUnit | None] = {find_ward(raw, "ward", by_id=False)}
    except InvalidInput as exc:
        if not by_id or exc.code != "unknown_ward":
            raise bad("ward", raw, exc.message, exc.message_en) from None
        found = set()
    found |= by_id
    if len(found) > 1:
        raise bad(
            "ward",
            raw,
            "vừa là mã số vừa là mã phường của hai phường khác nhau.",
            "is both the id of one ward and the code of another.",
        )
    return found.pop()  # None for a name of spaces only, as before


def _industry(params: Mapping, flt: BusinessFilter) -> None:
    version = params.get("vsic") or Industry.Version.VSIC2018
    if version not in Industry.Version.values:
        raise bad("vsic", version, f"chọn một trong {', '.join(Industry.Version.values)}.", "unknown version.")
    code = (params.get("industry") or "").strip().upper()
    if not code:
        return
    if not _INDUSTRY_CODE.match(code):
        raise bad("industry", code, "mã ngành là một chữ cái hoặc 2–5 chữ số.", "a section letter or 2–5 digits.")
    if code.isalpha():
        found = Industry.objects.filter(version=version, code=code, level=1).exists()
        condition = Q(section=code, industry__version=version)
    else:
        # A shorter code stands for every code under it (56 → 5610, 5630, …), whether or not the
        # level-2/3 rows are loaded; the ids are few, so the filter needs no join.
        ids = list(Industry.objects.filter(version=version, code__startswith=code).values_list("id", flat=True))
        found, condition = bool(ids), Q(industry_id__in=ids)
    if not found:
        raise bad("industry", code, f"không có mã ngành này trong {version}.", f"no such code in {version}.")
    flt.narrow(condition)


def _bbox(raw: str) -> Polygon:
    try:
        west, south, east, north = (float(v) for v in raw.split(","))
    except ValueError:
        raise bad(
            "bbox", raw, "cần 4 số: kinh độ tây, vĩ độ nam, kinh độ đông, vĩ độ bắc.", "expected west,south,east,north."
        ) from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise bad("bbox", raw, "tọa độ phải là số hữu hạn.", "coordinates must be finite numbers.")
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise bad(
            "bbox",
            raw,
            "sai thứ tự hoặc ngoài phạm vi (tây,nam,đông,bắc theo WGS 84).",
            "out of range or in the wrong order (west,south,east,north in WGS 84).",
        )
    return Polygon.from_bbox((west, south, east, north))


def _name_key(raw: str) -> str:
    """The signboard's comparable form, from the same SQL function that fills `signboard_key`."""
    with connection.cursor() as cur:
        cur.execute("SELECT portal_name_key(%s)", [raw])
        return cur.fetchone()[0] or ""


def parse(params: Mapping) -> BusinessFilter:
    """The filter described by the query parameters; InvalidInput (400) naming the first bad one."""
    flt = BusinessFilter()
    for name in PARAMS:
        if name in REPEATABLE:
            if values := _values(params, name):
                flt.given[name] = values
        elif params.get(name) not in (None, ""):
            flt.given[name] = params.get(name)

    _industry(params, flt)
    if section := (params.get("section") or "").strip().upper():
        if not re.fullmatch(r"[A-Z]", section) or not Industry.objects.filter(level=1, code=section).exists():
            raise bad("section", section, "không có ngành cấp 1 này (A, B, … U).", "no such VSIC section (A … U).")
        flt.narrow(Q(section=section))
    if raw := (params.get("ward") or "").strip():
        flt.narrow(Q(ward=_ward(raw)))
    if raw := (params.get("khu_pho") or "").strip():
        kp = AdminUnit.objects.filter(pk=_id("khu_pho", raw), level=AdminUnit.Level.KHU_PHO).first()
        if kp is None:
            raise bad("khu_pho", raw, "không có khu phố này.", "no such khu phố.")
        flt.narrow(Q(khu_pho=kp))
    if raw := params.get("street_block"):
        block = nfc(raw)
        limit = concrete_field(Business, "street_block").max_length
        if limit is not None and len(block) > limit:
            raise bad("street_block", raw, "quá dài.", "too long.")
        flt.narrow(Q(street_block=block))
    if statuses := _values(params, "status"):
        if unknown := [s for s in statuses if s not in Business.Status.values]:
            raise bad("status", unknown[0], f"chọn trong {', '.join(Business.Status.values)}.", "unknown status.")
        flt.narrow(Q(status__in=statuses))
    if licences := _values(params, "licence"):
        if unknown := [v for v in licences if v not in Business.Licence.values]:
            raise bad("licence", unknown[0], f"chọn trong {', '.join(Business.Licence.values)}.", "unknown licence.")
        flt.narrow(Q(licences__overlap=licences))
    start, end = _date(params, "registered_from"), _date(params, "registered_to")
    if start and end and start > end:
        raise bad("registered_from", start.isoformat(), "sau ngày registered_to.", "is after registered_to.")
    if start:
        flt.narrow(Q(registered_on__gte=start))
    if end:
        flt.narrow(Q(registered_on__lte=end))
    if raw := params.get("bbox"):
        flt.narrow(Q(geom__intersects=_bbox(raw)))
    if raw := params.get("q"):
        if len(raw) > MAX_TEXT:
            raise bad("q", raw[:20] + "…", f"dài quá {MAX_TEXT} ký tự.", f"longer than {MAX_TEXT} characters.")
        key = _name_key(nfc(raw))
        if not key:
            raise bad("q", raw, "không có chữ hoặc số nào để tìm.", "has no letters or digits to search for.")
        # LIKE '%key%' on the generated column: the trigram GIN index answers it.
        flt.narrow(Q(signboard_key__contains=key))
    if raw := params.get("missing_from_sync"):
        flag = raw.strip().lower()
        if flag not in _TRUE | _FALSE:
            raise bad("missing_from_sync", raw, "dùng true hoặc false.", "use true or false.")
        flt.narrow(Q(missing_from_sync_at__isnull=flag in _FALSE))
    return flt


def scope(qs: QuerySet, user: Any) -> QuerySet:
    """Rows of `qs` this user may list.

    Officers their own khu phố or ward (every status), leaders and admins everything; citizens and
    roles without business rights only the public rows. A role the permissions module gives no
    business rights gets nothing from `scope_private`, so a new role starts with an empty list.
    """
    if not sees_domain(user, Domain.FEATURES):
        return qs.filter(status__in=PUBLIC_STATUSES)
    return scope_private(qs, user, Domain.FEATURES)


def business_rows(user: Any, params: Mapping) -> tuple[QuerySet, BusinessFilter]:
    """Businesses (never the soft-deleted) this user may list, narrowed by the parameters; and the filter."""
    flt = parse(params)
    return scope(Business.objects.filter(is_deleted=False), user).filter(flt.q), flt


def unit_choices(user: Any) -> tuple[QuerySet, QuerySet]:
    """(wards, khu phố) a filter form offers this user: those of its scope, every current one for public roles."""
    wards = AdminUnit.objects.valid_on().wards().exclude(code__startswith="BENCH-").order_by("name")
    khu_phos = AdminUnit.objects.valid_on().filter(level=AdminUnit.Level.KHU_PHO).order_by("parent__name", "name")
    if not sees_domain(user, Domain.FEATURES):
        return wards, khu_phos.filter(parent__in=wards)
    if (kp := khu_pho_bound(user)) is not None:
        return wards.filter(children__pk=kp), khu_phos.filter(pk=kp)
    if (ids := ward_ids(user)) is not None:
        wards = wards.filter(pk__in=ids)
    return wards, khu_phos.filter(parent__in=wards)
