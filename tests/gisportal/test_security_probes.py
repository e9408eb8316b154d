"""500s found by probing a running portal as an outsider would (issue 17): each kept fixed by a test."""

from __future__ import annotations

import json

from businesses.models import Business
from tests.gisportal.test_role_matrix import client_for
from tests.layers.world import waste_point

LOGGED_IN = ["khu_pho_officer", "ward_officer", "land_officer", "district_leader", "admin"]


def _never_edited(obj):
    """As a bulk import or sync leaves a row: no history at all."""
    obj.history.all().delete()
    return obj


def test_history_of_a_never_edited_business_and_layer_feature(world):
    business = _never_edited(world.businesses[0])
    point = _never_edited(waste_point(world.ward_a, world.kp_a1, name="Thùng chưa sửa"))
    client = client_for(world, "ward_officer")
    response = client.get(f"/api/v1/businesses/{business.pk}/history")
    assert response.status_code == 200, response.content[:300]
    assert [h["version"] for h in response.json()["history"]] == [business.version]
    response = client.get(f"/api/v1/layers/waste_points/features/{point.pk}/history")
    assert response.status_code == 200, response.content[:300]
    assert len(response.json()["history"]) == 1


def test_house_number_feature_reads_for_every_logged_in_role(world):
    from tests.households.house_world import sample

    pk = sample("house_number", world)
    for role in LOGGED_IN:
        client = client_for(world, role)
        client.raise_request_exception = False
        response = client.get(f"/api/v1/layers/house_numbers/features/{pk}/")
        assert response.status_code in (200, 403, 404), (role, response.status_code, response.content[:300])


def test_ward_given_as_a_superscript_digit_is_a_400(world):
    client = client_for(world, "anonymous")
    for url in [
        "/api/v1/businesses/?ward=²",
        "/api/v1/businesses/name-check?name=Phở&ward=²",
        "/api/v1/businesses/radius?lat=10.78&lon=106.70&ward=²",
        "/api/v1/geocode?q=1 Nguyễn Đình Chiểu&ward=²",
    ]:
        response = client.get(url)
        assert response.status_code == 400, (url, response.status_code, response.content[:300])


def _patch(client, business: Business, body: dict):
    return client.patch(
        f"/api/v1/businesses/{business.pk}/",
        json.dumps({"version": business.version, **body}),
        content_type="application/json",
    )


def test_patching_a_business_geometry_moves_it_within_the_ward_rule(world):
    business = world.businesses[0]  # ward A, khu phố A1 at (106.695, 10.781)
    client = client_for(world, "ward_officer")
    # Inside ward A, into khu phố A2: the point moves and its khu phố follows.
    response = _patch(client, business, {"geometry": {"type": "Point", "coordinates": [106.705, 10.779]}})
    assert response.status_code == 200, response.content[:400]
    business.refresh_from_db()
    assert (round(business.geom.x, 6), round(business.geom.y, 6)) == (106.705, 10.779)
    assert business.khu_pho_id == world.kp_a2.pk
    assert response.json()["geometry"]["coordinates"] == [106.705, 10.779]
    # Into ward B, which this officer does not edit: refused, the point stays.
    response = _patch(client, business, {"geometry": {"type": "Point", "coordinates": [106.73, 10.781]}})
    assert response.status_code in (400, 403), response.content[:400]
    business.refresh_from_db()
    assert (round(business.geom.x, 6), round(business.geom.y, 6)) == (106.705, 10.779)
    assert business.ward_id == world.ward_a.pk
    # Outside every ward: refused.
    response = _patch(client, business, {"geometry": {"type": "Point", "coordinates": [107.5, 11.5]}})
    assert response.status_code == 400, response.content[:400]
    # Not a point: refused.
    response = _patch(client, business, {"geometry": {"type": "LineString", "coordinates": [[106.7, 10.78]] * 2}})
    assert response.status_code == 400, response.content[:400]
