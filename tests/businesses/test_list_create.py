"""The business list and creation through HTTP, per role: scope, privacy by value, filters, paging, 400/403/409."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from businesses.models import Business
from tests.factories import BusinessFactory, industry

URL = "/api/v1/businesses/"


def client_as(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def get(client: Client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response


def ids(response) -> set[int]:
    return {f["id"] for f in response.json()["features"]}


@pytest.fixture
def more(world):
    """Beside the world's three active businesses: closed, suspended, soft-deleted and licensed ones."""
    made = {
        "terminated_a1": BusinessFactory(
            ward=world.ward_a,
            khu_pho=world.kp_a1,
            status="terminated",
            signboard="Quán Đã Đóng",
            owner_name="Chủ Quán Đóng",
            owner_phone="0971000010",
            registered_on=dt.date(2015, 3, 1),
            geom=Point(106.696, 10.782, srid=4326),
        ),
        "suspended_b1": BusinessFactory(
            ward=world.ward_b,
            khu_pho=world.kp_b1,
            status="suspended",
            signboard="Tiệm Tóc Tạm Nghỉ",
            owner_name="Chủ Tiệm Tóc",
            owner_phone="0971000011",
            industry=industry("9631"),
            registered_on=dt.date(2023, 6, 15),
            geom=Point(106.731, 10.782, srid=4326),
        ),
        "deleted_a2": BusinessFactory(
            ward=world.ward_a,
            khu_pho=world.kp_a2,
            is_deleted=True,
            signboard="Phở Đã Xóa",
            owner_name="Chủ Đã Xóa",
            owner_phone="0971000012",
            geom=Point(106.706, 10.782, srid=4326),
        ),
        "licensed_a2": BusinessFactory(
            ward=world.ward_a,
            khu_pho=world.kp_a2,
            signboard="Tạp Hóa Rượu",
            owner_name="Chủ Tạp Hóa Rượu",
            owner_phone="0971000013",
            industry=industry("4711"),
            licences=["alcohol_retail", "tobacco_retail"],
            street_block="Ô 02-03",
            missing_from_sync_at=timezone.now(),
            geom=Point(106.707, 10.783, srid=4326),
        ),
    }
    world.businesses += list(made.values())
    return made


def owner_values(businesses) -> list[str]:
    """Owner name and phone of each business, raw and as JSON escapes them."""
    values = [v for b in businesses for v in (b.owner_name, b.owner_phone)]
    return values + [json.dumps(v)[1:-1] for v in values]


# --- list: scope and privacy per role


def test_anonymous_lists_public_rows_without_any_owner_value(world, more):
    response = get(Client())
    body = response.json()
    assert body["type"] == "FeatureCollection"
    public = {b.pk for b in world.businesses if b.status in ("active", "suspended") and not b.is_deleted}
    assert ids(response) == public and body["count"] == len(public)
    text = response.content.decode()
    leaked = [v for v in owner_values(world.businesses) if v in text]
    assert not leaked, leaked
    props = body["features"][0]["properties"]
    assert "owner_name" not in props and "owner_phone" not in props
    assert {"signboard", "industry", "address_current", "status"} <= set(props)


def test_ward_officer_lists_own_ward_every_status_with_owners(world, more):
    response = get(client_as(world, "ward_officer"))
    own = {b.pk for b in world.businesses if b.ward_id == world.ward_a.pk and not b.is_deleted}
    assert ids(response) == own
    assert more["terminated_a1"].pk in own
    by_id = {f["id"]: f["properties"] for f in response.json()["features"]}
    assert by_id[more["terminated_a1"].pk]["owner_name"] == "Chủ Quán Đóng"
    assert by_id[more["licensed_a2"].pk]["owner_phone"] == "0971000013"
    text = response.content.decode()
    other = [b for b in world.businesses if b.ward_id == world.ward_b.pk]
    assert not [v for v in owner_values(other) if v in text]


def test_khu_pho_officer_lists_own_khu_pho_only(world, more):
    response = get(client_as(world, "khu_pho_officer"))
    assert ids(response) == {world.businesses[0].pk, more["terminated_a1"].pk}
    assert all("owner_name" in f["properties"] for f in response.json()["features"])


def test_leader_lists_everything_but_soft_deleted(world, more):
    response = get(client_as(world, "district_leader"))
    assert ids(response) == {b.pk for b in world.businesses if not b.is_deleted}
    assert more["deleted_a2"].pk not in ids(get(client_as(world, "admin")))


def test_land_officer_gets_the_public_list(world, more):
    response = get(client_as(world, "land_officer"))
    assert ids(response) == ids(get(Client()))
    assert not [v for v in owner_values(world.businesses) if v in response.content.decode()]


