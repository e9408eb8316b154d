"""HTTP for the area levels: list and define schemes (leaders and administrators, gisportal/permissions.py), and
the log of level changes. A scheme saved re-classifies every ward (and every khu phố) at once."""

from __future__ import annotations

import json
from typing import cast

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods

from frontend import leader, levels
from frontend.models import LevelChange, LevelScheme
from gisportal.errors import InvalidInput, PortalError, error_response, json_error
from gisportal.permissions import defines_levels, reads_leader_figures


def _refused(request: HttpRequest, write: bool) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return json_error(401, "not_authenticated", "Bạn cần đăng nhập.", "Please log in.")
    if not (defines_levels(request.user) if write else reads_leader_figures(request.user)):
        return json_error(
            403, "permission_denied", "Chỉ lãnh đạo mới đặt được mức phân loại.", "Only leaders define levels."
        )
    return None


def _body(request: HttpRequest) -> dict:
    try:
        return json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("Nội dung không phải JSON hợp lệ.", "The body is not valid JSON.") from exc


def _saved(scheme: LevelScheme, request: HttpRequest, status: int) -> JsonResponse:
    changes = levels.classify_wards([w.pk for w in leader.classified_wards()])
    return JsonResponse({**levels.scheme_json(scheme), "changes": len(changes)}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def scheme_list(request: HttpRequest) -> HttpResponse:
    """GET /leader/levels/: the active schemes. POST: a new scheme {name, indicator, per_1000, levels}."""
    if refused := _refused(request, request.method == "POST"):
        return refused
    if request.method == "GET":
        return JsonResponse({"schemes": [levels.scheme_json(s) for s in LevelScheme.objects.filter(active=True)]})
    try:
        fields = levels.validate(_body(request))
    except PortalError as exc:
        return error_response(exc)
    # Signed in: _refused turned anonymous callers away.
    scheme = LevelScheme.objects.create(**fields, created_by=cast(User, request.user))
    return _saved(scheme, request, 201)


@require_http_methods(["GET", "PUT", "DELETE"])
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /leader/levels/<id>: a scheme and its log; PUT replaces it (wards re-classified); DELETE retires it."""
    if refused := _refused(request, request.method != "GET"):
        return refused
    scheme = LevelScheme.objects.filter(pk=pk, active=True).first()
    if scheme is None:
        return json_error(404, "not_found", "Không có bộ mức này.", "No such level scheme.", {"id": pk})
    if request.method == "GET":
        log = LevelChange.objects.filter(scheme=scheme)[:200]
        changes = [
            {"ward": c.ward_id, "from": c.level_from, "to": c.level_to, "value": c.value, "at": c.at.isoformat()}
            for c in log
        ]
        return JsonResponse({**levels.scheme_json(scheme), "changes": changes})
    if request.method == "DELETE":
        scheme.active = False
        scheme.save(update_fields=["active", "updated_at"])
        return HttpResponse(status=204)
    try:
        fields = levels.validate(_body(request))
    except PortalError as exc:
        return error_response(exc)
    for name, value in fields.items():
        setattr(scheme, name, value)
    scheme.save()
    return _saved(scheme, request, 200)
