"""Throttles, the login lockout on every way in, personal API tokens, and HTTP Basic only where allowed."""

from __future__ import annotations

import base64

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from gisportal.models import Role
from gisportal.tokens import ApiToken, digest
from tests.factories import user_with_role
from tests.gisportal.test_role_matrix import client_for

PASSWORD = "pw-test-1"  # tests/factories.py


@pytest.fixture(autouse=True)
def _fresh_counts():
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


def _basic(username: str, password: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def _assert_throttled(response) -> None:
    assert response.status_code == 429, response.content[:300]
    body = response.json()
    assert body["error"] == "throttled"
    assert body["message"].startswith("Quá nhiều yêu cầu") and body["message_en"] != body["message"]
    assert int(response["Retry-After"]) > 0


@override_settings(THROTTLE_RATES={"anon": "3/min", "user": None})
def test_anonymous_callers_are_throttled_per_client_address(world):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert client.get("/api/v1/businesses/name-check?name=Phở&area=city").status_code == 200
    _assert_throttled(client.get("/api/v1/businesses/name-check?name=Phở&area=city"))
    _assert_throttled(client.get("/api/v1/pois/"))  # every endpoint counts against the same client
    assert Client(REMOTE_ADDR="203.0.113.8").get("/api/v1/pois/").status_code == 200  # another client is not
    # A logged-in officer from the same address is counted as a user (here: not limited).
    officer = client_for(world, "ward_officer")
    assert officer.get("/api/v1/pois/", REMOTE_ADDR="203.0.113.7").status_code == 200


@override_settings(THROTTLE_RATES={"anon": None, "user": "3/min"})
def test_officers_are_throttled_per_user(world):
    officer = client_for(world, "ward_officer")
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        assert officer.get("/api/v1/businesses/", REMOTE_ADDR=ip).status_code == 200
    _assert_throttled(officer.get("/api/v1/businesses/", REMOTE_ADDR="198.51.100.4"))  # per user, not per address
    assert client_for(world, "district_leader").get("/api/v1/businesses/").status_code == 200


@override_settings(THROTTLE_RATES={"anon": "2/min", "user": None}, NUM_PROXIES=1)
def test_behind_the_proxy_the_forwarded_address_is_the_client(world):
    def get(forwarded: str):
        return Client().get("/api/v1/pois/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR=forwarded)

    assert get("203.0.113.1").status_code == 200
    assert get("203.0.113.1").status_code == 200
    _assert_throttled(get("203.0.113.1"))
    assert get("203.0.113.2").status_code == 200  # nginx's own address is not everyone's bucket


def test_basic_auth_is_refused_unless_a_setting_asks_for_it(world):
    response = Client().get("/api/v1/me/", **_basic("officer_a", PASSWORD))
    assert response.json()["username"] is None
    with override_settings(API_BASIC_AUTH=True):
        response = Client().get("/api/v1/me/", **_basic("officer_a", PASSWORD))
        assert response.json()["username"] == "officer_a"


def test_the_login_page_locks_a_user_out_after_repeated_failures(world):
    client = Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(5):
        response = client.post("/login/", {"username": "officer_a", "password": "sai-mat-khau"})
        assert response.status_code in (200, 429)
    locked = client.post("/login/", {"username": "officer_a", "password": PASSWORD})
    assert locked.status_code == 429
    assert "tạm khóa".encode() in locked.content and b"locked" in locked.content
    assert client.get("/api/v1/me/").json()["username"] is None
    # The same user from another address, and another user from this one, still log in.
    assert (
        Client(REMOTE_ADDR="192.0.2.11").post("/login/", {"username": "officer_a", "password": PASSWORD}).status_code
        == 302
    )
    assert client.post("/login/", {"username": "leader", "password": PASSWORD}).status_code == 302


@override_settings(API_BASIC_AUTH=True)
def test_basic_auth_goes_through_the_same_lockout(world):
    client = Client(REMOTE_ADDR="192.0.2.20")
    for _ in range(5):
        assert client.get("/api/v1/businesses/sync/runs", **_basic("officer_a", "sai")).status_code in (401, 403)
    # The right password no longer opens the API from this address…
    assert client.get("/api/v1/me/", **_basic("officer_a", PASSWORD)).status_code in (401, 403)
    assert client.get("/api/v1/businesses/sync/runs", **_basic("officer_a", PASSWORD)).status_code in (401, 403)
    # …nor the login page: one lockout for every way in.
    assert client.post("/login/", {"username": "officer_a", "password": PASSWORD}).status_code == 429


def test_an_officer_creates_uses_and_revokes_a_personal_token(world):
    officer = client_for(world, "ward_officer")
    created = officer.post("/api/v1/me/tokens", {"name": "QGIS văn phòng"}, content_type="application/json")
    assert created.status_code == 201, created.content
    key = created.json()["key"]
    token = ApiToken.objects.get(pk=created.json()["id"])
    assert token.key_digest == digest(key) and key not in token.key_digest  # only the digest is kept
    listed = officer.get("/api/v1/me/tokens").json()["results"]
    assert [t["name"] for t in listed] == ["QGIS văn phòng"] and "key" not in listed[0]

    desktop = Client()  # no session: the header alone
    header = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert desktop.get("/api/v1/me/", **header).json()["username"] == "officer_a"
    assert desktop.get("/ogc/collections/waste_points/items?limit=1", **header).status_code == 200
    assert desktop.get("/api/v1/me/", HTTP_AUTHORIZATION="Token sai-khoa").status_code in (401, 403)

    assert officer.delete(f"/api/v1/me/tokens/{token.pk}").status_code == 204
    assert desktop.get("/api/v1/me/", **header).status_code in (401, 403)
    # Nobody revokes another officer's token.
    other, _ = ApiToken.issue(world.users["district_leader"], "của lãnh đạo")
    assert officer.delete(f"/api/v1/me/tokens/{other.pk}").status_code == 404
    assert ApiToken.objects.filter(pk=other.pk).exists()


def test_citizens_hold_no_tokens_and_anonymous_callers_are_refused(world):
    citizen = Client()
    citizen.force_login(user_with_role("dan", Role.CITIZEN))
    assert citizen.post("/api/v1/me/tokens", {"name": "x"}, content_type="application/json").status_code == 403
    assert Client().get("/api/v1/me/tokens").status_code == 403
    # The sync endpoint (the registration software's way in) challenges for a token.
    challenged = Client().post("/api/v1/businesses/sync", {})
    assert challenged.status_code == 401 and challenged["WWW-Authenticate"] == "Token"


def test_the_officers_token_page(world):
    officer = client_for(world, "ward_officer")
    page = officer.get("/account/tokens/")
    assert page.status_code == 200 and "Khóa API".encode() in page.content
    made = officer.post("/account/tokens/", {"name": "GDAL"})
    key = made.context["new_key"]
    assert made.status_code == 200 and key.encode() in made.content
    token = ApiToken.objects.get(user=world.users["ward_officer"])
    assert officer.post("/account/tokens/", {"revoke": str(token.pk)}).status_code == 302
    assert not ApiToken.objects.exists()
    assert officer.post("/account/tokens/", {"name": ""}).status_code == 400
    assert Client().get("/account/tokens/").status_code == 302  # to the login page
