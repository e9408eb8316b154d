"""The signboard-name check: is a proper name already taken in the registration area?

Decree 01/2021 Art. 88 (now Decree 168/2025) forbids a business household's proper name
identical to another registered in the same area. Matching is done by PostgreSQL:
`portal_name_key()` folds case, accents, Unicode form, punctuation and the words
"Hộ kinh doanh"; pg_trgm ranks near names and tolerates typos.
"""

from __future__ import annotations

from django.conf import settings

from businesses.models import Business
from gisportal.errors import InvalidInput
from gisportal.postgis.cursors import explain, server_cursors
from gisportal.text import fold, nfc
from layers.models import AdminUnit

TAKEN_STATUSES = [Business.Status.ACTIVE, Business.Status.SUSPENDED]
SIMILAR_SCORE = 0.45
TRGM_FLOOR = 0.3  # pg_trgm.similarity_threshold, the floor of `%` in the city-wide search
MAX_NAME = 200

# Two steps. First the best distinct taken names, from the small tables of taken name keys that
# triggers keep (migration 0006/name_keys_sql.py): the whole city holds far fewer distinct names
# than businesses. Then the businesses behind those names: one probe per key of a btree on the taken
# rows' (signboard_key, id), or (signboard_key, ward_id, id) within an area (migration 0013), whose
# predicate the query repeats (TAKEN_STATUSES, not deleted) so the planner can use them.
# A key "identical" to the one typed is equal once spaces are removed ("pho hoa" = "phohoa").
_KEYS_CITY = """
SELECT k.key, similarity(k.key, q.key) AS score, k.compact = q.compact AS same
  FROM businesses_namekey_city k, q
 WHERE k.key %% q.key OR k.compact = q.compact
 ORDER BY same DESC, score DESC, k.key
 LIMIT %(limit)s
"""

# Within an area, the trigram GIN on (ward_id, key) (migration 0013) finds the area's near keys
# without scoring its few thousand others; `%%` is similarity ≥ pg_trgm.similarity_threshold (TRGM_FLOOR).
_KEYS_AREA = """
SELECT k.key, max(similarity(k.key, q.key)) AS score, bool_or(k.compact = q.compact) AS same
  FROM businesses_namekey_ward k, q
 WHERE k.ward_id = ANY(%(wards)s::bigint[])
   AND (k.key %% q.key OR k.compact = q.compact)
 GROUP BY k.key
 ORDER BY same DESC, score DESC, k.key
 LIMIT %(limit)s
"""

_MATCHES = """
WITH q AS (SELECT key, replace(key, ' ', '') AS compact FROM (SELECT portal_name_key(%(name)s) AS key) s),
     k AS ({keys})
SELECT b.id, b.signboard, i.code, i.name, b.address_current, b.status, w.name, k.score, k.same
  FROM k
 CROSS JOIN LATERAL (
        SELECT b.id, b.signboard, b.industry_id, b.address_current, b.status, b.ward_id
          FROM businesses_business b
         WHERE b.signboard_key = k.key
           AND b.status = ANY(%(statuses)s) AND NOT b.is_deleted
           AND (%(wards)s::bigint[] IS NULL OR b.ward_id = ANY(%(wards)s::bigint[]))
         ORDER BY b.id
         LIMIT %(limit)s) b
  JOIN businesses_industry i ON i.id = b.industry_id
  JOIN layers_adminunit w ON w.id = b.ward_id
 ORDER BY k.same DESC, k.score DESC, b.id
 LIMIT %(limit)s
"""

KEY_SQL = "SELECT portal_name_key(%(name)s)"
MATCH_CITY_SQL = _MATCHES.format(keys=_KEYS_CITY)
MATCH_AREA_SQL = _MATCHES.format(keys=_KEYS_AREA)


def _params(name: str, wards: list[int] | None, limit: int) -> dict:
    return {"name": name, "statuses": list(TAKEN_STATUSES), "wards": wards, "limit": limit}


