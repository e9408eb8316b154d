"""The audit log through HTTP: a login, a failed login, each edit, an export and a refusal leave exactly one entry
with the right user, kind, path and address; nothing else writes or changes it; the database itself refuses an
UPDATE or a DELETE of it; administrators read it, filtered."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client

from gisportal.audit import AuditEntry

ITEMS = "/ogc/collections/waste_points/items"
IP = "198.51.100.23"


def client(world=None, role: str | None = None) -> Client:
    c = Client(REMOTE_ADDR=IP)
    if role:
        c.force_login(world.users[role])
    return c


def last_id() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def since(mark: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(pk__gt=mark).order_by("pk"))


def one(mark: int) -> AuditEntry:
    rows = since(mark)
    assert len(rows) == 1, [(r.kind, r.path, r.status) for r in rows]
    return rows[0]


def send(c: Client, method: str, url: str, body=None, **headers):
    data = json.dumps(body) if body is not None else None
    return getattr(c, method)(url, data=data, content_type="application/geo+json", headers=headers)


def bin_feature(**props) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [106.695, 10.781]},
        "properties": {"kind": "bin", "name": "Thùng rác Lê Lợi", "capacity": 240} | props,
    }


def test_a_login_and_a_failed_login_leave_one_entry_each(world):
    c = client()
    mark = last_id()
    assert c.post("/login/", {"username": "officer_a", "password": "wrong"}).status_code == 200
    failed = one(mark)
    assert (failed.kind, failed.username, failed.user_id, failed.path, failed.ip) == (
        "login_failed",
        "officer_a",
        None,
        "/login/",
        IP,
    )
    mark = last_id()
    assert c.post("/login/", {"username": "officer_a", "password": "pw-test-1"}).status_code == 302
    login = one(mark)
    officer = world.users["ward_officer"]
    assert (login.kind, login.username, login.user_id, login.method, login.path, login.ip) == (
        "login",
        "officer_a",
        officer.pk,
        "POST",
        "/login/",
        IP,
    )


def test_each_edit_through_the_api_leaves_one_entry_and_a_refused_one_none(world):
    c = client(world, "ward_officer")
    mark = last_id()
    created = send(c, "post", ITEMS, bin_feature())
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    entry = one(mark)
    assert (entry.kind, entry.username, entry.method, entry.path, entry.ip, entry.status) == (
        "edit",
        "officer_a",
        "POST",
        ITEMS,
        IP,
        201,
    )
    assert entry.detail == {"count": 1, "changes": [{"model": "layers.wastepoint", "id": pk, "action": "create"}]}

    mark = last_id()
    patched = send(
        c, "patch", f"{ITEMS}/{pk}", {"type": "Feature", "properties": {"condition": "worn"}}, **{"If-Match": '"1"'}
    )
    assert patched.status_code == 200
    assert one(mark).detail["changes"] == [{"model": "layers.wastepoint", "id": pk, "action": "update"}]

    mark = last_id()
    stale = send(
        c, "patch", f"{ITEMS}/{pk}", {"type": "Feature", "properties": {"condition": "good"}}, **{"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert since(mark) == []  # nothing was written, so nothing is logged

    mark = last_id()
    assert c.delete(f"{ITEMS}/{pk}", headers={"If-Match": '"2"'}).status_code == 204
    entry = one(mark)
    assert (entry.kind, entry.method, entry.path) == ("edit", "DELETE", f"{ITEMS}/{pk}")
    # A soft delete is an update of is_deleted in the history: the entry says which row and which way.
    assert entry.detail["changes"][0]["id"] == pk


def test_an_export_leaves_one_entry_with_the_file_and_the_filters(world):
    c = client(world, "ward_officer")
    mark = last_id()
    response = c.get("/api/v1/businesses/export.csv", {"q": "Phở"})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    entry = one(mark)
    assert (entry.kind, entry.username, entry.path, entry.ip) == (
        "export",
        "officer_a",
        "/api/v1/businesses/export.csv",
        IP,
    )
    assert entry.detail["file"].endswith(".csv") and entry.detail["query"] == {"q": "Phở"}
    assert entry.detail["rows"] == int(response["X-Export-Rows"])


def test_a_refusal_leaves_one_entry(world):
    c = client(world, "khu_pho_officer")
    mark = last_id()
    assert c.get("/api/v1/audit/").status_code == 403
    entry = one(mark)
    assert (entry.kind, entry.username, entry.method, entry.path, entry.ip, entry.status) == (
        "denied",
        "kp_a1",
        "GET",
        "/api/v1/audit/",
        IP,
        403,
    )
    mark = last_id()
    assert client().get("/api/v1/audit/").status_code == 403
    assert (one(mark).kind, one(mark).username, one(mark).user_id) == ("denied", "", None)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE gisportal_auditentry SET username = 'someone else'",
        "DELETE FROM gisportal_auditentry",
        "DELETE FROM gisportal_auditentry WHERE false",
    ],
)
def test_the_database_refuses_to_change_the_log(world, sql):
    client().post("/login/", {"username": "officer_a", "password": "wrong"})
    before = list(AuditEntry.objects.values_list("pk", "username"))
    assert before
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert list(AuditEntry.objects.values_list("pk", "username")) == before


def test_nor_does_the_orm(world):
    client().post("/login/", {"username": "officer_a", "password": "wrong"})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.update(username="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(username="officer_a").exists()


def test_administrators_read_it_filtered_and_nobody_writes_it(world):
    c = client()
    c.post("/login/", {"username": "officer_a", "password": "wrong"})
    c.post("/login/", {"username": "officer_a", "password": "pw-test-1"})
    admin = client(world, "admin")
    page = admin.get("/api/v1/audit/", {"kind": "login", "user": "officer_a"}).json()
    assert page["count"] == 1 and page["results"][0]["ip"] == IP and page["results"][0]["path"] == "/login/"
    assert admin.get("/api/v1/audit/", {"kind": "login_failed"}).json()["count"] == 1
    today = dt.date.today()
    tomorrow = (today + dt.timedelta(days=2)).isoformat()
    assert admin.get("/api/v1/audit/", {"since": tomorrow}).json()["count"] == 0
    assert admin.get("/api/v1/audit/", {"until": tomorrow, "user": "officer_a"}).json()["count"] == 2
    assert admin.get("/api/v1/audit/", {"since": "hôm qua"}).status_code == 400
    assert admin.get("/api/v1/audit/", {"kind": "nope"}).status_code == 400
    for method in ("post", "put", "patch", "delete"):
        assert getattr(admin, method)("/api/v1/audit/").status_code == 405
    for role in ("ward_officer", "district_leader", "land_officer"):
        assert client(world, role).get("/api/v1/audit/").status_code == 403


def test_the_django_admin_shows_it_read_only(world):
    root = world.users["admin"]
    root.is_staff = root.is_superuser = True
    root.save()
    client().post("/login/", {"username": "officer_a", "password": "wrong"})
    entry = AuditEntry.objects.get(kind="login_failed")
    admin = client(world, "admin")
    listing = admin.get("/admin/gisportal/auditentry/")
    assert listing.status_code == 200 and b"officer_a" in listing.content
    detail = admin.get(f"/admin/gisportal/auditentry/{entry.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert admin.post(f"/admin/gisportal/auditentry/{entry.pk}/change/", {"username": "x"}).status_code == 403
    assert admin.get(f"/admin/gisportal/auditentry/{entry.pk}/delete/").status_code == 403
    assert admin.get("/admin/gisportal/auditentry/add/").status_code == 403
    entry.refresh_from_db()
    assert entry.username == "officer_a"


def test_entries_are_written_outside_the_replica_switch():
    """A public read served by a replica (gisportal/db_router.py) swaps this thread's connection for the replica's,
    where an INSERT fails: the audit middleware must write after the switch is undone, so it wraps it."""
    from django.conf import settings

    order = settings.MIDDLEWARE
    assert order.index("gisportal.audit.AuditMiddleware") < order.index("gisportal.db_router.ReplicaMiddleware")
