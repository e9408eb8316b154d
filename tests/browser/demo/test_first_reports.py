"""The first run gives the ward's officers citizen reports to work on: the ward officer's queue holds the demo's
reports (one past its deadline), triages a new one from the page, and the khu phố officer sees the ones in their
khu phố; a leader's counts show the ward. Before the demo filed any, every queue opened on "No reports here"."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from layers.reports.demo import REPORTS
from layers.reports.models import Report, Status
from tests.browser.session import logged_in

pytestmark = pytest.mark.browser


def test_the_demo_wards_officers_open_their_queues_on_real_reports(demo_ward, live_server, page):
    users = get_user_model().objects
    logged_in(page, users.get(username="canbo"), live_server.url, language="vi")
    page.goto("/reports/queue/?status=all")
    items = page.locator(".report-item")
    assert items.count() == len(REPORTS)
    assert page.locator(".report-item.overdue").count() >= 1
    statuses = set(page.locator(".report-item").evaluate_all("(els) => els.map((e) => e.dataset.status)"))
    assert {"new", "triaged", "assigned", "resolved", "closed"} <= statuses

    fresh = page.locator(".report-item[data-status='new']").first
    code = fresh.get_attribute("data-code")
    fresh.locator("button[value='triage']").click()
    page.wait_for_selector(f"#r-{code}[data-status='triaged']")
    assert Report.objects.get(code=code).status == Status.TRIAGED

    khupho = users.get(username="khupho")
    mine = Report.objects.filter(khu_pho=khupho.profile.khu_pho).count()
    page.context.clear_cookies()
    logged_in(page, khupho, live_server.url, language="vi")
    page.goto("/reports/queue/?status=all")
    assert 0 < page.locator(".report-item").count() == mine < len(REPORTS)

    page.context.clear_cookies()
    logged_in(page, users.get(username="lanhdao"), live_server.url, language="vi")
    page.goto("/reports/queue/")
    row = page.locator(f"#ward-counts tr[data-ward='{demo_ward.pk}']")
    assert int(row.locator("[data-figure='open']").inner_text()) > 0
    # The ORM reads above ran beside Playwright's event loop, on a connection of their own that the package's
    # teardown would find still open (and then not drop the test database).
    connections.close_all()
