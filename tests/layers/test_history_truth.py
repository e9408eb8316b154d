"""History that tells the truth, through HTTP, for every editable layer: it starts at version 1 (creation or a bulk
import that wrote no history row), each version lists only the fields that changed, and it never answers 500."""

from __future__ import annotations

import json

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.test import Client

from businesses.models import Business
from households.models import HouseNumber
from imagery.models import BuildingPermit
from layers.models import ForestPlot, WastePoint
from tests.factories import BusinessFactory
from tests.households.house_world import make_streets, ndc_houses
from tests.households.test_geocode import file_houses
from tests.layers.world import waste_point

LON, LAT = 106.6955, 10.7805


def officer(world) -> Client:
    client = Client()
    client.force_login(world.users["ward_officer"])
    return client


def send(client: Client, method: str, url: str, data: dict, **headers):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json", headers=headers)


def ogc_patch(client: Client, layer: str, pk: int, version: int, properties: dict | None = None, geometry=None):
    """The editor's (and QGIS's) write: OGC API Features Part 4, with the version read as If-Match."""
    body: dict = {"type": "Feature", "properties": properties or {}}
    if geometry is not None:
        body["geometry"] = geometry
    return send(client, "patch", f"/ogc/collections/{layer}/items/{pk}", body, **{"If-Match": f'"{version}"'})


def layer_url(layer: str, pk: int) -> str:
    return f"/api/v1/layers/{layer}/features/{pk}/"


def bulk_waste_point(world) -> WastePoint:
    """As the demo writes them: bulk_create, so no simple-history row exists."""
    (made,) = WastePoint.objects.bulk_create(
        [
            WastePoint(
                kind="source_owner",
                name="Nguồn thải chợ",
                ward=world.ward_a,
                khu_pho=world.kp_a1,
                geom=Point(LON, LAT, srid=4326),
                source_kind="business",
                fee_status="paid",
                monthly_fee=150_000,
                contact_name="Chủ Sạp",
                contact_phone="0977000001",
                condition="good",
            )
        ]
    )
    assert not WastePoint.history.filter(id=made.pk).exists()
    return made


def history(client: Client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response.json()["history"]


def test_a_waste_point_never_edited_has_version_1_not_a_500(world):
    point = bulk_waste_point(world)
    log = history(officer(world), f"/api/v1/layers/waste_points/features/{point.pk}/history")
    assert [h["version"] for h in log] == [1]
    assert log[0]["type"] == "created" and log[0]["reason"] == "imported" and log[0]["user"] is None
    assert log[0]["changes"]["name"] == {"from": None, "to": "Nguồn thải chợ"}
    assert "capacity" not in log[0]["changes"]  # empty at import: nothing to show
    assert log[0]["at"] is None  # a waste point keeps no creation time: unknown, not made up


def test_moving_an_imported_waste_point_shows_versions_1_and_2_with_only_the_geometry_changed(world):
    point = bulk_waste_point(world)
    client = officer(world)
    url = layer_url("waste_points", point.pk)
    moved = {"type": "Point", "coordinates": [LON + 0.0002, LAT]}
    response = ogc_patch(client, "waste_points", point.pk, 1, geometry=moved)
    assert response.status_code == 200, response.content[:300]

    log = history(client, url + "history")
    assert [h["version"] for h in log] == [2, 1]
    assert set(log[0]["changes"]) == {"geom"}
    assert log[0]["changes"]["geom"]["to"]["coordinates"] == pytest.approx([LON + 0.0002, LAT])
    assert log[0]["user"] == "officer_a" and log[1]["user"] is None and log[1]["type"] == "created"

    # A second edit: only the name; the geometry does not show again.
    response = ogc_patch(client, "waste_points", point.pk, 2, {"name": "Nguồn thải chợ mới"})
    assert response.status_code == 200
    log = history(client, url + "history")
    assert [h["version"] for h in log] == [3, 2, 1]
    assert log[0]["changes"] == {"name": {"from": "Nguồn thải chợ", "to": "Nguồn thải chợ mới"}}

    # Revert to version 1 still finds the imported state.
    response = send(client, "post", url + "revert", {"to_version": 1, "version": 3})
    assert response.status_code == 200, response.content[:300]
    point.refresh_from_db()
    assert point.name == "Nguồn thải chợ" and point.geom.x == pytest.approx(LON)


def test_a_waste_point_drawn_in_the_editor_lists_only_what_each_edit_changed(world):
    client = officer(world)
    made = send(
        client,
        "post",
        "/ogc/collections/waste_points/items",
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [LON, LAT]},
            "properties": {"kind": "bin", "name": "Thùng"},
        },
    )
    assert made.status_code == 201, made.content[:300]
    pk = int(made["Location"].rstrip("/").rsplit("/", 1)[1])
    url = layer_url("waste_points", pk)
    assert ogc_patch(client, "waste_points", pk, 1, {"capacity": 240}).status_code == 200
    log = history(client, url + "history")
    assert [h["version"] for h in log] == [2, 1]
    assert log[0]["changes"] == {"capacity": {"from": None, "to": 240.0}}
    assert log[1]["type"] == "created" and log[1]["user"] == "officer_a"


def test_a_deleted_never_edited_point_keeps_version_1_in_its_history(world):
    point = bulk_waste_point(world)
    client = officer(world)
    url = layer_url("waste_points", point.pk)
    assert client.delete(f"/ogc/collections/waste_points/items/{point.pk}", HTTP_IF_MATCH='"1"').status_code == 204
    log = history(client, url + "history")
    assert [h["version"] for h in log] == [2, 1]
    assert log[0]["changes"] == {"is_deleted": {"from": False, "to": True}}


