"""Open311 GeoReport v2: services, a service definition, requests POST and GET, requests/{id}, in JSON and XML,
with GeoReport's own field names (https://wiki.open311.org/GeoReport_v2/)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from layers.reports.models import Report
from tests.layers.reports.samples import A1, citizen, file

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


def xml_rows(response, item: str) -> list[dict]:
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    return [{child.tag: child.text for child in node} for node in root.findall(item)]


def test_services_and_their_definitions(world):
    services = citizen().get("/open311/v2/services.json").json()
    assert len(services) == 7 and all(set(s) == SERVICE_FIELDS for s in services)
    flooding = next(s for s in services if s["service_code"] == "flooding")
    assert flooding["type"] == "realtime" and flooding["metadata"] is True and "Flooding" in flooding["service_name"]
    rows = xml_rows(citizen().get("/open311/v2/services.xml"), "service")
    assert len(rows) == 7 and set(rows[0]) == SERVICE_FIELDS and rows[0]["metadata"] == "true"

    definition = citizen().get("/open311/v2/services/flooding.json").json()
    assert definition["service_code"] == "flooding"
    assert {"variable", "code", "datatype", "required", "datatype_description", "order", "description"} <= set(
        definition["attributes"][0]
    )
    root = ET.fromstring(citizen().get("/open311/v2/services/flooding.xml").content)
    assert root.tag == "service_definition" and root.find("attributes/attribute/code").text == "landmark"
    missing = citizen().get("/open311/v2/services/volcano.json")
    assert missing.status_code == 404 and set(missing.json()[0]) == {"code", "description"}


def test_a_civic_app_files_and_reads_a_request(world):
    posted = citizen().post(
        "/open311/v2/requests.json",
        {
            "service_code": "drain_cover",
            "lat": A1["lat"],
            "long": A1["lon"],
            "address_string": "12 Lê Lợi",
            "description": "Nắp cống vỡ, nguy hiểm cho xe máy.",
            "first_name": "Lan",
            "phone": "0909123456",
            "attribute[landmark]": "Chợ An Nhơn",
        },
    )
    assert posted.status_code == 201, posted.content
    [created] = posted.json()
    code = created["service_request_id"]
    assert {"service_request_id", "service_notice", "account_id"} <= set(created)
    report = Report.objects.get(code=code)
    assert (report.source, report.ward, report.reporter_phone) == ("open311", world.ward_a, "0909123456")
    assert report.address == "12 Lê Lợi (Chợ An Nhơn)"

    [one] = citizen().get(f"/open311/v2/requests/{code}.json").json()
    assert set(one) >= REQUEST_FIELDS
    assert (one["status"], one["service_code"], one["lat"], one["long"]) == (
        "open",
        "drain_cover",
        A1["lat"],
        A1["lon"],
    )
    assert (
        one["agency_responsible"] == f"UBND {world.ward_a.name}"
        and one["expected_datetime"] > one["requested_datetime"]
    )
    assert "0909123456" not in str(one) and "Lan" not in str(one)
    [row] = xml_rows(citizen().get(f"/open311/v2/requests/{code}.xml"), "request")
    assert set(row) >= REQUEST_FIELDS and row["service_request_id"] == code and row["status"] == "open"

    # Closed in the portal: closed in Open311, with the public answer as status_notes.
    Report.objects.filter(code=code).update(status="closed", public_answer="Đã thay nắp cống.")
    listed = citizen().get("/open311/v2/requests.json", {"status": "closed"}).json()
    assert [(r["service_request_id"], r["status"], r["status_notes"]) for r in listed] == [
        (code, "closed", "Đã thay nắp cống.")
    ]
    other = file(kind="flooding").json()["code"]
    assert [r["service_request_id"] for r in citizen().get("/open311/v2/requests.json?status=open").json()] == [other]
    both = citizen().get(f"/open311/v2/requests.json?service_request_id={code},{other}").json()
    assert {r["service_request_id"] for r in both} == {code, other}
    assert citizen().get("/open311/v2/requests.json?service_code=flooding").json()[0]["service_request_id"] == other
    assert len(xml_rows(citizen().get("/open311/v2/requests.xml"), "request")) == 2


def test_open311_errors_are_bilingual_in_georeport_shape(world):
    bad = citizen().post("/open311/v2/requests.json", {"service_code": "volcano", "lat": 10.78, "long": 106.7})
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    outside = citizen().post(
        "/open311/v2/requests.xml", {"service_code": "other", "lat": 10.6, "long": 106.5, "description": "x"}
    )
    assert outside.status_code == 400
    [err] = xml_rows(outside, "error")
    assert (
        err["code"] == "400"
        and err["description"].startswith("Điểm bạn chọn")
        and "not inside any ward" in err["description"]
    )
    assert citizen().get("/open311/v2/requests/ZZZZZZZZZZ.json").status_code == 404
    assert citizen().get("/open311/v2/requests.json?start_date=yesterday").status_code == 400