# --- list: filters


def test_filters_narrow_the_list(world, more):
    leader = client_as(world, "district_leader")
    first, cafe, shop = world.businesses[:3]

    def found(**params) -> set[int]:
        return ids(get(leader, **params))

    assert found(q="pho hoa") == {first.pk}  # accent-insensitive
    assert found(q="PHỞ") == {first.pk}
    assert found(industry="56") == {first.pk, cafe.pk, more["terminated_a1"].pk}  # 5610 and 5630
    assert found(industry="5630") == {cafe.pk}
    assert found(industry="G") == {shop.pk, more["licensed_a2"].pk}
    assert found(section="S") == {more["suspended_b1"].pk}
    assert found(ward=str(world.ward_b.pk)) == {shop.pk, more["suspended_b1"].pk}
    assert found(ward=world.ward_b.code) == {shop.pk, more["suspended_b1"].pk}
    assert found(khu_pho=str(world.kp_a2.pk)) == {cafe.pk, more["licensed_a2"].pk}
    assert found(street_block="Ô 02-03") == {more["licensed_a2"].pk}
    assert found(status=["terminated", "suspended"]) == {more["terminated_a1"].pk, more["suspended_b1"].pk}
    assert found(status="terminated,suspended") == {more["terminated_a1"].pk, more["suspended_b1"].pk}
    assert found(licence="tobacco_retail") == {more["licensed_a2"].pk}
    assert found(registered_from="2023-01-01") == {more["suspended_b1"].pk}
    assert found(registered_to="2015-12-31") == {more["terminated_a1"].pk}
    assert found(bbox="106.72,10.77,106.74,10.79") == {shop.pk, more["suspended_b1"].pk}
    assert found(missing_from_sync="true") == {more["licensed_a2"].pk}
    assert more["licensed_a2"].pk not in found(missing_from_sync="false")
    # Filters combine, and never widen a role's scope.
    assert found(ward=str(world.ward_a.pk), status="terminated") == {more["terminated_a1"].pk}
    assert ids(get(Client(), status="terminated")) == set()


def test_paging_and_its_hard_limit(world, more):
    leader = client_as(world, "district_leader")
    page1 = get(leader, page_size=2).json()
    page2 = get(leader, page_size=2, page=2).json()
    assert page1["count"] == 6 and len(page1["features"]) == 2 and page1["next"]
    assert {f["id"] for f in page1["features"]}.isdisjoint(f["id"] for f in page2["features"])
    for bad in ("1001", "0", "abc"):
        response = leader.get(URL, {"page_size": bad})
        assert response.status_code == 400 and response.json()["details"]["param"] == "page_size"
    assert leader.get(URL, {"page": "x"}).status_code == 400
    assert leader.get(URL, {"page": "99"}).status_code == 404


BAD_FILTERS = [
    ("industry", "ABC"),
    ("industry", "9999"),
    ("vsic", "VSIC1993"),
    ("section", "Z"),
    ("section", "12"),
    ("ward", "abc"),
    ("ward", "99999999"),
    ("khu_pho", "x1"),
    ("khu_pho", "99999999"),
    ("street_block", "Ô" * 31),
    ("status", "open"),
    ("licence", "beer"),
    ("registered_from", "2020-13-01"),
    ("registered_to", "yesterday"),
    ("bbox", "106.7,10.7,106.8"),
    ("bbox", "106.8,10.7,106.7,10.8"),
    ("bbox", "nan,10.7,106.8,10.8"),
    ("bbox", "106.7,10.7,106.8,95"),
    ("q", "!!!"),
    ("q", "x" * 201),
    ("missing_from_sync", "maybe"),
]


@pytest.mark.parametrize(("name", "value"), BAD_FILTERS)
def test_each_bad_filter_is_a_400_that_names_it(world, name, value):
    response = client_as(world, "district_leader").get(URL, {name: value})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid_filter" and body["details"]["param"] == name
    assert name in body["message"] and name in body["message_en"]


def test_dates_in_the_wrong_order_are_a_400(world):
    response = Client().get(URL, {"registered_from": "2024-01-01", "registered_to": "2023-01-01"})
    assert response.status_code == 400 and response.json()["details"]["param"] == "registered_from"


# --- create


def feature(lon: float, lat: float, **props) -> dict:
    base = {
        "registration_no": "41A8NEW0001",
        "signboard": "Bánh Mì Cô Ba",
        "owner_name": "Nguyễn Thị Ba",
        "owner_phone": "0909 123 456",
        "industry_code": "5610",
        "address_current": "12/3A Đường Số 1, Phường An Nhơn",
        "registered_on": "2025-08-01",
    }
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": base | props}


