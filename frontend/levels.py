"""Area levels that classify themselves: a leader's levels on an indicator, each area's current level, the log.

A scheme classifies wards or khu phố (its `area_level`); its levels are ranges [min, max) of one figure
(gisportal/figures.py, counted per area of that level), optionally per 1,000 residents. `classify` puts each
area in the level its value falls in and logs every change; it runs whenever the figures may have changed: on the
change events that make the dashboard live (frontend/apps.py hooks the event hub), when the dashboard reloads its
figures, and with every snapshot (frontend/tasks.py). Concurrent runs are serialised by a transaction-level
advisory lock, so a change is logged once.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from frontend.models import AreaLevel, LevelChange, LevelScheme
from gisportal import figures as registry
from gisportal.errors import InvalidInput
from layers.models import AdminUnit

PER_1000_OF = "hh_people"  # e.g. overdue reports per 1,000 residents
MAX_LEVELS = 8
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LOCK = 0x6C65_7665  # advisory lock key: "leve"


def _number(raw: Any, where: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise InvalidInput(f"{where}: phải là một số.", f"{where}: must be a number.", {"field": where})
    return float(raw)


def _text(raw: Any, where: str, limit: int) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > limit:
        raise InvalidInput(
            f"{where}: cần một chuỗi 1–{limit} ký tự.", f"{where}: needs a text of 1–{limit} characters.",
            {"field": where},
        )  # fmt: skip
    return raw.strip()


def validate(body: Any) -> dict:
    """A scheme from a leader's JSON: its name, a known indicator, sorted ranges that do not overlap."""
    if not isinstance(body, dict):
        raise InvalidInput("Cần một đối tượng JSON.", "A JSON object is expected.")
    name = _text(body.get("name"), "name", 120)
    area_level = body.get("area_level", registry.WARD)
    if area_level not in registry.GROUP:
        raise InvalidInput(
            f"Cấp khu vực không có: {area_level!r} (phường hoặc khu phố).",
            f"Unknown area level: {area_level!r} (ward or khu_pho).",
            {"area_level": list(registry.GROUP)},
        )
    indicator = body.get("indicator")
    by_key = {f.key: f for f in registry.columns(area_level)}
    figure = by_key.get(indicator) if isinstance(indicator, str) else None
    if figure is None:
        known = [key for key, f in by_key.items() if not f.sensitive]
        raise InvalidInput(
            f"Chỉ tiêu không có ở cấp này: {indicator!r}.",
            f"Unknown indicator at this area level: {indicator!r}.",
            {"indicator": known},
        )
    if figure.sensitive:
        raise InvalidInput(
            "Không thể phân mức theo chỉ tiêu này: mức sẽ làm lộ số nhỏ đang được ẩn.",
            "This indicator cannot be levelled: the level would reveal a withheld small count.",
            {"indicator": indicator},
        )
    per_1000 = body.get("per_1000", False)
    if not isinstance(per_1000, bool):
        raise InvalidInput("per_1000 phải là true hoặc false.", "per_1000 must be true or false.")
    raw_levels = body.get("levels")
    if not isinstance(raw_levels, list) or not 1 <= len(raw_levels) <= MAX_LEVELS:
        raise InvalidInput(
            f"Cần từ 1 đến {MAX_LEVELS} mức.", f"From 1 to {MAX_LEVELS} levels are needed.", {"field": "levels"}
        )
    levels: list[dict[str, Any]] = []
    keys: set[str] = set()
    for i, raw in enumerate(raw_levels):
        where = f"levels[{i}]"
        if not isinstance(raw, dict):
            raise InvalidInput(f"{where}: cần một đối tượng.", f"{where}: an object is expected.")
        key = _text(raw.get("key"), f"{where}.key", 40)
        if key in keys:
            raise InvalidInput(f"{where}: mã mức trùng '{key}'.", f"{where}: level key '{key}' twice.")
        keys.add(key)
        colour = raw.get("colour", "#888888")
        if not isinstance(colour, str) or not COLOUR.match(colour):
            raise InvalidInput(f"{where}: màu dạng #rrggbb.", f"{where}: colour as #rrggbb.", {"colour": colour})
        low, high = _number(raw.get("min"), f"{where}.min"), _number(raw.get("max"), f"{where}.max")
        if low is None:
            low = -math.inf if i == 0 else None
        if low is None:
            raise InvalidInput(f"{where}: thiếu ngưỡng dưới.", f"{where}: the lower threshold is missing.")
        if high is not None and high <= low:
            raise InvalidInput(
                f"{where}: ngưỡng trên phải lớn hơn ngưỡng dưới.", f"{where}: max must be above min.",
                {"min": raw.get("min"), "max": high},
            )  # fmt: skip
        levels.append({
            "key": key, "label": _text(raw.get("label", key), f"{where}.label", 60),
            "label_en": _text(raw.get("label_en", raw.get("label", key)), f"{where}.label_en", 60),
            "colour": colour, "min": None if low == -math.inf else low, "max": high,
        })  # fmt: skip
    for i in range(1, len(levels)):
        before, this = levels[i - 1], levels[i]
        low = this["min"]
        if before["min"] is not None and low < before["min"]:
            raise InvalidInput(
                f"Các mức phải xếp theo ngưỡng tăng dần (mức {i + 1} thấp hơn mức {i}).",
                f"Levels must be sorted by rising threshold (level {i + 1} is below level {i}).",
                {"level": this["key"]},
            )
        if before["max"] is None or low < before["max"]:
            raise InvalidInput(
                f"Mức '{this['key']}' chồng lên mức '{before['key']}'.",
                f"Level '{this['key']}' overlaps level '{before['key']}'.",
                {"level": this["key"], "overlaps": before["key"]},
            )
    return {"name": name, "area_level": area_level, "indicator": indicator, "per_1000": per_1000, "levels": levels}


