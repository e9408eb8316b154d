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
