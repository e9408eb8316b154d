"""Every page, as every role, passes axe-core (from npm, copied by scripts/vendor_assets.sh) with no serious or
critical violation. axe is injected by the test: the pages never load it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.portal_pages import PAGES, ROLES, fill_world, settle, track
from tests.browser.session import logged_in

pytestmark = pytest.mark.browser

AXE = Path(settings.BASE_DIR, "frontend", "static", "vendor", "axe", "axe.min.js")
BAD = {"serious", "critical"}


def violations(page) -> list[dict]:
    # By its URL, a file of the portal's own: the page's Content-Security-Policy refuses an inline script.
    page.add_script_tag(url="/static/vendor/axe/axe.min.js")
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, { resultTypes: ['violations'] });
            return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
        }"""
    )
    return [v for v in found if v["impact"] in BAD]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_no_serious_or_critical_violation(live_world, live_server, page, role):
    assert AXE.exists(), "axe-core is missing: scripts/vendor_assets.sh copies it from node_modules"
    fill_world(live_world)
    if role != "anonymous":
        logged_in(page, live_world.users[role], live_server.url, language="vi")
    found = {}
    track(page)
    for url, ready in PAGES:
        page.goto(url)
        settle(page, ready)
        if bad := violations(page):
            found[url] = bad
    assert found == {}, f"axe-core as {role}: {found}"
