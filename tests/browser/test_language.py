"""One language at a time: a Vietnamese page shows no English word of the portal's own strings, dates and numbers
follow vi-VN, and the language switch keeps the page's state (its query, hash and an open form's values).

The English words are the portal's own: every msgid of its catalogues (locale/vi/LC_MESSAGES/*.po), the English
half of every "vi / en" choice label of its models, and the English titles of its layers and fields. Each page is
visited in Chromium (an en-US browser, as on most officers' machines) as every role, and its visible text compared.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from playwright.sync_api import expect

from layers import registry
from tests.browser.portal_pages import PAGES, ROLES, fill_world, settle, track
from tests.browser.session import logged_in

pytestmark = pytest.mark.browser

# Words the same in both languages or names: never a sign of a page in the wrong language.
SAME_IN_BOTH = {"api", "gis", "english", "ogc", "vsic", "leaflet", "openstreetmap", "geojson", "csv", "xlsx", "kml"}
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|\$\{[^}]*\}")


def _po_pairs(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) of a .po file, multi-line strings joined."""
    pairs, key, cur = [], None, {"msgid": "", "msgstr": ""}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            if key == "msgstr" and cur["msgid"]:
                pairs.append((cur["msgid"], cur["msgstr"]))
            key, cur = "msgid", {"msgid": "", "msgstr": ""}
            cur[key] = line[6:].strip().strip('"')
        elif line.startswith("msgstr "):
            key = "msgstr"
            cur[key] = line[7:].strip().strip('"')
        elif line.startswith('"') and key:
            cur[key] += line.strip().strip('"')
    if key == "msgstr" and cur["msgid"]:
        pairs.append((cur["msgid"], cur["msgstr"]))
    return pairs


def english_phrases() -> tuple[set[str], str]:
    """The portal's English phrases (lower case), and all its Vietnamese text (to leave out shared words)."""
    english, vietnamese = set(), []
    for po in Path(settings.BASE_DIR, "locale", "vi", "LC_MESSAGES").glob("*.po"):
        for msgid, msgstr in _po_pairs(po):
            english.add(msgid)
            vietnamese.append(msgstr)
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in {"layers", "businesses", "households", "imagery"}:
            continue
        for field in model._meta.get_fields():
            for _, label in getattr(field, "choices", None) or []:
                if " / " in str(label):
                    vi, en = str(label).split(" / ", 1)
                    english.add(en)
                    vietnamese.append(vi)
    # A ward's own theme layers are its words, not the portal's.
    for layer in registry.builtin_layers():
        english.add(layer.title_en)
        vietnamese.append(layer.title)
        for f in layer.public_fields:
            english.add(f.title_en)
            vietnamese.append(f.title)
        for name in layer.edit_fields:
            english.add(str(layer.model._meta.get_field(name).verbose_name))
    vi_text = " ".join(vietnamese).lower()
    phrases = set()
    for text in english:
        for part in _PLACEHOLDER.split(text):
            part = part.strip(" .:,;!?()…—-*").lower()
            words = re.findall(r"[a-z]+", part)
            if not words or not part.isascii() or part in SAME_IN_BOTH:
                continue
            # A lone short word may be a Vietnamese syllable without its marks ("an", "to", "bin"): skip it.
            if len(words) == 1 and len(words[0]) < 5:
                continue
            if re.search(rf"(?<!\w){re.escape(part)}(?!\w)", vi_text):
                continue  # also written so in Vietnamese (a code, a format name)
            phrases.add(part)
    return phrases, vi_text


def visible_text(page) -> str:
    """What a reader sees: the body's text, and the placeholders, titles and labels the browser shows."""
    return page.evaluate(
        """() => [document.body.innerText,
                  ...[...document.querySelectorAll('[placeholder],[title],[aria-label],option')].map(
                    (e) => [e.placeholder, e.title, e.getAttribute('aria-label'), e.tagName === 'OPTION' ? e.text : '']
                      .filter(Boolean).join(' '))].join('\\n')"""
    )


def english_on(text: str, phrases: set[str]) -> list[str]:
    low = text.lower()
    return sorted(p for p in phrases if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", low))


US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def test_the_english_list_is_the_portals_own():
    phrases, _ = english_phrases()
    assert {"source kind", "fee status", "contact phone", "healthy", "log out"} <= phrases
    assert "api" not in phrases


@pytest.mark.parametrize("role", ROLES)
def test_vietnamese_pages_show_no_english_word_of_the_portal(live_world, live_server, page, role):
    fill_world(live_world)
    phrases, _ = english_phrases()
    if role == "anonymous":
        page.context.add_cookies([{"name": "django_language", "value": "vi", "url": live_server.url}])
    else:
        logged_in(page, live_world.users[role], live_server.url, language="vi")
    found = {}
    track(page)
    for url, ready in PAGES:
        page.goto(url)
        settle(page, ready)
        if url.startswith("/layers/edit/"):
            # The form of a feature: its labels and choices are what officers read most.
            if page.locator(".layer-feature").count():
                page.locator(".layer-feature").first.click()
                page.wait_for_selector("#feature-form:not([hidden])")
        words = english_on(visible_text(page), phrases)
        if page.locator("input[type=date]").count():
            words.append("<input type=date> (shown in the browser's format, mm/dd/yyyy)")
        if words:
            found[url] = words
    assert found == {}, f"English on Vietnamese pages as {role}: {found}"


def test_numbers_and_dates_follow_the_page_language(live_world, live_server, page):
    fill_world(live_world)
    logged_in(page, live_world.users["ward_officer"], live_server.url, language="vi")
    page.goto("/businesses/")
    settle(page, "#map")
    formatted = page.evaluate(
        """async () => {
            const f = await import('/static/frontend/js/i18n_format.js');
            return [f.formatNumber(1200), f.formatNumber(1123.5), f.formatDate('2026-12-04'),
                    f.formatDateTime('2026-12-04T09:05:00+07:00'), f.parseDate('04/12/2026')];
        }"""
    )
    assert formatted[0] == "1.200" and formatted[1] == "1.123,5"
    assert formatted[2] == "04/12/2026" and formatted[3].startswith("04/12/2026") and formatted[4] == "2026-12-04"


def test_the_language_switch_keeps_the_query_hash_and_form(live_world, live_server, page):
    fill_world(live_world)
    logged_in(page, live_world.users["ward_officer"], live_server.url, language="vi")
    page.goto("/businesses/?ward=1#map=17/10.78/106.70")
    settle(page, "#map")
    name = page.locator("input[type=text], input[type=search]").first
    name.fill("Phở Hòa Bình")
    page.click("#lang-en")
    page.wait_for_selector("#lang-vi")
    assert page.url.endswith("/businesses/?ward=1#map=17/10.78/106.70")
    assert page.evaluate("document.documentElement.lang") == "en"
    # The address box is added by a module that loads after the first tiles: its value comes back when it appears.
    expect(page.locator("input[type=text], input[type=search]").first).to_have_value("Phở Hòa Bình")
