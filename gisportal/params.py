"""Query and form parameters every app's endpoints parse the same way, each refused with a clear 400.

One wording for every app: a flag, an integer in a range, a finite number. App-specific parameters
(filters, wards, EPSG codes) stay with their app's HTTP layer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from gisportal.errors import InvalidInput

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


def flag(value: Any, name: str) -> bool:
    """true/false, 1/0, yes/no, on/off (a blank is false); a JSON boolean as it is."""
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise InvalidInput(f"{name} phải là true hoặc false.", f"{name} must be true or false.", {name: value})


def integer(params: Mapping, name: str, default: int, lo: int, hi: int) -> int:
    """A whole number lo…hi, `default` when absent or blank."""
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not str(raw).isdigit() or not lo <= int(raw) <= hi:
        raise InvalidInput(f"{name} phải là số nguyên từ {lo} đến {hi}.", f"{name} must be an integer {lo}–{hi}.")
    return int(raw)


def number(params: Mapping, name: str, lo: float | None = None, hi: float | None = None) -> float:
    """A required finite number, optionally within lo…hi."""
    raw = params.get(name)
    if raw in (None, ""):
        raise InvalidInput(f"Thiếu tham số {name}.", f"Missing parameter {name}.", code="missing_parameter")
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInput(f"{name} phải là số: '{raw}'.", f"{name} must be a number: {raw!r}.")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InvalidInput(f"{name} phải từ {lo} đến {hi}.", f"{name} must be between {lo} and {hi}.")
    return value