def explain_match(name: str, wards: list[int] | None, limit: int = 10) -> str:
    """The plan of the match query as the check sends it (same driver, same binding)."""
    return explain(MATCH_CITY_SQL if wards is None else MATCH_AREA_SQL, _params(nfc(name), wards, limit))


COMPANY_WORDS = ("cong ty", "doanh nghiep", "tnhh", "co phan")


def area_wards(area: str, ward: AdminUnit | None) -> tuple[list[int] | None, str]:
    """Ward ids that make up the registration area, and its name (None = whole city)."""
    if area == "city":
        return None, "Thành phố Hồ Chí Minh"
    if ward is None:
        raise InvalidInput(
            "Hãy chọn phường nơi đăng ký kinh doanh (tham số ward).",
            "Choose the ward where the business will register (parameter ward).",
            {"area": area},
            code="ward_required",
        )
    if area == "ward":
        return [ward.pk], ward.name
    # former_district: every current ward that took over a ward of the same old district.
    districts = set(AdminUnit.objects.filter(successor=ward, parent__isnull=False).values_list("parent_id", flat=True))
    if not districts:
        return [ward.pk], ward.name
    wards = set(
        AdminUnit.objects.filter(parent_id__in=districts, successor__isnull=False).values_list(
            "successor_id", flat=True
        )
    ) | {ward.pk}
    names = ", ".join(AdminUnit.objects.filter(id__in=districts).order_by("name").values_list("name", flat=True))
    return sorted(wards), names


def check_name(name: str, ward: AdminUnit | None, area: str | None = None, limit: int = 10) -> dict:
    """Verdict (duplicate / similar / free), the matches with public fields, the area used, warnings."""
    name = nfc(name or "")
    if not name:
        raise InvalidInput("Hãy nhập tên riêng trên biển hiệu.", "Type the proper name of the signboard.")
    if len(name) > MAX_NAME:
        raise InvalidInput(
            f"Tên dài quá {MAX_NAME} ký tự.", f"The name is longer than {MAX_NAME} characters.", code="too_long"
        )
    area = area or settings.NAME_CHECK_AREA
    wards, area_name = area_wards(area, ward)
    # The key and the matches go out together (one wait for PostgreSQL, not two); a name with no key matches
    # nothing, so its empty matches are dropped with the 400.
    params = _params(name, wards, limit)
    with server_cursors(2) as [keyed, matched]:
        with keyed.connection.pipeline():
            keyed.execute(KEY_SQL, params, prepare=False)
            matched.execute(MATCH_CITY_SQL if wards is None else MATCH_AREA_SQL, params, prepare=False)
        (key,) = keyed.fetchone() or (None,)
        rows = matched.fetchall()
    if not key:
        raise InvalidInput("Tên không có chữ hoặc số nào để so sánh.", "The name has no letters or digits to compare.")
    matches = [
        {
            "id": bid,
            "signboard": sign,
            "industry": {"code": code, "name": iname},
            "address": addr,
            "status": status,
            "ward": wname,
            "score": round(score, 3),
            "identical": same,
        }
        for bid, sign, code, iname, addr, status, wname, score, same in rows
    ]
    matches = [m for m in matches if m["identical"] or m["score"] >= SIMILAR_SCORE]
    if any(m["identical"] for m in matches):
        verdict = "duplicate"
    elif matches:
        verdict = "similar"
    else:
        verdict = "free"
    warnings = []
    folded = fold(name)
    if any(word in folded for word in COMPANY_WORDS):
        warnings.append(
            {
                "code": "company_word",
                "message": "Tên hộ kinh doanh không được dùng các từ “công ty”, “doanh nghiệp”.",
                "message_en": "A business household's name may not contain “công ty” (company) or "
                "“doanh nghiệp” (enterprise).",
            }
        )
    return {
        "name": name,
        "key": key,
        "verdict": verdict,
        "area": {"kind": area, "name": area_name, "wards": wards},
        "matches": matches,
        "warnings": warnings,
    }
