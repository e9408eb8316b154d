"""The review queue page for land officers (and the counts per ward for district leaders), at /land/detection/."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_safe

from gisportal.permissions import Domain, edits_domain, sees_domain, ward_ids
from layers.models import AdminUnit

# What the page's script says, translated here (Django's catalogue) and handed over as JSON;
# gettext_noop marks them for makemessages.
LABELS = {
    "confirm": gettext_noop("Confirm violation"),
    "permit": gettext_noop("Permitted"),
    "dismiss": gettext_noop("Dismiss false alarm"),
    "choose_permit": gettext_noop("Choose a permit"),
    "no_permit": gettext_noop("No permit covers this place"),
    "note": gettext_noop("Note"),
    "before": gettext_noop("Before"),
    "after": gettext_noop("After"),
    "confidence": gettext_noop("confidence"),
    "empty": gettext_noop("Nothing to review here."),
    "count": gettext_noop("flags"),
    "saved": gettext_noop("Decision saved."),
    "stale": gettext_noop("Someone else decided on this flag first; the list was reloaded."),
    "draw": gettext_noop("Click two opposite corners of the area on the map."),
    "drawn": gettext_noop("Area drawn."),
    "no_area": gettext_noop("Draw the area first."),
    "no_pair": gettext_noop("No two photographs of this ward to compare yet."),
    "queued": gettext_noop("Queued"),
    "running": gettext_noop("Running"),
    "done": gettext_noop("Done"),
    "failed": gettext_noop("Failed"),
    "cancelled": gettext_noop("Cancelled"),
    "tiles": gettext_noop("tiles"),
}


@require_safe
@login_required
def review_page(request):
    """Flags on the map over the later photograph, a queue with before/after chips and decisions, runs."""
    if not sees_domain(request.user, Domain.LAND):
        raise PermissionDenied  # citizens, khu phố and ward officers get nothing of it (docs/architecture.md, "Access")
    scope = ward_ids(request.user)
    wards = AdminUnit.objects.valid_on().wards().exclude(code__startswith="BENCH-").order_by("name")
    if scope is not None:
        wards = wards.filter(pk__in=scope)
    khu_phos = AdminUnit.objects.valid_on().filter(level="khu_pho", parent__in=wards).order_by("parent", "name")
    context = {
        "wards": wards,
        "khu_phos": khu_phos,
        "can_edit": edits_domain(request.user, Domain.LAND),
        "labels": {key: gettext(text) for key, text in LABELS.items()},
    }
    return render(request, "detection/review.html", context)


urlpatterns = [path("", review_page, name="detection-review-page")]
