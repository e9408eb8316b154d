from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def map_page(request):
    """The map shell: ward, khu phố and POI layers, open to everyone; a district leader's home is their wards in
    figures (frontend/leader.py), with the map one link away (`?view=map`)."""
    from gisportal.permissions import Role, role_of

    if role_of(request.user) == Role.DISTRICT_LEADER and request.GET.get("view") != "map":
        return leader_home(request)
    return render(request, "frontend/map.html")


def leader_home(request):
    from frontend import leader

    wards = leader.leader_wards(request.user)
    return render(request, "frontend/leader_home.html", {"rows": leader.figures(wards)})


@require_GET
def businesses_page(request):
    """Citizens' page: signboard name check and radius scan."""
    from layers.models import AdminUnit

    wards = AdminUnit.objects.valid_on().wards().exclude(code__startswith="BENCH-").order_by("name")
    return render(request, "frontend/businesses.html", {"wards": wards})


@require_GET
@login_required
def business_editor_page(request):
    """Officers place, move, edit and delete business households of their ward on the map."""
    from gisportal.permissions import edits_domain, ward_ids

    scope = sorted(ward_ids(request.user) or [])
    return render(
        request, "frontend/business_editor.html", {"can_edit": edits_domain(request.user), "ward_scope": scope}
    )


@login_required
@require_GET
def business_stats_page(request):
    """Officers' and leaders' statistics: counts by a grouping as a table and a chart, and exports."""
    from businesses import export, filters
    from businesses.models import Business, Industry

    wards, khu_phos = filters.unit_choices(request.user)
    industries = Industry.objects.filter(version=Industry.Version.VSIC2018)
    context = {
        "wards": wards,
        "khu_phos": khu_phos,
        "sections": industries.filter(level=1),
        "industries": industries.exclude(level=1),
        "statuses": [(value, *label.split(" / ", 1)) for value, label in Business.Status.choices],
        "may_export": export.may_export(request.user),
    }
    return render(request, "frontend/business_stats.html", context)


@require_GET
@login_required
def layers_editor_page(request):
    """Officers draw, move, reshape, edit, delete and restore features of the editable thematic layers."""
    from gisportal.permissions import edits_domain, ward_ids
    from layers import registry

    name = request.GET.get("layer", "waste_points")
    layer = registry.get(name)
    if layer is None or not layer.editable:
        name = "waste_points"
    scope = sorted(ward_ids(request.user) or [])
    context = {"can_edit": edits_domain(request.user), "ward_scope": scope, "layer": name}
    return render(request, "frontend/layers_editor.html", context)


@require_GET
def layers_forest_page(request):
    """Forest plots: the change between two surveys on the map and in tables, KML/KMZ, officers' field data."""
    from gisportal.permissions import sees_domain

    return render(request, "frontend/layers_forest.html", {"is_officer": sees_domain(request.user)})


@require_GET
@login_required
def house_report_page(request):
    """A ward's house-number problems (the standardisation report) for its officers and for leaders."""
    from gisportal.permissions import ward_ids
    from layers.models import AdminUnit

    wards = AdminUnit.objects.valid_on().wards().exclude(code__startswith="BENCH-").order_by("name")
    scope = ward_ids(request.user)
    if scope is not None:
        wards = wards.filter(pk__in=scope)
    return render(request, "frontend/house_report.html", {"wards": wards})
