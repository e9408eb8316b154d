"""The land officers' pages: imagery comparison with the "when was it built?" strip, and the parcel tool."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from gisportal.permissions import Domain, edits_domain, reads_land, ward_ids
from imagery.land import parcels
from layers.models import AdminUnit


def _context(request) -> dict:
    if not reads_land(request.user):
        # Citizens and ward officers get nothing of land records (docs/architecture.md, Access).
        raise PermissionDenied
    scope = ward_ids(request.user)
    wards = AdminUnit.objects.valid_on().wards().exclude(code__startswith="BENCH-").order_by("name")
    if scope is not None:
        wards = wards.filter(pk__in=scope)
    return {"wards": wards, "can_edit": edits_domain(request.user, Domain.LAND)}


@require_safe
@login_required
def compare_page(request):
    """Two acquisitions by year with a swipe and an opacity slider; click a spot or a parcel for the time strip."""
    return render(request, "frontend/imagery_compare.html", _context(request))


@require_safe
@login_required
def parcel_page(request):
    """Corner coordinates from a survey document → a parcel on the imagery, measured, saved, exported."""
    context = _context(request)
    context["crs_choices"] = [(srid, vi, en) for srid, (vi, en) in parcels.CRS_CHOICES.items()]
    return render(request, "frontend/imagery_parcels.html", context)


urlpatterns = [
    path("imagery/", compare_page, name="imagery-compare-page"),
    path("parcels/", parcel_page, name="imagery-parcels-page"),
]
