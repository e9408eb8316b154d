"""The leaders' dashboard: their wards' figures as a choropleth, a chart and a table that sorts, exported as shown,
and live (the page listens to /api/v1/events and reloads its figures when an officer saves an edit).

Every figure comes from the registry apps fill (`gisportal/figures.py`), through `frontend/leader.py`: the page,
its JSON and its exports read the same numbers. District leaders and administrators only.
"""

from __future__ import annotations

import csv
import io

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from frontend import leader, levels
from gisportal.errors import InvalidInput, PortalError, error_response, json_error
from gisportal.exports import safe_text
from gisportal.figures import GROUP, KHU_PHO, WARD
from gisportal.permissions import hides_small_counts, reads_leader_figures
from layers import registry

# The registry layers the choropleth is drawn from (layers/map_layers.py), per area level.
AREA_LAYERS = {WARD: "admin_wards", KHU_PHO: "admin_khu_pho"}


def _wards(request: HttpRequest):
    """The wards shown: all the leader follows (the district view), or the one asked for (`?ward=`)."""
    wards = leader.leader_wards(request.user)
    raw = request.GET.get("ward", "")
    if raw:
        wards = [w for w in wards if str(w.pk) == raw]
    return wards, raw


def _area_level(request: HttpRequest) -> str:
    """`?area=ward` (the default) or `?area=khu_pho`: what the map, the table and the levels are per."""
    by = request.GET.get("area") or WARD
    if by not in GROUP:
        raise InvalidInput(
            f"Cấp khu vực không có: '{by}' (ward hoặc khu_pho).",
            f"Unknown area level: '{by}' (ward or khu_pho).",
            {"area": list(GROUP)},
        )
    return by


def _refused(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return json_error(401, "not_authenticated", "Bạn cần đăng nhập.", "Please log in.")
    if not reads_leader_figures(request.user):
        return json_error(
            403, "permission_denied", "Trang này dành cho lãnh đạo.", "This dashboard is for district leaders."
        )
    return None


@require_safe
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """GET /leader/dashboard/: the page (its figures arrive as JSON, so the live update redraws the same way)."""
    if not request.user.is_authenticated:
        return redirect(f"/login/?next={request.get_full_path()}")
    if not reads_leader_figures(request.user):
        raise PermissionDenied("Trang này dành cho lãnh đạo. / This dashboard is for district leaders.")
    return render(request, "frontend/leader_dashboard.html", {"wards": leader.leader_wards(request.user)})


@require_safe
def dashboard_data(request: HttpRequest) -> HttpResponse:
    """GET /leader/dashboard/data?ward=&area=: the figures per area (wards or khu phố) and for the district, their
    levels, where the map opens, and the vector tiles it draws the areas from (the registry's admin-unit layers)."""
    if refused := _refused(request):
        return refused
    wards, raw = _wards(request)
    if raw and not wards:
        vi, en = "Không có phường này trong phạm vi của bạn.", "No such ward in your view."
        return json_error(400, "invalid_input", vi, en, {"ward": raw})
    try:
        by = _area_level(request)
    except PortalError as exc:
        return error_response(exc)
    data = leader.figures(wards, hides_small_counts(request.user), by)
    # The figures just counted may have moved an area to another level (the event that made the page reload
    # them is the change); indicators are never withheld counts, so these values are the true ones.
    areas = leader.areas_of(wards, by)
    ids = [a.pk for a in areas]
    levels.classify(ids, leader.values_from(data), by)
    tiles = f"{reverse('tiles-catalog')}{AREA_LAYERS[by]}/{{z}}/{{x}}/{{y}}.mvt"
    response = JsonResponse(
        {
            **data,
            "levels": levels.dashboard(ids, by),
            "bounds": leader.bounds(areas),
            # The map opens no further out than the layer's first zoom: below it the tiles are empty.
            "tiles": {"layer": AREA_LAYERS[by], "url": tiles, "minzoom": registry.known(AREA_LAYERS[by]).minzoom},
        }
    )
    response["Cache-Control"] = "private, no-store"  # live figures
    return response


@require_safe
def dashboard_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET /leader/dashboard/export.csv|xlsx?ward=&area=&sort=&dir=: the table as shown, the district's total last."""
    if refused := _refused(request):
        return refused
    wards, _raw = _wards(request)
    try:
        by = _area_level(request)
    except PortalError as exc:
        return error_response(exc)
    sort, descending = request.GET.get("sort", "name"), request.GET.get("dir") == "desc"
    data = leader.figures(wards, hides_small_counts(request.user), by)
    ids = [a.pk for a in leader.areas_of(wards, by)]
    levels.classify(ids, leader.values_from(data), by)
    head, rows = leader.table_rows(data, sort, descending, levels.dashboard(ids, by))
    name = "so-lieu-phuong" if by == WARD else "so-lieu-khu-pho"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(head)
        for row in rows:
            writer.writerow([safe_text(v) if isinstance(v, str) else ("" if v is None else v) for v in row])
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "Số liệu"
        sheet.append(head)
        for row in rows:
            sheet.append([safe_text(v) if isinstance(v, str) else v for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response
