"""Admin units and POIs through the HTTP API, as the map and QGIS users call it."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from tests.factories import AdminUnitFactory, square


def names(response) -> set[str]:
    return {f["properties"]["name"] for f in response.json()["features"]}


def test_units_in_force_today_and_on_a_past_day(world):
    old = AdminUnitFactory(
        name="Phường 7 (cũ)",
        valid_from=dt.date(1990, 1, 1),
        valid_to=dt.date(2025, 6, 30),
        successor=world.ward_a,
        boundary=square(106.70, 10.78, 0.005),
    )
    client = Client()
    today = names(client.get("/api/v1/admin-units/?level=ward"))
    assert today == {"Phường An Nhơn", "Phường Bình Lợi"}
    before = client.get("/api/v1/admin-units/?level=ward&valid_on=2024-01-01").json()["features"]
    assert [f["properties"]["name"] for f in before] == ["Phường 7 (cũ)"]
    assert before[0]["properties"]["successor"] == world.ward_a.pk
    assert client.get(f"/api/v1/admin-units/{old.pk}/").json()["properties"]["valid_to"] == "2025-06-30"


def test_children_of_a_ward(world):
    response = Client().get(f"/api/v1/admin-units/?level=khu_pho&parent={world.ward_a.pk}")
    assert names(response) == {"Khu phố 1", "Khu phố 2"}


def test_bbox_selects_overlapping_units(world):
    response = Client().get("/api/v1/admin-units/?level=ward&bbox=106.725,10.775,106.735,10.785")
    assert names(response) == {"Phường Bình Lợi"}


def test_bad_parameters_are_400_with_both_languages(world):
    client = Client()
    for url in [
        "/api/v1/admin-units/?bbox=1,2,3",
        "/api/v1/admin-units/?bbox=a,b,c,d",
        "/api/v1/admin-units/?bbox=106.8,10.7,106.7,10.8",
        "/api/v1/admin-units/?level=province",
        "/api/v1/admin-units/?valid_on=2025-13-01",
        "/api/v1/pois/?kind=casino",
        "/api/v1/pois/?ward=abc",
    ]:
        response = client.get(url)
        assert response.status_code == 400, url
        body = response.json()
        assert body["error"] == "invalid_input" and body["message"] and body["message_en"], (url, body)
        assert body["message"] != body["message_en"]


def test_pois_by_kind_and_ward(world):
    client = Client()
    assert [f["properties"]["kind"] for f in client.get("/api/v1/pois/?kind=health").json()["features"]] == ["health"]
    ward_a = client.get(f"/api/v1/pois/?ward={world.ward_a.pk}").json()["features"]
    assert len(ward_a) == 1 and ward_a[0]["geometry"]["coordinates"] == [106.695, 10.78]


def test_unknown_unit_is_404_in_portal_shape(world):
    response = Client().get("/api/v1/admin-units/999999/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_openapi_schema_lists_the_endpoints(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/admin-units/" in paths and "/api/v1/pois/" in paths and "/api/health/" in paths
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200 and b"cdn" not in docs.content.lower()


def test_the_ward_list_costs_the_same_queries_for_ten_wards_as_for_two(world):
    """The home page embeds this list for every visitor: a query per unit (its successors) made it 190 ms."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    with CaptureQueriesContext(connection) as two:
        assert len(client.get("/api/v1/admin-units/?level=ward").json()["features"]) == 2
    for i in range(8):
        AdminUnitFactory(name=f"Phường thử {i}", boundary=square(106.60 + i * 0.01, 10.70, 0.004))
    with CaptureQueriesContext(connection) as ten:
        assert len(client.get("/api/v1/admin-units/?level=ward").json()["features"]) == 10
    assert len(ten.captured_queries) == len(two.captured_queries)
