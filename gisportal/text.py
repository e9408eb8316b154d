"""Vietnamese text: NFC on the way in, and a folded form for accent-free matching."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """NFC with collapsed whitespace: 'Phở  Hoà' typed with a combining accent → 'Phở Hoà'."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Lower-case ASCII form: 'Phường Bàn Cờ' → 'phuong ban co'. đ/Đ (and the look-alike Ð) → d."""
    text = unicodedata.normalize("NFD", nfc(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = text.replace("đ", "d").replace("Đ", "D").replace("Ð", "D").replace("ð", "d")
    return text.lower()


# Bidirectional overrides and isolates (U+202A–202E, U+2066–2069) and marks: they reorder what a reader sees
# ("Trojan Source"), so a shop name could display as another. C0/C1 controls and NUL have no place in a name.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}
_WORD = re.compile(r"[^\W\d_]+")
# A tag or a comment opener, or an entity: text is shown in pages and popups, never as markup.
_HTML = re.compile(r"<\s*[/!?]?\s*[A-Za-z!]|&#?\w+;")
# What a spreadsheet would run when the text is exported and opened: = or @ first, or + / - before a letter
# or a parenthesis right after it (a phone number "+84 …", "-5%" or a bullet "- Cống vỡ" stays text).
_FORMULA = re.compile(r"^\s*(?:[=@]|[+\-][^\W\d_]|[+\-]\()")


def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    for script in ("LATIN", "CYRILLIC", "GREEK"):
        if name.startswith(script):
            return script
    return None


def text_problem(text: str) -> tuple[str, str, str] | None:
    """Why a line of text typed by a person cannot be stored as is, as (code, vi, en), or None when it can.

    Refused: control characters, bidirectional controls, and words mixing Latin with Cyrillic or Greek letters
    (a Cyrillic 'а' in 'Phở Hòа' looks the same on a signboard list and defeats the name check). Words wholly
    in another script (a Chinese or Khmer signboard) are kept."""
    if _FORMULA.match(text):
        return ("formula", "bắt đầu như một công thức bảng tính (=, @, +, -).", "starts like a spreadsheet formula.")
    if _HTML.search(text):
        return ("html_not_allowed", "không được chứa mã HTML.", "may not contain HTML.")
    for ch in text:
        if ch in _BIDI:
            return ("bidi_control", "chứa ký tự điều khiển hướng chữ (bidi).", "contains a bidirectional control.")
        if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r":
            return ("control_character", "chứa ký tự điều khiển.", "contains a control character.")
    for word in _WORD.findall(text):
        scripts = {s for s in map(_script, word) if s}
        if len(scripts) > 1:
            return (
                "mixed_script",
                f"có từ “{word}” trộn chữ Latinh với chữ Kirin/Hy Lạp trông giống nhau.",
                f"has the word {word!r} mixing Latin with look-alike Cyrillic/Greek letters.",
            )
    return None


def refuse_hostile(field: str, value: str) -> None:
    """Raise a 400 (InvalidInput) naming `field` when `value` is not text a person would type (text_problem)."""
    if problem := text_problem(value):
        from gisportal.errors import InvalidInput  # lazy: errors pulls in DRF, which pure helpers do not need

        code, vi, en = problem
        raise InvalidInput(f"Trường {field} {vi}", f"The field {field} {en}", {"field": field}, code=code)
