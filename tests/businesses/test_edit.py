"""Officers edit a business through the API: scope, optimistic locking (409), history."""

from __future__ import annotations

from django.test import Client


def client_as(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def patch(client, pk, body):
    return client.patch(f"/api/v1/businesses/{pk}/", body, content_type="application/json")


def test_ward_officer_edits_own_ward_and_history_records_it(world):
    business = world.businesses[0]
    officer = client_as(world.users["ward_officer"])
    response = patch(officer, business.pk, {"signboard": "Phở Hòa Mới", "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["properties"]["version"] == 2
    business.refresh_from_db()
    assert business.signboard == "Phở Hòa Mới"
    last = business.history.order_by("-history_date").first()
    assert last.history_user.username == "officer_a" and last.signboard == "Phở Hòa Mới"
    assert business.history.count() == 2


def test_stale_write_is_409_and_the_newer_data_stays(world):
    business = world.businesses[0]
    officer = client_as(world.users["ward_officer"])
    admin = client_as(world.users["admin"])
    assert patch(admin, business.pk, {"owner_phone": "0900999999", "version": 1}).status_code == 200
    stale = patch(officer, business.pk, {"signboard": "Ghi đè", "version": 1})
    assert stale.status_code == 409
    body = stale.json()
    assert body["error"] == "conflict" and body["message"] and body["message_en"]
    assert body["details"]["current"]["properties"]["version"] == 2
    business.refresh_from_db()
    assert business.signboard == "Phở Hòa" and business.owner_phone == "0900999999"


def test_out_of_scope_and_anonymous_writes_are_refused(world):
    other_ward = world.businesses[2]
    officer = client_as(world.users["ward_officer"])
    assert patch(officer, other_ward.pk, {"signboard": "X", "version": 1}).status_code == 403
    assert patch(Client(), other_ward.pk, {"signboard": "X", "version": 1}).status_code in (401, 403)
    assert (
        patch(client_as(world.users["district_leader"]), other_ward.pk, {"signboard": "X", "version": 1}).status_code
        == 403
    )
    assert (
        patch(
            client_as(world.users["khu_pho_officer"]), world.businesses[0].pk, {"signboard": "X", "version": 1}
        ).status_code
        == 403
    )
    other_ward.refresh_from_db()
    assert other_ward.signboard == "Tạp hóa Minh"


def test_missing_version_is_400(world):
    officer = client_as(world.users["ward_officer"])
    response = patch(officer, world.businesses[0].pk, {"signboard": "Y"})
    assert response.status_code == 400 and response.json()["error"] == "version_required"


def test_private_fields_by_role(world):
    pk = world.businesses[0].pk
    anon = Client().get(f"/api/v1/businesses/{pk}/").json()["properties"]
    assert "owner_name" not in anon and "owner_phone" not in anon and anon["signboard"] == "Phở Hòa"
    officer = client_as(world.users["ward_officer"]).get(f"/api/v1/businesses/{pk}/").json()["properties"]
    assert officer["owner_name"] == "Chủ Phở Một"