def test_a_history_recorded_only_from_an_edit_does_not_claim_every_field_changed(world):
    """Features edited before version 1 was recorded: the oldest row says what came before is unknown."""
    point = waste_point(world.ward_a, world.kp_a1, LON, LAT, name="Cũ")
    WastePoint.history.filter(id=point.pk).update(history_type="~", version=2)
    log = history(officer(world), f"/api/v1/layers/waste_points/features/{point.pk}/history")
    assert len(log) == 1 and log[0]["changes"] == {} and log[0]["earlier_unknown"] is True


def test_forest_plot_imported_then_edited(world):
    ring = Polygon.from_bbox((LON, LAT, LON + 0.001, LAT + 0.001))
    ring.srid = 4326
    (plot,) = ForestPlot.objects.bulk_create(
        [ForestPlot(code="CG-1", sub_zone="A", species="Đước", planting_year=2017, ward=world.ward_a, geom=ring)]
    )
    client = officer(world)
    url = layer_url("forest_plots", plot.pk)
    assert [h["version"] for h in history(client, url + "history")] == [1]
    assert ogc_patch(client, "forest_plots", plot.pk, 1, {"species": "Mắm"}).status_code == 200
    log = history(client, url + "history")
    assert [h["version"] for h in log] == [2, 1]
    assert log[0]["changes"] == {"species": {"from": "Đước", "to": "Mắm"}}


def test_business_seeded_in_bulk_then_edited(world):
    template = BusinessFactory.build(ward=world.ward_a, khu_pho=world.kp_a1, signboard="Tiệm Cũ")
    (business,) = Business.objects.bulk_create([template])
    client = officer(world)
    url = f"/api/v1/businesses/{business.pk}/"
    log = history(client, url + "history")
    assert [h["version"] for h in log] == [1] and log[0]["changes"]["signboard"]["to"] == "Tiệm Cũ"

    assert send(client, "patch", url, {"version": 1, "signboard": "Tiệm Mới"}).status_code == 200
    log = history(client, url + "history")
    assert [h["version"] for h in log] == [2, 1]
    assert log[0]["changes"] == {"signboard": {"from": "Tiệm Cũ", "to": "Tiệm Mới"}}
    assert log[1]["type"] == "created" and log[1]["user"] is None


def test_house_number_imported_then_retired(world):
    streets = make_streets(world)
    house = file_houses(world, streets["ndc_a"], ndc_houses(1, 2))["1"]
    HouseNumber.history.filter(id=house.pk).delete()  # as a COPY import before history rows were written
    client = officer(world)
    url = f"/api/v1/house-numbers/{house.pk}/"
    assert [h["version"] for h in history(client, url + "history")] == [1]
    assert send(client, "patch", url, {"version": 1, "status": "retired"}).status_code == 200
    log = history(client, url + "history")
    assert [h["version"] for h in log] == [2, 1]
    assert log[0]["changes"] == {"status": {"from": "active", "to": "retired"}}
    assert Client().get(url + "history").status_code in (401, 403)


def test_permit_imported_then_edited(world):
    client = Client()
    client.force_login(world.users["land_officer"])
    ring = [[LON, LAT], [LON + 1e-4, LAT], [LON + 1e-4, LAT - 1e-4], [LON, LAT - 1e-4], [LON, LAT]]
    made = send(
        client,
        "post",
        "/api/v1/permits/",
        {"permit_no": "9/GP", "issued_on": "2021-01-05", "footprint": {"type": "Polygon", "coordinates": [ring]}},
    )
    assert made.status_code == 201, made.content[:300]
    pk = made.json()["id"]
    BuildingPermit.history.filter(id=pk).delete()
    url = f"/api/v1/permits/{pk}/"
    assert [h["version"] for h in history(client, url + "history")] == [1]
    assert send(client, "patch", url, {"version": 1, "floors": 4}).status_code == 200
    log = history(client, url + "history")
    assert [h["version"] for h in log] == [2, 1]
    assert log[0]["changes"] == {"floors": {"from": None, "to": 4}}


def test_an_unexpected_error_shows_the_portals_own_page_not_djangos(world, monkeypatch, settings):
    settings.DEBUG = False

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("layers.editing.history", broken)
    client = officer(world)
    client.raise_request_exception = False
    response = client.get("/api/v1/layers/waste_points/features/1/history")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Traceback" not in text and "RuntimeError" not in text and "boom" not in text
    assert "Lỗi máy chủ" in text
    missing = client.get("/khong-co-trang-nay/")
    assert missing.status_code == 404 and "Không tìm thấy trang" in missing.content.decode()


def test_a_sync_over_businesses_seeded_without_history_keeps_version_1(world):
    from tests.businesses.sync_files import client_as, csv_bytes, make_rows, post_file

    admin = client_as(world.users["admin"])
    rows = make_rows(3)
    assert post_file(admin, csv_bytes(rows)).status_code == 200
    seeded = Business.objects.get(registration_no=rows[1]["registration_no"])
    Business.history.filter(id=seeded.pk).delete()  # as the demo's COPY leaves them
    old = rows[1]["signboard"]
    rows[1]["signboard"] = "Tiệm Đồng Bộ Mới"
    assert post_file(admin, csv_bytes(rows)).json()["updated"] == 1

    log = history(officer(world), f"/api/v1/businesses/{seeded.pk}/history")
    assert [h["version"] for h in log] == [2, 1]
    assert log[0]["changes"] == {"signboard": {"from": old, "to": "Tiệm Đồng Bộ Mới"}}
    assert log[1]["type"] == "created" and log[1]["user"] is None
