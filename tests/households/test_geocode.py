"""Forward and reverse geocoding through HTTP and ``geocode_many``, on house numbers written in code."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from households.addresses import parse_house_number
from households.addresses.geocode import NONE, geocode_many
from households.house_rows import canonical_address
from households.models import HouseNumber
from tests.factories import AdminUnitFactory, square
from tests.households.house_world import House, alley_houses, make_streets, ndc_houses


def file_houses(world, street, houses: list[House]) -> dict[str, HouseNumber]:
    out = {}
    for h in houses:
        n = parse_house_number(h.number)
        kp = world.kp_a1 if street.ward_id == world.ward_a.pk and h.lon < 106.70 else None
        out[h.number] = HouseNumber.objects.create(
            ward_id=street.ward_id,
            khu_pho=kp,
            street=street,
            main=n.main,
            main_suffix=n.main_suffix,
            prefix=n.prefix,
            alleys=list(n.alleys),
            number=n.canonical(),
            sort_key=n.sort_key(),
            address=canonical_address(n.canonical(), street.name, kp.name if kp else None, street.ward.name),
            geom=Point(h.lon, h.lat, srid=4326),
        )
    return out


@pytest.fixture
def houses(world):
    streets = make_streets(world)
    a = file_houses(world, streets["ndc_a"], ndc_houses(1, 30) + alley_houses(5, 8) + alley_houses(9, 4))
    b = file_houses(world, streets["ndc_b"], ndc_houses(1, 10, lon0=106.7225))
    s7 = file_houses(
        world,
        streets["so7_a"],
        [House(str(n), "Đường số 7", 106.70008 if n % 2 else 106.69992, 10.772 + n * 0.00005) for n in range(1, 11)],
    )
    # Before the 2025 merger, ward A was Phường 2 of Quận 3 and ward B Phường 2 of Quận 10.
    old = dict(valid_from=dt.date(1976, 5, 20), valid_to=dt.date(2025, 6, 30))
    q3 = AdminUnitFactory(level="district", kind="quan", name="Quận 3", boundary=square(106.70, 10.78, 0.02), **old)
    q10 = AdminUnitFactory(level="district", kind="quan", name="Quận 10", boundary=square(106.73, 10.78, 0.02), **old)
    AdminUnitFactory(name="Phường 2", parent=q3, successor=world.ward_a, boundary=world.ward_a.boundary, **old)
    AdminUnitFactory(name="Phường 2", parent=q10, successor=world.ward_b, boundary=world.ward_b.boundary, **old)
    return {"a": a, "b": b, "so7": s7}


def geocode(q: str, **params) -> dict:
    response = Client().get("/api/v1/geocode", {"q": q, **params})
    assert response.status_code == 200, response.json()
    return response.json()


def best(q: str, **params) -> dict:
    results = geocode(q, **params)["results"]
    assert results, q
    return results[0]


# --- exact house, whatever the spelling --------------------------------------------------------------

SAME_HOUSE = [
    "5/3 Nguyễn Đình Chiểu, Khu phố 1, Phường An Nhơn, Thành phố Hồ Chí Minh",
    "5/3 Nguyen Dinh Chieu, P. An Nhon, TP.HCM",  # accents dropped, abbreviations
    unicodedata.normalize("NFD", "5/3 Nguyễn Đình Chiểu, Phường An Nhơn"),  # decomposed accents
    "5/3 NGUYỄN ĐÌNH CHIỂU, P.AN NHƠN",
    "Số 5/3 đường Nguyễn Đình Chiểu, KP 1, P An Nhơn",
    "5 / 3 Đ. Nguyễn Đình Chiểu, Phường An Nhơn",
    "5/3 Nguyễn Đình Chiu, Phường An Nhơn",  # a typo in the street
    "5/3 Nguyễn Đình Chiểu, Phường An Nhon",
    "Phường An Nhơn, 5/3 Nguyễn Đình Chiểu",  # reordered
    "5/3 Nguyễn Đình Chiểu - KP 1 - P. An Nhơn - TP.HCM",  # hyphens for commas
    "5/3 nguyen dinh chieu p an nhon",  # no commas, no dot
    "5/3 Nguyễn Đình Chiểu, Phường 2, Quận 3",  # the pre-merger ward → today's through successor
]


@pytest.mark.parametrize("q", SAME_HOUSE)
def test_every_spelling_finds_the_exact_house(houses, q):
    found = best(q)
    assert (found["level"], found["house_number_id"]) == ("house", houses["a"]["5/3"].pk), found
    assert found["address"] == "5/3 Nguyễn Đình Chiểu, Khu phố 1, Phường An Nhơn, Thành phố Hồ Chí Minh"
    assert found["score"] >= 0.8


def test_the_legacy_district_picks_the_right_namesake_ward(houses):
    assert best("3 Nguyễn Đình Chiểu, Phường 2, Quận 10")["house_number_id"] == houses["b"]["3"].pk
    assert best("3 Nguyễn Đình Chiểu, Phường 2, Quận 3")["house_number_id"] == houses["a"]["3"].pk


def test_same_street_in_two_wards_without_ward_gives_both_and_ward_param_restricts(world, houses):
    results = geocode("3 Nguyễn Đình Chiểu")["results"]
    assert {r["house_number_id"] for r in results[:2]} == {houses["a"]["3"].pk, houses["b"]["3"].pk}
    assert all(r["score"] < 1.0 for r in results)  # ambiguous: neither is certain
    only_b = geocode("3 Nguyễn Đình Chiểu", ward=world.ward_b.code)["results"]
    assert [r["house_number_id"] for r in only_b] == [houses["b"]["3"].pk]


def test_numbered_street_and_parsed_components(houses):
    data = geocode("7 Đường số 7, P. An Nhơn")
    assert data["parsed"]["house"] == "7" and data["parsed"]["street"] == "Đường số 7"
    assert data["results"][0]["house_number_id"] == houses["so7"]["7"].pk


# --- the lower levels ----------------------------------------------------------------------------------


def test_unknown_number_in_a_known_alley_is_the_alley_level(houses):
    found = best("5/99 Nguyễn Đình Chiểu, Phường An Nhơn")
    assert found["level"] == "alley" and found["number"] == "5/8"  # the alley's house nearest in number
    assert 0.5 < found["score"] < 1.0
    found = best("5/3/7 Nguyễn Đình Chiểu, Phường An Nhơn")  # a sub-alley we do not have: its entrance
    assert found["level"] == "alley" and found["number"] == "5/3"
    found = best("Hẻm 9 Nguyễn Đình Chiểu, Phường An Nhơn")  # the alley itself
    assert found["level"] == "alley" and found["number"].startswith("9/")


def test_unknown_number_on_a_known_street_is_the_street_level(houses):
    found = best("28A Nguyễn Đình Chiểu, Phường An Nhơn")
    assert found["level"] == "street" and found["number"] == "28"  # the nearest number on the same side
    found = best("Nguyễn Đình Chiểu, Phường An Nhơn")
    assert found["level"] == "street" and found["house_number_id"] is None and found["street"] == "Nguyễn Đình Chiểu"


def test_unknown_street_in_a_known_ward_is_the_ward_level(world, houses):
    found = best("12 Lê Lợi, Phường An Nhơn")
    assert (found["level"], found["ward_id"]) == ("ward", world.ward_a.pk)
    assert world.ward_a.boundary.contains(Point(found["lon"], found["lat"], srid=4326))
    assert found["score"] < 0.5


def test_nothing_known_is_an_empty_list_and_no_address_is_a_400(houses):
    assert geocode("12 Lê Lợi, Phường Không Có")["results"] == []
    response = Client().get("/api/v1/geocode", {"q": "???"})
    assert response.status_code == 400 and response.json()["error"] == "unparseable_address"
    assert Client().get("/api/v1/geocode").status_code == 400
    assert Client().get("/api/v1/geocode", {"q": "1 Lê Lợi", "ward": "nope"}).status_code == 400
    assert Client().get("/api/v1/geocode", {"q": "x" * 301}).status_code == 400


# --- batch -----------------------------------------------------------------------------------------------


def test_geocode_many_for_the_business_import(houses):
    texts = ["5/3 Nguyen Dinh Chieu, P. An Nhon", "???", "5/3 Nguyen Dinh Chieu, P. An Nhon", "12 Lê Lợi, P. An Nhơn"]
    matches = geocode_many(texts)
    assert [m.level for m in matches] == ["house", "none", "house", "ward"]
    assert matches[0].house_number_id == houses["a"]["5/3"].pk and matches[1] is NONE


def test_the_index_follows_new_house_numbers(world, houses):
    assert best("31 Nguyễn Đình Chiểu, P. An Nhơn")["level"] == "street"
    street = HouseNumber.objects.get(pk=houses["a"]["1"].pk).street
    file_houses(world, street, ndc_houses(31, 1))
    assert best("31 Nguyễn Đình Chiểu, P. An Nhơn")["level"] == "house"


# --- reverse ---------------------------------------------------------------------------------------------


def test_reverse_gives_the_nearest_numbers_within_the_radius(houses):
    h = houses["a"]["5/3"]
    response = Client().get("/api/v1/geocode/reverse", {"lat": h.geom.y, "lon": h.geom.x, "radius_m": 15})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["house_number_id"] == h.pk and results[0]["distance_m"] == 0
    assert all(r["distance_m"] <= 15 for r in results) and len(results) > 1
    assert [r["distance_m"] for r in results] == sorted(r["distance_m"] for r in results)
    far = Client().get("/api/v1/geocode/reverse", {"lat": 10.785, "lon": 106.705, "radius_m": 20}).json()
    assert far["results"] == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"lat": 106.7, "lon": 10.78}, "swapped_coordinates"),
        ({"lat": 48.85, "lon": 2.35}, "outside_vietnam"),
        ({"lat": "x", "lon": 106.7}, "invalid_input"),
        ({"lat": 10.78, "lon": 106.7, "radius_m": 5000}, "invalid_input"),
        ({"lon": 106.7}, "missing_parameter"),
    ],
)
def test_reverse_refuses_bad_points(params, code):
    response = Client().get("/api/v1/geocode/reverse", params)
    assert response.status_code == 400 and response.json()["error"] == code
