"""Counts by industry, section, ward, khu phố, street block and status through HTTP, against counts made here."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.test import Client

from businesses.models import Industry
from tests.factories import BusinessFactory, industry, offset_point

URL = "/api/v1/businesses/stats"
GROUPS = ["industry", "section", "ward", "khu_pho", "street_block", "status"]
ROLES = ["anonymous", "khu_pho_officer", "ward_officer", "land_officer", "district_leader"]
CODES = ["5610", "5630", "4711", "9631", "4542", "1071"]
STATUSES = ["active", "active", "active", "suspended", "terminated", "revoked"]
BLOCKS = ["Ô 01-01", "Ô 01-02", "Ô 02-01", ""]


@pytest.fixture
def registry(world):
    """Sixty businesses spread over the world's units with a fixed seed; some soft-deleted."""
    rng = random.Random(20251115)
    places = [
        (world.ward_a, world.kp_a1),
        (world.ward_a, world.kp_a2),
        (world.ward_a, None),
        (world.ward_b, world.kp_b1),
    ]
    for n in range(60):
        ward, kp = rng.choice(places)
        centre = ward.boundary.centroid
        world.businesses.append(
            BusinessFactory(
                ward=ward,
                khu_pho=kp,
                industry=industry(rng.choice(CODES)),
                status=rng.choice(STATUSES),
                street_block=rng.choice(BLOCKS),
                is_deleted=rng.random() < 0.1,
                signboard=f"Cửa hàng Số {n}",
                geom=offset_point(centre.x, centre.y, rng.uniform(-500, 500), rng.uniform(-500, 500)),
            )
        )
    return world


def visible(world, role: str) -> list:
    """The rows each role's counts cover, written out from the world, not from the filters module."""
    rows = [b for b in world.businesses if not b.is_deleted]
    return {
        "anonymous": [b for b in rows if b.status in ("active", "suspended")],
        "land_officer": [b for b in rows if b.status in ("active", "suspended")],
        "khu_pho_officer": [b for b in rows if b.khu_pho_id == world.kp_a1.pk],
        "ward_officer": [b for b in rows if b.ward_id == world.ward_a.pk],
        "district_leader": rows,
    }[role]


def key_of(business, group: str):
    return {
        "industry": lambda b: b.industry.code,
        "section": lambda b: b.section,
        "ward": lambda b: b.ward_id,
        "khu_pho": lambda b: b.khu_pho_id,
        "street_block": lambda b: b.street_block,
        "status": lambda b: b.status,
    }[group](business)


