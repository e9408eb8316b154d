"""Query parameters shared by the portal's list endpoints: an ISO date, and a bbox refused in the portal's
error shape (never a 500). Households' and forest lists read dates through `parse_date` too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping

from rest_framework_gis.filters import InBBoxFilter

from gisportal.errors import InvalidInput
from gisportal.params import identifier


def parse_date(raw: str | None, name: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"Ngày '{raw}' không hợp lệ ({name}), dùng dạng YYYY-MM-DD.",
            f"Invalid date {raw!r} for {name}; use YYYY-MM-DD.",
        ) from None


def choice(params: Mapping[str, str], name: str, values: Collection[str], vi: str, en: str) -> str | None:
    """A parameter that must be one of `values` (a model's choices): None when absent, a 400 when unknown."""
    raw = params.get(name)
    if raw and raw not in values:
        raise InvalidInput(f"{vi} '{raw}' không tồn tại.", f"Unknown {en} {raw!r}.")
    return raw or None


def int_id(params: Mapping[str, str], name: str) -> int | None:
    """A parameter naming a row by its integer id: None when absent, a 400 when not digits."""
    return identifier(params, name)


class SafeBBoxFilter(InBBoxFilter):
    """InBBoxFilter whose malformed bbox is a 400 in the portal's error shape, never a 500."""

    bbox_param = "bbox"

    def get_filter_bbox(self, request):
        raw = request.query_params.get(self.bbox_param)
        if not raw:
            return None
        try:
            x1, y1, x2, y2 = (float(v) for v in raw.split(","))
        except ValueError:
            raise InvalidInput(
                "bbox phải là 4 số: kinh độ tây, vĩ độ nam, kinh độ đông, vĩ độ bắc.",
                "bbox must be four numbers: west,south,east,north.",
            ) from None
        if not (-180 <= x1 <= x2 <= 180 and -90 <= y1 <= y2 <= 90):
            raise InvalidInput(
                "bbox sai thứ tự hoặc ngoài phạm vi (tây,nam,đông,bắc theo WGS 84).",
                "bbox out of range or in the wrong order (west,south,east,north in WGS 84).",
            )
        return super().get_filter_bbox(request)
