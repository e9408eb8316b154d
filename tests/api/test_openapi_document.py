"""/api/schema/ is generated and rendered once per process, language and media type (gisportal/openapi.py):
each answer is still the one drf-spectacular would give for that request."""

from __future__ import annotations

from django.test import Client, RequestFactory
from drf_spectacular.views import SpectacularAPIView

ASKS = [
    ("/api/schema/", "*/*"),
    ("/api/schema/?lang=en", "*/*"),
    ("/api/schema/?format=json", "*/*"),
    ("/api/schema/?lang=en", "application/vnd.oai.openapi+json"),
    ("/api/schema/", "application/json"),
]


def fresh(url: str, accept: str):
    response = SpectacularAPIView.as_view()(RequestFactory().get(url, HTTP_ACCEPT=accept))
    response.render()
    return response


def test_each_language_and_media_type_gets_its_own_document_every_time(db):
    client = Client()
    bodies = {}
    for _ in range(2):  # the second round is answered from what the first kept
        for url, accept in ASKS:
            response = client.get(url, HTTP_ACCEPT=accept)
            expected = fresh(url, accept)
            assert response.status_code == 200
            assert response.content == expected.content, (url, accept)
            assert response["Content-Type"] == expected["Content-Type"], (url, accept)
            bodies[url, accept] = response.content
    # Vietnamese and English are different documents, as YAML and JSON are.
    assert bodies["/api/schema/", "*/*"] != bodies["/api/schema/?lang=en", "*/*"]
    assert bodies["/api/schema/?lang=en", "*/*"] != bodies["/api/schema/?lang=en", "application/vnd.oai.openapi+json"]
