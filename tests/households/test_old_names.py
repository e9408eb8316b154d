"""Old ward names and codes resolve to today's units: through the geocoder, the business sync and the name check.

The units come from a generated table loaded by `manage.py load_units_2025` (tests/layers/units_world.py):
Phường 4 of Quận 3 was split between Bàn Cờ (its west) and Xuân Hòa (its east); Phường 2 of Quận 3 went whole
to Bàn Cờ, Phường 2 of Quận 10 to Vườn Lài. Nguyễn Đình Chiểu runs through both halves: numbers 2–20 in Bàn
Cờ, 100–120 in Xuân Hòa, so a split ward's address is decided by its number, or by the point.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.gis.geos import LineString, MultiLineString, Point
from django.core.management import call_command
from django.test import Client

from businesses.models import Business
from gisportal.models import Role
from households.addresses import parse_house_number
from households.house_rows import canonical_address
from households.models import HouseNumber, Street
from layers.models import AdminUnit
from tests.factories import AdminUnitFactory, BusinessFactory, industry, user_with_role
from tests.layers import units_world as uw

NDC = "Nguyễn Đình Chiểu"


def ward(code: str) -> AdminUnit:
    return AdminUnit.objects.get(level="ward", code=code, valid_to__isnull=True)


def add_street(unit: AdminUnit, x0: float, x1: float, numbers: list[int]) -> dict[str, HouseNumber]:
    y = 0.5
    street = Street.objects.create(
        name=NDC,
        ward=unit,
        geom=MultiLineString(LineString([uw.point(x0, y), uw.point(x1, y)], srid=4326), srid=4326),
    )
    out = {}
    for i, n in enumerate(numbers):
        x = x0 + (x1 - x0) * (i + 0.5) / len(numbers)
        number = parse_house_number(str(n))
        out[str(n)] = HouseNumber.objects.create(
            ward=unit,
            street=street,
            main=number.main,
            number=number.canonical(),
            sort_key=number.sort_key(),
            address=canonical_address(number.canonical(), NDC, None, unit.name),
            geom=Point(*uw.point(x, y + (0.02 if n % 2 else -0.02)), srid=4326),
        )
    return out


@pytest.fixture
def city(db, tmp_path):
    table = uw.write_table(tmp_path / "units.csv")
    shp = uw.write_boundaries(tmp_path / "wards.gpkg")
    call_command("load_units_2025", "--table", str(table), "--boundaries", str(shp), stdout=io.StringIO())
    ban_co, xuan_hoa = ward("27154"), ward("27139")
    houses = add_street(ban_co, 0.1, 2.4, list(range(2, 21, 2)))
    houses |= add_street(xuan_hoa, 2.6, 3.9, list(range(100, 121, 2)))
    return {"ban_co": ban_co, "xuan_hoa": xuan_hoa, "vuon_lai": ward("27190"), "houses": houses}


def best(q: str) -> dict:
    response = Client().get("/api/v1/geocode", {"q": q})
    assert response.status_code == 200, response.content
    return response.json()["results"][0]


# --- the geocoder ---------------------------------------------------------------------------------------


def test_a_whole_predecessor_and_todays_name_find_the_same_house(city):
    house = city["houses"]["8"]
    for q in (f"8 {NDC}, Phường 2, Quận 3", f"8 {NDC}, P.2, Q.3", f"8 {NDC}, Phường Bàn Cờ", f"8 {NDC}, Bàn Cờ"):
        found = best(q)
        assert (found["level"], found["house_number_id"], found["ward_id"]) == ("house", house.pk, city["ban_co"].pk)


def test_a_split_predecessor_is_decided_by_the_number(city):
    west, east = best(f"12 {NDC}, Phường 4, Quận 3"), best(f"110 {NDC}, Phường 4, Quận 3")
    assert (west["house_number_id"], west["ward_id"]) == (city["houses"]["12"].pk, city["ban_co"].pk)
    assert (east["house_number_id"], east["ward_id"]) == (city["houses"]["110"].pk, city["xuan_hoa"].pk)
    assert west["score"] >= 0.8 and east["score"] >= 0.8
    # A renamed ward's old name: Võ Thị Sáu is in Xuân Hòa.
    assert best(f"110 {NDC}, Phường Võ Thị Sáu, Quận 3")["house_number_id"] == city["houses"]["110"].pk


# --- the name check (and the filters of lists, statistics and exports) -----------------------------------


def name_check(ward_param: str):
    return Client().get("/api/v1/businesses/name-check", {"name": "Phở Hòa", "ward": ward_param, "area": "ward"})


@pytest.mark.parametrize("ward_param", ["27154", "Phường Bàn Cờ", "ban co", "27157", "Phường 2, Quận 3", "27160"])
def test_the_name_check_takes_a_unit_by_code_or_name_old_or_new(city, ward_param):
    response = name_check(ward_param)
    assert response.status_code == 200, response.content
    assert response.json()["area"] == {"kind": "ward", "name": "Phường Bàn Cờ", "wards": [city["ban_co"].pk]}


@pytest.mark.parametrize(
    ("ward_param", "error", "candidates"),
    [
        ("27148", "ambiguous_ward", ["Phường Bàn Cờ", "Phường Xuân Hòa"]),  # the split ward's code
        ("Phường 4, Quận 3", "ambiguous_ward", ["Phường Bàn Cờ", "Phường Xuân Hòa"]),
        ("Phường 2", "ambiguous_ward", ["Phường Bàn Cờ", "Phường Vườn Lài"]),  # which district's?
        ("Phường 9, Quận 3", "unknown_ward", None),
        ("27999", "unknown_ward", None),
    ],
)
def test_a_unit_that_is_not_one_ward_is_a_400_naming_the_candidates(city, ward_param, error, candidates):
    response = name_check(ward_param)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == error and body["message"] and body["message_en"]
    if candidates:
        assert body["details"]["candidates"] == candidates


def test_lists_and_statistics_filter_by_an_old_code_or_name(city):
    shop = BusinessFactory(ward=city["ban_co"], geom=Point(*uw.point(1.5, 0.5), srid=4326))
    BusinessFactory(ward=city["xuan_hoa"], geom=Point(*uw.point(3.5, 0.5), srid=4326))
    leader = Client()
    leader.force_login(user_with_role("leader", Role.DISTRICT_LEADER))
    for param in ("Phường 2, Quận 3", "27157", "Bàn Cờ"):
        listed = leader.get("/api/v1/businesses/", {"ward": param})
        assert listed.status_code == 200, listed.content
        assert [f["id"] for f in listed.json()["features"]] == [shop.pk]
        stats = leader.get("/api/v1/businesses/stats", {"ward": param, "group_by": "ward"})
        assert stats.status_code == 200, stats.content
    bad = leader.get("/api/v1/businesses/", {"ward": "Phường 4, Quận 3"})
    assert bad.status_code == 400 and bad.json()["details"]["param"] == "ward"


# --- the business sync ----------------------------------------------------------------------------------


def row(no: str, address: str, lon_lat: tuple[float, float] | None = None, legacy: str = "") -> dict:
    industry("5610")
    return {
        "registration_no": no,
        "signboard": f"Phở {no}",
        "owner_name": "Nguyễn Văn Chủ",
        "industry_code": "5610",
        "address_current": address,
        "address_legacy": legacy,
        "status": "active",
        "registered_on": "2020-01-02",
        "lon": f"{lon_lat[0]:.7f}" if lon_lat else "",
        "lat": f"{lon_lat[1]:.7f}" if lon_lat else "",
    }


def sync(rows: list[dict]):
    admin = Client()
    admin.force_login(user_with_role("quantri", Role.ADMIN))
    return admin.post("/api/v1/businesses/sync", {"rows": rows}, content_type="application/json")


def test_the_sync_maps_old_wards_to_todays_by_the_house_or_the_point(city):
    rows = [
        row("41S0000001", f"12 {NDC}, Phường 4, Quận 3"),  # split ward, no point: the house decides
        row("41S0000002", f"110 {NDC}, Phường 4, Quận 3"),
        row("41S0000003", "Phường 4, Quận 3", uw.point(2.8, 0.3)),  # split ward, a point: the point decides
        row("41S0000004", "Chợ, Phường Xuân Hòa", legacy=f"104 {NDC}, Phường Võ Thị Sáu, Quận 3"),
    ]
    response = sync(rows)
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 4
    wards = dict(Business.objects.values_list("registration_no", "ward__code"))
    assert wards == {"41S0000001": "27154", "41S0000002": "27139", "41S0000003": "27139", "41S0000004": "27139"}
    by_house = Business.objects.get(registration_no="41S0000001")
    assert by_house.house_number_id == city["houses"]["12"].pk
    assert Business.objects.get(registration_no="41S0000004").house_number_id == city["houses"]["104"].pk


def test_a_split_ward_without_a_point_or_a_house_is_reported(city):
    response = sync([row("41S0000009", "Hẻm 9 Đường Không Có, Phường 4, Quận 3")])
    body = response.json()
    assert response.status_code == 400 or body["committed"] is False, body
    [rejection] = (body.get("details") or body)["report"]["rejections"]
    assert rejection["reason"] == "ambiguous_ward"
    assert "Phường Bàn Cờ, Phường Xuân Hòa" in rejection["message"] and "2 wards" in rejection["message_en"]
    assert Business.objects.count() == 0


def test_a_ward_by_id_and_a_code_that_is_that_number_the_code_wins_at_once(city):
    """The id path reads the ward and the names' freshness stamp in one query: a ward given a code equal to
    another ward's id is found by that code on the very next request, not by the id from names read before."""
    ban_co = city["ban_co"]
    assert name_check(str(ban_co.pk)).json()["area"]["wards"] == [ban_co.pk]  # the names are cached now
    other = AdminUnitFactory(code=str(ban_co.pk), name="Phường Số Trùng")
    response = name_check(str(ban_co.pk))
    assert response.status_code == 200, response.content
    assert response.json()["area"] == {"kind": "ward", "name": "Phường Số Trùng", "wards": [other.pk]}
