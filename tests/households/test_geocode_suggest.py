"""Suggestions for a search box (`/api/v1/geocode/suggest`): half an address → houses and streets, through HTTP."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.households.house_world import House
from tests.households.test_geocode import file_houses, houses  # noqa: F401 (the fixture)


def suggest(q: str, **params) -> list[dict]:
    response = Client().get("/api/v1/geocode/suggest", {"q": q, **params})
    assert response.status_code == 200, response.json()
    return response.json()["results"]


@pytest.fixture
def deep(world, houses):  # noqa: F811
    """A deep alley off alley 5 of Nguyễn Đình Chiểu (ward A): 5/3/2A."""
    base = houses["a"]["5/3"]
    return file_houses(world, base.street, [House("5/3/2A", base.street.name, base.geom.x, base.geom.y + 0.00003)])


def test_a_number_and_half_a_street_without_accents_offer_that_number_and_its_alleys_in_order(houses):  # noqa: F811
    found = suggest("5 nguyen dinh", limit=20)
    numbers = [(r["number"], r["ward"]) for r in found]
    assert numbers[0][0] == "5"
    assert all(n.startswith("5") for n, _w in numbers), numbers
    in_a = [n for n, w in numbers if w == "Phường An Nhơn"]
    assert in_a[:4] == ["5", "5/1", "5/2", "5/3"], in_a  # natural order: the alley follows its entrance
    assert {w for _n, w in numbers} == {"Phường An Nhơn", "Phường Bình Lợi"}  # both wards have the street
    first = found[0]
    assert first["lat"] and first["lon"] and first["address"].startswith("5 Nguyễn Đình Chiểu")


def test_a_deep_alley_is_found_whole_and_by_its_prefix(houses, deep):  # noqa: F811
    assert suggest("5/3/2a nguyen dinh chieu")[0]["house_number_id"] == deep["5/3/2A"].pk
    prefixed = [r["number"] for r in suggest("5/3 đình chiểu", ward=houses["a"]["1"].ward_id)]
    assert prefixed[:2] == ["5/3", "5/3/2A"], prefixed


def test_an_old_ward_name_after_a_comma_leads_to_todays_ward(houses):  # noqa: F811
    b = suggest("3 Nguyễn Đình Chiểu, Phường 2, Quận 10")
    assert b[0]["house_number_id"] == houses["b"]["3"].pk
    assert {r["ward"] for r in b} == {"Phường Bình Lợi"}, b
    a = suggest("3 nguyen dinh chieu, phuong 2, quan 3")
    assert a[0]["house_number_id"] == houses["a"]["3"].pk
    assert {r["ward"] for r in a} == {"Phường An Nhơn"}, a


def test_a_street_alone_offers_the_street_and_a_numbered_street_is_no_house_number(houses):  # noqa: F811
    streets = suggest("dinh chieu")
    assert [r["level"] for r in streets] == ["street", "street"]
    assert {r["ward"] for r in streets} == {"Phường An Nhơn", "Phường Bình Lợi"}
    so7 = suggest("đường số 7")
    assert so7 and so7[0]["street"] == "Đường số 7" and so7[0]["level"] == "street"
    assert suggest("n") == [] and suggest("999 dinh chieu") == []


def test_limit_and_bad_input(houses):  # noqa: F811
    assert len(suggest("1 nguyen dinh chieu", limit=3)) == 3
    for params, status in (({}, 400), ({"q": "x" * 301}, 400), ({"q": "1 n", "limit": "0"}, 400)):
        response = Client().get("/api/v1/geocode/suggest", params)
        assert response.status_code == status and response.json()["message"], response.json()
