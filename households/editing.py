"""Edits of one house number or one household, with optimistic locking (docs/architecture.md, "Editing and history").

The client sends the ``version`` it read; a stale one gets 409 and the newer data stays. Each save goes
through the model, so simple-history records who changed what (the request's user, by its middleware).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction

from gisportal.errors import Conflict, InvalidInput
from gisportal.permissions import Domain, require_edit
from households import house_rows
from households.addresses import AddressError, parse_house_number
from households.imports.places import locate
from households.models import Household, HouseholdMove, HouseNumber, Street
from layers import history as feature_history
from layers.crs import check_lon_lat

HOUSE_FIELDS = {"version", "number", "street", "lon", "lat", "status"}
HOUSEHOLD_FIELDS = {"version", *Household.record_fields, "moved_out_on"}
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _check_fields(data: Any, allowed: set[str]) -> dict:
    if not isinstance(data, dict):
        raise InvalidInput("Dữ liệu phải là một đối tượng JSON.", "The body must be a JSON object.")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidInput(
            "Không sửa được trường: " + ", ".join(unknown) + ".",
            "These fields cannot be edited: " + ", ".join(unknown) + ".",
            {"fields": unknown, "editable": sorted(allowed)},
        )
    if not isinstance(data.get("version"), int) or isinstance(data.get("version"), bool):
        raise InvalidInput(
            "Thiếu version (số phiên bản đã đọc).", "version (the version you read) is required.", code="no_version"
        )
    return data


def _stale(kind_vi: str, kind_en: str, sent: dict, current: dict) -> Conflict:
    return Conflict(
        f"Người khác đã lưu {kind_vi} này trước bạn; dữ liệu mới hơn được giữ nguyên.",
        f"Someone else saved this {kind_en} first; the newer data was kept.",
        {"yours": sent, "current": current},
    )


def _text(data: dict, name: str, limit: int, required: bool = False) -> str:
    value = data.get(name)
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit or _MARKUP.search(value):
        raise InvalidInput(
            f"{name}: văn bản thuần, tối đa {limit} ký tự.", f"{name}: plain text, at most {limit} characters."
        )
    return value.strip()


def _set_number(h: HouseNumber, data: dict) -> None:
    try:
        n = parse_house_number(_text(data, "number", 80, required=True))
    except AddressError as exc:
        raise InvalidInput(str(exc).split(" / ")[0], str(exc).split(" / ")[-1]) from exc
    if n.main is None:  # no main number at all ("<script>"): was stored as NULL, a 500 on the NOT NULL column
        raise InvalidInput(
            "Số nhà phải có số chính (ví dụ 12, 12/3, 12A).",
            "A house number needs its main number (12, 12/3, 12A).",
            {"number": str(data.get("number"))[:80]},
            code="bad_number",
        )
    h.main, h.main_suffix, h.prefix, h.alleys = n.main, n.main_suffix, n.prefix, list(n.alleys)
    h.number, h.sort_key = n.canonical(), n.sort_key()


def _street(data: dict, ward_id: int) -> Street:
    raw = data["street"]
    street = Street.objects.filter(pk=raw, ward_id=ward_id).first() if isinstance(raw, int) else None
    if street is None:
        raise InvalidInput("Phường này không có đường đó.", "No such street in this ward.", code="unknown_street")
    return street


def _place(lon: Any, lat: Any) -> tuple[Point, int | None, int | None]:
    """The point, and the ward and khu phố in force that hold it."""
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        raise InvalidInput("lon, lat phải là số.", "lon and lat must be numbers.")
    check_lon_lat(float(lon), float(lat))
    [(ward, khu_pho)] = locate(np.array([float(lon)]), np.array([float(lat)]))
    return Point(float(lon), float(lat), srid=4326), ward, khu_pho


def _taken(data: dict) -> Conflict:
    return Conflict("Đường này đã có số nhà đó.", "The street already has that number.", {"number": data.get("number")})


def create_house_number(data: Any, user) -> HouseNumber:
    """File a new house number from ``{"number", "street", "lon", "lat"}``: its ward is the one holding the
    point, where the user must edit; the street must be of that ward, the number new on it."""
    fields = {"number", "street", "lon", "lat"}
    if not isinstance(data, dict) or set(data) - fields:
        raise InvalidInput("Chỉ gửi number, street, lon, lat.", "Send only number, street, lon, lat.", sorted(fields))
    missing = sorted(fields - set(data))
    if missing:
        text = ", ".join(missing)
        raise InvalidInput(f"Thiếu: {text}.", f"Missing: {text}.", {"fields": missing})
    point, ward, khu_pho = _place(data["lon"], data["lat"])
    if ward is None:
        raise InvalidInput("Điểm này không thuộc phường nào.", "This point is inside no ward.", code="outside_ward")
    require_edit(user, ward, khu_pho, Domain.FEATURES)
    h = HouseNumber(ward_id=ward, khu_pho_id=khu_pho, geom=point, source=HouseNumber.Source.MANUAL)
    _set_number(h, data)
    h.street = _street(data, ward)
    kp_unit = h.khu_pho
    h.address = house_rows.canonical_address(h.number, h.street.name, kp_unit.name if kp_unit else None, h.ward.name)
    try:
        with transaction.atomic():
            h.save()
    except IntegrityError as exc:
        raise _taken(data) from exc
    return h


def edit_house_number(house: HouseNumber, data: Any, user, current: Any) -> HouseNumber:
    """Change a house number's number, street, point or status; ``current`` serialises it for a 409."""
    require_edit(user, house.ward_id, house.khu_pho_id, Domain.FEATURES)
    data = _check_fields(data, HOUSE_FIELDS)
    try:
        with transaction.atomic():
            h = (
                HouseNumber.objects.select_for_update(of=("self",))
                .select_related("street", "ward", "khu_pho")
                .get(pk=house.pk)
            )
            if h.version != data["version"]:
                raise _stale("số nhà", "house number", data, current(h))
            feature_history.ensure_baseline(h)  # numbers imported in bulk get their version 1 before changing
            if "number" in data:
                _set_number(h, data)
            if "street" in data:
                h.street = _street(data, h.ward_id)
            if "lon" in data or "lat" in data:
                point, ward, khu_pho = _place(data.get("lon", h.geom.x), data.get("lat", h.geom.y))
                if ward != h.ward_id:
                    raise InvalidInput(
                        "Điểm mới nằm ngoài phường của số nhà; hãy bỏ số này và nhập ở phường mới.",
                        "The new point is outside the house number's ward; retire it and file it in the new ward.",
                        code="outside_ward",
                    )
                h.geom, h.khu_pho_id = point, khu_pho
            if "status" in data:
                if data["status"] not in HouseNumber.Status.values:
                    raise InvalidInput(
                        f"Trạng thái '{data['status']}' không có.", f"Unknown status {data['status']!r}."
                    )
                h.status = data["status"]
            kp = h.khu_pho.name if h.khu_pho_id and h.khu_pho else None
            h.address = house_rows.canonical_address(h.number, h.street.name, kp, h.ward.name)
            h.version += 1
            h.save()
    except IntegrityError as exc:
        raise _taken(data) from exc
    return h


