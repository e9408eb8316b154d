"""A land officer in Chromium works through the review queue: confirms one flag, dismisses another."""

from __future__ import annotations

import pytest

from imagery.detection import runs
from imagery.detection.models import ChangeFlag, DetectionRun
from tests.browser.session import logged_in
from tests.imagery.detection.scene import make_pair

pytestmark = pytest.mark.browser


@pytest.fixture
def flagged(live_world, tmp_path, settings):
    settings.IMAGERY_ROOT = tmp_path / "imagery"
    pair = make_pair(live_world.ward_a, tmp_path)
    run = runs.start_run(
        before=pair.before, after=pair.after, ward=live_world.ward_a, area=live_world.ward_a.boundary, queue=False
    )
    assert runs.run_inline(run).status == DetectionRun.Status.DONE
    return live_world, list(ChangeFlag.objects.order_by("-score", "id"))


def test_officer_confirms_one_flag_and_dismisses_another(flagged, live_server, page):
    world, flags = flagged
    assert len(flags) >= 3
    logged_in(page, world.users["land_officer"], live_server.url, language="vi")
    page.goto("/land/detection/")
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#run-start").inner_text() == "Bắt đầu phát hiện"
    items = page.locator("#flags > li")
    assert items.count() == len(flags)
    # Sorted by confidence: the list's order is the API's -score order.
    assert [int(i) for i in items.evaluate_all("els => els.map(e => e.dataset.id)")] == [f.pk for f in flags]
    # Both chips of the first flag load (PNG from the two COGs).
    page.wait_for_function(
        "() => [...document.querySelectorAll('#flags > li:first-child .chips img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    # The flags are drawn on the map, over the later photograph's tiles.
    assert page.locator(".leaflet-overlay-pane path").count() == len(flags)
    page.wait_for_function("() => document.querySelectorAll('.leaflet-tile-pane img.leaflet-tile-loaded').length > 0")

    first, second = flags[0], flags[1]
    row = page.locator(f"#flag-{first.pk}")
    row.locator("textarea.note").fill("Nhà xây mới không phép")
    row.locator("button.decide-confirm").click()
    page.wait_for_function(f"() => !document.getElementById('flag-{first.pk}')")
    assert page.locator("#status").inner_text() == "Đã lưu quyết định."

    row = page.locator(f"#flag-{second.pk}")
    row.locator("textarea.note").fill("Bóng cây, không phải công trình")
    row.locator("button.decide-dismiss").click()
    page.wait_for_function(f"() => !document.getElementById('flag-{second.pk}')")
    assert items.count() == len(flags) - 2

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.note, first.decided_by) == (
        ChangeFlag.Status.CONFIRMED,
        "Nhà xây mới không phép",
        world.users["land_officer"],
    )
    assert (second.status, second.note) == (ChangeFlag.Status.DISMISSED, "Bóng cây, không phải công trình")
    # The counts per ward follow, and the confirmed flag shows under its filter.
    page.wait_for_function("() => document.querySelector('#counts tbody td:nth-child(3)')?.textContent === '1'")
    page.select_option("#status-filter", "confirmed")
    page.wait_for_selector(f"#flag-{first.pk}")
    assert not [e for e in page.console_errors if "favicon" not in e]
    assert all(u.startswith(live_server.url) for u in page.requested_urls)  # no CDN
