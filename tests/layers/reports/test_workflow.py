"""A report from filing to closing through HTTP: routed by ward and khu phố, worked through by the ward's officers
in their queue, every step versioned, the public view showing status, dates and the public answer only."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from gisportal.models import Role
from layers.reports.codes import ALPHABET
from layers.reports.models import Report
from tests.factories import AdminUnitFactory, square, user_with_role
from tests.layers.reports.samples import B1, citizen, file

pytestmark = pytest.mark.django_db


def officer(world, role: str = "ward_officer") -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def step(client: Client, code: str, name: str, **data):
    version = Report.objects.get(code=code).version
    return client.post(
        f"/api/v1/reports/{code}/steps", json.dumps({"step": name, "version": version, **data}), "application/json"
    )


def test_a_report_goes_from_filing_to_closing(world):
    colleague = user_with_role("officer_a2", Role.WARD_OFFICER, wards=[world.ward_a])
    response = file(kind="fallen_tree", name="Nguyễn Văn Dân", phone="0987654321", address="Trước số 12 Lê Lợi")
    assert response.status_code == 201, response.content
    body = response.json()
    code = body["code"]
    assert len(code) == 10 and set(code) <= set(ALPHABET)
    assert body["status"] == "new" and body["ward"] == world.ward_a.name and body["khu_pho"] == world.kp_a1.name
    assert body["public_url"].endswith(f"/reports/{code}/")
    report = Report.objects.get(code=code)
    assert (report.ward, report.khu_pho) == (world.ward_a, world.kp_a1)
    assert report.due_at - report.created_at == dt.timedelta(days=1)  # a fallen tree: one day

    ward_a = officer(world)
    queue = ward_a.get("/api/v1/reports/queue").json()["reports"]
    assert [r["code"] for r in queue] == [code]
    assert queue[0]["reporter_phone"] == "0987654321"  # the ward's officer calls the citizen back
    # The khu phố officer of A1 has it too; nobody of ward B does.
    assert [r["code"] for r in officer(world, "khu_pho_officer").get("/api/v1/reports/queue").json()["reports"]] == [
        code
    ]
    officer_b = Client()
    officer_b.force_login(user_with_role("officer_b", Role.WARD_OFFICER, wards=[world.ward_b]))
    assert officer_b.get("/api/v1/reports/queue").json()["reports"] == []
    assert step(officer_b, code, "triage").status_code == 403

    assert step(ward_a, code, "triage").json()["status"] == "triaged"
    assert step(ward_a, code, "assign", assignee="nobody").status_code == 400
    assigned = step(ward_a, code, "assign", assignee="officer_a2").json()
    assert (assigned["status"], assigned["assignee"]) == ("assigned", "officer_a2")
    answered = step(
        ward_a, code, "answer", public_answer="Đội cây xanh sẽ đến trong ngày.", internal_note="Gọi anh Dân 0987654321"
    ).json()
    assert answered["internal_note"] == "Gọi anh Dân 0987654321"
    # A stale version is refused and the newer data stays.
    stale = ward_a.post(
        f"/api/v1/reports/{code}/steps",
        json.dumps({"step": "resolve", "version": 1, "public_answer": "x"}),
        "application/json",
    )
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    assert step(ward_a, code, "close").status_code == 409  # only a resolved report closes
    assert step(ward_a, code, "resolve", public_answer="Đã cưa và dọn cây.").json()["status"] == "resolved"
    assert step(ward_a, code, "reopen").json()["status"] == "assigned"
    assert step(ward_a, code, "resolve").json()["status"] == "resolved"  # the earlier answer stands
    closed = step(ward_a, code, "close").json()
    assert closed["status"] == "closed" and closed["closed_at"]

    history = ward_a.get(f"/api/v1/reports/{code}/history").json()["steps"]
    assert [s["step"] for s in history] == [
        "filed",
        "triage",
        "assign",
        "answer",
        "resolve",
        "reopen",
        "resolve",
        "close",
    ]
    assert [s["version"] for s in history] == list(range(1, 9))
    assert history[0]["by"] is None and {s["by"] for s in history[1:]} == {"officer_a"}
    assert colleague.pk == Report.objects.get(code=code).assignee_id

    # The citizen follows it by code (any case, with a dash) and sees status, dates and the public answer only.
    page = citizen().get(f"/reports/{code.lower()[:5]}-{code.lower()[5:]}/", follow=True)
    assert page.redirect_chain and page.status_code == 200
    html = page.content.decode()
    assert "Đã cưa và dọn cây." in html and code in html and 'data-status="closed"' in html
    public = citizen().get(f"/api/v1/reports/{code}/").json()
    assert public["public_answer"] == "Đã cưa và dọn cây." and public["status"] == "closed"
    for hidden in ("0987654321", "Nguyễn Văn Dân", "Gọi anh Dân", "officer_a2", "Nước ngập sâu"):
        assert hidden not in html and hidden not in json.dumps(public, ensure_ascii=False), hidden
    assert citizen().get(f"/api/v1/reports/{code}/history").status_code in (401, 403)
    assert citizen().get("/api/v1/reports/queue").status_code in (401, 403)


def test_leaders_see_counts_and_overdue_but_not_the_reporters_contact(world):
    late = file(kind="flooding", phone="0911000111").json()["code"]
    Report.objects.filter(code=late).update(due_at=timezone.now() - dt.timedelta(hours=1))
    file(kind="other", where=B1)
    leader = officer(world, "district_leader")
    summary = leader.get("/api/v1/reports/summary").json()
    by_ward = {w["ward_id"]: w for w in summary["wards"]}
    assert by_ward[world.ward_a.pk]["open"] == 1 and by_ward[world.ward_a.pk]["overdue"] == 1
    assert by_ward[world.ward_b.pk] == {
        "ward_id": world.ward_b.pk,
        "ward": world.ward_b.name,
        "open": 1,
        "overdue": 0,
        "closed_on_time": 0,
    }
    assert [r["code"] for r in summary["overdue"]] == [late]
    queue = leader.get("/api/v1/reports/queue?overdue=1").json()["reports"]
    assert [r["code"] for r in queue] == [late] and queue[0]["overdue"] is True
    assert "reporter_phone" not in queue[0]
    assert step(leader, late, "triage").status_code == 403  # leaders read, the ward's officers act
    html = leader.get("/reports/queue/?overdue=1").content.decode()
    assert late in html and "0911000111" not in html


def test_an_unroutable_point_gets_a_clear_message(world):
    response = file(where={"lat": 10.60, "lon": 106.50})  # inside the city square, outside every ward
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "unroutable"
    assert (
        body["message"].startswith("Điểm bạn chọn không thuộc phường") and "not inside any ward" in body["message_en"]
    )
    assert file(where={"lat": 106.695, "lon": 10.781}).json()["error"] == "outside_vietnam"  # swapped
    array = citizen().post("/api/v1/reports/", "[]", "application/json")
    assert array.status_code == 400 and array.json()["message_en"].startswith("The body must be an object")
    assert Report.objects.count() == 0


def test_a_point_of_a_ward_merged_away_goes_to_its_successor(world):
    # A ward merged into ward B in 2025, whose old boundary today's wards do not cover.
    AdminUnitFactory(
        name="Phường Cũ",
        boundary=square(106.76, 10.78, 0.01),
        valid_from=dt.date(2000, 1, 1),
        valid_to=dt.date(2025, 6, 30),
        successor=world.ward_b,
    )
    response = file(where={"lat": 10.78, "lon": 106.76})
    assert response.status_code == 201, response.content
    assert response.json()["ward"] == world.ward_b.name and response.json()["khu_pho"] is None


def test_the_queue_page_takes_steps_as_forms(world):
    code = file().json()["code"]
    page = officer(world)
    html = page.get("/reports/queue/").content.decode()
    assert f'id="r-{code}"' in html and 'value="triage"' in html
    response = page.post("/reports/queue/", {"code": code, "step": "triage", "version": 1})
    assert response.status_code == 302
    assert Report.objects.get(code=code).status == "triaged"
    stale = page.post("/reports/queue/", {"code": code, "step": "resolve", "version": 1, "public_answer": "x"})
    assert stale.status_code == 400 and "Người khác đã cập nhật phản ánh này trước" in stale.content.decode()
    assert "Someone else" not in stale.content.decode()  # the page's language only
    assert Client().get("/reports/queue/").status_code == 302  # to the login page


def test_officers_merge_duplicates(world):
    first = file().json()["code"]
    second = file(where={"lat": 10.7811, "lon": 106.6951}).json()["code"]
    ward_a = officer(world)
    merged = step(ward_a, second, "merge", into=first).json()
    assert merged["status"] == "merged" and merged["duplicate_of"] == first
    assert Report.objects.get(code=first).followers == 1
    assert step(ward_a, first, "merge", into=second).json()["error"] == "bad_merge"  # the target is not open
    assert step(ward_a, second, "merge", into=first).status_code == 409  # nor is the merged one
    public = citizen().get(f"/api/v1/reports/{second}/").json()
    assert public["duplicate_of"] == first and first in public["public_answer"]


def test_the_citizens_page_speaks_vietnamese_first(world):
    html = citizen().get("/reports/new/").content.decode()
    assert "Gửi phản ánh" in html and "Cây ngã đổ" in html and "csrftoken" in citizen().get("/reports/new/").cookies
    english = citizen()
    english.cookies["django_language"] = "en"
    lookup = english.get("/reports/", {"code": "zzzz-zzzzzz"}, HTTP_ACCEPT_LANGUAGE="en")
    assert lookup.status_code == 404 and "No report has this code." in lookup.content.decode()
    assert "Không có phản ánh" not in lookup.content.decode()  # one language at a time
    lookup = citizen().get("/reports/", {"code": "zzzz-zzzzzz"})
    assert lookup.status_code == 404 and "Không có phản ánh với mã này." in lookup.content.decode()
    assert "No report has this code." not in lookup.content.decode() and "Tra cứu" in lookup.content.decode()