def level_of(levels: list[dict], value: float | None) -> str:
    if value is None:
        return ""
    for level in levels:
        if (level["min"] is None or value >= level["min"]) and (level["max"] is None or value < level["max"]):
            return level["key"]
    return ""


def value_of(scheme: LevelScheme, values: dict[str, registry.Value]) -> float | None:
    count = values.get(scheme.indicator, registry.Value(None)).count
    if count is None:
        return None
    if not scheme.per_1000:
        return float(count)
    households = values.get(PER_1000_OF, registry.Value(None)).count
    return round(count * 1000 / households, 3) if households else None


def needed_keys(schemes: list[LevelScheme]) -> set[str]:
    keys = {s.indicator for s in schemes}
    return keys | ({PER_1000_OF} if any(s.per_1000 for s in schemes) else set())


def classify(
    area_ids: list[int],
    values: dict[int, dict[str, registry.Value]] | None = None,
    by: str = registry.WARD,
) -> list[LevelChange]:
    """Re-classify these areas (wards, or khu phố: `by`) in every active scheme of that level; the changes, logged.
    `values`: the areas' figures when the caller has them (true counts for the indicators), else counted here."""
    schemes = list(LevelScheme.objects.filter(active=True, area_level=by))
    if not schemes or not area_ids:
        return []
    if values is None:
        wards = area_ids if by == registry.WARD else _wards_of(area_ids)
        values = registry.values_of(needed_keys(schemes), wards, by, area_ids)
    now = timezone.now()
    changes = []
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        current = {
            (a.scheme_id, a.ward_id): a for a in AreaLevel.objects.filter(ward_id__in=area_ids, scheme__in=schemes)
        }
        for scheme in schemes:
            for ward in area_ids:
                value = value_of(scheme, values.get(ward, {}))
                level = level_of(scheme.levels, value)
                held = current.get((scheme.pk, ward))
                if held is None:
                    AreaLevel.objects.create(scheme=scheme, ward_id=ward, level=level, value=value, since=now)
                    if level:
                        changes.append(LevelChange(scheme=scheme, ward_id=ward, level_to=level, value=value, at=now))
                elif held.level != level:
                    changes.append(
                        LevelChange(
                            scheme=scheme, ward_id=ward, level_from=held.level, level_to=level, value=value, at=now
                        )
                    )
                    held.level, held.value, held.since = level, value, now
                    held.save(update_fields=["level", "value", "since"])
                elif held.value != value:
                    held.value = value
                    held.save(update_fields=["value"])
        LevelChange.objects.bulk_create(changes)
    return changes


def _wards_of(khu_pho_ids: list[int]) -> list[int]:
    return sorted(set(AdminUnit.objects.filter(pk__in=khu_pho_ids).values_list("parent_id", flat=True)) - {None})


def khu_pho_ids(ward_ids: list[int]) -> list[int]:
    """The khu phố in force today of these wards: the areas of the khu phố schemes."""
    found = AdminUnit.objects.valid_on().filter(level=AdminUnit.Level.KHU_PHO, parent__in=ward_ids)
    return list(found.order_by("pk").values_list("pk", flat=True))


def classify_wards(
    ward_ids: list[int], values: dict[int, dict[str, registry.Value]] | None = None
) -> list[LevelChange]:
    """Re-classify these wards and their khu phố, each in the schemes of its level (`values`: the wards')."""
    changes = classify(ward_ids, values)
    if LevelScheme.objects.filter(active=True, area_level=registry.KHU_PHO).exists():
        changes += classify(khu_pho_ids(ward_ids), by=registry.KHU_PHO)
    return changes


def scheme_json(scheme: LevelScheme) -> dict:
    return {
        "id": scheme.pk,
        "name": scheme.name,
        "area_level": scheme.area_level,
        "indicator": scheme.indicator,
        "per_1000": scheme.per_1000,
        "levels": scheme.levels,
        "active": scheme.active,
    }


def dashboard(area_ids: list[int], by: str = registry.WARD, limit: int = 30) -> dict:
    """The schemes of that area level, each shown area's level in them, and the latest changes, for the
    dashboard's JSON (the key `wards` holds the areas, wards or khu phố)."""
    schemes = list(LevelScheme.objects.filter(active=True, area_level=by))
    current = AreaLevel.objects.filter(ward_id__in=area_ids, scheme__in=schemes)
    by_scheme: dict[int, dict[int, dict]] = {}
    for a in current:
        by_scheme.setdefault(a.scheme_id, {})[a.ward_id] = {
            "level": a.level, "value": a.value, "since": a.since.isoformat(),
        }  # fmt: skip
    log = LevelChange.objects.filter(ward_id__in=area_ids, scheme__in=schemes).select_related("scheme")[:limit]
    return {
        "schemes": [{**scheme_json(s), "wards": by_scheme.get(s.pk, {})} for s in schemes],
        "changes": [
            {
                "scheme": c.scheme_id,
                "scheme_name": c.scheme.name,
                "ward": c.ward_id,
                "from": c.level_from,
                "to": c.level_to,
                "value": c.value,
                "at": c.at.isoformat(),
            }
            for c in log
        ],
    }
