"""Officers edit a business through the API: scope, optimistic locking (409), history."""

from __future__ import annotations

from django.test import Client

from gisportal.models import Role
from tests.factories import user_with_role


def client_as(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def officer_b(world):
    return user_with_role("officer_b", Role.WARD_OFFICER, wards=[world.ward_b])


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


def test_delete_is_soft_versioned_and_restorable(world):
    business = world.businesses[0]
    officer = client_as(world.users["ward_officer"])
    stale = officer.delete(f"/api/v1/businesses/{business.pk}/?version=7")
    assert stale.status_code == 409 and stale.json()["details"]["current"]["properties"]["version"] == 1
    assert officer.delete(f"/api/v1/businesses/{business.pk}/").status_code == 400
    assert (
        client_as(world.users["district_leader"]).delete(f"/api/v1/businesses/{business.pk}/?version=1").status_code
        == 403
    )

    assert officer.delete(f"/api/v1/businesses/{business.pk}/?version=1").status_code == 204
    business.refresh_from_db()
    assert business.is_deleted and business.version == 2
    assert Client().get(f"/api/v1/businesses/{business.pk}/").status_code == 404
    # A deleted name is free again for the name check.
    check = Client().get("/api/v1/businesses/name-check", {"name": "Phở Hòa", "area": "city"}).json()
    assert all(m["id"] != business.pk for m in check["matches"])

    assert client_as(officer_b(world)).post(f"/api/v1/businesses/{business.pk}/restore").status_code == 403
    restored = officer.post(f"/api/v1/businesses/{business.pk}/restore")
    assert restored.status_code == 200 and restored.json()["properties"]["version"] == 3
    check = Client().get("/api/v1/businesses/name-check", {"name": "Phở Hòa", "area": "city"}).json()
    assert check["verdict"] == "duplicate" and check["matches"][0]["id"] == business.pk


def test_history_says_who_when_and_what_changed(world):
    business = world.businesses[0]
    officer = client_as(world.users["ward_officer"])
    assert patch(officer, business.pk, {"signboard": "Phở Hòa 2", "version": 1}).status_code == 200
    assert officer.delete(f"/api/v1/businesses/{business.pk}/?version=2").status_code == 204

    body = officer.get(f"/api/v1/businesses/{business.pk}/history").json()
    newest, edit, created = body["history"]
    assert [h["version"] for h in body["history"]] == [3, 2, 1]
    assert newest["user"] == edit["user"] == "officer_a"
    assert newest["changes"] == {"is_deleted": {"from": False, "to": True}}
    assert edit["changes"] == {"signboard": {"from": "Phở Hòa", "to": "Phở Hòa 2"}}
    assert created["type"] == "created" and created["changes"]["owner_name"]["to"] == "Chủ Phở Một"

    assert Client().get(f"/api/v1/businesses/{business.pk}/history").status_code in (401, 403)
    assert client_as(officer_b(world)).get(f"/api/v1/businesses/{business.pk}/history").status_code == 403


def test_an_edit_keeps_what_others_wrote_to_fields_it_did_not_send(world):
    """A full sync marks a business missing while an officer edits it: the mark survives the edit."""
    from django.utils import timezone

    from businesses.models import Business

    business = world.businesses[0]
    officer = client_as(world.users["ward_officer"])
    marked = timezone.now()
    Business.objects.filter(pk=business.pk).update(missing_from_sync_at=marked)  # not a versioned edit
    assert patch(officer, business.pk, {"signboard": "Phở Hòa 3", "version": 1}).status_code == 200
    business.refresh_from_db()
    assert business.signboard == "Phở Hòa 3" and business.missing_from_sync_at == marked


def test_a_save_that_changes_nothing_makes_no_version(world):
    """What the editor sends back when the officer pressed Lưu without changing a field: every field as read,
    the point where it was. No new version, no history row; a real change after it is version 2."""
    business = world.businesses[0]
    officer = client_as(world.users["ward_officer"])
    read = officer.get(f"/api/v1/businesses/{business.pk}/").json()
    fields = ("signboard", "registration_no", "industry", "owner_name", "owner_phone", "address_current")
    body = {name: read["properties"][name] for name in fields}
    body |= {"street_block": "", "status": read["properties"]["status"], "version": 1}
    body |= {"registered_on": read["properties"]["registered_on"], "geom": read["geometry"]}
    before = business.history.count()
    response = patch(officer, business.pk, body)
    assert response.status_code == 200, response.content
    assert response.json()["properties"]["version"] == 1
    business.refresh_from_db()
    assert business.version == 1 and business.history.count() == before

    changed = patch(officer, business.pk, body | {"owner_phone": "0900111222"})
    assert changed.json()["properties"]["version"] == 2
