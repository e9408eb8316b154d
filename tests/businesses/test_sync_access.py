"""Who may sync businesses (roles, the registration software's Basic sign-in), and `manage.py import_businesses`."""

from __future__ import annotations

import base64
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from businesses.models import Business, SyncRun
from tests.businesses.sync_files import (
    MISSING,
    SYNC,
    client_as,
    csv_bytes,
    make_rows,
    post_file,
    write_tmp,
    xlsx_bytes,
)
from tests.factories import UserFactory

# --- who may sync ------------------------------------------------------------------------------------


def _basic(username: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


@override_settings(API_BASIC_AUTH=True)  # the registration software signs in with Basic where allowed
def test_who_may_sync(world):
    content = csv_bytes(make_rows(2))
    assert post_file(Client(), content).status_code == 401  # Basic challenge for the registration software
    for role in ("khu_pho_officer", "ward_officer", "land_officer", "district_leader"):
        response = post_file(client_as(world.users[role]), content)
        assert response.status_code == 403, role
        assert response.json()["error"] == "permission_denied"
    assert Business.objects.count() == 3

    service = UserFactory(username="dang-ky-hkd")
    service.user_permissions.add(Permission.objects.get(content_type__app_label="businesses", codename="add_syncrun"))
    plain = UserFactory(username="khach")
    assert post_file(Client(), content, headers=_basic("dang-ky-hkd", "wrong")).status_code == 401
    assert post_file(Client(), content, headers=_basic("khach", "pw-test-1")).status_code == 403
    response = post_file(Client(), content, headers=_basic("dang-ky-hkd", "pw-test-1"))
    assert response.status_code == 200, response.content
    assert response.json()["user"] == "dang-ky-hkd"
    created = Business.objects.get(registration_no=make_rows(2)[0]["registration_no"])
    assert created.history.first().history_user == service
    assert post_file(client_as(world.users["admin"]), content).json()["unchanged"] == 2
    assert client_as(world.users["admin"]).get(SYNC).status_code == 405
    assert Client().get(MISSING).status_code in (401, 403)
    assert Client().get(MISSING, headers=_basic(plain.username, "pw-test-1")).status_code == 403


# --- the command -------------------------------------------------------------------------------------


def test_the_command_prints_the_report_and_fails_on_a_rejected_row(world, tmp_path):
    rows = make_rows(7)
    good = write_tmp(tmp_path, xlsx_bytes(rows), "hkd.xlsx")

    out = io.StringIO()
    call_command("import_businesses", good, "--dry-run", stdout=out)
    assert re.search(r"created:\s+7\n", out.getvalue()) and "Dry run" in out.getvalue()
    assert Business.objects.count() == 3 and not SyncRun.objects.exists()

    out = io.StringIO()
    call_command("import_businesses", good, "--user", "root", stdout=out)
    assert re.search(r"created:\s+7\n", out.getvalue())
    run = SyncRun.objects.get()
    assert run.committed and run.source == "command" and run.user == world.users["admin"]
    assert Business.objects.count() == 10

    rows[2]["industry_code"] = "0000"
    rows[5]["registered_on"] = "hôm qua"
    bad = write_tmp(tmp_path, csv_bytes(rows), "hkd.csv")
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 row"):
        call_command("import_businesses", bad, stdout=out)
    text = out.getvalue()
    assert "row 4" in text and "unknown_industry" in text and "Không có mã ngành 0000" in text
    assert "No industry code 0000" in text
    assert "row 7" in text and "bad_date" in text
    assert Business.objects.count() == 10
