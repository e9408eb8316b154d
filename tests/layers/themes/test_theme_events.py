"""A ward-defined layer's changes on the live-change stream: named by the layer's slug, one per layer a statement
touched, never a value."""

from __future__ import annotations

from django.test import Client

from gisportal.models import Role
from tests.factories import AdminUnitFactory, square, user_with_role
from tests.gisportal.test_events import listen
from tests.layers.themes.helpers import STREETLIGHTS, add, lamp, send


def test_feature_changes_reach_the_leader_by_layer_without_values(transactional_db, live_server):
    ward = AdminUnitFactory(boundary=square(106.695, 10.781, 0.005))
    admin = user_with_role("quantri_live", Role.ADMIN)
    leader = user_with_role("leader_themes_live", Role.DISTRICT_LEADER)
    client = Client()
    client.force_login(admin)
    assert send(client, "post", "/api/v1/themes/", {**STREETLIGHTS, "owner": ward.pk}).status_code == 201
    events, thread = listen(live_server, leader, 3)
    pk = add(client, lamp()).json()["id"]
    changed = send(
        client,
        "patch",
        f"/ogc/collections/streetlights/items/{pk}",
        {"type": "Feature", "properties": {"watts": 9}},
        "application/geo+json",
        **{"If-Match": '"1"'},
    )
    assert changed.status_code == 200
    thread.join()
    seen = [(e["layer"], e["op"], e["wards"], e["count"]) for e in events]
    assert ("streetlights", "insert", [ward.pk], 1) in seen
    assert ("streetlights", "update", [ward.pk], 1) in seen
    assert "0909123456" not in str(events) and "DL-001" not in str(events)