def post(client: Client, body: dict):
    return client.post(URL, body, content_type="application/json")


def test_ward_officer_creates_in_own_ward_and_the_units_follow_the_point(world):
    response = post(client_as(world, "ward_officer"), feature(106.696, 10.779))
    assert response.status_code == 201, response.content
    props = response.json()["properties"]
    assert props["ward"] == world.ward_a.pk and props["khu_pho"] == world.kp_a1.pk
    assert props["section"] == "I" and props["industry"] == industry("5610").pk
    assert props["owner_name"] == "Nguyễn Thị Ba" and props["version"] == 1
    pk = response.json()["id"]
    assert response["Location"] == f"/api/v1/businesses/{pk}/"
    business = Business.objects.get(pk=pk)
    assert business.history.first().history_user == world.users["ward_officer"]
    # The new business is in the officer's list straight away.
    assert business.pk in ids(get(client_as(world, "ward_officer"), q="banh mi co ba"))


def test_create_by_industry_id_and_explicit_units(world):
    body = feature(106.706, 10.779, industry=industry("5630").pk, ward=world.ward_a.pk, khu_pho=world.kp_a2.pk)
    del body["properties"]["industry_code"]
    response = post(client_as(world, "admin"), body)
    assert response.status_code == 201, response.content
    assert response.json()["properties"]["khu_pho"] == world.kp_a2.pk


def test_text_is_stored_nfc(world):
    decomposed = unicodedata.normalize("NFD", "Phở  Hòa Mới")
    response = post(client_as(world, "ward_officer"), feature(106.696, 10.779, signboard=decomposed))
    assert response.status_code == 201, response.content
    assert Business.objects.get(pk=response.json()["id"]).signboard == "Phở Hòa Mới"


@pytest.mark.parametrize("role", ["anonymous", "khu_pho_officer", "land_officer", "district_leader"])
def test_roles_without_edit_rights_cannot_create(world, role):
    response = post(client_as(world, role), feature(106.696, 10.779))
    assert response.status_code == 403, response.content
    assert response.json()["message"] and response.json()["message_en"]
    assert not Business.objects.filter(registration_no="41A8NEW0001").exists()


def test_ward_officer_cannot_create_in_another_ward(world):
    officer = client_as(world, "ward_officer")
    assert post(officer, feature(106.731, 10.779)).status_code == 403
    assert post(officer, feature(106.731, 10.779, ward=world.ward_b.pk)).status_code == 403
    assert post(client_as(world, "admin"), feature(106.731, 10.779)).status_code == 201


def test_taken_registration_number_is_a_409_that_names_it(world):
    officer = client_as(world, "ward_officer")
    number = world.businesses[2].registration_no  # registered in ward B
    response = post(officer, feature(106.696, 10.779, registration_no=number))
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "registration_no_taken" and number in body["message"] and number in body["message_en"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (feature(106.696, 10.779, signboard="<script>alert(1)</script>Phở"), "html_not_allowed"),
        (feature(106.696, 10.779, address_current='Số 1 <img src=x onerror="x">'), "html_not_allowed"),
        (feature(10.779, 106.696), "swapped_coordinates"),
        (feature(2.35, 48.85), "outside_vietnam"),
        (feature(106.80, 10.90), "outside_wards"),
        (feature(106.696, 10.779) | {"geometry": None}, "invalid_input"),
        (feature(106.696, 10.779, industry_code="0000"), "unknown_industry"),
        (feature(106.696, 10.779, registration_no=""), "invalid_input"),
        (feature(106.696, 10.779, owner_phone="gọi cho tôi"), "invalid_input"),
    ],
)
def test_bad_bodies_are_a_400_in_the_portal_shape(world, body, code):
    response = post(client_as(world, "ward_officer"), body)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == code
    assert Business.objects.count() == 3


def test_a_polygon_or_a_point_outside_the_given_units_is_refused(world):
    officer = client_as(world, "ward_officer")
    square = {"type": "Polygon", "coordinates": [[[106.69, 10.77], [106.70, 10.77], [106.70, 10.78], [106.69, 10.77]]]}
    assert post(officer, feature(106.696, 10.779) | {"geometry": square}).status_code == 400
    wrong_kp = post(officer, feature(106.696, 10.779, khu_pho=world.kp_b1.pk))
    assert wrong_kp.status_code == 400 and wrong_kp.json()["error"] == "khu_pho_outside_ward"
    outside = post(officer, feature(106.731, 10.779, ward=world.ward_a.pk))
    assert outside.status_code == 400 and outside.json()["error"] == "outside_ward"
