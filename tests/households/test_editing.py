"""Editing a house number or a household: version for optimistic locking (409), history, who may."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from households.models import Household, HouseholdMove, HouseNumber, Street
from tests.households.house_world import make_streets, ndc_houses
from tests.households.test_geocode import file_houses


@pytest.fixture
def houses(world):
    streets = make_streets(world)
    return file_houses(world, streets["ndc_a"], ndc_houses(1, 6))


@pytest.fixture
def home(world, houses):
    return Household.objects.create(
        house_number=houses["1"],
        ward=world.ward_a,
        khu_pho=world.kp_a1,
        code="H-1",
        head_name="Chủ Hộ Cũ",
        members=[{"name": "Chủ Hộ Cũ", "birth_year": 1970}],
    )


def client_for(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def patch(client: Client, url: str, data: dict):
    return client.patch(url, json.dumps(data), content_type="application/json")


def test_officer_renumbers_a_house_with_history(world, houses):
    officer = client_for(world, "ward_officer")
    h = houses["3"]
    response = patch(officer, f"/api/v1/house-numbers/{h.pk}/", {"version": 1, "number": "3a"})
    assert response.status_code == 200, response.json()
    props = response.json()["properties"]
    assert (props["number"], props["version"]) == ("3A", 2)
    assert props["address"].startswith("3A Nguyễn Đình Chiểu, Khu phố 1, Phường An Nhơn")
    h.refresh_from_db()
    assert h.sort_key == "  00003A  "
    history = list(h.history.order_by("history_id"))
    assert [r.number for r in history] == ["3", "3A"] and history[-1].history_user == world.users["ward_officer"]


def test_stale_version_is_409_and_the_newer_data_stays(world, houses):
    officer = client_for(world, "ward_officer")
    url = f"/api/v1/house-numbers/{houses['3'].pk}/"
    assert patch(officer, url, {"version": 1, "number": "3B"}).status_code == 200
    response = patch(officer, url, {"version": 1, "number": "3C"})
    assert response.status_code == 409 and response.json()["error"] == "conflict"
    assert response.json()["details"]["current"]["properties"]["number"] == "3B"
    assert HouseNumber.objects.get(pk=houses["3"].pk).number == "3B"


def test_renumbering_onto_a_taken_number_or_moving_out_of_the_ward_is_refused(world, houses):
    officer = client_for(world, "ward_officer")
    url = f"/api/v1/house-numbers/{houses['3'].pk}/"
    assert patch(officer, url, {"version": 1, "number": "5"}).status_code == 409
    response = patch(officer, url, {"version": 1, "lon": 106.7305, "lat": 10.78})
    assert response.status_code == 400 and response.json()["error"] == "outside_ward"
    assert patch(officer, url, {"version": 1, "lon": 106.7, "lat": 106.7}).status_code == 400
    assert patch(officer, url, {"version": 1, "number": "<b>3</b>"}).status_code == 400
    assert patch(officer, url, {"number": "3B"}).json()["error"] == "no_version"
    assert patch(officer, url, {"version": 1, "ward": 1}).status_code == 400
    moved = patch(officer, url, {"version": 1, "lon": 106.69266, "lat": 10.78012, "status": "retired"})
    assert moved.status_code == 200 and moved.json()["properties"]["status"] == "retired"


@pytest.mark.parametrize("role", ["anonymous", "khu_pho_officer", "land_officer", "district_leader"])
def test_only_officers_of_the_ward_and_admins_edit_house_numbers(world, houses, role):
    response = patch(client_for(world, role), f"/api/v1/house-numbers/{houses['3'].pk}/", {"version": 1, "number": "9"})
    assert response.status_code in (401, 403)
    assert HouseNumber.objects.get(pk=houses["3"].pk).number == "3"
    admin = client_for(world, "admin")
    assert patch(admin, f"/api/v1/house-numbers/{houses['3'].pk}/", {"version": 1, "number": "9"}).status_code == 200


def test_officer_edits_a_household_and_records_moves(world, home):
    officer = client_for(world, "ward_officer")
    url = f"/api/v1/households/{home.pk}/"
    members = [{"name": "Chủ Hộ Mới", "birth_year": 1972, "sex": "F"}, {"name": "Con Mới", "birth_year": 2006}]
    response = patch(
        officer, url, {"version": 1, "head_name": "Chủ Hộ Mới", "members": members, "size": 2, "poor": True}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["members"][1]["name"] == "Con Mới" and response.json()["version"] == 2
    assert patch(officer, url, {"version": 1, "size": 3}).status_code == 409
    assert patch(officer, url, {"version": 2, "members": [{"name": "<script>x</script>"}]}).status_code == 400
    day = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    move = {"kind": "out", "date": day, "persons": 1, "place": "Bình Dương"}
    response = officer.post(f"/api/v1/households/{home.pk}/moves", json.dumps(move), content_type="application/json")
    assert response.status_code == 201
    assert response.json()["household"] == {"id": home.pk, "size": 1, "status": "resident", "version": 3}
    assert HouseholdMove.objects.get(household=home).place == "Bình Dương"
    too_many = {**move, "persons": 2}
    moves_url = f"/api/v1/households/{home.pk}/moves"
    response = officer.post(moves_url, json.dumps(too_many), content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "more_than_household"
    future = {**move, "date": (dt.date.today() + dt.timedelta(days=3)).isoformat()}
    response = officer.post(f"/api/v1/households/{home.pk}/moves", json.dumps(future), content_type="application/json")
    assert response.status_code == 400
    # The last one moves out: the household is marked moved out; two come back: resident again.
    last = {**move, "place": "Đồng Nai"}
    officer.post(f"/api/v1/households/{home.pk}/moves", json.dumps(last), content_type="application/json")
    gone = Household.objects.get(pk=home.pk)
    assert (gone.size, gone.status, gone.moved_out_on.isoformat()) == (0, "moved_out", day)
    back = {"kind": "in", "date": day, "persons": 2}
    officer.post(f"/api/v1/households/{home.pk}/moves", json.dumps(back), content_type="application/json")
    again = Household.objects.get(pk=home.pk)
    assert (again.size, again.status, again.version) == (2, "resident", 5)
    # Every change of size is a version in the history: the edit, then three moves.
    assert again.history.count() == 5


@pytest.mark.parametrize("role", ["anonymous", "khu_pho_officer", "land_officer", "district_leader"])
def test_only_ward_officers_and_admins_edit_households(world, home, role):
    client = client_for(world, role)
    assert patch(client, f"/api/v1/households/{home.pk}/", {"version": 1, "size": 9}).status_code in (401, 403)
    move = json.dumps({"kind": "in", "date": "2025-01-01"})
    response = client.post(f"/api/v1/households/{home.pk}/moves", move, content_type="application/json")
    assert response.status_code in (401, 403)
    assert Household.objects.get(pk=home.pk).size == 1 and not HouseholdMove.objects.exists()


def test_officer_files_a_new_house_number_that_the_geocoder_then_finds(world, houses):
    officer = client_for(world, "ward_officer")
    street = houses["3"].street
    near = {"lon": houses["3"].geom.x + 0.00004, "lat": houses["3"].geom.y}
    new = {"number": "3/12b", "street": street.pk, **near}
    response = officer.post("/api/v1/house-numbers/", json.dumps(new), content_type="application/json")
    assert response.status_code == 201, response.json()
    props = response.json()["properties"]
    assert (props["number"], props["version"]) == ("3/12B", 1)
    assert props["address"].startswith("3/12B Nguyễn Đình Chiểu, Khu phố 1, Phường An Nhơn")
    house = HouseNumber.objects.get(pk=response.json()["id"])
    assert house.ward == world.ward_a and house.khu_pho == world.kp_a1
    assert house.history.get().history_user == world.users["ward_officer"]
    found = officer.get("/api/v1/geocode", {"q": "3/12B Nguyễn Đình Chiểu, Phường An Nhơn"}).json()["results"]
    assert found[0]["house_number_id"] == house.pk and found[0]["level"] == "house"

    post = lambda data: officer.post("/api/v1/house-numbers/", json.dumps(data), content_type="application/json")  # noqa: E731
    assert post(new).status_code == 409  # the street has that number already
    assert post({**new, "number": "5"}).status_code == 409
    assert post({**new, "number": "<b>6</b>"}).status_code == 400
    assert post({**new, "number": "3/13", "lon": 106.73, "lat": 10.78}).status_code == 403  # in ward B
    assert post({**new, "number": "3/13", "lon": 107.9, "lat": 10.78}).json()["error"] == "outside_ward"
    ward_b_street = Street.objects.get(ward=world.ward_b)
    assert post({**new, "number": "3/13", "street": ward_b_street.pk}).json()["error"] == "unknown_street"
    assert post({"number": "3/13", "street": street.pk}).json()["details"] == {"fields": ["lat", "lon"]}
    assert post({**new, "number": "3/13", "ward": 1}).status_code == 400
    assert client_for(world, "anonymous").post("/api/v1/house-numbers/", new).status_code in (401, 403)
    assert (
        client_for(world, "district_leader")
        .post("/api/v1/house-numbers/", json.dumps({**new, "number": "3/14"}), content_type="application/json")
        .status_code
        == 403
    )
    assert HouseNumber.objects.filter(number__startswith="3/1").count() == 1
