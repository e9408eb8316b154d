"""Query and form parameters of the households endpoints, each refused with a clear 400.

Flags, integers and numbers read as every app reads them (``gisportal.params``); wards and EPSG codes are
this app's own.
"""

from __future__ import annotations

import re
from typing import Any

from gisportal.errors import InvalidInput
from gisportal.params import flag, identifier, integer, is_whole, number, whole
from layers.models import AdminUnit

__all__ = ["epsg", "flag", "identifier", "integer", "number", "ward", "whole"]

_EPSG = re.compile(r"(?:epsg\s*:?\s*)?([0-9]{4,5})", re.IGNORECASE)


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


def required_ward(raw: Any) -> AdminUnit:
    """A ward in force today that must be named (a command's argument, the one ward an officer serves)."""
    found = ward(raw)
    if found is None:
        raise InvalidInput(
            "Hãy chọn phường (tham số ward).", "Choose a ward (the ward parameter).", code="ward_required"
        )
    return found


def ward(raw: Any) -> AdminUnit | None:
    """A ward in force today, by id or GSO code; blank → None."""
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    units = AdminUnit.objects.valid_on().wards()
    found = units.filter(code=text).first() or (units.filter(pk=int(text)).first() if is_whole(text) else None)
    if found is None:
        raise InvalidInput(
            f"Không có phường, xã hiện hành với mã '{text}'.",
            f"No current ward with id or code {text!r}.",
            code="unknown_ward",
        )
    return found
