"""The reports' pages: the citizen's phone page to file one, a report's public page (by code or QR) and its
printable sheet, its QR PNG and photos, and the officers' queue (server-rendered forms, one per step)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods, require_safe
from rest_framework.exceptions import APIException

from gisportal.errors import PortalError
from gisportal.permissions import can_handle_report, reads_reports, report_assignees, scope_reports
from layers.reports import codes, qr, services
from layers.reports.api import queue_of
from layers.reports.models import DEADLINE_DAYS, Kind, Report, ReportPhoto, Status
from layers.reports.public import for_officer, public


def _report_or_404(code: str) -> Report:
    try:
        return services.get(code)
    except PortalError as exc:
        raise Http404(exc.message_en) from exc


@require_safe
@ensure_csrf_cookie
def new_page(request: HttpRequest) -> HttpResponse:
    """The citizen's page (phone first): pin the problem, pick its kind, describe it, add photos, send."""
    kinds = [(k, *label.split(" / ", 1), DEADLINE_DAYS[k]) for k, label in Kind.choices]
    return render(request, "reports/new.html", {"kinds": kinds})


@require_safe
def lookup(request: HttpRequest) -> HttpResponse:
    """/reports/?code=…: a typed code opens its report's page."""
    code = codes.normalise(request.GET.get("code", ""))
    if code:
        if Report.objects.filter(code=code).exists():
            return redirect("report-page", code=code)
        return render(request, "reports/lookup.html", {"code": code, "missing": True}, status=404)
    return render(request, "reports/lookup.html", {})


@require_safe
def report_page(request: HttpRequest, code: str) -> HttpResponse:
    report = _report_or_404(code)
    if codes.normalise(code) != code:
        return redirect("report-page", code=report.code)
    context = {"r": public(report), "at": report, "public_url": qr.public_url(request, code)}
    return render(request, "reports/report.html", context)


@require_safe
def print_page(request: HttpRequest, code: str) -> HttpResponse:
    report = _report_or_404(code)
    context = {"r": public(report), "at": report, "public_url": qr.public_url(request, code)}
    return render(request, "reports/print.html", context)


@require_safe
def qr_png(request: HttpRequest, code: str) -> HttpResponse:
    """The report's QR code: its public page's URL, as a PNG to save or print."""
    report = _report_or_404(code)
    response = HttpResponse(qr.png(qr.public_url(request, report.code)), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="phan-anh-{report.code}.png"'
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def photo(request: HttpRequest, code: str, position: int) -> FileResponse:
    """A photo's public copy (re-encoded, no metadata); the original never leaves the server."""
    row = ReportPhoto.objects.filter(report__code=codes.normalise(code), position=position).first()
    if row is None:
        raise Http404("No such photo.")
    try:
        handle = row.public.open("rb")
    except FileNotFoundError as exc:  # a file lost from the disk is a missing photo, not a 500
        raise Http404("No such photo.") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def queue_page(request: HttpRequest) -> HttpResponse:
    """The officers' queue: their ward's (or khu phố's) reports, soonest deadline first, a form per step.
    Leaders see every ward's, and the counts per ward, without the steps."""
    if not reads_reports(request.user):
        raise Http404("No queue.")
    error = None
    if request.method == "POST":
        code = request.POST.get("code", "")
        try:
            services.step(code, request.user, request.POST.get("step", ""), request.POST)
            return redirect(f"{reverse('report-queue-page')}?{request.GET.urlencode()}#r-{code}")
        except APIException as exc:
            error = getattr(exc, "message", None) or str(exc.detail)
            if isinstance(exc, PortalError):
                error = exc.message_en if get_language() == "en" else exc.message
    try:
        rows = queue_of(request.user, request.GET)
    except PortalError as exc:
        rows, error = [], exc.message_en if get_language() == "en" else exc.message
    from django.contrib.auth import get_user_model

    items = []
    for report in rows:
        handles = can_handle_report(request.user, report)
        items.append(
            {
                "r": for_officer(report, request.user),
                "at": report,  # its times, which the templates show in the ward's time zone
                "handles": handles,
                "colleagues": list(report_assignees(get_user_model(), report).values_list("username", flat=True))
                if handles
                else [],
            }
        )
    wards = scope_reports(Report.objects.all(), request.user).values_list("ward_id", flat=True).distinct()
    counts = services.per_ward(sorted(set(wards)))
    from layers.models import AdminUnit

    names = dict(AdminUnit.objects.filter(pk__in=counts).values_list("pk", "name"))
    english = int(get_language() == "en")
    context = {
        "items": items,
        "error": error,
        "counts": [{"ward_id": w, "ward": names.get(w), **c} for w, c in sorted(counts.items())],
        # The choices' labels are "vi / en": the page's half of each.
        "statuses": [(v, label.split(" / ")[english]) for v, label in Status.choices],
        "filter_status": request.GET.get("status", "open"),
        "filter_overdue": request.GET.get("overdue") == "1",
        "filter_ward": request.GET.get("ward", ""),
    }
    return render(request, "reports/queue.html", context, status=400 if error and request.method == "POST" else 200)
