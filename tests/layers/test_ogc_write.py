"""OGC API Features Part 4 through HTTP: create, replace, update, delete with ETag / If-Match, the editor's
revert and restore, history, permissions, and bad geometries refused with nothing written."""

from __future__ import annotations

import base64
import json

import pytest
from django.contrib.gis.geos import Polygon as GEOSPolygon
from django.test import Client, override_settings

from layers.models import ForestPlot, WastePoint
from tests.layers.world import forest_plot, waste_point

GEOJSON = "application/geo+json"
ITEMS = "/ogc/collections/waste_points/items"


def as_role(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def feature(lon=106.695, lat=10.781, **props) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"kind": "bin", "name": "Thùng rác Lê Lợi", "capacity": 240} | props,
    }


def send(client: Client, method: str, url: str, body=None, **headers):
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(url, data=data, content_type=GEOJSON, headers=headers)


def test_officer_creates_replaces_updates_and_deletes_with_etags(world):
    officer = world.users["ward_officer"]
    client = as_role(world, "ward_officer")
    created = send(client, "post", ITEMS, feature(collection_schedule="Hằng ngày 18:00–20:00"))
    assert created.status_code == 201, created.json()
    assert created["ETag"] == '"1"'
    pk = created.json()["id"]
    assert created["Location"].endswith(f"{ITEMS}/{pk}")
    obj = WastePoint.objects.get(pk=pk)
    # Placed by its point: ward A, khu phố A1; history says who.
    assert (obj.ward_id, obj.khu_pho_id, obj.version) == (world.ward_a.pk, world.kp_a1.pk, 1)
    assert obj.history.get().history_user == officer

    # The public item carries the same version as its ETag; a replace sends it back as If-Match.
    etag = Client().get(f"{ITEMS}/{pk}")["ETag"]
    replaced = send(
        client, "put", f"{ITEMS}/{pk}", feature(106.705, 10.781, kind="toilet", name="WC"), **{"If-Match": etag}
    )
    assert replaced.status_code == 200, replaced.json()
    assert replaced["ETag"] == '"2"'
    obj.refresh_from_db()
    # Moved into khu phố A2; a replace resets the public fields it left out (the collection schedule).
    assert (obj.kind, obj.name, obj.khu_pho_id, obj.collection_schedule, obj.capacity) == (
        "toilet",
        "WC",
        world.kp_a2.pk,
        "",
        240.0,
    )

    patched = send(
        client,
        "patch",
        f"{ITEMS}/{pk}",
        {"type": "Feature", "properties": {"condition": "worn"}},
        **{"If-Match": '"2"'},
    )
    assert patched.status_code == 200 and patched["ETag"] == '"3"'
    obj.refresh_from_db()
    assert obj.condition == "worn" and obj.name == "WC" and obj.khu_pho_id == world.kp_a2.pk

    deleted = client.delete(f"{ITEMS}/{pk}", headers={"If-Match": '"3"'})
    assert deleted.status_code == 204
    assert Client().get(f"{ITEMS}/{pk}").status_code == 404
    obj.refresh_from_db()
    assert obj.is_deleted and obj.version == 4
    assert [h.version for h in obj.history.order_by("history_date")] == [1, 2, 3, 4]
    assert {h.history_user for h in obj.history.all()} == {officer}


def test_stale_writes_never_overwrite(world):
    client = as_role(world, "ward_officer")
    pk = send(client, "post", ITEMS, feature()).json()["id"]
    assert (
        send(
            client, "patch", f"{ITEMS}/{pk}", {"type": "Feature", "properties": {"name": "A"}}, **{"If-Match": '"1"'}
        ).status_code
        == 200
    )

    # If-Match from before that save: 412 with the stored feature; nothing written.
    stale = send(client, "put", f"{ITEMS}/{pk}", feature(name="B"), **{"If-Match": '"1"'})
    assert stale.status_code == 412
    body = stale.json()
    assert body["error"] == "precondition_failed"
    assert body["details"]["current"]["properties"]["name"] == "A"
    assert body["details"]["current"]["properties"]["version"] == 2

    # The web editor's way: the version in the body; stale → 409 with both versions to show.
    conflict = send(client, "patch", f"{ITEMS}/{pk}", {"type": "Feature", "properties": {"name": "C", "version": 1}})
    assert conflict.status_code == 409 and conflict.json()["details"]["sent_version"] == 1

    # No version at all: 428.
    blind = send(client, "put", f"{ITEMS}/{pk}", feature(name="D"))
    assert blind.status_code == 428
    assert client.delete(f"{ITEMS}/{pk}").status_code == 428
    assert client.delete(f"{ITEMS}/{pk}", headers={"If-Match": '"1"'}).status_code == 412
    obj = WastePoint.objects.get(pk=pk)
    assert (obj.name, obj.version, obj.is_deleted) == ("A", 2, False)


