"""Query and form parameters every app's endpoints parse the same way, each refused with a clear 400.

One wording for every app: a flag, an integer in a range, an id, a finite number. App-specific parameters
(filters, wards, EPSG codes) stay with their app's HTTP layer, but read their digits through `is_whole`:
`str.isdigit()` is true for "²" (then `int()` raises: a 500) and "٣" (read as 3), and a 30-digit id
passes it and overflows PostgreSQL's bigint. `RefuseNul` answers a NUL in any parameter, which
PostgreSQL refuses in text, before a view sees it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse

from gisportal.errors import InvalidInput, json_error

# A PostgreSQL bigint holds 19 digits; 18 keep every id and count well inside it.
MAX_DIGITS = 18

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


def flag(value: Any, name: str) -> bool:
    """true/false, 1/0, yes/no, on/off (a blank is false); a JSON boolean as it is."""
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise InvalidInput(f"{name} phải là true hoặc false.", f"{name} must be true or false.", {name: value})


def is_whole(raw: Any, max_digits: int = MAX_DIGITS) -> bool:
    """ASCII digits only (no sign, no "²", "٣" or "３"), at most `max_digits` of them."""
    text = str(raw) if raw is not None else ""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def whole(raw: Any, name: str) -> int:
    """A non-negative whole number given as text (an id, a version), or a 400."""
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < 10**MAX_DIGITS:
        return raw
    if not is_whole(raw):
        raise InvalidInput(
            f"{name} phải là số nguyên không âm (chữ số 0-9): '{raw}'.",
            f"{name} must be a non-negative integer (digits 0-9): {raw!r}.",
            {name: raw},
        )
    return int(raw)


def integer(params: Mapping, name: str, default: int, lo: int, hi: int) -> int:
    """A whole number lo…hi, `default` when absent or blank."""
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not is_whole(raw) or not lo <= int(raw) <= hi:
        raise InvalidInput(
            f"{name} phải là số nguyên từ {lo} đến {hi}.", f"{name} must be an integer {lo}–{hi}.", {name: raw}
        )
    return int(raw)


def identifier(params: Mapping, name: str) -> int | None:
    """A parameter naming a row by its integer id: None when absent or blank, a 400 when not an id."""
    raw = params.get(name)
    if raw in (None, ""):
        return None
    return whole(str(raw).strip(), name)


def number(params: Mapping, name: str, lo: float | None = None, hi: float | None = None) -> float:
    """A required finite number, optionally within lo…hi."""
    raw = params.get(name)
    if raw in (None, ""):
        raise InvalidInput(f"Thiếu tham số {name}.", f"Missing parameter {name}.", code="missing_parameter")
    try:
        # float() reads "٣" and "１" too: a coordinate is written in ASCII.
        value = float(raw) if str(raw).isascii() else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInput(f"{name} phải là số: '{raw}'.", f"{name} must be a number: {raw!r}.")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InvalidInput(f"{name} phải từ {lo} đến {hi}.", f"{name} must be between {lo} and {hi}.")
    return value


def has_nul(values: Any) -> bool:
    return any("\x00" in v for _, vs in values.lists() for v in vs)


def nul_refused() -> HttpResponse:
    """The 400 of a NUL in a parameter (RefuseNul, and the ASGI fast path's same check)."""
    return json_error(
        400,
        "invalid_input",
        "Tham số không được chứa ký tự NUL (%00).",
        "Parameters must not contain a NUL character (%00).",
    )


class RefuseNul:
    """A NUL (%00) in a query or form parameter is a 400 for every endpoint and page: PostgreSQL refuses
    NUL in text, so the value would otherwise reach a query and end as a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        form = request.POST if request.content_type == "application/x-www-form-urlencoded" else None
        if has_nul(request.GET) or (form is not None and has_nul(form)):
            return nul_refused()
        return self.get_response(request)
