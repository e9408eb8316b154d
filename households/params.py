"""Query and form parameters of the households endpoints, each refused with a clear 400."""

from __future__ import annotations

import math
import re
from typing import Any

from gisportal.errors import InvalidInput
from layers.models import AdminUnit

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}
_EPSG = re.compile(r"(?:epsg\s*:?\s*)?(\d{4,5})", re.IGNORECASE)


def flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise InvalidInput(f"{name} phải là true hoặc false.", f"{name} must be true or false.", {name: value})


def integer(params, name: str, default: int, lo: int, hi: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not str(raw).isdigit() or not lo <= int(raw) <= hi:
        raise InvalidInput(f"{name} phải là số nguyên từ {lo} đến {hi}.", f"{name} must be an integer {lo}–{hi}.")
    return int(raw)


def number(params, name: str, lo: float | None = None, hi: float | None = None) -> float:
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


def epsg(raw: Any) -> int | None:
    """'9210', 'EPSG:9210' → 9210; blank → None."""
    if raw in (None, ""):
        return None
    m = _EPSG.fullmatch(str(raw).strip())
    if not m:
        raise InvalidInput(
            f"crs phải là mã EPSG (ví dụ 9210), không phải '{raw}'.",
            f"crs must be an EPSG code (e.g. 9210), not {raw!r}.",
            code="unsupported_crs",
        )
    return int(m[1])


def ward(raw: Any) -> AdminUnit | None:
    """A ward in force today, by id or GSO code; blank → None."""
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    units = AdminUnit.objects.valid_on().wards()
    found = units.filter(code=text).first() or (units.filter(pk=int(text)).first() if text.isdigit() else None)
    if found is None:
        raise InvalidInput(
            f"Không có phường, xã hiện hành với mã '{text}'.",
            f"No current ward with id or code {text!r}.",
            code="unknown_ward",
        )
    return found
