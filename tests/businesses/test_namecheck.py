"""The citizens' signboard-name check through HTTP."""

from __future__ import annotations

import unicodedata

import pytest
from django.test import Client

from tests.factories import BusinessFactory


def check(name: str, **params) -> dict:
    response = Client().get("/api/v1/businesses/name-check", {"name": name, **params})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    "typed",
    ["Phở Hòa", "PHO HOA", unicodedata.normalize("NFD", "Phở  Hoà"), "pho-hoa", "Hộ kinh doanh Phở Hòa", " phở.hòa "],
)
def test_the_same_name_however_typed_is_a_duplicate(world, typed):
    data = check(typed, ward=world.ward_a.pk)
    assert data["verdict"] == "duplicate", data
    assert data["matches"][0]["signboard"] == "Phở Hòa" and data["matches"][0]["identical"] is True
    assert data["area"] == {"kind": "ward", "name": "Phường An Nhơn", "wards": [world.ward_a.pk]}


def test_a_typo_is_similar_and_another_name_is_free(world):
    assert check("Phở Hoà Bình", ward=world.ward_a.pk)["verdict"] == "similar"
    typo = check("Pho Hòaa", ward=world.ward_a.pk)
    assert typo["verdict"] == "similar" and typo["matches"][0]["signboard"] == "Phở Hòa"
    free = check("Bánh xèo Đất Mũi", ward=world.ward_a.pk)
    assert free["verdict"] == "free" and free["matches"] == []


def test_only_active_and_suspended_businesses_take_a_name(world):
    BusinessFactory(ward=world.ward_a, signboard="Bún Bò Huế Cô Ba", status="terminated")
    BusinessFactory(ward=world.ward_a, signboard="Cơm Tấm Út", status="revoked")
    BusinessFactory(ward=world.ward_a, signboard="Hủ Tiếu Sáu", status="suspended")
    assert check("Bún bò Huế cô Ba", ward=world.ward_a.pk)["verdict"] == "free"
    assert check("com tam ut", ward=world.ward_a.pk)["verdict"] == "free"
    assert check("hu tieu sau", ward=world.ward_a.pk)["verdict"] == "duplicate"


def test_the_area_decides_and_is_reported(world):
    # "Tạp hóa Minh" is registered in ward B only.
    assert check("Tạp hóa Minh", ward=world.ward_a.pk)["verdict"] == "free"
    city = check("Tạp hóa Minh", area="city")
    assert city["verdict"] == "duplicate" and city["area"]["kind"] == "city" and city["area"]["wards"] is None
    assert check("Tạp hóa Minh", ward=world.ward_b.pk)["verdict"] == "duplicate"


def test_former_district_joins_the_wards_that_replaced_one_district(world):
    import datetime as dt

    from tests.factories import AdminUnitFactory, square

    old_district = AdminUnitFactory(
        level="district",
        kind="quan",
        name="Quận Cũ",
        valid_from=dt.date(1990, 1, 1),
        valid_to=dt.date(2025, 6, 30),
        boundary=square(106.71, 10.78, 0.05),
    )
    for new in (world.ward_a, world.ward_b):
        AdminUnitFactory(
            name=f"Phường cũ của {new.name}",
            parent=old_district,
            successor=new,
            valid_from=dt.date(1990, 1, 1),
            valid_to=dt.date(2025, 6, 30),
        )
    data = check("Tạp hóa Minh", ward=world.ward_a.pk, area="former_district")
    assert data["verdict"] == "duplicate"
    assert data["area"]["kind"] == "former_district" and data["area"]["name"] == "Quận Cũ"
    assert set(data["area"]["wards"]) == {world.ward_a.pk, world.ward_b.pk}


def test_company_words_get_a_warning(world):
    data = check("Công ty Phở Việt", ward=world.ward_a.pk)
    assert [w["code"] for w in data["warnings"]] == ["company_word"]
    assert check("Doanh nghiệp Tư nhân Hòa", ward=world.ward_a.pk)["warnings"]
    assert check("Phở Việt", ward=world.ward_a.pk)["warnings"] == []


def test_public_fields_only(world):
    data = check("Phở Hòa", area="city")
    text = str(data)
    assert "Chủ Phở Một" not in text and "0971000001" not in text
    assert set(data["matches"][0]) == {"id", "signboard", "industry", "address", "status", "ward", "score", "identical"}


def test_html_in_a_name_is_just_text(world):
    data = check("<script>alert(1)</script> Phở Hòa", ward=world.ward_a.pk)
    assert data["name"] == "<script>alert(1)</script> Phở Hòa"
    assert data["key"] == "script alert 1 script pho hoa"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"name": ""}, "invalid_input"),
        ({"name": "   "}, "invalid_input"),
        ({"name": "x" * 201, "area": "city"}, "too_long"),
        ({"name": "!!! ???", "area": "city"}, "invalid_input"),
        ({"name": "Phở Hòa"}, "ward_required"),
        ({"name": "Phở Hòa", "ward": "999999"}, "unknown_ward"),
        ({"name": "Phở Hòa", "area": "galaxy"}, "invalid_input"),
    ],
)
def test_bad_requests_are_400_in_both_languages(world, params, code):
    response = Client().get("/api/v1/businesses/name-check", params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == code and body["message"] and body["message_en"]


def test_a_ward_id_names_only_a_ward_in_force_today(world):
    """The ward's id is looked up by a written-out statement (households/addresses/ward_names.py): a ward merged away
    or not yet in force is no ward to register in, as AdminUnitQuerySet.valid_on says."""
    import datetime as dt

    from tests.factories import AdminUnitFactory

    today = dt.date.today()
    gone = AdminUnitFactory(name="Phường Đã Nhập", valid_from=dt.date(1990, 1, 1), valid_to=today - dt.timedelta(1))
    coming = AdminUnitFactory(name="Phường Sắp Lập", valid_from=today + dt.timedelta(1))
    last_day = AdminUnitFactory(name="Phường Ngày Cuối", valid_from=dt.date(1990, 1, 1), valid_to=today)
    for unit in (gone, coming):
        response = Client().get("/api/v1/businesses/name-check", {"name": "Phở Hòa", "ward": unit.pk})
        assert response.status_code == 400 and response.json()["error"] == "unknown_ward", unit.name
    assert check("Phở Hòa", ward=last_day.pk)["area"]["name"] == "Phường Ngày Cuối"
    assert check("Phở Hòa", ward=world.ward_a.pk)["area"]["name"] == world.ward_a.name
