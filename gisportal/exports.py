"""What every exporter (business lists, layers, detection flags) writes the same way: spreadsheet-safe text."""

from __future__ import annotations

# A cell starting with one of these is run as a formula by Excel or LibreOffice (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """A text cell a spreadsheet will not run: one starting with = + - @ (or a tab/CR) gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_START) else value
