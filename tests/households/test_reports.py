"""The standardisation report: each kind of problem found, per import and per ward, through HTTP and the command."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.test import Client

from households.models import HouseNumber
from tests.households.house_world import House, make_streets, ndc_houses, upload, wgs84_csv
from tests.households.test_geocode import file_houses


@pytest.fixture
def streets(world):
    return make_streets(world)


def client_for(world, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def test_import_report_warns_of_far_and_out_of_sequence_numbers(world, streets, tmp_path):
    houses = ndc_houses(1, 20)
    # 7 filed between 15 and 17; 19 placed 122 m further north (131 m from its street).
    houses[6] = House("7", houses[6].street, houses[15].lon - 0.00002, houses[6].lat)
    houses[18] = House("19", houses[18].street, houses[18].lon, houses[18].lat + 0.0011)
    response = upload(client_for(world, "ward_officer"), wgs84_csv(tmp_path / "f.csv", houses))
    assert response.status_code == 201, response.json()
    report = response.json()["report"]
    far = report["warnings"]["far_from_street"]["items"]
    assert [i["value"] for i in far] == ["19"] and 129 < far[0]["distance"] < 132
    assert [i["value"] for i in report["warnings"]["out_of_sequence"]["items"]] == ["7"]
    assert report["standardisation"] == {
        "duplicates": 0,
        "unparseable": 0,
        "outside_ward": 0,
        "far_from_street": 1,
        "out_of_sequence": 1,
    }


def test_ward_report_lists_each_kind_of_problem(world, streets):
    houses = ndc_houses(1, 20)
    houses[6] = House("7", houses[6].street, houses[15].lon - 0.00002, houses[6].lat)
    houses[18] = House("19", houses[18].street, houses[18].lon, houses[18].lat + 0.0011)
    filed = file_houses(world, streets["ndc_a"], houses)
    HouseNumber.objects.filter(pk=filed["20"].pk).update(number="20??")  # typed in by hand
    HouseNumber.objects.filter(pk=filed["12"].pk).update(geom=Point(106.7305, 10.78008, srid=4326))  # in ward B
    stacked = file_houses(world, streets["ndc_a"], [House("3A", "Nguyễn Đình Chiểu", houses[2].lon, houses[2].lat)])

    response = client_for(world, "ward_officer").get("/api/v1/house-numbers/report")
    assert response.status_code == 200
    report = response.json()
    assert report["ward"] == world.ward_a.pk and report["house_numbers"] == 21
    # 12, moved 3 km east, breaks the order too.
    assert sorted(i["number"] for i in report["out_of_sequence"]["items"]) == ["12", "7"]
    far = {i["number"]: i["distance_m"] for i in report["far_from_street"]["items"]}
    assert far.keys() == {"12", "19"}  # 12, moved into ward B, is far from its street too
    assert 2300 < far["12"] < 2400 and 129 < far["19"] < 132
    assert [i["id"] for i in report["outside_ward"]["items"]] == [filed["12"].pk]
    assert [i["number"] for i in report["unparseable"]["items"]] == ["20??"]
    assert report["duplicates"]["items"][0]["ids"] == [filed["3"].pk, stacked["3A"].pk]

    out = io.StringIO()
    call_command("house_number_report", world.ward_a.code, stdout=out)
    assert json.loads(out.getvalue())["out_of_sequence"]["count"] == 2


def test_ward_report_is_for_officers_of_the_ward_and_leaders(world, streets):
    url = "/api/v1/house-numbers/report"
    assert Client().get(url).status_code in (401, 403)
    assert client_for(world, "khu_pho_officer").get(url).status_code == 403
    assert client_for(world, "ward_officer").get(url, {"ward": world.ward_b.pk}).status_code == 403
    assert client_for(world, "district_leader").get(url, {"ward": world.ward_b.code}).status_code == 200
    assert client_for(world, "district_leader").get(url).status_code == 400  # which ward?


def test_house_number_list_is_public_geojson_in_walking_order(world, streets):
    file_houses(world, streets["ndc_a"], ndc_houses(1, 12))
    data = Client().get("/api/v1/house-numbers/", {"ward": world.ward_a.code, "page_size": 5}).json()
    assert data["type"] == "FeatureCollection" and data["count"] == 12
    assert [f["properties"]["number"] for f in data["features"]] == ["1", "2", "3", "4", "5"]
    box = Client().get("/api/v1/house-numbers/", {"bbox": "106.69249,10.7800,106.69251,10.7802"}).json()
    assert [f["properties"]["number"] for f in box["features"]] == ["1"]
    assert Client().get("/api/v1/house-numbers/", {"bbox": "1,2,3"}).status_code == 400