@pytest.mark.parametrize("role", ["anonymous", "khu_pho_officer", "land_officer", "district_leader"])
def test_who_may_not_write(world, role):
    client = as_role(world, role)
    response = send(client, "post", ITEMS, feature())
    assert response.status_code == (401 if role == "anonymous" else 403)
    if role == "anonymous":
        # The challenge names a way in the server accepts: the personal token unless Basic is enabled.
        assert response["WWW-Authenticate"] == "Token"
    assert not WastePoint.objects.exists()


def test_an_officer_writes_in_their_own_ward_only(world):
    theirs = waste_point(world.ward_b, world.kp_b1, 106.73, 10.781)
    client = as_role(world, "ward_officer")
    assert send(client, "post", ITEMS, feature(106.73, 10.781)).status_code == 403
    url = f"{ITEMS}/{theirs.pk}"
    assert send(client, "put", url, feature(106.73, 10.781), **{"If-Match": '"1"'}).status_code == 403
    assert client.delete(url, headers={"If-Match": '"1"'}).status_code == 403
    mine = send(client, "post", ITEMS, feature()).json()["id"]
    # Moving one's own point into another ward is moving it out of one's reach: refused.
    moved = send(client, "patch", f"{ITEMS}/{mine}", feature(106.73, 10.781), **{"If-Match": '"1"'})
    assert moved.status_code == 403
    assert WastePoint.objects.get(pk=mine).ward_id == world.ward_a.pk


@override_settings(API_BASIC_AUTH=True)  # Basic only where a setting allows it (gisportal/tokens.py)
def test_a_desktop_client_signs_in_with_basic_auth_and_is_named_in_the_history(world):
    auth = "Basic " + base64.b64encode(b"officer_a:pw-test-1").decode()
    created = send(Client(), "post", ITEMS, feature(), Authorization=auth)
    assert created.status_code == 201, created.json()
    obj = WastePoint.objects.get(pk=created.json()["id"])
    assert obj.history.get().history_user.username == "officer_a"


def test_read_only_layers_refuse_writes(world):
    client = as_role(world, "admin")
    response = send(client, "post", "/ogc/collections/businesses/items", feature())
    assert response.status_code == 405 and response.json()["error"] == "read_only_layer"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (feature(10.781, 106.695), "swapped_coordinates"),
        (feature(2.35, 48.85), "outside_vietnam"),
        (feature(kind="volcano"), "invalid_fields"),
        (feature(capacity=-5), "invalid_fields"),
        (feature(fee_status="paid"), "invalid_fields"),  # only a source owner pays a fee
        (feature(name="<script>x</script>"), "invalid_fields"),
        (feature(owner="x"), "unknown_property"),
        ({"type": "Feature", "properties": {"kind": "bin", "name": "x"}, "geometry": None}, "missing_geometry"),
        ({"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": "x"}}, "bad_geometry"),
        ({"type": "FeatureCollection", "features": []}, "not_a_feature"),
        (
            {
                "type": "Feature",
                "properties": {"kind": "bin", "name": "x"},
                "geometry": {"type": "LineString", "coordinates": [[106.69, 10.78], [106.70, 10.78]]},
            },
            "wrong_geometry_type",
        ),
    ],
)
def test_bad_features_are_refused_and_nothing_is_written(world, body, code):
    response = send(as_role(world, "ward_officer"), "post", ITEMS, body)
    assert response.status_code == 400, response.json()
    assert response.json()["error"] == code
    assert response.json()["message"] and response.json()["message_en"]
    assert not WastePoint.objects.exists()


PLOTS = "/ogc/collections/forest_plots/items"
# A square with a spike along its top edge: self-intersecting; ST_MakeValid cuts the spike off.
SPIKE = [[106.694, 10.779], [106.696, 10.779], [106.696, 10.781], [106.695, 10.781], [106.695, 10.782],
         [106.695, 10.781], [106.694, 10.781], [106.694, 10.779]]  # fmt: skip
BOWTIE = [[106.694, 10.779], [106.696, 10.781], [106.696, 10.779], [106.694, 10.781], [106.694, 10.779]]


def plot(ring, code="CG-TK1-001") -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"code": code, "sub_zone": "Tiểu khu 1", "species": "Đước đôi", "planting_year": 1985},
    }