def edit_household(household: Household, data: Any, user, current: Any) -> Household:
    """Change a household's private record and flags (ward officers of its ward, admins)."""
    require_edit(user, household.ward_id, household.khu_pho_id, Domain.HOUSEHOLDS)
    data = _check_fields(data, HOUSEHOLD_FIELDS)
    with transaction.atomic():
        h = Household.objects.select_for_update().get(pk=household.pk)
        if h.version != data["version"]:
            raise _stale("hộ", "household", data, current(h))
        feature_history.ensure_baseline(h)
        if "head_name" in data:
            h.head_name = _text(data, "head_name", 120, required=True)
        if "head_phone" in data:
            h.head_phone = _text(data, "head_phone", 20)
        if "members" in data:
            h.members = _members(data["members"])
        for name in ("poor", "near_poor", "policy_family", "social_allowance"):
            if name in data:
                if not isinstance(data[name], bool):
                    raise InvalidInput(f"{name} phải là true/false.", f"{name} must be true or false.")
                setattr(h, name, data[name])
        for name, hi in (("size", 100), ("military_age_youth", 50)):
            if name in data:
                if not isinstance(data[name], int) or isinstance(data[name], bool) or not 0 <= data[name] <= hi:
                    raise InvalidInput(f"{name} phải là số từ 0 đến {hi}.", f"{name} must be an integer 0–{hi}.")
                setattr(h, name, data[name])
        if "status" in data:
            if data["status"] not in Household.Status.values:
                raise InvalidInput(f"Trạng thái '{data['status']}' không có.", f"Unknown status {data['status']!r}.")
            h.status = data["status"]
        if "moved_out_on" in data:
            raw_day = data["moved_out_on"]
            h.moved_out_on = None if raw_day is None else _date(raw_day, "moved_out_on")
        h.version += 1
        h.save()
    return h


