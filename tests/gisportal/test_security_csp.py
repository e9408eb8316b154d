"""The Content-Security-Policy (gisportal/csp.py): sent on every answer, only the portal's own sources, the optional
basemap host added; and no template carries what the policy would refuse (tests/browser/test_csp.py sees the pages
run in Chromium)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

TEMPLATE_DIRS = [
    "frontend/templates",
    "businesses/templates",
    "layers/templates",
    "imagery/templates",
    "imagery/detection/templates",
    "households/templates",
    "gisportal/templates",
]


def directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.mark.parametrize("url", ["/", "/login/", "/businesses/", "/api/v1/admin-units/?level=ward", "/no-such/"])
def test_every_answer_carries_the_policy(db, url):
    response = Client().get(url)
    csp = directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]


@pytest.mark.parametrize(
    ("basemap", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.vn:8443/{z}/{x}/{y}.png", "https://*.tile.example.vn:8443"),
    ],
)
def test_an_online_basemap_is_the_one_outside_host(db, basemap, source):
    with override_settings(BASEMAP_URL=basemap):
        csp = directives(Client().get("/login/")["Content-Security-Policy"])
    assert csp["img-src"] == ["'self'", "data:", "blob:", source]
    assert csp["connect-src"] == ["'self'", source]
    assert csp["script-src"] == ["'self'"]


def _templates() -> list[Path]:
    return [p for d in TEMPLATE_DIRS for p in sorted(Path(settings.BASE_DIR, d).rglob("*.html"))]


def test_no_template_has_an_inline_script_handler_or_style():
    """An inline `<script>` (one without src, other than a JSON data block), an `on…=` handler, a `javascript:` URL,
    a `<style>` block or a `style=` attribute would each be refused by the browser under the policy."""
    found = []
    for path in _templates():
        text = re.sub(
            r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", "", path.read_text(encoding="utf-8"), flags=re.S
        )
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.I):
            if "src=" not in tag and 'type="application/json"' not in tag:
                found.append((path.name, tag))
        found += [(path.name, m) for m in re.findall(r"<[^>]*\son[a-z]+\s*=[^>]*>", text, flags=re.I)]
        found += [(path.name, m) for m in re.findall(r"<style\b|\sstyle\s*=|javascript:", text, flags=re.I)]
    assert len(_templates()) >= 30  # the walk saw them all
    assert found == []
