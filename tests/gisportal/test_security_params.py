"""Malformed query parameters: every endpoint, every parameter name the portal reads, hostile values → never a 500.

`"²".isdigit()` and `"٣".isdigit()` are both true in Python, `int("²")` raises and `int("٣")` is 3; PostgreSQL
refuses a NUL in text and a number past bigint. One parser (gisportal/params.py) reads them all.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from tests.endpoints import SAMPLE_KWARGS, SAMPLE_QUERY, iter_named_patterns
from tests.gisportal.test_role_matrix import client_for

# Every numeric parameter some endpoint reads (grep params.get / query_params.get).
NUMERIC = [
    "page", "page_size", "limit", "offset", "ward", "khu_pho", "street", "street_block", "parcel", "run",
    "year", "size", "version", "max_seconds", "radius_m", "lat", "lon", "acquisition", "before", "after",
]  # fmt: skip
# Every free-text parameter.
TEXT = [
    "q", "name", "area", "status", "industry", "section", "bbox", "vsic", "kind", "level", "valid_on", "sort",
    "sub_zone", "from", "to", "crs", "group_by", "group_by2", "datetime", "f", "code", "licence",
]  # fmt: skip
HOSTILE_NUMBERS = ["²", "٣", "9" * 30, "-1"]
# The walk's two: a digit Python reads and int() refuses, and a number past bigint. Each endpoint gets one of them
# per numeric parameter, alternating along the parameters and shifted by one from one endpoint to the next, so each
# parameter is sent both values (on different endpoints) and each endpoint both values (on different parameters).
WALKED_NUMBERS = [HOSTILE_NUMBERS[0], HOSTILE_NUMBERS[2]]


def _urls(world) -> list[tuple[str, str]]:
    """Every endpoint with its samples; one still missing them is the role matrix's failure, not this one's."""
    urls = []
    for name, pattern in iter_named_patterns():
        if pattern.pattern.regex.groupindex and name not in SAMPLE_KWARGS:
            continue
        kwargs = SAMPLE_KWARGS[name](world) if pattern.pattern.regex.groupindex else {}
        urls.append((name, reverse(name, kwargs=kwargs) + SAMPLE_QUERY.get(name, "")))
    return urls


def _with(url: str, name: str, value: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode({name: value})


@pytest.mark.parametrize("role", ["anonymous", "ward_officer"])
def test_no_endpoint_answers_500_to_malformed_parameters(world, role, celery_worker):
    client = client_for(world, role)
    client.raise_request_exception = False  # collect every 500, not only the first
    failures = []
    tried = set()
    for i, (name, url) in enumerate(_urls(world)):
        if name in {"events"}:  # a live stream; its own parameter is tested below
            continue
        numbers = [(p, WALKED_NUMBERS[(i + j) % len(WALKED_NUMBERS)]) for j, p in enumerate(NUMERIC)]
        tried |= set(numbers)
        probes = [_with(url, p, v) for p, v in numbers]
        probes += [_with(url, p, "a\x00b") for p in TEXT]
        for probe in probes:
            response = client.get(probe)
            if response.status_code >= 500:
                failures.append(f"{probe} → {response.status_code}")
    assert tried == {(p, v) for p in NUMERIC for v in WALKED_NUMBERS}, "a parameter went without one of the values"
    assert not failures, f"{len(failures)} answered 5xx:\n" + "\n".join(failures[:40])


# (URL, parameter) pairs that read an integer: a non-ASCII digit is refused, not read as 3.
INTEGER_PARAMS = [
    ("/api/v1/businesses/", "page"),
    ("/api/v1/businesses/", "page_size"),
    ("/api/v1/businesses/", "ward"),
    ("/api/v1/businesses/radius?lat=10.78&lon=106.70", "page_size"),
    ("/api/v1/house-numbers/", "street"),
    ("/api/v1/streets/", "ward"),
    ("/api/v1/households/", "page"),
    ("/api/v1/geocode?q=1 Nguyễn Đình Chiểu", "limit"),
    ("/api/v1/waste/stats", "ward"),
    ("/ogc/collections/businesses/items", "limit"),
    ("/ogc/collections/businesses/items", "offset"),
    ("/api/v1/imagery/acquisitions/", "ward"),
]


def test_integer_parameters_accept_ascii_digits_only(world):
    client = client_for(world, "admin")
    for url, param in INTEGER_PARAMS:
        for value in ["²", "٣", "３", "9" * 30]:
            response = client.get(_with(url, param, value))
            assert response.status_code == 400, (url, param, value, response.status_code, response.content[:300])
            body = response.json()
            assert body["message"] and body["message_en"] and body["message"] != body["message_en"], body


NUL_URLS = [
    "/api/v1/businesses/?q=a%00b",
    "/api/v1/businesses/name-check?name=Ph%E1%BB%9F%00",
    "/api/v1/geocode?q=1%00",
    "/api/v1/geocode/suggest?q=ng%00",
    "/api/v1/businesses/industries?q=ph%00",
    "/api/v1/admin-units/?x=%00",
    "/?x=%00",
]


def test_a_nul_in_any_parameter_is_a_400_with_a_message(world):
    client = client_for(world, "ward_officer")
    for url in NUL_URLS:
        response = client.get(url)
        assert response.status_code == 400, (url, response.status_code)
        assert response.json()["error"] == "invalid_input"
        assert "NUL" in response.json()["message_en"]
    # A form post too (the login page reads one).
    response = Client().post("/login/", "username=a%00&password=b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
