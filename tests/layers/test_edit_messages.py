"""A refused waste point names its fields as the editor's form does, in Vietnamese and English; a save that
changes nothing makes no new version."""

from __future__ import annotations

import json

from django.test import Client

from layers.models import WastePoint
from tests.layers.world import waste_point

GEOJSON = "application/geo+json"
ITEMS = "/ogc/collections/waste_points/items"


def officer(world) -> Client:
    client = Client()
    client.force_login(world.users["ward_officer"])
    return client


def post(client: Client, props: dict):
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [106.695, 10.781]}, "properties": props}
    return client.post(ITEMS, json.dumps(body), content_type=GEOJSON)


def test_missing_kind_and_name_are_named_by_their_titles(world):
    response = post(officer(world), {"kind": "", "name": " "})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_fields"
    assert "Loại: chưa chọn" in body["message"] and "Tên: không được để trống" in body["message"]
    assert "Kind: nothing chosen" in body["message_en"] and "Name: may not be empty" in body["message_en"]
    assert "kind" not in body["message"] + body["message_en"]
    assert body["details"]["fields"]["kind"]["label"] == "Loại"
    assert body["details"]["fields"]["name"]["message_en"].startswith("May not be empty")
    assert not WastePoint.objects.exists()


def test_an_impossible_date_is_named_and_explained(world):
    body = post(officer(world), {"kind": "bin", "name": "Thùng", "last_inspected": "31/02/2024"}).json()
    entry = body["details"]["fields"]["last_inspected"]
    assert (entry["label"], entry["label_en"]) == ("Kiểm tra lần cuối", "Last inspected")
    assert "nn/tt/nnnn" in entry["message"] and "dd/mm/yyyy" in entry["message_en"]
    assert "Kiểm tra lần cuối: " in body["message"] and "last_inspected" not in body["message"]


def test_a_save_that_changes_nothing_makes_no_version(world):
    point = waste_point(world.ward_a, world.kp_a1, lon=106.695, lat=10.781, name="Thùng rác chợ", capacity=240)
    client = officer(world)
    rows = point.history.count()
    read = client.get(f"/api/v1/layers/waste_points/features/{point.pk}/").json()
    props = {k: read["properties"][k] for k in ("kind", "name", "capacity", "operator", "last_inspected")}
    same = {"type": "Feature", "geometry": read["geometry"], "properties": {**props, "version": 1}}
    response = client.patch(f"{ITEMS}/{point.pk}", json.dumps(same), content_type=GEOJSON)
    assert response.status_code == 200, response.content
    assert response.json()["properties"]["version"] == 1
    point.refresh_from_db()
    assert point.version == 1 and point.history.count() == rows

    changed = {**same, "properties": {**same["properties"], "capacity": 120}}
    assert client.patch(f"{ITEMS}/{point.pk}", json.dumps(changed), content_type=GEOJSON).status_code == 200
    point.refresh_from_db()
    assert point.version == 2 and point.capacity == 120
