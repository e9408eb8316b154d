"""A refused business edit says, field by field and in both languages, what is wrong, naming each field as the
editor's form labels it, whichever language the request came in (DRF's own text was partly English)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation
from rest_framework import serializers

# DRF's own sentences for the codes the portal maps (the English the audit found inside `details`).
DRF_ENGLISH = [
    serializers.CharField.default_error_messages["blank"],
    serializers.CharField.default_error_messages["max_length"],
    serializers.Field.default_error_messages["required"],
    serializers.Field.default_error_messages["null"],
    serializers.ChoiceField.default_error_messages["invalid_choice"],
    serializers.DateField.default_error_messages["invalid"],
]


def drf_sentences() -> list[str]:
    """DRF's sentences in English and in Vietnamese, cut before their first placeholder."""
    out = []
    for language in ("en", "vi"):
        with translation.override(language):
            out += [str(m).split("{")[0].strip() for m in DRF_ENGLISH]
    return [s for s in out if len(s) > 8]


def officer_client(world, language: str) -> Client:
    client = Client()
    client.force_login(world.users["ward_officer"])
    client.cookies["django_language"] = language
    return client


def patch(client: Client, pk: int, body: dict):
    return client.patch(f"/api/v1/businesses/{pk}/", json.dumps(body), content_type="application/json")


def assert_no_drf_text(body: dict) -> None:
    text = json.dumps(body, ensure_ascii=False)
    for sentence in drf_sentences():
        assert sentence not in text, sentence


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(
    ("field", "value", "label", "label_en", "vi_part", "en_part"),
    [
        ("signboard", "   ", "Tên biển hiệu", "Signboard name", "để trống", "empty"),
        ("signboard", None, "Tên biển hiệu", "Signboard name", "để trống", "empty"),
        ("signboard", "x" * 201, "Tên biển hiệu", "Signboard name", "200 ký tự", "200 characters"),
        ("registered_on", "31/02/2024", "Ngày đăng ký", "Registered on", "nn/tt/nnnn", "dd/mm/yyyy"),
        ("status", "closed", "Tình trạng", "Status", "lựa chọn", "choices"),
        ("owner_name", "", "Chủ hộ", "Owner", "để trống", "empty"),
    ],
)
def test_a_refused_field_is_named_by_its_label_in_both_languages(
    world, language, field, value, label, label_en, vi_part, en_part
):
    business = world.businesses[0]
    response = patch(officer_client(world, language), business.pk, {field: value, "version": 1})
    assert response.status_code == 400, response.content
    body = response.json()
    assert_no_drf_text(body)
    entry = body["details"]["fields"][field]
    assert (entry["label"], entry["label_en"]) == (label, label_en)
    assert vi_part in entry["message"] and en_part in entry["message_en"]
    assert body["message"].startswith("Dữ liệu không hợp lệ") and f"{label}: " in body["message"]
    assert f"{label_en}: " in body["message_en"] and field not in body["message"] + body["message_en"]
    business.refresh_from_db()
    assert business.version == 1


def test_a_new_business_with_several_mistakes_lists_each_field(world):
    client = officer_client(world, "vi")
    body = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [106.696, 10.779]},
        "properties": {"signboard": "  ", "registered_on": "31/02/2024", "owner_name": "Chủ", "industry": None},
    }
    response = client.post("/api/v1/businesses/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    refusal = response.json()
    assert_no_drf_text(refusal)
    fields = refusal["details"]["fields"]
    assert {"signboard", "registered_on", "registration_no", "address_current", "industry"} <= set(fields)
    assert fields["registration_no"]["label"] == "Số giấy chứng nhận đăng ký"
    assert fields["industry"]["message"] == "Chưa chọn." and fields["industry"]["message_en"] == "Nothing chosen."
    for name in fields:
        assert fields[name]["label"] in refusal["message"] and fields[name]["label_en"] in refusal["message_en"]


def test_the_portals_own_field_checks_name_the_field_by_its_label(world):
    business = world.businesses[0]
    response = patch(officer_client(world, "vi"), business.pk, {"owner_phone": "gọi tôi", "version": 1})
    assert response.status_code == 400
    body = response.json()
    assert body["details"]["field"] == "owner_phone"
    assert body["details"]["fields"]["owner_phone"]["label"] == "Điện thoại"
    assert "Điện thoại: " in body["message"] and "Phone: " in body["message_en"]
    html = patch(officer_client(world, "vi"), business.pk, {"signboard": "<b>Phở</b>", "version": 1}).json()
    assert html["error"] == "html_not_allowed" and "Tên biển hiệu" in html["message"]
    assert "signboard" not in html["message"]
