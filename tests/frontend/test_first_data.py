"""The home map carries its first view's data in the page (frontend/templatetags/first_view.py): the same answers
the API gives the same visitor (private fields narrowed alike), the page language's JavaScript catalogue, and a
preload link in place of an answer too large to carry."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from frontend.templatetags import first_view

URLS = ("/tiles/", "/api/v1/admin-units/?level=ward", "/api/v1/admin-units/?level=khu_pho", "/api/v1/pois/")


def block(html: str, element_id: str) -> object:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no {element_id} block"
    return json.loads(found.group(1))


@pytest.mark.parametrize("role", ["anonymous", "khu_pho_officer", "ward_officer"])
def test_the_page_carries_what_the_api_answers_the_same_visitor(world, role):
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    html = client.get("/").content.decode()
    carried = block(html, "first-data")
    assert set(carried) == set(URLS)
    for url in URLS:
        assert carried[url] == client.get(url).json(), url
    # Nothing of them is fetched again: no preload of theirs, no /jsi18n/ script.
    assert 'rel="preload" as="fetch"' not in html
    assert "/jsi18n/" not in html


def test_a_private_value_is_carried_only_to_whom_the_api_shows_it(world):
    phone = world.kp_a1.head_phone
    anonymous = Client().get("/api/v1/admin-units/?level=khu_pho").content.decode()
    html = Client().get("/").content.decode()
    assert (phone in html) == (phone in anonymous)


@pytest.mark.parametrize(("language", "word"), [("vi", "Ranh giới phường"), ("en", None)])
def test_the_page_carries_its_languages_catalogue(world, language, word):
    client = Client()
    client.cookies["django_language"] = language
    html = client.get("/").content.decode()
    catalog = block(html, "js-catalog")
    assert set(catalog) == {"catalog", "formats", "plural"}
    if word:
        assert catalog["catalog"]["Ward boundary"] == word
    else:
        assert "Ward boundary" not in catalog["catalog"]
    assert catalog["formats"]["DECIMAL_SEPARATOR"] == ("," if language == "vi" else ".")


def test_an_answer_too_large_to_carry_is_left_to_a_preload(world, monkeypatch):
    size = len(Client().get("/api/v1/admin-units/?level=khu_pho").content)
    monkeypatch.setattr(first_view, "EMBED_MAX_BYTES", size - 1)
    html = Client().get("/").content.decode()
    carried = block(html, "first-data")
    assert "/api/v1/admin-units/?level=khu_pho" not in carried
    assert '<link rel="preload" as="fetch" crossorigin href="/api/v1/admin-units/?level=khu_pho">' in html
    assert "/api/v1/pois/" in carried  # two points: smaller than three khu phố
