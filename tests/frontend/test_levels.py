"""Area levels over HTTP: a leader defines levels on an indicator, every ward is classified at once, an officer's
save moves a ward to another level (logged, shown on the dashboard), and what cannot be a scheme is refused in
Vietnamese and English."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from openpyxl import load_workbook

from frontend.models import AreaLevel, LevelChange
from tests.factories import BusinessFactory
from tests.frontend.test_dashboard_figures import fill, three_wards

LEVELS = "/leader/levels/"
TRAFFIC = [
    {"key": "green", "label": "Xanh", "label_en": "Green", "colour": "#2ca25f", "min": 0, "max": 2},
    {"key": "yellow", "label": "Vàng", "label_en": "Yellow", "colour": "#fed976", "min": 2, "max": 4},
    {"key": "orange", "label": "Cam", "label_en": "Orange", "colour": "#fd8d3c", "min": 4, "max": 6},
    {"key": "red", "label": "Đỏ", "label_en": "Red", "colour": "#e31a1c", "min": 6, "max": None},
]


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, body: dict, url: str = LEVELS, method: str = "post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def suspended(ward, n: int, lat0: float = 10.785) -> None:
    for i in range(n):
        BusinessFactory(ward=ward, status="suspended", geom=Point(106.7, lat0 + i * 1e-4, srid=4326))


def test_a_leader_defines_levels_and_wards_reclassify_when_their_figures_change(world):
    a, b = world.ward_a, world.ward_b
    suspended(a, 3)
    leader = client_as(world.users["district_leader"])
    response = post(leader, {"name": "Hộ tạm ngừng", "indicator": "suspended", "levels": TRAFFIC})
    assert response.status_code == 201, response.content
    scheme = response.json()["id"]
    assert dict(AreaLevel.objects.filter(scheme_id=scheme).values_list("ward_id", "level")) == {
        a.pk: "yellow",  # 3 suspended
        b.pk: "green",
    }
    assert leader.get(LEVELS).json()["schemes"][0]["indicator"] == "suspended"

    suspended(a, 2, lat0=10.786)  # 5 now: orange, seen at the dashboard's next reload of its figures
    data = leader.get("/leader/dashboard/data").json()
    shown = data["levels"]["schemes"][0]
    assert shown["wards"][str(a.pk)]["level"] == "orange" and shown["wards"][str(a.pk)]["value"] == 5
    assert [(c["ward"], c["from"], c["to"]) for c in data["levels"]["changes"]][:1] == [(a.pk, "yellow", "orange")]
    assert LevelChange.objects.filter(scheme_id=scheme, ward=a).count() == 2  # none → yellow → orange
    leader.get("/leader/dashboard/data")
    assert LevelChange.objects.filter(scheme_id=scheme).count() == 3  # a reload without change logs nothing
    log = leader.get(f"{LEVELS}{scheme}").json()["changes"]
    assert log[0]["to"] == "orange"

    # Per 1,000 residents: no residents, no value, no level.
    per = post(leader, {"name": "Theo dân", "indicator": "suspended", "per_1000": True, "levels": TRAFFIC})
    assert per.status_code == 201
    assert set(AreaLevel.objects.filter(scheme_id=per.json()["id"]).values_list("level", flat=True)) == {""}

    # A scheme replaced re-classifies; a retired one is gone from the dashboard.
    higher = [{**lv, "min": lv["min"] * 10, "max": lv["max"] and lv["max"] * 10} for lv in TRAFFIC]
    assert (
        post(leader, {"name": "x", "indicator": "suspended", "levels": higher}, f"{LEVELS}{scheme}", "put").status_code
        == 200
    )
    assert AreaLevel.objects.get(scheme_id=scheme, ward=a).level == "green"
    assert leader.delete(f"{LEVELS}{scheme}").status_code == 204
    assert scheme not in [s["id"] for s in leader.get("/leader/dashboard/data").json()["levels"]["schemes"]]


@pytest.mark.parametrize(
    ("levels", "indicator", "said"),
    [
        ([TRAFFIC[1], TRAFFIC[0]], "suspended", "sorted"),
        ([TRAFFIC[0], {**TRAFFIC[1], "min": 1}], "suspended", "overlaps"),
        ([{**TRAFFIC[0], "max": None}, TRAFFIC[1]], "suspended", "overlaps"),
        ([{**TRAFFIC[0], "min": 3, "max": 3}], "suspended", "max must be above"),
        ([TRAFFIC[0], {**TRAFFIC[1], "key": "green"}], "suspended", "twice"),
        ([{**TRAFFIC[0], "colour": "red"}], "suspended", "colour"),
        ([{**TRAFFIC[0], "min": "a lot"}], "suspended", "must be a number"),
        (TRAFFIC, "no_such_figure", "Unknown indicator"),
        (TRAFFIC, "hh_poor", "withheld"),
        ([], "suspended", "levels are needed"),
    ],
)
def test_what_cannot_be_a_scheme_is_refused_in_both_languages(world, levels, indicator, said):
    leader = client_as(world.users["district_leader"])
    response = post(leader, {"name": "Sai", "indicator": indicator, "levels": levels})
    assert response.status_code == 400
    body = response.json()
    assert said in body["message_en"] and body["message"] and body["message"] != body["message_en"]


def test_only_leaders_define_levels(world):
    body = {"name": "Mức", "indicator": "suspended", "levels": TRAFFIC}
    assert post(Client(), body).status_code == 401
    for role in ("ward_officer", "khu_pho_officer", "land_officer"):
        refused = post(client_as(world.users[role]), body)
        assert refused.status_code == 403 and refused.json()["message_en"], role
    assert post(client_as(world.users["admin"]), body).status_code == 201
    assert client_as(world.users["ward_officer"]).get(LEVELS).status_code == 403
    assert post(client_as(world.users["district_leader"]), body).status_code == 201


def test_the_exports_carry_each_wards_level(world):
    suspended(world.ward_a, 5)
    leader = client_as(world.users["district_leader"])
    assert post(leader, {"name": "Tạm ngừng", "indicator": "suspended", "levels": TRAFFIC}).status_code == 201
    rows = list(csv.reader(io.StringIO(leader.get("/leader/dashboard/export.csv").content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Mức: Tạm ngừng"
    levels = {r[0]: r[-1] for r in rows[1:]}
    assert levels[world.ward_a.name] == "Cam" and levels[world.ward_b.name] == "Xanh"
    english = Client(headers={"Accept-Language": "en"})
    english.force_login(world.users["district_leader"])
    english.cookies["django_language"] = "en"
    sheet = load_workbook(io.BytesIO(english.get("/leader/dashboard/export.xlsx").content)).active
    values = list(sheet.values)
    assert values[0][-1] == "Level: Tạm ngừng"
    assert {r[0]: r[-1] for r in values[1:]}[world.ward_a.name] == "Orange"


def test_levels_per_1000_residents(world):
    place = three_wards(world)
    # Two households of one person in each khu phố: ward A (two khu phố) has 4 residents.
    fill(place, {kp.pk: 0 for units in place["kps"].values() for kp in units})
    suspended(world.ward_a, 1)
    leader = client_as(world.users["district_leader"])
    per = [{**lv, "min": lv["min"] * 100, "max": lv["max"] and lv["max"] * 100} for lv in TRAFFIC]
    scheme = post(leader, {"name": "Theo dân", "indicator": "suspended", "per_1000": True, "levels": per}).json()
    held = AreaLevel.objects.get(scheme_id=scheme["id"], ward=world.ward_a)
    assert held.value == 1 * 1000 / 4 and held.level == "yellow"  # 250 per 1,000: [200, 400)
    assert AreaLevel.objects.get(scheme_id=scheme["id"], ward=world.ward_b).value == 0
