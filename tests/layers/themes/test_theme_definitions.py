"""Defining a layer and changing its definition through HTTP: who may, bad definitions refused with nothing
changed, and changes with features in the layer (added field, renamed choice, removed field with confirmation,
type changes) that keep the features and their history."""

from __future__ import annotations

import copy

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from layers.themes.models import ThemeFeature, ThemeLayer
from tests.layers.themes.helpers import add, as_role, define, lamp, send, streetlights


def test_who_defines_a_layer(world):
    # Officers without the right, leaders without it, citizens: refused, nothing made.
    for role in ("ward_officer", "khu_pho_officer", "district_leader"):
        assert define(world, role).status_code == 403, role
    assert send(Client(), "post", "/api/v1/themes/", streetlights(world)).status_code in (401, 403)
    assert not ThemeLayer.objects.exists()

    # A ward officer made the ward's layer administrator defines for their own ward, not another one.
    officer = world.users["ward_officer"]
    officer.user_permissions.add(Permission.objects.get(codename="add_themelayer"))
    assert define(world, "ward_officer", owner=world.ward_b.pk, slug="cameras_b").status_code == 403
    made = define(world, "ward_officer")
    assert made.status_code == 201, made.json()
    assert made.json()["owner"] == world.ward_a.pk


def _refused(world, code: str, **changes) -> dict:
    response = define(world, **changes)
    assert response.status_code == 400, response.json()
    assert response.json()["error"] == code, response.json()
    assert not ThemeLayer.objects.exclude(slug="streetlights").filter(slug=changes.get("slug", "x")).exists()
    return response.json()


def test_bad_definitions_are_refused_with_a_clear_message(world):
    fields = streetlights(world)["fields"]
    dup = _refused(world, "duplicate_field_name", fields=[*fields, dict(fields[0])])
    assert "bị trùng tên" in dup["message"] and "used twice" in dup["message_en"]

    reserved = _refused(world, "reserved_field_name", fields=[{"name": "geom", "title": "Hình", "type": "text"}])
    assert "dành riêng" in reserved["message"]

    choices = copy.deepcopy(fields)
    choices[1]["choices"].append({"value": "solar", "label": "Mặt trời"})
    dup_choice = _refused(world, "duplicate_choice", fields=choices)
    assert "solar" in dup_choice["message"]

    assert "businesses" in _refused(world, "layer_name_taken", slug="businesses")["message"]
    bad_type = _refused(world, "invalid_definition", fields=[{"name": "x", "title": "X", "type": "colour"}])
    assert "fields/0/type" in bad_type["message"]
    assert not ThemeLayer.objects.exists()

    # A second layer may not take a defined layer's name either.
    assert define(world).status_code == 201
    assert _refused(world, "layer_name_taken")["details"] == {"slug": "streetlights"}


def _put(world, data: dict, role: str = "admin"):
    return send(as_role(world, role), "put", "/api/v1/themes/streetlights", data)


def test_changing_a_definition_keeps_features_and_history(world):
    assert define(world).status_code == 201
    officer = as_role(world, "ward_officer")
    pk = add(officer, lamp()).json()["id"]
    assert (
        send(
            officer,
            "patch",
            f"/ogc/collections/streetlights/items/{pk}",
            {"type": "Feature", "properties": {"watts": 50}},
            "application/geo+json",
            **{"If-Match": '"1"'},
        ).status_code
        == 200
    )

    data = streetlights(world, version=1)
    # Add a field, rename a choice's label, let khu phố officers edit by ward: features and history stay.
    data["fields"].append({"name": "pole", "title": "Loại cột", "type": "text", "public": True})
    data["fields"][1]["choices"][0]["label"] = "Đèn năng lượng mặt trời"
    data["edit_scope"] = "ward"
    changed = _put(world, data)
    assert changed.status_code == 200, changed.json()
    assert changed.json()["version"] == 2
    assert ThemeFeature.objects.get(pk=pk).values["power"] == "solar"
    schema = officer.get("/ogc/collections/streetlights/schema").json()
    assert "pole" in schema["properties"]
    tiles = {entry["name"]: entry for entry in Client().get("/tiles/").json()}
    assert tiles["streetlights"]["fields"][-1]["name"] == "pole"

    # A stale definition is a 409 and changes nothing.
    stale = _put(world, data)
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"

    # Removing a field with values asks for confirmation (409), then hides the values; history keeps them.
    data["version"] = 2
    data["fields"] = [f for f in data["fields"] if f["name"] != "watts"]
    ask = _put(world, data)
    assert ask.status_code == 409, ask.json()
    assert ask.json()["error"] == "confirm_field_removal"
    assert ask.json()["details"] == {"field": "watts", "features": 1}
    assert "confirm=true" in ask.json()["message"]
    assert ThemeLayer.objects.get().version == 2
    data["confirm"] = True
    assert _put(world, data).status_code == 200
    feature = officer.get(f"/api/v1/layers/streetlights/features/{pk}/").json()
    assert "watts" not in feature["properties"]
    history = officer.get(f"/api/v1/layers/streetlights/features/{pk}/history").json()["history"]
    assert history[0]["changes"] == {"watts": {"from": 40, "to": 50}}
    assert history[1]["changes"]["watts"] == {"from": None, "to": 40}
    assert "watts" not in Client().get("/ogc/collections/streetlights/queryables").json()["properties"]


def test_type_changes_that_values_cannot_take_are_refused(world):
    assert define(world).status_code == 201
    officer = as_role(world, "ward_officer")
    add(officer, lamp(code="DL-001"))
    add(officer, lamp(106.696, 10.781, code="17", power="grid"))
    data = streetlights(world, version=1)

    # The code "DL-001" is no number: refused, nothing changed.
    to_number = copy.deepcopy(data)
    to_number["fields"][0]["type"] = "number"
    refused = _put(world, to_number)
    assert refused.status_code == 400 and refused.json()["error"] == "incompatible_type_change"
    assert refused.json()["details"]["features"] == 1
    assert "Số" in refused.json()["message"]

    # A choice value in use dropped: refused (rename its label instead).
    drop = copy.deepcopy(data)
    drop["fields"][1]["choices"] = drop["fields"][1]["choices"][:1]
    assert _put(world, drop).json()["error"] == "values_refused"

    # Wattage as text takes every number; back to a number converts them to numbers again.
    to_text = copy.deepcopy(data)
    to_text["fields"][2]["type"] = "text"
    assert _put(world, to_text).status_code == 200
    assert sorted(f.values["watts"] for f in ThemeFeature.objects.all()) == ["40", "40"]
    back = copy.deepcopy(data)
    back["version"] = 2
    assert _put(world, back).status_code == 200
    assert [f.values["watts"] for f in ThemeFeature.objects.all()] == [40, 40]
    assert [f.version for f in ThemeFeature.objects.all()] == [1, 1]
    assert ThemeLayer.objects.get().version == 3


@pytest.mark.parametrize("field", ["slug", "geometry_type"])
def test_name_and_geometry_do_not_change(world, field):
    assert define(world).status_code == 201
    data = streetlights(world, version=1, **{field: "lamps" if field == "slug" else "Polygon"})
    refused = _put(world, data)
    assert refused.status_code == 400 and refused.json()["error"] == "immutable_definition"
