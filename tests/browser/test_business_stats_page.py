"""A ward officer logs in, reads the statistics page, regroups it, narrows it and downloads an export, in Chromium."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client

from businesses.models import ExportLog
from tests.factories import BusinessFactory, industry, offset_point

pytestmark = pytest.mark.browser

TABLE_JS = "[...document.querySelectorAll('#stats-table tbody tr')].map(r => [r.dataset.key, Number(r.dataset.count)])"


def table(page) -> dict:
    return dict(page.evaluate(TABLE_JS))


def chart(page) -> dict:
    return page.evaluate(
        "(() => { const c = Chart.getChart('stats-chart'); return Object.fromEntries("
        "c.data.labels.map((l, i) => [l, c.data.datasets[0].data[i]])); })()"
    )


def test_ward_officer_regroups_the_counts_and_downloads_the_list(live_world, live_server, page):
    world = live_world
    rng = random.Random(404)
    places = [(world.ward_a, world.kp_a1), (world.ward_a, world.kp_a2), (world.ward_b, world.kp_b1)]
    for n in range(40):
        ward, kp = rng.choice(places)
        centre = ward.boundary.centroid
        world.businesses.append(
            BusinessFactory(
                ward=ward,
                khu_pho=kp,
                signboard=f"Cửa hàng Số {n}",
                industry=industry(rng.choice(["5610", "5630", "4711", "9631"])),
                status=rng.choice(["active", "active", "suspended", "terminated"]),
                geom=offset_point(centre.x, centre.y, rng.uniform(-300, 300), rng.uniform(-300, 300)),
            )
        )
    own = [b for b in world.businesses if b.ward_id == world.ward_a.pk]

    # Anonymous visitors are sent to the login page, which brings them back.
    page.goto("/businesses/stats/")
    assert "/login/" in page.url
    page.fill("input[name=username]", "officer_a")
    page.fill("input[name=password]", "pw-test-1")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#stats-form")
    assert page.url.endswith("/businesses/stats/")
    assert "Thống kê hộ kinh doanh" in page.inner_text("h1")

    # By industry first: the table and the chart hold the officer's ward only.
    page.wait_for_selector("#stats-chart[data-group-by='industry']")
    by_industry = Counter(b.industry.code for b in own)
    assert table(page) == by_industry
    assert chart(page) == by_industry
    assert page.inner_text("#stats-total") == str(len(own))

    page.select_option("#group-by", "status")
    page.wait_for_selector("#stats-chart[data-group-by='status']")
    by_status = Counter(b.status for b in own)
    assert table(page) == by_status
    assert sorted(chart(page).values(), reverse=True) == sorted(by_status.values(), reverse=True)
    assert page.locator("#stats-chart").get_attribute("data-bars") == str(len(by_status))
    assert "Tình trạng" in page.inner_text("#stats-group-head")

    # Narrow to khu phố 1: the counts follow, and so does the export link.
    in_kp = [b for b in own if b.khu_pho_id == world.kp_a1.pk]
    page.select_option("#khu-pho-filter", str(world.kp_a1.pk))
    page.wait_for_function(f"() => document.getElementById('stats-total').textContent === '{len(in_kp)}'")
    assert table(page) == Counter(b.status for b in in_kp)
    assert f"khu_pho={world.kp_a1.pk}" in page.get_attribute("#export-csv", "href")

    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    assert download.suggested_filename.startswith("ho-kinh-doanh-") and download.suggested_filename.endswith(".csv")
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert "owner_name" in header
    assert sorted(int(r[0]) for r in rows) == sorted(b.pk for b in in_kp)
    log = ExportLog.objects.get()
    assert log.user.username == "officer_a" and log.format == "csv" and log.row_count == len(in_kp)
    assert log.filters == {"khu_pho": str(world.kp_a1.pk)}
    assert not page.console_errors, page.console_errors


def test_a_leaders_figures_follow_an_officers_save_live(live_world, live_server, page):
    """The leader's page reloads its counts when a business is saved elsewhere (SSE from PostgreSQL NOTIFY)."""
    world = live_world
    page.goto("/login/?next=/businesses/stats/")
    page.fill("input[name=username]", "leader")
    page.fill("input[name=password]", "pw-test-1")
    page.click("main form button[type=submit]")
    page.select_option("#group-by", "ward")
    page.wait_for_selector("#stats-chart[data-group-by='ward']")
    before = table(page)[str(world.ward_a.pk)]
    page.wait_for_timeout(500)  # the event stream connects

    officer = Client()
    officer.force_login(world.users["ward_officer"])
    response = officer.post(
        "/api/v1/businesses/",
        {
            "registration_no": "41A7770001",
            "signboard": "Quán Mới Mở",
            "owner_name": "Chủ Quán Mới",
            "industry": industry("5610").pk,
            "address_current": "5 Đường Thử",
            "registered_on": "2026-11-23",
            "geom": {"type": "Point", "coordinates": [106.695, 10.781]},
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    page.wait_for_function(
        f"() => [...document.querySelectorAll('#stats-table tbody tr')]"
        f".some(r => r.dataset.key === '{world.ward_a.pk}' && Number(r.dataset.count) === {before + 1})"
    )
    assert int(page.locator("#stats-chart").get_attribute("data-live-updates")) >= 1
    page.goto("about:blank")  # drop the stream; the server notices at its next heartbeat
