"""Every report endpoint × every role: the reporter's contact reaches only the officers who handle the report,
the internal note only them and leaders; nothing answers 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.endpoints import endpoint_urls
from tests.layers.reports.samples import NOTE, REPORTER, report_with_contact

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "khu_pho_officer", "ward_officer", "land_officer", "district_leader", "admin"]
SEES_CONTACT = {"khu_pho_officer", "ward_officer", "admin"}
SEES_NOTE = SEES_CONTACT | {"district_leader"}


@pytest.mark.parametrize("role", ROLES)
def test_report_endpoints_leak_nothing_out_of_role(world, role):
    code = report_with_contact(world)
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    forbidden = ([] if role in SEES_CONTACT else list(REPORTER.values())) + ([] if role in SEES_NOTE else [NOTE])
    urls = [(n, u) for n, u in endpoint_urls(world) if n.startswith(("report", "open311"))]
    assert len(urls) >= 15
    seen = ""
    for name, url in urls:
        response = client.get(url)
        assert response.status_code < 500, f"{role} GET {url} ({name}) → {response.status_code}"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        seen += text
        leaked = [v for v in forbidden if v in text or json.dumps(v)[1:-1] in text]
        assert not leaked, f"{role} GET {url} ({name}) leaked {leaked}"
    # The other half: those entitled do see them somewhere (the report's detail, the queue).
    if role in SEES_CONTACT:
        assert REPORTER["phone"] in seen
    if role in SEES_NOTE:
        assert NOTE in seen
    assert code in seen
