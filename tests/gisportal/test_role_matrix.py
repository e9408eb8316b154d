"""Role × endpoint: every GET endpoint, every role; nobody sees private data out of scope.

The forbidden values per role are written out here from the world's shape, not derived
from the permissions module, so the test checks that module rather than repeating it.
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.test import Client

from tests.endpoints import endpoint_urls

ROLES = ["anonymous", "khu_pho_officer", "ward_officer", "land_officer", "district_leader", "admin"]


def forbidden_units(world, role: str):
    """The units whose private contacts (and whose businesses' owners) this role must never receive.

    A khu phố lists its businesses; a khu phố officer may see those of their own khu phố only.
    """
    everyone = [world.ward_a, world.ward_b, world.kp_a1, world.kp_a2, world.kp_b1]
    return {
        "anonymous": everyone,
        "khu_pho_officer": [world.ward_a, world.ward_b, world.kp_a2, world.kp_b1],
        "ward_officer": [world.ward_b, world.kp_b1],
        "land_officer": everyone,  # land officers work on imagery, not on contacts
        "district_leader": [],
        "admin": [],
    }[role]


def encodings(value: str) -> list[str]:
    """A value as raw UTF-8 text and as JSON with \\u escapes (Django's JsonResponse default)."""
    return [value, json.dumps(value)[1:-1]]


def client_for(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def test_every_model_with_private_fields_declares_real_fields():
    for model in apps.get_models():
        for name in getattr(model, "private_fields", ()):
            model._meta.get_field(name)  # raises FieldDoesNotExist on a typo


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_answers_every_role_without_leaking(world, role, celery_worker):
    client = client_for(world, role)
    forbidden = [enc for v in world.private_values(*forbidden_units(world, role)) for enc in encodings(v)]
    urls = endpoint_urls(world)
    assert len(urls) >= 10, urls
    for name, url in urls:
        response = client.get(url)
        assert response.status_code < 500, f"{role} GET {url} ({name}) → {response.status_code}"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        leaked = [v for v in forbidden if v in text]
        assert not leaked, f"{role} GET {url} ({name}) leaked private values {leaked}"


def test_officers_do_see_their_own_private_fields(world):
    """The other half: scoping must not hide what an officer is entitled to."""
    ward_officer = client_for(world, "ward_officer")
    data = ward_officer.get(f"/api/v1/admin-units/{world.kp_a2.pk}/").json()
    assert data["properties"]["head_phone"] == "0922222222"
    kp_officer = client_for(world, "khu_pho_officer")
    assert (
        kp_officer.get(f"/api/v1/admin-units/{world.kp_a1.pk}/").json()["properties"]["head_name"]
        == "Trưởng Khu Phố Một"
    )
    assert "head_name" not in kp_officer.get(f"/api/v1/admin-units/{world.kp_a2.pk}/").json()["properties"]
    leader = client_for(world, "district_leader")
    assert leader.get(f"/api/v1/admin-units/{world.kp_b1.pk}/").json()["properties"]["head_phone"] == "0933333333"
    anon = Client().get(f"/api/v1/admin-units/{world.kp_a1.pk}/").json()["properties"]
    assert "head_name" not in anon and "head_phone" not in anon


def test_me_reports_role_and_wards(world):
    assert Client().get("/api/v1/me/").json() == {"username": None, "role": "citizen", "wards": []}
    me = client_for(world, "ward_officer").get("/api/v1/me/").json()
    assert me["role"] == "ward_officer" and me["wards"] == [world.ward_a.pk]
    assert client_for(world, "khu_pho_officer").get("/api/v1/me/").json()["wards"] == [world.ward_a.pk]
    assert client_for(world, "district_leader").get("/api/v1/me/").json()["wards"] is None
