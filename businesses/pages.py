"""The business pages' views: each builds its page's data here, next to the models and rules it reads.

The templates stay with the portal's other pages (`frontend/templates/frontend/`); the URLs are in
`frontend/urls.py` with every page's.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from businesses.api.filters import unit_choices
from businesses.models import Business, Industry
from gisportal.permissions import edits_domain, may_export, ward_ids
from layers.models import AdminUnit


@require_safe
def businesses_page(request: HttpRequest) -> HttpResponse:
    """Citizens' page: signboard name check and radius scan.

    The portal's own wards (PORTAL_HOME_WARDS) head the name check's list, the first one chosen: a citizen of the
    ward registers there, and the city's first ward by name would check the name against the wrong one."""
    listed = AdminUnit.objects.valid_on().wards().exclude(code__startswith="BENCH-").order_by("name")
    home = list(settings.PORTAL_HOME_WARDS)
    wards = sorted(listed, key=lambda w: home.index(w.code) if w.code in home else len(home))
    return render(request, "frontend/businesses.html", {"wards": wards})


@require_safe
@login_required
def business_editor_page(request: HttpRequest) -> HttpResponse:
    """Officers place, move, edit and delete business households of their ward on the map."""
    scope = sorted(ward_ids(request.user) or [])
    return render(
        request, "frontend/business_editor.html", {"can_edit": edits_domain(request.user), "ward_scope": scope}
    )


@login_required
@require_safe
def business_stats_page(request: HttpRequest) -> HttpResponse:
    """Officers' and leaders' statistics: counts by a grouping as a table and a chart, and exports."""
    wards, khu_phos = unit_choices(request.user)
    industries = Industry.objects.filter(version=Industry.Version.VSIC2018)
    context = {
        "wards": wards,
        "khu_phos": khu_phos,
        "sections": industries.filter(level=1),
        "industries": industries.exclude(level=1),
        "statuses": [(value, *label.split(" / ", 1)) for value, label in Business.Status.choices],
        "may_export": may_export(request.user),
        # A leader's figure links here with its ward and status (?ward=&status=): the page opens filtered on them.
        "chosen_statuses": request.GET.getlist("status"),
    }
    return render(request, "frontend/business_stats.html", context)
