"""A layer a ward defines itself, end to end through HTTP: defined by an administrator, edited by the roles its
definition names (and refused to the others), 409 on a stale version, history with only the changed values,
tiles and OGC answers with public fields only, and the statistics by a choice field."""

from __future__ import annotations

import mapbox_vector_tile
import morecantile
from django.test import Client

from layers.themes.models import ThemeFeature
from tests.layers.themes.helpers import GEOJSON, add, as_role, define, items, lamp, send

PRIVATE_PHONE = "0909123456"


def tile_of(lon: float, lat: float, z: int) -> str:
    t = morecantile.tms.get("WebMercatorQuad").tile(lon, lat, z)
    return f"/tiles/streetlights/{t.z}/{t.x}/{t.y}.mvt"


def test_defined_layer_is_edited_versioned_and_served_at_once(world):
    created = define(world)
    assert created.status_code == 201, created.json()
    assert created.json()["version"] == 1

    # The registry serves it at once: the map editor's catalog, the tiles catalog, OGC collections.
    officer = as_role(world, "ward_officer")
    catalog = {entry["name"]: entry for entry in officer.get("/api/v1/layers/").json()}
    assert catalog["streetlights"]["you_edit"] is True
    assert catalog["streetlights"]["geometry_type"] == "Point"
    tiles = {entry["name"]: entry for entry in Client().get("/tiles/").json()}
    assert [f["name"] for f in tiles["streetlights"]["fields"]] == ["code", "power", "watts", "working"]
    assert tiles["streetlights"]["style"]["colors"] == {"solar": "#f59e0b", "grid": "#1d4ed8"}

    # An officer draws the first lamp through OGC API Features Part 4, as the map editor does.
    first = add(officer, lamp())
    assert first.status_code == 201, first.json()
    pk = first.json()["id"]
    assert first["ETag"] == '"1"'
    assert first.json()["properties"]["caretaker_phone"] == PRIVATE_PHONE
    obj = ThemeFeature.objects.get(pk=pk)
    assert (obj.ward_id, obj.khu_pho_id, obj.version) == (world.ward_a.pk, world.kp_a1.pk, 1)

    # A change of one value: version 2; a write based on version 1 is then a 409 and the newer data stays.
    changed = send(
        officer, "patch", f"{items()}/{pk}", lamp(power="grid") | {"geometry": None}, GEOJSON, **{"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.json()
    assert changed["ETag"] == '"2"'
    stale = send(
        officer, "patch", f"{items()}/{pk}", {"type": "Feature", "properties": {"watts": 60, "version": 1}}, GEOJSON
    )
    assert stale.status_code == 409, stale.json()
    assert stale.json()["error"] == "version_conflict"
    assert stale.json()["details"]["current"]["properties"]["power"] == "grid"
    obj.refresh_from_db()
    assert obj.values["watts"] == 40 and obj.version == 2

    # History: version 1 (creation, every value) and version 2 with only the changed field.
    history = officer.get(f"/api/v1/layers/streetlights/features/{pk}/history").json()["history"]
    assert [h["version"] for h in history] == [2, 1]
    assert history[0]["changes"] == {"power": {"from": "solar", "to": "grid"}}
    assert history[0]["user"] == "officer_a"
    assert history[1]["changes"]["code"] == {"from": None, "to": "DL-001"}

    # Revert to version 1 brings solar back as version 3.
    reverted = send(
        officer, "post", f"/api/v1/layers/streetlights/features/{pk}/revert", {"to_version": 1, "version": 2}
    )
    assert reverted.status_code == 200, reverted.json()
    assert reverted.json()["properties"]["power"] == "solar"
    assert reverted["ETag"] == '"3"'

    # Tiles carry public fields only; the private phone never.
    tile = Client().get(tile_of(106.695, 10.781, 16))
    assert tile.status_code == 200
    body = tile.content
    assert PRIVATE_PHONE.encode() not in body
    layer = mapbox_vector_tile.decode(body)["streetlights"]
    props = layer["features"][0]["properties"]
    assert set(props) == {"id", "code", "power", "watts", "working"}
    assert (props["power"], props["watts"], props["working"]) == ("solar", 40, True)


def test_ogc_collection_lists_the_layer_with_its_fields_and_hides_private_ones(world):
    assert define(world).status_code == 201
    officer = as_role(world, "ward_officer")
    pk = add(officer, lamp()).json()["id"]
    add(officer, lamp(106.696, 10.7815, code="DL-002", power="grid", watts=100))
    anonymous = Client()

    collections = anonymous.get("/ogc/collections").json()["collections"]
    assert "streetlights" in [c["id"] for c in collections]
    queryables = anonymous.get("/ogc/collections/streetlights/queryables").json()["properties"]
    assert set(queryables) == {"code", "power", "watts", "working", "geometry"}
    assert queryables["power"]["enum"] == ["solar", "grid"]
    assert queryables["watts"]["type"] == "number"
    assert queryables["geometry"] == {"format": "geometry-point"}

    page = anonymous.get(f"{items()}?power=grid").json()
    assert [f["properties"]["code"] for f in page["features"]] == ["DL-002"]
    assert page["features"][0]["properties"] == {"code": "DL-002", "power": "grid", "watts": 100, "working": True}
    item = anonymous.get(f"{items()}/{pk}")
    assert item["ETag"] == '"1"'
    assert PRIVATE_PHONE not in item.content.decode()
    assert "installed" not in item.json()["properties"]
    assert PRIVATE_PHONE not in anonymous.get(f"{items()}?limit=50").content.decode()

    # The editor's schema holds every field, private ones marked; the citizen's editor API is closed.
    schema = officer.get("/ogc/collections/streetlights/schema").json()
    assert schema["properties"]["caretaker_phone"]["x-private"] is True
    assert schema["properties"]["power"]["enum"] == ["solar", "grid"]
    assert schema["required"] == ["code", "power"]
    assert anonymous.get(f"/api/v1/layers/streetlights/features/{pk}/").status_code in (401, 403)

    # The definition for a citizen lists public fields only.
    public = anonymous.get("/api/v1/themes/streetlights").json()
    assert "caretaker_phone" not in [f["name"] for f in public["fields"]]


def test_roles_and_scope_of_the_definition_decide_who_edits(world):
    assert define(world).status_code == 201
    # A khu phố officer edits in their own khu phố (the layer is edited by khu phố) …
    kp = as_role(world, "khu_pho_officer")
    assert add(kp, lamp(106.695, 10.781)).status_code == 201
    # … not in the neighbouring khu phố of the same ward, …
    refused = add(kp, lamp(106.705, 10.781, code="DL-009"))
    assert refused.status_code == 403, refused.json()
    # … and roles the definition does not name never edit.
    for role in ("land_officer", "district_leader"):
        assert add(as_role(world, role), lamp(code=f"X-{role}")).status_code == 403, role
    assert add(Client(), lamp(code="X-anon")).status_code == 401
    # A ward officer edits the whole ward, but not a ward the layer does not belong to.
    officer = as_role(world, "ward_officer")
    assert add(officer, lamp(106.705, 10.781, code="DL-010")).status_code == 201
    outside = add(as_role(world, "admin"), lamp(106.73, 10.781, code="DL-011"))
    assert outside.status_code == 400 and outside.json()["error"] == "outside_layer_area"
    assert ThemeFeature.objects.count() == 2


def test_values_are_checked_with_messages_an_officer_reads(world):
    assert define(world).status_code == 201
    officer = as_role(world, "ward_officer")

    def refused(feature) -> dict:
        response = add(officer, feature)
        assert response.status_code == 400, response.json()
        return response.json()

    wrong_choice = refused(lamp(power="nuclear"))
    assert wrong_choice["error"] == "invalid_fields"
    assert "'Nguồn điện': giá trị 'nuclear' không có trong danh sách chọn" in wrong_choice["message"]
    assert "not in the choice list" in wrong_choice["message_en"]

    future = refused(lamp(installed="01/01/2999"))
    assert "ngày 01/01/2999 ở tương lai" in future["message"]
    assert "in the future" in future["message_en"]

    missing = refused(lamp(code="  "))
    assert "'Mã đèn' là trường bắt buộc, không được để trống" in missing["message"]
    assert set(missing["details"]["fields"]) == {"code"}

    line = lamp()
    line["geometry"] = {"type": "LineString", "coordinates": [[106.695, 10.781], [106.696, 10.782]]}
    wrong_geometry = refused(line)
    assert wrong_geometry["error"] == "wrong_geometry_type"
    assert "Point" in wrong_geometry["message"]

    unknown = refused(lamp(colour="red"))
    assert unknown["error"] == "unknown_property"
    # A label is accepted for its value, as an officer's spreadsheet writes it.
    ok = add(officer, lamp(power="Điện lưới", watts="60,5", working="có"))
    assert ok.status_code == 201, ok.json()
    props = ok.json()["properties"]
    assert (props["power"], props["watts"], props["working"]) == ("grid", 60.5, True)
    assert ThemeFeature.objects.count() == 1


def test_statistics_by_a_choice_field(world):
    assert define(world).status_code == 201
    officer = as_role(world, "ward_officer")
    for i, power in enumerate(["solar", "solar", "grid"]):
        assert add(officer, lamp(106.694 + i * 0.001, 10.781, code=f"DL-{i}", power=power)).status_code == 201
    counts = Client().get("/api/v1/themes/streetlights/stats?by=power").json()
    assert counts["total"] == 3
    assert {v["value"]: v["count"] for v in counts["values"]} == {"solar": 2, "grid": 1}
    assert counts["wards"] == [{"ward": world.ward_a.pk, "count": 3}]
    bad = Client().get("/api/v1/themes/streetlights/stats?by=caretaker_phone")
    assert bad.status_code == 400 and bad.json()["error"] == "bad_stats_field"


def test_replace_keeps_private_values_and_delete_restore_work(world):
    assert define(world).status_code == 201
    officer = as_role(world, "ward_officer")
    pk = add(officer, lamp()).json()["id"]
    # A desktop client replaces with the public properties it was served: the private ones stay.
    replaced = send(
        officer,
        "put",
        f"{items()}/{pk}",
        {"type": "Feature", "geometry": lamp()["geometry"], "properties": {"code": "DL-777", "power": "grid"}},
        GEOJSON,
        **{"If-Match": '"1"'},
    )
    assert replaced.status_code == 200, replaced.json()
    obj = ThemeFeature.objects.get(pk=pk)
    assert obj.values == {
        "code": "DL-777",
        "power": "grid",
        "installed": "2024-03-01",
        "caretaker_phone": PRIVATE_PHONE,
    }
    # Soft delete through OGC: gone from the public items and tiles; restored from the editor's API.
    assert send(officer, "delete", f"{items()}/{pk}", None, GEOJSON, **{"If-Match": '"2"'}).status_code == 204
    assert Client().get(f"{items()}/{pk}").status_code == 404
    assert Client().get(tile_of(106.695, 10.781, 16)).status_code == 204
    restored = send(officer, "post", f"/api/v1/layers/streetlights/features/{pk}/restore", {"version": 3})
    assert restored.status_code == 200, restored.json()
    assert Client().get(f"{items()}/{pk}").status_code == 200
    # TileJSON names the public attributes with their types.
    fields = Client().get("/tiles/streetlights.json").json()["vector_layers"][0]["fields"]
    assert fields == {
        "id": "Number",
        "code": "String",
        "power": "String",
        "watts": "Number",
        "working": "Boolean",
        "count": "Number",
    }


def test_the_editor_page_shows_tools_to_the_roles_the_definition_names(world):
    """A khu phố officer edits no built-in layer, but does edit a layer whose definition names them."""
    assert define(world).status_code == 201
    kp = as_role(world, "khu_pho_officer")
    assert 'data-can-edit="true"' in kp.get("/layers/edit/?layer=streetlights").content.decode()
    assert 'data-can-edit="false"' in kp.get("/layers/edit/?layer=waste_points").content.decode()
    land = as_role(world, "land_officer")
    assert 'data-can-edit="false"' in land.get("/layers/edit/?layer=streetlights").content.decode()
    officer = as_role(world, "ward_officer")
    assert 'data-can-edit="true"' in officer.get("/layers/edit/?layer=streetlights").content.decode()