def client_for(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def stats(client: Client, **params) -> dict:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("role", ROLES)
def test_counts_equal_the_rows_each_role_may_list(registry, role):
    client = client_for(registry, role)
    rows = visible(registry, role)
    assert rows, "the seeded world gives every role something to count"
    for group in GROUPS:
        data = stats(client, group_by=group)
        expected = Counter(key_of(b, group) for b in rows)
        assert {r["key"]: r["count"] for r in data["rows"]} == expected, group
        assert data["total"] == len(rows) and data["group_by"] == group
        counts = [r["count"] for r in data["rows"]]
        assert counts == sorted(counts, reverse=True)


def test_labels_are_the_vietnamese_names(registry):
    leader = client_for(registry, "district_leader")
    by_ward = {r["key"]: r["label"] for r in stats(leader, group_by="ward")["rows"]}
    assert by_ward == {registry.ward_a.pk: "Phường An Nhơn", registry.ward_b.pk: "Phường Bình Lợi"}
    by_kp = {r["key"]: (r["label"], r["label_en"]) for r in stats(leader, group_by="khu_pho")["rows"]}
    assert by_kp[registry.kp_a1.pk][0] == "Khu phố 1" and by_kp[None] == ("Chưa gán khu phố", "No khu phố")
    by_status = {r["key"]: (r["label"], r["label_en"]) for r in stats(leader, group_by="status")["rows"]}
    assert by_status["active"] == ("Đang hoạt động", "Active")
    assert by_status["terminated"] == ("Chấm dứt", "Terminated")
    industries = {r["key"]: r for r in stats(leader, group_by="industry")["rows"]}
    assert industries["5630"]["label"] == industry("5630").name == "Dịch vụ phục vụ đồ uống"
    assert industries["5630"]["vsic"] == "VSIC2018"
    sections = {r["key"]: r["label"] for r in stats(leader, group_by="section")["rows"]}
    assert sections["I"] == Industry.objects.get(version="VSIC2018", code="I").name
    blocks = {r["key"]: r["label"] for r in stats(leader, group_by="street_block")["rows"]}
    assert blocks["Ô 01-02"] == "Ô 01-02" and blocks[""] == "Chưa có ô phố"


def test_two_groupings_count_pairs(registry):
    rows = visible(registry, "district_leader")
    data = stats(client_for(registry, "district_leader"), group_by="ward", group_by2="status")
    expected = Counter((b.ward_id, b.status) for b in rows)
    assert {(r["key"], r["key2"]): r["count"] for r in data["rows"]} == expected
    assert data["total"] == len(rows)
    first = data["rows"][0]
    assert {"label", "label2", "label2_en"} <= set(first)


def test_filters_apply_and_agree_with_the_list(registry):
    leader = client_for(registry, "district_leader")
    params = {"ward": str(registry.ward_a.pk), "status": ["terminated", "revoked"], "industry": "56"}
    data = stats(leader, group_by="khu_pho", **params)
    rows = [
        b
        for b in visible(registry, "district_leader")
        if b.ward_id == registry.ward_a.pk and b.status in ("terminated", "revoked") and b.industry.code[:2] == "56"
    ]
    assert {r["key"]: r["count"] for r in data["rows"]} == Counter(b.khu_pho_id for b in rows)
    assert data["filters"] == {"industry": "56", "ward": str(registry.ward_a.pk), "status": ["terminated", "revoked"]}
    listed = leader.get("/api/v1/businesses/", params).json()["count"]
    assert listed == data["total"] == len(rows)


def test_a_ward_officer_asking_for_another_ward_counts_nothing(registry):
    data = stats(client_for(registry, "ward_officer"), group_by="status", ward=str(registry.ward_b.pk))
    assert data["total"] == 0 and data["rows"] == []


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({}, "group_by"),
        ({"group_by": "owner_name"}, "group_by"),
        ({"group_by": "ward", "group_by2": "colour"}, "group_by2"),
        ({"group_by": "ward", "group_by2": "ward"}, "group_by2"),
        ({"group_by": "ward", "status": "closed"}, "status"),
        ({"group_by": "ward", "bbox": "1,2,3"}, "bbox"),
        ({"group_by": "ward", "industry": "00"}, "industry"),  # no VSIC division 00 (99 exists)
        ({"group_by": "ward", "ward": "Phường Không Có"}, "ward"),
        ({"group_by": "ward", "registered_to": "2025-02-30"}, "registered_to"),
        ({"group_by": "ward", "q": "..."}, "q"),
    ],
)
def test_bad_parameters_are_a_400_that_names_them(world, params, param):
    response = Client().get(URL, params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["details"]["param"] == param and param in body["message_en"] and body["message"]


def test_the_stats_page_needs_a_login_and_offers_the_users_scope(world):
    anonymous = Client().get("/businesses/stats/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    kp_page = client_for(world, "khu_pho_officer").get("/businesses/stats/").content.decode()
    assert "Khu phố 1" in kp_page and "Khu phố 2" not in kp_page and "Phường Bình Lợi" not in kp_page
    assert 'id="export-csv"' in kp_page
    officer_page = client_for(world, "ward_officer").get("/businesses/stats/").content.decode()
    assert "Khu phố 2" in officer_page and "Khu phố B1" not in officer_page
    assert 'id="export-csv"' not in client_for(world, "land_officer").get("/businesses/stats/").content.decode()