def test_self_intersecting_polygons_are_repaired_only_when_the_officer_agrees(world):
    client = as_role(world, "ward_officer")
    refused = send(client, "post", PLOTS, plot(SPIKE))
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_geometry" and refused.json()["details"]["repairable"] is True
    assert not ForestPlot.objects.exists()

    repaired = send(client, "post", PLOTS + "?repair=true", plot(SPIKE))
    assert repaired.status_code == 201, repaired.json()
    obj = ForestPlot.objects.get()
    square = GEOSPolygon.from_bbox((106.694, 10.779, 106.696, 10.781))
    square.srid = 4326
    assert obj.geom.valid and obj.geom.equals(square)  # the spike cut off, the square kept
    assert obj.area_ha == pytest.approx(square.transform(32648, clone=True).area / 10_000, abs=1e-4)  # ~4.8 ha
    # A bow-tie repairs into two triangles, not one plot: refused even with consent.
    split = send(client, "post", PLOTS + "?repair=true", plot(BOWTIE, "CG-TK1-002"))
    assert split.status_code == 400 and split.json()["error"] == "unrepairable_geometry"
    assert ForestPlot.objects.count() == 1


def test_revert_restore_and_history_through_the_editor_api(world):
    client = as_role(world, "ward_officer")
    pk = send(client, "post", PLOTS, plot(SPIKE[:3] + [[106.694, 10.781], SPIKE[0]])).json()["id"]
    url = f"{PLOTS}/{pk}"
    send(client, "patch", url, {"type": "Feature", "properties": {"species": "Mắm trắng"}}, **{"If-Match": '"1"'})
    send(client, "patch", url, {"type": "Feature", "properties": {"planting_year": 2001}}, **{"If-Match": '"2"'})
    api = f"/api/v1/layers/forest_plots/features/{pk}"

    history = client.get(f"{api}/history").json()["history"]
    assert [h["version"] for h in history] == [3, 2, 1]
    assert history[0]["changes"] == {"planting_year": {"from": 1985, "to": 2001}}
    assert history[1]["changes"] == {"species": {"from": "Đước đôi", "to": "Mắm trắng"}}
    assert history[0]["user"] == "officer_a"

    stale = client.post(f"{api}/revert", {"to_version": 1, "version": 2}, content_type="application/json")
    assert stale.status_code == 409
    reverted = client.post(f"{api}/revert", {"to_version": 1, "version": 3}, content_type="application/json")
    assert reverted.status_code == 200, reverted.json()
    obj = ForestPlot.objects.get(pk=pk)
    assert (obj.species, obj.planting_year, obj.version) == ("Đước đôi", 1985, 4)
    assert client.get(f"{api}/history").json()["history"][0]["reason"] == "reverted to version 1"

    assert client.delete(url, headers={"If-Match": '"4"'}).status_code == 204
    assert client.get("/api/v1/layers/forest_plots/features/?deleted=true").json()["features"][0]["id"] == pk
    restored = client.post(f"{api}/restore", {"version": 5}, content_type="application/json")
    assert restored.status_code == 200 and restored["ETag"] == '"6"'
    assert Client().get(url).status_code == 200

    # History is for officers in charge; others get a 403, never the data.
    assert as_role(world, "anonymous").get(f"{api}/history").status_code in (401, 403)
    assert as_role(world, "land_officer").get(f"{api}/history").status_code == 403


def test_editor_reads_private_fields_in_its_own_area_only(world):
    mine = waste_point(world.ward_a, world.kp_a1, kind="source_owner", contact_name="Bà Tư", contact_phone="0901")
    theirs = waste_point(
        world.ward_b, world.kp_b1, 106.73, kind="source_owner", contact_name="Ông Năm", contact_phone="0902"
    )
    officer = as_role(world, "ward_officer").get("/api/v1/layers/waste_points/features/").json()
    assert [f["id"] for f in officer["features"]] == [mine.pk]
    assert officer["features"][0]["properties"]["contact_name"] == "Bà Tư"
    url = "/api/v1/layers/waste_points/features/?bbox="
    assert len(as_role(world, "ward_officer").get(url + "106.69,10.77,106.71,10.79").json()["features"]) == 1
    assert as_role(world, "ward_officer").get(url + "106.6,10.6,106.61,10.61").json()["features"] == []
    leader = as_role(world, "district_leader").get("/api/v1/layers/waste_points/features/").json()
    assert {f["id"] for f in leader["features"]} == {mine.pk, theirs.pk}
    kp = as_role(world, "khu_pho_officer")
    assert [f["id"] for f in kp.get("/api/v1/layers/waste_points/features/").json()["features"]] == [mine.pk]
    assert kp.get(f"/api/v1/layers/waste_points/features/{theirs.pk}/").json()["properties"].get("contact_name") is None
    assert as_role(world, "anonymous").get("/api/v1/layers/waste_points/features/").status_code in (401, 403)
    assert as_role(world, "land_officer").get("/api/v1/layers/waste_points/features/").status_code == 403
    assert forest_plot  # imported for the other tests' worlds
