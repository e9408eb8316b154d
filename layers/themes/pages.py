"""The definition page: a ward's administrator defines a layer, or changes one, and opens it in the map editor.

The page only gathers the definition; every check is the API's (`/api/v1/themes/`, layers/themes/api.py), so
the page, a script and the demo meet the same rules and messages.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from gisportal.permissions import may_define_layers, ward_ids
from layers.models import AdminUnit
from layers.themes import definition


def _owners(user) -> list[AdminUnit]:
    """The wards (and districts) the user may define layers for."""
    units = AdminUnit.objects.valid_on().filter(level__in=[AdminUnit.Level.WARD, AdminUnit.Level.DISTRICT])
    scope = ward_ids(user)
    if scope is not None:
        units = units.filter(pk__in=scope)
    return [u for u in units.exclude(code__startswith="BENCH-").order_by("level", "name")[:500]]


@require_safe
@login_required
def define_page(request: HttpRequest) -> HttpResponse:
    """The list of the ward's own layers and the form that defines one (`?layer=slug` to change it)."""
    user = request.user
    roles = [(str(r), r.label) for r in definition.EDITOR_ROLES]
    context = {
        "can_define": may_define_layers(user),
        "owners": _owners(user) if may_define_layers(user) else [],
        "field_types": [(k, vi, en) for k, (vi, en) in definition.FIELD_TYPES.items()],
        "roles": roles,
        "symbols": definition.SYMBOLS,
        "layer": request.GET.get("layer", ""),
    }
    return render(request, "layers/themes/define.html", context)


urlpatterns = [path("", define_page, name="themes-define-page")]