def add_move(household: Household, data: Any, user) -> HouseholdMove:
    """Record people moving in or out of a household on a day; the household's size follows (a new version
    in its history), and a household whose last people moved out is marked moved out."""
    require_edit(user, household.ward_id, household.khu_pho_id, Domain.HOUSEHOLDS)
    if not isinstance(data, dict):
        raise InvalidInput("Dữ liệu phải là một đối tượng JSON.", "The body must be a JSON object.")
    if data.get("kind") not in HouseholdMove.Kind.values:
        raise InvalidInput("kind phải là 'in' hoặc 'out'.", "kind must be 'in' or 'out'.")
    persons = data.get("persons", 1)
    if not isinstance(persons, int) or isinstance(persons, bool) or not 1 <= persons <= 100:
        raise InvalidInput("persons phải là số từ 1 đến 100.", "persons must be an integer 1–100.")
    place = _text(data, "place", 200) if "place" in data else ""
    day = _date(data.get("date"), "date")
    with transaction.atomic():
        h = Household.objects.select_for_update().get(pk=household.pk)
        if data["kind"] == HouseholdMove.Kind.OUT:
            if persons > h.size:
                raise InvalidInput(
                    f"Hộ chỉ có {h.size} người, không thể chuyển đi {persons} người.",
                    f"The household has {h.size} people: {persons} cannot move out.",
                    {"size": h.size, "persons": persons},
                    code="more_than_household",
                )
            h.size -= persons
            if h.size == 0:
                h.status, h.moved_out_on = Household.Status.MOVED_OUT, day
        else:
            h.size += persons
            if h.status == Household.Status.MOVED_OUT:
                h.status, h.moved_in_on, h.moved_out_on = Household.Status.RESIDENT, day, None
        h.version += 1
        h.save()
        move = HouseholdMove(household=h, kind=data["kind"], date=day, persons=persons, place=place)
        move.save()
    return move


def _date(raw: Any, name: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(str(raw))
    except ValueError:
        raise InvalidInput(f"{name}: ngày dạng YYYY-MM-DD.", f"{name}: a date as YYYY-MM-DD.") from None
    if day > dt.date.today():
        raise InvalidInput(f"{name} ở tương lai.", f"{name} is in the future.")
    return day


def _members(raw: Any) -> list[dict]:
    """[{"name", "birth_year", "sex", "relation", "phone"}]: plain text, sane years."""
    if not isinstance(raw, list) or len(raw) > 50:
        raise InvalidInput("members phải là danh sách (tối đa 50 người).", "members must be a list (at most 50).")
    out = []
    for m in raw:
        if not isinstance(m, dict) or set(m) - {"name", "birth_year", "sex", "relation", "phone"}:
            raise InvalidInput(
                "Mỗi thành viên: name, birth_year, sex, relation, phone.",
                "Each member: name, birth_year, sex, relation, phone.",
            )
        person: dict[str, Any] = {"name": _text(m, "name", 120, required=True)}
        if "birth_year" in m:
            year = m["birth_year"]
            if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= dt.date.today().year:
                raise InvalidInput("birth_year không hợp lệ.", "Invalid birth_year.")
            person["birth_year"] = year
        for name, limit in (("sex", 1), ("relation", 40), ("phone", 20)):
            if name in m:
                person[name] = _text(m, name, limit)
        out.append(person)
    return out
