"""What the walk of every page as every role (test_page_walk.py) checks on each page it loads: the
Content-Security-Policy (a `securitypolicyviolation` listener), axe-core (injected by the test from the portal's own
static files: the pages never load it) and the language (the portal's own English words on a Vietnamese page).

The English words are the portal's own: every msgid of its catalogues (locale/vi/LC_MESSAGES/*.po), the English
half of every "vi / en" choice label of its models, and the English titles of its layers and fields.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

from layers import registry

# --- Content-Security-Policy ---------------------------------------------------------------------------------

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push({
  directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample,
}));
"""

# Pages portal_pages.PAGES leaves out (they have no map or are reached from another page), with their ready element.
MORE_PAGES = [
    ("/leader/dashboard/", "body"),
    ("/layers/themes/", "body"),
    ("/reports/", "body"),
    ("/reports/new/", "body"),
    ("/reports/queue/", "body"),
    ("/account/tokens/", "body"),
    ("/api/docs/", "body"),
    ("/no-such-page/", "body"),  # the portal's own 404 page
]
ADMIN_PAGES = [
    ("/admin/", "body"),
    ("/admin/auth/user/", "body"),
    ("/admin/auth/user/add/", "body"),
    ("/admin/gisportal/auditentry/", "body"),
]


def csp_violations(page) -> list[dict]:
    """The page's violations since it loaded (after `settle`), the console's reports of them included."""
    found = page.evaluate("() => window.__csp")
    found += [{"console": text} for text in page.console_errors if "Content Security Policy" in text]
    page.console_errors.clear()
    return found


# --- axe-core ------------------------------------------------------------------------------------------------

AXE = Path(settings.BASE_DIR, "frontend", "static", "vendor", "axe", "axe.min.js")
BAD = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
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


# --- language ------------------------------------------------------------------------------------------------

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
