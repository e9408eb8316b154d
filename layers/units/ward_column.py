"""A ward column in an imported GIS file, checked against where the row lies.

A registry row's ward is always the unit in force that holds its geometry (`layers.editing.locate`). A file may
also name its ward, often as addresses wrote it before July 2025 ('Phường 4, Quận 3', or the old code 27148):
that name leads to today's units (``AdminUnit.successor`` / ``successors``), and
the row passes when its geometry lies in one of them, so a ward split in 2025 is decided by the geometry. A name
that leads nowhere, or to units the geometry is not in, is the row's problem, reported, never guessed over.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gisportal.errors import InvalidInput
from gisportal.tabular import header_key as _key

# Folded headers that name a row's ward (as the house-number import reads them, plus the code's).
WARD_HEADERS = {"ward", "phuong", "phuong xa", "xa", "phuong xa thi tran", "ma phuong", "ward code"}


# How a written ward becomes today's units is the address parser's knowledge, which lives in households (an app
# built on this one): households registers it here at start-up (HouseholdsConfig.ready), so layers imports no leaf.
_names_source: Callable[[], Any] | None = None
_hint: Callable[[str], tuple[str | None, str | None, str]] | None = None


def register_ward_names(names: Callable[[], Any], hint: Callable[[str], tuple[str | None, str | None, str]]) -> None:
    """Give the ward column its resolver: `names()` → a WardNames-like table, `hint(text)` → (ward, district, text)."""
    global _names_source, _hint
    _names_source, _hint = names, hint


class WardColumn:
    """Checks each row's ward column against the ward its geometry was placed in."""

    def __init__(self, column: str) -> None:
        if _names_source is None or _hint is None:
            raise RuntimeError("no ward-name resolver registered (households must be installed)")
        self.column = column
        self.names = _names_source()
        self._todays: dict[str, set[int]] = {}

    @classmethod
    def find(cls, columns: list[str], mapped: dict[str, str]) -> WardColumn | None:
        """The file's ward column, unless the layer has a field of that name (then it is that field's)."""
        for column in columns:
            if column not in mapped and _key(column) in WARD_HEADERS:
                return cls(column)
        return None

    def todays(self, text: str) -> set[int]:
        """Today's units a written ward leads to: a code (today's or a predecessor's) or a name."""
        if text not in self._todays:
            if text.isascii() and text.isdigit():
                found = set(self.names.by_codes.get(text, set()))
            else:
                ward_key, district_key, _text = _hint(text)  # type: ignore[misc]
                found, _confidence = self.names.resolve(ward_key, district_key)
            self._todays[text] = found
        return self._todays[text]

    def check(self, raw: object, ward_id: int) -> None:
        """Raise the row's problem when its ward column does not lead to the unit its geometry lies in."""
        text = " ".join(str(raw or "").split())
        if not text or text.lower() == "nan":
            return
        found = self.todays(text)
        here = self.names.names.get(ward_id, str(ward_id))
        if not found:
            raise InvalidInput(
                f"Cột {self.column}: không có phường, xã nào tên hoặc mã '{text}'.",
                f"Column {self.column}: no ward or commune named or coded {text!r}.",
                {"column": self.column, "value": text},
                code="unknown_ward_name",
            )
        if ward_id not in found:
            listed = ", ".join(sorted(self.names.names.get(w, str(w)) for w in found))
            raise InvalidInput(
                f"Cột {self.column} ghi '{text}' (nay là {listed}), nhưng hình học nằm ở {here}.",
                f"Column {self.column} says {text!r} (today {listed}), but the geometry lies in {here}.",
                {"column": self.column, "value": text, "today": listed, "found": here},
                code="outside_ward",
            )
