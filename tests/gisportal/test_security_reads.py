"""Unbounded reads (issue 17): OGC items cap limit and offset; admin units and POIs come in bounded pages;
anonymous callers read in-use house numbers only."""

from __future__ import annotations

from django.test import Client

from layers import registry
from layers.ogc import features as ogc
from tests.gisportal.test_role_matrix import client_for


def test_ogc_items_serve_at_most_the_maximum_page_and_refuse_deep_offsets(world):
    layer = registry.get("businesses")
    assert ogc.parse_query(layer, {"limit": str(ogc.MAX_LIMIT)}).limit == ogc.ITEMS_MAX_LIMIT < ogc.MAX_LIMIT
    assert Client().get(f"/ogc/collections/businesses/items?limit={ogc.MAX_LIMIT}").status_code == 200
    deep = Client().get(f"/ogc/collections/businesses/items?offset={ogc.MAX_OFFSET + 1}")
    assert deep.status_code == 400 and deep.json()["message_en"]
    assert Client().get("/ogc/collections/businesses/items?offset=2").status_code == 200


def test_admin_units_and_pois_come_in_bounded_pages(world):
    body = Client().get("/api/v1/admin-units/?page_size=2").json()
    assert len(body["features"]) == 2 and body["count"] >= 6 and body["next"]
    assert len(Client().get("/api/v1/admin-units/?page_size=999999").json()["features"]) == body["count"]
    pois = Client().get("/api/v1/pois/?page_size=1").json()
    assert len(pois["features"]) == 1 and pois["count"] == 2


def test_only_officers_list_retired_house_numbers(world):
    from tests.households.house_world import sample

    sample("house_number", world)
    assert Client().get("/api/v1/house-numbers/").status_code == 200
    assert Client().get("/api/v1/house-numbers/?status=retired").status_code in (401, 403)
    assert client_for(world, "ward_officer").get("/api/v1/house-numbers/?status=retired").status_code == 200
