"""Static files under the ASGI server the portal runs on (uvicorn, as `make run` and docker serve it): whitenoise
hands Django a file response whose content is a synchronous iterator, and Django's ASGI handler warned, for every
file, "StreamingHttpResponse must consume synchronous iterators…" (and read the whole file in one go to send it)."""

from __future__ import annotations

import warnings
from pathlib import Path

import httpx2
import pytest

from tests import asgi_live

LEAFLET = Path(__file__).resolve().parents[2] / "frontend/static/vendor/leaflet/leaflet.js"


@pytest.fixture
def asgi_server(transactional_db):
    yield from asgi_live.serve()


def test_a_static_file_is_served_whole_under_asgi_without_the_synchronous_iterator_warning(asgi_server):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with httpx2.Client(timeout=10) as client:
            whole = client.get(f"{asgi_server.url}/static/vendor/leaflet/leaflet.js")
            head = client.head(f"{asgi_server.url}/static/vendor/leaflet/leaflet.js")
            ranged = client.get(f"{asgi_server.url}/static/vendor/leaflet/leaflet.js", headers={"Range": "bytes=0-99"})
    assert whole.status_code == 200 and whole.content == LEAFLET.read_bytes()
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == LEAFLET.stat().st_size
    assert ranged.status_code == 206 and ranged.content == LEAFLET.read_bytes()[:100]
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "synchronous iterators" in m], messages
