"""Households per role: officers see their own ward (khu phố), leaders counts only, citizens nothing.

Every endpoint of the portal is walked for every role (as in tests/gisportal/test_role_matrix.py),
and no private value of a household the role may not read may appear in any answer: head names and
phones, members' names and phones, the places people moved from or to, and the household's code. The forbidden sets are
written out from the world's shape here, not derived from the permissions module.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from households.models import Household, HouseholdMove
from tests.endpoints import endpoint_urls
from tests.households.house_world import make_streets, ndc_houses
from tests.households.test_geocode import file_houses

ROLES = ["anonymous", "khu_pho_officer", "ward_officer", "land_officer", "district_leader", "admin"]


def household(world, house, kp, tag: str, **flags) -> Household:
    h = Household.objects.create(
        house_number=house,
        ward_id=house.ward_id,
        khu_pho=kp,
        code=f"H-{tag}",
        head_name=f"Chủ Hộ {tag}",
        head_phone=f"0988{abs(hash(tag)) % 1_000_000:06d}",
        members=[
            {"name": f"Chủ Hộ {tag}", "birth_year": 1970, "sex": "M", "relation": "Chủ hộ"},
            {"name": f"Con Hộ {tag}", "birth_year": 2004, "sex": "M", "relation": "Con", "phone": f"0977{tag}00"},
        ],
        size=2,
        military_age_youth=1,
        **flags,
    )
    HouseholdMove.objects.create(
        household=h, kind="in", date=dt.date.today() - dt.timedelta(days=30), persons=2, place=f"Nơi Cũ {tag}"
    )
    return h


@pytest.fixture
def homes(world):
    streets = make_streets(world)
    a = file_houses(world, streets["ndc_a"], ndc_houses(1, 4) + ndc_houses(401, 2, lon0=106.7025))
    b = file_houses(world, streets["ndc_b"], ndc_houses(1, 2, lon0=106.7225))
    return {
        "a1": household(world, a["1"], world.kp_a1, "Một", poor=True),
        "a1b": household(world, a["2"], world.kp_a1, "Hai", social_allowance=True),
        "a2": household(world, a["401"], world.kp_a2, "Ba", near_poor=True),
        "b1": household(world, b["1"], world.kp_b1, "Bốn", policy_family=True),
    }


def private_values(*households: Household) -> list[str]:
    values = []
    for h in households:
        # The code too: a row without its names still tells one household's flags (poor, policy family).
        values += [h.code, h.head_name, h.head_phone]
        values += [v for m in h.members for k, v in m.items() if k in ("name", "phone")]
        values += [m.place for m in h.moves.all()]
    return values


def forbidden(homes, role: str) -> list[Household]:
    everyone = list(homes.values())
    return {
        "anonymous": everyone,
        "khu_pho_officer": [homes["a2"], homes["b1"]],  # their khu phố is A1
        "ward_officer": [homes["b1"]],  # their ward is A
        "land_officer": everyone,
        "district_leader": everyone,  # counts only, never individuals
        "admin": [],
    }[role]


def client_for(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8", errors="replace")


@pytest.mark.parametrize("role", ROLES)
def test_no_endpoint_leaks_a_household_out_of_scope(world, homes, role):
    client = client_for(world, role)
    values = private_values(*forbidden(homes, role))
    needles = [enc for v in values for enc in (v, json.dumps(v)[1:-1])]
    # The health check answers 503 without a Celery worker and holds no data: not walked here.
    urls = [(name, url) for name, url in endpoint_urls(world) if name != "health"]
    urls += [(f"household {k}", f"/api/v1/households/{h.pk}/") for k, h in homes.items()]
    urls += [("households ward B", f"/api/v1/households/?ward={world.ward_b.pk}")]
    for name, url in urls:
        response = client.get(url)
        assert response.status_code < 500, f"{role} GET {url} ({name}) → {response.status_code}"
        leaked = [v for v in needles if v in text_of(response)]
        assert not leaked, f"{role} GET {url} ({name}) leaked {leaked}"


def test_ward_officer_reads_the_households_of_their_ward(world, homes):
    client = client_for(world, "ward_officer")
    data = client.get("/api/v1/households/").json()
    assert {r["code"] for r in data["results"]} == {"H-Một", "H-Hai", "H-Ba"}
    detail = client.get(f"/api/v1/households/{homes['a2'].pk}/").json()
    assert detail["head_name"] == "Chủ Hộ Ba" and detail["members"][1]["name"] == "Con Hộ Ba"
    assert detail["moves"][0]["place"] == "Nơi Cũ Ba"
    assert client.get(f"/api/v1/households/{homes['b1'].pk}/").status_code == 404  # not even its existence


def test_khu_pho_officer_reads_their_khu_pho_only(world, homes):
    client = client_for(world, "khu_pho_officer")
    assert {r["code"] for r in client.get("/api/v1/households/").json()["results"]} == {"H-Một", "H-Hai"}
    assert client.get(f"/api/v1/households/{homes['a2'].pk}/").status_code == 404
    stats = client.get("/api/v1/households/stats").json()
    assert [(r["khu_pho_id"], r["households"]) for r in stats["rows"]] == [(world.kp_a1.pk, 2)]


@pytest.mark.parametrize("role", ["district_leader", "land_officer", "anonymous"])
def test_leaders_land_officers_and_citizens_read_no_household(world, homes, role):
    client = client_for(world, role)
    for url in ("/api/v1/households/", f"/api/v1/households/{homes['a1'].pk}/"):
        response = client.get(url)
        assert response.status_code in (401, 403), (role, url)
    if role == "district_leader":
        assert "/api/v1/households/stats" in client.get("/api/v1/households/").json()["message_en"]


def test_leaders_get_counts_per_khu_pho_and_ward(world, homes, settings):
    settings.HOUSEHOLD_STATS_MIN_COUNT = 1  # nothing hidden: the counts themselves (hiding: the next test)
    client = client_for(world, "district_leader")
    stats = client.get("/api/v1/households/stats").json()
    by_kp = {r["khu_pho_id"]: r for r in stats["rows"]}
    assert by_kp[world.kp_a1.pk]["households"] == 2 and by_kp[world.kp_a1.pk]["people"] == 4
    assert by_kp[world.kp_a1.pk]["poor"] == 1 and by_kp[world.kp_a1.pk]["social_allowance"] == 1
    assert by_kp[world.kp_a2.pk]["near_poor"] == 1 and by_kp[world.kp_b1.pk]["policy_family"] == 1
    assert by_kp[world.kp_a1.pk]["military_age_youth"] == 2
    assert by_kp[world.kp_a1.pk]["moves_in"] == 2 and by_kp[world.kp_a1.pk]["people_in"] == 4
    assert stats["totals"]["households"] == 4
    wards = client.get("/api/v1/households/stats", {"group_by": "ward"}).json()["rows"]
    assert {(r["ward_id"], r["households"]) for r in wards} == {(world.ward_a.pk, 3), (world.ward_b.pk, 1)}
    columns = "ward_id households people poor near_poor policy_family social_allowance military_age_youth"
    assert set(wards[0]) == {*columns.split(), "moves_in", "people_in", "moves_out", "people_out"}


def test_leaders_never_see_a_small_count_nor_work_one_out(world, homes, settings):
    settings.HOUSEHOLD_STATS_MIN_COUNT = 2
    for kp, home in [(world.kp_a1, "a1"), (world.kp_a2, "a2")] + [(world.kp_b1, "b1")] * 3:
        household(world, homes[home].house_number, kp, f"Thêm{Household.objects.count()}", poor=True)
    # Poor households: khu phố A1 2, A2 1, B1 3; total 6. A2's 1 is hidden; alone, it would be 6 - 2 - 3,
    # so the smallest shown cell (A1's 2) is hidden with it. Policy families: B1 1 only: hidden, and the total.
    leader = client_for(world, "district_leader").get("/api/v1/households/stats").json()
    by_kp = {r["khu_pho_id"]: r for r in leader["rows"]}
    assert [by_kp[kp.pk]["poor"] for kp in (world.kp_a1, world.kp_a2, world.kp_b1)] == [None, None, 3]
    assert leader["totals"]["poor"] == 6 and leader["min_count"] == 2
    assert by_kp[world.kp_b1.pk]["policy_family"] is None and leader["totals"]["policy_family"] is None
    assert by_kp[world.kp_a1.pk]["households"] == 3  # population figures stay
    # The ward officer knows these families: exact counts of their own ward.
    officer = client_for(world, "ward_officer").get("/api/v1/households/stats").json()
    assert {r["khu_pho_id"]: r["poor"] for r in officer["rows"]} == {world.kp_a1.pk: 2, world.kp_a2.pk: 1}
    assert officer["min_count"] is None


def test_officers_count_their_own_ward_only(world, homes):
    client = client_for(world, "ward_officer")
    rows = client.get("/api/v1/households/stats", {"group_by": "ward"}).json()["rows"]
    assert [(r["ward_id"], r["households"]) for r in rows] == [(world.ward_a.pk, 3)]
    assert client.get("/api/v1/households/stats", {"ward": world.ward_b.pk}).status_code == 403
    assert client.get("/api/v1/households/stats", {"group_by": "person"}).status_code == 400
    assert client_for(world, "anonymous").get("/api/v1/households/stats").status_code in (401, 403)
    assert client_for(world, "land_officer").get("/api/v1/households/stats").status_code == 403
