"""Role × endpoint × write method: the roles that may change nothing of the portal's records never succeed in a
POST, PUT, PATCH or DELETE, on any endpoint of the URL configuration (tests/endpoints.py), and none is a 5xx.

The writes that are theirs are named here: a citizen files and follows a report and signs in; an officer also
creates their own API tokens (tests/gisportal/test_security_auth.py); a leader keeps their dashboard's snapshots
and class schemes. A new endpoint that lets them write fails here until it is reviewed and named.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.endpoints import endpoint_urls

METHODS = ("post", "put", "patch", "delete")
# (url name, method) a role may succeed in; pages answer a write by a redirect (to the login page, or back).
CITIZEN = {("report-file", "post"), ("report-follow", "post"), ("open311-requests", "post")}
OWN_TOKENS = {("my-tokens", "post"), ("my-token", "delete"), ("account-tokens", "post")}
THEIRS = {
    "anonymous": CITIZEN,
    "khu_pho_officer": CITIZEN | OWN_TOKENS,
    # A leader edits no record of a ward; their own dashboard's snapshots and choropleth class schemes are theirs.
    "district_leader": CITIZEN
    | OWN_TOKENS
    | {
        ("leader-dashboard-snapshots", "post"),
        ("leader-levels", "post"),
        ("leader-level", "put"),
        ("leader-level", "patch"),
        ("leader-level", "delete"),
    },
}
# Django's own forms: the login form re-rendered with its errors (200), the language redirect. Logout is not
# sent at all: it would make the rest of the walk anonymous.
FORMS = {"login", "set_language"}


@pytest.mark.parametrize("role", sorted(THEIRS))
def test_roles_that_change_nothing_never_succeed_in_a_write(world, role):
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    urls = endpoint_urls(world)
    assert len(urls) >= 100, len(urls)
    succeeded = []
    for name, url in urls:
        if name == "logout":
            continue
        for method in METHODS:
            response = getattr(client, method)(url, data="{}", content_type="application/json")
            status = response.status_code
            assert status < 500, f"{role} {method.upper()} {url} ({name}) → {status}"
            if name in FORMS or (name, method) in THEIRS[role]:
                continue
            # A page sends a caller it refuses to the login page; any other answer below 400 is a success.
            if status < 400 and not (status == 302 and response["Location"].startswith("/login/")):
                succeeded.append(f"{method.upper()} {url} ({name}) → {status}")
    assert succeeded == [], succeeded
