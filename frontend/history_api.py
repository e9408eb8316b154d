"""HTTP for the figures over time: one figure's series for the chart, and a snapshot taken on a leader's request
(queued to the Celery worker, as the 6-hourly one is)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST, require_safe

from frontend import leader, snapshots
from frontend.dashboard import _refused, _wards
from gisportal import figures as registry
from gisportal.errors import json_error


@require_safe
def figure_history(request: HttpRequest) -> HttpResponse:
    """GET /leader/dashboard/history?figure=&ward=: the figure per ward and for the wards shown, per snapshot."""
    if refused := _refused(request):
        return refused
    key = request.GET.get("figure", "")
    if key not in snapshots.kept_keys():
        figure = registry.figure(key)
        vi = f"Không có chuỗi theo thời gian cho chỉ tiêu {key!r}." + (
            " (số nhạy cảm không được lưu)" if figure else ""
        )
        en = f"No series over time for figure {key!r}." + (" (withheld counts are not kept)" if figure else "")
        return json_error(400, "invalid_input", vi, en, {"figure": key, "known": snapshots.kept_keys()})
    wards, raw = _wards(request)
    if raw and not wards:
        return json_error(400, "invalid_input", "Không có phường này.", "No such ward in your view.", {"ward": raw})
    response = JsonResponse(snapshots.history(key, [w.pk for w in wards]))
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def take_snapshot(request: HttpRequest) -> HttpResponse:
    """POST /leader/dashboard/snapshots: a snapshot now, through the worker; 202 with the task's id."""
    if refused := _refused(request):
        return refused
    from frontend.tasks import snapshot

    result = snapshot.delay()
    return JsonResponse({"task": result.id, "wards": len(leader.classified_wards())}, status=202)
