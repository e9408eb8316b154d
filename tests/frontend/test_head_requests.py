"""A HEAD of a page answers as its GET would, without the body: link checkers, uptime monitors and a browser's
"is this download still there" ask with HEAD, and the pages refused it with a 405 (`require_GET`)."""

from __future__ import annotations

import pytest
from django.test import Client

PAGES = {
    "anonymous": ["/", "/businesses/", "/reports/new/", "/api/v1/forest/plots.kml", "/api/v1/forest/plots.kmz"],
    "ward_officer": [
        "/",
        "/businesses/edit/",
        "/businesses/stats/",
        "/layers/forest/",
        "/households/report/",
        "/reports/queue/",
    ],
    "land_officer": ["/land/imagery/", "/land/parcels/", "/land/detection/", "/api/v1/detection/flags/export.geojson"],
    "district_leader": ["/", "/leader/dashboard/"],
}


@pytest.mark.parametrize("role", list(PAGES))
def test_a_head_of_a_page_answers_its_gets_status_and_headers_without_a_body(world, role):
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    answers = {}
    for url in PAGES[role]:
        got, head = client.get(url), client.head(url)
        answers[url] = (head.status_code, head["Content-Type"], head.content)
        assert answers[url] == (got.status_code, got["Content-Type"], b""), url
        assert got.status_code == 200, url
